//! Share links: every setting in the page URL in a readable form, presets with commentary, and
//! the page-only flags (lecture mode, autostart, an A/B comparison).
//!
//! Parsing goes through [`Config::apply_setting`] and [`Config::validate`], the same path as the
//! page's own controls. A bad value never stops the rest of the link from applying.

use crate::config::{Activation, BatchNormMode, Config, ConfigError, DatasetKind, Init, Loss, clip};
use serde::Serialize;

/// A named configuration with a short explanation of what to watch for. The numbers the
/// commentary states are `claims`: a test trains every preset natively and checks each one, and
/// the page shows them after the prose, so text and test cannot drift apart.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preset {
    pub name: &'static str,
    pub title: &'static str,
    /// The prose, then one sentence per claim.
    pub description: String,
    pub claims: Vec<Claim>,
    pub config: Config,
}

/// A measurable statement about a preset's run on the bundled MNIST subset, with the default
/// seed and the seeds next to it ([`CLAIM_SEEDS`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Claim {
    /// Test accuracy after `epochs` epochs is below `value` (a fraction).
    AccuracyBelow { epochs: usize, value: f32 },
    /// Test accuracy after `epochs` epochs is above `value`.
    AccuracyAbove { epochs: usize, value: f32 },
    /// Test accuracy after `epochs` epochs is exactly `value` (to one test image): what a network
    /// that calls every image class 0 scores on a class-balanced test set.
    AccuracyExactly { epochs: usize, value: f32 },
    /// Layer 1's weight-gradient norm ÷ the output layer's, at the last probe of epoch 1, is below `value`.
    GradientRatioBelow { value: f32 },
    /// The same ratio is above `value`.
    GradientRatioAbove { value: f32 },
    /// At least this fraction of the 10 output units is dead (zero for every probe image) after epoch 1.
    DeadOutputUnitsAtLeast { value: f32 },
    /// No output unit is dead after epoch 1.
    NoDeadOutputUnits,
    /// The loss becomes infinite or NaN within the first `steps` steps.
    DivergesWithin { steps: usize },
    /// Layer 1's weight-gradient norm ÷ the output layer's, at the probe after `steps` steps, is below `value`.
    GradientRatioBelowAfter { steps: usize, value: f32 },
    /// The same ratio is above `value`.
    GradientRatioAboveAfter { steps: usize, value: f32 },
    /// After `steps` steps every value entering the output layer (the last hidden layer's
    /// outputs on the probe batch) is smaller than `value` in size.
    SignalBelowAfter { steps: usize, value: f32 },
    /// After `steps` steps the mean absolute error |y − ŷ| over the examples (what the Q&A
    /// prints) is below `value`.
    ErrorBelowAfter { steps: usize, value: f32 },
    /// The same error is above `value`.
    ErrorAboveAfter { steps: usize, value: f32 },
    /// After `steps` steps the output is exactly 0 for every example (a dead ReLU output).
    OutputDeadAfter { steps: usize },
}

/// The seeds every claim is checked on: the page's default seed and the next two.
pub const CLAIM_SEEDS: [u64; 3] = [1, 2, 3];

impl Claim {
    /// Epochs a run needs before the claim can be checked (0: it is decided in the first steps).
    pub fn epochs(self) -> usize {
        match self {
            Claim::AccuracyBelow { epochs, .. }
            | Claim::AccuracyAbove { epochs, .. }
            | Claim::AccuracyExactly { epochs, .. } => epochs,
            Claim::DivergesWithin { .. } => 0,
            _ if self.steps().is_some() => 0,
            _ => 1,
        }
    }

    /// The steps after which a claim measured at a step is checked (the statistics are taken then).
    pub fn steps(self) -> Option<usize> {
        match self {
            Claim::GradientRatioBelowAfter { steps, .. }
            | Claim::GradientRatioAboveAfter { steps, .. }
            | Claim::SignalBelowAfter { steps, .. }
            | Claim::ErrorBelowAfter { steps, .. }
            | Claim::ErrorAboveAfter { steps, .. }
            | Claim::OutputDeadAfter { steps } => Some(steps),
            _ => None,
        }
    }

