//! A run's identity, in the page's store of sweep runs (IndexedDB) and in a resumed CLI sweep
//! (`--resume`): a string of every setting that shapes the run. It is written here, field by
//! field, and not by the share link, so a change to the links cannot re-key the runs stored
//! before it: a run stored today keeps its key (the test below pins keys of today's runs).

use crate::config::Config;

/// The network settings of the article's network, left out of a key when a run has them (so
/// keys written before these settings existed still match). Fixed here, whatever the defaults.
const ARTICLE_NETWORK: [(&str, &str); 5] =
    [("widths", "500,256"), ("init", "pytorch"), ("gain", "1"), ("bias", "1"), ("loss", "nll")];

/// The key of the run of `config`: `dataset=…&acts=…&bn=…&lr=…&momentum=…&batch=…&epochs=…&seed=…`
/// then `backend=cpu&stats=0` (every run alike: neither the backend nor the statistics change
/// what a sweep records), then those of `widths`, `init`, `gain`, `bias` and `loss` that differ
/// from the article's network. Values as the settings write them, URL-encoded but for commas.
pub fn run_key(config: &Config) -> String {
    let join = |items: Vec<String>| items.join(",");
    let mut fields: Vec<(&str, String)> = vec![
        ("dataset", config.dataset.name().to_string()),
        ("acts", join(config.acts.iter().map(|a| a.name().to_string()).collect())),
        ("bn", config.batch_norm.name().to_string()),
        ("lr", config.lr.to_string()),
        ("momentum", config.momentum.to_string()),
        ("batch", config.batch_size.to_string()),
        ("epochs", config.epochs.to_string()),
        ("seed", config.seed.to_string()),
        ("backend", "cpu".to_string()),
        ("stats", "0".to_string()),
    ];
    let network = [
        join(config.widths.iter().map(usize::to_string).collect()),
        config.init.name().to_string(),
        config.gain.to_string(),
        if config.bias { "1" } else { "0" }.to_string(),
        config.loss.name().to_string(),
    ];
    for ((key, article), value) in ARTICLE_NETWORK.into_iter().zip(network) {
        if value != article {
            fields.push((key, value));
        }
    }
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in &fields {
        out.append_pair(key, value);
    }
    out.finish().replace("%2C", ",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Activation, BackendKind, BatchNormMode, DatasetKind, Init, Loss};
    use Activation::{Relu, Selu, Sigmoid, Tanh};

    /// Keys computed by the code that stored runs before this module existed (the single-run
    /// share link without backend and statistics): changing one orphans the runs stored with it.
    #[test]
    fn a_run_stored_before_keeps_its_key() {
        let default = Config::default();
        let cases = [
            (
                default.clone(),
                "dataset=mnist-subset&acts=relu,sigmoid,relu&bn=none&lr=0.01&momentum=0.5&batch=32&epochs=10&seed=1&backend=cpu&stats=0",
            ),
            (
                Config { batch_norm: BatchNormMode::All, seed: 2, ..default.clone() },
                "dataset=mnist-subset&acts=relu,sigmoid,relu&bn=all&lr=0.01&momentum=0.5&batch=32&epochs=10&seed=2&backend=cpu&stats=0",
            ),
            (
                Config { batch_norm: BatchNormMode::Last, acts: vec![Selu, Tanh, Sigmoid], ..default.clone() },
                "dataset=mnist-subset&acts=selu,tanh,sigmoid&bn=last&lr=0.01&momentum=0.5&batch=32&epochs=10&seed=1&backend=cpu&stats=0",
            ),
            (
                Config { dataset: DatasetKind::Cifar10, batch_size: 4, epochs: 1, ..default.clone() },
                "dataset=cifar10&acts=relu,sigmoid,relu&bn=none&lr=0.01&momentum=0.5&batch=4&epochs=1&seed=1&backend=cpu&stats=0",
            ),
            (
                Config {
                    widths: vec![64, 32, 16],
                    acts: vec![Relu, Tanh, Selu, Sigmoid],
                    init: Init::He,
                    gain: 0.5,
                    ..default.clone()
                },
                "dataset=mnist-subset&acts=relu,tanh,selu,sigmoid&bn=none&lr=0.01&momentum=0.5&batch=32&epochs=10&seed=1&backend=cpu&stats=0&widths=64,32,16&init=he&gain=0.5",
            ),
            (
                Config {
                    dataset: DatasetKind::FashionMnist,
                    lr: 0.125,
                    momentum: 0.0,
                    epochs: 2,
                    seed: 123456789,
                    init: Init::Xavier,
                    ..default.clone()
                },
                "dataset=fashion-mnist&acts=relu,sigmoid,relu&bn=none&lr=0.125&momentum=0&batch=32&epochs=2&seed=123456789&backend=cpu&stats=0&init=xavier",
            ),
            (
                Config { bias: false, loss: Loss::Sse, lr: 0.001, ..default.clone() },
                "dataset=mnist-subset&acts=relu,sigmoid,relu&bn=none&lr=0.001&momentum=0.5&batch=32&epochs=10&seed=1&backend=cpu&stats=0&bias=0&loss=sse",
            ),
        ];
        for (config, key) in &cases {
            assert_eq!(run_key(config), *key);
        }
        // The backend and the statistics' cadence do not make another run.
        let cpu = Config { backend: BackendKind::Cpu, stats_every: 7, ..default };
        assert_eq!(run_key(&cpu), cases[0].1);
    }
}
