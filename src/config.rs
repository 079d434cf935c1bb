//! The one `Config` that drives the page, the share link, the CLI and the sweeps.
//!
//! Every way a configuration enters the program (JSON from the page, a share link, CLI flags)
//! ends in [`Config::validate`], so the rules live in one place.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The activation applied after each Linear layer (the last one acts on the output).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Relu,
    Sigmoid,
    Tanh,
    Selu,
    /// No activation: the Linear layer's output as it is.
    Identity,
}

impl Activation {
    pub const ALL: [Activation; 5] =
        [Activation::Relu, Activation::Sigmoid, Activation::Tanh, Activation::Selu, Activation::Identity];
    /// The article's four, whose combinations the sweep table covers.
    pub const ARTICLE: [Activation; 4] = [Activation::Relu, Activation::Sigmoid, Activation::Tanh, Activation::Selu];

    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Selu => "selu",
            Activation::Identity => "identity",
        }
    }

    /// How the page writes it: ReLU, Sigmoid, Tanh, SELU.
    pub fn title(self) -> &'static str {
        match self {
            Activation::Relu => "ReLU",
            Activation::Sigmoid => "Sigmoid",
            Activation::Tanh => "Tanh",
            Activation::Selu => "SELU",
            Activation::Identity => "Identity",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|a| a.name() == wanted).ok_or_else(|| {
            format!("unknown activation {:?} (expected relu, sigmoid, tanh, selu or identity)", clip(text))
        })
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
    /// A class-balanced part of CIFAR-10 that ships with the page (fetched when chosen).
    #[serde(rename = "cifar10-subset")]
    Cifar10Subset,
    /// The six examples of the Q&A "ReLU worse than sigmoid?" (3 binary inputs, 1 output), built in.
    #[serde(rename = "qa")]
    Qa,
}

impl DatasetKind {
    pub const ALL: [DatasetKind; 6] = [
        DatasetKind::MnistSubset,
        DatasetKind::Mnist,
        DatasetKind::FashionMnist,
        DatasetKind::Cifar10Subset,
        DatasetKind::Cifar10,
        DatasetKind::Qa,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::MnistSubset => "mnist-subset",
            DatasetKind::Mnist => "mnist",
            DatasetKind::FashionMnist => "fashion-mnist",
            DatasetKind::Cifar10 => "cifar10",
            DatasetKind::Cifar10Subset => "cifar10-subset",
            DatasetKind::Qa => "qa",
        }
    }

    /// Outputs of the network's last layer: one per class, or the Q&A's single output.
    pub fn outputs(self) -> usize {
        match self {
            DatasetKind::Qa => 1,
            _ => NUM_CLASSES,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            DatasetKind::MnistSubset => "MNIST subset",
            DatasetKind::Mnist => "MNIST (full)",
            DatasetKind::FashionMnist => "Fashion-MNIST",
            DatasetKind::Cifar10 => "CIFAR-10 (full)",
            DatasetKind::Cifar10Subset => "CIFAR-10 subset",
            DatasetKind::Qa => "Q&A: six 3-bit examples",
        }
    }

    /// "mnist-subset, mnist, …, cifar10 or qa", for messages.
    fn names() -> String {
        let names: Vec<&str> = Self::ALL.iter().map(|d| d.name()).collect();
        let (last, rest) = names.split_last().expect("datasets exist");
        format!("{} or {last}", rest.join(", "))
    }

    /// CIFAR-10, whole or the bundled subset: 32×32 colour images, the article's CIFAR transform.
    pub fn is_cifar(self) -> bool {
        matches!(self, DatasetKind::Cifar10 | DatasetKind::Cifar10Subset)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|d| d.name() == wanted)
            .ok_or_else(|| format!("unknown dataset {:?} (expected {})", clip(text), Self::names()))
    }
}

