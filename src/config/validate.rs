//! The single place where a configuration is checked: each setting against its own range (from
//! the table), then the rules between settings.

use super::table::SETTINGS;
use super::{Config, ConfigError, HIDDEN_SIZES, Loss, MAX_LAYERS};

impl Config {
    /// Every problem of the configuration, each under its setting's name.
    pub fn validate(&self) -> Result<(), Vec<ConfigError>> {
        let mut errors: Vec<ConfigError> = SETTINGS.iter().filter_map(|row| row.check(self).err()).collect();
        if !(1..=MAX_LAYERS).contains(&self.acts.len()) {
            errors.push(ConfigError::new(
                "acts",
                format!(
                    "between 1 and {MAX_LAYERS} activations (one per Linear layer) expected, got {}",
                    self.acts.len()
                ),
            ));
        } else if self.widths.len() + 1 != self.acts.len() {
            errors.push(ConfigError::new(
                "widths",
                format!(
                    "{} activations need {} hidden widths (one fewer), got {}",
                    self.acts.len(),
                    self.acts.len() - 1,
                    self.widths.len()
                ),
            ));
        }
        if self.loss == Loss::Nll && self.dataset.outputs() < 2 {
            errors.push(ConfigError::new(
                "loss",
                format!("nll needs two or more outputs; {} has one, use loss=sse", self.dataset.name()),
            ));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// After `key` was set: a new depth keeps the widths it can, cut or extended with the last
    /// width, so `acts` alone is a whole network (a later `widths` still overrides them).
    pub(super) fn follow_setting(&mut self, key: &str) {
        if key == "acts" && self.widths.len() + 1 != self.acts.len() {
            let fill = self.widths.last().copied().unwrap_or(HIDDEN_SIZES[1]);
            self.widths.resize(self.acts.len() - 1, fill);
        }
    }
}

/// The settings that fail together with `field` (the widths with the depth, the loss with the
/// dataset): a bad one takes its partners' values back too.
pub(super) fn partners(field: &str) -> &'static [&'static str] {
    match field {
        "acts" | "widths" => &["acts", "widths"],
        "loss" => &["loss", "dataset"],
        _ => &[],
    }
}
