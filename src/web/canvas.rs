//! A plotters `DrawingBackend` over a 2-D canvas context: an `OffscreenCanvas` in the engine's
//! Web Worker (or an on-page `<canvas>`; the methods used are the same).
//!
//! Why not plotters-canvas: it only accepts an `HtmlCanvasElement`, and it leaves text
//! measurement to plotters, which on wasm inserts a `<span>` into the document per label and
//! reads its size (a forced layout each time; and there is no document in a worker). Here text
//! is measured with the context's own `measureText`, cached per font and string.
//!
//! The context is bound by hand (`extern "C"` below) rather than through web-sys, so the build
//! needs no extra web-sys features.

use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind, FontTransform,
};
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `OffscreenCanvas` or `HTMLCanvasElement`.
    pub type Canvas;
    #[wasm_bindgen(method, getter)]
    fn width(this: &Canvas) -> u32;
    #[wasm_bindgen(method, getter)]
    fn height(this: &Canvas) -> u32;
    #[wasm_bindgen(method, setter = width)]
    fn set_width(this: &Canvas, value: u32);
    #[wasm_bindgen(method, setter = height)]
    fn set_height(this: &Canvas, value: u32);
    #[wasm_bindgen(method, catch, js_name = getContext)]
    fn get_context(this: &Canvas, kind: &str) -> Result<JsValue, JsValue>;

    /// `OffscreenCanvasRenderingContext2D` or `CanvasRenderingContext2D`.
    pub type Context2d;
    #[wasm_bindgen(method, setter = fillStyle)]
    fn set_fill_style(this: &Context2d, value: &str);
    #[wasm_bindgen(method, setter = strokeStyle)]
    fn set_stroke_style(this: &Context2d, value: &str);
    #[wasm_bindgen(method, setter = lineWidth)]
    fn set_line_width(this: &Context2d, value: f64);
    #[wasm_bindgen(method, setter = lineCap)]
    fn set_line_cap(this: &Context2d, value: &str);
    #[wasm_bindgen(method, setter = lineJoin)]
    fn set_line_join(this: &Context2d, value: &str);
    #[wasm_bindgen(method, setter = font)]
    fn set_font(this: &Context2d, value: &str);
    #[wasm_bindgen(method, setter = textAlign)]
    fn set_text_align(this: &Context2d, value: &str);
    #[wasm_bindgen(method, setter = textBaseline)]
    fn set_text_baseline(this: &Context2d, value: &str);
    #[wasm_bindgen(method, js_name = fillRect)]
    fn fill_rect(this: &Context2d, x: f64, y: f64, w: f64, h: f64);
    #[wasm_bindgen(method, js_name = strokeRect)]
    fn stroke_rect(this: &Context2d, x: f64, y: f64, w: f64, h: f64);
    #[wasm_bindgen(method, js_name = beginPath)]
    fn begin_path(this: &Context2d);
    #[wasm_bindgen(method, js_name = closePath)]
    fn close_path(this: &Context2d);
    #[wasm_bindgen(method, js_name = moveTo)]
    fn move_to(this: &Context2d, x: f64, y: f64);
    #[wasm_bindgen(method, js_name = lineTo)]
    fn line_to(this: &Context2d, x: f64, y: f64);
    #[wasm_bindgen(method)]
    fn arc(this: &Context2d, x: f64, y: f64, radius: f64, start: f64, end: f64);
    #[wasm_bindgen(method)]
    fn stroke(this: &Context2d);
    #[wasm_bindgen(method)]
    fn fill(this: &Context2d);
    #[wasm_bindgen(method, js_name = fillText)]
    fn fill_text(this: &Context2d, text: &str, x: f64, y: f64);
    #[wasm_bindgen(method)]
    fn save(this: &Context2d);
    #[wasm_bindgen(method)]
    fn restore(this: &Context2d);
    #[wasm_bindgen(method)]
    fn translate(this: &Context2d, x: f64, y: f64);
    #[wasm_bindgen(method)]
    fn rotate(this: &Context2d, angle: f64);
    #[wasm_bindgen(method, catch, js_name = drawImage)]
    fn draw_image(this: &Context2d, image: &JsValue, x: f64, y: f64) -> Result<(), JsValue>;
    #[wasm_bindgen(method, js_name = measureText)]
    fn measure_text(this: &Context2d, text: &str) -> TextMetrics;

    pub type TextMetrics;
    #[wasm_bindgen(method, getter, js_name = width)]
    fn text_width(this: &TextMetrics) -> f64;
    #[wasm_bindgen(method, getter, js_name = fontBoundingBoxAscent)]
    fn font_ascent(this: &TextMetrics) -> f64;
    #[wasm_bindgen(method, getter, js_name = fontBoundingBoxDescent)]
    fn font_descent(this: &TextMetrics) -> f64;
}

