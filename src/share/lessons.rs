//! Lessons: ordered steps a presenter's clicker walks through in lecture mode. Each step is a
//! link's settings (a preset, or any settings), an optional chart view and a talking point of
//! one or two sentences that ends in numbers: claims of the step's presets, which
//! tests/presets.rs checks by training (tests/lessons.rs checks that each step's claims are its
//! presets' and that its settings are theirs).
//!
//! A step may also show the sweep's live table (`sweep`: a sweep link's query): the page then
//! trains that sweep in place of the charts, and its claims are about the table's cells (each
//! cell is the single run of its preset, tests/lessons.rs checks that).
//!
//! A link names a built-in lesson (`lesson=vanishing`) or writes its own as a list of presets
//! (`lesson=collapse,bn-last,deep-sigmoid`), and a step (`step=3`, from 1).

use super::{Claim, find_preset};
use crate::config::{ConfigError, clip};
use serde::Serialize;

/// One step of a lesson.
#[derive(Clone, Debug, PartialEq)]
pub struct LessonStep {
    /// The step's settings as a link query (`preset=collapse&b.acts=relu,tanh,tanh&view=health`).
    pub query: String,
    /// The caption's talking point: the prose, then one sentence per claim.
    pub point: String,
    /// A sweep to show live instead of the charts (its link query, `combos=all&seeds=1&…`), for a
    /// step about the whole table; its claims are then about the sweep's cells.
    pub sweep: Option<String>,
    /// The numbers the point ends in: `(preset, claim)`, each a claim of that preset (checked
    /// by training in tests/presets.rs); the preset's settings are the step's A side, or its B
    /// side when the step compares two.
    pub claims: Vec<(&'static str, Claim)>,
}

/// A lesson: its link name, its title and its steps in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    pub name: String,
    pub title: String,
    pub steps: Vec<LessonStep>,
}

/// Where a link stands in a lesson: the lesson and the step shown (from 1). The page gets the
/// lesson's link name, the step, the number of steps, the caption and the step's sweep, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct LessonPlace {
    pub lesson: Lesson,
    pub step: usize,
    /// The caption bar's text: "3 / 6 · talking point".
    pub caption: String,
}

impl Serialize for LessonPlace {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("LessonPlace", 5)?;
        s.serialize_field("name", &self.lesson.name)?;
        s.serialize_field("step", &self.step)?;
        s.serialize_field("steps", &self.lesson.steps.len())?;
        s.serialize_field("caption", &self.caption)?;
        s.serialize_field("sweep", &self.sweep())?;
        s.end()
    }
}

impl LessonPlace {
    /// Step `step` (from 1, at most the lesson's length) of `lesson`.
    pub fn new(lesson: Lesson, step: usize) -> LessonPlace {
        let point = lesson.steps.get(step.max(1) - 1).map_or("", |s| s.point.as_str());
        let caption = format!("{step} / {} · {point}", lesson.steps.len());
        LessonPlace { lesson, step, caption }
    }

    /// Step `step` of the lesson `name` names (clamped to its steps), if there is one.
    pub fn at(name: &str, step: usize) -> Option<LessonPlace> {
        let lesson = find_lesson(name).ok()?;
        let step = step.clamp(1, lesson.steps.len().max(1));
        Some(LessonPlace::new(lesson, step))
    }

    fn current(&self) -> Option<&LessonStep> {
        self.lesson.steps.get(self.step.max(1) - 1)
    }

    /// The step's settings (its link query).
    pub fn query(&self) -> &str {
        self.current().map_or("", |s| s.query.as_str())
    }

    /// The sweep the step shows live, if it is about the table (a sweep link's query).
    pub fn sweep(&self) -> Option<&str> {
        self.current().and_then(|s| s.sweep.as_deref())
    }
}

