//! Every chart lays itself out for the size it gets: drawn at sizes from a phone to 1080p, at
//! scales 1, 1.5 (lecture zoom) and 2 (a retina screen), in every state, no two pieces of text
//! overlap, every label is on the canvas, tick labels are distinct, and a chart too small to
//! read says so. Checked on the text boxes the drawing returns.

use super::axes::{linear_ticks, thin_log_ticks};
use super::painter::Painter;
use super::tests::{fonts, render, sample_history};
use super::theme::{TICK, TextStyle};
use super::*;
use super::{activations, gradients, health, training};
use crate::config::Activation;
use crate::history::{EpochRecord, History, StepRecord};
use crate::stats::{LayerStats, ProbeRecord, quantiles};
use plotters::backend::BitMapBackend;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// CSS sizes: phones (portrait, landscape), a tablet, laptop and projector chart boxes, 1080p.
const SIZES: [(u32, u32); 10] = [
    (340, 200),
    (390, 250),
    (390, 300),
    (480, 320),
    (620, 380),
    (800, 500),
    (960, 600),
    (1280, 720),
    (940, 520),
    (1920, 1080),
];

/// A run that diverged: the loss climbs to 1e30, then becomes ∞ and NaN; statistics with it.
fn diverged_history() -> History {
    let mut h = sample_history();
    for (i, s) in h.steps.iter_mut().enumerate() {
        if i > 120 {
            s.loss = if i > 150 { f32::NAN } else { 10f32.powi((i as i32 - 120).min(30)) };
            s.accuracy = if i > 150 { f32::NAN } else { 0.1 };
        }
    }
    h.steps[140].loss = f32::INFINITY;
    h.epochs[3].test_loss = f32::NAN;
    h.epochs[3].test_accuracy = 0.098;
    for probe in h.probes.iter_mut().skip(13) {
        probe.non_finite = true;
        for l in &mut probe.layers {
            l.grad_norm = f32::INFINITY;
            l.post_quantiles = vec![f32::NAN; 101];
            l.pre_quantiles = (0..101).map(|i| (i as f32 - 50.0) * 1e20).collect();
        }
    }
    h
}

/// The article's collapse: the output layer dead, gradients zero, a banner.
fn collapsed_history() -> History {
    let mut h = sample_history();
    for probe in h.probes.iter_mut().skip(5) {
        probe.dead_output_rows = 1.0;
        let last = probe.layers.len() - 1;
        probe.layers[last].post_quantiles = vec![0.0; 101];
        probe.layers[last].dead_fraction = 1.0;
        probe.layers[last].grad_norm = 0.0;
        probe.layers[0].grad_norm = 1e-9;
    }
    for s in h.steps.iter_mut().skip(60) {
        s.loss = std::f32::consts::LN_10;
        s.accuracy = 0.1;
    }
    h
}

/// Ten layers, long runs (6 digit steps), many epochs.
fn deep_history(layers: usize) -> History {
    let acts = [Activation::Relu, Activation::Sigmoid, Activation::Tanh, Activation::Selu];
    let mut h = History {
        acts: (0..layers).map(|i| acts[i % acts.len()]).collect(),
        steps_per_epoch: 18_750,
        ..History::default()
    };
    for k in 1..=300usize {
        let step = k * 625;
        h.steps.push(StepRecord { step, loss: 2.3 / (1.0 + k as f32 / 30.0), accuracy: 0.1 + 0.8 * k as f32 / 300.0 });
        let normal: Vec<f32> = (0..500).map(|i| ((i as f32 * 0.618).fract() - 0.5) * 3.0).collect();
        if k % 10 == 0 {
            h.probes.push(ProbeRecord {
                step,
                layers: (0..layers)
                    .map(|i| LayerStats {
                        pre_quantiles: quantiles(&normal),
                        post_quantiles: quantiles(&normal.iter().map(|v| v.max(0.0)).collect::<Vec<_>>()),
                        dead_fraction: 0.01 * i as f32,
                        saturated_fraction: 0.02 * i as f32,
                        grad_norm: 10f32.powi(-(i as i32)),
                    })
                    .collect(),
                dead_output_rows: 0.0,
                non_finite: false,
            });
        }
    }
    for epoch in 1..=10 {
        h.epochs.push(EpochRecord {
            epoch,
            step: epoch * 18_750,
            train_loss: 1.0 / epoch as f32,
            train_accuracy: 0.9,
            test_loss: 1.0 / epoch as f32,
            test_accuracy: 0.5 + 0.04 * epoch as f32,
        });
    }
    h
}