    /// The claim as a sentence of the commentary.
    pub fn sentence(self) -> String {
        let pct = |v: f32| format!("{}%", (v * 100.0).round());
        let after = |epochs: usize| if epochs == 1 { "one epoch".to_string() } else { format!("{epochs} epochs") };
        match self {
            Claim::AccuracyBelow { epochs, value } => {
                format!("Test accuracy after {} stays below {}.", after(epochs), pct(value))
            }
            Claim::AccuracyAbove { epochs, value } => {
                format!("Test accuracy after {} is above {}.", after(epochs), pct(value))
            }
            Claim::AccuracyExactly { epochs, value } => {
                format!("Test accuracy after {} is exactly {:.2}%.", after(epochs), value * 100.0)
            }
            Claim::GradientRatioBelow { value } => {
                format!("After one epoch the layer 1 ÷ output gradient ratio is below {value}.")
            }
            Claim::GradientRatioAbove { value } => {
                format!("After one epoch the layer 1 ÷ output gradient ratio is above {value}.")
            }
            Claim::DeadOutputUnitsAtLeast { value } => {
                format!("After one epoch at least {} of the output units are dead.", pct(value))
            }
            Claim::NoDeadOutputUnits => "After one epoch no output unit is dead.".to_string(),
            Claim::DivergesWithin { steps } => format!("The loss overflows within the first {steps} steps."),
            Claim::GradientRatioBelowAfter { steps, value } => {
                format!("After {} the layer 1 ÷ output gradient ratio is below {value:e}.", after_steps(steps))
            }
            Claim::GradientRatioAboveAfter { steps, value } => {
                format!("After {} the layer 1 ÷ output gradient ratio is above {value}.", after_steps(steps))
            }
            Claim::SignalBelowAfter { steps, value } => {
                format!("After {} every value reaching the output layer is smaller than {value:e}.", after_steps(steps))
            }
            Claim::ErrorBelowAfter { steps, value } => {
                format!("After {} the mean absolute error is below {value}.", after_steps(steps))
            }
            Claim::ErrorAboveAfter { steps, value } => {
                format!("After {} the mean absolute error is still above {value}.", after_steps(steps))
            }
            Claim::OutputDeadAfter { steps } => {
                format!("After {} the output is exactly 0 for every example.", after_steps(steps))
            }
        }
    }
}

/// "10 steps", "10,000 steps".
fn after_steps(steps: usize) -> String {
    let digits = steps.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{grouped} step{}", if steps == 1 { "" } else { "s" })
}

fn preset(
    name: &'static str,
    title: &'static str,
    prose: &str,
    claims: &[Claim],
    acts: [Activation; 3],
    batch_norm: BatchNormMode,
    lr: f64,
) -> Preset {
    network_preset(name, title, prose, claims, Config { acts: acts.to_vec(), batch_norm, lr, ..Config::default() })
}

/// A preset of any configuration (depth, widths, initialisation, dataset).
fn network_preset(name: &'static str, title: &'static str, prose: &str, claims: &[Claim], config: Config) -> Preset {
    let mut description = prose.to_string();
    for claim in claims {
        description.push(' ');
        description.push_str(&claim.sentence());
    }
    Preset { name, title, description, claims: claims.to_vec(), config }
}

