//! The data outside the repository: `../shared/data` beside the checkout (full MNIST, CIFAR-10,
//! PyTorch's recorded run). Where it is absent, as on a user's machine, a test that needs it is
//! skipped with one line naming the test and what is missing; where it is present, as in this
//! repository's CI, a missing part of it is a failure, never a skip.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

/// What the data is and where to get it, printed with each skip.
const HOW_TO_GET: &str = "full MNIST, CIFAR-10 and PyTorch's recorded run: see README, Testing";

/// `../shared/data` beside the checkout, or the folder `SHARED_DATA` names (to try the suite as
/// a machine without it would run it: `SHARED_DATA=/nonexistent`).
pub fn root() -> PathBuf {
    match std::env::var_os("SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
    }
}

/// `<root>/<part>`, or `None` (after printing the skip) where the shared data is absent.
/// Panics where the shared data exists but `part` of it does not: that skip would hide a failure.
pub fn data(part: &str) -> Option<PathBuf> {
    data_or(part, "SKIPPED")
}

/// [`data`], for a test that goes on without it: `instead` says what it does then.
pub fn data_or(part: &str, instead: &str) -> Option<PathBuf> {
    let root = root();
    if !root.is_dir() {
        // Only a missing folder is a skip (a missing part of it fails below): name the folder.
        say(instead, &format!("{} is absent ({HOW_TO_GET})", root.display()));
        return None;
    }
    let path = root.join(part);
    assert!(
        path.exists(),
        "{} is missing although {} exists: the test would be skipped where it must run",
        path.display(),
        root.display()
    );
    Some(path)
}

/// Prints that the running test is skipped, and why, once per test (a property test asks once per
/// case). `cargo test` hides a passing test's output, so the line also goes to the file
/// `SKIPPED_TESTS` names, which `npm test` lists in its summary.
pub fn skip(why: &str) {
    say("SKIPPED", why);
}

fn say(what: &str, why: &str) {
    static SAID: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    if !SAID.lock().unwrap_or_else(|e| e.into_inner()).insert(test.to_string()) {
        return;
    }
    let line = format!("{what} {test}: {why}");
    eprintln!("{line}");
    if let Some(file) = std::env::var_os("SKIPPED_TESTS") {
        let append = std::fs::OpenOptions::new().create(true).append(true).open(file);
        // One write per line: tests run in parallel threads, and `writeln!` writes in pieces
        // that another test's line could land between.
        if let Ok(mut f) = append {
            let _ = f.write_all(format!("{} {line}\n", env!("CARGO_CRATE_NAME")).as_bytes());
        }
    }
}
