//! A setting's value as text: how each kind of field is written, read back from a link, a form
//! or a flag, and shown in a message. The table ([`super::table`]) names the field; [`Value`]
//! does the rest, so a new field of a known type needs no code here.

use super::row::{Range, SettingRow, Value, out_of_range};
use super::{Activation, ConfigError, MAX_LAYERS, MAX_SEED, clip};

/// The whole-number fields: epochs, batch and widths (`usize`) and the seed (`u64`), read and
/// range-checked alike.
trait Whole: Copy + ToString + TryFrom<u64> {
    fn as_f64(self) -> f64;
    /// As a message shows it.
    fn shown(self) -> String {
        short_number(self.as_f64())
    }
}

impl Whole for usize {
    fn as_f64(self) -> f64 {
        self as f64
    }
}

/// Seeds: shown with every digit, since one past the largest allowed must read as such.
impl Whole for u64 {
    fn as_f64(self) -> f64 {
        self as f64
    }
    fn shown(self) -> String {
        self.to_string()
    }
}

impl<T: Whole> Value for T {
    fn text(&self) -> String {
        self.to_string()
    }
    fn set_text(&mut self, row: &SettingRow, text: &str) -> Result<(), ConfigError> {
        *self = parse_whole(row, text)?;
        Ok(())
    }
    fn outside(&self, range: Range) -> Option<String> {
        (!range.contains(self.as_f64())).then(|| self.shown())
    }
}

impl Value for f64 {
    fn text(&self) -> String {
        self.to_string()
    }
    fn set_text(&mut self, row: &SettingRow, text: &str) -> Result<(), ConfigError> {
        *self = parse_number(row, text)?;
        Ok(())
    }
    fn outside(&self, range: Range) -> Option<String> {
        (!range.contains(*self)).then(|| short_number(*self))
    }
}

/// Yes/no: written 1 or 0.
impl Value for bool {
    fn text(&self) -> String {
        if *self { "1" } else { "0" }.to_string()
    }
    fn set_text(&mut self, row: &SettingRow, text: &str) -> Result<(), ConfigError> {
        *self = parse_flag(row.name, text)?;
        Ok(())
    }
}

/// Hidden widths: comma-separated whole numbers, each in the range (empty parts are skipped).
impl Value for Vec<usize> {
    fn text(&self) -> String {
        self.iter().map(|w| w.to_string()).collect::<Vec<_>>().join(",")
    }
    fn set_text(&mut self, row: &SettingRow, text: &str) -> Result<(), ConfigError> {
        *self = text
            .split(',')
            .filter(|part| !part.trim().is_empty())
            .map(|part| parse_whole(row, part))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(())
    }
    fn outside(&self, range: Range) -> Option<String> {
        self.iter().find_map(|w| w.outside(range))
    }
}

/// Activations: comma-separated, one per Linear layer.
impl Value for Vec<Activation> {
    fn text(&self) -> String {
        self.iter().map(|a| a.name()).collect::<Vec<_>>().join(",")
    }
    fn set_text(&mut self, row: &SettingRow, text: &str) -> Result<(), ConfigError> {
        let parts: Vec<&str> = text.split(',').collect();
        if !(1..=MAX_LAYERS).contains(&parts.len()) {
            return Err(ConfigError::new(
                row.name,
                format!(
                    "1 to {MAX_LAYERS} activations expected, one per Linear layer (e.g. relu,sigmoid,relu), got {:?}",
                    clip(text)
                ),
            ));
        }
        *self = parts
            .into_iter()
            .map(|part| Activation::parse(part).map_err(|m| ConfigError::new(row.name, m)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(())
    }
}

pub use crate::format::short_number;

/// The one reading of a yes/no value, for settings and a link's page flags alike: 1/0,
/// true/false, yes/no, on/off, and nothing at all (`lecture=` or a bare `lecture`) for yes.
pub fn parse_flag(key: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::new(key, format!("1 or 0 expected, got {:?}", clip(value)))),
    }
}

/// The range text of a numeric setting, for "a number … expected" messages.
fn range_text(row: &SettingRow) -> String {
    row.kind.numeric().map(|(_, range)| range.text()).unwrap_or_default()
}

/// A real-valued setting; text that is not a number names the allowed range.
fn parse_number(row: &SettingRow, value: &str) -> Result<f64, ConfigError> {
    value.trim().parse().map_err(|_| {
        ConfigError::new(row.name, format!("a number {} expected, got {:?}", range_text(row), clip(value)))
    })
}

/// A whole-number setting. A number that is negative, fractional or too large for the field
/// is reported with the allowed range (the range itself is checked by validation).
fn parse_whole<T: TryFrom<u64>>(row: &SettingRow, value: &str) -> Result<T, ConfigError> {
    let text = value.trim();
    let whole = match text.parse::<u64>() {
        Ok(n) => Some(n),
        Err(_) => match text.parse::<f64>() {
            // `1e3` is a whole number too.
            Ok(x) if x.fract() == 0.0 && (0.0..=MAX_SEED as f64).contains(&x) => Some(x as u64),
            Ok(x) if x.is_finite() => return Err(out_of_range(row, &short_number(x), x.fract() != 0.0)),
            _ => None,
        },
    };
    match whole {
        Some(n) => T::try_from(n).map_err(|_| out_of_range(row, &short_number(n as f64), false)),
        None => Err(ConfigError::new(
            row.name,
            format!("a whole number {} expected, got {:?}", range_text(row), clip(value)),
        )),
    }
}