pub fn presets() -> Vec<Preset> {
    use Activation::*;
    use BatchNormMode as Bn;
    use Claim::*;
    vec![
        preset(
            "collapse",
            "ReLU after sigmoid (the article's collapse)",
            "relu → sigmoid → relu. The sigmoid squeezes layer 2 into (0, 1) and the output ReLU sees \
             small positive and negative pre-activations; whole output units die, their logits sit at \
             exactly 0, and the softmax cannot tell those classes apart. Watch the health chart's dead units \
             and the test accuracy stall far below the other combinations (≈35% in the article after 10 \
             epochs, with huge variance).",
            &[AccuracyBelow { epochs: 1, value: 0.45 }, DeadOutputUnitsAtLeast { value: 0.5 }],
            [Relu, Sigmoid, Relu],
            Bn::None,
            0.01,
        ),
        preset(
            "sigmoid-sigmoid-relu",
            "Two sigmoids, then ReLU",
            "sigmoid → sigmoid → relu: the worst row of the article's table (≈16%). Two sigmoid layers pass on \
             small, weak signals and the output ReLU dies completely: every logit is 0, the softmax is \
             uniform and every image is called class 0.",
            &[DeadOutputUnitsAtLeast { value: 1.0 }, AccuracyBelow { epochs: 1, value: 0.11 }],
            [Sigmoid, Sigmoid, Relu],
            Bn::None,
            0.01,
        ),
        preset(
            "tanh-sigmoid-relu",
            "Tanh, sigmoid, then ReLU",
            "tanh → sigmoid → relu (≈52% in the article): the same (sigmoid, relu) ending collapses even \
             with a zero-centred first layer.",
            &[AccuracyBelow { epochs: 1, value: 0.45 }, DeadOutputUnitsAtLeast { value: 0.5 }],
            [Tanh, Sigmoid, Relu],
            Bn::None,
            0.01,
        ),
        preset(
            "all-sigmoid",
            "Sigmoid everywhere (slow start)",
            "sigmoid → sigmoid → sigmoid. Nothing dies and nothing saturates, yet after one epoch it is still \
             close to guessing: a sigmoid's slope is at most 0.25, so at learning rate 0.01 every layer \
             moves slowly, and the first layer's gradient is smaller than the output layer's (it is the \
             other way round with SELU). It does learn given more epochs.",
            &[AccuracyBelow { epochs: 1, value: 0.2 }, GradientRatioBelow { value: 0.6 }],
            [Sigmoid, Sigmoid, Sigmoid],
            Bn::None,
            0.01,
        ),
        preset(
            "selu",
            "SELU everywhere",
            "selu → selu → selu. Self-normalising: the activation percentiles stay centred with unit-ish spread \
             and gradients reach the first layer; one of the best rows of the table.",
            &[AccuracyAbove { epochs: 1, value: 0.85 }, GradientRatioAbove { value: 1.5 }],
            [Selu, Selu, Selu],
            Bn::None,
            0.01,
        ),
        preset(
            "healthy",
            "A healthy ReLU/Tanh net",
            "relu → tanh → tanh. No ReLU sits on top of a sigmoid, so nothing collapses, and the gradient \
             reaching layer 1 is as large as the output layer's.",
            &[AccuracyAbove { epochs: 1, value: 0.83 }, NoDeadOutputUnits, GradientRatioAbove { value: 1.0 }],
            [Relu, Tanh, Tanh],
            Bn::None,
            0.01,
        ),
        preset(
            "bn-last",
            "BatchNorm on the last layer rescues the collapse",
            "relu → sigmoid → relu with BatchNorm between the last Linear and the output ReLU. The output \
             pre-activations are re-centred every batch, so about half of them stay positive and the ReLU \
             cannot die: the collapse disappears.",
            &[AccuracyAbove { epochs: 1, value: 0.88 }, NoDeadOutputUnits],
            [Relu, Sigmoid, Relu],
            Bn::Last,
            0.01,
        ),
        preset(
            "bn-all",
            "BatchNorm everywhere",
            "relu → sigmoid → relu with BatchNorm after every Linear layer: the article's other rescue. Compare \
             the activation distributions with the collapse preset.",
            &[AccuracyAbove { epochs: 1, value: 0.88 }, NoDeadOutputUnits],
            [Relu, Sigmoid, Relu],
            Bn::All,
            0.01,
        ),
        preset(
            "diverge",
            "A learning rate that diverges",
            "selu → selu → selu with learning rate 10. The first steps overshoot, the loss explodes to \
             infinity or NaN, and the run is stopped with a message instead of drawing garbage.",
            &[DivergesWithin { steps: 5 }],
            [Selu, Selu, Selu],
            Bn::None,
            10.0,
        ),
        network_preset(
            "cifar",
            "CIFAR-10 the article's way",
            "relu → relu → relu on colour photos: the bundled CIFAR-10 subset (a class-balanced part of the \
             official files, fetched when chosen), 3072 → 500 → 256 → 10, inputs scaled to [−1, 1] per \
             channel, batch 4 and 10 epochs, as in the article's CIFAR-10 experiment (≈51% on all of \
             CIFAR-10 there). A plain MLP learns photos far less well than digits.",
            &[AccuracyAbove { epochs: 1, value: 0.25 }],
            cifar([Relu, Relu, Relu], Bn::None),
        ),
        network_preset(
            "cifar-collapse",
            "CIFAR-10: the collapse at exactly 10%",
            "relu → sigmoid → relu on the CIFAR-10 subset, the article's setup. The output ReLU dies \
             completely: every logit is 0, the loss stays at ln 10 and every photo is called an airplane \
             (class 0). On a test set with as many photos of each class that is exactly 10%, the article's \
             number for every (sigmoid, relu) ending on CIFAR-10.",
            &[AccuracyExactly { epochs: 1, value: 0.1 }, DeadOutputUnitsAtLeast { value: 1.0 }],
            cifar([Relu, Sigmoid, Relu], Bn::None),
        ),
        network_preset(
            "cifar-bn",
            "CIFAR-10: BatchNorm rescues it",
            "The same relu → sigmoid → relu on CIFAR-10 with BatchNorm after every Linear layer, as in the \
             article's CIFAR-10 BatchNorm table (≈47% there): the output pre-activations are re-centred \
             every batch, the ReLU cannot die, and the network learns like the healthy ones.",
            &[AccuracyAbove { epochs: 1, value: 0.25 }, NoDeadOutputUnits],
            cifar([Relu, Sigmoid, Relu], Bn::All),
        ),
        network_preset(
            "deep-sigmoid",
            "Eight sigmoid layers: the gradient vanishes",
            "Eight Linear layers of 256 units, each followed by a sigmoid, with PyTorch's default \
             initialisation. On the way back every layer multiplies the gradient by the sigmoid's slope (at \
             most 0.25) and by weights of spread about 1/√(3·256): the first layer's gradient comes out \
             thousands of times smaller than the output layer's. Watch the gradient-by-depth chart fall away \
             to the left.",
            &[GradientRatioBelowAfter { steps: 10, value: 1e-3 }],
            deep(Sigmoid, Init::Pytorch, 1.0),
        ),
        network_preset(
            "deep-relu-he",
            "Eight ReLU layers with He initialisation",
            "The same depth with ReLU and He (Kaiming) initialisation, weights N(0, 2/fan_in): each layer keeps \
             the signal's size on the way forward and the gradient's on the way back, so the first layer \
             learns as fast as the last.",
            &[GradientRatioAboveAfter { steps: 10, value: 0.1 }],
            deep(Relu, Init::He, 1.0),
        ),
        network_preset(
            "deep-selu-lecun",
            "Eight SELU layers with LeCun initialisation",
            "SELU with LeCun normal initialisation, N(0, 1/fan_in): the self-normalising pairing. Activations \
             stay near mean 0 and variance 1 through all eight layers, and the gradient reaches the first one.",
            &[GradientRatioAboveAfter { steps: 10, value: 0.1 }],
            deep(Selu, Init::Lecun, 1.0),
        ),
        network_preset(
            "tiny-init",
            "He initialisation × 0.1: the signal dies",
            "Eight ReLU layers with He initialisation scaled by a gain of 0.1: every layer shrinks its input \
             about tenfold, so after seven hidden layers almost nothing is left of the image and the output \
             hardly depends on it.",
            &[SignalBelowAfter { steps: 10, value: 1e-3 }],
            deep(Relu, Init::He, 0.1),
        ),
        network_preset(
            "qa-sigmoid",
            "Q&A: sigmoid throughout",
            "The Q&A \"ReLU worse than sigmoid?\": six examples of three bits, 3 → 4 → 1, no biases, weights \
             U(−1, 1), full-batch gradient descent with step 1 on ½·Σ(y − ŷ)², one step per epoch. With a \
             sigmoid on both layers the error falls steadily.",
            &[ErrorBelowAfter { steps: QA_STEPS, value: 0.01 }],
            qa(Sigmoid, Sigmoid),
        ),
        network_preset(
            "qa-relu",
            "Q&A: ReLU throughout",
            "The same tiny network with ReLU on both layers. A ReLU output is unbounded and has zero slope \
             wherever it is off: once the output unit is off for the examples, no gradient reaches anything \
             and the error is stuck.",
            &[ErrorAboveAfter { steps: QA_STEPS, value: 0.1 }, OutputDeadAfter { steps: QA_STEPS }],
            qa(Relu, Relu),
        ),
        network_preset(
            "qa-relu-sigmoid",
            "Q&A: ReLU hidden, sigmoid output",
            "ReLU in the hidden layer but a sigmoid on the output: the output stays bounded and always has \
             a slope, so the network learns, except for one example. Without biases the input [0, 0, 0] \
             gives every ReLU exactly 0 and the output exactly sigmoid(0) = 0.5, whatever the weights: that \
             example's error of 0.5 stays, a sixth of it in the mean.",
            &[ErrorBelowAfter { steps: QA_STEPS, value: 0.1 }, ErrorAboveAfter { steps: QA_STEPS, value: 0.08 }],
            qa(Relu, Sigmoid),
        ),
    ]
}

