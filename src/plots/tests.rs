//! Native chart tests: every chart drawn into an in-memory RGB bitmap.

use super::series::smoothing;
use super::*;
use super::{activations, health, hover, training};
use crate::config::Activation;
use crate::history::{EpochRecord, History, StepRecord};
use crate::stats::{LayerStats, ProbeRecord, quantiles};
use plotters::backend::BitMapBackend;
use plotters::prelude::*;
use std::sync::OnceLock;

pub(crate) const W: u32 = 960;
pub(crate) const H: u32 = 600;

/// Registers DejaVu Sans (Debian's fonts-dejavu-core) for plotters' ab_glyph text. Returns
/// whether a font is available; without one the charts are drawn without text.
pub(crate) fn fonts() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| {
        let dir = "/usr/share/fonts/truetype/dejavu";
        let mut ok = false;
        for (file, style) in [("DejaVuSans.ttf", FontStyle::Normal), ("DejaVuSans-Bold.ttf", FontStyle::Bold)] {
            if let Ok(bytes) = std::fs::read(format!("{dir}/{file}")) {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                ok |= plotters::style::register_font("sans-serif", style, bytes).is_ok();
            }
        }
        if !ok {
            eprintln!("note: no DejaVu font in {dir} (apt-get install fonts-dejavu-core): charts drawn without text");
        }
        ok
    })
}

/// Draws with `draw` into a W×H buffer; returns the pixels and the layout.
pub(crate) fn render(
    draw: impl FnOnce(BitMapBackend) -> Result<ChartLayout, String>,
    (w, h): (u32, u32),
) -> (Vec<u8>, ChartLayout) {
    fonts();
    let mut buf = vec![0u8; (w * h * 3) as usize];
    let layout = draw(BitMapBackend::with_buffer(&mut buf, (w, h))).expect("drawing never fails");
    (buf, layout)
}

/// Pixels that are not the white background.
pub(crate) fn inked(buf: &[u8]) -> usize {
    buf.chunks(3).filter(|p| p != &[255, 255, 255]).count()
}

/// Pixels close to `color`.
fn count_color(buf: &[u8], color: RGBColor) -> usize {
    let RGBColor(r, g, b) = color;
    buf.chunks(3)
        .filter(|p| {
            (p[0] as i32 - r as i32).abs() < 12
                && (p[1] as i32 - g as i32).abs() < 12
                && (p[2] as i32 - b as i32).abs() < 12
        })
        .count()
}

fn layer(q_pre: Vec<f32>, q_post: Vec<f32>, dead: f32, sat: f32, grad: f32) -> LayerStats {
    LayerStats {
        pre_quantiles: q_pre,
        post_quantiles: q_post,
        dead_fraction: dead,
        saturated_fraction: sat,
        grad_norm: grad,
    }
}

/// A made-up but plausible run: 4 epochs of 50 steps, a probe every 10 steps.
pub(crate) fn sample_history() -> History {
    let mut h = History {
        acts: vec![Activation::Relu, Activation::Sigmoid, Activation::Relu],
        steps_per_epoch: 50,
        ..History::default()
    };
    for step in 1..=200 {
        let s = step as f32;
        let wiggle = ((s * 1.7).sin() * 0.15).abs();
        h.steps.push(StepRecord {
            step,
            loss: 2.3 * (-s / 60.0).exp() + 0.2 + wiggle,
            accuracy: 0.95 - 0.85 * (-s / 50.0).exp(),
        });
    }
    for epoch in 1..=4 {
        h.epochs.push(EpochRecord {
            epoch,
            step: epoch * 50,
            train_loss: 1.0 / epoch as f32,
            train_accuracy: 0.7 + 0.05 * epoch as f32,
            test_loss: 1.1 / epoch as f32,
            test_accuracy: 0.68 + 0.05 * epoch as f32,
        });
    }
    for k in 1..=20 {
        let t = k as f32 / 20.0;
        let normal: Vec<f32> = (0..2000).map(|i| ((i as f32 * 0.618).fract() - 0.5) * (2.0 + 2.0 * t)).collect();
        let relu: Vec<f32> = normal.iter().map(|v| v.max(0.0)).collect();
        let sig: Vec<f32> = normal.iter().map(|v| 1.0 / (1.0 + (-(v * 4.0 * t)).exp())).collect();
        h.probes.push(ProbeRecord {
            step: k * 10,
            layers: vec![
                layer(quantiles(&normal), quantiles(&relu), 0.1 * t, 0.0, 0.5 * (1.0 - 0.5 * t)),
                layer(quantiles(&normal), quantiles(&sig), 0.0, 0.3 * t, 0.05),
                layer(quantiles(&normal), quantiles(&relu), 0.2 * t, 0.0, 2.0 * (1.0 - 0.3 * t)),
            ],
            dead_output_rows: 0.05 * t,
            non_finite: false,
        });
    }
    h
}