/// How the Linear weights start. Every scheme is drawn on the CPU from the seed (ChaCha8), so a
/// link reproduces the same weights on every backend; `gain` multiplies the weights' spread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// PyTorch's Linear default: weights and biases U(±1/√fan_in).
    Pytorch,
    /// Glorot uniform: weights U(±√(6/(fan_in + fan_out))), biases 0.
    Xavier,
    /// Kaiming normal (fan_in, ReLU): weights N(0, 2/fan_in), biases 0.
    He,
    /// LeCun normal: weights N(0, 1/fan_in), biases 0 (SELU's init).
    Lecun,
    /// The Q&A's `2 * random - 1`: weights and biases U(−1, 1).
    Uniform,
}

impl Init {
    pub const ALL: [Init; 5] = [Init::Pytorch, Init::Xavier, Init::He, Init::Lecun, Init::Uniform];

    pub fn name(self) -> &'static str {
        match self {
            Init::Pytorch => "pytorch",
            Init::Xavier => "xavier",
            Init::He => "he",
            Init::Lecun => "lecun",
            Init::Uniform => "uniform",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Init::Pytorch => "PyTorch default U(±1/√fan_in)",
            Init::Xavier => "Xavier/Glorot uniform",
            Init::He => "He/Kaiming normal",
            Init::Lecun => "LeCun normal",
            Init::Uniform => "U(−1, 1)",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|i| i.name() == wanted).ok_or_else(|| {
            format!("unknown initialisation {:?} (expected pytorch, xavier, he, lecun or uniform)", clip(text))
        })
    }
}

/// What training minimises.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Loss {
    /// Log-softmax of the activated outputs, then the mean negative log-likelihood (the article).
    #[default]
    Nll,
    /// ½·Σ(y − ŷ)², summed over the batch's examples and outputs (the Q&A's update rule);
    /// with more than one output, y is the one-hot class.
    Sse,
}

impl Loss {
    pub const ALL: [Loss; 2] = [Loss::Nll, Loss::Sse];

    pub fn name(self) -> &'static str {
        match self {
            Loss::Nll => "nll",
            Loss::Sse => "sse",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Loss::Nll => "Softmax cross-entropy (mean)",
            Loss::Sse => "½·Σ squared error (sum)",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|l| l.name() == wanted)
            .ok_or_else(|| format!("unknown loss {:?} (expected nll or sse)", clip(text)))
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
    /// One activation per Linear layer, the last acting on the output (1 to [`MAX_LAYERS`]).
    pub acts: Vec<Activation>,
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
    /// Widths of the hidden layers: one fewer than `acts` (the output width is the dataset's).
    pub widths: Vec<usize>,
    pub init: Init,
    /// Multiplies the initial weights' spread (bounds or standard deviation).
    pub gain: f64,
    /// Whether the Linear layers have biases.
    pub bias: bool,
    pub loss: Loss,
}

/// One setting: its one name (JSON field, link key, CLI flag, form element, error field), what
/// the page calls it, and its choices when it has a fixed set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Setting {
    pub name: &'static str,
    pub label: &'static str,
    /// What it does, with its allowed range (from the same limits the validation checks).
    pub help: String,
    /// What its text is: `choice` (one of `choices`), `list` (comma-separated), `integer`,
    /// `number` or `text` (a word or a number, e.g. `auto`); the form picks its control (and a
    /// phone its keyboard) from this.
    pub input: &'static str,
    /// `[value, label]` pairs; empty for free-form numbers.
    pub choices: Vec<(&'static str, &'static str)>,
}

/// A finished run's accuracy in words: `text` (may be empty) and the tone of the status line
/// (`bad`, `good` or empty).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    pub text: String,
    pub tone: &'static str,
}

