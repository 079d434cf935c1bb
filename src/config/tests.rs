//! The configuration's own tests: defaults, messages, JSON, links and the table.

use super::*;

#[test]
fn defaults_are_the_article() {
    let c = Config::default();
    assert_eq!(c.acts, [Activation::Relu, Activation::Sigmoid, Activation::Relu]);
    assert_eq!(c.lr, 0.01);
    assert_eq!(c.momentum, 0.5);
    assert_eq!(c.batch_size, 32);
    assert_eq!(c.epochs, 10);
    assert_eq!(c.batch_norm, BatchNormMode::None);
    assert!(c.validate().is_ok());
}

#[test]
fn invalid_settings_are_refused_with_the_field_named() {
    let mut c = Config { lr: 0.0, batch_size: 0, momentum: 1.5, ..Config::default() };
    let errors = c.validate().unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["lr", "momentum", "batch"]);
    c.lr = -1.0;
    assert!(c.validate().unwrap_err()[0].message.contains("learning rate"));
    c.lr = f64::NAN;
    assert_eq!(c.validate().unwrap_err()[0].field, "lr");
    let big = Config { seed: MAX_SEED + 1, ..Config::default() };
    assert_eq!(big.validate().unwrap_err()[0].field, "seed");
}

#[test]
fn unknown_activation_is_refused() {
    let err = Config::from_json(r#"{"acts":["relu","swish","relu"]}"#).unwrap_err();
    assert!(err[0].message.contains("swish"), "{err:?}");
    let mut c = Config::default();
    let err = c.apply_setting("acts", "relu,gelu,relu").unwrap_err();
    assert!(err.message.contains("unknown activation \"gelu\""), "{err}");
    assert_eq!(c.acts, Config::default().acts, "a bad value leaves the config unchanged");
}

#[test]
fn json_round_trip_and_unknown_fields() {
    let c = Config {
        acts: vec![Activation::Selu, Activation::Tanh, Activation::Sigmoid],
        batch_norm: BatchNormMode::Last,
        seed: 42,
        ..Config::default()
    };
    assert_eq!(Config::from_json(&c.to_json()).unwrap(), c);
    assert!(Config::from_json(r#"{"learning_rate":0.1}"#).is_err());
    assert_eq!(Config::from_json("{}").unwrap(), Config::default());
}

#[test]
fn settings_round_trip_through_apply_setting() {
    let c = every_setting_changed();
    let mut back = Config::default();
    for (k, v) in c.settings() {
        back.apply_setting(k, &v).unwrap();
    }
    assert_eq!(back, c);
    assert_eq!(c.settings().len(), SETTING_KEYS.len());
    assert_eq!(c.all_settings().len(), SETTING_KEYS.len());
}

#[test]
fn one_name_per_setting_in_json_links_and_the_table() {
    let json: serde_json::Value = serde_json::from_str(&Config::default().to_json()).unwrap();
    let fields: Vec<&str> = json.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    let mut sorted_keys = SETTING_KEYS.to_vec();
    sorted_keys.sort();
    let mut sorted_fields = fields.clone();
    sorted_fields.sort();
    assert_eq!(sorted_fields, sorted_keys, "JSON fields are the setting names");
    let link: Vec<&str> = Config::default().all_settings().iter().map(|(k, _)| *k).collect();
    assert_eq!(link, SETTING_KEYS);
    // The article's network needs none of the network settings in a link.
    let short: Vec<&str> = Config::default().settings().iter().map(|(k, _)| *k).collect();
    assert_eq!(short, SETTING_KEYS[..10]);
    assert_eq!(settings_table().iter().map(|s| s.name).collect::<Vec<_>>(), SETTING_KEYS);
    for s in settings_table() {
        // A choice has its choices; free text has none (`acts` is a list of choices).
        assert_eq!(s.choices.is_empty(), !matches!(s.input, "choice") && s.name != "acts", "{}", s.name);
    }
    // The CLI's help is the table's, with the choices spelled out.
    assert_eq!(setting_help("bn"), format!("{}; one of none, all, last", settings_table()[2].help));
    assert_eq!(setting_help("lr"), settings_table()[3].help);
    // The help states the range the validation checks, and a number's kind follows it.
    assert!(setting_help("epochs").ends_with(&format!("between 1 and {MAX_EPOCHS}")), "{}", setting_help("epochs"));
    assert!(setting_help("acts").contains(&format!("1 to {MAX_LAYERS} layers")));
    let input = |name: &str| settings_table().into_iter().find(|s| s.name == name).unwrap().input;
    assert_eq!([input("batch"), input("lr"), input("widths"), input("bn")], ["integer", "number", "list", "choice"]);
    assert_eq!(setting_help("nonsense"), "");
    // Old JSON spellings still read as the same configuration.
    let old = Config::from_json(r#"{"batch_norm":"last","batch_size":64,"stats_every":5}"#).unwrap();
    let new = Config::from_json(r#"{"bn":"last","batch":64,"stats":5}"#).unwrap();
    assert_eq!(old, new);
    assert_eq!((new.batch_norm, new.batch_size, new.stats_every), (BatchNormMode::Last, 64, 5));
}

#[test]
fn form_settings_are_validated_once_under_their_names() {
    let c = Config::from_settings(&[("acts", "selu,tanh,relu"), ("lr", "0.05"), ("seed", "9007199254740991")]).unwrap();
    assert_eq!(c.acts, [Activation::Selu, Activation::Tanh, Activation::Relu]);
    assert_eq!((c.lr, c.seed), (0.05, MAX_SEED));
    let errors = Config::from_settings(&[("lr", "abc"), ("batch", "0"), ("seed", "9007199254740992")]).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["lr", "batch", "seed"], "{errors:?}");
    assert_eq!(errors[0].message, "a number > 0 and ≤ 100 expected, got \"abc\"");
    assert!(errors[2].message.contains("9007199254740991"), "{}", errors[2]);
}

/// The message of the one error `key=value` gives over the defaults.
fn message(key: &str, value: &str) -> String {
    let errors = Config::from_settings(&[(key, value)]).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].field, key);
    errors[0].message.clone()
}

#[test]
fn out_of_range_values_give_the_allowed_range() {
    assert_eq!(message("epochs", "-3"), "epochs must be between 1 and 100000, got -3");
    assert_eq!(message("epochs", "0"), "epochs must be between 1 and 100000, got 0");
    assert_eq!(message("epochs", "2.5"), "epochs must be a whole number between 1 and 100000, got 2.5");
    assert_eq!(message("epochs", "ten"), "a whole number between 1 and 100000 expected, got \"ten\"");
    assert_eq!(message("batch", "-1"), "batch size must be between 1 and 4096, got -1");
    assert_eq!(message("batch", "5000"), "batch size must be between 1 and 4096, got 5000");
    assert_eq!(message("seed", "-7"), "seed must be between 0 and 9007199254740991, got -7");
    assert_eq!(
        message("seed", "9007199254740992"),
        "seed must be between 0 and 9007199254740991, got 9007199254740992"
    );
    assert_eq!(message("stats", "-1"), "statistics cadence must be between 0 and 100000 steps, got -1");
    assert_eq!(message("lr", "-0.5"), "learning rate must be > 0 and ≤ 100, got -0.5");
    assert_eq!(message("lr", "fast"), "a number > 0 and ≤ 100 expected, got \"fast\"");
    assert_eq!(message("momentum", "1"), "momentum must be in [0, 1), got 1");
    assert_eq!(message("momentum", "-0.1"), "momentum must be in [0, 1), got -0.1");
    // Whole numbers too large for the field (on any platform) still name the range.
    assert_eq!(message("batch", "18446744073709551616"), "batch size must be between 1 and 4096, got 1.84467e19");
    assert_eq!(message("epochs", "1e30"), "epochs must be between 1 and 100000, got 1e30");
    // A whole number written in exponent form is one.
    assert_eq!(Config::from_settings(&[("epochs", "1e2")]).unwrap().epochs, 100);
    // Each range the messages state is the one validation applies: its ends are accepted.
    let ends = [
        ("epochs", "1"),
        ("epochs", "100000"),
        ("batch", "4096"),
        ("seed", "9007199254740991"),
        ("stats", "0"),
        ("stats", "100000"),
        ("lr", "100"),
        ("momentum", "0"),
    ];
    for (key, value) in ends {
        assert!(Config::from_settings(&[(key, value)]).is_ok(), "{key}={value} is in range");
    }
    for (key, value) in [("epochs", "100001"), ("stats", "100001"), ("lr", "100.5"), ("batch", "0")] {
        assert!(message(key, value).contains("must be"), "{key}={value}");
    }
}

#[test]
fn numbers_are_shown_short_in_messages() {
    assert_eq!(message("lr", "1e308"), "learning rate must be > 0 and ≤ 100, got 1e308");
    assert_eq!(message("lr", "-1e-320"), "learning rate must be > 0 and ≤ 100, got -1e-320");
    assert_eq!(message("lr", "123456789.123456789"), "learning rate must be > 0 and ≤ 100, got 123457000");
    assert_eq!(message("momentum", "-1.00000000000000000001e-300"), "momentum must be in [0, 1), got -1e-300");
    assert_eq!(message("epochs", "-1e300"), "epochs must be between 1 and 100000, got -1e300");
    assert_eq!(message("lr", "inf"), "learning rate must be > 0 and ≤ 100, got inf");
    assert_eq!(short_number(0.01), "0.01");
    assert_eq!(short_number(0.1 + 0.2), "0.3");
    assert_eq!(short_number(1.0 / 3.0), "0.333333");
    assert_eq!(short_number(-2.0e-12), "-2e-12");
    assert_eq!(short_number(f64::NAN), "NaN");
    for x in [1e308, -1e308, f64::MAX, f64::MIN_POSITIVE, 5e-324, 1.0 / 7.0, 123456.7890123, 9.87654321e15] {
        let text = short_number(x);
        assert!(text.len() <= 12, "{x}: {text}");
        let back: f64 = text.parse().unwrap();
        assert!(((back - x) / x).abs() < 1e-5, "{x} shown as {text}");
    }
}

#[test]
fn depth_and_widths_go_together() {
    let c = Config::from_settings(&[("acts", "sigmoid,sigmoid,sigmoid,sigmoid,sigmoid")]).unwrap();
    assert_eq!(c.widths, [500, 256, 256, 256], "a deeper net extends the widths with the last one");
    assert_eq!(c.layer_sizes(784), [784, 500, 256, 256, 256, 10]);
    let c = Config::from_settings(&[("acts", "relu,relu"), ("widths", "32")]).unwrap();
    assert_eq!((c.acts.len(), c.widths.clone()), (2, vec![32]));
    let c = Config::from_settings(&[("widths", "8,8,8"), ("acts", "tanh,tanh,tanh,identity")]).unwrap();
    assert_eq!(c.widths, [8, 8, 8], "widths that fit the new depth are kept");
    assert_eq!(Config::from_settings(&[("acts", "identity")]).unwrap().layer_sizes(3), [3, 10]);
    assert!(message("widths", "1,2,3").contains("3 activations need 2 hidden widths"));
    assert_eq!(message("widths", "0,4"), "each hidden width must be between 1 and 1024, got 0");
    assert_eq!(message("widths", "4,2000"), "each hidden width must be between 1 and 1024, got 2000");
    assert!(message("acts", "relu,relu,relu,relu,relu,relu,relu,relu,relu,relu,relu").contains("1 to 10"));
    assert_eq!(message("gain", "0"), "init gain must be > 0 and ≤ 10, got 0");
    assert!(message("init", "orthogonal").contains("unknown initialisation"));
    assert!(message("bias", "maybe").contains("1 or 0"));
    // The Q&A's single output takes the squared error unless a loss is named; a loss that cannot
    // go with it is named, and so is the dataset it takes back.
    assert_eq!(Config::from_settings(&[("dataset", "qa")]).unwrap().loss, Loss::Sse);
    let errors = Config::from_settings(&[("dataset", "qa"), ("loss", "nll")]).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["loss", "dataset"], "{errors:?}");
    let qa = Config::from_settings(&[("dataset", "qa"), ("loss", "sse"), ("acts", "sigmoid,sigmoid")]).unwrap();
    assert_eq!(qa.layer_sizes(3), [3, 500, 1]);
}

#[test]
fn deep_titles_count_repeated_activations() {
    let deep = Config::from_settings(&[("acts", "sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,relu")]);
    assert_eq!(deep.unwrap().describe(false), "sigmoid ×7 → relu");
    let c = Config::from_settings(&[("acts", "relu,tanh,tanh,relu"), ("bn", "last")]).unwrap();
    assert_eq!(c.describe(true), "relu → tanh ×2 → relu + BN last");
    assert_eq!(Config::default().describe(false), "relu → sigmoid → relu", "the article's three stay written out");
}

#[test]
fn label_names_the_combination() {
    let mut c = Config::default();
    assert_eq!(c.label(), "relu-sigmoid-relu");
    c.batch_norm = BatchNormMode::Last;
    assert_eq!(c.label(), "relu-sigmoid-relu+bn(last)");
}

/// A config with every setting away from its default (each test of a round trip starts here).
pub(crate) fn every_setting_changed() -> Config {
    Config {
        dataset: DatasetKind::Cifar10,
        acts: vec![Activation::Tanh, Activation::Selu, Activation::Sigmoid],
        batch_norm: BatchNormMode::All,
        lr: 0.0375,
        momentum: 0.9,
        batch_size: 128,
        epochs: 3,
        seed: MAX_SEED,
        backend: BackendKind::Cpu,
        stats_every: 7,
        widths: vec![64, 1024],
        init: Init::He,
        gain: 0.5,
        bias: false,
        loss: Loss::Sse,
    }
}
