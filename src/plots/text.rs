//! The text-placement engine: every piece of chart text is measured and recorded, required text
//! (titles, tick labels) reports a clash when it lands on other text, optional text (notes,
//! labels on the data) is left out where it would.

use super::layout::{TextBox, TextKind};
use super::painter::{Area, Painter};
use super::theme::{LEGEND, TextStyle};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

impl<'a, DB: DrawingBackend> Painter<'a, DB> {
    /// The box `s` would take drawn at `pos` in `style`.
    pub fn text_box(&self, s: &str, pos: (i32, i32), style: TextStyle) -> (i32, i32, i32, i32) {
        let TextStyle { size, anchor, bold, .. } = style;
        let (w, h) = (self.text_width(s, size, bold), self.line_height(size));
        let left = match anchor.0 {
            HPos::Left => pos.0,
            HPos::Center => pos.0 - w / 2,
            HPos::Right => pos.0 - w,
        };
        let top = match anchor.1 {
            VPos::Top => pos.1,
            VPos::Center => pos.1 - h / 2,
            VPos::Bottom => pos.1 - h,
        };
        (left, top, left + w, top + h)
    }

    /// Whether a box lies inside the canvas and clear of all text placed so far.
    pub fn free(&self, (left, top, right, bottom): (i32, i32, i32, i32)) -> bool {
        let b = TextBox { text: String::new(), kind: TextKind::Annotation, axis: 0, left, top, right, bottom };
        left >= 0
            && top >= 0
            && right <= self.layout.width as i32
            && bottom <= self.layout.height as i32
            && !self.texts.borrow().iter().any(|t| t.intersects(&b))
    }

    /// Optional text (a note, a label on the data): drawn at backend pixel `pos` only if it
    /// fits in the current panel's area (see [`Painter::enter`]) and overlaps no text placed
    /// before. Returns whether it was drawn.
    pub fn text(&self, s: &str, pos: (i32, i32), style: TextStyle) -> bool {
        let bx = self.text_box(s, pos, style);
        let inside = self.bounds.get().is_none_or(|(l, t, r, b)| bx.0 >= l && bx.1 >= t && bx.2 <= r && bx.3 <= b);
        if !self.text_ok || s.is_empty() || !inside || !self.free(bx) {
            return false;
        }
        self.place(TextKind::Annotation, s, pos, style);
        true
    }

    /// Text the layout has made room for (a title, a tick label): always drawn and recorded; a
    /// clash with earlier text or the canvas edge is a layout bug, listed in the chart's
    /// `clashes` (the tests fail on it).
    pub fn place(&self, kind: TextKind, s: &str, pos: (i32, i32), style: TextStyle) {
        if !self.text_ok || s.is_empty() {
            return;
        }
        let bx = self.text_box(s, pos, style);
        if !self.free(bx) {
            let (left, top, right, bottom) = bx;
            let me = TextBox { text: String::new(), kind, axis: 0, left, top, right, bottom };
            let other = self
                .texts
                .borrow()
                .iter()
                .find(|t| t.intersects(&me))
                .map(|t| format!("{:?} {:?}", t.text, (t.left, t.top, t.right, t.bottom)));
            let (w, h) = (self.layout.width, self.layout.height);
            let with = other.unwrap_or_else(|| format!("the {w}×{h} canvas edge"));
            self.clashes.borrow_mut().push(format!("{kind:?} {s:?} at {bx:?} over {with}"));
        }
        let TextStyle { size, color, anchor, bold } = style;
        let font = self.font(size, bold).color(&color).pos(Pos::new(anchor.0, anchor.1));
        let _ = self.root.draw_text(s, &font, pos);
        let (left, top, right, bottom) = bx;
        let axis = if kind == TextKind::Tick { self.axis.get() } else { 0 };
        self.texts.borrow_mut().push(TextBox { text: s.to_string(), kind, axis, left, top, right, bottom });
    }

    /// A must-show text (a number the chart is about), bold: placed like [`Painter::place`] where
    /// the layout made room for it, and listed, after `prefix`, in the chart's `keys`.
    pub fn key(&self, s: &str, pos: (i32, i32), style: TextStyle, prefix: &str) {
        if self.text_ok && !s.is_empty() {
            self.place(TextKind::Readout, s, pos, style.bold());
            self.keys.borrow_mut().push(format!("{prefix}{s}"));
        }
    }

    /// Optional text in the middle of `area` (a remark where a plot has nothing to show).
    pub fn centred(&self, area: &Area<DB>, s: &str, color: &RGBColor, bold: bool) -> bool {
        let (xr, yr) = area.get_pixel_range();
        let middle = ((xr.start + xr.end) / 2, (yr.start + yr.end) / 2);
        self.text(s, middle, TextStyle::new(LEGEND, *color, HPos::Center, VPos::Center).bold_if(bold))
    }

    /// Optional text from now on stays inside `area` (a panel being drawn).
    pub fn enter(&self, area: &Area<DB>) {
        let (x, y) = area.get_pixel_range();
        self.bounds.set(Some((x.start, y.start, x.end, y.end)));
    }

    /// Width of `s` in backend pixels (an estimate when text cannot be measured).
    pub fn text_width(&self, s: &str, size: f64, bold: bool) -> i32 {
        if self.text_ok {
            let style = self.font(size, bold).color(&self.theme.ink);
            if let Ok((w, _)) = self.root.estimate_text_size(s, &style) {
                return w as i32;
            }
        }
        (s.chars().count() as f64 * 0.55 * size * self.unit) as i32
    }

    /// `s`, or its longest start that fits `room` pixels with an ellipsis (cut after a word
    /// when one fits), or `None` when not even a few letters fit.
    pub fn shorten(&self, s: &str, room: i32, size: f64, bold: bool) -> Option<String> {
        if self.text_width(s, size, bold) <= room {
            return Some(s.to_string());
        }
        let chars: Vec<char> = s.chars().collect();
        let fits = |n: usize| {
            let cut: String = chars[..n].iter().collect::<String>().trim_end().to_string() + "…";
            (self.text_width(&cut, size, bold) <= room).then_some(cut)
        };
        // The longest cut that fits (widths grow with the length).
        let (mut lo, mut hi) = (0usize, chars.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if fits(mid).is_some() { lo = mid } else { hi = mid - 1 }
        }
        if lo < 4.min(chars.len()) {
            return None;
        }
        // Prefer a word boundary when it keeps most of the text.
        let word = chars[..lo].iter().rposition(|c| *c == ' ').filter(|&i| i >= lo * 2 / 3 && i >= 4);
        fits(word.unwrap_or(lo))
    }

    /// Words of `s` wrapped to `room` pixels.
    pub fn wrap(&self, s: &str, room: i32, size: f64, bold: bool) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut current = String::new();
        for word in s.split(' ') {
            let candidate = if current.is_empty() { word.to_string() } else { format!("{current} {word}") };
            if current.is_empty() || self.text_width(&candidate, size, bold) <= room {
                current = candidate;
            } else {
                lines.push(std::mem::replace(&mut current, word.to_string()));
            }
        }
        lines.push(current);
        lines
    }
}
