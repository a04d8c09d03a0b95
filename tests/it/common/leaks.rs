//! For the leak tests (`tests/it/secret_leaks/`): a keyhop process watched from outside (its
//! output kept, the command lines of it and its children sampled from `/proc`), and the shapes
//! of the secrets searched for in what it left behind. Linux only (`/proc`).

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{Out, keyhop_bin};

// --- a process watched from outside ------------------------------------------------------------

/// The command line of `pid`, arguments joined by spaces; None when it is gone (or a zombie).
pub fn cmdline(pid: u32) -> Option<String> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let text = String::from_utf8_lossy(&raw).replace('\0', " ");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Appends the children of `pid` (of all its threads), and theirs, to `out`.
pub fn descendants(pid: u32, out: &mut Vec<u32>) {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return;
    };
    for task in tasks.flatten() {
        let Ok(children) = std::fs::read_to_string(task.path().join("children")) else {
            continue;
        };
        for child in children.split_whitespace().filter_map(|c| c.parse::<u32>().ok()) {
            if !out.contains(&child) {
                out.push(child);
                descendants(child, out);
            }
        }
    }
}

pub fn pipe_into(mut from: impl Read + Send + 'static, into: Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        while let Ok(n) = from.read(&mut chunk) {
            if n == 0 {
                break;
            }
            into.lock().expect("output buffer").extend_from_slice(&chunk[..n]);
        }
    })
}

/// A running command whose output is collected and whose process tree's command lines are
/// sampled every 2 ms until it exits.
pub struct Watched {
    pub child: Child,
    pub what: String,
    pub stdin: Option<ChildStdin>,
    pub stdout: Arc<Mutex<Vec<u8>>>,
    pub stderr: Arc<Mutex<Vec<u8>>>,
    pub readers: Vec<JoinHandle<()>>,
    pub done: Arc<AtomicBool>,
    pub sampler: Option<JoinHandle<(BTreeSet<String>, usize)>>,
}

/// What a watched command did.
pub struct Ran {
    pub out: Out,
    /// Every distinct command line seen in its process tree.
    pub cmdlines: BTreeSet<String>,
    /// How many times keyhop's own command line was read while it ran.
    pub keyhop_samples: usize,
}

impl Watched {
    pub fn spawn(mut cmd: Command, what: &str) -> Watched {
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start `{what}`: {e}"));
        let pid = child.id();
        let done = Arc::new(AtomicBool::new(false));
        let finished = Arc::clone(&done);
        let sampler = std::thread::spawn(move || {
            let (mut seen, mut keyhop_samples) = (BTreeSet::new(), 0);
            loop {
                let last = finished.load(Ordering::SeqCst);
                let mut pids = vec![pid];
                descendants(pid, &mut pids);
                for line in pids.into_iter().filter_map(cmdline) {
                    if line.starts_with(keyhop_bin()) {
                        keyhop_samples += 1;
                    }
                    seen.insert(line);
                }
                if last {
                    return (seen, keyhop_samples);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        let (stdout, stderr) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(Vec::new())));
        let readers = vec![
            pipe_into(child.stdout.take().expect("piped stdout"), Arc::clone(&stdout)),
            pipe_into(child.stderr.take().expect("piped stderr"), Arc::clone(&stderr)),
        ];
        Watched {
            stdin: child.stdin.take(),
            child,
            what: what.to_owned(),
            stdout,
            stderr,
            readers,
            done,
            sampler: Some(sampler),
        }
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().expect("stdout")).into_owned()
    }

    /// Waits until stdout holds `lines` complete lines; returns them.
    pub fn lines(&self, lines: usize, within: Duration) -> Vec<String> {
        let deadline = Instant::now() + within;
        loop {
            let text = self.stdout_text();
            let complete: Vec<String> = text
                .split_inclusive('\n')
                .filter(|l| l.ends_with('\n'))
                .map(|l| l.trim().to_owned())
                .collect();
            if complete.len() >= lines {
                return complete[..lines].to_vec();
            }
            assert!(
                Instant::now() < deadline,
                "`{}` printed no {lines} lines within {within:?}; stdout so far: {text:?}",
                self.what
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until stdout contains `needle`.
    pub fn wait_for(&self, needle: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while !self.stdout_text().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "`{}` did not print {needle:?} within {within:?}; stdout so far: {:?}",
                self.what,
                self.stdout_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn type_text(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin.write_all(text.as_bytes()).expect("write to stdin");
        stdin.flush().expect("flush stdin");
    }

    pub fn finish(mut self, within: Duration) -> Ran {
        drop(self.stdin.take());
        let deadline = Instant::now() + within;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("`{}` did not finish within {within:?}", self.what);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        self.done.store(true, Ordering::SeqCst);
        let (cmdlines, keyhop_samples) = self.sampler.take().expect("sampler").join().expect("sampler thread");
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        let take = |b: &Arc<Mutex<Vec<u8>>>| String::from_utf8_lossy(&b.lock().expect("output")).into_owned();
        Ran {
            out: Out {
                what: self.what.clone(),
                status,
                stdout: take(&self.stdout),
                stderr: take(&self.stderr),
            },
            cmdlines,
            keyhop_samples,
        }
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if self.sampler.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
            self.done.store(true, Ordering::SeqCst);
        }
    }
}

/// `script`'s quoting: one single-quoted word.
pub fn sh_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

// --- what is searched, and for what -----------------------------------------------------------

/// Byte index of the char boundary at or before `i`.
pub fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Up to 160 bytes around `at..at+len`, the match itself replaced by `<label>`.
pub fn excerpt(text: &str, at: usize, len: usize, label: &str) -> String {
    let start = floor_boundary(text, at.saturating_sub(160));
    let end = floor_boundary(text, at + len + 80);
    format!("…{}<{label}>{}…", &text[start..at], &text[at + len..end]).replace('\n', "⏎")
}

pub fn base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Where `text` holds something shaped like a token of the rig's server: `aoa` (access) or
/// `aor` (refresh) followed by at least 100 base64url characters.
pub fn token_shapes(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut hits = vec![];
    let mut i = 0;
    while i + 3 <= b.len() {
        if b[i] == b'a' && b[i + 1] == b'o' && matches!(b[i + 2], b'a' | b'r') && (i == 0 || !base64url(b[i - 1])) {
            let run = b[i + 3..].iter().take_while(|&&c| base64url(c)).count();
            if run >= 100 {
                hits.push((i, 3 + run));
                i += 3 + run;
                continue;
            }
        }
        i += 1;
    }
    hits
}

/// Where `text` holds a run of exactly 86 base64url characters with upper and lower case
/// letters and digits: the shape of the rig's OIDC client secrets (`token_urlsafe(64)`).
pub fn client_secret_shapes(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut hits = vec![];
    let mut i = 0;
    while i < b.len() {
        if !base64url(b[i]) {
            i += 1;
            continue;
        }
        let run = b[i..].iter().take_while(|&&c| base64url(c)).count();
        let word = &b[i..i + run];
        if run == 86
            && word.iter().any(u8::is_ascii_uppercase)
            && word.iter().any(u8::is_ascii_lowercase)
            && word.iter().any(u8::is_ascii_digit)
        {
            hits.push((i, run));
        }
        i += run;
    }
    hits
}
