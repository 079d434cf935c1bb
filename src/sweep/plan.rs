//! What a sweep trains, and how its models are split into groups that fit in memory.

use super::key::run_key;
use super::table::RunRecord;
use crate::config::{Activation, BackendKind, Config, DatasetKind, Setting, settings_table};
use crate::train::RunState;
use std::collections::HashMap;

/// The most cells (activation combinations) one sweep trains: beyond it a grid is refused
/// with a message rather than left to run for hours.
pub const MAX_CELLS: usize = 256;

/// The article's 64 combinations in table order: activation 1, then 2, then 3 (the column)
/// vary slowest to fastest, so combination `i` sits in row `i / 4`, column `i % 4`.
pub fn all_combinations() -> Vec<Vec<Activation>> {
    combinations_of_depth(3)
}

/// The 4^depth combinations of the article's four activations over `depth` layers, in table
/// order (the first layer's activation varies slowest, the output's fastest).
pub fn combinations_of_depth(depth: usize) -> Vec<Vec<Activation>> {
    let mut out: Vec<Vec<Activation>> = vec![Vec::new()];
    for _ in 0..depth {
        out = out
            .into_iter()
            .flat_map(|prefix| Activation::ARTICLE.map(|a| [prefix.clone(), vec![a]].concat()))
            .collect();
    }
    out
}

/// Every model of a sweep: the combinations × the seeds, on one base configuration (its
/// dataset, widths, initialisation, BatchNorm mode, learning rate, momentum, batch size and
/// epochs, shared by every cell). The combinations have the base's depth.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSpec {
    pub base: Config,
    pub combinations: Vec<Vec<Activation>>,
    pub seeds: Vec<u64>,
    /// At most this many models trained at once (fewer if the device's memory says so).
    pub parallel: usize,
    /// The page's CPU sweep: how many sweep workers train its runs side by side.
    pub workers: Workers,
}

/// The most models a group may ask for.
pub const MAX_PARALLEL: usize = 1024;

/// The most sweep workers a page sweep may ask for.
pub const MAX_WORKERS: usize = 64;

/// How many sweep workers (each its own wasm instance and thread) train a page sweep on the CPU:
/// `auto` (one per core, fewer where memory is short, see [`super::pool::pool_size`]) or a number.
/// WebGPU trains every model in the page's one engine worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workers {
    Auto,
    Count(usize),
}

impl Workers {
    /// Parses `auto` or a whole number between 1 and [`MAX_WORKERS`].
    pub fn parse(text: &str) -> Result<Workers, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("auto") {
            return Ok(Workers::Auto);
        }
        match text.parse::<usize>() {
            Ok(n @ 1..=MAX_WORKERS) => Ok(Workers::Count(n)),
            _ => Err(format!("workers: auto or a whole number between 1 and {MAX_WORKERS}, got {text:?}")),
        }
    }

    /// The text [`Workers::parse`] reads back.
    pub fn name(self) -> String {
        match self {
            Workers::Auto => "auto".into(),
            Workers::Count(n) => n.to_string(),
        }
    }
}

impl SweepSpec {
    /// The single-run configuration of every model, seed-major (all combinations of the first
    /// seed, then the second…), so a group of whole seeds shares its input batches.
    pub fn members(&self) -> Vec<Config> {
        self.seeds
            .iter()
            .flat_map(|&seed| {
                self.combinations.iter().map(move |acts| Config { acts: acts.clone(), seed, ..self.base.clone() })
            })
            .collect()
    }

    /// The members not among `done` (runs already trained, matched by [`run_key`]), and the
    /// records of `done` that belong to this sweep. A record of another sweep is an error: a
    /// resumed file must not mix two sweeps.
    pub fn remaining(&self, done: &[RunRecord]) -> Result<(Vec<Config>, Vec<RunRecord>), String> {
        let members = self.members();
        let keys: Vec<String> = members.iter().map(run_key).collect();
        let mut kept: Vec<(String, RunRecord)> = Vec::new();
        for record in done.iter().filter(|r| r.state != RunState::Running) {
            let key = run_key(&record.config);
            if !keys.contains(&key) {
                return Err(format!("a run of another sweep ({key}): start a new file instead"));
            }
            if !kept.iter().any(|(k, _)| *k == key) {
                kept.push((key, record.clone()));
            }
        }
        let left = members.into_iter().zip(&keys).filter(|(_, key)| !kept.iter().any(|(k, _)| k == *key));
        Ok((left.map(|(c, _)| c).collect(), kept.into_iter().map(|(_, r)| r).collect()))
    }

