//! `train sweep --jobs N`: a sweep's groups trained on N threads at once. Each thread takes the
//! next group, trains it on its own model (the dataset is shared) and sends its records to the
//! calling thread, which writes the files. A run's results depend only on its group (weights and
//! batch order come from its seed), not on the thread or on when it ran, so once put in the
//! sweep's order (`SweepSpec::sort_records`) the files are those of one thread.

use activation_playground::config::Config;
use activation_playground::data::Dataset;
use activation_playground::sweep::GroupRun;
use activation_playground::sweep::memory::MemoryLimits;
use activation_playground::sweep::record::RunRecord;
use burn::tensor::Device;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::time::Instant;

/// How long a thread trains between progress reports.
const REPORT_MS: f64 = 2000.0;

/// What a thread reports.
pub enum Event {
    /// Thread `job` is at `step` of its group's `steps`.
    Progress { job: usize, step: usize, steps: usize },
    /// Thread `job`'s group ended: its runs, finished or diverged.
    Finished { job: usize, records: Vec<RunRecord> },
}

/// The groups and what they share, read by every thread.
pub struct Work<'a> {
    pub members: &'a [Config],
    pub groups: &'a [Range<usize>],
    pub dataset: &'a Arc<Dataset>,
    pub device: &'a Device,
    pub limits: MemoryLimits,
}

/// Trains every group on `jobs` threads; `on_event` runs on the calling thread for each report.
/// The first error (a thread's or `on_event`'s) stops the threads after their current step of
/// work, and is returned.
pub fn train(work: &Work, jobs: usize, mut on_event: impl FnMut(Event) -> Result<(), String>) -> Result<(), String> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|scope| {
        for job in 0..jobs.min(work.groups.len()) {
            let (tx, next, stop) = (tx.clone(), &next, &stop);
            scope.spawn(move || {
                if let Err(e) = train_groups(work, job, next, stop, &tx) {
                    stop.store(true, Ordering::Relaxed);
                    let _ = tx.send(Err(e));
                }
            });
        }
        // The loop ends when every thread has ended and dropped its sender.
        drop(tx);
        let mut outcome = Ok(());
        for event in rx {
            if let Err(e) = event.and_then(&mut on_event) {
                stop.store(true, Ordering::Relaxed);
                outcome = outcome.and(Err(e));
            }
        }
        outcome
    })
}

/// One thread: the next group not taken, until none is left or `stop` is set.
fn train_groups(
    work: &Work,
    job: usize,
    next: &AtomicUsize,
    stop: &AtomicBool,
    tx: &Sender<Result<Event, String>>,
) -> Result<(), String> {
    let device = work.device.clone();
    while !stop.load(Ordering::Relaxed)
        && let Some(range) = work.groups.get(next.fetch_add(1, Ordering::Relaxed))
    {
        let configs = work.members[range.clone()].to_vec();
        let mut group = GroupRun::new(configs, work.dataset.clone(), &device, work.limits)?;
        let started = Instant::now();
        while !group.is_done() {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            pollster::block_on(group.run(usize::MAX, REPORT_MS))?;
            let _ = tx.send(Ok(Event::Progress {
                job,
                step: group.ledger().global_step(),
                steps: group.ledger().total_steps(),
            }));
        }
        let seconds = started.elapsed().as_secs_f64();
        let records = group.runs().iter().map(|r| RunRecord::from_run(r, seconds)).collect();
        let _ = tx.send(Ok(Event::Finished { job, records }));
    }
    Ok(())
}
