//! A sweep's results: one record per run, aggregated per combination (mean ± population std,
//! as the article reports), the article's 16 × 4 table, and CSV / JSON that parse back.

use super::record::RunRecord;
use crate::config::{Activation, Config};
use crate::format;
use crate::train::RunState;
use serde::{Deserialize, Serialize};

/// Mean and population standard deviation (divide by n, as the article does); NaN if empty.
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// One combination's runs, aggregated.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cell {
    pub acts: Vec<Activation>,
    /// Row (the activations before the output's, read as a base-4 number: activation 1 × 4 +
    /// activation 2 for the article's three layers) and column (the output's activation).
    pub row: usize,
    pub column: usize,
    /// Seed and final test accuracy of each finished run.
    pub runs: Vec<(u64, f32)>,
    /// Seeds of runs that diverged (left out of the mean).
    pub diverged: Vec<u64>,
    pub mean: Option<f64>,
    pub std: Option<f64>,
}

fn index_of(a: Activation) -> usize {
    Activation::ALL.iter().position(|&x| x == a).expect("a known activation")
}

/// A combination's (row, column) in the table: the activations before the output's read as a
/// base-4 number, and the output's activation.
pub fn table_position(acts: &[Activation]) -> (usize, usize) {
    let (last, before) = acts.split_last().expect("a network has a layer");
    (before.iter().fold(0, |row, &a| row * 4 + index_of(a)), index_of(*last))
}

/// Aggregates records per combination, in table order; combinations without records are left out.
pub fn summarize(records: &[RunRecord]) -> Vec<Cell> {
    let mut combos: Vec<Vec<Activation>> = records.iter().map(|r| r.config.acts.clone()).collect();
    combos.sort_by_key(|c| (c.len(), c.iter().map(|&a| index_of(a)).collect::<Vec<_>>()));
    combos.dedup();
    let mut cells: Vec<Cell> = Vec::new();
    for combo in combos {
        let mine: Vec<&RunRecord> = records.iter().filter(|r| r.config.acts == combo).collect();
        if mine.is_empty() {
            continue;
        }
        let mut runs: Vec<(u64, f32)> =
            mine.iter().filter_map(|r| r.test_accuracy.map(|a| (r.config.seed, a))).collect();
        runs.sort_by_key(|r| r.0);
        let mut diverged: Vec<u64> = mine.iter().filter(|r| r.test_accuracy.is_none()).map(|r| r.config.seed).collect();
        diverged.sort();
        let values: Vec<f64> = runs.iter().map(|r| r.1 as f64).collect();
        let (mean, std) = mean_std(&values);
        let (row, column) = table_position(&combo);
        cells.push(Cell {
            row,
            column,
            acts: combo,
            runs,
            diverged,
            mean: (!values.is_empty()).then_some(mean),
            std: (!values.is_empty()).then_some(std),
        });
    }
    cells
}

/// A cell's text: `97.81 ± 0.12` (percent), with the number of diverged runs if any.
pub fn cell_text(cell: &Cell) -> String {
    cell_text_in(cell, "", true)
}

/// The page's cell text, in percent like its tip: `97.81 ± 0.12%`, and `97.81%` for a single
/// run (one seed has no spread to show), with the number of diverged runs if any.
pub fn live_cell_text(cell: &Cell) -> String {
    cell_text_in(cell, "%", cell.runs.len() > 1)
}

fn cell_text_in(cell: &Cell, unit: &str, spread: bool) -> String {
    let main = match (cell.mean, cell.std) {
        (Some(m), Some(s)) if spread => {
            format!("{} ± {}{unit}", format::percent_number(m, 2), format::percent_number(s, 2))
        }
        (Some(m), _) => format!("{}{unit}", format::percent_number(m, 2)),
        _ => "—".to_string(),
    };
    if cell.diverged.is_empty() { main } else { format!("{main} ({} diverged)", cell.diverged.len()) }
}

/// The article's layout: 16 rows of (activation 1, activation 2) × 4 columns of activation 3,
/// test accuracy in percent, mean ± population std over the seeds. A deeper network's rows are
/// its activations before the output's; only the rows with results are listed then.
pub fn markdown_table(cells: &[Cell]) -> String {
    let names = Activation::ARTICLE.map(Activation::name);
    let depth = cells.first().map_or(3, |c| c.acts.len());
    let mut out = format!("| act1-act2 \\ act3 | {} |\n|---|---|---|---|---|\n", names.join(" | "));
    if depth != 3 {
        out = format!("| act1…act{} \\ act{depth} | {} |\n|---|---|---|---|---|\n", depth - 1, names.join(" | "));
    }
    let mut rows: Vec<usize> = if depth == 3 { (0..16).collect() } else { cells.iter().map(|c| c.row).collect() };
    rows.dedup();
    for row in rows {
        let label = cells.iter().find(|c| c.row == row).map_or_else(
            || format!("{}-{}", names[row / 4], names[row % 4]),
            |c| c.acts[..depth - 1].iter().map(|a| a.name()).collect::<Vec<_>>().join("-"),
        );
        let texts: Vec<String> = (0..4)
            .map(|column| {
                cells.iter().find(|c| c.row == row && c.column == column).map(cell_text).unwrap_or_else(|| " ".into())
            })
            .collect();
        out.push_str(&format!("| {label} | {} |\n", texts.join(" | ")));
    }
    out
}

const CSV_HEADER: &str =
    "act1,act2,act3,bn,seed,dataset,epochs,lr,momentum,batch,backend,state,test_accuracy,test_loss,seconds";

