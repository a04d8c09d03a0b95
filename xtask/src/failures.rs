//! Why each test failed, in a few lines at the very end of a run. libtest prints its failure
//! reports after each test binary, in the middle of a long log; a CI page that keeps only the
//! log's head and tail (as ours does) showed which tests failed and not why.

use std::fmt::Write as _;

/// Lines kept of one test's report: a desktop test's captured tray log can be thousands.
const MAX_LINES: usize = 4000;
/// Characters the digest may take in all: it has to fit the tail of a CI log.
const BUDGET: usize = 1400;
/// At least this much of each report, however many failed.
const MIN_EACH: usize = 160;
/// Reports shown; the rest are named by count.
const MAX_SHOWN: usize = 8;

/// The failure reports of libtest's stdout, gathered line by line.
#[derive(Default, Debug)]
pub(crate) struct Failures {
    current: Option<Report>,
    done: Vec<Report>,
}

#[derive(Debug)]
struct Report {
    test: String,
    lines: Vec<String>,
}

impl Failures {
    /// Feeds one line of libtest's stdout.
    pub(crate) fn add_line(&mut self, line: &str) {
        let line = line.trim_end_matches(['\n', '\r']);
        if let Some(test) = line.strip_prefix("---- ").and_then(|r| r.strip_suffix(" stdout ----")) {
            self.finish();
            self.current = Some(Report {
                test: test.to_owned(),
                lines: Vec::new(),
            });
        } else if line == "failures:" || line.starts_with("test result:") {
            self.finish();
        } else if let Some(report) = &mut self.current
            && report.lines.len() < MAX_LINES
        {
            report.lines.push(line.to_owned());
        }
    }

    fn finish(&mut self) {
        self.done.extend(self.current.take());
    }

    /// The digest: each failed test and the gist of its panic, within BUDGET characters.
    pub(crate) fn digest(mut self) -> Option<String> {
        self.finish();
        if self.done.is_empty() {
            return None;
        }
        let shown = self.done.len().min(MAX_SHOWN);
        let each = (BUDGET / shown).max(MIN_EACH);
        let mut out = format!(
            "xtask: why {} test(s) failed (their whole reports are above):\n",
            self.done.len()
        );
        for report in &self.done[..shown] {
            let _ = writeln!(out, "xtask: ✗ {}: {}", report.test, shorten(&report.gist(), each));
        }
        if self.done.len() > shown {
            let _ = writeln!(out, "xtask: … and {} more", self.done.len() - shown);
        }
        Some(out)
    }
}

impl Report {
    /// From the test's panic on (what failed and the output it quotes), on one line, without
    /// blank lines, backtraces and libtest's hints; without a panic line, the last lines.
    fn gist(&self) -> String {
        let panic_of = |thread: &str| {
            let head = format!("thread '{thread}'");
            self.lines
                .iter()
                .position(|l| l.starts_with(&head) && l.contains(" panicked at "))
        };
        let any_panic = || {
            self.lines
                .iter()
                .position(|l| l.starts_with("thread '") && l.contains(" panicked at "))
        };
        let from = panic_of(&self.test)
            .or_else(any_panic)
            .unwrap_or_else(|| self.lines.len().saturating_sub(10));
        let mut lines: Vec<&str> = self.lines[from..]
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty() && !is_noise(l))
            .collect();
        // The test's name is already on the digest's line.
        if let Some(first) = lines.first_mut()
            && first.starts_with(&format!("thread '{}'", self.test))
            && let Some(at) = first.find("panicked at ")
        {
            *first = &first[at..];
        }
        lines.join(" ⏎ ")
    }
}

/// A backtrace's lines and libtest's hints about backtraces.
fn is_noise(line: &str) -> bool {
    let frame = line
        .split_once(": ")
        .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    frame
        || line.starts_with("at ")
        || line == "stack backtrace:"
        || line.starts_with("note: run with `RUST_BACKTRACE")
        || line.starts_with("note: Some details are omitted")
}

/// `text` within `max` characters: its head and its tail (a command's error is often last).
fn shorten(text: &str, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return text.to_owned();
    }
    let half = max.saturating_sub(3) / 2;
    let head: String = chars[..half].iter().collect();
    let tail: String = chars[chars.len() - half..].iter().collect();
    format!("{head} … {tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(text: &str) -> Failures {
        let mut f = Failures::default();
        for line in text.lines() {
            f.add_line(line);
        }
        f
    }

    #[test]
    fn each_failed_test_is_named_with_its_panic() {
        let f = feed(
            "running 3 tests\ntest a ... ok\ntest b::c ... FAILED\n\nfailures:\n\n---- b::c stdout ----\n\
             tray log line\nthread 'b::c' (29792) panicked at tests/it/b.rs:9:5:\nexpected success: `keyhop.exe session start` -> exit status: 1\n\
             stack backtrace:\n   0: __rustc::rust_begin_unwind\n             at /rustc/library/std/src/panicking.rs:689:5\n\
             note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.\n\
             --- stderr ---\nerror: STS said no\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\
             ---- b::d stdout ----\nonly output, no panic\n\nfailures:\n    b::c\n    b::d\n\ntest result: FAILED. 1 passed; 2 failed;\n",
        );
        let digest = f.digest().expect("two failures");
        assert!(digest.starts_with("xtask: why 2 test(s) failed"), "{digest}");
        assert!(
            digest.contains("✗ b::c: panicked at tests/it/b.rs:9:5: ⏎ expected success"),
            "{digest}"
        );
        assert!(digest.contains("error: STS said no\n"), "{digest}");
        assert!(!digest.contains("tray log line"), "{digest}");
        assert!(!digest.contains("RUST_BACKTRACE"), "{digest}");
        assert!(
            !digest.contains("rust_begin_unwind") && !digest.contains("panicking.rs"),
            "{digest}"
        );
        assert!(digest.contains("✗ b::d: only output, no panic\n"), "{digest}");
    }

    #[test]
    fn nothing_failed_nothing_printed() {
        assert!(
            feed("running 1 test\ntest a ... ok\n\ntest result: ok. 1 passed;\n")
                .digest()
                .is_none()
        );
    }

    #[test]
    fn a_long_report_keeps_its_head_and_its_tail_within_the_budget() {
        let long = format!(
            "---- t stdout ----\nthread 't' panicked at x.rs:1:1:\nexpected success: {}\nthe error\n",
            "x".repeat(5000)
        );
        let digest = feed(&long).digest().expect("one failure");
        assert!(digest.chars().count() < BUDGET + 100, "{}", digest.len());
        assert!(digest.contains("panicked at x.rs:1:1"), "{digest}");
        assert!(digest.contains("the error"), "{digest}");
    }

    #[test]
    fn the_tests_own_panic_leads_not_a_panic_quoted_before_or_after_it() {
        let digest = feed(
            "---- w::t stdout ----\nthread 'main' (7) panicked at winit/window.rs:1194:13:\nearlier\n\
             thread 'w::t' (9) panicked at tests/it/w.rs:251:28:\nno window titled \"keyhop\"\n--- tray log ---\n\
             thread 'main' (196) panicked at winit/window.rs:1194:13:\nassertion failed\n",
        )
        .digest()
        .expect("one failure");
        assert!(
            digest.contains("✗ w::t: panicked at tests/it/w.rs:251:28: ⏎ no window titled"),
            "{digest}"
        );
        assert!(
            digest.contains("(196) panicked at winit") && !digest.contains("earlier"),
            "{digest}"
        );
    }
}
