//! The thin wasm-bindgen facade: JSON strings in and out, errors as JS `Error`s, never a panic
//! on bad input. Everything of substance lives in the core modules.

mod backend;
mod canvas;
mod page;

use crate::config::{BackendKind, Config, DatasetKind};
use crate::data;
use crate::export;
use crate::plots::{self, ChartLayout};
use crate::share;
use crate::stats::Stage;
use crate::sweep::MemoryLimits;
use crate::train::{ReadBack, Session, WarmUp};
use burn::tensor::Device;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};

#[wasm_bindgen(start)]
pub fn start() {
    // Run the static constructors (cubecl's and pliron's `inventory` registrations) once, here.
    // A module that never calls `__wasm_call_ctors` itself is linked by wasm-ld "command-style":
    // every export then re-runs all of them on entry, and a WebGPU step enters the module hundreds
    // of times (each promise callback, each JS value handed in), which cost ~¾ of its wall time.
    // This one explicit call is what tells wasm-ld not to wrap the exports.
    unsafe extern "C" {
        fn __wasm_call_ctors();
    }
    // SAFETY: wasm-bindgen calls `start` once, right after instantiation and before any other
    // export, so the constructors run exactly once, as on a native target.
    unsafe { __wasm_call_ctors() };
    console_error_panic_hook::set_once();
}

/// The WebGPU device, a description of its adapter and its buffer limits (which bound how many
/// models a sweep stacks), once `initWebGpu` succeeded.
#[derive(Clone)]
pub(crate) struct WebGpu {
    pub device: Device,
    pub name: String,
    pub limits: MemoryLimits,
}

thread_local! {
    /// One WebGPU device per wasm instance: the trainers and the sweeps share it.
    static GPU: RefCell<Option<WebGpu>> = const { RefCell::new(None) };
}

/// The WebGPU device, if `initWebGpu` has started it.
fn current_gpu() -> Option<WebGpu> {
    GPU.with(|gpu| gpu.borrow().clone())
}

/// The WebGPU device, started on first need (see `initWebGpu`).
pub(crate) async fn web_gpu() -> Result<WebGpu, JsError> {
    init_web_gpu().await?;
    current_gpu().ok_or_else(|| JsError::new("WebGPU is not initialised"))
}

/// A configuration from the page's JSON, or the validation's message as the error.
pub(crate) fn parse_config(json: &str) -> Result<Config, JsError> {
    Config::from_json(json).map_err(|e| JsError::new(&crate::config::describe_errors(&e)))
}

/// The default configuration (the article's experiment) as JSON.
#[wasm_bindgen(js_name = defaultConfig)]
pub fn default_config() -> String {
    Config::default().to_json()
}

/// The settings table (`[{name, label, help, input, choices, group}]`): the one name of each
/// setting, used alike for the form's elements, the JSON, the link and the messages, and the
/// box of the form each goes in.
#[wasm_bindgen]
pub fn settings() -> String {
    serde_json::to_string(&crate::config::table::form_table()).unwrap_or_default()
}

/// The chart views (`[{name, label, kind}]`): the view tabs and the link's `view=` values.
#[wasm_bindgen(js_name = chartViews)]
pub fn chart_views() -> String {
    serde_json::to_string(&crate::share::VIEWS).unwrap_or_default()
}

/// The network's limits for the form: `{maxLayers, maxWidth, headlineSteps}` (the depth choice
/// offers 1…maxLayers; the headline loss is the mean of the last `headlineSteps` steps).
#[wasm_bindgen(js_name = networkLimits)]
pub fn network_limits() -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Limits {
        max_layers: usize,
        max_width: usize,
        headline_steps: usize,
    }
    let limits = Limits {
        max_layers: crate::config::MAX_LAYERS,
        max_width: crate::config::MAX_WIDTH,
        headline_steps: crate::train::HEADLINE_STEPS,
    };
    serde_json::to_string(&limits).unwrap_or_default()
}

/// The form's settings as typed (`[[name, text], …]` JSON) over the defaults: JSON
/// `{config, errors}`. A setting that is wrong keeps its default in `config` and is named in
/// `errors` (the page starts nothing while there are errors).
#[wasm_bindgen(js_name = configFromSettings)]
pub fn config_from_settings(pairs_json: &str) -> String {
    let (config, errors) = match serde_json::from_str::<Vec<(String, String)>>(pairs_json) {
        Ok(pairs) => Config::default().with_settings(&pairs),
        Err(e) => (Config::default(), vec![crate::config::ConfigError::new("config", e.to_string())]),
    };
    #[derive(Serialize)]
    struct Out {
        config: Config,
        errors: Vec<crate::config::ConfigError>,
    }
    serde_json::to_string(&Out { config, errors }).unwrap_or_default()
}

