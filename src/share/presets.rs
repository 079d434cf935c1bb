//! The presets: named configurations with commentary, and the claims about their runs that a
//! test checks (tests/presets.rs).

use crate::config::{Activation, BatchNormMode, Config, DatasetKind, Init, Loss};
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
    /// Not sent to the page, which shows them as the description's sentences.
    #[serde(skip)]
    pub claims: Vec<Claim>,
    pub config: Config,
}

/// A measurable statement about a preset's run on the bundled MNIST subset, with the default
/// seed and the seeds next to it ([`CLAIM_SEEDS`]).
#[derive(Clone, Copy, Debug, PartialEq)]
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
    format!("{} step{}", crate::format::thousands(steps), if steps == 1 { "" } else { "s" })
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
            &[DivergesWithin { steps: 10 }],
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
            qa_config(Sigmoid, Sigmoid),
        ),
        network_preset(
            "qa-relu",
            "Q&A: ReLU throughout",
            "The same tiny network with ReLU on both layers. A ReLU output is unbounded and has zero slope \
             wherever it is off: once the output unit is off for the examples, no gradient reaches anything \
             and the error is stuck.",
            &[ErrorAboveAfter { steps: QA_STEPS, value: 0.1 }, OutputDeadAfter { steps: QA_STEPS }],
            qa_config(Relu, Relu),
        ),
        network_preset(
            "qa-relu-sigmoid",
            "Q&A: ReLU hidden, sigmoid output",
            "ReLU in the hidden layer but a sigmoid on the output: the output stays bounded and always has \
             a slope, so the network learns, except for one example. Without biases the input [0, 0, 0] \
             gives every ReLU exactly 0 and the output exactly sigmoid(0) = 0.5, whatever the weights: that \
             example's error of 0.5 stays, a sixth of it in the mean.",
            &[ErrorBelowAfter { steps: QA_STEPS, value: 0.1 }, ErrorAboveAfter { steps: QA_STEPS, value: 0.08 }],
            qa_config(Relu, Sigmoid),
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
pub fn qa_config(hidden: Activation, output: Activation) -> Config {
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
