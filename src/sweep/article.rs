//! The article's published tables (data/article-tables/, copied from its authors' logs with
//! their provenance), so a sweep cell can be read beside the article's number for the same
//! combination, dataset and BatchNorm setting.

use super::table::Cell;
use crate::config::{Activation, BatchNormMode, Config, DatasetKind, HIDDEN_SIZES, Init, Loss};

const MNIST: &str = include_str!("../../data/article-tables/mnist.csv");
const MNIST_BATCHNORM: &str = include_str!("../../data/article-tables/mnist-batchnorm.csv");
const CIFAR10: &str = include_str!("../../data/article-tables/cifar10.csv");

/// The test images the article's accuracies are measured on (both datasets' official test sets).
const TEST_IMAGES: f64 = 10_000.0;

/// One combination as the article reported it; accuracies are fractions (0.3491 for 34.91%).
#[derive(Clone, Debug, PartialEq)]
pub struct ArticleCell {
    pub acts: Vec<Activation>,
    pub mean: f64,
    /// Population std over the runs as reported; `None` for a single run (CIFAR-10).
    pub std: Option<f64>,
    /// The individual runs, in the order of the authors' logs.
    pub runs: Vec<f64>,
}

impl ArticleCell {
    /// `34.91 ± 18.10` (MNIST, several runs) or `10.00` (CIFAR-10, one run), in percent.
    pub fn text(&self) -> String {
        match self.std {
            Some(std) => format!("{:.2} ± {:.2}", self.mean * 100.0, std * 100.0),
            None => format!("{:.2}", self.mean * 100.0),
        }
    }

    /// The range a live mean is held against: the article's runs, widened by two standard
    /// errors of an accuracy measured on 10,000 test images (at 50% that alone is ±1 point), so
    /// a single reported run is not taken as exact.
    pub fn range(&self) -> (f64, f64) {
        let low = self.runs.iter().copied().fold(f64::INFINITY, f64::min);
        let high = self.runs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let noise = |p: f64| 2.0 * (p * (1.0 - p) / TEST_IMAGES).sqrt();
        (low - noise(low), high + noise(high))
    }
}

/// One of the article's tables: which experiment it is, and its 64 cells.
#[derive(Clone, Debug, PartialEq)]
pub struct ArticleTable {
    /// "MNIST, no BatchNorm, 10 epochs, batch 32, 9 reported runs (5 distinct)".
    pub title: String,
    /// The configuration the article trained (its dataset, BatchNorm, epochs, batch), on which
    /// the other settings are the defaults: a sweep of exactly this setup is comparable.
    pub setup: Config,
    pub cells: Vec<ArticleCell>,
}

impl ArticleTable {
    pub fn cell(&self, acts: &[Activation]) -> Option<&ArticleCell> {
        self.cells.iter().find(|c| c.acts == acts)
    }

    /// Whether runs of `config` measure what the article measured (same dataset in full, same
    /// BatchNorm, network, initialisation, optimiser, batch and epochs); only then is a live
    /// value outside the article's range a real difference rather than another experiment.
    pub fn comparable(&self, config: &Config) -> bool {
        let setup = &self.setup;
        config.dataset == setup.dataset
            && config.batch_norm == setup.batch_norm
            && config.acts.len() == 3
            && config.widths == setup.widths
            && (config.init, config.gain, config.bias, config.loss) == (setup.init, setup.gain, setup.bias, setup.loss)
            && (config.lr, config.momentum, config.batch_size, config.epochs)
                == (setup.lr, setup.momentum, setup.batch_size, setup.epochs)
    }
}

