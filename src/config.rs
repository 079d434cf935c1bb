//! The one `Config` that drives the page, the share link, the CLI and the sweeps.
//!
//! Every way a configuration enters the program (JSON from the page, a share link, CLI flags)
//! ends in [`Config::validate`], so the rules live in one place.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The activation applied after each Linear layer (the third one acts on the output logits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Relu,
    Sigmoid,
    Tanh,
    Selu,
}

impl Activation {
    pub const ALL: [Activation; 4] = [Activation::Relu, Activation::Sigmoid, Activation::Tanh, Activation::Selu];

    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Selu => "selu",
        }
    }

    /// How the page writes it: ReLU, Sigmoid, Tanh, SELU.
    pub fn title(self) -> &'static str {
        match self {
            Activation::Relu => "ReLU",
            Activation::Sigmoid => "Sigmoid",
            Activation::Tanh => "Tanh",
            Activation::Selu => "SELU",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|a| a.name() == wanted)
            .ok_or_else(|| format!("unknown activation {:?} (expected relu, sigmoid, tanh or selu)", clip(text)))
    }
}

/// Where BatchNorm sits: between a Linear layer and its activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchNormMode {
    None,
    /// After every Linear layer.
    All,
    /// Only after the last Linear layer (before the output activation).
    Last,
}

impl BatchNormMode {
    pub const ALL: [BatchNormMode; 3] = [BatchNormMode::None, BatchNormMode::All, BatchNormMode::Last];

    pub fn name(self) -> &'static str {
        match self {
            BatchNormMode::None => "none",
            BatchNormMode::All => "all",
            BatchNormMode::Last => "last",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            BatchNormMode::None => "None",
            BatchNormMode::All => "After every Linear layer",
            BatchNormMode::Last => "After the last Linear layer only",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|m| m.name() == wanted)
            .ok_or_else(|| format!("unknown BatchNorm mode {:?} (expected none, all or last)", clip(text)))
    }

    /// Whether layer `index` (0-based, of `count`) gets a BatchNorm.
    pub fn applies_to(self, index: usize, count: usize) -> bool {
        match self {
            BatchNormMode::None => false,
            BatchNormMode::All => true,
            BatchNormMode::Last => index + 1 == count,
        }
    }
}

/// Which dataset a run uses. Only `mnist-subset` ships with the page; the others are supplied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DatasetKind {
    #[serde(rename = "mnist-subset")]
    MnistSubset,
    #[serde(rename = "mnist")]
    Mnist,
    #[serde(rename = "fashion-mnist")]
    FashionMnist,
    #[serde(rename = "cifar10")]
    Cifar10,
}

impl DatasetKind {
    pub const ALL: [DatasetKind; 4] =
        [DatasetKind::MnistSubset, DatasetKind::Mnist, DatasetKind::FashionMnist, DatasetKind::Cifar10];

    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::MnistSubset => "mnist-subset",
            DatasetKind::Mnist => "mnist",
            DatasetKind::FashionMnist => "fashion-mnist",
            DatasetKind::Cifar10 => "cifar10",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            DatasetKind::MnistSubset => "MNIST subset",
            DatasetKind::Mnist => "MNIST (full)",
            DatasetKind::FashionMnist => "Fashion-MNIST",
            DatasetKind::Cifar10 => "CIFAR-10",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|d| d.name() == wanted).ok_or_else(|| {
            format!("unknown dataset {:?} (expected mnist-subset, mnist, fashion-mnist or cifar10)", clip(text))
        })
    }
}

/// Where the tensors live. `gpu` is WebGPU in the browser and wgpu natively.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Gpu,
    Cpu,
}

impl BackendKind {
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Gpu => "gpu",
            BackendKind::Cpu => "cpu",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "gpu" | "webgpu" | "wgpu" => Ok(BackendKind::Gpu),
            "cpu" | "flex" => Ok(BackendKind::Cpu),
            _ => Err(format!("unknown backend {:?} (expected gpu or cpu)", clip(text))),
        }
    }
}