/// A configuration's settings as `[[name, text], …]`, the text the form shows (and a link holds),
/// with its titles: JSON `{settings, describe, short}`.
#[wasm_bindgen(js_name = describeConfig)]
pub fn describe_config(config_json: &str) -> Result<String, JsError> {
    let config = parse_config(config_json)?;
    let depth = config.acts.len();
    // Serialised directly (not through `serde_json::json!`, whose `Value` would compile a second
    // serialiser of each type into the wasm); the keys in the order `json!` gave them.
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out<'c> {
        bn_layers: Vec<bool>,
        chance_loss: Option<f64>,
        classes: usize,
        describe: String,
        hidden: &'c [usize],
        settings: Vec<(&'static str, String)>,
        short: String,
    }
    let out = Out {
        bn_layers: (0..depth).map(|i| config.batch_norm.applies_to(i, depth)).collect(),
        chance_loss: config.chance_loss(),
        classes: config.dataset.outputs(),
        describe: config.describe(false),
        hidden: &config.widths,
        settings: config.all_settings(),
        short: config.describe(true),
    };
    Ok(serde_json::to_string(&out).unwrap_or_default())
}

/// A bundled dataset's file names (served from `www/data/<kind>/` without a manifest, in the
/// order they are read); `[]` for the datasets a user supplies, whose served folder lists its
/// files in manifest.json.
#[wasm_bindgen(js_name = bundledFiles)]
pub fn bundled_files(kind: &str) -> String {
    let names = DatasetKind::parse(kind).ok().and_then(data::bundled_files).unwrap_or_default();
    serde_json::to_string(&names).unwrap_or_default()
}

/// A share link's query parsed: JSON `{config, compare, preset, lecture, autostart, view, errors}`.
/// Never throws: problems are listed in `errors` and the rest of the link still applies. The
/// page's B shares all but its own settings with A: the others a link sets are named too.
#[wasm_bindgen(js_name = parseShareQuery)]
pub fn parse_share_query(query: &str) -> String {
    let mut view = share::parse_query(query);
    if let Some(b) = &view.compare {
        view.errors.extend(crate::ab::shared_setting_errors(&view.config, b));
    }
    serde_json::to_string(&view).unwrap_or_default()
}

/// The readable query for a configuration, optionally a B side, and the page's flags as link
/// keys (`lecture=1&autostart=0&embed=0&view=loss&lesson=vanishing&step=3`, read as a link is).
#[wasm_bindgen(js_name = shareQuery)]
pub fn share_query(config_json: &str, compare_json: Option<String>, page_query: &str) -> Result<String, JsError> {
    let view = share::SharedView {
        config: parse_config(config_json)?,
        compare: compare_json.as_deref().map(parse_config).transpose()?,
        preset: None,
        errors: Vec::new(),
        ..share::parse_query(page_query)
    };
    Ok(share::to_query(&view))
}

/// The presets with their commentary, as JSON `[{name, title, description, config}]`.
#[wasm_bindgen]
pub fn presets() -> String {
    serde_json::to_string(&share::presets()).unwrap_or_default()
}