/// The article's table for runs of `config`'s dataset and BatchNorm mode (the subsets read
/// against their full datasets), if the article has one: MNIST and CIFAR-10, each without
/// BatchNorm and with it after every Linear layer. Only three-layer networks have one.
pub fn article_table(config: &Config) -> Option<ArticleTable> {
    if config.acts.len() != 3 {
        return None;
    }
    let dataset = match config.dataset {
        DatasetKind::Mnist | DatasetKind::MnistSubset => DatasetKind::Mnist,
        DatasetKind::Cifar10 | DatasetKind::Cifar10Subset => DatasetKind::Cifar10,
        DatasetKind::FashionMnist | DatasetKind::Qa => return None,
    };
    let bn = config.batch_norm;
    let (text, column, title) = match (dataset, bn) {
        (DatasetKind::Mnist, BatchNormMode::None) => {
            (MNIST, "mean", "MNIST, no BatchNorm, 10 epochs, batch 32, 9 reported runs (5 distinct)")
        }
        (DatasetKind::Mnist, BatchNormMode::All) => (
            MNIST_BATCHNORM,
            "mean",
            "MNIST, BatchNorm after every Linear, 10 epochs, batch 32, 10 reported runs (about 4 distinct)",
        ),
        (_, BatchNormMode::None) => (CIFAR10, "accuracy", "CIFAR-10, no BatchNorm, 10 epochs, batch 4, one run"),
        (_, BatchNormMode::All) => {
            (CIFAR10, "batchnorm_accuracy", "CIFAR-10, BatchNorm after every Linear, 10 epochs, batch 4, one run")
        }
        (_, BatchNormMode::Last) => return None,
    };
    let setup = Config {
        dataset,
        batch_norm: bn,
        batch_size: if dataset == DatasetKind::Cifar10 { 4 } else { 32 },
        epochs: 10,
        lr: 0.01,
        momentum: 0.5,
        widths: HIDDEN_SIZES.to_vec(),
        init: Init::Pytorch,
        gain: 1.0,
        bias: true,
        loss: Loss::Nll,
        ..Config::default()
    };
    let cells = parse(text, column).expect("the article's tables are built in and valid");
    Some(ArticleTable { title: title.to_string(), setup, cells })
}

/// Reads one of the stored CSVs: `act1,act2,act3` then `column` (mean or single accuracy, in
/// percent), with `std` and `run1…` where the table has several runs.
fn parse(text: &str, column: &str) -> Result<Vec<ArticleCell>, String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty table")?.split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name);
    let value_at = at(column).ok_or_else(|| format!("no column {column}"))?;
    let std_at = at("std").filter(|_| column == "mean");
    let run_columns: Vec<usize> = if column == "mean" {
        header.iter().enumerate().filter(|(_, h)| h.starts_with("run") && *h != &"runs").map(|(i, _)| i).collect()
    } else {
        vec![value_at]
    };
    let percent = |field: &str| field.trim().parse::<f64>().map(|v| v / 100.0).map_err(|e| format!("{field:?}: {e}"));
    let mut cells = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        let acts = fields[..3].iter().map(|a| Activation::parse(a)).collect::<Result<Vec<_>, _>>()?;
        let runs = run_columns
            .iter()
            .filter_map(|&i| fields.get(i).filter(|f| !f.trim().is_empty()))
            .map(|f| percent(f))
            .collect::<Result<Vec<_>, _>>()?;
        let Some(value) = fields.get(value_at).filter(|f| !f.trim().is_empty()) else { continue };
        cells.push(ArticleCell {
            acts,
            mean: percent(value)?,
            std: std_at.map(|i| percent(fields[i])).transpose()?,
            runs,
        });
    }
    Ok(cells)
}

/// How a live cell stands against the article: the article's cell (if it has one) and whether
/// the live mean lies outside the article's range, judged only where the setups are the same.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub text: String,
    pub runs_text: Vec<String>,
    pub comparable: bool,
    /// `Some(true)`: the live mean is outside the article's range (a real difference).
    pub outside: Option<bool>,
}

/// `cell` (trained with `config`'s settings) beside the article, if the article has the cell.
pub fn compare(cell: &Cell, config: &Config) -> Option<Comparison> {
    let table = article_table(config)?;
    let article = table.cell(&cell.acts)?;
    let comparable = table.comparable(config);
    let (low, high) = article.range();
    Some(Comparison {
        text: article.text(),
        runs_text: runs_text(&table, article),
        comparable,
        outside: cell.mean.filter(|_| comparable).map(|mean| mean < low || mean > high),
    })
}

/// The tip's lines for the article's cell: which table, then its runs.
pub fn runs_text(table: &ArticleTable, cell: &ArticleCell) -> Vec<String> {
    let runs: Vec<String> = cell.runs.iter().map(|r| format!("{:.2}", r * 100.0)).collect();
    vec![format!("Article ({}): {}%", table.title, cell.text()), format!("its runs: {}", runs.join(", "))]
}

