//! Many models at once: the article's table as K networks trained in one set of kernels.
//!
//! - `plan`: which models a sweep trains (combinations, seeds, the base settings);
//! - `memory`: how they split into groups that fit the device;
//! - `stack`: K networks stacked (weights `[K, in, out]`, per-model activations and BatchNorm);
//! - `step`: one SGD + momentum step of all K, with diverged models frozen on the device;
//! - `runner`: each group trained epoch by epoch (its bookkeeping is the single run's
//!   `train::Ledger`), group after group;
//! - `record`: what one run leaves: its configuration, state and final test figures;
//! - `key`: a run's identity in the page's store and a resumed sweep, stable across versions;
//! - `table`: mean ± population std per combination, the 16 × 4 table, CSV and JSON;
//! - `article`: the article's published tables, to read a cell beside;
//! - `grid`: the page's sweep grid laid out: rows, cells, colours and verdicts;
//! - `form`: the page's sweep form: its quick default and its combination picker;
//! - `bench`: the models at once against one after another, in model-samples per second;
//! - `shard`: a sweep cut into disjoint shards (separate processes or machines) and joined back;
//! - `pool`: the page's CPU sweep over a pool of sweep workers: how many, and each one's runs.
//!
//! A model's initial weights and batch order depend only on its seed, as in a single run, so
//! the (combination, seed) model of a sweep reproduces the single run of that configuration.

pub mod article;
pub mod bench;
pub mod form;
pub mod grid;
pub mod key;
pub mod memory;
pub mod plan;
pub mod pool;
pub mod record;
pub mod runner;
pub mod shard;
pub mod stack;
pub mod step;
pub mod table;

pub use crate::train::ModelRun;
pub use key::run_key;
pub use memory::{MemoryLimits, plan_groups};
pub use plan::{SweepSpec, all_combinations};
pub use record::RunRecord;
pub use runner::{GroupRun, Sweep, SweepProgress};
pub use shard::Shard;
pub use table::{markdown_table, summarize};