/// A step: its settings, prose and claims (the claim sentences are appended to the prose).
fn step(query: &str, prose: &str, claims: &[(&'static str, Claim)]) -> LessonStep {
    let mut point = prose.to_string();
    for (_, claim) in claims {
        point.push(' ');
        point.push_str(&claim.sentence());
    }
    LessonStep { query: query.to_string(), point, sweep: None, claims: claims.to_vec() }
}

/// A step that trains a sweep live (its settings: `sweep`, a sweep link's query) with the
/// trainer's settings `query` behind it. Each claim is about a cell of the table, the single run
/// of its preset: "relu → sigmoid → relu: test accuracy after one epoch stays below 45%."
fn table_step(query: &str, sweep: &str, prose: &str, claims: &[(&'static str, Claim)]) -> LessonStep {
    let mut point = prose.to_string();
    for (preset, claim) in claims {
        let cell = find_preset(preset).expect("a lesson names a preset").config.describe(true);
        // The sentences start in ASCII ("Test accuracy…"); `char::to_lowercase` would pull
        // Unicode's case tables into the wasm.
        let mut sentence = claim.sentence();
        if let Some(first) = sentence.get_mut(..1) {
            first.make_ascii_lowercase();
        }
        point.push_str(&format!(" {cell}: {sentence}"));
    }
    LessonStep { query: query.to_string(), point, sweep: Some(sweep.to_string()), claims: claims.to_vec() }
}

/// The claims of preset `name` that are `pick`ed (by their position in the preset's list).
fn claims_of(name: &'static str, pick: &[usize]) -> Vec<(&'static str, Claim)> {
    let preset = find_preset(name).expect("a lesson names a preset");
    pick.iter().map(|&i| (name, preset.claims[i])).collect()
}

/// The built-in lessons.
pub fn lessons() -> Vec<Lesson> {
    let lesson = |name: &str, title: &str, steps: Vec<LessonStep>| Lesson {
        name: name.to_string(),
        title: title.to_string(),
        steps,
    };
    vec![
        lesson(
            "vanishing",
            "Vanishing gradients",
            vec![
                step(
                    "preset=collapse&view=health",
                    "The article's collapse: a ReLU after a sigmoid, and whole output units die.",
                    &claims_of("collapse", &[0, 1]),
                ),
                step(
                    "preset=bn-last&view=health",
                    "BatchNorm on the last layer re-centres the output every batch: the ReLU cannot die.",
                    &claims_of("bn-last", &[0, 1]),
                ),
                step(
                    "preset=deep-sigmoid&view=gradients",
                    "Eight sigmoid layers: every layer multiplies the gradient by at most 0.25 on its way back.",
                    &claims_of("deep-sigmoid", &[0]),
                ),
                step(
                    "preset=deep-relu-he&view=gradients",
                    "The same depth with ReLU and He initialisation keeps the gradient's size.",
                    &claims_of("deep-relu-he", &[0]),
                ),
                step(
                    "preset=tiny-init&view=activations",
                    "He initialisation × 0.1: each layer shrinks the signal tenfold.",
                    &claims_of("tiny-init", &[0]),
                ),
                step(
                    "preset=qa-relu&view=loss",
                    "The Q&A's ReLU output: once it is off for every example, nothing learns any more.",
                    &claims_of("qa-relu", &[0, 1]),
                ),
            ],
        ),
        lesson(
            "article",
            "The article in five minutes",
            vec![
                step(
                    "preset=collapse&b.acts=relu,tanh,tanh&view=loss",
                    "A: the collapse. B: a healthy combination, same data, order and seed.",
                    &[claims_of("collapse", &[0]), claims_of("healthy", &[0])].concat(),
                ),
                table_step(
                    "preset=collapse",
                    "combos=all&seeds=1&epochs=1&dataset=mnist-subset&bn=none",
                    "The live table: all 64 combinations, one epoch each; watch the relu column of the rows \
                     ending in sigmoid.",
                    &[claims_of("collapse", &[0]), claims_of("healthy", &[0])].concat(),
                ),
                step(
                    "preset=cifar-collapse&view=loss",
                    "On CIFAR-10 the same ending calls every photo an airplane.",
                    &claims_of("cifar-collapse", &[0]),
                ),
                step(
                    "preset=bn-all&view=activations",
                    "BatchNorm after every layer: the article's rescue.",
                    &claims_of("bn-all", &[0, 1]),
                ),
            ],
        ),
    ]
}

/// The lesson a link names: a built-in one, or a comma-separated list of presets (each a step
/// with its title as the talking point and all its claims). Unknown presets are named.
pub fn find_lesson(name: &str) -> Result<Lesson, ConfigError> {
    let name = name.trim();
    if let Some(lesson) = lessons().into_iter().find(|l| l.name == name) {
        return Ok(lesson);
    }
    let parts: Vec<&str> = name.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    let unknown: Vec<&str> = parts.iter().copied().filter(|p| find_preset(p).is_none()).collect();
    if parts.is_empty() || !unknown.is_empty() {
        let what = match unknown.as_slice() {
            [one] if parts.len() > 1 => format!("no preset named {:?} in the list", clip(one)),
            [first, rest @ ..] if parts.len() > 1 => {
                format!("no presets named {:?} and {} more in the list", clip(first), rest.len())
            }
            _ => format!("unknown lesson {:?}", clip(name)),
        };
        let known = lessons().iter().map(|l| l.name.clone()).collect::<Vec<_>>().join(", ");
        return Err(ConfigError::new(
            "lesson",
            format!("{what} (lessons: {known}; or presets separated by commas, e.g. collapse,bn-last,deep-sigmoid)"),
        ));
    }
    let steps = parts
        .iter()
        .map(|p| {
            let preset = find_preset(p).expect("checked above");
            let claims: Vec<(&'static str, Claim)> = preset.claims.iter().map(|c| (preset.name, *c)).collect();
            step(&format!("preset={}", preset.name), &format!("{}.", preset.title), &claims)
        })
        .collect();
    Ok(Lesson { name: parts.join(","), title: "Your lesson".into(), steps })
}

/// The place a link's `lesson` and `step` name; `step` past either end opens the nearest step and
/// is named in `errors`.
pub fn place(lesson: &str, step: Option<&str>, errors: &mut Vec<ConfigError>) -> Option<LessonPlace> {
    let lesson = match find_lesson(lesson) {
        Ok(l) => l,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let count = lesson.steps.len();
    let step = match step.map(str::trim) {
        None => 1,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=count).contains(&n) => n,
            Ok(n) => {
                let opened = if n == 0 { 1 } else { count };
                errors.push(ConfigError::new(
                    "step",
                    format!("lesson {:?} has steps 1 to {count}, got {n}; step {opened} opens", clip(&lesson.name)),
                ));
                opened
            }
            Err(_) => {
                errors.push(ConfigError::new(
                    "step",
                    format!("a step number from 1 to {count} expected, got {:?}; step 1 opens", clip(text)),
                ));
                1
            }
        },
    };
    Some(LessonPlace::new(lesson, step))
}
