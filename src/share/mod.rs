//! Share links: every setting in the page URL in a readable form, presets with commentary, and
//! the page-only flags (lecture mode, autostart, an A/B comparison).
//!
//! Parsing goes through [`Config::apply_setting`] and [`Config::validate`], the same path as the
//! page's own controls. A bad value never stops the rest of the link from applying.

use crate::config::{Config, ConfigError, clip, parse_flag};
use serde::Serialize;

mod lessons;
mod presets;
pub use lessons::{Lesson, LessonPlace, LessonStep, find_lesson, lessons};
pub use presets::{CLAIM_SEEDS, Claim, Preset, QA_STEPS, find_preset, presets, qa_config};

/// Everything a share link can say.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedView {
    pub config: Config,
    /// The second configuration of an A/B comparison (`b.` keys), if any.
    pub compare: Option<Config>,
    pub preset: Option<String>,
    #[serde(flatten)]
    pub flags: PageFlags,
    /// Which charts fill the chart area (the name of one of [`VIEWS`]); `None`: all four.
    pub view: Option<&'static str>,
    /// The lesson and step the link opens, if any.
    pub lesson: Option<LessonPlace>,
    /// One entry per problem; the valid settings still applied.
    pub errors: Vec<ConfigError>,
}

impl SharedView {
    /// One configuration alone: no B side, preset or page flags (the link that reproduces a run).
    pub fn single(config: Config) -> SharedView {
        SharedView {
            config,
            compare: None,
            preset: None,
            flags: PageFlags::default(),
            view: None,
            lesson: None,
            errors: Vec::new(),
        }
    }
}

/// The page's switches a link can turn on, each as `key=1` (off is the default, and a link
/// leaves it out).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct PageFlags {
    pub lecture: bool,
    pub autostart: bool,
    /// Only the chosen view's charts and a play/step control, sized to an iframe (a blog post,
    /// a slide), with a link to the full playground.
    pub embed: bool,
}

impl PageFlags {
    /// Each switch with its link key, in the order a link writes them.
    fn switches(&mut self) -> [(&'static str, &mut bool); 3] {
        [("lecture", &mut self.lecture), ("autostart", &mut self.autostart), ("embed", &mut self.embed)]
    }

    /// The switch whose link key is `key`.
    fn switch(&mut self, key: &str) -> Option<&mut bool> {
        self.switches().into_iter().find(|(k, _)| *k == key).map(|(_, on)| on)
    }

    /// The link keys of the switches that are on.
    fn on(mut self) -> Vec<&'static str> {
        self.switches().into_iter().filter(|(_, on)| **on).map(|(key, _)| key).collect()
    }
}

/// A chart view a link can ask for (`view=`): its one name (link value, tab, `data-view`), the
/// tab's label, and its kind (`all`, `one` large chart, or `two`: the loss and one more).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ChartView {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
}

const fn chart_view(name: &'static str, label: &'static str, kind: &'static str) -> ChartView {
    ChartView { name, label, kind }
}

/// Every chart view, in the order of the page's tabs (www/views.js draws them from this table).
pub const VIEWS: [ChartView; 8] = [
    chart_view("all", "All four", "all"),
    chart_view("loss", "Loss", "one"),
    chart_view("activations", "Activations", "one"),
    chart_view("gradients", "Gradients", "one"),
    chart_view("health", "Health", "one"),
    chart_view("loss+activations", "Loss + activations", "two"),
    chart_view("loss+gradients", "Loss + gradients", "two"),
    chart_view("loss+health", "Loss + health", "two"),
];

fn view_names() -> String {
    VIEWS.iter().map(|v| v.name).collect::<Vec<_>>().join(", ")
}

/// Applies `pairs` over `base` (see [`Config::with_settings`]), collecting one error per problem
/// (prefixed with `prefix` for the B side).
fn apply_pairs(base: &Config, pairs: &[(String, String)], prefix: &str, errors: &mut Vec<ConfigError>) -> Config {
    let (config, problems) = base.with_settings(pairs);
    errors.extend(problems.into_iter().map(|mut e| {
        e.field = format!("{prefix}{}", e.field);
        e
    }));
    config
}

