//! The drawing surface every chart paints on: sizes, the empty and too-small states, the notes,
//! and the finished [`ChartLayout`].

use super::layout::{ChartLayout, PanelLayout, TOO_SMALL, TextBox, TextKind};
use super::theme::{EMPTY, NOTE, TICK, TITLE, TextStyle, Theme};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::cell::{Cell, RefCell};

pub(crate) type Area<DB> = DrawingArea<DB, Shift>;
pub(crate) type Res<T> = Result<T, String>;

pub(crate) fn err<E: std::fmt::Display>(e: E) -> String {
    format!("drawing the chart failed: {e}")
}

/// The drawing surface plus what every chart needs: the theme, the size unit, whether text works,
/// the layout being built and every piece of text placed so far (so that nothing is drawn over
/// it).
pub(crate) struct Painter<'a, DB: DrawingBackend> {
    pub root: Area<DB>,
    pub theme: &'a Theme,
    pub text_ok: bool,
    /// Pixels per design pixel: the scale, times a factor for small or large charts.
    pub unit: f64,
    /// The chart's layout as far as it is known: its size and scale, its notes and banner. The
    /// panels and the text placed (below, kept apart so that text can be placed through `&self`)
    /// join it when the chart is finished.
    pub layout: ChartLayout,
    /// Every piece of text placed so far, and the required text that landed on other text
    /// (see `text.rs`).
    pub(super) texts: RefCell<Vec<TextBox>>,
    pub(super) clashes: RefCell<Vec<String>>,
    /// The must-show texts drawn (see [`Painter::key`]).
    pub(super) keys: RefCell<Vec<String>>,
    /// The number of the axis whose tick labels are being placed.
    pub(super) axis: Cell<u32>,
    /// The area of the panel being drawn: optional text stays inside it (so that it cannot
    /// take the place of a later panel's labels). `None`: the whole canvas.
    pub(super) bounds: Cell<Option<(i32, i32, i32, i32)>>,
}

/// The painter (and what else a chart opens with) of `Painter::open` or `probes::open`, or a
/// return from the drawing function with the chart they finished (nothing to draw).
macro_rules! open_or_return {
    ($opening:expr) => {
        match $opening? {
            Ok(opened) => opened,
            Err(finished) => return Ok(finished),
        }
    };
}
pub(super) use open_or_return;

/// A chart smaller than this (design pixels) only says that it is too small.
pub(crate) const MIN_PLOT_W: f64 = 90.0;
pub(crate) const MIN_PLOT_H: f64 = 44.0;

impl<'a, DB: DrawingBackend> Painter<'a, DB> {
    pub fn new(backend: DB, theme: &'a Theme) -> Res<Self> {
        let root = backend.into_drawing_area();
        let (width, height) = root.dim_in_pixel();
        let css_width = width as f64 / theme.scale;
        let unit = theme.scale * (css_width / 960.0).clamp(0.8, 1.25);
        root.fill(&theme.background).map_err(err)?;
        let layout = ChartLayout {
            width,
            height,
            scale: theme.scale,
            empty: false,
            panels: Vec::new(),
            notes: Vec::new(),
            banner: None,
            too_small: false,
            texts: Vec::new(),
            clashes: Vec::new(),
            keys: Vec::new(),
        };
        let mut painter = Painter {
            root,
            theme,
            text_ok: false,
            unit,
            layout,
            texts: RefCell::new(Vec::new()),
            clashes: RefCell::new(Vec::new()),
            keys: RefCell::new(Vec::new()),
            axis: Cell::new(0),
            bounds: Cell::new(None),
        };
        let probe = painter.font(TICK, false).color(&theme.ink);
        painter.text_ok = matches!(painter.root.estimate_text_size("Ag", &probe), Ok((w, h)) if w > 0 && h > 0);
        Ok(painter)
    }