/// Every setting, in the order of the form and of a share link.
pub const SETTINGS: [(&str, &str, &str); 15] = [
    ("dataset", "Dataset", "the data to train and test on"),
    ("acts", "Activations", "one activation per Linear layer, the last on the output"),
    ("bn", "BatchNorm", "where BatchNorm sits: nowhere, after every Linear, or only after the last"),
    ("lr", "Learning rate", "SGD step size"),
    ("momentum", "Momentum", "SGD momentum (dampening 0, as in PyTorch)"),
    ("batch", "Batch size", "images per step"),
    ("epochs", "Epochs", "passes over the training set"),
    ("seed", "Seed", "fixes the initial weights and the batch order"),
    ("backend", "Backend", "gpu (WebGPU in the browser, wgpu natively) or cpu"),
    ("stats", "Statistics every (steps)", "take activation and gradient statistics every this many steps (0 = never)"),
    ("widths", "Hidden widths", "units of each hidden layer, one fewer than the activations"),
    ("init", "Initialisation", "how the weights start, drawn from the seed"),
    ("gain", "Init gain", "multiplies the initial weights' spread"),
    ("bias", "Biases", "whether the Linear layers have biases (1 or 0)"),
    ("loss", "Loss", "nll (softmax cross-entropy, mean) or sse (½·Σ squared error over the batch)"),
];

/// The network settings a link or file name mentions only when they differ from the article's.
const NETWORK_KEYS: [&str; 5] = ["widths", "init", "gain", "bias", "loss"];

/// The settings table with the choices of each enumerated setting (for the page's form). A
/// number's kind and range come from [`numeric_range`], as the validation's messages do.
pub fn settings_table() -> Vec<Setting> {
    SETTINGS
        .iter()
        .map(|&(name, label, help)| Setting {
            name,
            label,
            help: match (name, numeric_range(name)) {
                (_, Some((_, _, range))) => format!("{help}; {range}"),
                ("acts", None) => format!("{help}; 1 to {MAX_LAYERS} layers"),
                _ => help.to_string(),
            },
            input: match (name, numeric_range(name)) {
                ("acts" | "widths", _) => "list",
                (_, Some((_, true, _))) => "integer",
                (_, Some((_, false, _))) => "number",
                _ => "choice",
            },
            choices: match name {
                "dataset" => DatasetKind::ALL.iter().map(|d| (d.name(), d.title())).collect(),
                "acts" => Activation::ALL.iter().map(|a| (a.name(), a.title())).collect(),
                "bn" => BatchNormMode::ALL.iter().map(|m| (m.name(), m.title())).collect(),
                "backend" => vec![("gpu", "WebGPU"), ("cpu", "CPU")],
                "init" => Init::ALL.iter().map(|i| (i.name(), i.title())).collect(),
                "loss" => Loss::ALL.iter().map(|l| (l.name(), l.title())).collect(),
                "bias" => vec![("1", "With biases"), ("0", "No biases")],
                _ => Vec::new(),
            },
        })
        .collect()
}

