//! The page's sweep grid, laid out: its rows and columns, each cell's state (off, pending,
//! trained), text, colour, verdicts (collapsed; outside the article's runs) and tip. The page
//! draws what this says and decides nothing.

use super::article::{self, ArticleTable};
use super::plan::{SweepSpec, combinations_of_depth};
use super::record::RunRecord;
use super::table::{self, Cell};
use crate::config::{Activation, DatasetKind};
use serde::Serialize;

/// A trained cell whose mean test accuracy is below this is marked collapsed: the article's
/// collapsed combinations (ReLU after sigmoid) sit between chance and about 55%, every healthy
/// one above 90%.
pub const COLLAPSED_BELOW: f64 = 0.6;

/// The most rows the grid lists whole (the article's 16 for three layers); a deeper network's
/// grid lists only the rows that hold one of the sweep's combinations.
const MAX_FULL_ROWS: usize = 16;

/// Where a cell stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CellState {
    /// Not one of the sweep's combinations.
    Off,
    /// One of the sweep's, not trained yet.
    Pending,
    /// Trained: it has runs.
    Trained,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GridCell {
    pub acts: Vec<Activation>,
    pub state: CellState,
    /// The live text (`97.81 ± 0.12%`, or `97.81%` for one run), for a trained cell.
    pub text: Option<String>,
    pub mean: Option<f64>,
    /// The heat-map's colour (CSS), for a trained cell with a mean.
    pub colour: Option<String>,
    pub collapsed: bool,
    /// The live mean lies outside the article's runs (judged only for the article's own setup).
    pub outside: bool,
    /// The article's number, shown under the cell's own when the article is shown.
    pub article: Option<String>,
    /// The hover tip (a trained cell) or title (a pending one), one line each.
    pub tip: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GridRow {
    pub label: String,
    pub cells: Vec<GridCell>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Grid {
    /// The corner header.
    pub corner: &'static str,
    /// The columns' headers: the output layer's activation.
    pub columns: Vec<&'static str>,
    pub rows: Vec<GridRow>,
    /// Whether the article has a table for these settings (the toggle is offered).
    pub has_article: bool,
    /// The line beside the toggle.
    pub article_note: String,
}

/// Accuracy by guessing: one over the classes (the Q&A's single output tells two apart).
pub fn chance(kind: DatasetKind) -> f64 {
    1.0 / kind.outputs().max(2) as f64
}

/// The heat-map's colour for a mean test accuracy: chance is red, 100% green.
pub fn heat(mean: f64, chance: f64) -> String {
    let t = ((mean - chance) / (1.0 - chance)).clamp(0.0, 1.0);
    let hue = (120.0 * t * t).round();
    let light = 92.0 - 30.0 * t * (1.0 - t);
    format!("hsl({hue} 70% {light}%)")
}

/// The tip's lines for a cell's runs: `seed 1: 97.81%`, then the diverged seeds.
pub fn runs_lines(cell: &Cell) -> Vec<String> {
    let mut lines: Vec<String> =
        cell.runs.iter().map(|(seed, acc)| format!("seed {seed}: {:.2}%", acc * 100.0)).collect();
    lines.extend(cell.diverged.iter().map(|seed| format!("seed {seed}: diverged")));
    lines
}

fn names(acts: &[Activation]) -> Vec<&'static str> {
    acts.iter().map(|a| a.name()).collect()
}

/// The grid of `spec`'s sweep with the runs of `records` (of that sweep); with `show_article`,
/// the article's numbers for these settings beside the live ones, where it has a table.
pub fn layout(spec: &SweepSpec, records: &[RunRecord], show_article: bool) -> Grid {
    let table = article::article_table(&spec.base);
    let shown = table.as_ref().filter(|_| show_article);
    let trained = table::summarize(records);
    let depth = spec.base.acts.len().max(1);
    let mut prefixes = combinations_of_depth(depth - 1);
    if prefixes.len() > MAX_FULL_ROWS {
        prefixes.retain(|p| spec.combinations.iter().any(|c| c.starts_with(p)));
    }
    let rows = prefixes
        .iter()
        .map(|prefix| GridRow {
            label: names(prefix).join(" · "),
            cells: Activation::ARTICLE
                .iter()
                .map(|&last| {
                    let acts = [prefix.clone(), vec![last]].concat();
                    grid_cell(spec, records, &trained, shown, acts)
                })
                .collect(),
        })
        .collect();
    Grid {
        corner: "act1 · act2 \\ act3",
        columns: names(&Activation::ARTICLE),
        rows,
        has_article: table.is_some(),
        article_note: match &table {
            None => "The article has no table for these settings (it has MNIST and CIFAR-10, without BatchNorm and \
                     with it after every layer)."
                .into(),
            Some(t) if t.comparable(&spec.base) => {
                format!("Article: {}. Same setup: a mean outside the article\u{2019}s runs is marked ≠.", t.title)
            }
            Some(t) => {
                format!("Article: {}. Another setup than this sweep\u{2019}s, so differences are not marked.", t.title)
            }
        },
    }
}

fn grid_cell(
    spec: &SweepSpec,
    records: &[RunRecord],
    trained: &[Cell],
    shown: Option<&ArticleTable>,
    acts: Vec<Activation>,
) -> GridCell {
    let combo = names(&acts).join("-");
    let in_article = shown.and_then(|t| t.cell(&acts).map(|c| (t, c)));
    let mut cell = GridCell {
        state: CellState::Off,
        text: None,
        mean: None,
        colour: None,
        collapsed: false,
        outside: false,
        article: in_article.map(|(_, c)| format!("article {}%", c.text())),
        tip: String::new(),
        acts,
    };
    if !spec.combinations.contains(&cell.acts) {
        return cell;
    }
    let Some(live) = trained.iter().find(|c| c.acts == cell.acts) else {
        cell.state = CellState::Pending;
        let mut lines = vec![format!("{combo}: not trained yet")];
        lines.extend(in_article.map(|(t, c)| article::runs_text(t, c)).unwrap_or_default());
        cell.tip = lines.join("\n");
        return cell;
    };
    cell.state = CellState::Trained;
    cell.text = Some(table::live_cell_text(live));
    cell.mean = live.mean;
    cell.colour = live.mean.map(|m| heat(m, chance(spec.base.dataset)));
    cell.collapsed = live.mean.is_some_and(|m| m < COLLAPSED_BELOW);
    let mut lines = vec![combo];
    lines.extend(runs_lines(live));
    let config = records.iter().find(|r| r.config.acts == cell.acts).map(|r| &r.config);
    if let Some(versus) = config.filter(|_| shown.is_some()).and_then(|config| article::compare(live, config)) {
        cell.outside = versus.outside == Some(true);
        lines.extend(versus.runs_text);
        if cell.outside {
            lines.push("This mean lies outside the article\u{2019}s runs: more than noise.".into());
        }
    }
    lines.push("Click or tap for its runs, to open one in the trainer.".into());
    cell.tip = lines.join("\n");
    cell
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Activation::*, Config};
    use crate::sweep::plan::parse_combinations;
    use crate::train::RunState;

    fn record(acts: &[Activation], seed: u64, accuracy: f32, base: &Config) -> RunRecord {
        RunRecord {
            config: Config { acts: acts.to_vec(), seed, ..base.clone() },
            state: RunState::Finished,
            test_accuracy: Some(accuracy),
            test_loss: Some(0.1),
            seconds: 1.0,
        }
    }

    fn spec(combos: &str, dataset: DatasetKind) -> SweepSpec {
        let mut spec = SweepSpec::default();
        spec.base.dataset = dataset;
        spec.combinations = parse_combinations(combos, 3).unwrap();
        spec
    }

    #[test]
    fn the_grid_is_the_articles_16_by_4_in_table_order() {
        let grid = layout(&SweepSpec::default(), &[], false);
        assert_eq!(grid.columns, ["relu", "sigmoid", "tanh", "selu"]);
        assert_eq!(grid.rows.len(), 16);
        assert_eq!(grid.rows[0].label, "relu · relu");
        assert_eq!(grid.rows[6].label, "sigmoid · tanh");
        assert_eq!(grid.rows[6].cells[0].acts, [Sigmoid, Tanh, Relu]);
        assert!(grid.rows.iter().all(|r| r.cells.len() == 4));
        for (i, cell) in grid.rows.iter().flat_map(|r| &r.cells).enumerate() {
            assert_eq!(table::table_position(&cell.acts), (i / 4, i % 4), "the cell Rust's table puts there");
        }
    }

    #[test]
    fn cells_are_off_pending_or_trained() {
        let spec = spec("row:relu,sigmoid", DatasetKind::Mnist);
        let records = [record(&[Relu, Sigmoid, Tanh], 1, 0.97, &spec.base)];
        let grid = layout(&spec, &records, false);
        let row = &grid.rows[1];
        assert_eq!(row.label, "relu · sigmoid");
        assert_eq!(grid.rows[0].cells[0].state, CellState::Off);
        assert_eq!(row.cells[0].state, CellState::Pending);
        assert_eq!(row.cells[0].tip, "relu-sigmoid-relu: not trained yet");
        let tanh = &row.cells[2];
        assert_eq!(tanh.state, CellState::Trained);
        assert_eq!(tanh.text.as_deref(), Some("97.00%"), "one seed: no spread to show");
        assert!(tanh.tip.starts_with("relu-sigmoid-tanh\nseed 1: 97.00%\n"));
        assert!(tanh.tip.ends_with("Click or tap for its runs, to open one in the trainer."));
        assert!(tanh.article.is_none() && !tanh.outside, "the article only when shown");
    }

    #[test]
    fn a_cell_reads_in_percent_with_a_spread_only_over_several_seeds() {
        let spec = spec("relu-sigmoid-relu", DatasetKind::Mnist);
        let acts = [Relu, Sigmoid, Relu];
        let one = layout(&spec, &[record(&acts, 1, 0.9, &spec.base)], false);
        let two = layout(&spec, &[record(&acts, 1, 0.9, &spec.base), record(&acts, 2, 0.8, &spec.base)], false);
        let text = |grid: &Grid| grid.rows[1].cells[0].text.clone();
        assert_eq!(text(&one).as_deref(), Some("90.00%"));
        assert_eq!(text(&two).as_deref(), Some("85.00 ± 5.00%"));
    }

    #[test]
    fn a_mean_below_the_cut_off_is_collapsed_and_the_heat_runs_from_chance() {
        let spec = spec("relu-sigmoid-relu,relu-relu-relu", DatasetKind::Mnist);
        let records =
            [record(&[Relu, Sigmoid, Relu], 1, 0.59, &spec.base), record(&[Relu, Relu, Relu], 1, 0.61, &spec.base)];
        let grid = layout(&spec, &records, false);
        assert!(grid.rows[1].cells[0].collapsed);
        assert!(!grid.rows[0].cells[0].collapsed);
        assert_eq!(heat(0.1, 0.1), "hsl(0 70% 92%)", "chance is red");
        assert_eq!(heat(0.05, 0.1), heat(0.1, 0.1), "below chance too");
        assert_eq!(heat(1.0, 0.1), "hsl(120 70% 92%)", "all right is green");
        assert_eq!(heat(0.55, 0.1), "hsl(30 70% 84.5%)");
        assert_eq!(chance(DatasetKind::Cifar10), 0.1);
        assert_eq!(chance(DatasetKind::Qa), 0.5);
        let healthy = &grid.rows[0].cells[0];
        assert_eq!(healthy.colour, healthy.mean.map(|m| heat(m, 0.1)));
    }

    #[test]
    fn shown_beside_the_article_a_mean_outside_its_runs_is_marked() {
        // The article's MNIST setup (10 epochs, no BatchNorm): relu-relu-tanh's runs lie near 98%, not 20%.
        let spec = spec("relu-relu-tanh,relu-relu-relu", DatasetKind::Mnist);
        let article_mean = article::article_table(&spec.base).unwrap().cell(&[Relu, Relu, Relu]).unwrap().mean;
        let records = [
            record(&[Relu, Relu, Tanh], 1, 0.20, &spec.base),
            record(&[Relu, Relu, Relu], 1, article_mean as f32, &spec.base),
        ];
        let hidden = layout(&spec, &records, false);
        assert!(hidden.has_article && hidden.rows[0].cells.iter().all(|c| !c.outside && c.article.is_none()));
        let grid = layout(&spec, &records, true);
        let [relu, _, tanh, _] = &grid.rows[0].cells[..] else { panic!("four columns") };
        assert!(tanh.outside && tanh.tip.contains("outside the article\u{2019}s runs"));
        assert!(!relu.outside, "{}", relu.tip);
        assert!(tanh.article.as_deref().is_some_and(|a| a.starts_with("article ")));
        assert!(grid.rows[5].cells[0].article.is_some(), "off cells show the article's number too");
        assert!(grid.article_note.contains("Same setup"));
        let fashion = layout(&self::spec("all", DatasetKind::FashionMnist), &[], true);
        assert!(!fashion.has_article && fashion.article_note.starts_with("The article has no table"));
    }
}