    /// Puts `records` in the order of [`SweepSpec::members`], whatever order their runs finished
    /// in (on several threads, in shards), so a sweep's files do not depend on how it was run.
    /// Runs of other sweeps go last.
    pub fn sort_records(&self, records: &mut [RunRecord]) {
        let order: HashMap<String, usize> = self.members().iter().enumerate().map(|(i, c)| (run_key(c), i)).collect();
        records.sort_by_cached_key(|r| order.get(&run_key(&r.config)).copied().unwrap_or(usize::MAX));
    }

    /// The most models a page sweep stacks in one group: `parallel` on WebGPU, where stacking
    /// pays; one on the CPU, where one model at a time is fastest, the pool of sweep workers puts
    /// the cores to use (`pool`), and a model's result then cannot depend on which worker trained
    /// it beside which others (as the CLI's `--parallel 1` default on the CPU).
    pub fn page_group_limit(&self) -> usize {
        match self.base.backend {
            BackendKind::Cpu => 1,
            BackendKind::Gpu => self.parallel,
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        self.base.validate().map_err(|e| crate::config::describe_errors(&e))?;
        if self.combinations.is_empty() {
            return Err("combinations: choose at least one".into());
        }
        if !self.base.bias || self.base.loss != crate::config::Loss::Nll {
            return Err("bias, loss: a sweep trains networks with biases on the nll loss".into());
        }
        let depth = self.base.acts.len();
        if let Some(bad) = self.combinations.iter().find(|c| c.len() != depth) {
            return Err(format!(
                "combos: {} has {} activations, but the network has {depth} layers",
                bad.iter().map(|a| a.name()).collect::<Vec<_>>().join("-"),
                bad.len()
            ));
        }
        if self.combinations.len() > MAX_CELLS {
            return Err(format!(
                "combos: {} combinations are more than the {MAX_CELLS} one sweep trains; choose a row, a column or a list",
                self.combinations.len()
            ));
        }
        if self.seeds.is_empty() {
            return Err("seeds: give at least one seed".into());
        }
        if self.parallel == 0 || self.parallel > MAX_PARALLEL {
            return Err(format!("parallel: between 1 and {MAX_PARALLEL} models at once, got {}", self.parallel));
        }
        match self.workers {
            Workers::Count(n) if n == 0 || n > MAX_WORKERS => {
                return Err(format!("workers: auto or a whole number between 1 and {MAX_WORKERS}, got {n}"));
            }
            Workers::Count(2..) if self.base.backend == BackendKind::Gpu => {
                return Err("workers: WebGPU trains every model in the page's one engine worker (stack more with \
                            parallel); choose auto or 1, or the CPU backend"
                    .into());
            }
            _ => {}
        }
        for (i, seed) in self.seeds.iter().enumerate() {
            if self.seeds[..i].contains(seed) {
                return Err(format!("seeds: {seed} is listed twice"));
            }
            Config { seed: *seed, ..self.base.clone() }.validate().map_err(|e| crate::config::describe_errors(&e))?;
        }
        Ok(())
    }
}

/// Parses a choice of combinations: `all` over `depth` layers, a table row `row:relu,sigmoid`
/// (the activations of every layer but the output, each output activation), a column
/// `column:relu` (the output's activation, over `depth` layers), or a list of combinations
/// `relu-sigmoid-relu,tanh-tanh-tanh`. A row and a list name their own depth ([`SweepSpec::validate`]
/// checks it against the network's). The result is in table order, without repeats. A grid of
/// more than [`MAX_CELLS`] is refused.
pub fn parse_combinations(text: &str, depth: usize) -> Result<Vec<Vec<Activation>>, String> {
    let text = text.trim().to_ascii_lowercase();
    let grid = |count: usize| -> Result<Vec<Vec<Activation>>, String> {
        if count > MAX_CELLS {
            return Err(format!(
                "combos: {text} over {depth} layers is {count} combinations, more than the {MAX_CELLS} one sweep \
                 trains; choose a row, a column or a list"
            ));
        }
        Ok(combinations_of_depth(depth))
    };
    let cells = 4usize.saturating_pow(depth as u32);
    let chosen: Vec<Vec<Activation>> = if text == "all" {
        grid(cells)?
    } else if let Some(row) = text.strip_prefix("row:") {
        // A row names every layer's activation but the output's: its own depth.
        let prefix = row.split(',').map(Activation::parse).collect::<Result<Vec<_>, _>>()?;
        let depth = prefix.len() + 1;
        combinations_of_depth(depth).into_iter().filter(|c| c[..depth - 1] == prefix[..]).collect()
    } else if let Some(column) = text.strip_prefix("column:") {
        let c = Activation::parse(column)?;
        grid(cells / 4)?.into_iter().filter(|x| x.last() == Some(&c)).collect()
    } else {
        let mut wanted = Vec::new();
        for item in text.split(',').filter(|s| !s.trim().is_empty()) {
            let parts: Vec<&str> = item.trim().split('-').collect();
            if parts.len() < 2 && !item.contains('-') && depth != 1 {
                return Err(format!(
                    "combos: expected all, row:A,B, column:C or a list like relu-sigmoid-relu,tanh-tanh-tanh (got {:?})",
                    item.chars().take(40).collect::<String>()
                ));
            }
            wanted.push(parts.into_iter().map(Activation::parse).collect::<Result<Vec<_>, _>>()?);
        }
        if wanted.len() > MAX_CELLS {
            return Err(format!(
                "combos: {} combinations are more than the {MAX_CELLS} one sweep trains",
                wanted.len()
            ));
        }
        // Table order, without repeats.
        let rank = |c: &Vec<Activation>| -> Vec<usize> {
            c.iter().map(|a| Activation::ALL.iter().position(|x| x == a).unwrap_or(0)).collect()
        };
        wanted.sort_by_key(rank);
        wanted.dedup();
        wanted
    };
    if chosen.is_empty() {
        return Err("combos: choose at least one combination".into());
    }
    Ok(chosen)
}

/// The shortest text [`parse_combinations`] reads back as `combos`.
pub fn describe_combinations(combos: &[Vec<Activation>]) -> String {
    let depth = combos.first().map_or(3, Vec::len);
    let names = |c: &[Activation]| c.iter().map(|a| a.name()).collect::<Vec<_>>();
    let cells = 4usize.saturating_pow(depth as u32);
    if depth > 0 && combos.len() == cells && combos == combinations_of_depth(depth).as_slice() {
        return "all".into();
    }
    if let Some(first) = combos.first().filter(|_| depth > 1 && combos.len() == 4) {
        let prefix = &first[..depth - 1];
        let row: Vec<Vec<Activation>> =
            Activation::ARTICLE.iter().map(|&a| [prefix.to_vec(), vec![a]].concat()).collect();
        if combos == row.as_slice() {
            return format!("row:{}", names(prefix).join(","));
        }
    }
    for a in Activation::ARTICLE {
        if depth > 0 && cells / 4 <= MAX_CELLS && combos.len() == cells / 4 && combos.iter().all(|c| c[depth - 1] == a)
        {
            return format!("column:{}", a.name());
        }
    }
    combos.iter().map(|c| names(c).join("-")).collect::<Vec<_>>().join(",")
}

/// Parses `1,2,3` (seeds, each checked by `Config::validate`).
pub fn parse_seeds(text: &str) -> Result<Vec<u64>, String> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().map_err(|_| format!("seeds: {:?} is not a whole number", s.trim())))
        .collect()
}

