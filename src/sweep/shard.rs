//! A sweep cut into disjoint shards, each trained by its own process or machine (`train sweep
//! --shard I/N`), and the shards' CSVs joined back (`train sweep merge`).
//!
//! Shard I of N trains the members (in [`SweepSpec::members`] order) whose index is I − 1 modulo
//! N: every shard gets a mix of seeds and combinations, so the shards take about as long. A
//! shard's file is an ordinary sweep CSV: the runs' own settings say which sweep they belong to,
//! and the sweep's combinations and seeds (given to the merge) say which runs it expects, so no
//! record of the cut is needed.

use super::key::run_key;
use super::plan::{SweepSpec, parse_combinations, parse_seeds};
use super::record::RunRecord;
use crate::config::Config;
use std::collections::{HashMap, HashSet};

/// The environment variables `--shard auto/N` reads the shard from: a Slurm job array's task id
/// (as is: submit the array as `--array=1-N`) and a Kubernetes Indexed Job's 0-based index.
pub const SLURM_INDEX: &str = "SLURM_ARRAY_TASK_ID";
pub const KUBERNETES_INDEX: &str = "JOB_COMPLETION_INDEX";

/// Shard `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The whole sweep.
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Parses `I/N` (1 ≤ I ≤ N), or `auto/N`, which takes I from [`SLURM_INDEX`] or, plus one,
    /// from [`KUBERNETES_INDEX`] (`env` reads a variable).
    pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let expected = || format!("--shard: expected I/N with 1 ≤ I ≤ N (or auto/N), got {text:?}");
        let (index, count) = text.split_once('/').ok_or_else(expected)?;
        let count: usize = count.trim().parse().map_err(|_| expected())?;
        let (index, from) = if index.trim() == "auto" {
            let read = |name: &str, offset: usize| {
                env(name).map(|v| match v.trim().parse::<usize>() {
                    Ok(i) => Ok((i + offset, format!(" ({name}={v})"))),
                    Err(_) => Err(format!("--shard auto/{count}: {name}={v:?} is not a whole number")),
                })
            };
            read(SLURM_INDEX, 0).or_else(|| read(KUBERNETES_INDEX, 1)).unwrap_or_else(|| {
                Err(format!(
                    "--shard auto/{count} takes the shard from {SLURM_INDEX} (a Slurm job array, submitted with \
                     --array=1-{count}) or {KUBERNETES_INDEX} (a Kubernetes Indexed Job), and neither is set: \
                     give --shard I/{count}"
                ))
            })?
        } else {
            (index.trim().parse().map_err(|_| expected())?, String::new())
        };
        if index == 0 || index > count {
            return Err(format!("--shard: expected I/N with 1 ≤ I ≤ N, got {index}/{count}{from}"));
        }
        Ok(Shard { index, count })
    }

    /// Whether the sweep's member number `member` (0-based, in `SweepSpec::members` order) is ours.
    pub fn contains(&self, member: usize) -> bool {
        member % self.count == self.index - 1
    }

    /// This shard's members, in the sweep's order.
    pub fn members(&self, spec: &SweepSpec) -> Vec<Config> {
        self.pick(spec.members())
    }

    /// This shard's items of a list (those whose index is ours), in its order: of a sweep's
    /// members, or of the runs a page sweep has left (`Sweep::keep_shard`).
    pub fn pick<T>(&self, items: impl IntoIterator<Item = T>) -> Vec<T> {
        items.into_iter().enumerate().filter(|(i, _)| self.contains(*i)).map(|(_, item)| item).collect()
    }

    /// [`SweepSpec::remaining`] within this shard: its members not among `done`, and the records
    /// of `done` that belong to it. A run of another shard is an error (a file given to the wrong
    /// `--shard`), as is one of another sweep.
    pub fn remaining(&self, spec: &SweepSpec, done: &[RunRecord]) -> Result<(Vec<Config>, Vec<RunRecord>), String> {
        let mine: HashSet<String> = self.members(spec).iter().map(run_key).collect();
        let (mut left, kept) = spec.remaining(done)?;
        if let Some(other) = kept.iter().find(|r| !mine.contains(&run_key(&r.config))) {
            return Err(format!(
                "{} seed {} belongs to another shard than {}/{}: check --shard",
                other.config.label(),
                other.config.seed,
                self.index,
                self.count
            ));
        }
        left.retain(|c| mine.contains(&run_key(c)));
        Ok((left, kept))
    }
}