thread_local! {
    /// Measured text sizes by (CSS font, text). Chart labels repeat from draw to draw.
    static TEXT_SIZES: RefCell<HashMap<(String, String), (u32, u32)>> = RefCell::new(HashMap::new());
}
const TEXT_CACHE_LIMIT: usize = 20_000;

/// Drawing on a 2-D context cannot fail (the browser ignores what it cannot draw).
#[derive(Debug)]
pub enum CanvasError {}

impl std::fmt::Display for CanvasError {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {}
    }
}

impl std::error::Error for CanvasError {}

/// The backing-store size of a canvas.
pub fn size(canvas: &JsValue) -> (u32, u32) {
    let canvas: &Canvas = canvas.unchecked_ref();
    (canvas.width(), canvas.height())
}

/// Resizes `target` to `width` × `height` (clearing it) and copies `source` to its top left.
pub fn copy_into(source: &JsValue, target: &JsValue, width: u32, height: u32) -> Result<(), String> {
    let canvas: &Canvas = target.unchecked_ref();
    canvas.set_width(width);
    canvas.set_height(height);
    let context = canvas.get_context("2d").map_err(|_| "the canvas refused a 2D context".to_string())?;
    if context.is_null() || context.is_undefined() {
        return Err("the canvas has no 2D context".into());
    }
    let context: Context2d = context.unchecked_into();
    context.draw_image(source, 0.0, 0.0).map_err(|_| "copying the chart failed".to_string())
}

pub struct Canvas2dBackend {
    context: Context2d,
    width: u32,
    height: u32,
}

impl Canvas2dBackend {
    /// A backend drawing on `canvas` (whose backing store the caller has sized).
    pub fn new(canvas: &JsValue) -> Result<Canvas2dBackend, String> {
        let canvas: &Canvas = canvas.unchecked_ref();
        let context = canvas.get_context("2d").map_err(|_| "the canvas refused a 2D context".to_string())?;
        if context.is_null() || context.is_undefined() {
            return Err("the canvas has no 2D context".into());
        }
        Ok(Canvas2dBackend { context: context.unchecked_into(), width: canvas.width(), height: canvas.height() })
    }

    fn stroke_style(&self, style: &impl BackendStyle) {
        self.context.set_stroke_style(&css_color(style.color()));
        self.context.set_line_width(style.stroke_width().max(1) as f64);
        self.context.set_line_cap("round");
        self.context.set_line_join("round");
    }
}

fn css_color(color: BackendColor) -> String {
    let (r, g, b) = color.rgb;
    format!("rgba({r},{g},{b},{})", color.alpha)
}

fn css_font(style: &impl BackendTextStyle) -> String {
    format!("{} {}px {}", style.style().as_str(), style.size(), style.family().as_str())
}

type Res = Result<(), DrawingErrorKind<CanvasError>>;

impl DrawingBackend for Canvas2dBackend {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn ensure_prepared(&mut self) -> Res {
        Ok(())
    }