/// Looks for a WebGPU adapter and starts burn's WebGPU runtime on it. Resolves to a
/// description of the adapter; rejects with a readable reason when there is none.
#[wasm_bindgen(js_name = initWebGpu)]
pub async fn init_web_gpu() -> Result<String, JsError> {
    if let Some(gpu) = current_gpu() {
        return Ok(gpu.name);
    }
    // burn panics when there is no adapter at all, so ask the browser first.
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).unwrap_or(JsValue::UNDEFINED);
    let gpu = js_sys::Reflect::get(&navigator, &"gpu".into()).unwrap_or(JsValue::UNDEFINED);
    if gpu.is_undefined() || gpu.is_null() {
        return Err(JsError::new("this browser does not expose WebGPU (navigator.gpu is missing)"));
    }
    let request = js_sys::Reflect::get(&gpu, &"requestAdapter".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| JsError::new("navigator.gpu.requestAdapter is missing"))?;
    let promise = request
        .call0(&gpu)
        .ok()
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
        .ok_or_else(|| JsError::new("navigator.gpu.requestAdapter() failed"))?;
    let adapter = JsFuture::from(promise)
        .await
        .map_err(|e| JsError::new(&format!("requesting a WebGPU adapter failed: {}", js_text(&e))))?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err(JsError::new("the browser offers no WebGPU adapter (WebGPU is disabled or blocklisted here)"));
    }
    let (device, setup) = crate::gpu::wgpu_options()
        .init_with_setup_async()
        .await
        .map_err(|e| JsError::new(&format!("starting WebGPU failed: {e}")))?;
    crate::gpu::configure(&setup);
    let l = setup.adapter.limits();
    let limits = MemoryLimits::from_buffer_limit(l.max_storage_buffer_binding_size.min(l.max_buffer_size));
    // wgpu's adapter info is empty in browsers; the page's GPUAdapter.info has the names.
    let info = setup.adapter.get_info();
    let browser_info = js_sys::Reflect::get(&adapter, &"info".into()).unwrap_or(JsValue::UNDEFINED);
    let field = |key: &str| {
        js_sys::Reflect::get(&browser_info, &key.into()).ok().and_then(|v| v.as_string()).filter(|s| !s.is_empty())
    };
    let mut parts: Vec<String> =
        ["vendor", "architecture", "device", "description"].into_iter().filter_map(field).collect();
    if parts.is_empty() && !info.name.is_empty() {
        parts.push(info.name.clone());
    }
    if parts.is_empty() {
        parts.push("unnamed adapter".into());
    }
    let fallback = js_sys::Reflect::get(&browser_info, &"isFallbackAdapter".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let name = format!("WebGPU · {}{}", parts.join(" · "), if fallback { " (software fallback)" } else { "" });
    GPU.with(|gpu| *gpu.borrow_mut() = Some(WebGpu { device, name: name.clone(), limits }));
    Ok(name)
}

fn js_text(value: &JsValue) -> String {
    value
        .as_string()
        .or_else(|| value.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| format!("{value:?}"))
}

/// Reads a dataset's files as they stream in (see `data::DatasetReader`): `new DatasetReader(kind,
/// filesJson)` with what is known of the files beforehand (JSON `[{name, size, ends}]`, to reserve
/// memory), then `push(name, chunk)` for each chunk as it arrives (still gzipped, if the file is),
/// `endFile(name)` after each file, and `finish()` for the Dataset. The one way the page hands a
/// dataset's bytes to the engine: each byte is copied into wasm memory once, into its place.
#[wasm_bindgen(js_name = DatasetReader)]
pub struct JsDatasetReader {
    inner: Option<data::DatasetReader>,
}

#[wasm_bindgen(js_class = DatasetReader)]
impl JsDatasetReader {
    #[wasm_bindgen(constructor)]
    pub fn new(kind: &str, files_json: &str) -> Result<JsDatasetReader, JsError> {
        let kind = DatasetKind::parse(kind).map_err(|e| JsError::new(&e))?;
        let files: Vec<data::FileInfo> =
            serde_json::from_str(files_json).map_err(|e| JsError::new(&format!("the files' descriptions: {e}")))?;
        Ok(JsDatasetReader { inner: Some(data::DatasetReader::new(kind, &files)) })
    }

    fn reader(&mut self) -> Result<&mut data::DatasetReader, JsError> {
        self.inner.as_mut().ok_or_else(|| JsError::new("this DatasetReader has finished"))
    }

    /// The next bytes of the file `name` (its first bytes start it).
    pub fn push(&mut self, name: &str, chunk: &[u8]) -> Result<(), JsError> {
        self.reader()?.push(name, chunk).map_err(|e| JsError::new(&e.to_string()))
    }

    /// The file `name` has ended.
    #[wasm_bindgen(js_name = endFile)]
    pub fn end_file(&mut self, name: &str) -> Result<(), JsError> {
        self.reader()?.end_file(name).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Whether the file being read is gzipped (decompressed as it is read).
    #[wasm_bindgen(getter)]
    pub fn gzipped(&self) -> bool {
        self.inner.as_ref().is_some_and(|r| r.is_gzipped())
    }

    /// All files are read: the dataset, or the reason there is none (naming the file).
    pub fn finish(&mut self) -> Result<JsDataset, JsError> {
        let reader = self.inner.take().ok_or_else(|| JsError::new("this DatasetReader has finished"))?;
        let dataset = reader.finish().map_err(|e| JsError::new(&e.to_string()))?;
        Ok(JsDataset { inner: Arc::new(dataset) })
    }
}

/// A dataset held as bytes in wasm memory (made by a `DatasetReader`).
#[wasm_bindgen(js_name = Dataset)]
pub struct JsDataset {
    pub(crate) inner: Arc<data::Dataset>,
}

#[wasm_bindgen(js_class = Dataset)]
impl JsDataset {
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> String {
        self.inner.kind.name().into()
    }