impl SweepSpec {
    /// Applies one `key=value` setting: `combos` and `seeds` are the sweep's own; every other key
    /// is the base configuration's (`Config::apply_setting`), so each setting has one name.
    pub fn apply_setting(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "combos" => self.combinations = parse_combinations(value, self.base.acts.len())?,
            "seeds" => self.seeds = parse_seeds(value)?,
            "parallel" => {
                self.parallel =
                    value.trim().parse().map_err(|_| format!("parallel: {:?} is not a whole number", value.trim()))?
            }
            "workers" => self.workers = Workers::parse(value)?,
            _ => {
                let (depth, before) = (self.base.acts.len(), self.base.clone());
                self.base.apply_setting(key, value).map_err(|e| e.to_string())?;
                // A sweep's activations are its combinations: its widths set the depth.
                if key == "widths" && self.base.widths.len() + 1 != depth {
                    let last = self.base.acts.last().copied().unwrap_or(Activation::Relu);
                    self.base.acts.resize(self.base.widths.len() + 1, last);
                }
                // A new depth carries `all` and `column:C` over to it (a list or a row names its
                // depth; validation reports one that no longer fits).
                let new_depth = self.base.acts.len();
                if new_depth != depth && !self.combinations.is_empty() {
                    let text = describe_combinations(&self.combinations);
                    if text == "all" || text.starts_with("column:") {
                        // Too large a grid at the new depth leaves the spec as it was.
                        self.combinations = parse_combinations(&text, new_depth).inspect_err(|_| self.base = before)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The settings a sweep link carries: its own four and the base's.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("combos", describe_combinations(&self.combinations)),
            ("seeds", self.seeds.iter().map(u64::to_string).collect::<Vec<_>>().join(",")),
            ("parallel", self.parallel.to_string()),
            ("workers", self.workers.name()),
        ];
        out.extend(self.base.settings());
        out
    }
}

/// The sweep form's settings, in its order: the sweep's own (`seeds`, `parallel`, `workers`) and the
/// single-run settings it offers, taken from the one table (a sweep trains no Q&A).
pub fn sweep_settings_table() -> Vec<Setting> {
    let table = settings_table();
    let pick = |name: &str| table.iter().find(|s| s.name == name).cloned().expect("a setting of the table");
    let mut dataset = pick("dataset");
    dataset.choices.retain(|&(value, _)| value != DatasetKind::Qa.name());
    vec![
        Setting {
            name: "seeds",
            label: "Seeds",
            help: "each combination trains once per seed, e.g. 1,2,3; a cell shows mean ± population std".into(),
            input: "list",
            choices: Vec::new(),
        },
        pick("epochs"),
        pick("bn"),
        dataset,
        pick("backend"),
        Setting {
            name: "parallel",
            label: "At once (models)",
            help: format!(
                "WebGPU: at most this many models trained together (fewer if the device's memory says so); between 1 and \
                 {MAX_PARALLEL}. The CPU trains one model at a time in each worker"
            ),
            input: "integer",
            choices: Vec::new(),
        },
        Setting {
            name: "workers",
            label: "Workers (CPU)",
            help: format!(
                "CPU: how many workers train runs side by side, each on its own core: auto (one per core, fewer if \
                 memory is short) or 1 to {MAX_WORKERS}. WebGPU trains in the page's one engine worker"
            ),
            input: "text",
            choices: Vec::new(),
        },
    ]
}

impl Default for SweepSpec {
    /// The article's table: all 64 combinations, three seeds, its training setup.
    fn default() -> Self {
        SweepSpec {
            base: Config::default(),
            combinations: all_combinations(),
            seeds: vec![1, 2, 3],
            parallel: 64,
            workers: Workers::Auto,
        }
    }
}

/// What a device allows: the largest single buffer and the memory a group may use in all.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemoryLimits {
    /// The largest tensor (WebGPU: min(maxStorageBufferBindingSize, maxBufferSize)).
    pub max_buffer_bytes: u64,
    /// Everything a group keeps on the device at once.
    pub total_bytes: u64,
}

impl MemoryLimits {
    /// WebGPU's guaranteed defaults: 128 MiB per storage binding, 256 MiB per buffer.
    pub const WEBGPU_DEFAULT: MemoryLimits = MemoryLimits::from_buffer_limit(128 << 20);
    /// The CPU: no binding limit; a group stays within a few GiB.
    pub const CPU: MemoryLimits = MemoryLimits { max_buffer_bytes: 1 << 31, total_bytes: 4 << 30 };

