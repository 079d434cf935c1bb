//! Share links: round trips, identical runs from the same link, and a fuzz of malformed links.

use activation_playground::config::{
    Activation, BackendKind, BatchNormMode, Config, DatasetKind, Init, Loss, MAX_SEED, SETTING_KEYS,
};
use activation_playground::data::{Dataset, ImageShape, Normalization, Split};
use activation_playground::share::{PageFlags, SharedView, parse_query, to_query};

/// Whether `key` is something a share link may carry: a setting (`b.` + it for B) or a page flag.
fn is_known_key(key: &str) -> bool {
    let bare = key.strip_prefix("b.").unwrap_or(key);
    ["preset", "lecture", "autostart", "embed", "view", "compare", "lesson", "step"].contains(&key)
        || SETTING_KEYS.contains(&bare)
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

fn view(config: Config, compare: Option<Config>, flags: PageFlags) -> SharedView {
    SharedView { compare, flags, ..SharedView::single(config) }
}

/// Pieces that make links almost right: real keys, near-miss values, junk and encodings.
fn link_piece() -> impl Strategy<Value = String> {
    let keys: Vec<String> = SETTING_KEYS
        .iter()
        .flat_map(|k| [k.to_string(), format!("b.{k}")])
        .chain(
            ["preset", "lecture", "autostart", "embed", "compare", "lesson", "step", "", "b.", "ACTS", "acts[]"]
                .map(String::from),
        )
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
        let again = parse_query(&to_query(&view(parsed.config.clone(), parsed.compare.clone(), parsed.flags)));
        prop_assert!(again.errors.is_empty(), "{:?}", again.errors);
        prop_assert_eq!(again.config, parsed.config);
    }

    #[test]
    fn every_config_round_trips_through_a_link(a in any_config(), b in any_config(), lecture in prop::bool::ANY, autostart in prop::bool::ANY, embed in prop::bool::ANY) {
        let flags = PageFlags { lecture, autostart, embed };
        let v = view(a.clone(), Some(b.clone()), flags);
        let query = to_query(&v);
        for (key, _) in form_urlencoded::parse(query.as_bytes()) {
            prop_assert!(is_known_key(&key), "{key}");
        }
        let parsed = parse_query(&query);
        prop_assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        prop_assert_eq!(parsed.config, a);
        prop_assert_eq!(parsed.compare, Some(b));
        prop_assert_eq!(parsed.flags, flags);
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

/// The text a setting's value reads as once applied (`None`: the value itself is bad).
fn applied_text(key: &str, value: &str) -> Option<String> {
    let mut config = Config::default();
    config.apply_setting(key, value).ok()?;
    config.all_settings().into_iter().find(|(k, _)| *k == key).map(|(_, v)| v)
}

fn text_of(config: &Config, key: &str) -> String {
    config.all_settings().into_iter().find(|(k, _)| *k == key).map(|(_, v)| v).unwrap_or_default()
}

/// Every setting `query` names is applied (A, or B when there is a B side) or named in the
/// notice (its own line, or a line that names it, e.g. `compare: is 0, so b.acts … not applied`).
fn check_honest(query: &str) -> Result<(), String> {
    let parsed = parse_query(query);
    let named = |key: &str| parsed.errors.iter().any(|e| e.field == key || e.message.contains(key));
    let mut last: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        last.retain(|(key, _)| *key != k);
        last.push((k.into_owned(), v.into_owned()));
    }
    for (key, value) in &last {
        let (side, bare) = match key.strip_prefix("b.") {
            Some(bare) => (parsed.compare.as_ref(), bare),
            None => (Some(&parsed.config), key.as_str()),
        };
        if !SETTING_KEYS.contains(&bare) {
            continue;
        }
        let applied = match (side, applied_text(bare, value)) {
            (Some(config), Some(want)) => text_of(config, bare) == want,
            _ => false,
        };
        if !applied && !named(key) {
            return Err(format!("{query}: {key}={value} was neither applied nor named: {:?}", parsed.errors));
        }
    }
    Ok(())
}

/// Links that set the settings which depend on each other: the dataset, the loss, the depth
/// (acts), the widths, and the B side (compare and its `b.` keys).
fn dependent_link() -> impl Strategy<Value = String> {
    let opt = |values: &[&'static str]| prop::option::of(prop::sample::select(values.to_vec()));
    let datasets = ["mnist-subset", "qa", "cifar10-subset", "mnist"];
    let losses = ["nll", "sse"];
    let acts = ["relu", "sigmoid,relu", "relu,sigmoid,relu", "tanh,tanh,tanh,tanh", "selu,,selu"];
    let widths = ["", "4", "500,256", "8,8,8", "0"];
    let compare = ["0", "1"];
    (
        (opt(&datasets), opt(&losses), opt(&acts), opt(&widths)),
        (opt(&compare), opt(&datasets), opt(&losses), opt(&acts), opt(&widths)),
        prop::collection::vec(0usize..9, 0..9),
    )
        .prop_map(|((d, l, a, w), (c, bd, bl, ba, bw), order)| {
            let mut pairs: Vec<String> = [
                ("dataset", d),
                ("loss", l),
                ("acts", a),
                ("widths", w),
                ("compare", c),
                ("b.dataset", bd),
                ("b.loss", bl),
                ("b.acts", ba),
                ("b.widths", bw),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
            .collect();
            // In any order (the order of a link's keys must not matter to what is reported).
            for (i, j) in order.into_iter().enumerate() {
                let n = pairs.len();
                if n > 1 {
                    pairs.swap(i % n, j % n);
                }
            }
            pairs.join("&")
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Every pair of dependent settings (dataset ↔ loss ↔ acts ↔ widths ↔ compare): whatever a
    /// link names is applied or named in the notice.
    #[test]
    fn a_link_applies_or_names_every_dependent_setting(query in dependent_link()) {
        prop_assert_eq!(check_honest(&query), Ok(()));
        let parsed = parse_query(&query);
        prop_assert!(parsed.config.validate().is_ok());
    }
}

#[test]
fn the_qa_dataset_is_applied_with_its_loss_or_named() {
    let parsed = parse_query("dataset=qa&batch=1000");
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(
        (parsed.config.dataset, parsed.config.batch_size, parsed.config.loss),
        (DatasetKind::Qa, 1000, Loss::Sse)
    );
    // A loss that cannot go with it: both are named, neither silently dropped.
    let parsed = parse_query("dataset=qa&loss=nll");
    let fields: Vec<&str> = parsed.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["loss", "dataset"], "{:?}", parsed.errors);
    assert!(parsed.errors[1].message.starts_with("not applied: it goes with loss"), "{:?}", parsed.errors);
    assert_eq!(parsed.config.dataset, DatasetKind::MnistSubset);
    // The same on the B side.
    let parsed = parse_query("b.dataset=qa&b.loss=nll");
    let fields: Vec<&str> = parsed.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["b.loss", "b.dataset"], "{:?}", parsed.errors);
    // The depth and the widths: a bad pair names both.
    let parsed = parse_query("acts=relu,relu&widths=5,5");
    let fields: Vec<&str> = parsed.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["widths", "acts"], "{:?}", parsed.errors);
    for query in
        ["dataset=qa&batch=1000", "dataset=qa&loss=nll", "acts=relu,relu&widths=5,5", "compare=0&b.acts=relu&b.bn=all"]
    {
        check_honest(query).unwrap();
    }
}

#[test]
fn a_key_repeated_any_number_of_times_gets_one_line() {
    for key in ["seed", "colour", "b.lr", ""] {
        let query = vec![format!("{key}=3"); 3000].join("&");
        let parsed = parse_query(&query);
        assert_eq!(parsed.errors.len(), if key == "colour" { 2 } else { 1 }, "{key}: {:?}", parsed.errors);
        assert!(parsed.errors[0].message.contains("3,000"), "{:?}", parsed.errors[0]);
    }
    let parsed = parse_query("seed=3&seed=4&seed=5");
    assert_eq!(parsed.config.seed, 5);
    assert_eq!(parsed.errors[0].to_string(), "seed: given 3 times; the last value applies");
    let parsed = parse_query("compare=0&b.acts=relu,relu,relu&b.bn=all");
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.errors[0].to_string(), "compare: is 0, so b.acts, b.bn not applied");
}
