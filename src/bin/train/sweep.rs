//! `train sweep`: the article's table, K models trained at once (src/sweep).
//!
//!   train sweep --dataset mnist --data DIR --epochs 10 --seeds 1,2,3 --bn none --parallel 64 --out results.csv

use crate::flags::SettingFlags;
use activation_playground::config::{BackendKind, Config};
use activation_playground::data::{self, Dataset};
use activation_playground::sweep::article;
use activation_playground::sweep::bench as sweep_bench;
use activation_playground::sweep::plan::MemoryLimits;
use activation_playground::sweep::table::{self, RunRecord};
use activation_playground::sweep::{Sweep, SweepSpec};
use activation_playground::train::RunState;
use burn::tensor::Device;
use clap::Parser;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(name = "train sweep", about = "Train many activation combinations at once and print the article's table")]
pub struct SweepArgs {
    #[command(flatten)]
    settings: SettingFlags,
    /// Folder with the dataset's standard files.
    #[arg(long)]
    data: PathBuf,
    /// Which combinations: all, row:A1,A2, column:A3, or a list like relu-sigmoid-relu,tanh-tanh-tanh
    /// (over the depth --widths gives; at most 256).
    #[arg(long, default_value = "all")]
    combos: String,
    /// Seeds, e.g. 1,2,3 (each cell reports mean ± population std over them).
    #[arg(long, default_value = "1,2,3")]
    seeds: String,
    /// At most this many models trained at once (fewer if the device's memory says so).
    #[arg(long, default_value = "64")]
    parallel: String,
    /// Write every run as CSV to this file (rewritten as runs finish).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Keep the runs already in --out (an interrupted sweep's file) and train only the rest.
    #[arg(long, requires = "out")]
    resume: bool,
    /// Write every run and the aggregated cells as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Measure throughput over this many steps instead: the models at once vs one after another.
    #[arg(long)]
    bench: Option<usize>,
}

fn spec(args: &SweepArgs) -> Result<SweepSpec, String> {
    let mut spec = SweepSpec::default();
    spec.base.stats_every = 0;
    // The network's settings first: `widths` sets the depth the combinations are read at.
    let mut settings = args.settings.pairs();
    settings.extend([("combos", &args.combos), ("seeds", &args.seeds), ("parallel", &args.parallel)]);
    let errors: Vec<String> =
        settings.into_iter().filter_map(|(key, value)| spec.apply_setting(key, value).err()).collect();
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    spec.validate()?;
    Ok(spec)
}

/// The device and what it allows: on wgpu the adapter's buffer limits decide the group size.
pub fn device_for(backend: BackendKind) -> Result<(Device, String, MemoryLimits), String> {
    match backend {
        BackendKind::Cpu => Ok((Device::flex(), "CPU (burn Flex)".into(), MemoryLimits::CPU)),
        #[cfg(feature = "native-wgpu")]
        BackendKind::Gpu => {
            let (device, setup) =
                Device::wgpu_options().init_with_setup().map_err(|e| format!("no wgpu adapter: {e:?}"))?;
            let matmul = activation_playground::gpu::configure(&setup);
            let info = setup.adapter.get_info();
            let limits = setup.adapter.limits();
            let buffer = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
            let name = format!("wgpu · {} ({:?}; {matmul:?} matmul)", info.name, info.backend);
            Ok((device, name, MemoryLimits::from_buffer_limit(buffer)))
        }
        #[cfg(not(feature = "native-wgpu"))]
        BackendKind::Gpu => Err("this build has no GPU backend: rebuild with `--features native-wgpu`".into()),
    }
}