/// Steps (= epochs, one full batch each) of the Q&A presets.
pub const QA_STEPS: usize = 10_000;

/// The article's CIFAR-10 experiment on the bundled subset: batch 4, 10 epochs (the [−1, 1]
/// inputs are CIFAR-10's normalisation).
fn cifar(acts: [Activation; 3], batch_norm: BatchNormMode) -> Config {
    Config {
        dataset: DatasetKind::Cifar10Subset,
        acts: acts.to_vec(),
        batch_norm,
        batch_size: 4,
        epochs: 10,
        ..Config::default()
    }
}

/// Eight Linear layers of 256 units, `act` after each, trained on the MNIST subset.
fn deep(act: Activation, init: Init, gain: f64) -> Config {
    Config { acts: vec![act; 8], widths: vec![256; 7], init, gain, stats_every: 10, ..Config::default() }
}

/// The Q&A's network and training: 3 → 4 → 1 without biases, U(−1, 1), full-batch gradient
/// descent with step 1 on ½·Σ(y − ŷ)², on its six examples.
fn qa(hidden: Activation, output: Activation) -> Config {
    Config {
        dataset: DatasetKind::Qa,
        acts: vec![hidden, output],
        widths: vec![4],
        init: Init::Uniform,
        bias: false,
        loss: Loss::Sse,
        lr: 1.0,
        momentum: 0.0,
        batch_size: 6,
        epochs: QA_STEPS,
        stats_every: 100,
        backend: crate::config::BackendKind::Cpu,
        ..Config::default()
    }
}

