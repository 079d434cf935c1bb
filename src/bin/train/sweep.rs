//! `train sweep`: the article's table, its runs trained on every core (src/sweep).
//!
//!   train sweep --dataset mnist --data DIR --epochs 10 --seeds 1,2,3 --bn none --out results.csv
//!   train sweep … --shard 2/3 --out shard-2.csv        (one of three machines; docs/cluster.md)
//!   train sweep merge results.csv shard-1.csv shard-2.csv shard-3.csv

use crate::flags::{self, SettingFlags};
use crate::jobs::{self, Event, Work};
use activation_playground::config::{BackendKind, Config};
use activation_playground::data::{self, Dataset};
use activation_playground::sweep::article;
use activation_playground::sweep::bench as sweep_bench;
use activation_playground::sweep::memory::MemoryLimits;
use activation_playground::sweep::record::RunRecord;
use activation_playground::sweep::shard::{self, Shard};
use activation_playground::sweep::table;
use activation_playground::sweep::{SweepSpec, plan_groups};
use activation_playground::train::RunState;
use burn::tensor::Device;
use clap::Subcommand;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// `train sweep …`, or `train sweep merge …`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "train sweep merge OUT.csv SHARD.csv… joins the --out files of a sharded sweep (train sweep merge --help)"
)]
pub struct SweepCommand {
    #[command(subcommand)]
    merge: Option<Merge>,
    #[command(flatten)]
    args: SweepArgs,
}

#[derive(Subcommand, Debug)]
enum Merge {
    /// Join the --out files of a sharded sweep (train sweep --shard I/N) into one and print its table.
    Merge(MergeArgs),
}

/// Runs `train sweep`: the sweep, or the merge of a sharded sweep's files.
pub fn main(command: SweepCommand) -> Result<(), String> {
    match command.merge {
        Some(Merge::Merge(args)) => merge(args),
        None => sweep(command.args),
    }
}

#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    #[command(flatten)]
    settings: SettingFlags<flags::Sweep>,
    /// Folder with the dataset's standard files.
    #[arg(long, required = true)]
    data: Option<PathBuf>,
    /// Which combinations: all, row:A1,A2, column:A3, or a list like relu-sigmoid-relu,tanh-tanh-tanh
    /// (over the depth --widths gives; at most 256).
    #[arg(long, default_value = "all")]
    combos: String,
    /// Seeds, e.g. 1,2,3 (each cell reports mean ± population std over them).
    #[arg(long, default_value = "1,2,3")]
    seeds: String,
    /// At most this many models trained as one stacked network (fewer if the device's memory says
    /// so). Default: 1 on the CPU, where one model at a time is fastest and --jobs uses the cores
    /// (and 64 for --bench); 64 on a GPU.
    #[arg(long)]
    parallel: Option<String>,
    /// Train this many groups at once, each on its own thread. Default: every core on the CPU;
    /// 1 on a GPU, which trains one group at a time.
    #[arg(long)]
    jobs: Option<usize>,
    /// Train only shard I of N (1-based): the sweep's runs number I, I+N, I+2N…, e.g. one
    /// machine's share. auto/N reads I from SLURM_ARRAY_TASK_ID (a job array submitted with
    /// --array=1-N) or JOB_COMPLETION_INDEX + 1 (a Kubernetes Indexed Job). Join the shards'
    /// --out files with `train sweep merge`.
    #[arg(long)]
    shard: Option<String>,
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
    settings.extend([("combos", args.combos.clone()), ("seeds", args.seeds.clone())]);
    settings.extend(args.parallel.clone().map(|parallel| ("parallel", parallel)));
    let errors: Vec<String> =
        settings.into_iter().filter_map(|(key, value)| spec.apply_setting(key, &value).err()).collect();
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    // Stacking models pays on a GPU; on the CPU one model at a time is faster (docs/architecture.md,
    // "Sweeps") and --jobs puts the cores to use. --bench measures stacking itself.
    if args.parallel.is_none() && args.bench.is_none() && spec.base.backend == BackendKind::Cpu {
        spec.parallel = 1;
    }
    spec.validate()?;
    Ok(spec)
}

/// `--jobs`, or its default: every core on the CPU, one group at a time on the GPU (its memory
/// limits are a single group's).
fn jobs(flag: Option<usize>, backend: BackendKind) -> Result<usize, String> {
    match (flag, backend) {
        (Some(0), _) => Err("--jobs: at least 1".into()),
        (Some(2..), BackendKind::Gpu) => {
            Err("--jobs: the GPU trains one group at a time; stack more models with --parallel instead".into())
        }
        (Some(jobs), _) => Ok(jobs),
        (None, BackendKind::Cpu) => Ok(std::thread::available_parallelism().map_or(1, usize::from)),
        (None, BackendKind::Gpu) => Ok(1),
    }
}

/// The device and what it allows: on wgpu the adapter's buffer limits decide the group size.
pub fn device_for(backend: BackendKind) -> Result<(Device, String, MemoryLimits), String> {
    match backend {
        BackendKind::Cpu => Ok((Device::flex(), "CPU (burn Flex)".into(), MemoryLimits::CPU)),
        #[cfg(feature = "native-wgpu")]
        BackendKind::Gpu => {
            let (device, setup) = activation_playground::gpu::wgpu_options()
                .init_with_setup()
                .map_err(|e| format!("no wgpu adapter: {e:?}"))?;
            let matmul = activation_playground::gpu::configure(&setup);
            let info = setup.adapter.get_info();
            let limits = setup.adapter.limits();
            let buffer = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
            // The adapter's type (`Cpu` for lavapipe) is what scripts/bench-gpu.mjs checks.
            let name = format!("wgpu · {} ({:?}, {:?}; {matmul:?} matmul)", info.name, info.device_type, info.backend);
            Ok((device, name, MemoryLimits::from_buffer_limit(buffer)))
        }
        #[cfg(not(feature = "native-wgpu"))]
        BackendKind::Gpu => Err("this build has no GPU backend: rebuild with `--features native-wgpu`".into()),
    }
}