    /// How every chart begins: a painter on `backend`, or (`Err`) the finished blank chart of a
    /// canvas too small to draw anything on (a hidden or collapsed one).
    pub fn open(backend: DB, theme: &'a Theme) -> Res<Result<Self, ChartLayout>> {
        let p = Painter::new(backend, theme)?;
        if p.tiny() {
            return p.finish(Vec::new()).map(Err);
        }
        Ok(Ok(p))
    }

    pub fn px(&self, design: f64) -> i32 {
        (design * self.unit).round().max(1.0) as i32
    }

    pub fn font(&self, size: f64, bold: bool) -> FontDesc<'a> {
        let style = if bold { FontStyle::Bold } else { FontStyle::Normal };
        FontDesc::new(FontFamily::Name(&self.theme.font), size * self.unit, style)
    }

    /// Height of a line of text of `size`, in backend pixels.
    pub fn line_height(&self, size: f64) -> i32 {
        (size * self.unit * 1.2).ceil() as i32
    }

    /// The centred sentence of an empty chart, with a faint frame so it is visibly a chart:
    /// wrapped to the frame, shrunk if need be; the detail is left out when there is no room.
    pub fn empty(mut self, message: &str, detail: Option<&str>) -> Res<ChartLayout> {
        let (w, h) = (self.layout.width as i32, self.layout.height as i32);
        let m = self.px(12.0).min(w / 8).min(h / 8);
        let frame = ShapeStyle { color: self.theme.grid.to_rgba(), filled: false, stroke_width: self.px(2.0) as u32 };
        self.root.draw(&Rectangle::new([(m, m), (w - m, h - m)], frame)).map_err(err)?;
        let room_w = w - 4 * m;
        let room_h = h - 4 * m;
        let mut blocks: Vec<(Vec<String>, f64)> = Vec::new();
        let mut size = EMPTY;
        let lines = loop {
            let lines = self.wrap(message, room_w, size, false);
            let fits = lines.iter().all(|l| self.text_width(l, size, false) <= room_w)
                && lines.len() as i32 * self.line_height(size) <= room_h;
            if fits || size <= 9.0 {
                break if fits { lines } else { Vec::new() };
            }
            size -= 1.0;
        };
        if !lines.is_empty() {
            blocks.push((lines, size));
            if let Some(detail) = detail {
                let small = NOTE.min(size);
                let lines = self.wrap(detail, room_w, small, false);
                let used: i32 = blocks.iter().map(|(l, s)| l.len() as i32 * self.line_height(*s)).sum();
                let need = lines.len() as i32 * self.line_height(small) + self.px(8.0);
                if lines.iter().all(|l| self.text_width(l, small, false) <= room_w) && used + need <= room_h {
                    blocks.push((lines, small));
                }
            }
        }
        let gap = self.px(8.0);
        let total: i32 = blocks.iter().map(|(l, s)| l.len() as i32 * self.line_height(*s)).sum::<i32>()
            + gap * (blocks.len() as i32 - 1).max(0);
        let mut y = h / 2 - total / 2;
        for (lines, size) in &blocks {
            for line in lines {
                let muted = self.theme.muted;
                self.place(TextKind::Message, line, (w / 2, y), TextStyle::new(*size, muted, HPos::Center, VPos::Top));
                y += self.line_height(*size);
            }
            y += gap;
        }
        self.layout.notes.clear();
        self.layout.banner = None;
        self.layout.empty = true;
        self.present(Vec::new())
    }

    /// Adds a warning, drawn at the bottom right by [`Painter::finish`].
    pub fn note(&mut self, note: &str) {
        if !self.layout.notes.iter().any(|n| n == note) {
            self.layout.notes.push(note.to_string());
        }
    }

    /// Too small to draw anything (a hidden or collapsed canvas): left blank.
    pub fn tiny(&self) -> bool {
        self.layout.width < 40 || self.layout.height < 30
    }

    /// Height in backend pixels a panel needs at least: title row, axes and a plot of
    /// [`MIN_PLOT_H`].
    pub fn panel_min_height(&self, x_labels: bool, x_name: bool) -> i32 {
        let margins = (self.line_height(TICK) / 2 + self.px(2.0)).max(self.px(6.0)) + 2;
        self.px(TITLE * 1.7) + margins + self.px(MIN_PLOT_H) + self.axis_heights(x_labels, x_name).0
    }

    /// Width a panel needs at least: its y labels (at most ~4 characters) and [`MIN_PLOT_W`].
    pub fn panel_min_width(&self) -> i32 {
        self.px(MIN_PLOT_W) + self.text_width("0.00", TICK, false) + self.px(4.0 + 10.0 + 16.0)
    }

    /// Whether the chart is too small to read: any of `needs` — `(share of the height, share of
    /// the width, (x labels, x name))` of a panel — gets less than the panel's minimum.
    pub fn too_small(&self, needs: &[(f64, f64, (bool, bool))]) -> bool {
        let (w, h) = (self.layout.width as f64, self.layout.height as f64);
        !self.text_ok && (self.layout.width < 120 || self.layout.height < 80)
            || self.text_ok
                && needs.iter().any(|&(fh, fw, (xl, xn))| {
                    (h * fh) < self.panel_min_height(xl, xn) as f64 || (w * fw) < self.panel_min_width() as f64
                })
    }

    /// The chart of a too small canvas: a sentence that says so, instead of illegible panels.
    pub fn say_too_small(self) -> Res<ChartLayout> {
        let mut layout = self.empty(TOO_SMALL, None)?;
        layout.too_small = true;
        Ok(layout)
    }

    /// Finishes the chart: draws the notes (bottom right, or wherever they overlap no text)
    /// and lists the usable panels (a canvas too small for its labels can squeeze a plotting
    /// area to nothing: left out).
    pub fn finish(self, panels: Vec<PanelLayout>) -> Res<ChartLayout> {
        let (w, h) = (self.layout.width as i32, self.layout.height as i32);
        let panels: Vec<PanelLayout> = panels
            .into_iter()
            .filter(|p| {
                p.right > p.left && p.bottom > p.top && p.left >= 0 && p.top >= 0 && p.right <= w && p.bottom <= h
            })
            .collect();
        self.bounds.set(None);
        let line = self.line_height(NOTE);
        let pad = self.px(5.0);
        for note in &self.layout.notes {
            // Candidates: the chart's bottom right, then the top right and bottom left of each
            // plotting area, from the last panel up.
            let mut spots = vec![(w - self.px(10.0), h - pad, HPos::Right)];
            for p in panels.iter().rev() {
                spots.push((p.right - pad, p.top + pad + line, HPos::Right));
                spots.push((p.left + pad, p.bottom - pad, HPos::Left));
            }
            let mut size = NOTE;
            let mut drawn = false;
            while !drawn && size >= 10.0 {
                for &(x, y, hpos) in &spots {
                    let style = TextStyle::new(size, self.theme.warn, hpos, VPos::Bottom).bold();
                    let bx = self.text_box(note, (x, y), style);
                    let backdrop = (bx.0 - pad, bx.1, bx.2 + pad, bx.3);
                    if self.text_ok && self.free(backdrop) {
                        let _ = self.root.draw(&Rectangle::new(
                            [(backdrop.0, backdrop.1), (backdrop.2, backdrop.3)],
                            self.theme.background.mix(0.85).filled(),
                        ));
                        self.place(TextKind::Note, note, (x, y), style);
                        drawn = true;
                        break;
                    }
                }
                size -= 1.0;
            }
        }
        self.present(panels)
    }

    /// Shows what was drawn and says where: the chart's layout.
    fn present(self, panels: Vec<PanelLayout>) -> Res<ChartLayout> {
        self.root.present().map_err(err)?;
        Ok(ChartLayout {
            panels,
            texts: self.texts.into_inner(),
            clashes: self.clashes.into_inner(),
            keys: self.keys.into_inner(),
            ..self.layout
        })
    }
}