    fn present(&mut self) -> Res {
        Ok(())
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Res {
        if color.alpha > 0.0 {
            self.context.set_fill_style(&css_color(color));
            self.context.fill_rect(point.0 as f64, point.1 as f64, 1.0, 1.0);
        }
        Ok(())
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Res {
        if style.color().alpha > 0.0 {
            self.stroke_style(style);
            self.context.begin_path();
            self.context.move_to(from.0 as f64, from.1 as f64);
            self.context.line_to(to.0 as f64, to.1 as f64);
            self.context.stroke();
        }
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Res {
        if style.color().alpha > 0.0 {
            let (x, y) = (upper_left.0 as f64, upper_left.1 as f64);
            let (w, h) = ((bottom_right.0 - upper_left.0) as f64, (bottom_right.1 - upper_left.1) as f64);
            if fill {
                self.context.set_fill_style(&css_color(style.color()));
                self.context.fill_rect(x, y, w, h);
            } else {
                self.stroke_style(style);
                self.context.stroke_rect(x, y, w, h);
            }
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Res {
        if style.color().alpha > 0.0 {
            let mut points = path.into_iter();
            if let Some((x, y)) = points.next() {
                self.stroke_style(style);
                self.context.begin_path();
                self.context.move_to(x as f64, y as f64);
                for (x, y) in points {
                    self.context.line_to(x as f64, y as f64);
                }
                self.context.stroke();
            }
        }
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Res {
        if style.color().alpha > 0.0 {
            let mut points = vert.into_iter();
            if let Some((x, y)) = points.next() {
                self.context.set_fill_style(&css_color(style.color()));
                self.context.begin_path();
                self.context.move_to(x as f64, y as f64);
                for (x, y) in points {
                    self.context.line_to(x as f64, y as f64);
                }
                self.context.close_path();
                self.context.fill();
            }
        }
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(&mut self, center: BackendCoord, radius: u32, style: &S, fill: bool) -> Res {
        if style.color().alpha > 0.0 {
            self.context.begin_path();
            self.context.arc(center.0 as f64, center.1 as f64, radius as f64, 0.0, std::f64::consts::TAU);
            if fill {
                self.context.set_fill_style(&css_color(style.color()));
                self.context.fill();
            } else {
                self.stroke_style(style);
                self.context.stroke();
            }
        }
        Ok(())
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Res {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let angle = match style.transform() {
            FontTransform::None => 0.0,
            FontTransform::Rotate90 => 90.0f64,
            FontTransform::Rotate180 => 180.0,
            FontTransform::Rotate270 => 270.0,
        }
        .to_radians();
        let (mut x, mut y) = (pos.0 as f64, pos.1 as f64);
        if angle != 0.0 {
            self.context.save();
            self.context.translate(x, y);
            self.context.rotate(angle);
            (x, y) = (0.0, 0.0);
        }
        let anchor = style.anchor();
        self.context.set_text_baseline(match anchor.v_pos {
            VPos::Top => "top",
            VPos::Center => "middle",
            VPos::Bottom => "bottom",
        });
        self.context.set_text_align(match anchor.h_pos {
            HPos::Left => "start",
            HPos::Right => "end",
            HPos::Center => "center",
        });
        self.context.set_fill_style(&css_color(color));
        self.context.set_font(&css_font(style));
        self.context.fill_text(text, x, y);
        if angle != 0.0 {
            self.context.restore();
        }
        Ok(())
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
        let font = css_font(style);
        let key = (font, text.to_string());
        if let Some(size) = TEXT_SIZES.with(|cache| cache.borrow().get(&key).copied()) {
            return Ok(size);
        }
        self.context.set_font(&key.0);
        let metrics = self.context.measure_text(text);
        let width = metrics.text_width();
        let height = metrics.font_ascent() + metrics.font_descent();
        // Older engines lack the font box: a line of text is about 1.15 em.
        let height = if height.is_finite() && height > 0.0 { height } else { style.size() * 1.15 };
        let size = (if width.is_finite() { width.ceil().max(0.0) as u32 } else { 0 }, height.ceil() as u32);
        TEXT_SIZES.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.len() >= TEXT_CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(key, size);
        });
        Ok(size)
    }
}
