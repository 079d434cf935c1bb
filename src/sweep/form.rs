//! The page's sweep form: its default settings (a quick sweep, where the CLI's default is the
//! article's setup) and its combination picker (all, a row, a column or a set), read from and
//! written to the one `combos` syntax of [`super::plan`].

use super::plan::{SweepSpec, combinations_of_depth, describe_combinations};
use crate::config::{Activation, BackendKind, BatchNormMode, Config, DatasetKind};
use serde::Serialize;

impl SweepSpec {
    /// What the page's sweep form starts with, before a link or a stored choice: the article's
    /// 64 combinations and three seeds, but one epoch on the bundled MNIST subset and on the CPU,
    /// so that a first sweep finishes in minutes on any machine. [`SweepSpec::default`] is the
    /// article's own setup (ten epochs, on the GPU), for the CLI.
    pub fn page_default() -> SweepSpec {
        SweepSpec {
            base: Config {
                epochs: 1,
                batch_norm: BatchNormMode::None,
                dataset: DatasetKind::MnistSubset,
                backend: BackendKind::Cpu,
                stats_every: 0,
                ..Config::default()
            },
            ..SweepSpec::default()
        }
    }
}

impl SweepSpec {
    /// Reads a sweep link's query (`combos=…&seeds=…&epochs=…&bn=…&dataset=…`) over the CLI's
    /// defaults, without statistics and on the CPU unless the query says otherwise. Unknown keys and
    /// bad values are listed; an invalid whole is named and the defaults stand in for it.
    pub fn from_query(query: &str) -> (SweepSpec, Vec<String>) {
        let quick = || SweepSpec {
            base: Config { stats_every: 0, backend: BackendKind::Cpu, ..Config::default() },
            ..SweepSpec::default()
        };
        let mut spec = quick();
        let mut errors = Vec::new();
        for (key, value) in form_urlencoded::parse(query.trim().trim_start_matches('?').as_bytes()) {
            if let Err(e) = spec.apply_setting(&key, &value) {
                errors.push(e);
            }
        }
        if let Err(e) = spec.validate() {
            errors.push(e);
            spec = quick();
        }
        (spec, errors)
    }
}

/// How the picker chooses combinations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    All,
    /// One table row: every layer's activation but the output's fixed.
    Row,
    /// One table column: the output's activation fixed.
    Column,
    /// A list typed in full.
    Set,
}

impl Mode {
    pub fn parse(text: &str) -> Result<Mode, String> {
        Ok(match text {
            "all" => Mode::All,
            "row" => Mode::Row,
            "column" => Mode::Column,
            "set" => Mode::Set,
            other => return Err(format!("combos: unknown picker mode {other:?} (all, row, column or set)")),
        })
    }
}

/// The picker's fields, as the form shows them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Picker {
    pub mode: Mode,
    /// The row's activations (every layer's but the output's).
    pub row: Vec<String>,
    /// The column's (output) activation.
    pub column: String,
    /// The set's text.
    pub set: String,
}

impl Picker {
    /// The picker that shows `combos` (of one depth): its mode, and the fields of that mode.
    pub fn of(combos: &[Vec<Activation>]) -> Picker {
        let depth = combos.first().map_or(3, Vec::len);
        let text = describe_combinations(combos);
        let mut picker = Picker { mode: Mode::Set, row: Vec::new(), column: String::new(), set: String::new() };
        let first = combos.first();
        if depth > 0 && combos == combinations_of_depth(depth) {
            picker.mode = Mode::All;
        } else if let Some(prefix) = first.filter(|_| depth > 1).map(|c| &c[..depth - 1]).filter(|p| combos == row(p)) {
            picker.mode = Mode::Row;
            picker.row = prefix.iter().map(|a| a.name().to_string()).collect();
        } else if let Some(&last) = first.and_then(|c| c.last()).filter(|&&l| combos == column(l, depth)) {
            picker.mode = Mode::Column;
            picker.column = last.name().to_string();
        } else {
            picker.set = text;
        }
        picker
    }

    /// The `combos` text the picker chooses for a network of `depth` layers. A set is taken as
    /// typed (the spec's parser reports its mistakes).
    pub fn text(&self, depth: usize) -> Result<String, String> {
        let combos = match self.mode {
            Mode::All => combinations_of_depth(depth),
            Mode::Row => row(&self.row.iter().map(|a| Activation::parse(a)).collect::<Result<Vec<_>, _>>()?),
            Mode::Column => column(Activation::parse(&self.column)?, depth),
            Mode::Set => return Ok(self.set.trim().to_string()),
        };
        Ok(describe_combinations(&combos))
    }
}

/// The query of the sweep form: `query` (the sweep's settings so far; those without a control in
/// the form, e.g. `lr` from a link, are kept) with the form's settings and its picker's
/// combinations, for the network depth those settings give.
pub fn form_query(query: &str, picker: &Picker, settings: &[(String, String)]) -> Result<String, String> {
    let mut pairs: Vec<(String, String)> =
        form_urlencoded::parse(query.trim().trim_start_matches('?').as_bytes()).into_owned().collect();
    for (key, value) in settings {
        set_pair(&mut pairs, key, value.clone());
    }
    let mut spec = SweepSpec::default();
    for (key, value) in pairs.iter().filter(|(key, _)| key != "combos") {
        // Only the depth is wanted here; the spec's parser reports bad values.
        let _ = spec.apply_setting(key, value);
    }
    set_pair(&mut pairs, "combos", picker.text(spec.base.acts.len())?);
    Ok(encode(&pairs))
}