type DrawFn = fn(BitMapBackend, &History) -> Result<ChartLayout, String>;

fn all_charts() -> Vec<(&'static str, DrawFn)> {
    vec![
        ("training", |b, h| draw_training(b, h, 1.0)),
        ("activations-post", |b, h| draw_activations(b, h, Stage::Post, 1.0)),
        ("activations-pre", |b, h| draw_activations(b, h, Stage::Pre, 1.0)),
        ("gradients", |b, h| draw_gradients(b, h, 1.0)),
        ("health", |b, h| draw_unit_health(b, h, 1.0)),
    ]
}

fn panel<'a>(layout: &'a ChartLayout, id: &str) -> &'a PanelLayout {
    layout.panels.iter().find(|p| p.id == id).unwrap_or_else(|| panic!("no panel {id} in {:?}", layout.panels))
}

fn assert_sane(layout: &ChartLayout) {
    for p in &layout.panels {
        for v in [p.x_min, p.x_max, p.y_min, p.y_max] {
            assert!(v.is_finite(), "{p:?}");
        }
        assert!(p.x_max > p.x_min && p.y_max > p.y_min, "{p:?}");
        assert!(!p.y_log || p.y_min > 0.0, "{p:?}");
        assert!(p.left < p.right && p.top < p.bottom, "{p:?}");
        assert!(
            p.left >= 0 && p.right <= layout.width as i32 && p.top >= 0 && p.bottom <= layout.height as i32,
            "{p:?}"
        );
    }
}

#[test]
fn every_chart_draws_data_and_reports_its_panels() {
    let h = sample_history();
    for (name, draw) in all_charts() {
        let (buf, layout) = render(|b| draw(b, &h), (W, H));
        assert!(!layout.empty, "{name}");
        assert_sane(&layout);
        let ink = inked(&buf);
        assert!(ink > (W * H / 50) as usize, "{name}: only {ink} pixels drawn");
        assert!(layout.notes.is_empty(), "{name}: {:?}", layout.notes);
        assert_eq!((layout.width, layout.height), (W, H));
        assert_eq!(
            serde_json::to_value(&layout).unwrap()["panels"][0]["xMin"],
            serde_json::json!(layout.panels[0].x_min)
        );
    }
}

#[test]
fn axis_ranges_follow_the_data() {
    let h = sample_history();
    let (_, layout) = render(|b| draw_training(b, &h, 1.0), (W, H));
    let loss = panel(&layout, "loss");
    let max_loss = h.steps.iter().map(|s| s.loss as f64).fold(0.0, f64::max);
    assert!(loss.y_max >= max_loss && loss.y_max < max_loss * 1.2, "{loss:?}");
    assert_eq!(loss.y_min, 0.0);
    assert_eq!((loss.x_min, loss.x_max), (0.0, 200.0));
    let acc = panel(&layout, "accuracy");
    assert_eq!((acc.y_min, acc.y_max), (0.0, 1.0));
    // The two panels share the x axis, stacked.
    assert_eq!((acc.left, acc.right), (loss.left, loss.right));
    assert!(acc.top > loss.bottom);

    let (_, layout) = render(|b| draw_gradients(b, &h, 1.0), (W, H));
    let grad = panel(&layout, "grad");
    assert!(grad.y_log);
    assert!(grad.y_min <= 0.05 && grad.y_max >= 2.0, "{grad:?}");
    assert!(grad.y_min >= 0.001 && grad.y_max <= 100.0, "{grad:?}");
    let ratio = panel(&layout, "ratio");
    assert!(ratio.y_log && ratio.y_min <= 0.25 && ratio.y_max >= 1.0, "{ratio:?}");

    let (_, layout) = render(|b| draw_activations(b, &h, Stage::Post, 1.0), (W, H));
    assert_eq!(layout.panels.len(), 6);
    // Sigmoid outputs are drawn on their whole range [0, 1], so saturation piles at an edge.
    let sig = panel(&layout, "hist-2");
    assert!(sig.x_min <= 0.0 && sig.x_max >= 1.0 && sig.x_max < 1.1, "{sig:?}");
    let bands = panel(&layout, "bands-1");
    assert_eq!(bands.layer, Some(0));
    assert_eq!((bands.x_min, bands.x_max), (0.0, 200.0));

    let (_, layout) = render(|b| draw_unit_health(b, &h, 1.0), (W, H));
    let dead = panel(&layout, "dead");
    assert!(dead.y_max >= 0.2 && dead.y_max <= 1.04, "{dead:?}");
    assert_eq!(layout.banner, None);
}