type Draw = fn(BitMapBackend, &History, f64) -> Result<ChartLayout, String>;
type DrawThemed = fn(BitMapBackend, &History, &Theme) -> Result<ChartLayout, String>;

fn charts() -> Vec<(&'static str, Draw)> {
    vec![
        ("training", |b, h, s| draw_training(b, h, s)),
        ("activations-post", |b, h, s| draw_activations(b, h, Stage::Post, s)),
        ("activations-pre", |b, h, s| draw_activations(b, h, Stage::Pre, s)),
        ("gradients", |b, h, s| draw_gradients(b, h, s)),
        ("health", |b, h, s| draw_unit_health(b, h, s)),
    ]
}

fn themed_charts() -> Vec<(&'static str, DrawThemed)> {
    vec![
        ("training", |b, h, t| training::draw(b, h, t)),
        ("activations-post", |b, h, t| activations::draw(b, h, Stage::Post, t)),
        ("gradients", |b, h, t| gradients::draw(b, h, t)),
        ("health", |b, h, t| health::draw(b, h, t)),
    ]
}

/// Font families with other widths than DejaVu Sans (a browser's fonts differ): "wide" is
/// DejaVu Sans Mono, "narrow" DejaVu Sans Condensed. Returns the families registered.
fn other_fonts() -> Vec<&'static str> {
    static FAMILIES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    FAMILIES
        .get_or_init(|| {
            let dir = "/usr/share/fonts/truetype/dejavu";
            let mut ok = Vec::new();
            for (family, regular, bold) in [
                ("wide", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"),
                ("narrow", "DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"),
            ] {
                let mut both = true;
                for (file, style) in [(regular, FontStyle::Normal), (bold, FontStyle::Bold)] {
                    both &= std::fs::read(format!("{dir}/{file}")).ok().is_some_and(|bytes| {
                        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                        plotters::style::register_font(family, style, bytes).is_ok()
                    });
                }
                if both {
                    ok.push(family);
                }
            }
            ok
        })
        .clone()
}

/// The layout rules, on one drawn chart. Returns a description of what is wrong.
fn check(layout: &ChartLayout) -> Result<(), String> {
    if !layout.clashes.is_empty() {
        return Err(format!("layout clashes: {:?}", layout.clashes));
    }
    let texts = &layout.texts;
    for (i, a) in texts.iter().enumerate() {
        if a.left < 0 || a.top < 0 || a.right > layout.width as i32 || a.bottom > layout.height as i32 {
            return Err(format!("{a:?} leaves the {}×{} canvas", layout.width, layout.height));
        }
        if let Some(b) = texts[i + 1..].iter().find(|b| a.intersects(b)) {
            return Err(format!("{a:?} overlaps {b:?}"));
        }
    }
    let mut axes: std::collections::BTreeMap<u32, Vec<&str>> = Default::default();
    for t in texts.iter().filter(|t| t.kind == TextKind::Tick) {
        axes.entry(t.axis).or_default().push(&t.text);
    }
    for (axis, labels) in &axes {
        let mut unique = labels.clone();
        unique.sort();
        unique.dedup();
        if unique.len() != labels.len() {
            return Err(format!("axis {axis} repeats tick labels: {labels:?}"));
        }
    }
    if layout.empty {
        // An empty or too-small chart still says something.
        if !texts.iter().any(|t| t.kind == TextKind::Message) {
            return Err("an empty chart without its sentence".into());
        }
        return Ok(());
    }
    // A drawn chart: a title per row and at least two labels on every y axis (the y axes
    // are the odd-numbered ones: each panel places y, then x).
    if !texts.iter().any(|t| t.kind == TextKind::Title) {
        return Err("no title".into());
    }
    // Small multiples (one histogram per layer, no bands) leave out the y labels,
    // the same for every cell: their x axes carry the labels instead.
    let multiples = layout.panels.iter().all(|p| p.id.starts_with("hist-"));
    let parity = if multiples { 0 } else { 1 };
    let labelled = axes.iter().filter(|(a, labels)| *a % 2 == parity && labels.len() >= 2).count();
    if labelled != layout.panels.len() {
        return Err(format!("{} panels but {labelled} y axes with two labels or more: {axes:?}", layout.panels.len()));
    }
    Ok(())
}

