//! The sweep's thin wasm facade, used by the page's training worker (www/engine/sweep.js) and
//! `npm run bench`: settings in and out as link queries, runs as JSON records, never a panic on
//! bad input.

use crate::config::{BackendKind, Config, DatasetKind};
use crate::data;
use crate::share;
use crate::sweep::form::{self, Mode, Picker};
use crate::sweep::grid;
use crate::sweep::key::run_key;
use crate::sweep::memory::MemoryLimits;
use crate::sweep::pool;
use crate::sweep::record::RunRecord;
use crate::sweep::shard::Shard;
use crate::sweep::table;
use crate::sweep::{Sweep, SweepSpec};
use crate::train::ReadBack;
use crate::web::JsDataset;
use burn::tensor::Device;
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

fn error(message: impl AsRef<str>) -> JsError {
    JsError::new(message.as_ref())
}

/// What the page needs to know about a sweep's settings.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpecView {
    /// `key=value` pairs, as the link and the form carry them.
    settings: Vec<(String, String)>,
    /// The query that reproduces these settings.
    query: String,
    /// Every run's configuration (seed-major) and its key (`runKey`).
    runs: Vec<(String, Config)>,
    /// The form's combination picker showing the spec's combinations.
    picker: Picker,
    errors: Vec<String>,
    /// The exports' name without its extension ([`SweepSpec::file_stem`]).
    file_stem: String,
}

fn spec_query(spec: &SweepSpec) -> String {
    form::encode(&spec.settings())
}

/// Parses sweep settings (`combos=…&seeds=…&epochs=…&bn=…&dataset=…`); never throws. Unknown
/// keys and bad values are listed in `errors` and the defaults stand in for an invalid whole.
#[wasm_bindgen(js_name = sweepSpec)]
pub fn sweep_spec(query: &str) -> String {
    let (spec, errors) = SweepSpec::from_query(query);
    let view = SpecView {
        settings: spec.settings().into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        query: spec_query(&spec),
        runs: spec.members().into_iter().map(|c| (run_key(&c), c)).collect(),
        picker: Picker::of(&spec.combinations),
        errors,
        file_stem: spec.file_stem(),
    };
    serde_json::to_string(&view).unwrap_or_default()
}

/// What the sweep form shows: the table's activations in its order (rows, columns and the
/// selects use them; the article's four, not every activation a single run offers) and its
/// settings (`[{name, label, help, input, choices}]`, from the one settings table), and the
/// query of its first sweep (`defaultQuery`: [`SweepSpec::page_default`]).
#[wasm_bindgen(js_name = sweepForm)]
pub fn sweep_form() -> String {
    let activations: Vec<&str> = crate::config::Activation::ARTICLE.iter().map(|a| a.name()).collect();
    let settings = crate::sweep::plan::sweep_settings_table();
    let default_query = spec_query(&SweepSpec::page_default());
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Form {
        activations: Vec<&'static str>,
        default_query: String,
        settings: Vec<crate::config::Setting>,
    }
    serde_json::to_string(&Form { activations, default_query, settings }).unwrap_or_default()
}

/// The query of the sweep form: `query` (the sweep's settings so far; those without a control in
/// the form, e.g. `lr` from a link, are kept) with the form's settings (`settings_json`:
/// `[[name, value]]`) and its picker's combinations (mode `all`, `row`, `column` or `set`).
#[wasm_bindgen(js_name = sweepFormQuery)]
pub fn sweep_form_query(
    query: &str,
    settings_json: &str,
    mode: &str,
    row: Vec<String>,
    column: String,
    set: String,
) -> Result<String, JsError> {
    let settings: Vec<(String, String)> =
        serde_json::from_str(settings_json).map_err(|e| error(format!("sweep form: {e}")))?;
    let picker = Picker { mode: Mode::parse(mode).map_err(error)?, row, column, set };
    form::form_query(query, &picker, &settings).map_err(error)
}

/// The single-run link (query) that reproduces one run of the sweep.
#[wasm_bindgen(js_name = sweepRunLink)]
pub fn sweep_run_link(config_json: &str) -> Result<String, JsError> {
    let config = crate::web::parse_config(config_json)?;
    // The single-run view shows its statistics: the page's default cadence.
    let config = Config { stats_every: Config::default().stats_every, ..config };
    Ok(share::to_query(&share::SharedView::single(config)))
}

fn records(json: &str) -> Result<Vec<RunRecord>, JsError> {
    serde_json::from_str(json).map_err(|e| error(format!("not a list of sweep runs: {e}")))
}

/// The sweep grid of `query`'s sweep with these runs (its own, JSON records), with the article's
/// numbers beside the live ones when `show_article`: JSON `{corner, columns, rows: [{label, cells:
/// [{acts, state, text, mean, colour, collapsed, outside, article, tip}]}], hasArticle, articleNote}`.
#[wasm_bindgen(js_name = sweepGrid)]
pub fn sweep_grid(query: &str, records_json: &str, show_article: bool) -> Result<String, JsError> {
    let records = records(records_json)?;
    let (spec, _) = SweepSpec::from_query(query);
    serde_json::to_string(&grid::layout(&spec, &records, show_article)).map_err(|e| error(e.to_string()))
}