/// The network's shape and initialisation, after the results (widths space-separated: the
/// CSV's own separator is the comma). Files written before these columns read as the defaults.
const NETWORK_COLUMNS: &str = "widths,init,gain";

/// The header for networks of `depth` layers: `act1,…,actN` then the other settings, with or
/// without the network columns.
fn csv_header_of(depth: usize, network: bool) -> String {
    let acts: Vec<String> = (1..=depth).map(|i| format!("act{i}")).collect();
    let header = CSV_HEADER.replacen("act1,act2,act3", &acts.join(","), 1);
    if network { format!("{header},{NETWORK_COLUMNS}") } else { header }
}

fn csv_header(depth: usize) -> String {
    csv_header_of(depth, true)
}

/// One row per run; the column names are the settings' names (acts split in one column per
/// layer, widths separated by spaces).
pub fn to_csv(records: &[RunRecord]) -> String {
    let depth = records.first().map_or(3, |r| r.config.acts.len());
    let mut out = format!("{}\n", csv_header(depth));
    let opt = |v: Option<f32>| v.map(|v| v.to_string()).unwrap_or_default();
    for r in records {
        let c = &r.config;
        let state = match r.state {
            RunState::Running => "running",
            RunState::Finished => "finished",
            RunState::Diverged => "diverged",
        };
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{state},{},{},{},{},{},{}\n",
            c.acts.iter().map(|a| a.name()).collect::<Vec<_>>().join(","),
            c.batch_norm.name(),
            c.seed,
            c.dataset.name(),
            c.epochs,
            c.lr,
            c.momentum,
            c.batch_size,
            c.backend.name(),
            opt(r.test_accuracy),
            opt(r.test_loss),
            r.seconds,
            c.widths.iter().map(|w| w.to_string()).collect::<Vec<_>>().join(" "),
            c.init.name(),
            c.gain
        ));
    }
    out
}

/// Parses [`to_csv`]'s output back (settings through `Config::apply_setting`, so the same rules;
/// sweeps take no statistics, so `stats` is 0).
pub fn from_csv(text: &str) -> Result<Vec<RunRecord>, String> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().unwrap_or_default().trim();
    let depth = header.split(',').take_while(|f| f.starts_with("act")).count();
    let network = header == csv_header_of(depth, true);
    if depth == 0 || !network && header != csv_header_of(depth, false) {
        return Err(format!(
            "not a sweep CSV: the first line must be {CSV_HEADER},{NETWORK_COLUMNS} (one act column per layer)"
        ));
    }
    let columns = 12 + depth + if network { 3 } else { 0 };
    lines
        .enumerate()
        .map(|(i, line)| {
            let at = |m: String| format!("line {}: {m}", i + 2);
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if fields.len() != columns {
                return Err(at(format!("{columns} fields expected, got {}", fields.len())));
            }
            // The activations, then the same columns whatever the depth (at the article's indices).
            let acts = fields[..depth].join(",");
            let f: Vec<&str> = [&["", "", ""][..], &fields[depth..]].concat();
            let mut config = Config { stats_every: 0, ..Config::default() };
            // After the activations (which set the depth): the widths, initialisation and gain.
            let shape: Vec<(&str, String)> = if network {
                vec![("widths", f[15].replace(' ', ",")), ("init", f[16].into()), ("gain", f[17].into())]
            } else {
                Vec::new()
            };
            let settings = [
                ("acts", acts),
                ("bn", f[3].into()),
                ("seed", f[4].into()),
                ("dataset", f[5].into()),
                ("epochs", f[6].into()),
                ("lr", f[7].into()),
                ("momentum", f[8].into()),
                ("batch", f[9].into()),
                ("backend", f[10].into()),
            ];
            for (key, value) in settings.into_iter().chain(shape) {
                config.apply_setting(key, &value).map_err(|e| at(e.to_string()))?;
            }
            config.validate().map_err(|e| at(crate::config::describe_errors(&e)))?;
            let state = match f[11] {
                "finished" => RunState::Finished,
                "diverged" => RunState::Diverged,
                "running" => RunState::Running,
                other => return Err(at(format!("unknown state {other:?}"))),
            };
            let number = |s: &str, name: &str| -> Result<Option<f32>, String> {
                if s.is_empty() {
                    Ok(None)
                } else {
                    s.parse().map(Some).map_err(|_| at(format!("{name}: {s:?} is not a number")))
                }
            };
            Ok(RunRecord {
                config,
                state,
                test_accuracy: number(f[12], "test_accuracy")?,
                test_loss: number(f[13], "test_loss")?,
                seconds: f[14].parse().map_err(|_| at(format!("seconds: {:?} is not a number", f[14])))?,
            })
        })
        .collect()
}

/// `{"runs": [...], "cells": [...]}`: every run and the aggregated table.
pub fn to_json(records: &[RunRecord]) -> String {
    // A struct rather than `serde_json::json!`: no `Value` serialiser in the wasm (sweepExport).
    #[derive(Serialize)]
    struct File<'r> {
        cells: Vec<Cell>,
        runs: &'r [RunRecord],
    }
    serde_json::to_string_pretty(&File { cells: summarize(records), runs: records }).expect("records serialize")
}

/// Reads the runs of [`to_json`]'s output back (each config validated).
pub fn from_json(text: &str) -> Result<Vec<RunRecord>, String> {
    #[derive(Deserialize)]
    struct File {
        runs: Vec<RunRecord>,
    }
    let file: File = serde_json::from_str(text).map_err(|e| format!("not a sweep JSON file: {e}"))?;
    for r in &file.runs {
        r.config.validate().map_err(|e| crate::config::describe_errors(&e))?;
    }
    Ok(file.runs)
}