    /// From an adapter's buffer limit; the whole group may use eight such buffers' worth.
    pub const fn from_buffer_limit(max_buffer_bytes: u64) -> MemoryLimits {
        MemoryLimits { max_buffer_bytes, total_bytes: max_buffer_bytes.saturating_mul(8) }
    }
}

/// Bytes one model of a group needs (f32 everywhere).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Footprint {
    /// Its share of the largest stacked tensor (the first layer's weights, or an evaluation
    /// chunk's widest activations).
    pub largest_tensor: u64,
    /// Its share of everything the group keeps at once.
    pub total: u64,
}

/// The footprint of one model with these layer sizes (see `model::layer_sizes`).
pub fn footprint(sizes: &[usize], batch: usize, eval_chunk: usize) -> Footprint {
    let f = 4u64;
    let pairs = sizes.windows(2).map(|p| (p[0] as u64, p[1] as u64));
    let params: u64 = pairs.clone().map(|(i, o)| i * o + o * 5).sum();
    let widest_weight = pairs.clone().map(|(i, o)| i * o).max().unwrap_or(0);
    let widths: u64 = sizes[1..].iter().map(|&w| w as u64).sum();
    let widest = sizes[1..].iter().copied().max().unwrap_or(0) as u64;
    // Parameters, gradients, momentum and the updated copy; ~12 saved activations per unit of
    // the training batch (pre/post, BatchNorm, per-activation candidates); evaluation's chunk.
    let total = f * (4 * params + 12 * batch as u64 * widths + 3 * eval_chunk as u64 * widest);
    let largest_tensor = f * widest_weight.max(eval_chunk as u64 * widest).max(batch as u64 * widest);
    Footprint { largest_tensor, total }
}