pub fn find_preset(name: &str) -> Option<Preset> {
    presets().into_iter().find(|p| p.name == name)
}

/// Everything a share link can say.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedView {
    pub config: Config,
    /// The second configuration of an A/B comparison (`b.` keys), if any.
    pub compare: Option<Config>,
    pub preset: Option<String>,
    pub lecture: bool,
    pub autostart: bool,
    /// Which charts fill the chart area (one of [`VIEWS`]); `None`: all four.
    pub view: Option<String>,
    /// One entry per problem; the valid settings still applied.
    pub errors: Vec<ConfigError>,
}

impl SharedView {
    /// One configuration alone: no B side, preset or page flags (the link that reproduces a run).
    pub fn single(config: Config) -> SharedView {
        SharedView {
            config,
            compare: None,
            preset: None,
            lecture: false,
            autostart: false,
            view: None,
            errors: Vec::new(),
        }
    }
}

/// Page-only flags; not part of the training configuration.
const FLAG_KEYS: [&str; 4] = ["preset", "lecture", "autostart", "view"];

/// A chart view a link can ask for (`view=`): its one name (link value, tab, `data-view`), the
/// tab's label, and its kind (`all`, `one` large chart, or `two`: the loss and one more).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ChartView {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
}

const fn chart_view(name: &'static str, label: &'static str, kind: &'static str) -> ChartView {
    ChartView { name, label, kind }
}

