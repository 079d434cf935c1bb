//! Self-describing exports: every file a run is saved as (statistics as CSV or JSON, a chart as
//! PNG) carries the run's full configuration and its share link, so a file found later says
//! exactly what produced it and how to run it again. Before any training there is nothing to
//! export, and the page says so instead of saving an empty file.

use crate::config::Config;
use crate::history::History;
use crate::share::{self, SharedView};
use serde::Serialize;

/// What the page shows when an export is asked for before any training.
pub const NOTHING_YET: &str = "nothing to export yet: train first (press Start), then export";

/// The share link that reproduces `config`: `base` (the page's address, may be empty) + `?query`.
pub fn link(config: &Config, base: &str) -> String {
    format!("{base}?{}", share::to_query(&SharedView::single(config.clone())))
}

/// The last recorded step, or the message that there is nothing to export yet.
pub fn last_step(history: &History) -> Result<usize, String> {
    history.steps.last().map(|s| s.step).ok_or_else(|| NOTHING_YET.to_string())
}

/// The statistics as CSV: `# key=value` comment lines for every setting of the link (see
/// [`Config::settings`]) and the link, then the
/// long-format rows of [`History::to_csv`] (pandas: `read_csv(path, comment="#")`).
pub fn csv(config: &Config, history: &History, base: &str) -> Result<String, String> {
    last_step(history)?;
    let mut out = String::from("# activation-playground statistics; settings and share link of the run:\n");
    for (key, value) in config.settings() {
        out.push_str(&format!("# {key}={value}\n"));
    }
    out.push_str(&format!("# link={}\n", link(config, base)));
    out.push_str(&history.to_csv());
    Ok(out)
}

#[derive(Serialize)]
struct JsonExport<'a> {
    config: &'a Config,
    link: String,
    #[serde(flatten)]
    history: &'a History,
}

/// The statistics as JSON: `{config, link, acts, stepsPerEpoch, steps, epochs, probes}`.
pub fn json(config: &Config, history: &History, base: &str) -> Result<String, String> {
    last_step(history)?;
    let export = JsonExport { config, link: link(config, base), history };
    serde_json::to_string(&export).map_err(|e| e.to_string())
}

/// The caption drawn under an exported chart: what was trained and at which step, every
/// setting, and the link.
pub fn caption(config: &Config, history: &History, base: &str) -> Result<Vec<String>, String> {
    let step = last_step(history)?;
    let settings: Vec<String> = config.settings().into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    Ok(vec![
        format!("{} · {} · step {step}", config.describe(false), config.dataset.title()),
        settings.join("  "),
        link(config, base),
    ])
}

/// A file name that says what the file holds:
/// `activation-playground_[A_]<combination>_bn-…_<dataset>_lr-…_…_step-N_<what>.<ext>`.
/// `tag` (`A`/`B` when comparing, or empty) and `what` come from the page and are cleaned here.
pub fn file_name(config: &Config, history: &History, tag: &str, what: &str, ext: &str) -> Result<String, String> {
    let step = last_step(history)?;
    let tag = match clean(tag) {
        t if t.is_empty() => String::new(),
        t => format!("{t}_"),
    };
    Ok(format!("activation-playground_{tag}{}_step-{step}_{}.{}", config.file_label(), clean(what), clean(ext)))
}