#[test]
fn layer_colours_are_the_same_in_every_chart() {
    let h = sample_history();
    for (name, draw) in all_charts().into_iter().skip(1) {
        let (buf, _) = render(|b| draw(b, &h), (W, H));
        // The sample network's three layers; LAYER_COLORS goes on for deeper ones.
        for (i, color) in LAYER_COLORS.iter().take(h.acts.len()).enumerate() {
            assert!(count_color(&buf, *color) > 30, "{name}: layer {i}'s colour is missing");
        }
    }
}

#[test]
fn empty_history_draws_a_sentence_not_an_error() {
    let h = History::default();
    for (name, draw) in all_charts() {
        let (buf, layout) = render(|b| draw(b, &h), (W, H));
        assert!(layout.empty && layout.panels.is_empty(), "{name}");
        let ink = inked(&buf);
        // The frame alone is ~4 × 940 px; a sentence adds well over a thousand more.
        let least = if fonts() { 5000 } else { 2000 };
        assert!(ink > least, "{name}: {ink} pixels");
    }
    // A history with steps but no probes: the statistics charts are still empty.
    let mut h = sample_history();
    h.probes.clear();
    let (_, layout) = render(|b| draw_gradients(b, &h, 1.0), (W, H));
    assert!(layout.empty);
    let (_, layout) = render(|b| draw_training(b, &h, 1.0), (W, H));
    assert!(!layout.empty);
}

#[test]
fn nan_and_infinity_are_skipped_and_flagged() {
    let mut h = sample_history();
    h.steps[10].loss = f32::NAN;
    h.steps[11].loss = f32::INFINITY;
    h.steps[12].accuracy = f32::NAN;
    h.epochs[1].test_loss = f32::NAN;
    let p = &mut h.probes[5];
    p.non_finite = true;
    p.layers[0].grad_norm = f32::NAN;
    p.layers[1].grad_norm = f32::INFINITY;
    p.layers[2].post_quantiles[100] = f32::NAN;
    p.layers[0].pre_quantiles = vec![f32::NAN; 101];
    p.dead_output_rows = f32::NAN;
    h.probes[6].layers[1].saturated_fraction = f32::NAN;
    for (name, draw) in all_charts() {
        let (buf, layout) = render(|b| draw(b, &h), (W, H));
        assert_sane(&layout);
        assert!(layout.notes.iter().any(|n| n == NON_FINITE_NOTE), "{name}: {:?}", layout.notes);
        assert!(inked(&buf) > 10_000, "{name}");
    }
    // The loss axis is set by the finite values only.
    let (_, layout) = render(|b| draw_training(b, &h, 1.0), (W, H));
    assert!(panel(&layout, "loss").y_max < 3.0);
}

#[test]
fn everything_non_finite_or_constant_still_draws() {
    let mut h = sample_history();
    h.steps.truncate(1);
    h.epochs.clear();
    h.probes.truncate(1);
    for l in &mut h.probes[0].layers {
        l.pre_quantiles = vec![0.0; 101];
        l.post_quantiles = vec![f32::NAN; 101];
        l.grad_norm = 0.0;
        l.dead_fraction = 1.0;
    }
    h.probes[0].dead_output_rows = 1.0;
    for (name, draw) in all_charts() {
        let (_, layout) = render(|b| draw(b, &h), (W, H));
        assert_sane(&layout);
        assert!(!layout.empty, "{name}");
    }
    let (buf, layout) = render(|b| draw_unit_health(b, &h, 1.0), (W, H));
    assert_eq!(layout.banner.as_deref(), Some(DEAD_OUTPUT_BANNER));
    assert!(count_color(&buf, RGBColor(185, 28, 28)) > 20_000, "the banner is big and red");
    // Trained on squared error (the Q&A's ReLU output), the banner speaks of the output, not a softmax.
    let sse = History { loss: crate::config::Loss::Sse, ..h.clone() };
    let (_, layout) = render(|b| draw_unit_health(b, &sse, 1.0), (W, H));
    assert_eq!(layout.banner.as_deref(), Some(DEAD_OUTPUT_BANNER_SSE));
    // Zero gradients cannot be drawn on a log axis: the range stays valid anyway.
    let (_, layout) = render(|b| draw_gradients(b, &h, 1.0), (W, H));
    assert!(panel(&layout, "grad").y_min > 0.0);
}

