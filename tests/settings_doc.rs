//! docs/settings.md is generated from the settings table; this test fails when it is out of date.
//! Regenerate it with `UPDATE_DOCS=1 cargo test --release --test settings_doc`.

use activation_playground::config::table::settings_markdown;
use activation_playground::config::{Config, SETTING_KEYS};
use std::path::PathBuf;

fn doc_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/settings.md")
}

#[test]
fn settings_doc_is_current() {
    let wanted = settings_markdown();
    let path = doc_path();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &wanted).unwrap();
        eprintln!("wrote {}", path.display());
        return;
    }
    let found = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        found == wanted,
        "docs/settings.md is out of date with the settings table (src/config/table.rs); regenerate it with\n  \
         UPDATE_DOCS=1 cargo test --release --test settings_doc"
    );
}

#[test]
fn the_doc_lists_every_setting_with_its_default() {
    let doc = settings_markdown();
    for ((key, default), help) in Config::default().all_settings().into_iter().zip(SETTING_KEYS) {
        assert_eq!(key, help);
        assert!(doc.contains(&format!("| `{key}` |")), "{key} missing");
        assert!(doc.contains(&format!("| `{default}` |")), "{key}'s default {default} missing");
    }
    assert!(doc.contains("between 1 and 4096"), "a number's range is stated");
    assert!(doc.contains("`last` (After the last Linear layer only)"), "a choice's values and titles are listed");
}
