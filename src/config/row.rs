//! A row of the settings table: the setting's kind (choices, or a number's range), how its
//! field reads and writes as text ([`Value`]), and the message for a number out of its range.
//! The rows themselves are in [`super::table`]; the field types' readings in [`super::values`].

use super::{Config, ConfigError, MAX_LAYERS};

/// The allowed values of a number, as validation checks them and messages state them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Range {
    /// A whole number in `min..=max`; `unit` follows the range in messages (" steps").
    Whole { min: u64, max: u64, unit: &'static str },
    /// A real number > 0 and ≤ the bound.
    Positive(f64),
    /// A real number in [0, 1).
    Fraction,
}

impl Range {
    pub(super) const fn whole(min: u64, max: usize) -> Range {
        Range::Whole { min, max: max as u64, unit: "" }
    }

    /// As messages and the help state it: "between 1 and 4096", "> 0 and ≤ 100", "in [0, 1)".
    pub fn text(self) -> String {
        match self {
            Range::Whole { min, max, unit } => format!("between {min} and {max}{unit}"),
            Range::Positive(max) => format!("> 0 and ≤ {max}"),
            Range::Fraction => "in [0, 1)".to_string(),
        }
    }

    pub fn contains(self, x: f64) -> bool {
        x.is_finite()
            && match self {
                Range::Whole { min, max, .. } => x >= min as f64 && x <= max as f64,
                Range::Positive(max) => x > 0.0 && x <= max,
                Range::Fraction => (0.0..1.0).contains(&x),
            }
    }

    pub fn is_whole(self) -> bool {
        matches!(self, Range::Whole { .. })
    }
}

/// The `[value, title]` pairs of a setting with a fixed set of values.
pub type Choices = fn() -> Vec<(&'static str, &'static str)>;

/// What a setting's text is.
#[derive(Clone, Copy)]
pub enum Kind {
    /// One of a fixed set of values.
    Choice(Choices),
    /// A comma-separated list of choices, one per Linear layer (1 to [`MAX_LAYERS`]).
    Layers(Choices),
    /// A number in a range; `noun` is what a message calls it ("learning rate").
    Number { noun: &'static str, range: Range },
    /// A comma-separated list of whole numbers, each in the range.
    Numbers { noun: &'static str, range: Range },
}

impl Kind {
    /// What a message calls a numeric setting, and its range; `None` for the others.
    pub fn numeric(self) -> Option<(&'static str, Range)> {
        match self {
            Kind::Number { noun, range } | Kind::Numbers { noun, range } => Some((noun, range)),
            _ => None,
        }
    }

    pub(super) fn choices(self) -> Vec<(&'static str, &'static str)> {
        match self {
            Kind::Choice(choices) | Kind::Layers(choices) => choices(),
            _ => Vec::new(),
        }
    }

    /// The form's control: `choice`, `list`, `integer` or `number`.
    pub(super) fn input(self) -> &'static str {
        match self {
            Kind::Choice(_) => "choice",
            Kind::Layers(_) | Kind::Numbers { .. } => "list",
            Kind::Number { range, .. } if range.is_whole() => "integer",
            Kind::Number { .. } => "number",
        }
    }
}

/// Where a setting's field sits in the page's form: the box `data-settings="…"` it is drawn in
/// (`layers` and `data` have controls of their own).
pub type Group = &'static str;

/// One setting.
pub struct SettingRow {
    /// Its one name everywhere.
    pub name: &'static str,
    /// What the page's form calls it.
    pub label: &'static str,
    /// What it does (the range or the layers' count is added from `kind`).
    pub help: &'static str,
    pub kind: Kind,
    /// Where the form draws it.
    pub group: Group,
    /// A link and a file name mention it only where it differs from the article's (the network
    /// settings, added after the first links, so those still read as before).
    pub only_if_changed: bool,
    /// Its field of [`Config`].
    pub get: fn(&Config) -> &dyn Value,
    pub get_mut: fn(&mut Config) -> &mut dyn Value,
}

impl SettingRow {
    /// Its value's problem, if it lies outside its range.
    pub fn check(&self, config: &Config) -> Result<(), ConfigError> {
        match self.kind.numeric().and_then(|(_, range)| (self.get)(config).outside(range)) {
            Some(got) => Err(out_of_range(self, &got, false)),
            None => Ok(()),
        }
    }

    /// The help with the range the validation checks.
    pub fn full_help(&self) -> String {
        match self.kind {
            Kind::Number { range, .. } | Kind::Numbers { range, .. } => format!("{}; {}", self.help, range.text()),
            Kind::Layers(_) => format!("{}; 1 to {MAX_LAYERS} layers", self.help),
            Kind::Choice(_) => self.help.to_string(),
        }
    }
}

/// A field of [`super::Config`] that a setting reads and writes as text.
pub trait Value {
    /// As a link, the form and a file name write it (`0.01`, `relu,sigmoid,relu`, `1`).
    fn text(&self) -> String;
    /// Reads `text` (the setting `row`'s); a bad value is an error naming the setting and
    /// leaves the field unchanged.
    fn set_text(&mut self, row: &SettingRow, text: &str) -> Result<(), ConfigError>;
    /// The value as a message shows it, if it lies outside `range`; `None` when allowed.
    fn outside(&self, _range: Range) -> Option<String> {
        None
    }
}

/// "epochs must be between 1 and 1000, got -3": the allowed range of `row` and what was given
/// (already short: see [`super::short_number`]). `fractional`: a whole number was wanted and the value
/// is not one, so the message says so.
pub(super) fn out_of_range(row: &SettingRow, got: &str, fractional: bool) -> ConfigError {
    let (noun, range) = row.kind.numeric().map_or(("the value", String::new()), |(noun, r)| (noun, r.text()));
    let whole = if fractional { "a whole number " } else { "" };
    ConfigError::new(row.name, format!("{noun} must be {whole}{range}, got {got}"))
}
