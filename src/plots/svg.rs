//! A chart as SVG, for slides and papers: plotters' `SVGBackend` draws, another backend (the
//! one the chart is drawn with on screen) measures the text, so the chart layout code places
//! every text box exactly where the canvas drawing does.

use plotters::backend::SVGBackend;
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};

/// Draws into `SVGBackend`, measures text with `M` (only its `estimate_text_size` is used).
pub struct SvgBackend<'a, M> {
    svg: SVGBackend<'a>,
    measure: &'a M,
}

impl<'a, M: DrawingBackend> SvgBackend<'a, M> {
    /// An SVG of `size` written into `out` when the drawing is presented; `measure` sizes text.
    pub fn new(out: &'a mut String, size: (u32, u32), measure: &'a M) -> Self {
        SvgBackend { svg: SVGBackend::with_string(out, size), measure }
    }
}

type Res = Result<(), DrawingErrorKind<std::io::Error>>;

impl<M: DrawingBackend> DrawingBackend for SvgBackend<'_, M> {
    type ErrorType = std::io::Error;

    fn get_size(&self) -> (u32, u32) {
        self.svg.get_size()
    }

    fn ensure_prepared(&mut self) -> Res {
        self.svg.ensure_prepared()
    }

    fn present(&mut self) -> Res {
        self.svg.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Res {
        self.svg.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Res {
        self.svg.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(&mut self, a: BackendCoord, b: BackendCoord, style: &S, fill: bool) -> Res {
        self.svg.draw_rect(a, b, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Res {
        self.svg.draw_path(path, style)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Res {
        self.svg.fill_polygon(vert, style)
    }

    fn draw_circle<S: BackendStyle>(&mut self, center: BackendCoord, radius: u32, style: &S, fill: bool) -> Res {
        self.svg.draw_circle(center, radius, style, fill)
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Res {
        // The axes' blank labels: nothing to see, so no empty `<text>` elements in an editor.
        if text.trim().is_empty() {
            return Ok(());
        }
        self.svg.draw_text(text, style, pos)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<std::io::Error>> {
        self.measure.estimate_text_size(text, style).map_err(|e| match e {
            DrawingErrorKind::FontError(e) => DrawingErrorKind::FontError(e),
            DrawingErrorKind::DrawingError(e) => DrawingErrorKind::DrawingError(std::io::Error::other(e.to_string())),
        })
    }
}
