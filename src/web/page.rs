//! The page's small rules, for its main thread: the A/B comparison's names and verdict, how its
//! read-outs write numbers, and the datasets it offers.

use wasm_bindgen::prelude::*;

/// The A/B comparison's names for two JSON configurations: JSON `{a, b, bShort}`, B named by
/// what it sets differently from A (see [`crate::ab::names`]).
#[wasm_bindgen(js_name = abNames)]
pub fn ab_names(a_json: &str, b_json: &str) -> Result<String, JsError> {
    let (a, b) = (super::parse_config(a_json)?, super::parse_config(b_json)?);
    Ok(serde_json::to_string(&crate::ab::names(&a, &b)).unwrap_or_default())
}

/// A number for the page's read-outs ([`crate::format::value`]): `digits` decimals, NaN and ±∞
/// spelled out, very large or small values in exponent form (a diverging run's loss of 1.8e19 is
/// `1.82e+19`, not twenty digits).
#[wasm_bindgen(js_name = formatValue)]
pub fn format_value(v: f64, digits: u32) -> String {
    crate::format::value(v, digits as usize)
}

/// A fraction as the page's read-outs write it ([`crate::format::readout_percent`]): `97.8%`.
#[wasm_bindgen(js_name = formatPercent)]
pub fn format_percent(fraction: f64) -> String {
    crate::format::readout_percent(fraction)
}

/// The A/B run's verdict for test accuracies `a` and `b` (fractions): `about the same` or
/// `B is 1.2 points better`.
#[wasm_bindgen(js_name = abVerdict)]
pub fn ab_verdict(a: f64, b: f64) -> String {
    crate::ab::verdict(a, b)
}

/// The datasets the page offers: JSON `{kinds: [{name, label, classes, noun, source, bundled,
/// builtIn}], default, mnistFiles}`.
#[wasm_bindgen(js_name = datasetKinds)]
pub fn dataset_kinds() -> String {
    serde_json::to_string(&crate::data::kinds::kinds()).unwrap_or_default()
}

/// The dataset that dropped or chosen files (JSON list of names) are, where their names tell
/// (CIFAR-10's batches or archive), else `null`.
#[wasm_bindgen(js_name = guessDatasetKind)]
pub fn guess_dataset_kind(names_json: &str) -> Option<String> {
    let names: Vec<String> = serde_json::from_str(names_json).unwrap_or_default();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    crate::data::kinds::guess(&names).map(|kind| kind.name().to_string())
}
