//! Numbers that never drop off a chart: for every preset and every lesson step, trained briefly
//! natively, each chart is drawn at the sizes the page gives it at 1280×720 and 1920×1080 (the
//! "All four" view and the single views, in lecture mode and out), and wherever the chart is
//! not "too small" its must-show texts are there, whole, with no text over other text: the
//! gradient ratio "layer 1 ÷ output", the last epoch's test accuracy, the dead-output banner.

mod common;

use activation_playground::config::{Config, DatasetKind};
use activation_playground::data::Dataset;
use activation_playground::format;
use activation_playground::history::History;
use activation_playground::plots::{self, ChartLayout, DEAD_OUTPUT_BANNER, DEAD_OUTPUT_BANNER_SSE, Stage};
use activation_playground::share::{lessons, parse_query, presets};
use plotters::backend::BitMapBackend;
use std::sync::Arc;

/// A chart box of the page, in CSS pixels: (chart, width, height), measured in Chromium with
/// the page's own CSS (headless, devicePixelRatio 1) for a screen size and a view, in lecture
/// mode (with and without a lesson's caption bar) and out of it.
struct Screen {
    name: &'static str,
    lecture: bool,
    boxes: &'static [(&'static str, u32, u32)],
}

/// Every chart in a box of one size: a single view (or the loss and one more) shows each chart so.
const fn one_size(w: u32, h: u32) -> [(&'static str, u32, u32); 4] {
    [("training", w, h), ("activations", w, h), ("gradients", w, h), ("health", w, h)]
}

const SCREENS: &[Screen] = &[
    Screen {
        name: "1280×720 lecture, All four",
        lecture: true,
        boxes: &[("training", 829, 259), ("activations", 407, 531), ("gradients", 407, 259), ("health", 407, 259)],
    },
    Screen {
        name: "1280×720 lecture, All four, lesson caption",
        lecture: true,
        boxes: &[("training", 829, 216), ("activations", 407, 445), ("gradients", 407, 216), ("health", 407, 216)],
    },
    Screen { name: "1280×720 lecture, one chart", lecture: true, boxes: &one_size(1250, 531) },
    Screen { name: "1280×720 lecture, one chart, lesson caption", lecture: true, boxes: &one_size(1250, 445) },
    Screen { name: "1280×720 lecture, loss + one", lecture: true, boxes: &one_size(618, 531) },
    Screen { name: "1280×720 lecture, loss + one, lesson caption", lecture: true, boxes: &one_size(618, 445) },
    Screen { name: "1280×720, All four", lecture: false, boxes: &one_size(381, 338) },
    Screen { name: "1280×720, one chart", lecture: false, boxes: &one_size(776, 338) },
    Screen { name: "1920×1080 lecture, All four", lecture: true, boxes: &one_size(934, 419) },
    Screen { name: "1920×1080 lecture, All four, lesson caption", lecture: true, boxes: &one_size(934, 363) },
    Screen { name: "1920×1080 lecture, one chart", lecture: true, boxes: &one_size(1882, 851) },
    Screen { name: "1920×1080 lecture, one chart, lesson caption", lecture: true, boxes: &one_size(1882, 739) },
    Screen { name: "1920×1080 lecture, loss + one", lecture: true, boxes: &one_size(934, 851) },
    Screen { name: "1920×1080, All four", lecture: false, boxes: &one_size(581, 418) },
    Screen { name: "1920×1080, one chart", lecture: false, boxes: &one_size(1176, 418) },
];

/// The scale the page passes for a chart box (www/charts.js `chartScale`, devicePixelRatio 1):
/// lecture mode's text zoom 1.5 where the box has room for it.
fn scale(chart: &str, lecture: bool, (w, h): (u32, u32)) -> f64 {
    let zoom: f64 = if lecture { 1.5 } else { 1.0 };
    let zoom = if chart == "activations" { 1.0 + (zoom - 1.0) * 0.4 } else { zoom };
    let (rw, rh) = if chart == "activations" { (640.0, 340.0) } else { (560.0, 280.0) };
    zoom.min((w as f64 / rw).min(h as f64 / rh)).max(1.0)
}

fn draw(chart: &str, history: &History, size: (u32, u32), scale: f64) -> ChartLayout {
    let mut buf = vec![255u8; (size.0 * size.1 * 3) as usize];
    let backend = BitMapBackend::with_buffer(&mut buf, size);
    match chart {
        "training" => plots::draw_training(backend, history, scale),
        "activations" => plots::draw_activations(backend, history, Stage::Post, scale),
        "gradients" => plots::draw_gradients(backend, history, scale),
        _ => plots::draw_unit_health(backend, history, scale),
    }
    .expect("the chart draws")
}

/// The must-show texts `chart` owes for `history`: each a start the chart's `keys` must have.
fn owed(chart: &str, history: &History) -> Vec<String> {
    let latest = history.probes.iter().rfind(|p| !p.layers.is_empty());
    match chart {
        "training" => history
            .epochs
            .last()
            .filter(|e| e.test_accuracy.is_finite())
            .map(|e| format!("test {}", format::percent(e.test_accuracy as f64, 1)))
            .into_iter()
            .collect(),
        "gradients" => latest
            .map(|p| {
                let ratio = p.gradient_ratio().map_or("none".to_string(), |r| format::ratio(r as f64));
                format!("layer 1 ÷ output {ratio}")
            })
            .into_iter()
            .collect(),
        "health" => latest
            .filter(|p| activation_playground::history::output_dead(p.dead_output_rows))
            .map(|_| {
                let softmax = history.loss == activation_playground::config::Loss::Nll;
                (if softmax { DEAD_OUTPUT_BANNER } else { DEAD_OUTPUT_BANNER_SSE }).to_string()
            })
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

/// A short run of `config` on small synthetic data of its shape (the Q&A on its own six
/// examples): two epochs, statistics every few steps, so every chart has data and an epoch.
fn short_run(config: &Config) -> History {
    let data: Arc<Dataset> = match config.dataset {
        DatasetKind::Qa => Arc::new(Dataset::qa()),
        kind => common::synthetic(kind, 96, 64, 5),
    };
    let config = Config { epochs: 2, stats_every: 2, ..config.clone() };
    common::train(config, data, usize::MAX)
}

/// Every configuration a link can open from a preset or a lesson step (A and B sides).
fn configurations() -> Vec<(String, Config)> {
    let mut all: Vec<(String, Config)> =
        presets().into_iter().map(|p| (format!("preset {}", p.name), p.config)).collect();
    for lesson in lessons() {
        for (i, step) in lesson.steps.iter().enumerate() {
            let view = parse_query(&step.query);
            assert!(view.errors.is_empty(), "{} step {}: {:?}", lesson.name, i + 1, view.errors);
            for (side, config) in std::iter::once(("A", view.config)).chain(view.compare.map(|b| ("B", b))) {
                if !all.iter().any(|(_, c)| *c == config) {
                    all.push((format!("lesson {} step {} {side}", lesson.name, i + 1), config));
                }
            }
        }
    }
    all
}

#[test]
fn must_show_texts_are_drawn_for_every_preset_and_lesson_step() {
    if !common::fonts() {
        eprintln!("no font: the layout cannot be measured; skipped");
        return;
    }
    let mut failures = Vec::new();
    let (mut checked, mut too_small) = (0, 0);
    for (name, config) in configurations() {
        let history = short_run(&config);
        // The same run with its output layer dead at the last probe: the banner is owed too.
        let mut dead = history.clone();
        if let Some(probe) = dead.probes.last_mut() {
            probe.dead_output_rows = 1.0;
        }
        for screen in SCREENS {
            for (&(chart, w, h), history) in screen.boxes.iter().flat_map(|b| [(b, &history), (b, &dead)]) {
                let scale = scale(chart, screen.lecture, (w, h));
                let layout = draw(chart, history, (w, h), scale);
                if layout.too_small {
                    too_small += 1;
                    continue;
                }
                let where_ = format!("{name}, {chart}, {} ({w}×{h} at ×{scale})", screen.name);
                if !layout.clashes.is_empty() {
                    failures.push(format!("{where_}: clashes {:?}", layout.clashes));
                }
                for text in owed(chart, history) {
                    checked += 1;
                    if !layout.keys.iter().any(|k| k.starts_with(&text)) {
                        failures.push(format!("{where_}: {text:?} missing; drew {:?}", layout.keys));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} must-show texts missing:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 100, "only {checked} must-show texts were owed");
    println!("{checked} must-show texts drawn; {too_small} charts too small to read");
}