#[test]
fn without_a_usable_font_charts_draw_without_text() {
    let h = sample_history();
    let theme = Theme { font: "no-such-font-family".into(), ..Theme::light(1.0) };
    for stage in [Stage::Pre, Stage::Post] {
        let (buf, layout) = render(|b| activations::draw(b, &h, stage, &theme), (W, H));
        assert!(!layout.empty && inked(&buf) > 10_000);
    }
    let (buf, _) = render(|b| training::draw(b, &h, &theme), (W, H));
    assert!(inked(&buf) > 10_000);
    let (_, layout) = render(|b| health::draw(b, &History::default(), &theme), (W, H));
    assert!(layout.empty);
}

#[test]
fn scale_two_doubles_everything() {
    let h = sample_history();
    let (_, one) = render(|b| draw_gradients(b, &h, 1.0), (W, H));
    let (_, two) = render(|b| draw_gradients(b, &h, 2.0), (2 * W, 2 * H));
    assert_eq!(two.scale, 2.0);
    let (a, b) = (panel(&one, "grad"), panel(&two, "grad"));
    assert!((b.left - 2 * a.left).abs() <= 3 && (b.bottom - 2 * a.bottom).abs() <= 3, "{a:?} {b:?}");
    assert_eq!((a.y_min, a.y_max), (b.y_min, b.y_max));
    // Odd scales and tiny canvases are fine too.
    for scale in [0.0, f64::NAN, 1.37, 3.0] {
        type Scaled = fn(BitMapBackend, &History, f64) -> Result<ChartLayout, String>;
        let charts: [(&str, Scaled); 3] = [
            ("training", |b, h, s| draw_training(b, h, s)),
            ("gradients", |b, h, s| draw_gradients(b, h, s)),
            ("health", |b, h, s| draw_unit_health(b, h, s)),
        ];
        for (name, draw) in charts {
            for size in [(200, 120), (10, 10), (1, 1)] {
                let (_, l) = render(|b| draw(b, &h, scale), size);
                assert_sane(&l);
                assert!(size.0 >= 40 || l.panels.is_empty(), "{name}");
            }
        }
        let (_, l) = render(|b| draw_activations(b, &h, Stage::Pre, scale), (200, 120));
        assert_sane(&l);
    }
}

/// The middle of a panel, in backend pixels, at fractions (fx, fy) of its width and height.
fn point_in(panel: &PanelLayout, fx: f64, fy: f64) -> (f64, f64) {
    (
        panel.left as f64 + fx * (panel.right - panel.left) as f64,
        panel.top as f64 + fy * (panel.bottom - panel.top) as f64,
    )
}

