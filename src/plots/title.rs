//! A panel's title row: the title (cut short to fit), a read-out at its right end, and a legend
//! or a note in the room between.

use super::layout::TextKind;
use super::painter::{Area, Painter};
use super::theme::{LEGEND, TITLE, TextStyle};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// The free part of a panel's title row: from the end of the title to the right edge, at
/// height `y` (the text's vertical centre).
#[derive(Clone, Copy, Debug)]
pub(crate) struct TitleRow {
    pub left: i32,
    pub right: i32,
    pub y: i32,
}

impl<DB: DrawingBackend> Painter<'_, DB> {
    /// A legend `(colour, label, dashed)` drawn right-aligned in a title row, between the end
    /// of the title and the row's right edge; its text shrinks to fit and it is left out when
    /// it still does not fit. Returns where it starts (or `row.right`).
    pub fn legend(&self, items: &[(RGBAColor, String, bool)], row: TitleRow) -> i32 {
        if !self.text_ok || items.is_empty() {
            return row.right;
        }
        let mut size = LEGEND;
        let room = row.right - row.left - self.px(12.0);
        let total = |size: f64| -> i32 {
            let scale = size / LEGEND;
            items
                .iter()
                .map(|(_, label, _)| {
                    self.text_width(label, size, false) + ((22.0 + 6.0 + 18.0) * scale * self.unit) as i32
                })
                .sum()
        };
        while total(size) > room {
            size -= 1.0;
            if size < 11.0 {
                return row.right;
            }
        }
        let k = size / LEGEND;
        let swatch = self.px(22.0 * k);
        let gap = self.px(6.0 * k);
        let spacing = self.px(18.0 * k);
        let y = row.y;
        let mut x = row.right;
        for (color, label, dashed) in items.iter().rev() {
            let w = self.text_width(label, size, false);
            x -= w;
            self.place(TextKind::Legend, label, (x, y), TextStyle::new(size, self.theme.ink, HPos::Left, VPos::Center));
            x -= gap + swatch;
            let stroke = self.px(3.0) as u32;
            if *dashed {
                let seg = swatch / 3;
                for k in [0, 2] {
                    let _ = self.root.draw(&PathElement::new(
                        vec![(x + k * seg, y), (x + (k + 1) * seg, y)],
                        color.stroke_width(stroke),
                    ));
                }
            } else {
                let _ = self.root.draw(&PathElement::new(vec![(x, y), (x + swatch, y)], color.stroke_width(stroke)));
            }
            x -= spacing;
        }
        x
    }

    /// Text in the free part of a title row, after what is there (`row.left` moves on); cut
    /// short with an ellipsis to fit, or left out. Returns whether anything was drawn.
    pub fn row_text(&self, row: &mut TitleRow, s: &str, size: f64, color: &RGBColor, kind: TextKind) -> bool {
        let room = row.right - row.left;
        match self.shorten(s, room, size, false) {
            Some(fit) if self.text_ok => {
                self.place(kind, &fit, (row.left, row.y), TextStyle::new(size, *color, HPos::Left, VPos::Center));
                row.left += self.text_width(&fit, size, false) + self.px(8.0);
                true
            }
            _ => false,
        }
    }

    /// Splits the area below a title strip; draws the title (left, cut short to fit) and
    /// returns the rest and the free part of the title row (for a legend or a note).
    pub fn titled(&self, area: &Area<DB>, title: &str, color: &RGBColor) -> (Area<DB>, TitleRow) {
        self.titled_with(area, title, color, None)
    }

    /// [`Painter::titled`] with a read-out at the right end of the row (`text`, colour), which
    /// keeps its room (a must-show text, see [`Painter::key`]): the title is cut short first. Returns the read-out's place in the row's
    /// `right` (left of it).
    pub fn titled_with(
        &self,
        area: &Area<DB>,
        title: &str,
        color: &RGBColor,
        readout: Option<(&str, RGBColor)>,
    ) -> (Area<DB>, TitleRow) {
        self.enter(area);
        let strip = self.px(TITLE * 1.7);
        let (top, rest) = area.split_vertically(strip);
        let (xr, yr) = top.get_pixel_range();
        let x = xr.start + self.px(8.0);
        let y = (yr.start + yr.end) / 2 + self.px(2.0);
        let mut right = xr.end - self.px(16.0);
        if let Some((text, rcolor)) = readout {
            // The read-out is a must-show number: it takes its room first, at a smaller size if
            // need be, and the title gets what is left.
            let size =
                [TITLE, LEGEND, LEGEND * 0.8].into_iter().find(|&size| self.text_width(text, size, true) <= right - x);
            if let Some(size) = size {
                self.key(text, (right, y), TextStyle::new(size, rcolor, HPos::Right, VPos::Center), "");
                right -= self.text_width(text, size, true) + self.px(12.0);
            }
        }
        let shown =
            if right > x { self.shorten(title, right - x, TITLE, true).unwrap_or_default() } else { String::new() };
        if self.text_ok {
            self.place(TextKind::Title, &shown, (x, y), TextStyle::new(TITLE, *color, HPos::Left, VPos::Center).bold());
        }
        let left = if shown.is_empty() { x } else { x + self.text_width(&shown, TITLE, true) + self.px(8.0) };
        (rest, TitleRow { left, right, y })
    }
}