/// How many models fit in one group (at least one: a weak device degrades, never fails).
pub fn max_group_size(footprint: Footprint, limits: MemoryLimits) -> usize {
    let by_buffer = limits.max_buffer_bytes / footprint.largest_tensor.max(1);
    let by_total = limits.total_bytes / footprint.total.max(1);
    by_buffer.min(by_total).clamp(1, usize::MAX as u64) as usize
}

/// The evaluation chunk for `group` models: at most `preferred` test images, such that the
/// widest stacked activation `[group, chunk, widest]` stays within one buffer.
pub fn eval_chunk(sizes: &[usize], group: usize, preferred: usize, limits: MemoryLimits) -> usize {
    let widest = sizes[1..].iter().copied().max().unwrap_or(1).max(1) as u64;
    let fits = limits.max_buffer_bytes / (4 * widest * group.max(1) as u64);
    (fits as usize).clamp(1, preferred.max(1))
}

/// Splits models (given by their seed index, seed-major order) into groups of at most `max`
/// models. Whole seeds are packed together when they fit, so each group is a rectangle of
/// seeds × combinations that shares input batches by broadcasting; otherwise each seed is cut
/// into balanced pieces. Returns index ranges into the model list.
pub fn split_groups(seed_of_model: &[usize], max: usize) -> Vec<std::ops::Range<usize>> {
    let max = max.max(1);
    // Runs of equal seeds (the models are seed-major).
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, &s) in seed_of_model.iter().enumerate() {
        match runs.last_mut() {
            Some(run) if seed_of_model[run.start] == s => run.end = i + 1,
            _ => runs.push(i..i + 1),
        }
    }
    let mut groups = Vec::new();
    let mut current: Option<std::ops::Range<usize>> = None;
    for run in runs {
        let len = run.len();
        if len > max {
            if let Some(g) = current.take() {
                groups.push(g);
            }
            let pieces = len.div_ceil(max);
            let (base, extra) = (len / pieces, len % pieces);
            let mut start = run.start;
            for p in 0..pieces {
                let size = base + usize::from(p < extra);
                groups.push(start..start + size);
                start += size;
            }
            continue;
        }
        current = match current.take() {
            Some(g) if g.len() + len <= max => Some(g.start..run.end),
            Some(g) => {
                groups.push(g);
                Some(run)
            }
            None => Some(run),
        };
    }
    groups.extend(current);
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_are_in_table_order() {
        let all = all_combinations();
        assert_eq!(all.len(), 64);
        assert_eq!(all[0], [Activation::Relu; 3]);
        assert_eq!(all[1], [Activation::Relu, Activation::Relu, Activation::Sigmoid]);
        assert_eq!(all[4], [Activation::Relu, Activation::Sigmoid, Activation::Relu]);
        assert_eq!(all[63], [Activation::Selu; 3]);
        assert_eq!(combinations_of_depth(4).len(), 256);
        assert_eq!(combinations_of_depth(1).len(), 4);
    }

    #[test]
    fn combinations_parse_and_describe_round_trip() {
        let parse = |text: &str| parse_combinations(text, 3);
        assert_eq!(parse("all").unwrap().len(), 64);
        let row = parse("row:relu,sigmoid").unwrap();
        assert_eq!(row.len(), 4);
        assert!(row.iter().all(|c| c[0] == Activation::Relu && c[1] == Activation::Sigmoid));
        let column = parse("Column:Tanh").unwrap();
        assert_eq!(column.len(), 16);
        let set = parse("tanh-tanh-tanh, relu-sigmoid-relu").unwrap();
        assert_eq!(set, vec![vec![Activation::Relu, Activation::Sigmoid, Activation::Relu], vec![Activation::Tanh; 3]]);
        for combos in [all_combinations(), row, column, set] {
            assert_eq!(parse(&describe_combinations(&combos)).unwrap(), combos);
        }
        assert!(parse("row:relu,gelu").is_err());
        assert_eq!(parse("row:relu").unwrap()[0].len(), 2, "a row of one activation is a 2-layer row");
        assert!(parse("relu-gelu-relu").unwrap_err().contains("gelu"));
        assert!(parse("").is_err());
    }

    #[test]
    fn combinations_follow_the_depth_and_big_grids_are_refused() {
        assert_eq!(parse_combinations("all", 4).unwrap().len(), 256);
        let err = parse_combinations("all", 5).unwrap_err();
        assert!(err.contains("1024 combinations") && err.contains("256"), "{err}");
        assert_eq!(parse_combinations("column:relu", 5).unwrap().len(), 256);
        assert!(parse_combinations("column:relu", 6).is_err());
        let row = parse_combinations("row:sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid", 3).unwrap();
        assert_eq!((row.len(), row[0].len()), (4, 8), "a row names its own depth");
        assert_eq!(parse_combinations(&describe_combinations(&row), 8).unwrap(), row);
        let mut deep = SweepSpec::default();
        deep.apply_setting("combos", "relu-relu-relu").unwrap();
        deep.apply_setting("widths", "8,8,8").unwrap();
        assert!(deep.validate().unwrap_err().contains("the network has 4 layers"));
        // The depth comes from the base configuration, whatever order the settings come in.
        let mut spec = SweepSpec::default();
        spec.apply_setting("combos", "column:relu").unwrap();
        spec.apply_setting("acts", "relu,relu,relu,relu").unwrap();
        assert_eq!((spec.combinations.len(), spec.combinations[0].len()), (64, 4));
        assert_eq!(spec.base.widths, [500, 256, 256]);
        spec.apply_setting("widths", "64,64,64").unwrap();
        assert!(spec.validate().is_ok());
        assert!(spec.apply_setting("acts", "relu,relu,relu,relu,relu,relu").unwrap_err().contains("more than the 256"));
        assert!(spec.members().iter().all(|c| c.widths == [64, 64, 64] && c.validate().is_ok()));
    }

    #[test]
    fn sweep_settings_round_trip_with_one_name_each() {
        let base = Config { epochs: 2, batch_norm: crate::config::BatchNormMode::All, ..Config::default() };
        let spec = SweepSpec {
            base,
            combinations: parse_combinations("column:selu", 3).unwrap(),
            seeds: vec![4, 5],
            parallel: 8,
            workers: Workers::Count(3),
        };
        let mut back = SweepSpec::default();
        for (k, v) in spec.settings() {
            back.apply_setting(k, &v).unwrap();
        }
        assert_eq!(back, spec);
        assert!(back.apply_setting("seeds", "1,x").unwrap_err().contains("\"x\""));
        assert!(back.apply_setting("bogus", "1").is_err());
    }

    #[test]
    fn workers_are_auto_or_a_count_and_the_gpu_trains_in_one() {
        assert_eq!(Workers::parse(" Auto "), Ok(Workers::Auto));
        assert_eq!(Workers::parse("2"), Ok(Workers::Count(2)));
        assert_eq!(Workers::parse("64"), Ok(Workers::Count(64)));
        for bad in ["0", "65", "-1", "two", ""] {
            let err = Workers::parse(bad).unwrap_err();
            assert!(err.starts_with("workers: auto or a whole number between 1 and 64"), "{err}");
        }
        let mut spec = SweepSpec::default();
        spec.apply_setting("backend", "cpu").unwrap();
        spec.apply_setting("workers", "3").unwrap();
        assert_eq!(spec.settings().iter().find(|(k, _)| *k == "workers").unwrap().1, "3");
        spec.validate().unwrap();
        spec.apply_setting("backend", "gpu").unwrap();
        assert!(spec.validate().unwrap_err().starts_with("workers: WebGPU trains every model"));
        spec.apply_setting("workers", "1").unwrap();
        spec.validate().unwrap();
        spec.apply_setting("workers", "auto").unwrap();
        spec.validate().unwrap();
        assert!(SweepSpec { workers: Workers::Count(65), ..SweepSpec::default() }.validate().is_err());
    }

    #[test]
    fn groups_pack_whole_seeds_and_split_big_ones_evenly() {
        let seeds: Vec<usize> = (0..3).flat_map(|s| std::iter::repeat_n(s, 64)).collect();
        assert_eq!(split_groups(&seeds, 256), vec![0..192]);
        assert_eq!(split_groups(&seeds, 128), vec![0..128, 128..192]);
        assert_eq!(split_groups(&seeds, 64), vec![0..64, 64..128, 128..192]);
        assert_eq!(split_groups(&seeds, 48), vec![0..32, 32..64, 64..96, 96..128, 128..160, 160..192]);
        assert_eq!(split_groups(&seeds, 1).len(), 192);
        assert_eq!(split_groups(&seeds, 0).len(), 192, "zero degrades to one model per group");
        assert_eq!(split_groups(&[0, 0, 1], 2), vec![0..2, 2..3]);
        assert!(split_groups(&[], 4).is_empty());
    }

    #[test]
    fn group_size_follows_the_adapter_limits() {
        let sizes = [784, 500, 256, 10];
        let fp = footprint(&sizes, 32, 1000);
        // The first layer dominates: 784 × 500 × 4 bytes = 1.568 MB per model.
        assert_eq!(fp.largest_tensor, 2_000_000);
        let webgpu = max_group_size(fp, MemoryLimits::WEBGPU_DEFAULT);
        assert_eq!(webgpu, (128u64 << 20) as usize / 2_000_000);
        // SwiftShader's 1 GiB buffers allow more; a tiny device still gets groups of one.
        assert!(max_group_size(fp, MemoryLimits::from_buffer_limit(1 << 30)) > webgpu);
        assert_eq!(max_group_size(fp, MemoryLimits::from_buffer_limit(1 << 20)), 1);
        let chunk = eval_chunk(&sizes, 64, 1000, MemoryLimits::WEBGPU_DEFAULT);
        assert!(64 * chunk as u64 * 500 * 4 <= 128 << 20 && chunk <= 1000);
        assert_eq!(eval_chunk(&sizes, 64, 1000, MemoryLimits::from_buffer_limit(16)), 1);
    }

    #[test]
    fn the_form_offers_what_a_sweep_accepts() {
        let table = sweep_settings_table();
        let names: Vec<&str> = table.iter().map(|s| s.name).collect();
        assert_eq!(names, ["seeds", "epochs", "bn", "dataset", "backend", "parallel", "workers"]);
        let dataset = table.iter().find(|s| s.name == "dataset").unwrap();
        assert!(dataset.choices.iter().all(|&(v, _)| v != "qa"), "a sweep trains no Q&A");
        // Every setting the form shows is one a sweep's query takes, under that name.
        let mut spec = SweepSpec::default();
        for (name, value) in spec.settings() {
            if names.contains(&name) {
                spec.apply_setting(name, &value).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
        assert!(names.iter().all(|n| spec.settings().iter().any(|(k, _)| k == n)));
        spec.validate().unwrap();
    }
}