/// One training run. The defaults are the article's experiment.
///
/// In JSON each field is spelled as its setting in [`SETTINGS`] (`bn`, `batch`, `stats`, …), the
/// same name as in a share link, on the command line, in the page's form and in error messages.
/// The older JSON spellings (`batch_norm`, `batch_size`, `stats_every`) are still read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub dataset: DatasetKind,
    /// Activation after Linear 1, Linear 2 and Linear 3 (the output logits).
    pub acts: [Activation; 3],
    #[serde(rename = "bn", alias = "batch_norm")]
    pub batch_norm: BatchNormMode,
    pub lr: f64,
    pub momentum: f64,
    #[serde(rename = "batch", alias = "batch_size")]
    pub batch_size: usize,
    pub epochs: usize,
    /// Fixes the initial weights and the batch order (for a given backend).
    pub seed: u64,
    pub backend: BackendKind,
    /// Take activation/gradient statistics every this many steps (0 = never).
    #[serde(rename = "stats", alias = "stats_every")]
    pub stats_every: usize,
}

/// One setting: its one name (JSON field, link key, CLI flag, form element, error field), what
/// the page calls it, and its choices when it has a fixed set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Setting {
    pub name: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    /// `[value, label]` pairs; empty for free-form numbers.
    pub choices: Vec<(&'static str, &'static str)>,
}

/// Every setting, in the order of the form and of a share link.
pub const SETTINGS: [(&str, &str, &str); 10] = [
    ("dataset", "Dataset", "the data to train and test on"),
    ("acts", "Activations", "the activation after Linear 1, Linear 2 and Linear 3 (the output)"),
    ("bn", "BatchNorm", "where BatchNorm sits: nowhere, after every Linear, or only after the last"),
    ("lr", "Learning rate", "SGD step size, > 0 and ≤ 100"),
    ("momentum", "Momentum", "SGD momentum in [0, 1) (dampening 0, as in PyTorch)"),
    ("batch", "Batch size", "images per step, 1 to 4096"),
    ("epochs", "Epochs", "passes over the training set, 1 to 1000"),
    ("seed", "Seed", "fixes the initial weights and the batch order; 0 to 2^53 − 1"),
    ("backend", "Backend", "gpu (WebGPU in the browser, wgpu natively) or cpu"),
    ("stats", "Statistics every", "take activation and gradient statistics every this many steps (0 = never)"),
];

/// The settings table with the choices of each enumerated setting (for the page's form).
pub fn settings_table() -> Vec<Setting> {
    SETTINGS
        .iter()
        .map(|&(name, label, help)| Setting {
            name,
            label,
            help,
            choices: match name {
                "dataset" => DatasetKind::ALL.iter().map(|d| (d.name(), d.title())).collect(),
                "acts" => Activation::ALL.iter().map(|a| (a.name(), a.title())).collect(),
                "bn" => BatchNormMode::ALL.iter().map(|m| (m.name(), m.title())).collect(),
                "backend" => vec![("gpu", "WebGPU"), ("cpu", "CPU")],
                _ => Vec::new(),
            },
        })
        .collect()
}

/// The article's network: 784 (or 3072 for CIFAR-10) → 500 → 256 → 10.
pub const HIDDEN_SIZES: [usize; 2] = [500, 256];
pub const NUM_CLASSES: usize = 10;

pub const MAX_BATCH_SIZE: usize = 4096;
/// Seeds stay exact JavaScript numbers (2^53 − 1), so a link's seed survives the page.
pub const MAX_SEED: u64 = (1 << 53) - 1;
pub const MAX_EPOCHS: usize = 1000;
pub const MAX_LR: f64 = 100.0;
pub const MAX_STATS_EVERY: usize = 100_000;

/// What a numeric setting is called in a sentence, whether it is a whole number, and its
/// allowed range as messages state it. `None` for the settings that are not numbers.
fn numeric_range(key: &str) -> Option<(&'static str, bool, String)> {
    Some(match key {
        "lr" => ("learning rate", false, format!("> 0 and ≤ {MAX_LR}")),
        "momentum" => ("momentum", false, "in [0, 1)".to_string()),
        "batch" => ("batch size", true, format!("between 1 and {MAX_BATCH_SIZE}")),
        "epochs" => ("epochs", true, format!("between 1 and {MAX_EPOCHS}")),
        "seed" => ("seed", true, format!("between 0 and {MAX_SEED}")),
        "stats" => ("statistics cadence", true, format!("between 0 and {MAX_STATS_EVERY} steps")),
        _ => return None,
    })
}

/// "epochs must be between 1 and 1000, got -3": the allowed range of `key` and what was given
/// (already short: see [`short_number`]). `fractional`: a whole number was wanted and the
/// value is not one, so the message says so.
fn out_of_range(key: &str, got: &str, fractional: bool) -> ConfigError {
    let (noun, _, range) = numeric_range(key).unwrap_or(("the value", false, String::new()));
    let whole = if fractional { "a whole number " } else { "" };
    ConfigError::new(key, format!("{noun} must be {whole}{range}, got {got}"))
}