    #[wasm_bindgen(getter, js_name = trainCount)]
    pub fn train_count(&self) -> u32 {
        self.inner.train.len() as u32
    }

    #[wasm_bindgen(getter, js_name = testCount)]
    pub fn test_count(&self) -> u32 {
        self.inner.test.len() as u32
    }

    #[wasm_bindgen(getter, js_name = inputSize)]
    pub fn input_size(&self) -> u32 {
        self.inner.input_size() as u32
    }

    #[wasm_bindgen(getter, js_name = imageWidth)]
    pub fn image_width(&self) -> u32 {
        self.inner.shape.width as u32
    }

    #[wasm_bindgen(getter, js_name = imageHeight)]
    pub fn image_height(&self) -> u32 {
        self.inner.shape.height as u32
    }

    fn split(&self, split: &str) -> Result<&data::Split, JsError> {
        match split {
            "train" => Ok(&self.inner.train),
            "test" => Ok(&self.inner.test),
            _ => Err(JsError::new("split must be \"train\" or \"test\"")),
        }
    }

    /// Images per class (0–9) of a split.
    #[wasm_bindgen(js_name = classCounts)]
    pub fn class_counts(&self, split: &str) -> Result<Vec<u32>, JsError> {
        Ok(self.split(split)?.class_counts().iter().map(|&c| c as u32).collect())
    }

    #[wasm_bindgen]
    pub fn label(&self, split: &str, index: u32) -> Result<u8, JsError> {
        let split = self.split(split)?;
        split.labels.get(index as usize).copied().ok_or_else(|| JsError::new("image index out of range"))
    }

    /// One image as RGBA bytes (imageWidth × imageHeight), for thumbnails.
    #[wasm_bindgen(js_name = sampleRgba)]
    pub fn sample_rgba(&self, split: &str, index: u32) -> Result<Vec<u8>, JsError> {
        let shape = self.inner.shape;
        let split = self.split(split)?;
        let index = index as usize;
        if index >= split.len() {
            return Err(JsError::new("image index out of range"));
        }
        let pixels = shape.pixels();
        let plane = shape.height * shape.width;
        let image = &split.images[index * pixels..(index + 1) * pixels];
        let mut rgba = Vec::with_capacity(plane * 4);
        for p in 0..plane {
            let channel = |c: usize| image[(c % shape.channels) * plane + p];
            rgba.extend_from_slice(&[channel(0), channel(1), channel(2), 255]);
        }
        Ok(rgba)
    }
}

/// What a chart was drawn from.
struct Drawn {
    layout: ChartLayout,
    stage: Stage,
    counts: (usize, usize, usize),
}

/// The WebGPU warm-up (`train::WarmUp`): a throw-away session of the configured shapes on the
/// GPU, whose `step` and `probe` compile the kernels before the user presses Start.
#[wasm_bindgen(js_name = GpuWarmUp)]
pub struct JsWarmUp {
    inner: Rc<RefCell<WarmUp>>,
}

#[wasm_bindgen(js_class = GpuWarmUp)]
impl JsWarmUp {
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, dataset: &JsDataset) -> Result<JsWarmUp, JsError> {
        let config = parse_config(config_json)?;
        let device = current_gpu()
            .map(|gpu| gpu.device)
            .ok_or_else(|| JsError::new("WebGPU is not initialised: call initWebGpu() first"))?;
        let warm = WarmUp::new(&config, dataset.inner.clone(), &device).map_err(|e| JsError::new(&e))?;
        Ok(JsWarmUp { inner: Rc::new(RefCell::new(warm)) })
    }

    /// One training step and its loss read-back; resolves once done.
    pub fn step(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move { warm_up(&inner, true).await })
    }

    /// The statistics' probe pass; resolves once done.
    pub fn probe(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move { warm_up(&inner, false).await })
    }
}