/// The link's `key=value` pairs, each key once (its last value, where it last stood), and one
/// error per problem: an empty key, or a key given more than once (one line however often).
fn unique_pairs(query: &str, errors: &mut Vec<ConfigError>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    // Per repeated key: the key, its error's index and how often it was given.
    let mut repeats: Vec<(String, usize, usize)> = Vec::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let (key, value) = (key.into_owned(), value.into_owned());
        let empty = key.trim().is_empty();
        if empty && value.is_empty() {
            continue;
        }
        if let Some(repeat) = repeats.iter_mut().find(|r| r.0 == key) {
            repeat.2 += 1;
        } else if empty || pairs.iter().any(|(k, _)| *k == key) {
            let (name, message) = if empty {
                ("(empty key)".to_string(), format!("a value {:?} without a setting name", clip(&value)))
            } else {
                (clip(&key), "given more than once; the last value applies".to_string())
            };
            errors.push(ConfigError::new(&name, message));
            repeats.push((key.clone(), errors.len() - 1, 2 - usize::from(empty)));
        }
        if !empty {
            pairs.retain(|(k, _)| *k != key);
            pairs.push((key, value));
        }
    }
    for (key, at, count) in repeats {
        let empty = key.trim().is_empty();
        if count > 2 || (empty && count > 1) {
            let n = crate::format::thousands(count);
            errors[at].message = if empty {
                format!("given {n} values without a setting name")
            } else {
                format!("given {n} times; the last value applies")
            };
        }
    }
    pairs
}