/// A number as a message shows it: as written when that is short (`0.01`, `-3`, `1000`),
/// otherwise in scientific notation (`1e308`, `1.5e-12`), never hundreds of digits.
pub fn short_number(x: f64) -> String {
    let plain = x.to_string();
    if plain.len() <= 12 || !x.is_finite() {
        return plain;
    }
    let exact = format!("{x:e}");
    if exact.len() <= 12 {
        return exact;
    }
    // Many significant digits: six are enough to recognise the number.
    let rounded: f64 = format!("{x:.5e}").parse().unwrap_or(x);
    let plain = rounded.to_string();
    if plain.len() <= 12 { plain } else { format!("{rounded:e}") }
}

/// A real-valued setting; text that is not a number names the allowed range.
fn parse_number(key: &str, value: &str) -> Result<f64, ConfigError> {
    value.trim().parse().map_err(|_| {
        let (_, _, range) = numeric_range(key).unwrap_or(("", false, String::new()));
        ConfigError::new(key, format!("a number {range} expected, got {:?}", clip(value)))
    })
}

/// A whole-number setting. A number that is negative, fractional or too large for the field
/// is reported with the allowed range (the range itself is checked by [`Config::validate`]).
fn parse_whole<T: TryFrom<u64>>(key: &str, value: &str) -> Result<T, ConfigError> {
    let text = value.trim();
    let whole = match text.parse::<u64>() {
        Ok(n) => Some(n),
        Err(_) => match text.parse::<f64>() {
            // `1e3` is a whole number too.
            Ok(x) if x.fract() == 0.0 && (0.0..=MAX_SEED as f64).contains(&x) => Some(x as u64),
            Ok(x) if x.is_finite() => return Err(out_of_range(key, &short_number(x), x.fract() != 0.0)),
            _ => None,
        },
    };
    match whole {
        Some(n) => T::try_from(n).map_err(|_| out_of_range(key, &short_number(n as f64), false)),
        None => {
            let (_, _, range) = numeric_range(key).unwrap_or(("", true, String::new()));
            Err(ConfigError::new(key, format!("a whole number {range} expected, got {:?}", clip(value))))
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dataset: DatasetKind::MnistSubset,
            acts: [Activation::Relu, Activation::Sigmoid, Activation::Relu],
            batch_norm: BatchNormMode::None,
            lr: 0.01,
            momentum: 0.5,
            batch_size: 32,
            epochs: 10,
            seed: 1,
            backend: BackendKind::Gpu,
            stats_every: 50,
        }
    }
}

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
    /// The single place where a configuration is checked.
    pub fn validate(&self) -> Result<(), Vec<ConfigError>> {
        let mut errors = Vec::new();
        let mut check = |key: &str, ok: bool, got: String| {
            if !ok {
                errors.push(out_of_range(key, &got, false));
            }
        };
        check("lr", self.lr.is_finite() && self.lr > 0.0 && self.lr <= MAX_LR, short_number(self.lr));
        check(
            "momentum",
            self.momentum.is_finite() && (0.0..1.0).contains(&self.momentum),
            short_number(self.momentum),
        );
        check("batch", (1..=MAX_BATCH_SIZE).contains(&self.batch_size), short_number(self.batch_size as f64));
        check("epochs", (1..=MAX_EPOCHS).contains(&self.epochs), short_number(self.epochs as f64));
        check("seed", self.seed <= MAX_SEED, self.seed.to_string());
        check("stats", self.stats_every <= MAX_STATS_EVERY, short_number(self.stats_every as f64));
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// `key=value` settings (the page's form as typed, a share link, CLI flags) applied over
    /// `self` (a valid configuration): each value is parsed by [`Config::apply_setting`] and the
    /// result checked by [`Config::validate`]. A setting that fails either keeps its value from
    /// `self` and is reported once, under its name; every other setting still applies.
    pub fn with_settings<K: AsRef<str>, V: AsRef<str>>(&self, pairs: &[(K, V)]) -> (Config, Vec<ConfigError>) {
        let mut config = self.clone();
        let mut errors = Vec::new();
        for (key, value) in pairs {
            if let Err(e) = config.apply_setting(key.as_ref(), value.as_ref()) {
                errors.push(e);
            }
        }
        if let Err(problems) = config.validate() {
            for problem in problems {
                if let Some((_, good)) = self.settings().into_iter().find(|(k, _)| *k == problem.field) {
                    // `self` is valid, so its value always applies.
                    let _ = config.apply_setting(&problem.field, &good);
                }
                errors.push(problem);
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
        let acts = self.acts.map(Activation::name).join("-");
        match self.batch_norm {
            BatchNormMode::None => acts,
            mode => format!("{acts}+bn({})", mode.name()),
        }
    }

    /// For titles: "relu → sigmoid → relu + BatchNorm on the last layer" (`short`: "+ BN last").
    pub fn describe(&self, short: bool) -> String {
        let acts = self.acts.map(Activation::name).join(" → ");
        let bn = match (self.batch_norm, short) {
            (BatchNormMode::None, _) => return acts,
            (BatchNormMode::All, false) => "BatchNorm everywhere",
            (BatchNormMode::Last, false) => "BatchNorm on the last layer",
            (BatchNormMode::All, true) => "BN all",
            (BatchNormMode::Last, true) => "BN last",
        };
        format!("{acts} + {bn}")
    }

    /// For file names, every setting:
    /// `relu-sigmoid-relu_bn-none_mnist-subset_lr-0.01_momentum-0.5_batch-32_epochs-10_seed-1_gpu_stats-50`.
    pub fn file_label(&self) -> String {
        let mut parts: Vec<String> = self
            .settings()
            .into_iter()
            .map(|(key, value)| match key {
                "acts" => value.replace(',', "-"),
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
        match key {
            "dataset" => self.dataset = DatasetKind::parse(value).map_err(|m| ConfigError::new(key, m))?,
            "acts" => {
                let parts: Vec<&str> = value.split(',').collect();
                if parts.len() != 3 {
                    return Err(ConfigError::new(
                        key,
                        format!("three activations expected (e.g. relu,sigmoid,relu), got {:?}", clip(value)),
                    ));
                }
                let mut acts = self.acts;
                for (slot, part) in acts.iter_mut().zip(parts) {
                    *slot = Activation::parse(part).map_err(|m| ConfigError::new(key, m))?;
                }
                self.acts = acts;
            }
            "bn" => self.batch_norm = BatchNormMode::parse(value).map_err(|m| ConfigError::new(key, m))?,
            "lr" => self.lr = parse_number(key, value)?,
            "momentum" => self.momentum = parse_number(key, value)?,
            "batch" => self.batch_size = parse_whole(key, value)?,
            "epochs" => self.epochs = parse_whole(key, value)?,
            "seed" => self.seed = parse_whole(key, value)?,
            "backend" => self.backend = BackendKind::parse(value).map_err(|m| ConfigError::new(key, m))?,
            "stats" => self.stats_every = parse_whole(key, value)?,
            _ => {
                return Err(ConfigError::new(
                    &clip(key),
                    format!("unknown setting (known: {})", SETTING_KEYS.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// The settings as ordered `key=value` pairs, the readable form of a share link.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("dataset", self.dataset.name().to_string()),
            ("acts", self.acts.map(Activation::name).join(",")),
            ("bn", self.batch_norm.name().to_string()),
            ("lr", self.lr.to_string()),
            ("momentum", self.momentum.to_string()),
            ("batch", self.batch_size.to_string()),
            ("epochs", self.epochs.to_string()),
            ("seed", self.seed.to_string()),
            ("backend", self.backend.name().to_string()),
            ("stats", self.stats_every.to_string()),
        ]
    }
}

/// Every key [`Config::apply_setting`] understands: the names of [`SETTINGS`].
pub const SETTING_KEYS: [&str; 10] = {
    let mut keys = [""; 10];
    let mut i = 0;
    while i < SETTINGS.len() {
        keys[i] = SETTINGS[i].0;
        i += 1;
    }
    keys
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_article() {
        let c = Config::default();
        assert_eq!(c.acts, [Activation::Relu, Activation::Sigmoid, Activation::Relu]);
        assert_eq!(c.lr, 0.01);
        assert_eq!(c.momentum, 0.5);
        assert_eq!(c.batch_size, 32);
        assert_eq!(c.epochs, 10);
        assert_eq!(c.batch_norm, BatchNormMode::None);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn invalid_settings_are_refused_with_the_field_named() {
        let mut c = Config { lr: 0.0, batch_size: 0, momentum: 1.5, ..Config::default() };
        let errors = c.validate().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["lr", "momentum", "batch"]);
        c.lr = -1.0;
        assert!(c.validate().unwrap_err()[0].message.contains("learning rate"));
        c.lr = f64::NAN;
        assert_eq!(c.validate().unwrap_err()[0].field, "lr");
        let big = Config { seed: MAX_SEED + 1, ..Config::default() };
        assert_eq!(big.validate().unwrap_err()[0].field, "seed");
    }

    #[test]
    fn unknown_activation_is_refused() {
        let err = Config::from_json(r#"{"acts":["relu","swish","relu"]}"#).unwrap_err();
        assert!(err[0].message.contains("swish"), "{err:?}");
        let mut c = Config::default();
        let err = c.apply_setting("acts", "relu,gelu,relu").unwrap_err();
        assert!(err.message.contains("unknown activation \"gelu\""), "{err}");
        assert_eq!(c.acts, Config::default().acts, "a bad value leaves the config unchanged");
    }

    #[test]
    fn json_round_trip_and_unknown_fields() {
        let c = Config {
            acts: [Activation::Selu, Activation::Tanh, Activation::Sigmoid],
            batch_norm: BatchNormMode::Last,
            seed: 42,
            ..Config::default()
        };
        assert_eq!(Config::from_json(&c.to_json()).unwrap(), c);
        assert!(Config::from_json(r#"{"learning_rate":0.1}"#).is_err());
        assert_eq!(Config::from_json("{}").unwrap(), Config::default());
    }

    #[test]
    fn settings_round_trip_through_apply_setting() {
        let c = Config {
            dataset: DatasetKind::Cifar10,
            acts: [Activation::Tanh, Activation::Selu, Activation::Sigmoid],
            batch_norm: BatchNormMode::All,
            lr: 0.0375,
            momentum: 0.9,
            batch_size: 128,
            epochs: 3,
            seed: MAX_SEED,
            backend: BackendKind::Cpu,
            stats_every: 7,
        };
        let mut back = Config::default();
        for (k, v) in c.settings() {
            back.apply_setting(k, &v).unwrap();
        }
        assert_eq!(back, c);
        assert_eq!(c.settings().len(), SETTING_KEYS.len());
    }

    #[test]
    fn one_name_per_setting_in_json_links_and_the_table() {
        let json: serde_json::Value = serde_json::from_str(&Config::default().to_json()).unwrap();
        let fields: Vec<&str> = json.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        let mut sorted_keys = SETTING_KEYS.to_vec();
        sorted_keys.sort();
        let mut sorted_fields = fields.clone();
        sorted_fields.sort();
        assert_eq!(sorted_fields, sorted_keys, "JSON fields are the setting names");
        let link: Vec<&str> = Config::default().settings().iter().map(|(k, _)| *k).collect();
        assert_eq!(link, SETTING_KEYS);
        assert_eq!(settings_table().iter().map(|s| s.name).collect::<Vec<_>>(), SETTING_KEYS);
        // Old JSON spellings still read as the same configuration.
        let old = Config::from_json(r#"{"batch_norm":"last","batch_size":64,"stats_every":5}"#).unwrap();
        let new = Config::from_json(r#"{"bn":"last","batch":64,"stats":5}"#).unwrap();
        assert_eq!(old, new);
        assert_eq!((new.batch_norm, new.batch_size, new.stats_every), (BatchNormMode::Last, 64, 5));
    }

    #[test]
    fn form_settings_are_validated_once_under_their_names() {
        let c =
            Config::from_settings(&[("acts", "selu,tanh,relu"), ("lr", "0.05"), ("seed", "9007199254740991")]).unwrap();
        assert_eq!(c.acts, [Activation::Selu, Activation::Tanh, Activation::Relu]);
        assert_eq!((c.lr, c.seed), (0.05, MAX_SEED));
        let errors = Config::from_settings(&[("lr", "abc"), ("batch", "0"), ("seed", "9007199254740992")]).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["lr", "batch", "seed"], "{errors:?}");
        assert_eq!(errors[0].message, "a number > 0 and ≤ 100 expected, got \"abc\"");
        assert!(errors[2].message.contains("9007199254740991"), "{}", errors[2]);
    }

    /// The message of the one error `key=value` gives over the defaults.
    fn message(key: &str, value: &str) -> String {
        let errors = Config::from_settings(&[(key, value)]).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, key);
        errors[0].message.clone()
    }

    #[test]
    fn out_of_range_values_give_the_allowed_range() {
        assert_eq!(message("epochs", "-3"), "epochs must be between 1 and 1000, got -3");
        assert_eq!(message("epochs", "0"), "epochs must be between 1 and 1000, got 0");
        assert_eq!(message("epochs", "2.5"), "epochs must be a whole number between 1 and 1000, got 2.5");
        assert_eq!(message("epochs", "ten"), "a whole number between 1 and 1000 expected, got \"ten\"");
        assert_eq!(message("batch", "-1"), "batch size must be between 1 and 4096, got -1");
        assert_eq!(message("batch", "5000"), "batch size must be between 1 and 4096, got 5000");
        assert_eq!(message("seed", "-7"), "seed must be between 0 and 9007199254740991, got -7");
        assert_eq!(
            message("seed", "9007199254740992"),
            "seed must be between 0 and 9007199254740991, got 9007199254740992"
        );
        assert_eq!(message("stats", "-1"), "statistics cadence must be between 0 and 100000 steps, got -1");
        assert_eq!(message("lr", "-0.5"), "learning rate must be > 0 and ≤ 100, got -0.5");
        assert_eq!(message("lr", "fast"), "a number > 0 and ≤ 100 expected, got \"fast\"");
        assert_eq!(message("momentum", "1"), "momentum must be in [0, 1), got 1");
        assert_eq!(message("momentum", "-0.1"), "momentum must be in [0, 1), got -0.1");
        // Whole numbers too large for the field (on any platform) still name the range.
        assert_eq!(message("batch", "18446744073709551616"), "batch size must be between 1 and 4096, got 1.84467e19");
        assert_eq!(message("epochs", "1e30"), "epochs must be between 1 and 1000, got 1e30");
        // A whole number written in exponent form is one.
        assert_eq!(Config::from_settings(&[("epochs", "1e2")]).unwrap().epochs, 100);
        // Each range the messages state is the one validation applies: its ends are accepted.
        let ends = [
            ("epochs", "1"),
            ("epochs", "1000"),
            ("batch", "4096"),
            ("seed", "9007199254740991"),
            ("stats", "0"),
            ("stats", "100000"),
            ("lr", "100"),
            ("momentum", "0"),
        ];
        for (key, value) in ends {
            assert!(Config::from_settings(&[(key, value)]).is_ok(), "{key}={value} is in range");
        }
        for (key, value) in [("epochs", "1001"), ("stats", "100001"), ("lr", "100.5"), ("batch", "0")] {
            assert!(message(key, value).contains("must be"), "{key}={value}");
        }
    }

    #[test]
    fn numbers_are_shown_short_in_messages() {
        assert_eq!(message("lr", "1e308"), "learning rate must be > 0 and ≤ 100, got 1e308");
        assert_eq!(message("lr", "-1e-320"), "learning rate must be > 0 and ≤ 100, got -1e-320");
        assert_eq!(message("lr", "123456789.123456789"), "learning rate must be > 0 and ≤ 100, got 123457000");
        assert_eq!(message("momentum", "-1.00000000000000000001e-300"), "momentum must be in [0, 1), got -1e-300");
        assert_eq!(message("epochs", "-1e300"), "epochs must be between 1 and 1000, got -1e300");
        assert_eq!(message("lr", "inf"), "learning rate must be > 0 and ≤ 100, got inf");
        assert_eq!(short_number(0.01), "0.01");
        assert_eq!(short_number(0.1 + 0.2), "0.3");
        assert_eq!(short_number(1.0 / 3.0), "0.333333");
        assert_eq!(short_number(-2.0e-12), "-2e-12");
        assert_eq!(short_number(f64::NAN), "NaN");
        for x in [1e308, -1e308, f64::MAX, f64::MIN_POSITIVE, 5e-324, 1.0 / 7.0, 123456.7890123, 9.87654321e15] {
            let text = short_number(x);
            assert!(text.len() <= 12, "{x}: {text}");
            let back: f64 = text.parse().unwrap();
            assert!(((back - x) / x).abs() < 1e-5, "{x} shown as {text}");
        }
    }

    #[test]
    fn label_names_the_combination() {
        let mut c = Config::default();
        assert_eq!(c.label(), "relu-sigmoid-relu");
        c.batch_norm = BatchNormMode::Last;
        assert_eq!(c.label(), "relu-sigmoid-relu+bn(last)");
    }
}
