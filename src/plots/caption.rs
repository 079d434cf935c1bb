//! The caption under an exported chart (see `export::caption`): its lines wrapped to the
//! chart's width, at the chart's scale, in a white strip below the chart.

use super::painter::err;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Caption type size and margins, in CSS pixels (times the chart's scale).
const SIZE: f64 = 12.0;
const PAD: f64 = 8.0;
const LEADING: f64 = 1.35;

/// A caption laid out for a width: the wrapped lines (each with whether it starts a new line
/// of the text) and the strip's height in backend pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Caption {
    pub lines: Vec<(bool, String)>,
    pub height: u32,
    scale: f64,
}

fn font(scale: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::SansSerif, SIZE * scale, FontStyle::Normal)
}

/// Wraps `text` (lines) to the width of `backend` at `scale`, breaking after spaces and `&`,
/// and inside a word only when a word alone is too wide.
pub fn layout_caption<DB: DrawingBackend>(backend: DB, text: &[String], scale: f64) -> Caption {
    let scale = if scale.is_finite() && scale > 0.0 { scale.clamp(0.25, 8.0) } else { 1.0 };
    let area = backend.into_drawing_area();
    let avail = (area.dim_in_pixel().0 as f64 - 2.0 * PAD * scale).max(1.0);
    let style = font(scale).color(&BLACK);
    let width = |s: &str| match area.estimate_text_size(s, &style) {
        Ok((w, _)) if w > 0 || s.is_empty() => w as f64,
        _ => s.chars().count() as f64 * 0.55 * SIZE * scale,
    };
    let mut lines = Vec::new();
    for line in text {
        let mut current = String::new();
        let mut first = true;
        for piece in line.split_inclusive([' ', '&']) {
            if width(format!("{current}{piece}").trim_end()) <= avail {
                current.push_str(piece);
                continue;
            }
            if !current.is_empty() {
                lines.push((first, std::mem::take(&mut current)));
                first = false;
            }
            // A piece wider than the line is cut where it must be.
            for c in piece.chars() {
                if !current.is_empty() && width(&format!("{current}{c}")) > avail {
                    lines.push((first, std::mem::take(&mut current)));
                    first = false;
                }
                current.push(c);
            }
        }
        lines.push((first, current));
    }
    let line_height = SIZE * LEADING * scale;
    let height = (2.0 * PAD * scale + line_height * lines.len() as f64).ceil() as u32;
    Caption { lines, height, scale }
}

/// Draws `caption` in a white strip from backend row `top` down (the chart is above it).
pub fn draw_caption<DB: DrawingBackend>(backend: DB, top: u32, caption: &Caption) -> Result<(), String> {
    let root = backend.into_drawing_area();
    let (w, h) = root.dim_in_pixel();
    let strip = root.margin(top.min(h), 0, 0, 0);
    strip.fill(&WHITE).map_err(err)?;
    let scale = caption.scale;
    let rule = scale.round().max(1.0) as i32;
    strip.draw(&Rectangle::new([(0, 0), (w as i32, rule)], RGBColor(229, 231, 235).filled())).map_err(err)?;
    let line_height = SIZE * LEADING * scale;
    let mut text_line = 0;
    for (i, (first, line)) in caption.lines.iter().enumerate() {
        if *first && i > 0 {
            text_line += 1;
        }
        // The headline in ink, the settings and the link a little lighter.
        let color = if text_line == 0 { RGBColor(31, 41, 55) } else { RGBColor(75, 85, 99) };
        let style = font(scale).color(&color).pos(Pos::new(HPos::Left, VPos::Top));
        let y = (PAD * scale + line_height * i as f64).round() as i32;
        let _ = strip.draw_text(line.trim_end(), &style, ((PAD * scale).round() as i32, y));
    }
    Ok(())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::plots::tests::{fonts, inked};
    use plotters::backend::BitMapBackend;

    fn text() -> Vec<String> {
        let (config, history) = (
            crate::config::Config::default(),
            crate::history::History {
                steps: vec![crate::history::StepRecord { step: 3, loss: 1.0, accuracy: 0.5 }],
                ..Default::default()
            },
        );
        crate::export::caption(&config, &history, "http://localhost:8080/").unwrap()
    }

    #[test]
    fn the_caption_wraps_to_the_chart_and_keeps_every_character() {
        if !fonts() {
            return;
        }
        let text = text();
        for (w, scale) in [(360u32, 1.0), (960, 1.0), (1920, 2.0)] {
            let mut buf = vec![255u8; (w * 10 * 3) as usize];
            let caption = layout_caption(BitMapBackend::with_buffer(&mut buf, (w, 10)), &text, scale);
            assert!(caption.lines.len() >= text.len());
            // Joined back, the wrapped lines are the text.
            let mut joined: Vec<String> = Vec::new();
            for (first, line) in &caption.lines {
                if *first { joined.push(line.clone()) } else { joined.last_mut().unwrap().push_str(line) }
            }
            assert_eq!(joined, text, "{w} px");
            // Each fits the width, measured as it is drawn.
            let area = BitMapBackend::with_buffer(&mut buf, (w, 10)).into_drawing_area();
            for (_, line) in &caption.lines {
                let (lw, _) = area.estimate_text_size(line.trim_end(), &font(scale).color(&BLACK)).unwrap();
                assert!(lw as f64 <= w as f64 - 2.0 * PAD * scale, "{line:?} is {lw} px in {w}");
            }
            if w == 360 {
                assert!(caption.lines.len() > text.len(), "a narrow chart wraps");
            }
            // Drawn under a chart of 100 rows: ink in the strip only.
            let h = 100 + caption.height;
            let mut buf = vec![255u8; (w * h * 3) as usize];
            draw_caption(BitMapBackend::with_buffer(&mut buf, (w, h)), 100, &caption).unwrap();
            let row = (w * 3) as usize;
            assert_eq!(inked(&buf[..100 * row]), 0, "nothing drawn over the chart");
            assert!(inked(&buf[100 * row..]) > 200, "the caption is drawn");
        }
    }
}