/// A setting's help with its choices (`bn`: "where BatchNorm sits: …; one of none, all, last"),
/// for the CLI's `--help`, so the flags describe themselves from the same table as the form.
pub fn setting_help(name: &str) -> String {
    let Some(setting) = settings_table().into_iter().find(|s| s.name == name) else {
        return String::new();
    };
    let values: Vec<&str> = setting.choices.iter().map(|&(value, _)| value).collect();
    if values.is_empty() { setting.help } else { format!("{}; one of {}", setting.help, values.join(", ")) }
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
        "widths" => ("each hidden width", true, format!("between 1 and {MAX_WIDTH}")),
        "gain" => ("init gain", false, format!("> 0 and ≤ {MAX_GAIN}")),
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

/// A yes/no setting: 1/0, true/false, yes/no, on/off.
fn parse_flag(key: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::new(key, format!("1 or 0 expected, got {:?}", clip(value)))),
    }
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
            acts: vec![Activation::Relu, Activation::Sigmoid, Activation::Relu],
            batch_norm: BatchNormMode::None,
            lr: 0.01,
            momentum: 0.5,
            batch_size: 32,
            epochs: 10,
            seed: 1,
            backend: BackendKind::Gpu,
            stats_every: 50,
            widths: HIDDEN_SIZES.to_vec(),
            init: Init::Pytorch,
            gain: 1.0,
            bias: true,
            loss: Loss::Nll,
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
        check("gain", self.gain.is_finite() && self.gain > 0.0 && self.gain <= MAX_GAIN, short_number(self.gain));
        if let Some(&bad) = self.widths.iter().find(|w| !(1..=MAX_WIDTH).contains(*w)) {
            errors.push(out_of_range("widths", &short_number(bad as f64), false));
        }
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
        let good = self.all_settings();
        let mut problems = config.validate().err().unwrap_or_default();
        errors.extend(problems.iter().cloned());
        // A setting that fails keeps `self`'s value; one that fails with another (the widths with
        // the depth, the loss with the dataset) takes that one's value from `self` too. `self` is
        // valid, so this ends in a valid configuration.
        for _ in 0..4 {
            if problems.is_empty() {
                break;
            }
            for problem in &problems {
                let partners: &[&str] = match problem.field.as_str() {
                    "acts" | "widths" => &["acts", "widths"],
                    "loss" => &["loss", "dataset"],
                    _ => &[],
                };
                for field in std::iter::once(problem.field.as_str()).chain(partners.iter().copied()) {
                    if let Some((key, value)) = good.iter().find(|(k, _)| *k == field) {
                        let _ = config.apply_setting(key, value);
                    }
                }
            }
            problems = config.validate().err().unwrap_or_default();
        }
        if !problems.is_empty() {
            // Never reached for a valid `self`; the promise of a valid result holds regardless.
            config = self.clone();
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
        match key {
            "dataset" => self.dataset = DatasetKind::parse(value).map_err(|m| ConfigError::new(key, m))?,
            "acts" => {
                let parts: Vec<&str> = value.split(',').collect();
                if !(1..=MAX_LAYERS).contains(&parts.len()) {
                    return Err(ConfigError::new(
                        key,
                        format!(
                            "1 to {MAX_LAYERS} activations expected, one per Linear layer (e.g. relu,sigmoid,relu), \
                             got {:?}",
                            clip(value)
                        ),
                    ));
                }
                let acts = parts
                    .into_iter()
                    .map(|part| Activation::parse(part).map_err(|m| ConfigError::new(key, m)))
                    .collect::<Result<Vec<_>, _>>()?;
                // A new depth keeps the widths it can: cut, or extended with the last width, so
                // `acts` alone is a whole network (a later `widths` still overrides them).
                if self.widths.len() + 1 != acts.len() {
                    let fill = self.widths.last().copied().unwrap_or(HIDDEN_SIZES[1]);
                    self.widths.resize(acts.len() - 1, fill);
                }
                self.acts = acts;
            }
            "widths" => {
                self.widths = value
                    .split(',')
                    .filter(|part| !part.trim().is_empty())
                    .map(|part| parse_whole(key, part))
                    .collect::<Result<Vec<_>, _>>()?;
            }
            "init" => self.init = Init::parse(value).map_err(|m| ConfigError::new(key, m))?,
            "gain" => self.gain = parse_number(key, value)?,
            "bias" => self.bias = parse_flag(key, value)?,
            "loss" => self.loss = Loss::parse(value).map_err(|m| ConfigError::new(key, m))?,
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

    /// The settings as ordered `key=value` pairs, the readable form of a share link. The
    /// network settings (widths, init, gain, bias, loss) are listed only where they differ from
    /// the article's, so every link and file name of the article's network reads as before.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        let article = Config::default();
        let defaults = article.all_settings();
        self.all_settings()
            .into_iter()
            .zip(defaults)
            .filter(|((key, value), (_, default))| !NETWORK_KEYS.contains(key) || value != default)
            .map(|(pair, _)| pair)
            .collect()
    }

    /// Every setting as ordered `key=value` pairs, defaults included (for the page's form).
    pub fn all_settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("dataset", self.dataset.name().to_string()),
            ("acts", self.acts.iter().map(|a| a.name()).collect::<Vec<_>>().join(",")),
            ("bn", self.batch_norm.name().to_string()),
            ("lr", self.lr.to_string()),
            ("momentum", self.momentum.to_string()),
            ("batch", self.batch_size.to_string()),
            ("epochs", self.epochs.to_string()),
            ("seed", self.seed.to_string()),
            ("backend", self.backend.name().to_string()),
            ("stats", self.stats_every.to_string()),
            ("widths", self.widths.iter().map(|w| w.to_string()).collect::<Vec<_>>().join(",")),
            ("init", self.init.name().to_string()),
            ("gain", self.gain.to_string()),
            ("bias", if self.bias { "1" } else { "0" }.to_string()),
            ("loss", self.loss.name().to_string()),
        ]
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