pub fn main(args: SweepArgs) -> Result<(), String> {
    let spec = spec(&args)?;
    let (device, backend_name, limits) = device_for(spec.base.backend)?;
    let started = Instant::now();
    let dataset = Arc::new(data::load_dir(spec.base.dataset, &args.data).map_err(|e| e.to_string())?);
    eprintln!(
        "{}: {} training / {} test images, loaded in {:.1} s; backend {backend_name}",
        spec.base.dataset.name(),
        dataset.train.len(),
        dataset.test.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(steps) = args.bench {
        return bench(&spec, dataset, &device, limits, steps);
    }
    let total = spec.members().len();
    let (members, mut records) = match (&args.out, args.resume) {
        (Some(path), true) => {
            let resume = || -> Result<_, String> {
                let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
                spec.remaining(&table::from_csv(&text)?)
            };
            resume().map_err(|e| format!("--resume: {}: {e}", path.display()))?
        }
        _ => (spec.members(), Vec::new()),
    };
    eprintln!(
        "{total} runs ({} combinations × {} seeds, {} epochs, bn {}){}",
        spec.combinations.len(),
        spec.seeds.len(),
        spec.base.epochs,
        spec.base.batch_norm.name(),
        if records.is_empty() { String::new() } else { format!("; {} already in the file", records.len()) }
    );
    let mut sweep = if members.is_empty() {
        None
    } else {
        let sweep = Sweep::new(members, dataset, &device, limits, spec.parallel)?;
        eprintln!(
            "{} left, in {} group(s) of up to {} models",
            total - records.len(),
            sweep.groups().len(),
            sweep.groups().iter().map(|g| g.len()).max().unwrap_or(0)
        );
        Some(sweep)
    };
    let records_before = records.len();
    let started = Instant::now();
    while let Some(sweep) = sweep.as_mut().filter(|s| !s.is_done()) {
        let p = pollster::block_on(sweep.run(usize::MAX, 10_000.0))?;
        let elapsed = started.elapsed().as_secs_f64();
        eprint!(
            "\r  group {}/{}: step {}/{}  runs {}/{}  {:.0} s   ",
            p.group + 1,
            p.groups,
            p.group_step,
            p.group_steps,
            p.runs_done,
            p.runs_total,
            elapsed
        );
        for r in p.finished.iter().filter(|r| r.state != RunState::Finished) {
            eprintln!("\n  {} seed {}: diverged", r.config.label(), r.config.seed);
        }
        let finished_some = !p.finished.is_empty();
        records.extend(p.finished);
        // Rewritten as runs finish, so an interrupted sweep keeps what it trained (`--resume`).
        if let (true, Some(path)) = (finished_some, &args.out) {
            write_csv(path, &records)?;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    if sweep.is_some() {
        eprintln!("\n{} runs trained in {seconds:.0} s on {backend_name}", total - records_before);
    }
    let cells = table::summarize(&records);
    println!("{}", table::markdown_table(&cells));
    println!(
        "Test accuracy (%) after {} epoch(s), mean ± population std over seeds {}; {}; bn {}.",
        spec.base.epochs,
        spec.seeds.iter().map(u64::to_string).collect::<Vec<_>>().join(","),
        spec.base.dataset.name(),
        spec.base.batch_norm.name()
    );
    if let Some(comparison) = article::markdown_comparison(&cells, &spec.base) {
        println!("\n{comparison}");
    }
    if let Some(path) = &args.out {
        write_csv(path, &records)?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &args.json {
        std::fs::write(path, table::to_json(&records)).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// Writes beside the file and renames it over, so an interrupted write never leaves half a file.
fn write_csv(path: &std::path::Path, records: &[RunRecord]) -> Result<(), String> {
    let partial = path.with_extension("csv.partial");
    std::fs::write(&partial, table::to_csv(records))
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// `--bench`: the first `--parallel` models at once (in the groups the device allows) against
/// the same models one after another, as one JSON line for `npm run bench`.
fn bench(
    spec: &SweepSpec,
    dataset: Arc<Dataset>,
    device: &Device,
    limits: MemoryLimits,
    steps: usize,
) -> Result<(), String> {
    let members: Vec<Config> = spec.members().into_iter().take(spec.parallel).collect();
    let count = members.len();
    let report =
        pollster::block_on(sweep_bench::measure(members, spec.parallel, dataset, device, limits, steps, count))?;
    let mut out = serde_json::to_value(report).map_err(|e| e.to_string())?;
    out["target"] = format!("native-{}-sweep", spec.base.backend.name()).into();
    println!("{out}");
    Ok(())
}