fn set_pair(pairs: &mut Vec<(String, String)>, key: &str, value: String) {
    match pairs.iter_mut().find(|(k, _)| k == key) {
        Some(pair) => pair.1 = value,
        None => pairs.push((key.to_string(), value)),
    }
}

/// A sweep's query, `key=value&…`, with the lists' commas and the picker's colons left as they read.
pub fn encode<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        out.append_pair(key.as_ref(), value.as_ref());
    }
    out.finish().replace("%2C", ",").replace("%3A", ":")
}

/// The table row whose activations before the output's are `prefix`.
fn row(prefix: &[Activation]) -> Vec<Vec<Activation>> {
    Activation::ARTICLE.iter().map(|&a| [prefix.to_vec(), vec![a]].concat()).collect()
}

/// The table column of output activation `last` over `depth` layers.
fn column(last: Activation, depth: usize) -> Vec<Vec<Activation>> {
    combinations_of_depth(depth).into_iter().filter(|c| c.last() == Some(&last)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Activation::*;
    use crate::sweep::plan::parse_combinations;

    fn picker(mode: Mode, row: &[&str], column: &str, set: &str) -> Picker {
        Picker { mode, row: row.iter().map(|s| s.to_string()).collect(), column: column.into(), set: set.into() }
    }

    #[test]
    fn the_page_starts_quick_and_the_cli_with_the_articles_setup() {
        let page = SweepSpec::page_default();
        let cli = SweepSpec::default();
        assert_eq!((page.base.epochs, page.base.backend), (1, BackendKind::Cpu));
        assert_eq!((cli.base.epochs, cli.base.backend), (10, BackendKind::Gpu));
        assert_eq!((page.base.dataset, page.base.batch_norm), (DatasetKind::MnistSubset, BatchNormMode::None));
        assert_eq!((&page.combinations, &page.seeds, page.parallel), (&cli.combinations, &vec![1, 2, 3], 64));
        assert!(page.validate().is_ok());
    }

    #[test]
    fn each_mode_writes_the_text_the_parser_reads_back() {
        let cases = [
            (picker(Mode::All, &[], "", ""), "all", 64),
            (picker(Mode::Row, &["relu", "sigmoid"], "", ""), "row:relu,sigmoid", 4),
            (picker(Mode::Column, &[], "tanh", ""), "column:tanh", 16),
            (picker(Mode::Set, &[], "", "relu-sigmoid-relu,tanh-tanh-tanh"), "relu-sigmoid-relu,tanh-tanh-tanh", 2),
        ];
        for (picker, text, count) in cases {
            assert_eq!(picker.text(3).unwrap(), text);
            let combos = parse_combinations(text, 3).unwrap();
            assert_eq!(combos.len(), count);
            assert_eq!(Picker::of(&combos), picker, "the picker shows its own choice again");
        }
        assert_eq!(picker(Mode::Set, &[], "", " relu-relu-relu ").text(3).unwrap(), "relu-relu-relu");
        assert_eq!(picker(Mode::Column, &[], "selu", "").text(2).unwrap(), "column:selu");
        assert!(picker(Mode::Row, &["relu", "nope"], "", "").text(3).is_err());
        let modes = ["all", "row", "column", "set"].map(|m| Mode::parse(m).unwrap());
        assert_eq!(modes, [Mode::All, Mode::Row, Mode::Column, Mode::Set]);
        assert!(Mode::parse("rows").is_err());
    }

    #[test]
    fn the_form_query_keeps_a_links_other_settings_and_sets_the_forms() {
        let row = picker(Mode::Row, &["tanh", "selu"], "", "");
        let settings = [("seeds".into(), "1,2".into()), ("epochs".into(), "3".into())];
        let query = form_query("?combos=all&lr=0.05&epochs=10", &row, &settings).unwrap();
        assert_eq!(query, "combos=row:tanh,selu&lr=0.05&epochs=3&seeds=1,2");
        let mut spec = SweepSpec::default();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            spec.apply_setting(&key, &value).unwrap();
        }
        assert_eq!((spec.combinations.len(), spec.base.lr, spec.base.epochs), (4, 0.05, 3));
        let page = encode(&SweepSpec::page_default().settings());
        assert!(page.starts_with("combos=all&seeds=1,2,3&"), "{page}");
    }

    #[test]
    fn the_picker_shows_what_a_link_chose() {
        let shown = |text: &str| Picker::of(&parse_combinations(text, 3).unwrap());
        assert_eq!(shown("all").mode, Mode::All);
        assert_eq!(shown("row:tanh,selu"), picker(Mode::Row, &["tanh", "selu"], "", ""));
        assert_eq!(shown("column:sigmoid"), picker(Mode::Column, &[], "sigmoid", ""));
        // A list that happens to be a whole row is shown as the row.
        let listed = "relu-relu-relu,relu-relu-sigmoid,relu-relu-tanh,relu-relu-selu";
        assert_eq!(shown(listed), picker(Mode::Row, &["relu", "relu"], "", ""));
        assert_eq!(
            shown("selu-relu-tanh,relu-sigmoid-relu"),
            picker(Mode::Set, &[], "", "relu-sigmoid-relu,selu-relu-tanh")
        );
        assert_eq!(Picker::of(&[vec![Relu, Tanh]]).mode, Mode::Set);
    }
}
