//! The settings with a fixed set of values. One macro, [`choices!`], writes each enum with its
//! names (JSON, link, CLI), titles (the page's form), `ALL` and `parse`, so a new value is one
//! line of its enum.

use super::row::{SettingRow, Value};
use super::{ConfigError, NUM_CLASSES, clip};
use serde::{Deserialize, Serialize};

/// "a, b or c", for messages.
fn one_of(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.to_string(),
        None => String::new(),
    }
}

/// An enum of named values: `Variant = "name" | "alias"…, "Title";`. Generates the enum (its
/// JSON spelling is the name), `ALL` in the given order, `name`, `title`, `choices` (the form's
/// `[name, title]` pairs), `parse` (the name or an alias, any case; an unknown one is named in
/// an error that lists the names, under `$noun`) and its [`Value`] as a setting.
macro_rules! choices {
    (
        $(#[$meta:meta])*
        pub enum $Enum:ident ($noun:literal) {
            $( $(#[$vmeta:meta])* $Variant:ident = $name:literal $(| $alias:literal)*, $title:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $Enum {
            $( $(#[$vmeta])* #[serde(rename = $name)] $Variant, )+
        }

        impl $Enum {
            pub const ALL: [$Enum; [$($name),+].len()] = [$($Enum::$Variant),+];

            pub fn name(self) -> &'static str {
                match self { $($Enum::$Variant => $name,)+ }
            }

            /// How the page writes it.
            pub fn title(self) -> &'static str {
                match self { $($Enum::$Variant => $title,)+ }
            }

            /// `[name, title]` of every value, for the form.
            pub fn choices() -> Vec<(&'static str, &'static str)> {
                Self::ALL.iter().map(|v| (v.name(), v.title())).collect()
            }

            pub fn parse(text: &str) -> Result<Self, String> {
                match text.trim().to_ascii_lowercase().as_str() {
                    $($name $(| $alias)* => Ok($Enum::$Variant),)+
                    _ => Err(format!(
                        concat!("unknown ", $noun, " {:?} (expected {})"),
                        clip(text),
                        one_of(&[$($name),+])
                    )),
                }
            }
        }

        impl Value for $Enum {
            fn text(&self) -> String {
                self.name().to_string()
            }
            fn set_text(&mut self, row: &SettingRow, text: &str) -> Result<(), ConfigError> {
                *self = Self::parse(text).map_err(|m| ConfigError::new(row.name, m))?;
                Ok(())
            }
        }
    };
}

choices! {
    /// The activation applied after each Linear layer (the last one acts on the output).
    pub enum Activation ("activation") {
        Relu = "relu", "ReLU";
        Sigmoid = "sigmoid", "Sigmoid";
        Tanh = "tanh", "Tanh";
        Selu = "selu", "SELU";
        /// No activation: the Linear layer's output as it is.
        Identity = "identity", "Identity";
    }
}

impl Activation {
    /// The article's four, whose combinations the sweep table covers.
    pub const ARTICLE: [Activation; 4] = [Activation::Relu, Activation::Sigmoid, Activation::Tanh, Activation::Selu];
}

choices! {
    /// Where BatchNorm sits: between a Linear layer and its activation.
    pub enum BatchNormMode ("BatchNorm mode") {
        None = "none", "None";
        /// After every Linear layer.
        All = "all", "After every Linear layer";
        /// Only after the last Linear layer (before the output activation).
        Last = "last", "After the last Linear layer only";
    }
}

impl BatchNormMode {
    /// Its words in a title ("BatchNorm everywhere", with `short` "BN all"); `None` for none.
    pub fn in_title(self, short: bool) -> Option<&'static str> {
        match (self, short) {
            (BatchNormMode::None, _) => None,
            (BatchNormMode::All, false) => Some("BatchNorm everywhere"),
            (BatchNormMode::Last, false) => Some("BatchNorm on the last layer"),
            (BatchNormMode::All, true) => Some("BN all"),
            (BatchNormMode::Last, true) => Some("BN last"),
        }
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

choices! {
    /// Which dataset a run uses. Only `mnist-subset` ships with the page; the others are supplied.
    pub enum DatasetKind ("dataset") {
        MnistSubset = "mnist-subset", "MNIST subset";
        Mnist = "mnist", "MNIST (full)";
        FashionMnist = "fashion-mnist", "Fashion-MNIST";
        /// A class-balanced part of CIFAR-10 that ships with the page (fetched when chosen).
        Cifar10Subset = "cifar10-subset", "CIFAR-10 subset";
        Cifar10 = "cifar10", "CIFAR-10 (full)";
        /// The six examples of the Q&A "ReLU worse than sigmoid?" (3 binary inputs, 1 output), built in.
        Qa = "qa", "Q&A: six 3-bit examples";
    }
}

impl DatasetKind {
    /// Outputs of the network's last layer: one per class, or the Q&A's single output.
    pub fn outputs(self) -> usize {
        match self {
            DatasetKind::Qa => 1,
            _ => NUM_CLASSES,
        }
    }

    /// CIFAR-10, whole or the bundled subset: 32×32 colour images, the article's CIFAR transform.
    pub fn is_cifar(self) -> bool {
        matches!(self, DatasetKind::Cifar10 | DatasetKind::Cifar10Subset)
    }
}

choices! {
    /// How the Linear weights start. Every scheme is drawn on the CPU from the seed (ChaCha8), so a
    /// link reproduces the same weights on every backend; `gain` multiplies the weights' spread.
    pub enum Init ("initialisation") {
        /// PyTorch's Linear default: weights and biases U(±1/√fan_in).
        Pytorch = "pytorch", "PyTorch default U(±1/√fan_in)";
        /// Glorot uniform: weights U(±√(6/(fan_in + fan_out))), biases 0.
        Xavier = "xavier", "Xavier/Glorot uniform";
        /// Kaiming normal (fan_in, ReLU): weights N(0, 2/fan_in), biases 0.
        He = "he", "He/Kaiming normal";
        /// LeCun normal: weights N(0, 1/fan_in), biases 0 (SELU's init).
        Lecun = "lecun", "LeCun normal";
        /// The Q&A's `2 * random - 1`: weights and biases U(−1, 1).
        Uniform = "uniform", "U(−1, 1)";
    }
}

choices! {
    /// What training minimises.
    #[derive(Default)]
    pub enum Loss ("loss") {
        /// Log-softmax of the activated outputs, then the mean negative log-likelihood (the article).
        #[default]
        Nll = "nll", "Softmax cross-entropy (mean)";
        /// ½·Σ(y − ŷ)², summed over the batch's examples and outputs (the Q&A's update rule);
        /// with more than one output, y is the one-hot class.
        Sse = "sse", "½·Σ squared error (sum)";
    }
}

choices! {
    /// Where the tensors live. `gpu` is WebGPU in the browser and wgpu natively.
    pub enum BackendKind ("backend") {
        Gpu = "gpu" | "webgpu" | "wgpu", "WebGPU";
        Cpu = "cpu" | "flex", "CPU";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_errors_list_them() {
        for d in DatasetKind::ALL {
            assert_eq!(DatasetKind::parse(&d.name().to_uppercase()), Ok(d));
        }
        assert_eq!(
            DatasetKind::parse("svhn").unwrap_err(),
            "unknown dataset \"svhn\" (expected mnist-subset, mnist, fashion-mnist, cifar10-subset, cifar10 or qa)"
        );
        assert_eq!(
            Activation::parse("gelu").unwrap_err(),
            "unknown activation \"gelu\" (expected relu, sigmoid, tanh, selu or identity)"
        );
        assert_eq!(BatchNormMode::parse("x").unwrap_err(), "unknown BatchNorm mode \"x\" (expected none, all or last)");
        assert_eq!(Loss::parse("mse").unwrap_err(), "unknown loss \"mse\" (expected nll or sse)");
        assert_eq!(BackendKind::parse(" WGPU "), Ok(BackendKind::Gpu));
        assert_eq!(BackendKind::parse("flex"), Ok(BackendKind::Cpu));
        assert_eq!(BackendKind::parse("tpu").unwrap_err(), "unknown backend \"tpu\" (expected gpu or cpu)");
        assert_eq!(serde_json::to_string(&DatasetKind::Cifar10Subset).unwrap(), "\"cifar10-subset\"");
        assert_eq!(Loss::default(), Loss::Nll);
    }
}
