//! The one backend type the page draws every chart with: the canvas, or SVG (its text measured on
//! the canvas). One type, so the chart code is compiled into the wasm once, not once per backend.

use super::canvas::{Canvas2dBackend, CanvasError};
use crate::plots::SvgBackend;
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};

pub enum WebBackend<'a> {
    Canvas(Canvas2dBackend),
    Svg(SvgBackend<'a, Canvas2dBackend>),
}

type Res<T = ()> = Result<T, DrawingErrorKind<std::io::Error>>;

/// The canvas never fails; its font errors pass through.
fn lift<T>(r: Result<T, DrawingErrorKind<CanvasError>>) -> Res<T> {
    r.map_err(|e| match e {
        DrawingErrorKind::DrawingError(e) => match e {},
        DrawingErrorKind::FontError(e) => DrawingErrorKind::FontError(e),
    })
}

/// `$call` on whichever backend `$self` is.
macro_rules! each {
    ($self:ident, $b:ident => $call:expr) => {
        match $self {
            WebBackend::Canvas($b) => lift($call),
            WebBackend::Svg($b) => $call,
        }
    };
}

impl DrawingBackend for WebBackend<'_> {
    type ErrorType = std::io::Error;

    fn get_size(&self) -> (u32, u32) {
        match self {
            WebBackend::Canvas(b) => b.get_size(),
            WebBackend::Svg(b) => b.get_size(),
        }
    }

    fn ensure_prepared(&mut self) -> Res {
        each!(self, b => b.ensure_prepared())
    }

    fn present(&mut self) -> Res {
        each!(self, b => b.present())
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Res {
        each!(self, b => b.draw_pixel(point, color))
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Res {
        each!(self, b => b.draw_line(from, to, style))
    }

    fn draw_rect<S: BackendStyle>(&mut self, a: BackendCoord, c: BackendCoord, style: &S, fill: bool) -> Res {
        each!(self, b => b.draw_rect(a, c, style, fill))
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Res {
        each!(self, b => b.draw_path(path, style))
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Res {
        each!(self, b => b.fill_polygon(vert, style))
    }

    fn draw_circle<S: BackendStyle>(&mut self, center: BackendCoord, radius: u32, style: &S, fill: bool) -> Res {
        each!(self, b => b.draw_circle(center, radius, style, fill))
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Res {
        each!(self, b => b.draw_text(text, style, pos))
    }

    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, style: &S) -> Res<(u32, u32)> {
        each!(self, b => b.estimate_text_size(text, style))
    }
}
