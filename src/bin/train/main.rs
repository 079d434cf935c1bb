//! `train`: the article's MLP trained natively with the same Config and training code as the page.
//!
//!   train --acts relu,sigmoid,relu --epochs 10 --data ../shared/data/mnist          (one run: run.rs)
//!   train sweep --seeds 1,2,3 --data ../shared/data/mnist        (the article's table: sweep.rs)
//!   train sweep merge results.csv shard-1.csv shard-2.csv        (a sharded sweep's files joined)
//!   train --data ../shared/data/mnist \
//!     --replay ../shared/data/pytorch-replay/init-seed7-2000.json.gz \
//!     --reference ../shared/data/pytorch-replay/losses-seed7-2000.json   (PyTorch's run, step for step)
//!
//! The training settings' flags come from the settings table (flags.rs).

mod flags;
mod jobs;
mod run;
mod sweep;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "train",
    about = "Train the MLP from \"Is ReLU After Sigmoid Bad?\" (defaults = the article's setup)",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Without a command: one run.
    #[command(flatten)]
    run: run::RunArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train many activation combinations and print the article's table.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Sweep(sweep::SweepCommand),
}

/// A sweep's stacked tensors (K = 64: 100 MB for the first layer alone) are allocated and freed
/// every step. glibc hands each buffer over 32 MB to `mmap` and back, so every step would
/// re-fault (and zero) hundreds of MB of fresh pages; keeping them in the heap measured 1.9×
/// faster for a 64-model step on a 2-core machine (7.1 s → 3.8 s for 20 steps).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_large_buffers() {
    // SAFETY: mallopt only changes glibc's allocation thresholds; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, i32::MAX);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_large_buffers() {}

fn main() -> ExitCode {
    keep_large_buffers();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Sweep(command)) => sweep::main(command),
        None => run::main(cli.run),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
