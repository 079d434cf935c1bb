//! The SVG export: every chart exports, parses as SVG, and has the same text boxes as the
//! bitmap drawing, whose text measurement it shares (in the page: the canvas's).

use super::tests::{H, W, fonts, render, sample_history};
use super::*;
use crate::history::History;
use plotters::backend::BitMapBackend;

const CHARTS: [(&str, Stage); 5] = [
    ("training", Stage::Post),
    ("activations", Stage::Post),
    ("activations", Stage::Pre),
    ("gradients", Stage::Post),
    ("health", Stage::Post),
];

/// `chart` drawn as SVG of `size`, its text measured by a bitmap backend like `render`'s.
fn svg(chart: &str, stage: Stage, history: &History, size: (u32, u32), scale: f64) -> (String, ChartLayout) {
    fonts();
    let mut pixel = vec![0u8; 3];
    let measure = BitMapBackend::with_buffer(&mut pixel, (1, 1));
    let mut out = String::new();
    let layout = draw_chart(chart, SvgBackend::new(&mut out, size, &measure), history, stage, scale)
        .unwrap_or_else(|e| panic!("{chart}: {e}"));
    (out, layout)
}

/// The texts of the `<text>` elements of an SVG document, which must parse, in drawing order
/// (plotters writes each on a line of its own; SVG collapses the white space around it).
fn parse(chart: &str, svg: &str, (w, h): (u32, u32), data: bool) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{chart}: not well-formed XML: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{chart}");
    assert_eq!(root.tag_name().namespace(), Some("http://www.w3.org/2000/svg"), "{chart}");
    assert_eq!((root.attribute("width"), root.attribute("height")), (Some(&*w.to_string()), Some(&*h.to_string())));
    // Shapes, not only text: a frame at least, and lines, bands and marks with data.
    let shapes = doc.descendants().filter(|n| n.is_element() && !n.has_tag_name("text")).count();
    assert!(shapes > if data { 20 } else { 2 }, "{chart}: only {shapes} elements");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().trim().to_string())
        .collect()
}

#[test]
fn every_chart_exports_as_svg_with_the_canvas_text_boxes() {
    let full = sample_history();
    for (history, scale, size) in [
        (&full, 1.0, (W, H)),
        (&full, 2.0, (2 * W, 2 * H)),
        (&full, 1.0, (480, 320)),
        (&History::default(), 1.0, (W, H)),
    ] {
        for (chart, stage) in CHARTS {
            let (_, canvas) = render(|b| draw_chart(chart, b, history, stage, scale), size);
            let (doc, layout) = svg(chart, stage, history, size, scale);
            if fonts() {
                assert!(!canvas.texts.is_empty(), "{chart}: no text drawn");
            }
            assert_eq!(layout.texts, canvas.texts, "{chart} at {size:?}: text boxes differ");
            assert_eq!(layout.panels.len(), canvas.panels.len(), "{chart}");
            if size == (W, H) && !history.steps.is_empty() {
                // To look at (and to open in an SVG editor): artifacts/chart-<chart>.svg.
                let _ = std::fs::create_dir_all("artifacts");
                let _ = std::fs::write(format!("artifacts/chart-{chart}-{stage:?}.svg"), &doc);
            }
            let drawn = parse(chart, &doc, size, !history.steps.is_empty());
            let placed: Vec<&str> = layout.texts.iter().map(|t| t.text.trim()).collect();
            assert_eq!(drawn, placed, "{chart} at {size:?}: the SVG's text elements");
        }
    }
}