fn sweep(args: SweepArgs) -> Result<(), String> {
    let spec = spec(&args)?;
    let data = args.data.as_ref().ok_or("--data: the folder with the dataset's files is needed")?;
    let shard = match &args.shard {
        Some(text) => Shard::parse(text, |name| std::env::var(name).ok())?,
        None => Shard::WHOLE,
    };
    let jobs = jobs(args.jobs, spec.base.backend)?;
    let (device, backend_name, limits) = device_for(spec.base.backend)?;
    let started = Instant::now();
    let dataset = Arc::new(data::load_dir(spec.base.dataset, data).map_err(|e| e.to_string())?);
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
    let total = shard.members(&spec).len();
    let (members, mut records) = match (&args.out, args.resume) {
        (Some(path), true) => {
            let resume = || -> Result<_, String> {
                let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
                shard.remaining(&spec, &table::from_csv(&text)?)
            };
            resume().map_err(|e| format!("--resume: {}: {e}", path.display()))?
        }
        _ => (shard.members(&spec), Vec::new()),
    };
    eprintln!(
        "{total} runs ({} combinations × {} seeds, {} epochs, bn {}){}{}",
        spec.combinations.len(),
        spec.seeds.len(),
        spec.base.epochs,
        spec.base.batch_norm.name(),
        if shard == Shard::WHOLE {
            String::new()
        } else {
            format!(": shard {}/{} of {}", shard.index, shard.count, spec.members().len())
        },
        if records.is_empty() { String::new() } else { format!("; {} already in the file", records.len()) }
    );
    let groups = plan_groups(&members, dataset.input_size(), limits, spec.parallel);
    let jobs = jobs.min(groups.len());
    if !groups.is_empty() {
        eprintln!(
            "{} left, in {} group(s) of up to {} models, {jobs} at a time",
            members.len(),
            groups.len(),
            groups.iter().map(|g| g.len()).max().unwrap_or(0)
        );
    }
    let records_before = records.len();
    let started = Instant::now();
    // Each job's place in its group, for the progress line.
    let mut steps: Vec<Option<(usize, usize)>> = vec![None; jobs];
    let work = Work { members: &members, groups: &groups, dataset: &dataset, device: &device, limits };
    jobs::train(&work, jobs, |event| {
        match event {
            Event::Progress { job, step, steps: of } => steps[job] = Some((step, of)),
            Event::Finished { job, records: finished } => {
                steps[job] = None;
                for r in finished.iter().filter(|r| r.state != RunState::Finished) {
                    eprintln!("\n  {} seed {}: diverged", r.config.label(), r.config.seed);
                }
                records.extend(finished);
                // In the sweep's order, as one job would write it; rewritten as runs finish, so an
                // interrupted sweep keeps what it trained (`--resume`).
                spec.sort_records(&mut records);
                if let Some(path) = &args.out {
                    write_csv(path, &records)?;
                }
            }
        }
        let training = steps.iter().flatten().count();
        let (step, of) = steps.iter().flatten().fold((0, 0), |(a, b), (step, of)| (a + step, b + of));
        let line = match training {
            0 => format!("runs {}/{total}", records.len()),
            n => format!("runs {}/{total}, {n} in training: step {step}/{of}", records.len()),
        };
        eprint!("\r  {line:<48} {:.0} s  ", started.elapsed().as_secs_f64());
        Ok(())
    })?;
    let seconds = started.elapsed().as_secs_f64();
    if !groups.is_empty() {
        eprintln!(
            "\n{} runs trained in {seconds:.0} s on {backend_name}, {jobs} job(s) at a time",
            records.len() - records_before
        );
    }
    print_table(&spec, &records);
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

/// The article's table of `records` and what it shows, on stdout.
/// The table, then the same cells beside the article's (where it has the table).
fn print_table(spec: &SweepSpec, records: &[RunRecord]) {
    let cells = table::summarize(records);
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
}

#[derive(clap::Args, Debug)]
#[command(
    long_about = "Join the --out files of a sharded sweep (train sweep --shard I/N) into one and print its table. \
        The shards must hold runs of one sweep (the same settings but the combination and the seed), none \
        twice, and together every run of --combos × --seeds."
)]
struct MergeArgs {
    /// The joined CSV to write, its runs in the sweep's order.
    out: PathBuf,
    /// Every shard's CSV.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// The sweep's --combos: the combinations the shards must hold between them.
    #[arg(long, default_value = "all")]
    combos: String,
    /// The sweep's --seeds (default: the seeds found in the shards, in increasing order).
    #[arg(long)]
    seeds: Option<String>,
}

fn merge(args: MergeArgs) -> Result<(), String> {
    let read = |path: &PathBuf| -> Result<(String, Vec<RunRecord>), String> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
        let records = table::from_csv(&text).map_err(|e| format!("{name}: {e}"))?;
        Ok((name, records))
    };
    let files = args.shards.iter().map(read).collect::<Result<Vec<_>, _>>()?;
    let (spec, records) = shard::merge(&files, &args.combos, args.seeds.as_deref())?;
    write_csv(&args.out, &records)?;
    print_table(&spec, &records);
    eprintln!("wrote {}: {} runs from {} file(s)", args.out.display(), records.len(), files.len());
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