/// Every chart view, in the order of the page's tabs (www/views.js draws them from this table).
pub const VIEWS: [ChartView; 8] = [
    chart_view("all", "All four", "all"),
    chart_view("loss", "Loss", "one"),
    chart_view("activations", "Activations", "one"),
    chart_view("gradients", "Gradients", "one"),
    chart_view("health", "Health", "one"),
    chart_view("loss+activations", "Loss + activations", "two"),
    chart_view("loss+gradients", "Loss + gradients", "two"),
    chart_view("loss+health", "Loss + health", "two"),
];

fn view_names() -> String {
    VIEWS.iter().map(|v| v.name).collect::<Vec<_>>().join(", ")
}

fn parse_flag(key: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::new(key, "expected 1 or 0")),
    }
}

/// Applies `pairs` over `base` (see [`Config::with_settings`]), collecting one error per problem
/// (prefixed with `prefix` for the B side).
fn apply_pairs(base: &Config, pairs: &[(String, String)], prefix: &str, errors: &mut Vec<ConfigError>) -> Config {
    let (config, problems) = base.with_settings(pairs);
    errors.extend(problems.into_iter().map(|mut e| {
        e.field = format!("{prefix}{}", e.field);
        e
    }));
    config
}

/// Parses a page query (with or without the leading `?`). Never fails: problems are listed in
/// `errors` and the affected settings keep their defaults (or the preset's values).
pub fn parse_query(query: &str) -> SharedView {
    let query = query.trim().trim_start_matches('?');
    let mut errors = Vec::new();
    let mut a_pairs = Vec::new();
    let mut b_pairs = Vec::new();
    let mut preset_name = None;
    let mut lecture = false;
    let mut autostart = false;
    let mut shown_view = None;
    let mut compare_flag = None;
    let mut seen = std::collections::HashSet::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let (key, value) = (key.into_owned(), value.into_owned());
        if key.trim().is_empty() {
            if !value.is_empty() {
                errors.push(ConfigError::new(
                    "(empty key)",
                    format!("a value {:?} without a setting name", clip(&value)),
                ));
            }
            continue;
        }
        if !seen.insert(key.clone()) {
            errors.push(ConfigError::new(&clip(&key), "given more than once; the last value applies"));
        }
        match key.as_str() {
            "preset" => preset_name = Some(value),
            "lecture" => parse_flag(&key, &value).map(|v| lecture = v).unwrap_or_else(|e| errors.push(e)),
            "autostart" => parse_flag(&key, &value).map(|v| autostart = v).unwrap_or_else(|e| errors.push(e)),
            "view" => match VIEWS.iter().find(|v| v.name == value.trim()) {
                Some(v) if v.name == "all" => shown_view = None,
                Some(v) => shown_view = Some(v.name.to_string()),
                None => errors.push(ConfigError::new(
                    "view",
                    format!("unknown view {:?} (known: {})", clip(&value), view_names()),
                )),
            },
            "compare" => parse_flag(&key, &value).map(|v| compare_flag = Some(v)).unwrap_or_else(|e| errors.push(e)),
            _ => match key.strip_prefix("b.") {
                Some(rest) => b_pairs.push((rest.to_string(), value)),
                None => a_pairs.push((key, value)),
            },
        }
    }
    // `compare=0` means no B side, whatever `b.` keys say; without `compare`, a `b.` key asks for one.
    if compare_flag == Some(false) && !b_pairs.is_empty() {
        errors.push(ConfigError::new("compare", "is 0, so the b. settings are ignored"));
        b_pairs.clear();
    }
    let compare_flag = compare_flag.unwrap_or(false);
    let mut base = Config::default();
    let mut preset = None;
    if let Some(name) = preset_name {
        match find_preset(&name) {
            Some(p) => {
                base = p.config.clone();
                preset = Some(p.name.to_string());
            }
            None => errors.push(ConfigError::new(
                "preset",
                format!(
                    "unknown preset {:?} (known: {})",
                    clip(&name),
                    presets().iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }
    let config = apply_pairs(&base, &a_pairs, "", &mut errors);
    let compare = (compare_flag || !b_pairs.is_empty()).then(|| apply_pairs(&config, &b_pairs, "b.", &mut errors));
    SharedView { config, compare, preset, lecture, autostart, view: shown_view, errors }
}

/// The readable query for a view (without the leading `?`). B keys list only what differs from A.
pub fn to_query(view: &SharedView) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in &view.config.settings() {
        out.append_pair(key, value);
    }
    if let Some(b) = &view.compare {
        out.append_pair("compare", "1");
        for ((key, value), (_, a_value)) in b.all_settings().iter().zip(&view.config.all_settings()) {
            if value != a_value {
                out.append_pair(&format!("b.{key}"), value);
            }
        }
    }
    if view.lecture {
        out.append_pair("lecture", "1");
    }
    if view.autostart {
        out.append_pair("autostart", "1");
    }
    if let Some(v) = view.view.as_deref().filter(|v| *v != "all" && VIEWS.iter().any(|known| known.name == *v)) {
        out.append_pair("view", v);
    }
    // Commas in `acts` stay readable.
    out.finish().replace("%2C", ",")
}

/// Whether `key` is something a share link may carry.
pub fn is_known_key(key: &str) -> bool {
    let bare = key.strip_prefix("b.").unwrap_or(key);
    FLAG_KEYS.contains(&key) || key == "compare" || crate::config::SETTING_KEYS.contains(&bare)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BackendKind, DatasetKind};

    #[test]
    fn every_setting_round_trips() {
        let config = Config {
            dataset: DatasetKind::FashionMnist,
            acts: vec![Activation::Tanh, Activation::Selu, Activation::Sigmoid],
            batch_norm: BatchNormMode::Last,
            lr: 0.125,
            momentum: 0.25,
            batch_size: 64,
            epochs: 4,
            seed: 7,
            backend: BackendKind::Cpu,
            stats_every: 10,
            ..Config::default()
        };
        let query = to_query(&SharedView::single(config.clone()));
        assert!(query.contains("acts=tanh,selu,sigmoid"), "{query}");
        let parsed = parse_query(&format!("?{query}"));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.config, config);
    }

    #[test]
    fn ab_and_flags_round_trip() {
        let a = Config::default();
        let b = Config { acts: vec![Activation::Selu; 3], batch_norm: BatchNormMode::All, ..a.clone() };
        let v =
            SharedView { compare: Some(b.clone()), lecture: true, autostart: true, ..SharedView::single(a.clone()) };
        let query = to_query(&v);
        assert!(query.contains("b.acts=selu,selu,selu") && query.contains("b.bn=all"), "{query}");
        assert!(!query.contains("b.lr"), "only differences are written: {query}");
        let parsed = parse_query(&query);
        assert_eq!(parsed.config, a);
        assert_eq!(parsed.compare, Some(b));
        assert!(parsed.lecture && parsed.autostart && parsed.errors.is_empty());
    }

    #[test]
    fn the_chart_view_travels_in_the_link() {
        for name in VIEWS.map(|v| v.name) {
            let v = SharedView { view: Some(name.to_string()), ..SharedView::single(Config::default()) };
            let query = to_query(&v);
            // "all" is the default: not written.
            assert_eq!(query.contains("view="), name != "all", "{query}");
            let parsed = parse_query(&query);
            assert_eq!(parsed.view.as_deref().unwrap_or("all"), name);
            assert!(parsed.errors.is_empty());
        }
        assert!(
            to_query(&SharedView { view: Some("loss+activations".into()), ..SharedView::single(Config::default()) })
                .ends_with("view=loss%2Bactivations")
        );
        let parsed = parse_query("view=sideways&lecture=1");
        assert_eq!(parsed.view, None);
        assert!(parsed.lecture);
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].field, "view");
        assert!(parsed.errors[0].message.contains("loss+gradients"), "{}", parsed.errors[0].message);
    }

    #[test]
    fn bad_values_are_named_and_the_rest_still_applies() {
        let parsed = parse_query("acts=relu,swish,relu&lr=0&seed=9&colour=red&batch=abc");
        let fields: Vec<&str> = parsed.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["acts", "colour", "batch", "lr"], "{:?}", parsed.errors);
        assert_eq!(parsed.config.seed, 9);
        assert_eq!(parsed.config.lr, Config::default().lr);
        assert_eq!(parsed.config.acts, Config::default().acts);
        assert!(parsed.config.validate().is_ok());
    }

    #[test]
    fn compare_zero_means_no_b_side_even_with_b_keys() {
        let parsed = parse_query("compare=0&b.acts=selu,selu,selu");
        assert_eq!(parsed.compare, None);
        assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
        assert!(parsed.errors[0].to_string().starts_with("compare: is 0"), "{:?}", parsed.errors);
        // Without `compare`, a `b.` key still asks for a B side.
        assert!(parse_query("b.acts=selu,selu,selu").compare.is_some());
        assert!(parse_query("compare=1").compare.is_some());
    }

    #[test]
    fn duplicate_and_empty_keys_are_reported() {
        let parsed = parse_query("seed=3&seed=4&=5&&");
        assert_eq!(parsed.config.seed, 4, "the last value applies");
        let messages: Vec<String> = parsed.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            messages,
            ["seed: given more than once; the last value applies", "(empty key): a value \"5\" without a setting name"]
        );
        assert!(parse_query("seed=3&b.seed=4").errors.is_empty(), "A and B keys are different keys");
    }

    #[test]
    fn presets_load_and_can_be_overridden() {
        let parsed = parse_query("preset=bn-last&seed=3");
        assert_eq!(parsed.preset.as_deref(), Some("bn-last"));
        assert_eq!(parsed.config.batch_norm, BatchNormMode::Last);
        assert_eq!(parsed.config.seed, 3);
        let parsed = parse_query("preset=nope");
        assert_eq!(parsed.errors[0].field, "preset");
        assert!(presets().len() >= 8);
        for p in presets() {
            assert!(p.config.validate().is_ok(), "{}", p.name);
            assert_eq!(parse_query(&format!("preset={}", p.name)).config, p.config);
        }
    }

    #[test]
    fn markup_in_a_link_stays_plain_text_in_errors() {
        let parsed = parse_query("acts=%3Cscript%3Ealert(1)%3C/script%3E&%3Cimg%20src=x%3E=1");
        assert_eq!(parsed.errors.len(), 2);
        // The page inserts messages with textContent; here we only check nothing is lost or executed.
        assert!(parsed.errors[0].message.contains("<script>"));
    }
}