/// The runs as CSV (one row per run) or JSON (runs and cells).
#[wasm_bindgen(js_name = sweepExport)]
pub fn sweep_export(records_json: &str, format: &str) -> Result<String, JsError> {
    let records = records(records_json)?;
    match format {
        "csv" => Ok(table::to_csv(&records)),
        "json" => Ok(table::to_json(&records)),
        "markdown" => Ok(table::markdown_table(&table::summarize(&records))),
        other => Err(error(format!("unknown export format {other:?} (csv, json or markdown)"))),
    }
}

/// The pool of sweep workers a page sweep on the CPU trains in (www/sweep/pool.js): for the runs
/// of `query` not in `done_keys` (JSON list of `runKey`s), on a device with `cores` cores
/// (`navigator.hardwareConcurrency`) and `device_memory_gib` GiB (`navigator.deviceMemory`, where
/// the browser tells). JSON `{workers, shards: ["1/2", …], runsLeft, workerBytes, why}`.
#[wasm_bindgen(js_name = sweepPool)]
pub fn sweep_pool(
    query: &str,
    done_keys_json: &str,
    cores: u32,
    device_memory_gib: Option<f64>,
) -> Result<String, JsError> {
    let (spec, errors) = SweepSpec::from_query(query);
    if !errors.is_empty() {
        return Err(error(errors.join("; ")));
    }
    let done: Vec<String> = serde_json::from_str(done_keys_json).map_err(|e| error(format!("done keys: {e}")))?;
    let memory = device_memory_gib.filter(|g| g.is_finite() && *g > 0.0).map(|g| (g * (1u64 << 30) as f64) as u64);
    let plan = pool::pool_size(&spec, &done, cores as usize, memory);
    serde_json::to_string(&plan).map_err(|e| error(e.to_string()))
}

/// A sweep in progress, in the page's training worker (WebGPU) or in a sweep worker of the CPU
/// pool (with `keepShare`). `run` advances it a chunk at a time.
#[wasm_bindgen]
pub struct SweepJob {
    sweep: Rc<RefCell<Sweep>>,
    backend_name: String,
}

#[wasm_bindgen]
impl SweepJob {
    /// Starts the runs of `query` not in `done_keys` (a JSON list of `runKey`s already stored),
    /// on `dataset` (the job keeps its own reference: the caller may free it), on the settings'
    /// backend (`gpu` is WebGPU, whose adapter's buffer limits bound how many models train at
    /// once). Resolves to the SweepJob.
    pub fn create(query: String, done_keys_json: String, dataset: &JsDataset) -> js_sys::Promise {
        let dataset = dataset.inner.clone();
        future_to_promise(async move {
            let job = SweepJob::make(query, done_keys_json, dataset).await.map_err(JsValue::from)?;
            Ok(JsValue::from(job))
        })
    }

    /// Keeps only a pool worker's share of the runs left: shard `I/N` (from `sweepPool`), the runs
    /// whose place among them is I − 1 modulo N. Before the first `run`.
    #[wasm_bindgen(js_name = keepShare)]
    pub fn keep_share(&self, shard: &str) -> Result<(), JsError> {
        let shard = Shard::parse(shard, |_| None).map_err(|e| error(format!("sweep worker {e}")))?;
        let mut sweep = self.sweep.try_borrow_mut().map_err(|_| error("the sweep is busy with a chunk"))?;
        sweep.keep_shard(shard).map_err(error)
    }

    /// The run keys this job trains, in its order (a pool worker's share).
    #[wasm_bindgen(js_name = runKeys)]
    pub fn run_keys(&self) -> Result<Vec<String>, JsError> {
        let sweep = self.sweep.try_borrow().map_err(|_| error("the sweep is busy with a chunk"))?;
        Ok(sweep.members().iter().map(run_key).collect())
    }

    #[wasm_bindgen(getter, js_name = backendName)]
    pub fn backend_name(&self) -> String {
        self.backend_name.clone()
    }

    /// Group sizes, e.g. `[64, 64, 64]`.
    #[wasm_bindgen(js_name = groupSizes)]
    pub fn group_sizes(&self) -> Result<Vec<u32>, JsError> {
        let sweep = self.sweep.try_borrow().map_err(|_| error("the sweep is busy with a chunk"))?;
        Ok(sweep.groups().iter().map(|g| g.len() as u32).collect())
    }

