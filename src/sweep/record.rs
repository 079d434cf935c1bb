//! The record of one run a sweep trained: what is exported, persisted (the page's store, a
//! resumed CLI sweep's file) and aggregated into the table.

use crate::config::Config;
use crate::train::{ModelRun, RunState};
use serde::{Deserialize, Serialize};

/// One finished (or diverged) run: what is exported, persisted and aggregated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    pub config: Config,
    pub state: RunState,
    /// Test accuracy after the last epoch (finished runs only).
    pub test_accuracy: Option<f32>,
    pub test_loss: Option<f32>,
    /// Wall time of the group the run was trained in (its models train together), to the
    /// millisecond: a full-precision f64 does not survive serde_json's parser (1.0297552443333333
    /// reads back as 1.029755244333333), and the exports must parse back to the same numbers.
    pub seconds: f64,
}

impl RunRecord {
    pub fn from_run(run: &ModelRun, seconds: f64) -> RunRecord {
        let last = run.history.epochs.last().filter(|_| run.state == RunState::Finished);
        RunRecord {
            config: run.config.clone(),
            state: run.state,
            test_accuracy: last.map(|e| e.test_accuracy),
            test_loss: last.map(|e| e.test_loss),
            seconds: (seconds * 1000.0).round() / 1000.0,
        }
    }
}