/// Parses a page query (with or without the leading `?`). Never fails: problems are listed in
/// `errors` and the affected settings keep their defaults (or the preset's or lesson step's
/// values). Every setting the link names is applied or named in `errors`.
pub fn parse_query(query: &str) -> SharedView {
    let query = query.trim().trim_start_matches('?');
    let mut errors = Vec::new();
    let mut a_pairs = Vec::new();
    let mut b_pairs = Vec::new();
    let mut preset_name = None;
    let mut flags = PageFlags::default();
    let mut shown_view = None;
    let mut compare_flag = None;
    let (mut lesson_name, mut step) = (None, None);
    for (key, value) in unique_pairs(query, &mut errors) {
        if let Some(on) = flags.switch(&key) {
            parse_flag(&key, &value).map(|v| *on = v).unwrap_or_else(|e| errors.push(e));
            continue;
        }
        match key.as_str() {
            "preset" => preset_name = Some(value),
            "lesson" => lesson_name = Some(value),
            "step" => step = Some(value),
            "view" => match VIEWS.iter().find(|v| v.name == value.trim()) {
                Some(v) => shown_view = Some(v.name),
                None => errors.push(ConfigError::new(
                    "view",
                    format!("unknown view {:?} (known: {})", clip(&value), view_names()),
                )),
            },
            "compare" => parse_flag(&key, &value).map(|v| compare_flag = Some(v)).unwrap_or_else(|e| errors.push(e)),
            _ => match key.strip_prefix("b.") {
                Some(rest) => b_pairs.push((rest.to_string(), value)),
                None => a_pairs.push((key, value)),
            },
        }
    }
    // A lesson's step gives the settings the rest of the link changes (as a preset does).
    let mut lesson = None;
    let mut base = SharedView::single(Config::default());
    match (lesson_name, &step) {
        (Some(name), _) => {
            if let Some(place) = lessons::place(&name, step.as_deref(), &mut errors) {
                base = parse_query(place.query());
                errors.append(&mut base.errors);
                lesson = Some(place);
            }
        }
        (None, Some(_)) => {
            errors.push(ConfigError::new("step", "names a step of a lesson, but the link has no lesson"))
        }
        (None, None) => {}
    }
    // `compare=0` means no B side, whatever `b.` keys say; without `compare`, a `b.` key asks for one.
    if compare_flag == Some(false) && !b_pairs.is_empty() {
        let mut named: Vec<String> = b_pairs.iter().take(5).map(|(k, _)| format!("b.{}", clip(k))).collect();
        if b_pairs.len() > 5 {
            named.push(format!("{} more", b_pairs.len() - 5));
        }
        errors.push(ConfigError::new("compare", format!("is 0, so {} not applied", named.join(", "))));
        b_pairs.clear();
    }
    let mut preset = base.preset.take();
    if let Some(name) = preset_name {
        match (find_preset(&name), &lesson) {
            (Some(_), Some(_)) => errors.push(ConfigError::new(
                "preset",
                format!("{:?} not applied: the lesson's step sets the settings", clip(&name)),
            )),
            (Some(p), None) => {
                base.config = p.config.clone();
                preset = Some(p.name.to_string());
            }
            (None, _) => errors.push(ConfigError::new(
                "preset",
                format!(
                    "unknown preset {:?} (known: {})",
                    clip(&name),
                    presets().iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }
    let config = apply_pairs(&base.config, &a_pairs, "", &mut errors);
    // The step's B side, with the link's own settings for A (their problems are named once, for A).
    let b_base = match &base.compare {
        Some(b) if compare_flag != Some(false) => b.with_settings(&a_pairs).0,
        _ => config.clone(),
    };
    let compare_flag = compare_flag.unwrap_or(base.compare.is_some());
    let compare = (compare_flag || !b_pairs.is_empty()).then(|| apply_pairs(&b_base, &b_pairs, "b.", &mut errors));
    let view = shown_view.or(base.view).filter(|v| *v != "all");
    SharedView { config, compare, preset, flags, view, lesson, errors }
}

/// The readable query for a view (without the leading `?`). B keys list only what differs from A.
pub fn to_query(view: &SharedView) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in &view.config.settings() {
        out.append_pair(key, value);
    }
    if let Some(b) = &view.compare {
        out.append_pair("compare", "1");
        for ((key, value), (_, a_value)) in b.all_settings().iter().zip(&view.config.all_settings()) {
            if value != a_value {
                out.append_pair(&format!("b.{key}"), value);
            }
        }
    }
    if let Some(place) = &view.lesson {
        out.append_pair("lesson", &place.lesson.name);
        out.append_pair("step", &place.step.to_string());
    }
    for key in view.flags.on() {
        out.append_pair(key, "1");
    }
    if let Some(v) = view.view.filter(|v| *v != "all" && VIEWS.iter().any(|known| known.name == *v)) {
        out.append_pair("view", v);
    }
    // Commas in `acts` stay readable.
    out.finish().replace("%2C", ",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Activation, BatchNormMode};

    #[test]
    fn every_setting_round_trips() {
        let config = crate::config::tests::every_setting_changed();
        let query = to_query(&SharedView::single(config.clone()));
        assert!(query.contains("acts=tanh,selu,sigmoid"), "{query}");
        let parsed = parse_query(&format!("?{query}"));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.config, config);
    }

    #[test]
    fn ab_and_flags_round_trip() {
        let a = Config::default();
        let b = Config { acts: vec![Activation::Selu; 3], batch_norm: BatchNormMode::All, ..a.clone() };
        let flags = PageFlags { lecture: true, autostart: true, embed: true };
        let v = SharedView { compare: Some(b.clone()), flags, ..SharedView::single(a.clone()) };
        let query = to_query(&v);
        assert!(query.contains("b.acts=selu,selu,selu") && query.contains("b.bn=all"), "{query}");
        assert!(!query.contains("b.lr"), "only differences are written: {query}");
        let parsed = parse_query(&query);
        assert_eq!(parsed.config, a);
        assert_eq!(parsed.compare, Some(b));
        assert_eq!(parsed.flags, flags);
        assert!(parsed.errors.is_empty());
    }

    #[test]
    fn the_chart_view_travels_in_the_link() {
        for name in VIEWS.map(|v| v.name) {
            let v = SharedView { view: Some(name), ..SharedView::single(Config::default()) };
            let query = to_query(&v);
            // "all" is the default: not written.
            assert_eq!(query.contains("view="), name != "all", "{query}");
            let parsed = parse_query(&query);
            assert_eq!(parsed.view.unwrap_or("all"), name);
            assert!(parsed.errors.is_empty());
        }
        assert!(
            to_query(&SharedView { view: Some("loss+activations"), ..SharedView::single(Config::default()) })
                .ends_with("view=loss%2Bactivations")
        );
        let parsed = parse_query("view=sideways&lecture=1");
        assert_eq!(parsed.view, None);
        assert!(parsed.flags.lecture);
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].field, "view");
        assert!(parsed.errors[0].message.contains("loss+gradients"), "{}", parsed.errors[0].message);
    }

    #[test]
    fn bad_values_are_named_and_the_rest_still_applies() {
        let parsed = parse_query("acts=relu,swish,relu&lr=0&seed=9&colour=red&batch=abc");
        let fields: Vec<&str> = parsed.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["acts", "colour", "batch", "lr"], "{:?}", parsed.errors);
        assert_eq!(parsed.config.seed, 9);
        assert_eq!(parsed.config.lr, Config::default().lr);
        assert_eq!(parsed.config.acts, Config::default().acts);
        assert!(parsed.config.validate().is_ok());
    }

    #[test]
    fn compare_zero_means_no_b_side_even_with_b_keys() {
        let parsed = parse_query("compare=0&b.acts=selu,selu,selu");
        assert_eq!(parsed.compare, None);
        assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
        assert!(parsed.errors[0].to_string().starts_with("compare: is 0"), "{:?}", parsed.errors);
        // Without `compare`, a `b.` key still asks for a B side.
        assert!(parse_query("b.acts=selu,selu,selu").compare.is_some());
        assert!(parse_query("compare=1").compare.is_some());
    }

    #[test]
    fn duplicate_and_empty_keys_are_reported() {
        let parsed = parse_query("seed=3&seed=4&=5&&");
        assert_eq!(parsed.config.seed, 4, "the last value applies");
        let messages: Vec<String> = parsed.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            messages,
            ["seed: given more than once; the last value applies", "(empty key): a value \"5\" without a setting name"]
        );
        assert!(parse_query("seed=3&b.seed=4").errors.is_empty(), "A and B keys are different keys");
    }

    #[test]
    fn presets_load_and_can_be_overridden() {
        let parsed = parse_query("preset=bn-last&seed=3");
        assert_eq!(parsed.preset.as_deref(), Some("bn-last"));
        assert_eq!(parsed.config.batch_norm, BatchNormMode::Last);
        assert_eq!(parsed.config.seed, 3);
        let parsed = parse_query("preset=nope");
        assert_eq!(parsed.errors[0].field, "preset");
        assert!(presets().len() >= 8);
        for p in presets() {
            assert!(p.config.validate().is_ok(), "{}", p.name);
            assert_eq!(parse_query(&format!("preset={}", p.name)).config, p.config);
        }
    }

    #[test]
    fn old_links_with_empty_or_bare_flags_still_read() {
        // Links from before the one `parse_flag`: a page flag given without a value is on.
        for query in ["lecture=&autostart", "lecture&autostart=", "lecture=1&autostart=yes"] {
            let parsed = parse_query(query);
            assert!(parsed.flags.lecture && parsed.flags.autostart && parsed.errors.is_empty(), "{query}: {parsed:?}");
        }
        let parsed = parse_query("compare&b.bn=all");
        assert_eq!(parsed.compare.map(|b| b.batch_norm), Some(BatchNormMode::All));
        assert!(parse_query("lecture=0").errors.is_empty() && !parse_query("lecture=off").flags.lecture);
        let parsed = parse_query("lecture=maybe&bias=0");
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].to_string(), "lecture: 1 or 0 expected, got \"maybe\"");
        assert!(!parsed.config.bias, "the settings' yes/no reads the same way");
        assert!(parse_query("preset=qa-relu&bias").config.bias);
    }

    #[test]
    fn markup_in_a_link_stays_plain_text_in_errors() {
        let parsed = parse_query("acts=%3Cscript%3Ealert(1)%3C/script%3E&%3Cimg%20src=x%3E=1");
        assert_eq!(parsed.errors.len(), 2);
        // The page inserts messages with textContent; here we only check nothing is lost or executed.
        assert!(parsed.errors[0].message.contains("<script>"));
    }
}