    /// Trains up to `max_steps` steps or about `budget_ms`; resolves to JSON
    /// `{runsDone, runsTotal, group, groups, groupStep, groupSteps, done, finished: [{key, record}]}`.
    /// A chunk's losses come back while the next chunk trains (`ReadBack::Overlapped`): the page
    /// shows a run's record once its last epoch ends, which always reads back at once.
    // Borrowed across the chunk's awaits on purpose, as `Trainer::run`: a call meanwhile is "busy".
    #[allow(clippy::await_holding_refcell_ref)]
    pub fn run(&self, max_steps: u32, budget_ms: f64) -> js_sys::Promise {
        let sweep = self.sweep.clone();
        future_to_promise(async move {
            let busy = || JsValue::from(js_sys::Error::new("the sweep is busy with a chunk"));
            let mut sweep = sweep.try_borrow_mut().map_err(|_| busy())?;
            let p = sweep
                .run(max_steps.max(1) as usize, budget_ms, ReadBack::Overlapped)
                .await
                .map_err(|e| JsValue::from(js_sys::Error::new(&e)))?;
            let out = Chunk {
                done: sweep.is_done(),
                finished: p.finished.iter().map(|r| Finished { key: run_key(&r.config), record: r }).collect(),
                group: p.group,
                group_step: p.group_step,
                group_steps: p.group_steps,
                groups: p.groups,
                runs_done: p.runs_done,
                runs_total: p.runs_total,
            };
            Ok(JsValue::from_str(&serde_json::to_string(&out).unwrap_or_default()))
        })
    }
}

/// What [`SweepJob::run`] resolves to, serialised directly (not through `serde_json::json!`, whose
/// `Value` would compile a second serialiser of each record into the wasm); the keys in the order
/// `json!` gave them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Chunk<'r> {
    done: bool,
    finished: Vec<Finished<'r>>,
    group: usize,
    group_step: usize,
    group_steps: usize,
    groups: usize,
    runs_done: usize,
    runs_total: usize,
}

/// A run the chunk finished, with the key the page files it under.
#[derive(Serialize)]
struct Finished<'r> {
    key: String,
    record: &'r RunRecord,
}

impl SweepJob {
    async fn make(query: String, done_keys_json: String, dataset: Arc<data::Dataset>) -> Result<SweepJob, JsError> {
        let (spec, errors) = SweepSpec::from_query(&query);
        if !errors.is_empty() {
            return Err(error(errors.join("; ")));
        }
        let done: Vec<String> = serde_json::from_str(&done_keys_json).map_err(|e| error(format!("done keys: {e}")))?;
        let members: Vec<Config> = spec.members().into_iter().filter(|c| !done.contains(&run_key(c))).collect();
        if members.is_empty() {
            return Err(error("every run of this sweep is already finished"));
        }
        check_kind(spec.base.dataset, &dataset)?;
        let (device, backend_name, limits) = sweep_device(spec.base.backend).await?;
        let sweep = Sweep::new(members, dataset, &device, limits, spec.page_group_limit()).map_err(error)?;
        Ok(SweepJob { sweep: Rc::new(RefCell::new(sweep)), backend_name })
    }
}

/// The device a sweep trains on, its description and the limits its groups must fit: WebGPU is
/// the page's one device (started here on first need), shared with the single-run trainers.
async fn sweep_device(backend: BackendKind) -> Result<(Device, String, MemoryLimits), JsError> {
    Ok(match backend {
        BackendKind::Cpu => (Device::flex(), "CPU · burn Flex in wasm".to_string(), MemoryLimits::CPU),
        BackendKind::Gpu => {
            let gpu = crate::web::web_gpu().await?;
            let name = format!("{} (buffers up to {} MiB)", gpu.name, gpu.limits.max_buffer_bytes >> 20);
            (gpu.device, name, gpu.limits)
        }
    })
}

/// `npm run bench`: model-samples per second of the sweep `query`'s models (with enough epochs
/// that none finishes) trained in the groups the sweep would use, `steps` steps each after one
/// warm-up step, against the first `sequential` of them trained one after another as single
/// runs (the page's trainer), as many steps each, on `dataset` (of the query's kind). Resolves to
/// JSON (see scripts/bench.mjs).
#[wasm_bindgen(js_name = sweepBench)]
pub fn sweep_bench(query: String, dataset: &JsDataset, steps: u32, sequential: u32) -> js_sys::Promise {
    let dataset = dataset.inner.clone();
    future_to_promise(async move {
        sweep_bench_json(query, dataset, steps, sequential)
            .await
            .map(|json| JsValue::from_str(&json))
            .map_err(JsValue::from)
    })
}

async fn sweep_bench_json(
    query: String,
    dataset: Arc<data::Dataset>,
    steps: u32,
    sequential: u32,
) -> Result<String, JsError> {
    let (spec, errors) = SweepSpec::from_query(&query);
    if !errors.is_empty() {
        return Err(error(errors.join("; ")));
    }
    check_kind(spec.base.dataset, &dataset)?;
    let (device, backend_name, limits) = sweep_device(spec.base.backend).await?;
    let report = crate::sweep::bench::measure(
        spec.members(),
        spec.parallel,
        dataset,
        &device,
        limits,
        steps as usize,
        sequential as usize,
    )
    .await
    .map_err(error)?;
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out {
        backend_name: String,
        #[serde(flatten)]
        report: crate::sweep::bench::SweepBench,
    }
    serde_json::to_string(&Out { backend_name, report }).map_err(|e| error(e.to_string()))
}

/// The sweep trains on the dataset its settings name.
fn check_kind(kind: DatasetKind, dataset: &data::Dataset) -> Result<(), JsError> {
    if dataset.kind != kind {
        return Err(error(format!("the sweep is set to {} but was given {}", kind.name(), dataset.kind.name())));
    }
    Ok(())
}
