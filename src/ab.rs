//! The A/B comparison's rules: what B may set differently from A, B named by those differences,
//! and the verdict (which network reached the better test accuracy, or that the two did about
//! the same).

use crate::config::{BatchNormMode, Config, ConfigError, short_number};
use serde::Serialize;

/// The settings B may set differently from A (its form's fields; `b.` keys in a link). B shares
/// every other setting with A, so the two runs see the same images in the same order from the
/// same initial weights (as far as the layers match), and only the change differs.
pub const B_SETTINGS: [&str; 3] = ["acts", "bn", "lr"];

/// The two sides' names on the page: A by its combination, B by what it sets differently from
/// A and by nothing else.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AbNames {
    /// A's head: "relu → sigmoid → relu · lr 0.01".
    pub a: String,
    /// For B's head and table row: "relu → tanh → tanh · BatchNorm: After every Linear layer".
    pub b: String,
    /// For the one-line heading: "relu → tanh → tanh · BN all".
    pub b_short: String,
}

/// The settings in which `b` differs from `a`, each with B's text.
fn differing(a: &Config, b: &Config) -> impl Iterator<Item = (&'static str, String)> {
    b.all_settings().into_iter().zip(a.all_settings()).filter(|((_, text), (_, a_text))| text != a_text).map(|(b, _)| b)
}

/// A's and B's names; B's lists its differences from A, each only where it differs ("same as
/// A" where none does).
pub fn names(a: &Config, b: &Config) -> AbNames {
    let acts = Config { batch_norm: BatchNormMode::None, ..b.clone() }.describe(true);
    let (mut long, mut short) = (Vec::new(), Vec::new());
    for (name, text) in differing(a, b).filter(|(name, _)| B_SETTINGS.contains(name)) {
        let (l, s) = match name {
            "acts" => (acts.clone(), acts.clone()),
            "bn" => (
                format!("BatchNorm: {}", b.batch_norm.title()),
                b.batch_norm.in_title(true).unwrap_or("no BN").to_string(),
            ),
            _ => (format!("{name} {text}"), format!("{name} {text}")),
        };
        long.push(l);
        short.push(s);
    }
    let a_name = format!("{} · lr {}", a.describe(false), short_number(a.lr));
    if long.is_empty() {
        return AbNames { a: a_name, b: "same as A (set what B changes)".into(), b_short: "same as A".into() };
    }
    AbNames { a: a_name, b: long.join(" · "), b_short: short.join(" · ") }
}

/// One problem per setting a link sets for B that B cannot hold (it shares all but
/// [`B_SETTINGS`] with A): the page runs B with A's.
pub fn shared_setting_errors(a: &Config, b: &Config) -> Vec<ConfigError> {
    differing(a, b)
        .filter(|(name, _)| !B_SETTINGS.contains(name))
        .map(|(name, _)| {
            ConfigError::new(
                &format!("b.{name}"),
                format!("B always uses A's {name} (the two runs share data, order and seed); ignored"),
            )
        })
        .collect()
}

/// Test accuracies closer than this many percentage points are "about the same": the spread of
/// one combination's runs over seeds on MNIST is about this wide.
pub const SAME_WITHIN_POINTS: f64 = 0.5;

/// `about the same`, or `B is 1.2 points better`, for test accuracies `a` and `b` (fractions).
pub fn verdict(a: f64, b: f64) -> String {
    let diff = 100.0 * (b - a);
    if diff.abs() < SAME_WITHIN_POINTS {
        return "about the same".into();
    }
    format!("{} is {:.1} points better", if diff > 0.0 { "B" } else { "A" }, diff.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_a_point_apart_is_a_difference() {
        assert_eq!(verdict(0.97, 0.9749), "about the same");
        assert_eq!(verdict(0.9749, 0.97), "about the same");
        assert_eq!(verdict(0.97, 0.9751), "B is 0.5 points better");
        assert_eq!(verdict(0.98, 0.35), "A is 63.0 points better");
    }

    #[test]
    fn b_is_named_by_its_own_differences_only() {
        let a = Config::default();
        let same = names(&a, &a);
        assert_eq!(same.a, "relu → sigmoid → relu · lr 0.01");
        assert_eq!((same.b.as_str(), same.b_short.as_str()), ("same as A (set what B changes)", "same as A"));
        let bn = Config { batch_norm: BatchNormMode::Last, ..a.clone() };
        let b = names(&a, &bn);
        assert_eq!((b.b.as_str(), b.b_short.as_str()), ("BatchNorm: After the last Linear layer only", "BN last"));
        let no_bn = names(&bn, &a);
        assert_eq!(no_bn.a, "relu → sigmoid → relu + BatchNorm on the last layer · lr 0.01");
        assert_eq!((no_bn.b.as_str(), no_bn.b_short.as_str()), ("BatchNorm: None", "no BN"));
        let acts = Config::from_settings(&[("acts", "relu,tanh,tanh"), ("bn", "all"), ("lr", "0.1")]).unwrap();
        let b = names(&a, &acts);
        assert_eq!(b.b, "relu → tanh → tanh · BatchNorm: After every Linear layer · lr 0.1");
        assert_eq!(b.b_short, "relu → tanh → tanh · BN all · lr 0.1");
        // What B cannot set is not part of its name.
        let epochs = Config { epochs: 3, ..a.clone() };
        assert_eq!(names(&a, &epochs).b_short, "same as A");
    }

    #[test]
    fn what_b_shares_with_a_is_named_when_a_link_sets_it() {
        let a = Config::default();
        let b = Config::from_settings(&[("epochs", "9"), ("seed", "4"), ("lr", "0.2")]).unwrap();
        let errors = shared_setting_errors(&a, &b);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["b.epochs", "b.seed"]);
        assert_eq!(errors[0].message, "B always uses A's epochs (the two runs share data, order and seed); ignored");
        assert!(shared_setting_errors(&a, &a).is_empty());
    }
}
