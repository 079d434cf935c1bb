//! `train` without a command: one run, a throughput bench (`--bench`) or a replay of a
//! recorded run (`--replay`, `--reference`).

use activation_playground::config::{self, Activation, Config, MAX_EPOCHS, describe_errors};
use activation_playground::data::{self, Dataset};
use activation_playground::history::History;
use activation_playground::replay::{Comparison, ReferenceRun, ReplayReference, ReplayStart};
use activation_playground::train::{RunStart, RunState, Session};
use burn::tensor::Device;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use crate::flags::{self, SettingFlags};
use crate::sweep;

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    settings: SettingFlags<flags::Run>,
    /// Folder with the dataset's standard files (IDX .gz/raw, or CIFAR-10 binary batches / archive);
    /// not needed for qa.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Write the results (configs, per-epoch histories, summary) as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Measure training throughput (samples/s) over this many steps and exit.
    #[arg(long)]
    bench: Option<usize>,
    /// Start from a recorded run's initial weights and batch order (JSON, e.g.
    /// ../shared/data/pytorch-replay/init-seed7-2000.json.gz) and train on the training images it used.
    #[arg(long)]
    replay: Option<PathBuf>,
    /// With --replay: the recorded run's losses and accuracies (JSON) to compare with, step for step;
    /// every combination in it is replayed unless --acts picks one.
    #[arg(long, requires = "replay")]
    reference: Option<PathBuf>,
}

#[derive(Serialize)]
struct RunResult {
    config: Config,
    label: String,
    final_test_accuracy: Option<f32>,
    state: RunState,
    message: Option<String>,
    history: History,
    seconds: f64,
}

/// Turns the flags into a Config through the same `Config::with_settings` as share links and the
/// page's form (each flag is named like its setting).
fn base_config(args: &RunArgs) -> Result<Config, String> {
    let (mut config, errors) = Config::default().with_settings(&args.settings.pairs());
    config.stats_every = 0;
    if errors.is_empty() { Ok(config) } else { Err(describe_errors(&errors)) }
}