/// The live cells beside the article's, one line per combination, for `train sweep` and the
/// docs: `| relu-sigmoid-relu | 55.37 ± 11.62 | 34.91 ± 24.32 | |`, the last column marking a
/// live mean outside the article's runs (only for the article's own setup). `None` where the
/// article has no such table.
pub fn markdown_comparison(cells: &[Cell], config: &Config) -> Option<String> {
    let table = article_table(config)?;
    let comparable = table.comparable(config);
    let mut out = format!(
        "Beside the article ({}){}:\n\n| combination | this run (%) | article (%) | outside the article's runs |\n|---|---|---|---|\n",
        table.title,
        if comparable { "" } else { "; another setup, so nothing is marked" }
    );
    for cell in cells {
        let Some(comparison) = compare(cell, config) else { continue };
        let name = cell.acts.iter().map(|a| a.name()).collect::<Vec<_>>().join("-");
        let mark = if comparison.outside == Some(true) { "**yes**" } else { "" };
        out.push_str(&format!("| {name} | {} | {} | {mark} |\n", super::table::cell_text(cell), comparison.text));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Activation::*;

    fn config(dataset: DatasetKind, bn: BatchNormMode) -> Config {
        Config { dataset, batch_norm: bn, ..Config::default() }
    }

    #[test]
    fn every_table_has_the_64_combinations() {
        for (dataset, bn) in [
            (DatasetKind::Mnist, BatchNormMode::None),
            (DatasetKind::Mnist, BatchNormMode::All),
            (DatasetKind::Cifar10, BatchNormMode::None),
            (DatasetKind::Cifar10, BatchNormMode::All),
        ] {
            let table = article_table(&config(dataset, bn)).unwrap();
            assert_eq!(table.cells.len(), 64, "{}", table.title);
            for cell in &table.cells {
                assert!(!cell.runs.is_empty() && (0.0..=1.0).contains(&cell.mean), "{cell:?}");
            }
        }
        assert!(article_table(&config(DatasetKind::FashionMnist, BatchNormMode::None)).is_none());
        assert!(article_table(&config(DatasetKind::Mnist, BatchNormMode::Last)).is_none());
    }

    #[test]
    fn known_cells_read_as_published() {
        let mnist = article_table(&config(DatasetKind::MnistSubset, BatchNormMode::None)).unwrap();
        let collapse = mnist.cell(&[Relu, Sigmoid, Relu]).unwrap();
        assert_eq!(collapse.text(), "34.91 ± 24.32");
        assert_eq!(collapse.runs.len(), 9);
        let cifar = article_table(&config(DatasetKind::Cifar10Subset, BatchNormMode::None)).unwrap();
        assert_eq!(cifar.cell(&[Sigmoid, Sigmoid, Relu]).unwrap().text(), "10.00");
        let cifar_bn = article_table(&config(DatasetKind::Cifar10, BatchNormMode::All)).unwrap();
        assert_eq!(cifar_bn.cell(&[Relu, Sigmoid, Relu]).unwrap().text(), "47.12");
        assert_eq!(cifar_bn.setup.batch_size, 4);
    }

    fn live(acts: [Activation; 3], runs: &[f32]) -> Cell {
        let values: Vec<f64> = runs.iter().map(|&r| r as f64).collect();
        let (mean, std) = super::super::table::mean_std(&values);
        Cell {
            acts: acts.to_vec(),
            row: 0,
            column: 0,
            runs: runs.iter().enumerate().map(|(i, &r)| (i as u64 + 1, r)).collect(),
            diverged: Vec::new(),
            mean: Some(mean),
            std: Some(std),
        }
    }

    #[test]
    fn a_live_mean_outside_the_article_runs_is_marked_only_for_the_same_setup() {
        let article = Config { dataset: DatasetKind::Mnist, ..Config::default() };
        // relu-relu-tanh: the article's runs lie in 97.48–97.67%.
        let same = compare(&live([Relu, Relu, Tanh], &[0.975, 0.976]), &article).unwrap();
        assert_eq!((same.comparable, same.outside), (true, Some(false)));
        let off = compare(&live([Relu, Relu, Tanh], &[0.90, 0.91]), &article).unwrap();
        assert_eq!(off.outside, Some(true));
        assert!(off.runs_text[0].starts_with("Article (MNIST, no BatchNorm"), "{:?}", off.runs_text);
        // One epoch on the subset is another experiment: shown, never marked.
        let subset = Config { epochs: 1, ..Config::default() };
        let shown = compare(&live([Relu, Relu, Tanh], &[0.90]), &subset).unwrap();
        assert_eq!((shown.comparable, shown.outside), (false, None));
        // A single CIFAR-10 run is widened by the test set's own noise (±1 point at 50%).
        let cifar = Config { dataset: DatasetKind::Cifar10, batch_size: 4, ..Config::default() };
        let near = compare(&live([Relu, Relu, Relu], &[0.5120]), &cifar).unwrap();
        assert_eq!(near.outside, Some(false), "50.64% ± noise");
        let far = compare(&live([Relu, Relu, Relu], &[0.53]), &cifar).unwrap();
        assert_eq!(far.outside, Some(true));
    }
}