/// Letters, digits, `.`, `-` only; at most 40 characters.
fn clean(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().take(40) {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches(|c| c == '-' || c == '.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Activation, BackendKind, BatchNormMode, DatasetKind, SETTING_KEYS};
    use crate::history::{EpochRecord, StepRecord};

    fn run() -> (Config, History) {
        let config = Config {
            dataset: DatasetKind::Mnist,
            acts: vec![Activation::Tanh, Activation::Sigmoid, Activation::Relu],
            batch_norm: BatchNormMode::Last,
            lr: 0.05,
            momentum: 0.9,
            batch_size: 64,
            epochs: 3,
            seed: 42,
            backend: BackendKind::Cpu,
            stats_every: 7,
            ..Config::default()
        };
        let history = History {
            acts: config.acts.to_vec(),
            loss: config.loss,
            steps_per_epoch: 2,
            steps: (1..=4)
                .map(|step| StepRecord { step, loss: 2.0 / step as f32, accuracy: 0.1 * step as f32 })
                .collect(),
            epochs: vec![EpochRecord {
                epoch: 1,
                step: 2,
                train_loss: 1.5,
                train_accuracy: 0.2,
                test_loss: 1.4,
                test_accuracy: 0.25,
            }],
            probes: Vec::new(),
        };
        (config, history)
    }

    const BASE: &str = "http://localhost:8080/";

    #[test]
    fn csv_carries_every_setting_and_the_link_and_its_rows_still_parse() {
        let (config, history) = run();
        let text = csv(&config, &history, BASE).unwrap();
        let (comments, rows): (Vec<&str>, Vec<&str>) = text.lines().partition(|l| l.starts_with('#'));
        let pairs: Vec<(String, String)> = comments
            .iter()
            .filter_map(|l| l.trim_start_matches('#').trim().split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let settings: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != "link").cloned().collect();
        // Every setting of the link; the network settings only where they are not the article's.
        assert_eq!(settings.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), SETTING_KEYS[..10]);
        assert_eq!(Config::from_settings(&settings).unwrap(), config, "the settings read back as the run's");
        let link = &pairs.iter().find(|(k, _)| k == "link").expect("a link line").1;
        let query = link.strip_prefix(BASE).expect("the link starts with the page's address");
        assert_eq!(share::parse_query(query).config, config, "the link reproduces the run");
        assert_eq!(rows[0], "record,step,layer,metric,value");
        assert_eq!(rows[1..], history.to_csv().lines().skip(1).collect::<Vec<_>>()[..]);
        assert!(rows.iter().all(|r| r.split(',').count() == 5));
        assert!(rows.contains(&"epoch,2,,test_accuracy,0.25"));
    }

    #[test]
    fn json_carries_the_config_and_the_link_beside_the_history() {
        let (config, history) = run();
        let value: serde_json::Value = serde_json::from_str(&json(&config, &history, BASE).unwrap()).unwrap();
        let back = Config::from_json(&value["config"].to_string()).unwrap();
        assert_eq!(back, config);
        for key in SETTING_KEYS {
            assert!(value["config"].get(key).is_some(), "config.{key}");
        }
        let link = value["link"].as_str().unwrap();
        assert_eq!(share::parse_query(link.strip_prefix(BASE).unwrap()).config, config);
        assert_eq!(value["steps"].as_array().unwrap().len(), 4);
        assert_eq!(value["epochs"][0]["testAccuracy"], 0.25);
        assert_eq!(value["stepsPerEpoch"], 2);
    }

    #[test]
    fn caption_and_file_name_say_what_was_trained() {
        let (config, history) = run();
        let lines = caption(&config, &history, "").unwrap();
        assert_eq!(lines[0], "tanh → sigmoid → relu + BatchNorm on the last layer · MNIST (full) · step 4");
        for (key, value) in config.settings() {
            assert!(lines[1].contains(&format!("{key}={value}")), "{key} in {}", lines[1]);
        }
        assert_eq!(share::parse_query(&lines[2]).config, config);
        let name = file_name(&config, &history, "A", "activations-post", "png").unwrap();
        assert_eq!(
            name,
            "activation-playground_A_tanh-sigmoid-relu_bn-last_mnist_lr-0.05_momentum-0.9_batch-64_epochs-3_seed-42_cpu_stats-7_step-4_activations-post.png"
        );
        assert_eq!(file_name(&config, &history, "", "../x y", "csv").unwrap().rsplit('_').next(), Some("x-y.csv"));
    }

    #[test]
    fn before_any_training_there_is_nothing_to_export() {
        let (config, _) = run();
        let empty = History::default();
        assert_eq!(csv(&config, &empty, BASE).unwrap_err(), NOTHING_YET);
        assert_eq!(json(&config, &empty, BASE).unwrap_err(), NOTHING_YET);
        assert_eq!(caption(&config, &empty, BASE).unwrap_err(), NOTHING_YET);
        assert_eq!(file_name(&config, &empty, "", "loss", "png").unwrap_err(), NOTHING_YET);
    }
}