pub fn main(args: RunArgs) -> Result<(), String> {
    let base = base_config(&args)?;
    if args.replay.is_some() && (args.bench.is_some() || args.settings.has("batch") || args.settings.has("epochs")) {
        return Err(
            "--replay takes its batch size, epochs and order from the file: drop --bench, --batch and --epochs".into(),
        );
    }
    let (device, backend_name, _) = sweep::device_for(base.backend)?;
    let started = Instant::now();
    let dir = match (&args.data, base.dataset) {
        (Some(dir), _) => dir.clone(),
        (None, config::DatasetKind::Qa) => PathBuf::new(),
        (None, kind) => return Err(format!("--data: the folder with the {} files is needed", kind.name())),
    };
    let dataset = Arc::new(data::load_dir(base.dataset, &dir).map_err(|e| e.to_string())?);
    eprintln!(
        "{}: {} training / {} test images, loaded in {:.1} s; backend {backend_name}",
        base.dataset.name(),
        dataset.train.len(),
        dataset.test.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = &args.replay {
        return replay(&args, path, base, &dataset, &device);
    }
    if let Some(steps) = args.bench {
        return bench(&base, dataset, &device, steps);
    }
    let result = train_one(base, dataset, &device, true, None)?;
    if let Some(acc) = result.final_test_accuracy {
        println!("{:<24} {:6.2}%", result.label, acc * 100.0);
    }
    if let Some(path) = &args.json {
        write_json(path, serde_json::json!({ "backend": backend_name, "run": result }))?;
    }
    Ok(())
}

fn write_json(path: &Path, value: serde_json::Value) -> Result<(), String> {
    std::fs::write(path, serde_json::to_string_pretty(&value).expect("serializable"))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Trains from a recorded run's weights and batch order through the same `Session`; with a
/// reference, prints how far each combination's step losses and test accuracy are from it.
fn replay(args: &RunArgs, path: &Path, base: Config, full: &Dataset, device: &Device) -> Result<(), String> {
    let start = ReplayStart::parse(&path.display().to_string(), &read(path)?).map_err(|e| e.to_string())?;
    let dataset = Arc::new(start.dataset(full).map_err(|e| e.to_string())?);
    let mut config = start.config(&base);
    let reference = match &args.reference {
        Some(path) => {
            Some(ReplayReference::parse(&path.display().to_string(), &read(path)?).map_err(|e| e.to_string())?)
        }
        None => None,
    };
    let runs: Vec<(Vec<Activation>, Option<&ReferenceRun>)> = match &reference {
        Some(reference) => {
            config = reference.config(&config);
            let recorded = reference.runs()?;
            match args.settings.has("acts") {
                false => recorded.into_iter().map(|(acts, run)| (acts, Some(run))).collect(),
                true => {
                    let run = recorded.into_iter().find(|(acts, _)| *acts == base.acts).map(|(_, run)| run);
                    vec![(base.acts.clone(), run)]
                }
            }
        }
        None => vec![(base.acts.clone(), None)],
    };
    eprintln!(
        "replaying {} combination(s) from {} on the first {} training images",
        runs.len(),
        path.display(),
        dataset.train.len()
    );
    let mut results = Vec::new();
    for (acts, recorded) in runs {
        let config = Config { acts, ..config.clone() };
        let result = train_one(config, dataset.clone(), device, false, Some(start.start()))?;
        match recorded {
            Some(recorded) => {
                let comparison = Comparison::new(recorded, &result.history, dataset.test.len())?;
                println!("{:<24} {comparison}", result.label);
            }
            None => println!(
                "{:<24} test accuracy {}",
                result.label,
                result
                    .final_test_accuracy
                    .map(|a| format!("{:.2}%", a * 100.0))
                    .unwrap_or_else(|| "none (diverged)".into())
            ),
        }
        results.push(result);
    }
    if let Some(json) = &args.json {
        write_json(json, serde_json::json!({ "replay": path, "runs": results }))?;
    }
    Ok(())
}

/// One run to its end; `start` replaces the seeded weights and batch order.
fn train_one(
    config: Config,
    dataset: Arc<Dataset>,
    device: &Device,
    verbose: bool,
    start: Option<RunStart>,
) -> Result<RunResult, String> {
    let started = Instant::now();
    let label = config.label();
    let mut session = match start {
        Some(start) => Session::from_start(config.clone(), dataset, device, start)?,
        None => Session::new(config.clone(), dataset, device)?,
    };
    let mut reported = 0;
    while !session.is_done() {
        let progress = pollster::block_on(session.run(usize::MAX, 5_000.0));
        if verbose {
            for epoch in &session.history().epochs[reported..] {
                println!(
                    "epoch {:>3}/{}  train loss {:.4}  train acc {:6.2}%  test loss {:.4}  test acc {:6.2}%",
                    epoch.epoch,
                    config.epochs,
                    epoch.train_loss,
                    epoch.train_accuracy * 100.0,
                    epoch.test_loss,
                    epoch.test_accuracy * 100.0
                );
            }
            reported = session.history().epochs.len();
            if progress.state == RunState::Running {
                if let Some(sps) = progress.samples_per_sec {
                    eprint!(
                        "\r  step {}/{}  {:.0} samples/s   ",
                        progress.position.step, progress.position.total_steps, sps
                    );
                }
            } else {
                eprintln!();
            }
        }
        if let Some(message) = &progress.message {
            eprintln!("{label}: {message}");
        }
    }
    let history = session.history().clone();
    let state = if history.epochs.len() == config.epochs { RunState::Finished } else { RunState::Diverged };
    Ok(RunResult {
        final_test_accuracy: (state == RunState::Finished)
            .then(|| history.epochs.last().map(|e| e.test_accuracy))
            .flatten(),
        message: (state != RunState::Finished).then(|| "diverged".to_string()),
        config,
        label,
        state,
        history,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Samples per second of training, without statistics and with the default statistics cadence,
/// so the probe's cost shows as a percentage. The two alternate for three rounds and the median
/// of each is reported, so that a noisy neighbour on the machine hits both alike.
fn bench(config: &Config, dataset: Arc<Dataset>, device: &Device, steps: usize) -> Result<(), String> {
    let cadence = Config::default().stats_every;
    let mut rates: [Vec<(f64, f64, usize)>; 2] = [Vec::new(), Vec::new()];
    for _round in 0..3 {
        for (slot, stats_every) in [0, cadence].into_iter().enumerate() {
            // Enough epochs that the run never finishes inside the measurement.
            let config = Config { epochs: MAX_EPOCHS, stats_every, ..config.clone() };
            let mut session = Session::new(config.clone(), dataset.clone(), device)?;
            pollster::block_on(session.run(10, f64::INFINITY));
            let started = Instant::now();
            let before = session.global_step();
            while session.global_step() - before < steps && !session.is_done() {
                let left = steps - (session.global_step() - before);
                pollster::block_on(session.run(left.min(50), f64::INFINITY));
            }
            let done = session.global_step() - before;
            let seconds = started.elapsed().as_secs_f64();
            rates[slot].push(((done * config.batch_size) as f64 / seconds, seconds, done));
        }
    }
    let median = |v: &mut Vec<(f64, f64, usize)>| {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        v[v.len() / 2]
    };
    let plain = median(&mut rates[0]);
    let probed = median(&mut rates[1]);
    for (stats_every, (rate, seconds, done)) in [(0, plain), (cadence, probed)] {
        let overhead = (stats_every > 0).then(|| 100.0 * (1.0 - rate / plain.0));
        println!(
            "{{\"target\":\"native-{}\",\"config\":\"{}\",\"batch\":{},\"statsEvery\":{stats_every},\"steps\":{done},\"seconds\":{seconds:.3},\"samplesPerSec\":{rate:.1}{}}}",
            config.backend.name(),
            config.label(),
            config.batch_size,
            overhead.map(|o| format!(",\"statsOverheadPercent\":{o:.1}")).unwrap_or_default()
        );
    }
    Ok(())
}
