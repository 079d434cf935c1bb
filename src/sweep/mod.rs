//! Many models at once: the article's table as K networks trained in one set of kernels.
//!
//! - `plan`: which models a sweep trains and how they split into groups that fit the device;
//! - `stack`: K networks stacked (weights `[K, in, out]`, per-model activations and BatchNorm);
//! - `step`: one SGD + momentum step of all K, with diverged models frozen on the device;
//! - `runner`: epochs, bulk read-backs and evaluation of each group, group after group;
//! - `table`: per-run records, mean ± population std, the 16 × 4 table, CSV and JSON;
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
pub mod plan;
pub mod pool;
pub mod runner;
pub mod shard;
pub mod stack;
pub mod step;
pub mod table;

pub use plan::{MemoryLimits, SweepSpec, all_combinations};
pub use runner::{GroupRun, ModelRun, Sweep, SweepProgress, plan_groups};
pub use shard::Shard;
pub use table::{RunRecord, markdown_table, summarize};
