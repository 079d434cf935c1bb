//! The one `Config` that drives the page, the share link, the CLI and the sweeps.
//!
//! Every setting is a row of one table ([`table::SETTINGS`]): its name, label, help, kind and
//! field. Every way a configuration enters the program (JSON from the page, a share link, CLI
//! flags) ends in [`Config::validate`], so the rules live in one place.
//!
//! - `choices`: the enumerated settings (activation, BatchNorm, dataset, init, loss, backend);
//! - `table`: the settings table and what is made from it (the form's table, help, docs);
//! - `values`: a setting's value as text (parse, write, show in a message);
//! - `validate`: the checks, each setting's range and the rules between settings.

use serde::{Deserialize, Serialize};
use std::fmt;

mod choices;
pub mod row;
pub mod table;
mod validate;
pub mod values;

pub use choices::{Activation, BackendKind, BatchNormMode, DatasetKind, Init, Loss};
pub use table::{SETTING_KEYS, SETTINGS, Setting, setting_help, settings_table};
pub use values::{parse_flag, short_number};

/// The struct with each field's default beside it (`pub lr: f64 = 0.01,`), so a new setting's
/// field and default are one line.
macro_rules! config_with_defaults {
    (
        $(#[$meta:meta])*
        pub struct Config { $( $(#[$fmeta:meta])* pub $field:ident: $ty:ty = $default:expr, )+ }
    ) => {
        $(#[$meta])*
        pub struct Config { $( $(#[$fmeta])* pub $field: $ty, )+ }

        impl Default for Config {
            fn default() -> Self {
                Config { $( $field: $default, )+ }
            }
        }
    };
}

config_with_defaults! {
    /// One training run. The defaults are the article's experiment.
    ///
    /// In JSON each field is spelled as its setting in [`SETTINGS`] (`bn`, `batch`, `stats`, …), the
    /// same name as in a share link, on the command line, in the page's form and in error messages.
    /// The older JSON spellings (`batch_norm`, `batch_size`, `stats_every`) are still read.
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    pub struct Config {
        pub dataset: DatasetKind = DatasetKind::MnistSubset,
        /// One activation per Linear layer, the last acting on the output (1 to [`MAX_LAYERS`]).
        pub acts: Vec<Activation> = vec![Activation::Relu, Activation::Sigmoid, Activation::Relu],
        #[serde(rename = "bn", alias = "batch_norm")]
        pub batch_norm: BatchNormMode = BatchNormMode::None,
        pub lr: f64 = 0.01,
        pub momentum: f64 = 0.5,
        #[serde(rename = "batch", alias = "batch_size")]
        pub batch_size: usize = 32,
        pub epochs: usize = 10,
        /// Fixes the initial weights and the batch order (for a given backend).
        pub seed: u64 = 1,
        pub backend: BackendKind = BackendKind::Gpu,
        /// Take activation/gradient statistics every this many steps (0 = never).
        #[serde(rename = "stats", alias = "stats_every")]
        pub stats_every: usize = 50,
        /// Widths of the hidden layers: one fewer than `acts` (the output width is the dataset's).
        pub widths: Vec<usize> = HIDDEN_SIZES.to_vec(),
        pub init: Init = Init::Pytorch,
        /// Multiplies the initial weights' spread (bounds or standard deviation).
        pub gain: f64 = 1.0,
        /// Whether the Linear layers have biases.
        pub bias: bool = true,
        pub loss: Loss = Loss::Nll,
    }
}

/// A finished run's accuracy in words: `text` (may be empty) and the tone of the status line
/// (`bad`, `good` or empty).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    pub text: String,
    pub tone: &'static str,
}

/// A run's headline measure on the test split, named and written for the page: the accuracy,
/// or for a single output (the Q&A's regression) its own measure, the mean absolute error, beside
/// the squared-error loss; and what the value says.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Headline {
    /// "Test accuracy" or "Mean absolute error".
    pub label: &'static str,
    /// "97.1%", "0.500"; "–" before the first epoch.
    pub value: String,
    /// The squared-error loss beside the error ("squared-error loss 0.125"); empty otherwise.
    pub beside: String,
    pub verdict: Verdict,
}

/// The article's network: 784 (or 3072 for CIFAR-10) → 500 → 256 → 10.
pub const HIDDEN_SIZES: [usize; 2] = [500, 256];
pub const NUM_CLASSES: usize = 10;
/// The most Linear layers (activations) a network may have.
pub const MAX_LAYERS: usize = 10;
pub const MAX_WIDTH: usize = 1024;
pub const MAX_GAIN: f64 = 10.0;

pub const MAX_BATCH_SIZE: usize = 4096;
/// Seeds stay exact JavaScript numbers (2^53 − 1), so a link's seed survives the page.
pub const MAX_SEED: u64 = (1 << 53) - 1;
/// High enough for the Q&A's thousands of full-batch steps (one step per epoch).
pub const MAX_EPOCHS: usize = 100_000;
pub const MAX_LR: f64 = 100.0;
pub const MAX_STATS_EVERY: usize = 100_000;

/// A problem with one setting, named so the page can point at it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigError {
    pub field: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl ConfigError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        ConfigError { field: field.to_string(), message: message.into() }
    }
}

/// Joins errors into one readable sentence list.
pub fn describe_errors(errors: &[ConfigError]) -> String {
    errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
}

/// Shortens untrusted text before it is echoed in a message.
pub(crate) fn clip(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    }
}

impl Config {
    /// `key=value` settings (the page's form as typed, a share link, CLI flags) applied over
    /// `self` (a valid configuration): each value is parsed by [`Config::apply_setting`] and the
    /// result checked by [`Config::validate`]. A setting that fails either keeps its value from
    /// `self` and is reported once, under its name; every other setting still applies.
    pub fn with_settings<K: AsRef<str>, V: AsRef<str>>(&self, pairs: &[(K, V)]) -> (Config, Vec<ConfigError>) {
        let mut config = self.clone();
        let mut errors = Vec::new();
        let named = |key: &str| pairs.iter().any(|(k, _)| AsRef::<str>::as_ref(k) == key);
        // The widths as their own pair set them: a later `acts` of another depth resizes them
        // (the page's depth control relies on it), and a link that did so is told.
        let mut widths_set = None;
        for (key, value) in pairs {
            match config.apply_setting(key.as_ref(), value.as_ref()) {
                Err(e) => errors.push(e),
                Ok(()) if key.as_ref() == "widths" => widths_set = Some(config.widths.clone()),
                Ok(()) => {}
            }
        }
        if widths_set.is_some_and(|w| w != config.widths) {
            let depth = config.acts.len();
            errors.push(ConfigError::new(
                "widths",
                format!("not applied: the acts after it make {depth} layers, and the widths follow them"),
            ));
        }
        // A dataset of one output (the Q&A) takes the squared error, unless the pairs name a loss.
        if named("dataset") && !named("loss") && config.loss == Loss::Nll && config.dataset.outputs() < 2 {
            config.loss = Loss::Sse;
        }
        // What the settings asked for, before any is taken back.
        let asked = config.all_settings();
        let good = self.all_settings();
        let mut problems = config.validate().err().unwrap_or_default();
        errors.extend(problems.iter().cloned());
        // A setting that fails keeps `self`'s value; one that fails with another (the widths with
        // the depth, the loss with the dataset) takes that one's value from `self` too. `self` is
        // valid, so this ends in a valid configuration.
        let mut taken_back: Vec<(&'static str, ConfigError)> = Vec::new();
        for _ in 0..4 {
            if problems.is_empty() {
                break;
            }
            for problem in &problems {
                let field = problem.field.as_str();
                for field in std::iter::once(field).chain(validate::partners(field).iter().copied()) {
                    if let Some((key, value)) = good.iter().find(|(k, _)| *k == field) {
                        let _ = config.apply_setting(key, value);
                        taken_back.push((*key, problem.clone()));
                    }
                }
            }
            problems = config.validate().err().unwrap_or_default();
        }
        if !problems.is_empty() {
            // Never reached for a valid `self`; the promise of a valid result holds regardless.
            config = self.clone();
        }
        // A setting the pairs named that was taken back with a partner is named too: nothing a
        // link or a form asks for is dropped without a word.
        for (key, cause) in taken_back {
            let changed = asked.iter().zip(config.all_settings()).any(|((k, a), (_, now))| *k == key && *a != now);
            if named(key) && changed && !errors.iter().any(|e| e.field == key) {
                errors.push(ConfigError::new(
                    key,
                    format!("not applied: it goes with {} ({})", cause.field, cause.message),
                ));
            }
        }
        (config, errors)
    }

    /// A configuration from `key=value` settings over the defaults; every problem, or none.
    pub fn from_settings<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Result<Config, Vec<ConfigError>> {
        let (config, errors) = Config::default().with_settings(pairs);
        if errors.is_empty() { Ok(config) } else { Err(errors) }
    }

    /// Parses and validates JSON (as the page sends it).
    pub fn from_json(text: &str) -> Result<Config, Vec<ConfigError>> {
        let config: Config = serde_json::from_str(text).map_err(|e| vec![ConfigError::new("config", e.to_string())])?;
        config.validate()?;
        Ok(config)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("Config always serializes")
    }

    /// A short human name, e.g. `relu-sigmoid-relu` or `relu-sigmoid-relu+bn(last)`.
    pub fn label(&self) -> String {
        let acts = self.acts.iter().map(|a| a.name()).collect::<Vec<_>>().join("-");
        match self.batch_norm {
            BatchNormMode::None => acts,
            mode => format!("{acts}+bn({})", mode.name()),
        }
    }

    /// The loss of a network that only guesses (a uniform softmax over the classes: ln of their
    /// number), drawn as the charts' chance line; `None` for the squared error, which has none.
    pub fn chance_loss(&self) -> Option<f64> {
        match self.loss {
            Loss::Nll => Some((self.dataset.outputs() as f64).ln()),
            Loss::Sse => None,
        }
    }

    /// What a finished run's test accuracy (0–1) says, for the page's status line; `None` for
    /// the squared error, whose outputs (the Q&A's answers) are no classes to guess among.
    pub fn accuracy_verdict(&self, accuracy: f64) -> Option<Verdict> {
        if self.loss != Loss::Nll {
            return None;
        }
        let chance = 1.0 / self.dataset.outputs() as f64;
        Some(if accuracy < 2.0 * chance {
            Verdict {
                text: format!("That is close to guessing ({:.0}%): this combination does not learn.", chance * 100.0),
                tone: "bad",
            }
        } else if accuracy < 0.8 {
            Verdict { text: "Well below what this network can do: something is holding it back.".into(), tone: "" }
        } else {
            Verdict { text: String::new(), tone: "good" }
        })
    }

    /// The headline of a run whose last epoch scored `accuracy` and `loss` on the test split,
    /// and for a single output `error` (mean |y − ŷ|); all `None` before the first epoch.
    pub fn headline(&self, accuracy: Option<f32>, error: Option<f32>, loss: Option<f32>) -> Headline {
        let none = || Verdict { text: String::new(), tone: "" };
        if self.dataset.outputs() == 1 {
            let verdict = match error {
                Some(e) if e < 0.05 => Verdict { text: "The answers are close to their targets.".into(), tone: "good" },
                Some(e) if e >= 0.4 => Verdict {
                    text: "About what an output stuck at 0 or ½ gives (0.5 here): this network does not learn.".into(),
                    tone: "bad",
                },
                Some(_) => {
                    Verdict { text: "Some answers are still far off: something holds it back.".into(), tone: "" }
                }
                None => none(),
            };
            return Headline {
                label: "Mean absolute error",
                value: error.map_or("–".into(), |e| crate::format::value(e as f64, 3)),
                beside: loss
                    .map_or(String::new(), |l| format!("squared-error loss {}", crate::format::value(l as f64, 3))),
                verdict,
            };
        }
        Headline {
            label: "Test accuracy",
            value: accuracy.map_or("–".into(), |a| crate::format::readout_percent(a as f64)),
            beside: String::new(),
            verdict: accuracy.and_then(|a| self.accuracy_verdict(a as f64)).unwrap_or_else(none),
        }
    }

    /// For titles: "relu → sigmoid → relu + BatchNorm on the last layer" (`short`: "+ BN last").
    /// Deeper networks than the article's write a run of one activation once with its count,
    /// "sigmoid ×7 → relu", so a title of ten layers stays on one line.
    pub fn describe(&self, short: bool) -> String {
        let acts = if self.acts.len() <= 3 {
            self.acts.iter().map(|a| a.name()).collect::<Vec<_>>().join(" → ")
        } else {
            let mut runs: Vec<(Activation, usize)> = Vec::new();
            for &a in &self.acts {
                match runs.last_mut() {
                    Some((last, n)) if *last == a => *n += 1,
                    _ => runs.push((a, 1)),
                }
            }
            runs.iter()
                .map(|&(a, n)| if n == 1 { a.name().to_string() } else { format!("{} ×{n}", a.name()) })
                .collect::<Vec<_>>()
                .join(" → ")
        };
        match self.batch_norm.in_title(short) {
            Some(bn) => format!("{acts} + {bn}"),
            None => acts,
        }
    }

    /// For file names, every setting:
    /// `relu-sigmoid-relu_bn-none_mnist-subset_lr-0.01_momentum-0.5_batch-32_epochs-10_seed-1_gpu_stats-50`.
    pub fn file_label(&self) -> String {
        let mut parts: Vec<String> = self
            .settings()
            .into_iter()
            .map(|(key, value)| match key {
                "acts" | "widths" => value.replace(',', "-"),
                "dataset" | "backend" => value,
                _ => format!("{key}-{value}"),
            })
            .collect();
        // The combination first, then BatchNorm: what the file is about.
        parts[..3].rotate_left(1);
        parts.join("_")
    }

    /// Applies one `key=value` setting, as written in a share link or on the command line.
    /// Unknown keys and bad values are errors naming the key; the config is left unchanged then.
    pub fn apply_setting(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let Some(row) = table::setting(key) else {
            return Err(ConfigError::new(&clip(key), format!("unknown setting (known: {})", SETTING_KEYS.join(", "))));
        };
        (row.get_mut)(self).set_text(row, value)?;
        self.follow_setting(key);
        Ok(())
    }

    /// The settings as ordered `key=value` pairs, the readable form of a share link. The
    /// network settings (widths, init, gain, bias, loss) are listed only where they differ from
    /// the article's, so every link and file name of the article's network reads as before.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        let article = Config::default();
        SETTINGS
            .iter()
            .map(|row| (row, (row.get)(self).text()))
            .filter(|(row, value)| !row.only_if_changed || *value != (row.get)(&article).text())
            .map(|(row, value)| (row.name, value))
            .collect()
    }

    /// Every setting as ordered `key=value` pairs, defaults included (for the page's form).
    pub fn all_settings(&self) -> Vec<(&'static str, String)> {
        SETTINGS.iter().map(|row| (row.name, (row.get)(self).text())).collect()
    }

    /// Widths of every layer boundary for `input_size` inputs: the input, the hidden widths, the
    /// dataset's outputs.
    pub fn layer_sizes(&self, input_size: usize) -> Vec<usize> {
        let mut sizes = vec![input_size];
        sizes.extend(&self.widths);
        sizes.push(self.dataset.outputs());
        sizes
    }
}

#[cfg(test)]
pub(crate) mod tests;
