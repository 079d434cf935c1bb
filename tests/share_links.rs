//! Share links: round trips, identical runs from the same link, and a fuzz of malformed links.

use activation_playground::config::{
    Activation, BackendKind, BatchNormMode, Config, DatasetKind, Init, Loss, MAX_SEED, SETTING_KEYS,
};
use activation_playground::data::{Dataset, ImageShape, Normalization, Split};
use activation_playground::share::{SharedView, parse_query, to_query};

/// Whether `key` is something a share link may carry: a setting (`b.` + it for B) or a page flag.
fn is_known_key(key: &str) -> bool {
    let bare = key.strip_prefix("b.").unwrap_or(key);
    ["preset", "lecture", "autostart", "view", "compare"].contains(&key) || SETTING_KEYS.contains(&bare)
}
use activation_playground::train::Session;
use burn::tensor::Device;
use proptest::prelude::*;
use std::sync::Arc;

fn any_config() -> impl Strategy<Value = Config> {
    let act = prop::sample::select(Activation::ALL.to_vec());
    (
        prop::sample::select(DatasetKind::ALL.to_vec()),
        prop::collection::vec(act, 1..=10),
        prop::sample::select(BatchNormMode::ALL.to_vec()),
        (1e-6f64..100.0, 0.0f64..0.999, 1usize..=4096, 1usize..=100_000),
        (0..=MAX_SEED, prop::bool::ANY, 0usize..=100_000),
        (
            prop::collection::vec(1usize..=1024, 9),
            prop::sample::select(Init::ALL.to_vec()),
            1e-3f64..=10.0,
            prop::bool::ANY,
            prop::bool::ANY,
        ),
    )
        .prop_map(
            |(
                dataset,
                acts,
                batch_norm,
                (lr, momentum, batch_size, epochs),
                (seed, cpu, stats_every),
                (mut widths, init, gain, bias, sse),
            )| {
                widths.truncate(acts.len() - 1);
                Config {
                    dataset,
                    acts,
                    batch_norm,
                    lr,
                    momentum,
                    batch_size,
                    epochs,
                    seed,
                    backend: if cpu { BackendKind::Cpu } else { BackendKind::Gpu },
                    stats_every,
                    widths,
                    init,
                    gain,
                    bias,
                    // The Q&A's single output needs the squared error.
                    loss: if sse || dataset == DatasetKind::Qa { Loss::Sse } else { Loss::Nll },
                }
            },
        )
}

fn view(config: Config, compare: Option<Config>, lecture: bool, autostart: bool) -> SharedView {
    SharedView { config, compare, preset: None, lecture, autostart, view: None, errors: Vec::new() }
}

/// Pieces that make links almost right: real keys, near-miss values, junk and encodings.
fn link_piece() -> impl Strategy<Value = String> {
    let keys: Vec<String> = SETTING_KEYS
        .iter()
        .flat_map(|k| [k.to_string(), format!("b.{k}")])
        .chain(["preset", "lecture", "autostart", "compare", "", "b.", "ACTS", "acts[]"].map(String::from))
        .collect();
    let values = prop_oneof![
        Just("relu,sigmoid,relu".to_string()),
        Just("relu,,relu".to_string()),
        Just("relu,sigmoid,relu,tanh".to_string()),
        Just("-1".to_string()),
        Just("1e309".to_string()),
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("0".to_string()),
        Just("18446744073709551616".to_string()),
        Just("%ZZ".to_string()),
        Just("%00".to_string()),
        Just("<script>alert(1)</script>".to_string()),
        Just("\"><img src=x onerror=alert(1)>".to_string()),
        Just("collapse".to_string()),
        "\\PC{0,30}",
        any::<f64>().prop_map(|f| f.to_string()),
        any::<i64>().prop_map(|i| i.to_string()),
    ];
    (prop::sample::select(keys), values, prop::sample::select(vec!["=", "==", "", "=&"]))
        .prop_map(|(k, v, eq)| format!("{k}{eq}{v}"))
}

fn malformed_link() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(link_piece(), 0..12).prop_map(|p| format!("?{}", p.join("&"))),
        prop::collection::vec(link_piece(), 0..6).prop_map(|p| p.join(";")),
        "\\PC{0,200}",
        prop::collection::vec(any::<u8>(), 0..200).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    /// 1,500 generated malformed links: no panic, and each gives a valid config or readable errors.
    #[test]
    fn malformed_links_never_panic_and_always_explain(link in malformed_link()) {
        let parsed = parse_query(&link);
        prop_assert!(parsed.config.validate().is_ok(), "the applied config is always valid");
        if let Some(b) = &parsed.compare {
            prop_assert!(b.validate().is_ok());
        }
        for error in &parsed.errors {
            prop_assert!(!error.field.is_empty() || error.message.contains("unknown setting"));
            prop_assert!(!error.message.trim().is_empty());
            prop_assert!(error.message.chars().count() < 400, "messages stay short: {}", error.message);
        }
        // Re-sharing what was applied is always a clean link.
        let again = parse_query(&to_query(&view(parsed.config.clone(), parsed.compare.clone(), parsed.lecture, parsed.autostart)));
        prop_assert!(again.errors.is_empty(), "{:?}", again.errors);
        prop_assert_eq!(again.config, parsed.config);
    }

    #[test]
    fn every_config_round_trips_through_a_link(a in any_config(), b in any_config(), lecture in prop::bool::ANY, autostart in prop::bool::ANY) {
        let v = view(a.clone(), Some(b.clone()), lecture, autostart);
        let query = to_query(&v);
        for (key, _) in form_urlencoded::parse(query.as_bytes()) {
            prop_assert!(is_known_key(&key), "{key}");
        }
        let parsed = parse_query(&query);
        prop_assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        prop_assert_eq!(parsed.config, a);
        prop_assert_eq!(parsed.compare, Some(b));
        prop_assert_eq!((parsed.lecture, parsed.autostart), (lecture, autostart));
    }
}

#[test]
fn the_same_link_gives_identical_loss_sequences() {
    let link = "acts=tanh,sigmoid,relu&bn=last&lr=0.05&seed=7&batch=16&epochs=1&backend=cpu&stats=0";
    let split = |offset: u8| Split {
        images: (0..200 * 784).map(|i| ((i * 7 + offset as usize) % 251) as u8).collect(),
        labels: (0..200).map(|i| (i % 10) as u8).collect(),
    };
    let dataset = Arc::new(
        Dataset::new(DatasetKind::MnistSubset, ImageShape::MNIST, Normalization::mnist(), split(0), split(3)).unwrap(),
    );
    let run = || {
        let parsed = parse_query(link);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        let mut session = Session::new(parsed.config, dataset.clone(), &Device::flex()).unwrap();
        while !session.is_done() {
            pollster::block_on(session.run(usize::MAX, f64::INFINITY));
        }
        session.history().steps.iter().map(|s| s.loss).collect::<Vec<f32>>()
    };
    let first = run();
    assert_eq!(first.len(), 13);
    assert_eq!(first, run());
}