#[test]
fn no_chart_text_overlaps_at_any_size_or_state() {
    if !fonts() {
        eprintln!("no font: the layout cannot be measured; skipped");
        return;
    }
    let states: Vec<(&str, History)> = vec![
        ("empty", History::default()),
        ("running", sample_history()),
        ("diverged", diverged_history()),
        ("collapsed", collapsed_history()),
        ("ten layers", deep_history(10)),
    ];
    let mut failures = Vec::new();
    let mut drawn = 0;
    for (state, history) in &states {
        for (name, draw) in charts() {
            for &(w, h) in &SIZES {
                for scale in [1.0, 1.5, 2.0] {
                    let size = ((w as f64 * scale) as u32, (h as f64 * scale) as u32);
                    let (_, layout) = render(|b| draw(b, history, scale), size);
                    if let Err(e) = check(&layout) {
                        failures.push(format!("{name}, {state}, {w}×{h} at ×{scale}: {e}"));
                    }
                    drawn += !layout.empty as usize;
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} layouts broke the rules:\n{}", failures.len(), failures.join("\n"));
    assert!(drawn > 300, "only {drawn} charts were drawn with data");
}

#[test]
fn the_layout_holds_with_wider_and_narrower_fonts() {
    if !fonts() {
        return;
    }
    let families = other_fonts();
    if families.is_empty() {
        eprintln!("no DejaVu Sans Mono / Condensed: skipped");
        return;
    }
    let states = [("running", sample_history()), ("diverged", diverged_history()), ("collapsed", collapsed_history())];
    let mut failures = Vec::new();
    for family in families {
        for (state, history) in &states {
            for (name, draw) in themed_charts() {
                for &(w, h) in &SIZES {
                    for scale in [1.0, 2.0] {
                        let theme = Theme { font: family.into(), ..Theme::light(scale) };
                        let size = ((w as f64 * scale) as u32, (h as f64 * scale) as u32);
                        let (_, layout) = render(|b| draw(b, history, &theme), size);
                        if let Err(e) = check(&layout) {
                            failures.push(format!("{name}, {state}, {family}, {w}×{h} at ×{scale}: {e}"));
                        }
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} layouts broke the rules:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn charts_draw_at_phone_size_and_say_when_too_small() {
    if !fonts() {
        return;
    }
    let h = sample_history();
    // A phone's chart box (390 px wide screen): every chart draws its panels; the three
    // activation rows give way to histograms side by side, and get their rows when taller.
    for (name, draw) in charts() {
        let (_, layout) = render(|b| draw(b, &h, 1.0), (370, 260));
        assert!(!layout.too_small && !layout.empty, "{name} at 370×260");
        if name.starts_with("activations") {
            assert!(layout.panels.iter().all(|p| p.id.starts_with("hist-")), "{name} at 370×260");
        }
        let (_, layout) = render(|b| draw(b, &h, 1.0), (370, 420));
        assert!(!layout.too_small && !layout.empty, "{name} at 370×420");
    }
    // Too small to read: a sentence that says so, no panels (no noise).
    for (name, draw) in charts() {
        let (_, layout) = render(|b| draw(b, &h, 1.0), (200, 110));
        assert!(layout.too_small && layout.empty && layout.panels.is_empty(), "{name}");
        let said: String = layout.texts.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ");
        assert_eq!(said, TOO_SMALL, "{name}");
    }
    // Ten layers' small multiples fit a quarter of a 720p projector, not a phone-sized box.
    let deep = deep_history(10);
    let (_, layout) = render(|b| draw_activations(b, &deep, Stage::Post, 1.0), (606, 233));
    assert!(!layout.too_small);
    let (_, layout) = render(|b| draw_activations(b, &deep, Stage::Post, 1.0), (390, 200));
    assert!(layout.too_small);
    // Three layers in a short, wide box (an A/B lecture screen at 720p): small multiples side
    // by side rather than "too small".
    let h = sample_history();
    let (_, layout) = render(|b| draw_activations(b, &h, Stage::Post, 1.0), (606, 233));
    let ids: Vec<&str> = layout.panels.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["hist-1", "hist-2", "hist-3"]);
    // A tall box (the 720p lecture layout's activations column) stacks them in more rows.
    let (_, layout) = render(|b| draw_activations(b, &deep, Stage::Post, 1.0), (409, 498));
    assert!(!layout.too_small);
    let tops: std::collections::BTreeSet<i32> = layout.panels.iter().map(|p| p.top).collect();
    assert!(tops.len() >= 3, "rows: {tops:?}");
}

#[test]
fn titles_keep_their_read_outs_and_subtitles_give_way() {
    if !fonts() {
        return;
    }
    let h = sample_history();
    // Wide (the over-time panels get 58% of the width beside the by-depth panel): the whole
    // ratio title and its read-out.
    let (_, wide) = render(|b| draw_gradients(b, &h, 1.0), (1920, 1080));
    let (_, narrow) = render(|b| draw_gradients(b, &h, 1.0), (390, 300));
    let readout = |l: &ChartLayout| l.texts.iter().find(|t| t.kind == TextKind::Readout).map(|t| t.text.clone());
    let ratio_title = |l: &ChartLayout| {
        l.texts.iter().filter(|t| t.kind == TextKind::Title).nth(1).map(|t| t.text.clone()).unwrap_or_default()
    };
    assert_eq!(ratio_title(&wide), "layer 1 ÷ output: how much reaches the first layer");
    assert!(readout(&wide).is_some_and(|r| r.starts_with("now ")));
    // Mid-sized: the read-out keeps its place and the title is cut short.
    let (_, mid) = render(|b| draw_gradients(b, &h, 1.0), (1000, 600));
    assert!(readout(&mid).is_some_and(|r| r.starts_with("now ")), "{:?}", mid.texts);
    assert!(ratio_title(&mid).ends_with('…'), "{}", ratio_title(&mid));
    // Narrow (a phone): no ratio-over-time panel; the by-depth panel states the ratio.
    assert!(!narrow.texts.iter().any(|t| t.text.contains("how much reaches")), "{:?}", narrow.texts);
    let said: Vec<&str> = narrow.texts.iter().map(|t| t.text.as_str()).collect();
    assert!(said.iter().any(|t| t.starts_with("layer 1 ÷ output")), "{said:?}");
    // The activation rows' subtitles: whole when wide, shortened or left out when narrow.
    let (_, wide) = render(|b| draw_activations(b, &h, Stage::Post, 1.0), (1280, 720));
    let subtitles: Vec<&str> =
        wide.texts.iter().filter(|t| t.kind == TextKind::Subtitle).map(|t| t.text.as_str()).collect();
    assert_eq!(subtitles.len(), 3);
    assert!(subtitles[0].starts_with("after the activation · histogram at step"));
    // The legends are there on a big chart.
    let (_, layout) = render(|b| draw_training(b, &h, 1.0), (960, 600));
    let legends = layout.texts.iter().filter(|t| t.kind == TextKind::Legend).count();
    assert_eq!(legends, 6, "{:?}", layout.texts);
}

#[test]
fn axis_descriptions_drop_their_parenthesis_before_being_cut() {
    if !fonts() {
        return;
    }
    let h = deep_history(8);
    let mut short = 0;
    for size in [(300, 180), (340, 200), (380, 220), (420, 240), (640, 360), (1280, 720), (1920, 1080)] {
        let (_, l) = render(|b| draw_gradients(b, &h, 1.0), size);
        for t in l.texts.iter().filter(|t| t.text.starts_with("layer") && !t.text.starts_with("layer 1")) {
            assert!(t.text == "layer (input → output)" || t.text == "layer", "{size:?}: {:?}", t.text);
            short += usize::from(t.text == "layer");
        }
    }
    assert!(short > 0, "a narrow chart shows the short description");
}

#[test]
fn ticks_are_round_distinct_and_fit() {
    assert_eq!(linear_ticks((0.0, 1.0), 6), vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]);
    assert_eq!(linear_ticks((0.0, 2.44), 5), vec![0.0, 0.5, 1.0, 1.5, 2.0]);
    assert_eq!(linear_ticks((0.0, 200.0), 3), vec![0.0, 100.0, 200.0]);
    assert!(linear_ticks((1.0, 1.0), 5).is_empty());
    // The old diverge axis printed "0 0 1 2 2": its labels are distinct now at every size.
    let h = diverged_history();
    for &(w, hh) in &SIZES {
        let (_, layout) = render(|b| draw_training(b, &h, 1.0), (w, hh));
        check(&layout).unwrap();
    }
    assert_eq!(thin_log_ticks(&[0.05, 0.1, 0.2, 0.5, 1.0], 3), vec![0.1, 1.0]);
    let decades: Vec<f64> = (-12..=0).map(|k| 10f64.powi(k)).collect();
    assert!(thin_log_ticks(&decades, 4).len() <= 4);
}

/// `cargo test --release --features native-wgpu --lib save_chart_samples -- --ignored` writes
/// every chart at a phone, a laptop and a projector size into artifacts/charts/ (binary PPM, which
/// most image viewers open), to look at.
#[test]
#[ignore]
fn save_chart_samples() {
    fonts();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts/charts");
    std::fs::create_dir_all(&dir).unwrap();
    let states = [("running", sample_history()), ("diverged", diverged_history()), ("collapsed", collapsed_history())];
    for (state, history) in &states {
        for (name, draw) in charts() {
            for (w, h) in [(370, 260), (370, 420), (620, 380), (940, 520)] {
                let (buf, _) = render(|b| draw(b, history, 1.0), (w, h));
                let mut ppm = format!("P6 {w} {h} 255\n").into_bytes();
                ppm.extend_from_slice(&buf);
                std::fs::write(dir.join(format!("{name}-{state}-{w}x{h}.ppm")), ppm).unwrap();
            }
        }
    }
}

#[test]
fn optional_text_stays_inside_its_panel() {
    if !fonts() {
        return;
    }
    // A label on the data may not reach into the next panel, where that panel's labels go
    // later (the browser's fonts can be wider than the ones measured here).
    let mut buf = vec![0u8; 400 * 200 * 3];
    let theme = Theme::light(1.0);
    let p = Painter::new(BitMapBackend::with_buffer(&mut buf, (400, 200)), &theme).unwrap();
    let (left, right) = p.root.split_horizontally(150);
    p.enter(&left);
    let ink = theme.ink;
    assert!(p.text("inside", (10, 10), TextStyle::new(TICK, ink, HPos::Left, VPos::Top)));
    assert!(!p.text("↑ 50% exactly 0, and more", (100, 40), TextStyle::new(TICK, ink, HPos::Left, VPos::Top).bold()));
    p.enter(&right);
    assert!(p.text("↑ 50% exactly 0", (160, 40), TextStyle::new(TICK, ink, HPos::Left, VPos::Top).bold()));
    // Over earlier text: refused too.
    assert!(!p.text("inside", (162, 42), TextStyle::new(TICK, ink, HPos::Left, VPos::Top)));
    let layout = p.finish(Vec::new()).unwrap();
    assert_eq!(layout.texts.len(), 2);
    assert!(layout.clashes.is_empty());
}

#[test]
fn a_line_breaks_at_zero_on_a_log_axis_only() {
    // The panel's axis decides: a zero gradient norm cannot be drawn on a log axis (-∞), and the
    // line stops there rather than run to the bottom edge; on a linear axis 0 is a value.
    let mut buf = vec![0u8; 400 * 300 * 3];
    let theme = Theme::light(1.0);
    let p = Painter::new(BitMapBackend::with_buffer(&mut buf, (400, 300)), &theme).unwrap();
    let fmt = |v: &f64| format!("{v}");
    let points = [(0.0, 1.0), (1.0, 0.0), (2.0, 2.0)];
    for y_log in [true, false] {
        let axes = super::axes::Axes { y_log, ..super::axes::Axes::over_steps((0.0, 2.0), (0.01, 10.0), &fmt) };
        let area = p.root.clone();
        let mut chart = super::axes::panel_chart(&p, &area, &axes).unwrap();
        let skipped = super::series::line(&mut chart, &points, theme.ink.stroke_width(1), 0).unwrap();
        assert_eq!(skipped, y_log, "log axis: {y_log}");
    }
}
