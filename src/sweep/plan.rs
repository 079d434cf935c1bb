//! What a sweep trains: its combinations, seeds and base settings (how its models split into
//! groups that fit the device is `memory`'s).

use super::key::run_key;
use super::record::RunRecord;
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
/// `auto` (one per core, fewer where memory is short: `pool::pool_size`) or a number.
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

    /// The name of the sweep's exports without its extension, in the trainer's scheme but shorter
    /// (what was swept, then the settings a table depends on most):
    /// `activation-playground_sweep_row-relu-sigmoid_mnist-subset_bn-none_epochs-1_seeds-1-2`.
    /// A long list of combinations is named by its count.
    pub fn file_stem(&self) -> String {
        let settings = self.settings();
        let text = |key: &str| {
            let value = settings.iter().find(|(k, _)| *k == key).map_or("", |(_, v)| v.as_str());
            value.replace([':', ','], "-")
        };
        let combos = match text("combos") {
            c if c.len() > 40 => format!("{}-combinations", self.combinations.len()),
            c => c,
        };
        format!(
            "activation-playground_sweep_{combos}_{}_bn-{}_epochs-{}_seeds-{}",
            text("dataset"),
            text("bn"),
            text("epochs"),
            text("seeds")
        )
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
    fn exports_are_named_by_what_was_swept() {
        let mut spec = SweepSpec::default();
        for (key, value) in [("combos", "row:relu,sigmoid"), ("seeds", "1,2"), ("epochs", "1"), ("bn", "none")] {
            spec.apply_setting(key, value).unwrap();
        }
        spec.base.dataset = crate::config::DatasetKind::MnistSubset;
        assert_eq!(
            spec.file_stem(),
            "activation-playground_sweep_row-relu-sigmoid_mnist-subset_bn-none_epochs-1_seeds-1-2"
        );
        spec.apply_setting("combos", "relu-relu-relu,tanh-tanh-tanh,selu-selu-selu").unwrap();
        assert!(spec.file_stem().starts_with("activation-playground_sweep_3-combinations_mnist-subset_"));
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