/// Joins the runs of a sharded sweep's files, given as (file name, its records), into one sweep:
/// every run must have the same settings but its combination and seed, and be there once; and
/// every run of `combos` × `seeds` (the sweep's `--combos` and `--seeds`; `None`: the seeds found,
/// in increasing order) must be there, and no other. Returns the sweep and its records in its order.
pub fn merge(
    files: &[(String, Vec<RunRecord>)],
    combos: &str,
    seeds: Option<&str>,
) -> Result<(SweepSpec, Vec<RunRecord>), String> {
    let (first_file, first) = files
        .iter()
        .find_map(|(name, records)| records.first().map(|r| (name, &r.config)))
        .ok_or("the shards hold no runs")?;
    // Everything but the combination and the seed (the widths give the depth).
    let shared = |c: &Config| -> Vec<(&'static str, String)> {
        c.all_settings().into_iter().filter(|(key, _)| !matches!(*key, "acts" | "seed")).collect()
    };
    let reference = shared(first);
    let mut seen: HashMap<String, &str> = HashMap::new();
    let mut records = Vec::new();
    for (i, (name, runs)) in files.iter().enumerate() {
        if files[..i].iter().any(|(other, _)| other == name) {
            return Err(format!("{name} is given twice"));
        }
        for r in runs {
            let differ: Vec<String> = shared(&r.config)
                .into_iter()
                .zip(&reference)
                .filter(|(mine, first)| mine != *first)
                .map(|((key, mine), (_, first))| format!("{key} {mine} (not {first})"))
                .collect();
            if !differ.is_empty() {
                return Err(format!("{name}: a run of another sweep than {first_file}'s: {}", differ.join(", ")));
            }
            if let Some(other) = seen.insert(run_key(&r.config), name) {
                return Err(format!(
                    "{} seed {} is in {other} and in {name}: the shards overlap (merge each --shard I/N once)",
                    r.config.label(),
                    r.config.seed
                ));
            }
            records.push(r.clone());
        }
    }
    let depth = first.acts.len();
    let seeds = match seeds {
        Some(text) => parse_seeds(text)?,
        None => {
            let mut found: Vec<u64> = records.iter().map(|r| r.config.seed).collect();
            found.sort();
            found.dedup();
            found
        }
    };
    let spec = SweepSpec {
        base: first.clone(),
        combinations: parse_combinations(combos, depth)?,
        seeds,
        ..SweepSpec::default()
    };
    spec.validate()?;
    let members = spec.members();
    let expected: HashSet<String> = members.iter().map(run_key).collect();
    let names = |configs: Vec<&Config>| {
        let shown: Vec<String> = configs.iter().take(8).map(|c| format!("{} seed {}", c.label(), c.seed)).collect();
        let more = configs.len().saturating_sub(shown.len());
        if more > 0 { format!("{}, and {more} more", shown.join(", ")) } else { shown.join(", ") }
    };
    let extra: Vec<&Config> = records.iter().map(|r| &r.config).filter(|c| !expected.contains(&run_key(c))).collect();
    if !extra.is_empty() {
        return Err(format!(
            "{} run(s) outside --combos {combos} × --seeds {}: {}; pass the sweep's --combos and --seeds",
            extra.len(),
            spec.seeds.iter().map(u64::to_string).collect::<Vec<_>>().join(","),
            names(extra)
        ));
    }
    let missing: Vec<&Config> = members.iter().filter(|c| !seen.contains_key(&run_key(c))).collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} run(s) missing: {}; merge every shard's file, or pass the sweep's --combos and --seeds if it \
             trained fewer",
            missing.len(),
            names(missing)
        ));
    }
    spec.sort_records(&mut records);
    Ok((spec, records))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::RunState;

    fn env<'a>(vars: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn shards_parse_from_the_flag_or_the_environment() {
        let none = env(&[]);
        assert_eq!(Shard::parse("2/3", &none), Ok(Shard { index: 2, count: 3 }));
        for bad in ["4/3", "0/3", "1/0"] {
            let err = Shard::parse(bad, &none).unwrap_err();
            assert!(err.contains("1 ≤ I ≤ N") && err.contains(bad), "{err}");
        }
        assert!(Shard::parse("2", &none).unwrap_err().contains("expected I/N"));
        assert!(Shard::parse("x/3", &none).unwrap_err().contains("expected I/N"));
        let err = Shard::parse("auto/3", &none).unwrap_err();
        assert!(err.contains(SLURM_INDEX) && err.contains(KUBERNETES_INDEX) && err.contains("neither"), "{err}");
        // Slurm's task id as is (an array submitted as --array=1-N); Kubernetes' index is 0-based.
        assert_eq!(Shard::parse("auto/3", env(&[(SLURM_INDEX, "3")])), Ok(Shard { index: 3, count: 3 }));
        assert_eq!(Shard::parse("auto/3", env(&[(KUBERNETES_INDEX, "0")])), Ok(Shard { index: 1, count: 3 }));
        let err = Shard::parse("auto/3", env(&[(SLURM_INDEX, "0")])).unwrap_err();
        assert!(err.contains("got 0/3") && err.contains("SLURM_ARRAY_TASK_ID=0"), "{err}");
        assert!(Shard::parse("auto/3", env(&[(KUBERNETES_INDEX, "3")])).unwrap_err().contains("got 4/3"));
        assert!(Shard::parse("auto/3", env(&[(SLURM_INDEX, "one")])).unwrap_err().contains("not a whole number"));
    }

    #[test]
    fn shards_are_disjoint_and_cover_the_sweep() {
        let spec = SweepSpec { seeds: vec![1, 2], ..SweepSpec::default() };
        let keys = |configs: &[Config]| configs.iter().map(run_key).collect::<Vec<_>>();
        let shards: Vec<Vec<String>> = (1..=3).map(|index| keys(&Shard { index, count: 3 }.members(&spec))).collect();
        assert_eq!(shards.iter().map(Vec::len).collect::<Vec<_>>(), [43, 43, 42]);
        let mut joined = shards.concat();
        joined.sort();
        let mut all = keys(&spec.members());
        all.sort();
        assert_eq!(joined, all, "every run in exactly one shard");
        assert_eq!(Shard::WHOLE.members(&spec), spec.members());
    }

    #[test]
    fn a_shard_resumes_its_own_runs_and_refuses_another_shards() {
        let spec = SweepSpec { seeds: vec![1], ..SweepSpec::default() };
        let (first, second) = (Shard { index: 1, count: 2 }, Shard { index: 2, count: 2 });
        let done: Vec<RunRecord> = first.members(&spec)[..5].iter().cloned().map(record).collect();
        let (left, kept) = first.remaining(&spec, &done).unwrap();
        assert_eq!((left.len(), kept), (27, done.clone()));
        assert_eq!(left, first.members(&spec)[5..]);
        let err = second.remaining(&spec, &done).unwrap_err();
        assert_eq!(err, "relu-relu-relu seed 1 belongs to another shard than 2/2: check --shard");
    }

    fn record(config: Config) -> RunRecord {
        RunRecord { config, state: RunState::Finished, test_accuracy: Some(0.5), test_loss: Some(1.0), seconds: 1.0 }
    }

    #[test]
    fn a_merge_joins_one_sweeps_shards_in_its_order_and_names_what_is_wrong() {
        let spec = SweepSpec {
            combinations: parse_combinations("row:relu,sigmoid", 3).unwrap(),
            seeds: vec![1, 2],
            ..SweepSpec::default()
        };
        let shard = |index| {
            (
                format!("shard-{index}.csv"),
                Shard { index, count: 2 }.members(&spec).into_iter().map(record).collect::<Vec<_>>(),
            )
        };
        let files = vec![shard(2), shard(1)];
        let (merged_spec, merged) = merge(&files, "row:relu,sigmoid", None).unwrap();
        assert_eq!(merged_spec.members(), spec.members());
        assert_eq!(merged.iter().map(|r| r.config.clone()).collect::<Vec<_>>(), spec.members(), "the sweep's order");
        // All 64 combinations are expected unless told.
        assert!(merge(&files, "all", None).unwrap_err().starts_with("120 run(s) missing"));
        let err = merge(&files[..1], "row:relu,sigmoid", None).unwrap_err();
        assert!(err.starts_with("4 run(s) missing: relu-sigmoid-relu seed 1, relu-sigmoid-tanh seed 1,"), "{err}");
        assert!(merge(&files, "row:relu,sigmoid", Some("1")).unwrap_err().contains("outside"));
        let twice = vec![shard(1), shard(2), ("copy.csv".into(), files[1].1[..1].to_vec())];
        let err = merge(&twice, "row:relu,sigmoid", None).unwrap_err();
        assert_eq!(
            err,
            "relu-sigmoid-relu seed 1 is in shard-1.csv and in copy.csv: the shards overlap (merge each --shard I/N once)"
        );
        let mut other = shard(1);
        other.1[1].config.lr = 0.02;
        let err = merge(&[shard(2), other], "row:relu,sigmoid", None).unwrap_err();
        assert_eq!(err, "shard-1.csv: a run of another sweep than shard-2.csv's: lr 0.02 (not 0.01)");
        assert!(merge(&[shard(1), shard(1)], "all", None).unwrap_err().contains("given twice"));
        assert_eq!(merge(&[], "all", None).unwrap_err(), "the shards hold no runs");
    }
}