/// Every key [`Config::apply_setting`] understands: the names of [`SETTINGS`].
pub const SETTING_KEYS: [&str; 15] = {
    let mut keys = [""; 15];
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
            acts: vec![Activation::Selu, Activation::Tanh, Activation::Sigmoid],
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
            acts: vec![Activation::Tanh, Activation::Selu, Activation::Sigmoid],
            batch_norm: BatchNormMode::All,
            lr: 0.0375,
            momentum: 0.9,
            batch_size: 128,
            epochs: 3,
            seed: MAX_SEED,
            backend: BackendKind::Cpu,
            stats_every: 7,
            widths: vec![64, 1024],
            init: Init::He,
            gain: 0.5,
            bias: false,
            loss: Loss::Sse,
        };
        let mut back = Config::default();
        for (k, v) in c.settings() {
            back.apply_setting(k, &v).unwrap();
        }
        assert_eq!(back, c);
        assert_eq!(c.settings().len(), SETTING_KEYS.len());
        assert_eq!(c.all_settings().len(), SETTING_KEYS.len());
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
        let link: Vec<&str> = Config::default().all_settings().iter().map(|(k, _)| *k).collect();
        assert_eq!(link, SETTING_KEYS);
        // The article's network needs none of the network settings in a link.
        let short: Vec<&str> = Config::default().settings().iter().map(|(k, _)| *k).collect();
        assert_eq!(short, SETTING_KEYS[..10]);
        assert_eq!(settings_table().iter().map(|s| s.name).collect::<Vec<_>>(), SETTING_KEYS);
        for s in settings_table() {
            // A choice has its choices; free text has none (`acts` is a list of choices).
            assert_eq!(s.choices.is_empty(), !matches!(s.input, "choice") && s.name != "acts", "{}", s.name);
        }
        // The CLI's help is the table's, with the choices spelled out.
        assert_eq!(setting_help("bn"), format!("{}; one of none, all, last", settings_table()[2].help));
        assert_eq!(setting_help("lr"), settings_table()[3].help);
        // The help states the range the validation checks, and a number's kind follows it.
        assert!(setting_help("epochs").ends_with(&format!("between 1 and {MAX_EPOCHS}")), "{}", setting_help("epochs"));
        assert!(setting_help("acts").contains(&format!("1 to {MAX_LAYERS} layers")));
        let input = |name: &str| settings_table().into_iter().find(|s| s.name == name).unwrap().input;
        assert_eq!(
            [input("batch"), input("lr"), input("widths"), input("bn")],
            ["integer", "number", "list", "choice"]
        );
        assert_eq!(setting_help("nonsense"), "");
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
        assert_eq!(message("epochs", "-3"), "epochs must be between 1 and 100000, got -3");
        assert_eq!(message("epochs", "0"), "epochs must be between 1 and 100000, got 0");
        assert_eq!(message("epochs", "2.5"), "epochs must be a whole number between 1 and 100000, got 2.5");
        assert_eq!(message("epochs", "ten"), "a whole number between 1 and 100000 expected, got \"ten\"");
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
        assert_eq!(message("epochs", "1e30"), "epochs must be between 1 and 100000, got 1e30");
        // A whole number written in exponent form is one.
        assert_eq!(Config::from_settings(&[("epochs", "1e2")]).unwrap().epochs, 100);
        // Each range the messages state is the one validation applies: its ends are accepted.
        let ends = [
            ("epochs", "1"),
            ("epochs", "100000"),
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
        for (key, value) in [("epochs", "100001"), ("stats", "100001"), ("lr", "100.5"), ("batch", "0")] {
            assert!(message(key, value).contains("must be"), "{key}={value}");
        }
    }

    #[test]
    fn numbers_are_shown_short_in_messages() {
        assert_eq!(message("lr", "1e308"), "learning rate must be > 0 and ≤ 100, got 1e308");
        assert_eq!(message("lr", "-1e-320"), "learning rate must be > 0 and ≤ 100, got -1e-320");
        assert_eq!(message("lr", "123456789.123456789"), "learning rate must be > 0 and ≤ 100, got 123457000");
        assert_eq!(message("momentum", "-1.00000000000000000001e-300"), "momentum must be in [0, 1), got -1e-300");
        assert_eq!(message("epochs", "-1e300"), "epochs must be between 1 and 100000, got -1e300");
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
    fn depth_and_widths_go_together() {
        let c = Config::from_settings(&[("acts", "sigmoid,sigmoid,sigmoid,sigmoid,sigmoid")]).unwrap();
        assert_eq!(c.widths, [500, 256, 256, 256], "a deeper net extends the widths with the last one");
        assert_eq!(c.layer_sizes(784), [784, 500, 256, 256, 256, 10]);
        let c = Config::from_settings(&[("acts", "relu,relu"), ("widths", "32")]).unwrap();
        assert_eq!((c.acts.len(), c.widths.clone()), (2, vec![32]));
        let c = Config::from_settings(&[("widths", "8,8,8"), ("acts", "tanh,tanh,tanh,identity")]).unwrap();
        assert_eq!(c.widths, [8, 8, 8], "widths that fit the new depth are kept");
        assert_eq!(Config::from_settings(&[("acts", "identity")]).unwrap().layer_sizes(3), [3, 10]);
        assert!(message("widths", "1,2,3").contains("3 activations need 2 hidden widths"));
        assert_eq!(message("widths", "0,4"), "each hidden width must be between 1 and 1024, got 0");
        assert_eq!(message("widths", "4,2000"), "each hidden width must be between 1 and 1024, got 2000");
        assert!(message("acts", "relu,relu,relu,relu,relu,relu,relu,relu,relu,relu,relu").contains("1 to 10"));
        assert_eq!(message("gain", "0"), "init gain must be > 0 and ≤ 10, got 0");
        assert!(message("init", "orthogonal").contains("unknown initialisation"));
        assert!(message("bias", "maybe").contains("1 or 0"));
        let errors = Config::from_settings(&[("dataset", "qa")]).unwrap_err();
        assert_eq!(errors[0].field, "loss", "{errors:?}");
        let qa = Config::from_settings(&[("dataset", "qa"), ("loss", "sse"), ("acts", "sigmoid,sigmoid")]).unwrap();
        assert_eq!(qa.layer_sizes(3), [3, 500, 1]);
    }

    #[test]
    fn deep_titles_count_repeated_activations() {
        let deep = Config::from_settings(&[("acts", "sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,relu")]);
        assert_eq!(deep.unwrap().describe(false), "sigmoid ×7 → relu");
        let c = Config::from_settings(&[("acts", "relu,tanh,tanh,relu"), ("bn", "last")]).unwrap();
        assert_eq!(c.describe(true), "relu → tanh ×2 → relu + BN last");
        assert_eq!(Config::default().describe(false), "relu → sigmoid → relu", "the article's three stay written out");
    }

    #[test]
    fn label_names_the_combination() {
        let mut c = Config::default();
        assert_eq!(c.label(), "relu-sigmoid-relu");
        c.batch_norm = BatchNormMode::Last;
        assert_eq!(c.label(), "relu-sigmoid-relu+bn(last)");
    }
}