#[test]
fn hover_reads_the_values_the_charts_were_drawn_from() {
    let h = sample_history();
    // Loss: the nearest step's raw loss and the same EMA the chart draws.
    let (_, layout) = render(|b| draw_training(b, &h, 1.0), (W, H));
    let loss = panel(&layout, "loss");
    let (px, py) = point_in(loss, 0.37, 0.5);
    let (x, _) = loss.data_at(px, py).unwrap();
    let r = hover(&h, &layout, px, py, Stage::Post).expect("a read-out inside the loss panel");
    assert_eq!(r.panel, "loss");
    let i = h
        .steps
        .iter()
        .enumerate()
        .min_by(|a, b| (a.1.step as f64 - x).abs().total_cmp(&(b.1.step as f64 - x).abs()))
        .unwrap()
        .0;
    let step = h.steps[i].step;
    assert_eq!(r.cursor.step, Some(step));
    assert!(r.title.starts_with(&format!("Step {step} · epoch {}", step.div_ceil(50))), "{}", r.title);
    let raw: Vec<f32> = h.steps.iter().map(|s| s.loss).collect();
    let smooth = crate::stats::ema(&raw, smoothing(raw.len()))[i];
    assert_eq!(r.rows[0].label, "train (smoothed)");
    assert_eq!(r.rows[0].value, format!("{:.4}", smooth));
    assert_eq!(r.rows[1].value, format!("{:.4}", h.steps[i].loss));
    // The cursor sits on the recorded step.
    let expected_x =
        loss.left as f64 + (step as f64 - loss.x_min) / (loss.x_max - loss.x_min) * (loss.right - loss.left) as f64;
    assert!((r.cursor.x - expected_x).abs() < 1e-9);
    // Near an epoch end the test accuracy of that epoch is shown.
    let acc = panel(&layout, "accuracy");
    let end = h.epochs[1].step as f64;
    let px = acc.left as f64 + (end - acc.x_min) / (acc.x_max - acc.x_min) * (acc.right - acc.left) as f64;
    let r = hover(&h, &layout, px, (acc.top + acc.bottom) as f64 / 2.0, Stage::Post).unwrap();
    let test = r.rows.iter().find(|row| row.label == "test, after epoch 2").expect("the epoch's test value");
    assert_eq!(test.value, format!("{:.1}%", 100.0 * h.epochs[1].test_accuracy));
    // Outside every panel: nothing.
    assert_eq!(hover(&h, &layout, 1.0, 1.0, Stage::Post), None);

    // Histogram: the bin's share is histogram_mass_in_range of the latest probe.
    let (_, layout) = render(|b| draw_activations(b, &h, Stage::Post, 1.0), (W, H));
    let hist = panel(&layout, "hist-2");
    let (px, py) = point_in(hist, 0.5, 0.5);
    let (x, _) = hist.data_at(px, py).unwrap();
    let r = hover(&h, &layout, px, py, Stage::Post).unwrap();
    let latest = h.probes.last().unwrap();
    let q = &latest.layers[1].post_quantiles;
    let bins = hover::HISTOGRAM_BINS;
    let j = ((x - hist.x_min) / ((hist.x_max - hist.x_min) / bins as f64)).floor() as usize;
    let mass = crate::stats::histogram_mass_in_range(q, hist.x_min, hist.x_max, bins)[j];
    assert_eq!(r.rows[0].value, format!("{:.1}%", 100.0 * mass));
    assert_eq!(r.rows[2].value, format!("{:.4}", q[50]));
    assert!(r.title.starts_with("layer 2 · sigmoid · after the activation"), "{}", r.title);
    assert_eq!(r.cursor.step, Some(latest.step));

    // Gradient norms: every layer's norm at the nearest probe, in the layer colours.
    let (_, layout) = render(|b| draw_gradients(b, &h, 1.0), (W, H));
    let grad = panel(&layout, "grad");
    let (px, py) = point_in(grad, 0.5, 0.5);
    let (x, _) = grad.data_at(px, py).unwrap();
    let r = hover(&h, &layout, px, py, Stage::Post).unwrap();
    let probe = h.probes.iter().min_by(|a, b| (a.step as f64 - x).abs().total_cmp(&(b.step as f64 - x).abs())).unwrap();
    assert_eq!(r.cursor.step, Some(probe.step));
    for (i, row) in r.rows.iter().enumerate() {
        assert_eq!(row.value, format_value(probe.layers[i].grad_norm as f64, 4));
        assert_eq!(row.color.as_deref(), Some(layer_color_hex(i).as_str()));
    }
    assert_eq!(r.rows[2].label, "output · relu");
    assert_eq!(r.rows.iter().filter(|row| row.strong).count(), 1, "one layer is nearest the pointer");

    // Health: dead fractions and dead output rows at the nearest probe.
    let (_, layout) = render(|b| draw_unit_health(b, &h, 1.0), (W, H));
    let dead = panel(&layout, "dead");
    let (px, py) = point_in(dead, 0.9, 0.5);
    let r = hover(&h, &layout, px, py, Stage::Post).unwrap();
    let probe = h.probes.iter().find(|p| Some(p.step) == r.cursor.step).unwrap();
    assert_eq!(r.rows[0].value, format_percent(probe.layers[0].dead_fraction as f64));
    assert_eq!(r.rows.last().unwrap().value, format_percent(probe.dead_output_rows as f64));
}

#[test]
fn hover_formats_like_the_page_did() {
    assert_eq!(format_value(f64::NAN, 4), "NaN");
    assert_eq!(format_value(f64::INFINITY, 4), "∞");
    assert_eq!(format_value(0.000_123_4, 4), "1.23e-4");
    assert_eq!(format_value(123_456.0, 4), "1.23e+5");
    assert_eq!(format_value(0.5, 3), "0.500");
    assert_eq!(format_percent(0.1234), "12.3%");
    // An empty chart has no read-outs.
    let (_, layout) = render(|b| draw_training(b, &History::default(), 1.0), (W, H));
    assert_eq!(hover(&History::default(), &layout, 100.0, 100.0, Stage::Post), None);
}