// Borrowed across the awaits on purpose, as `Trainer::run`: a second call meanwhile gets an error.
#[allow(clippy::await_holding_refcell_ref)]
async fn warm_up(inner: &RefCell<WarmUp>, step: bool) -> Result<JsValue, JsValue> {
    let mut warm = inner.try_borrow_mut().map_err(|_| js_sys::Error::new("the warm-up is already running"))?;
    let done = if step { warm.step().await } else { warm.probe().await };
    done.map(|()| JsValue::UNDEFINED).map_err(|e| js_sys::Error::new(&e).into())
}

/// A training run. `run` returns a Promise so the page can keep drawing between chunks.
#[wasm_bindgen]
pub struct Trainer {
    session: Rc<RefCell<Session>>,
    backend_name: String,
    /// The layout, the stage (activation chart) and the history's record counts each chart was
    /// last drawn with: hover read-outs answer from exactly what is on screen.
    drawn: RefCell<HashMap<String, Drawn>>,
}

#[wasm_bindgen]
impl Trainer {
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, dataset: &JsDataset) -> Result<Trainer, JsError> {
        let config = parse_config(config_json)?;
        let (device, backend_name) = match config.backend {
            BackendKind::Cpu => (Device::flex(), "CPU · burn Flex in wasm".to_string()),
            BackendKind::Gpu => current_gpu().map(|g| (g.device, g.name)).ok_or_else(|| {
                JsError::new("WebGPU is not initialised: call initWebGpu() first or choose the CPU backend")
            })?,
        };
        let session = Session::new(config, dataset.inner.clone(), &device).map_err(|e| JsError::new(&e))?;
        Ok(Trainer { session: Rc::new(RefCell::new(session)), backend_name, drawn: RefCell::new(HashMap::new()) })
    }

    #[wasm_bindgen(getter, js_name = backendName)]
    pub fn backend_name(&self) -> String {
        self.backend_name.clone()
    }

    /// Trains up to `max_steps` batches or for about `budget_ms`; resolves to Progress JSON.
    /// `overlap`: more chunks follow at once, so this chunk's losses come back while the next one
    /// trains (`ReadBack::Overlapped`); 0 steps only reads back what is still on its way.
    // The session stays borrowed across the chunk's awaits on purpose: any other call meanwhile
    // gets a "busy" error from `try_borrow` instead of seeing a half-done step.
    #[allow(clippy::await_holding_refcell_ref)]
    pub fn run(&self, max_steps: u32, budget_ms: f64, overlap: bool) -> js_sys::Promise {
        let session = self.session.clone();
        future_to_promise(async move {
            let mut session = session
                .try_borrow_mut()
                .map_err(|_| JsValue::from(js_sys::Error::new("this trainer is already running a chunk")))?;
            let reads = if overlap { ReadBack::Overlapped } else { ReadBack::Now };
            let progress = session.run_reading(max_steps as usize, budget_ms, reads).await;
            Ok(JsValue::from_str(&serde_json::to_string(&progress).unwrap_or_default()))
        })
    }

    /// Everything recorded so far as CSV (`record,step,layer,metric,value`), after a `# key=value`
    /// line per setting and `# link=` (`base`: the page's address). See `export`.
    #[wasm_bindgen(js_name = exportCsv)]
    pub fn export_csv(&self, base: &str) -> Result<String, JsError> {
        let session = self.borrow()?;
        export::csv(session.config(), session.history(), base).map_err(|e| JsError::new(&e))
    }

    /// Everything recorded so far as JSON, with `config` and `link`.
    #[wasm_bindgen(js_name = exportJson)]
    pub fn export_json(&self, base: &str) -> Result<String, JsError> {
        let session = self.borrow()?;
        export::json(session.config(), session.history(), base).map_err(|e| JsError::new(&e))
    }

    /// The file name of an export of this run (`tag`: `A`/`B` when comparing, or empty).
    #[wasm_bindgen(js_name = exportName)]
    pub fn export_name(&self, tag: &str, what: &str, ext: &str) -> Result<String, JsError> {
        let session = self.borrow()?;
        export::file_name(session.config(), session.history(), tag, what, ext).map_err(|e| JsError::new(&e))
    }

    /// Copies `source` (the canvas `chart` was last drawn on) into `target` (any canvas) with
    /// the run's caption (every setting and the link) drawn below it, at the chart's scale.
    #[wasm_bindgen(js_name = drawExport)]
    pub fn draw_export(&self, chart: &str, source: JsValue, target: JsValue, base: &str) -> Result<(), JsError> {
        let session = self.borrow()?;
        let text = export::caption(session.config(), session.history(), base).map_err(|e| JsError::new(&e))?;
        let scale = self.drawn.borrow().get(chart).map(|d| d.layout.scale).unwrap_or(1.0);
        let (width, height) = canvas::size(&source);
        canvas::copy_into(&source, &target, width, height).map_err(|e| JsError::new(&e))?;
        let backend = backend::WebBackend::Canvas(canvas::Canvas2dBackend::new(&target).map_err(|e| JsError::new(&e))?);
        let caption = plots::layout_caption(backend, &text, scale);
        canvas::copy_into(&source, &target, width, height + caption.height).map_err(|e| JsError::new(&e))?;
        let backend = backend::WebBackend::Canvas(canvas::Canvas2dBackend::new(&target).map_err(|e| JsError::new(&e))?);
        plots::draw_caption(backend, height, &caption).map_err(|e| JsError::new(&e))
    }

    /// `chart` as an SVG document, at the size, scale and stage it was last drawn on `canvas`,
    /// its text measured on `canvas` so that every text box lies where the canvas drawing's does.
    #[wasm_bindgen(js_name = drawSvg)]
    pub fn draw_svg(&self, chart: &str, canvas: JsValue) -> Result<String, JsError> {
        let session = self.borrow()?;
        let (scale, stage) = self.drawn.borrow().get(chart).map_or((1.0, Stage::Post), |d| (d.layout.scale, d.stage));
        let measure = canvas::Canvas2dBackend::new(&canvas).map_err(|e| JsError::new(&e))?;
        let mut out = String::new();
        let backend = backend::WebBackend::Svg(plots::SvgBackend::new(&mut out, canvas::size(&canvas), &measure));
        plots::draw_chart(chart, backend, session.history(), stage, scale).map_err(|e| JsError::new(&e))?;
        Ok(out)
    }

    /// The epoch records so far as JSON (small: for the page's epoch table).
    #[wasm_bindgen(js_name = epochsJson)]
    pub fn epochs_json(&self) -> Result<String, JsError> {
        serde_json::to_string(&self.borrow()?.history().epochs).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Draws one chart (`training`, `activations`, `gradients` or `health`) into `canvas` (an
    /// `OffscreenCanvas` in the engine's worker, or a `<canvas>`), whose backing store the caller
    /// has sized by `scale` (devicePixelRatio × zoom). `stage` is `pre` or `post` for the
    /// activation chart. Returns the chart's layout as JSON.
    #[wasm_bindgen(js_name = drawChart)]
    pub fn draw_chart(
        &self,
        chart: &str,
        canvas: JsValue,
        scale: f64,
        stage: Option<String>,
    ) -> Result<String, JsError> {
        let session = self.borrow()?;
        let history = session.history();
        let backend = backend::WebBackend::Canvas(canvas::Canvas2dBackend::new(&canvas).map_err(|e| JsError::new(&e))?);
        let scale = if scale.is_finite() && scale > 0.0 { scale.min(4.0) } else { 1.0 };
        let stage = match stage.as_deref() {
            Some("pre") => Stage::Pre,
            _ => Stage::Post,
        };
        let layout = plots::draw_chart(chart, backend, history, stage, scale).map_err(|e| JsError::new(&e))?;
        let json = serde_json::to_string(&layout).map_err(|e| JsError::new(&e.to_string()))?;
        let counts = history.counts();
        self.drawn.borrow_mut().insert(chart.to_string(), Drawn { layout, stage, counts });
        Ok(json)
    }

    /// What lies under backend pixel (px, py) of `chart` as last drawn: JSON of a
    /// `plots::Readout`, or `null` when there is nothing there.
    pub fn hover(&self, chart: &str, px: f64, py: f64) -> Result<String, JsError> {
        let session = self.borrow()?;
        let drawn = self.drawn.borrow();
        let readout = drawn.get(chart).and_then(|d| {
            let history = session.history();
            let then = if history.counts() == d.counts { None } else { Some(history.prefix(d.counts)) };
            plots::hover(then.as_ref().unwrap_or(history), &d.layout, px, py, d.stage)
        });
        serde_json::to_string(&readout).map_err(|e| JsError::new(&e.to_string()))
    }

    fn borrow(&self) -> Result<std::cell::Ref<'_, Session>, JsError> {
        self.session
            .try_borrow()
            .map_err(|_| JsError::new("the trainer is busy with a chunk; try again when it resolves"))
    }
}
