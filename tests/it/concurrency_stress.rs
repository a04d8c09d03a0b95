//! 50 keyhop processes at once, starting, refreshing and stopping 50 different sessions (30
//! IAM users, 20 roles chained on them) on one credentials file, while this test keeps
//! rewriting a foreign profile of that file the way another careful tool would: under
//! keyhop's lock (`.keyhop.lock` beside the file, an exclusive `flock`, as
//! crates/keyhop-core/src/aws_files/atomic.rs takes it), with a temp file and a rename. A
//! botocore reader parses the file the whole time.
//!
//! Each round gives every session the next verb of start → refresh → stop (sessions are
//! staggered, so every round has all three, each on a session in the state it needs). After
//! each round:
//! - no lost update: state.json (`session list`) says what the round made of each session, and
//!   the credentials file holds exactly the profiles of the active ones, each with the key the
//!   session last got (the keyring's cache); every refreshed role has a new key;
//! - no torn file: botocore never failed to parse it while the round ran, never saw a profile
//!   of keyhop's half-written, never saw the foreign counter go back; botocore lists every profile, the AWS CLI reads it;
//! - every foreign byte kept: the foreign writer found its last value in place before each of
//!   its writes, the last one is in the file, the other foreign sections are byte-identical.
//!
//! 3 rounds by default; 20 with `cargo xtask test --long` (`KEYHOP_LONG_TESTS=1`).
#![cfg(target_os = "linux")]

use crate::common;
use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const USERS: usize = 30;
const ROLES: usize = 20;
const SESSIONS: usize = USERS + ROLES;

/// The foreign part of the credentials file. `x_rewrite_count` of [foreign-live] is what the
/// foreign writer keeps changing; the rest must stay byte for byte.
const FOREIGN: &str = "# keyhop stress test: every byte here belongs to someone else\n\
[default]\n\
aws_access_key_id = AKIADEFAULTDEFAULT01\n\
aws_secret_access_key = defaultSecretExampleXXXXXXXXXXXXXXXXXXXX\n\
; a comment in default\n\
\n\
[foreign-live]\n\
aws_access_key_id = AKIAFOREIGNLIVE00001\n\
aws_secret_access_key = foreignLiveSecretExampleXXXXXXXXXXXXXXXX\n\
x_rewrite_count = 0\n\
\n\
[foreign-static]\n\
aws_access_key_id=AKIAFOREIGNSTATIC001\n\
aws_secret_access_key\t=\tstaticSecretExampleXXXXXXXXXXXXXXXXXXXXX\n\
# trailing comment of foreign-static\n";
const COUNTER: &str = "x_rewrite_count = ";
const FOREIGN_SECTIONS: [&str; 3] = ["default", "foreign-live", "foreign-static"];
const KEYHOP_KEYS: [&str; 4] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "x_security_token_expires",
];

fn rounds() -> usize {
    if std::env::var("KEYHOP_LONG_TESTS").is_ok_and(|v| v == "1") {
        20
    } else {
        3
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verb {
    Start,
    Refresh,
    Stop,
}

impl Verb {
    fn word(self) -> &'static str {
        match self {
            Verb::Start => "start",
            Verb::Refresh => "refresh",
            Verb::Stop => "stop",
        }
    }
    /// What keyhop prints on success.
    fn said(self) -> &'static str {
        match self {
            Verb::Start => "Started",
            Verb::Refresh => "Refreshed",
            Verb::Stop => "Stopped",
        }
    }
}

/// Session `i`'s verb in round `r`: start, refresh, stop in turn, staggered by `i`. Before
/// round 0 the sessions with `i % 3` of 1 or 2 are started, so each verb meets the state it
/// needs: a start an inactive session, a refresh and a stop an active one.
fn verb(i: usize, round: usize) -> Verb {
    match (i + round) % 3 {
        0 => Verb::Start,
        1 => Verb::Refresh,
        _ => Verb::Stop,
    }
}

struct Session {
    alias: String,
    profile: String,
    id: String,
    chained: bool,
}

/// The [section] blocks of an INI text: name (trimmed) -> its lines (header included) up to
/// the next header, trailing blank lines dropped; the lines before the first header are "".
fn raw_sections(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current = String::new();
    for line in text.split('\n') {
        let t = line.trim();
        if t.starts_with('[') && t.ends_with(']') {
            t[1..t.len() - 1].trim().clone_into(&mut current);
        }
        out.entry(current.clone()).or_default().push(line.to_owned());
    }
    for lines in out.values_mut() {
        while lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
    }
    out
}

/// The foreign writer: under keyhop's lock, checks that its last value is still in the file,
/// writes the next one through a temp file and a rename, and counts how often it found
/// keyhop's changes in between.
struct ForeignWriter {
    credentials: PathBuf,
    last: u64,
    writes: u64,
    interleaved: u64,
    previous: String,
}

impl ForeignWriter {
    fn rewrite(&mut self) {
        let dir = self.credentials.parent().expect("credentials dir");
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(".keyhop.lock"))
            .expect("open .keyhop.lock");
        lock.lock().expect("take keyhop's lock");
        let text = std::fs::read_to_string(&self.credentials).expect("read credentials");
        let lines: Vec<&str> = text.split('\n').filter(|l| l.starts_with(COUNTER)).collect();
        assert_eq!(
            lines,
            [format!("{COUNTER}{}", self.last)],
            "lost update: the foreign value written last is not in the file:\n{text}"
        );
        if text != self.previous {
            self.interleaved += 1;
        }
        let next = self.last + 1;
        let new = text.replacen(&format!("{COUNTER}{}\n", self.last), &format!("{COUNTER}{next}\n"), 1);
        let tmp = dir.join(format!(".foreign-writer-{next}"));
        {
            let mut f = std::fs::File::create(&tmp).expect("create temp");
            f.write_all(new.as_bytes()).expect("write temp");
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))
                .expect("chmod temp");
            f.sync_all().expect("sync temp");
        }
        std::fs::rename(&tmp, &self.credentials).expect("rename over credentials");
        std::fs::File::open(dir).and_then(|d| d.sync_all()).expect("sync dir");
        self.last = next;
        self.writes += 1;
        self.previous = new;
        drop(lock);
    }
}

/// botocore's own reader, in a loop until `stop` exists: every parse must work, every
/// keyhop profile present must be whole, the foreign sections present and the counter never
/// going back. Prints a JSON summary.
const READER: &str = r#"
import json, os, sys
from botocore.configloader import raw_config_parse
path, stop, keyhop = sys.argv[1], sys.argv[2], set(sys.argv[3].split(","))
need = {"aws_access_key_id", "aws_secret_access_key", "aws_session_token", "x_security_token_expires"}
reads, problems, last = 0, [], -1
while not os.path.exists(stop) and len(problems) < 20:
    try:
        cfg = raw_config_parse(path)
    except Exception as e:
        problems.append("parse: " + repr(e))
        continue
    reads += 1
    for name in ("default", "foreign-live", "foreign-static"):
        if name not in cfg:
            problems.append("no [%s]" % name)
    count = int(cfg.get("foreign-live", {}).get("x_rewrite_count", "-1"))
    if count < last:
        problems.append("x_rewrite_count went back from %d to %d" % (last, count))
    last = max(last, count)
    for name, section in cfg.items():
        if name in keyhop and not need <= set(section):
            problems.append("[%s] half-written: %s" % (name, sorted(section)))
print(json.dumps({"reads": reads, "problems": problems}))
"#;

fn keyring_session_key(id: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "keyhop", "username", &format!("{id}:session")])
        .stdin(Stdio::null())
        .output()
        .expect("run secret-tool");
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    v["access_key_id"].as_str().map(str::to_owned)
}

fn temp_leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read_dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".keyhop-tmp-") || n.starts_with(".foreign-writer-"))
        .collect()
}

/// botocore's reader (`READER`) on the rig's credentials file, until `stop` exists.
fn start_reader(rig: &Rig, sessions: &[Session], stop: &Path) -> std::process::Child {
    let keyhop_profiles: Vec<&str> = sessions.iter().map(|s| s.profile.as_str()).collect();
    Command::new("python3")
        .args(["-c", READER])
        .arg(rig.credentials_path())
        .arg(stop)
        .arg(keyhop_profiles.join(","))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the botocore reader")
}

/// Runs `verbs` (one per session) as separate keyhop processes, all let go at once; the
/// commands that failed, and how long the slowest took.
fn run_verbs(rig: &Arc<Rig>, sessions: &[Session], verbs: &[Option<Verb>]) -> (Vec<String>, Duration) {
    let jobs: Vec<(String, Verb)> = sessions
        .iter()
        .zip(verbs)
        .filter_map(|(s, v)| v.map(|v| (s.alias.clone(), v)))
        .collect();
    let barrier = Arc::new(Barrier::new(jobs.len()));
    let handles: Vec<_> = jobs
        .into_iter()
        .map(|(alias, verb)| {
            let (rig, barrier) = (Arc::clone(rig), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                let started = Instant::now();
                let out = rig.keyhop(&["session", verb.word(), &alias]);
                (alias, verb, out, started.elapsed())
            })
        })
        .collect();
    let mut slowest = Duration::ZERO;
    let mut failures = vec![];
    for h in handles {
        let (alias, verb, out, took) = h.join().expect("keyhop thread");
        slowest = slowest.max(took);
        if !out.success() || !out.stdout.contains(verb.said()) {
            failures.push(format!("{alias} {}: {out}", verb.word()));
        }
    }
    (failures, slowest)
}

/// Runs `verbs` (one per session) as separate keyhop processes, all let go at once, while the
/// foreign writer and the botocore reader work; checks every outcome. Returns the writer.
fn round(
    rig: &Arc<Rig>,
    sessions: &[Session],
    verbs: &[Option<Verb>],
    mut writer: ForeignWriter,
    label: &str,
) -> ForeignWriter {
    let dir = rig.home.parent().expect("rig dir").to_path_buf();
    let stop_reader = dir.join(format!("stop-reader-{}", label.replace('/', "-of-")));
    let reader = start_reader(rig, sessions, &stop_reader);

    let done = Arc::new(AtomicBool::new(false));
    let writer_done = Arc::clone(&done);
    let writer_thread = std::thread::spawn(move || {
        while !writer_done.load(Ordering::SeqCst) {
            writer.rewrite();
            std::thread::sleep(Duration::from_millis(2));
        }
        writer.rewrite();
        writer
    });

    let began = Instant::now();
    let (failures, slowest) = run_verbs(rig, sessions, verbs);
    let wall = began.elapsed();
    done.store(true, Ordering::SeqCst);
    let writer = writer_thread.join().expect("the foreign writer panicked (see above)");
    std::fs::write(&stop_reader, "").expect("stop the reader");
    let read = reader.wait_with_output().expect("reader output");
    let summary: Value = serde_json::from_slice(&read.stdout).unwrap_or_else(|e| {
        panic!(
            "the botocore reader printed no JSON ({e}): {}",
            String::from_utf8_lossy(&read.stderr)
        )
    });
    eprintln!(
        "concurrency_stress: round {label}: {} processes in {wall:.1?} (slowest {slowest:.1?}); foreign writes so far {}, \
         {} of them after keyhop's; botocore reads {}",
        verbs.iter().flatten().count(),
        writer.writes,
        writer.interleaved,
        summary["reads"]
    );
    assert!(
        failures.is_empty(),
        "round {label}: {} commands failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        summary["problems"],
        Value::Array(vec![]),
        "round {label}: botocore saw a torn file"
    );
    assert!(
        summary["reads"].as_u64().unwrap_or(0) > 0,
        "control: botocore never read the file"
    );
    writer
}

/// After a round: the state, the files and the keyring agree, and say what `active` predicts.
fn check(
    rig: &Rig,
    sessions: &[Session],
    active: &[bool],
    keys_before: &BTreeMap<String, String>,
    refreshed: &[bool],
    writer: &ForeignWriter,
    label: &str,
) -> BTreeMap<String, String> {
    let creds = rig.credentials();
    let config = rig.config();
    let list = rig.list();
    let status: BTreeMap<&str, &str> = list
        .iter()
        .map(|s| (s["alias"].as_str().unwrap_or("?"), s["status"].as_str().unwrap_or("?")))
        .collect();
    let mut keys_now = BTreeMap::new();
    for (i, s) in sessions.iter().enumerate() {
        let want = Want {
            active: active[i],
            refreshed: refreshed[i],
            key_before: keys_before.get(&s.alias),
        };
        let files = (creds.as_str(), config.as_str());
        if let Some(key) = check_session(s, status.get(s.alias.as_str()).copied(), files, &want, label) {
            keys_now.insert(s.alias.clone(), key);
        }
    }
    // Exactly the foreign sections and the active profiles.
    let mut want: BTreeSet<String> = FOREIGN_SECTIONS.iter().map(|s| (*s).to_owned()).collect();
    want.extend(
        sessions
            .iter()
            .zip(active)
            .filter(|(_, a)| **a)
            .map(|(s, _)| s.profile.clone()),
    );
    check_files(rig, &creds, &want, writer, label);
    keys_now
}

/// What a round should have made of one session.
struct Want<'a> {
    active: bool,
    refreshed: bool,
    /// Its key before the round.
    key_before: Option<&'a String>,
}

/// One session's status (in state.json), its profile in the credentials and config `files`
/// and its cached key agree with `want`; its key now, if active.
fn check_session(
    s: &Session,
    status: Option<&str>,
    (creds, config): (&str, &str),
    want: &Want,
    label: &str,
) -> Option<String> {
    let status_wanted = if want.active { "active" } else { "inactive" };
    assert_eq!(status, Some(status_wanted), "round {label}: state.json: {}", s.alias);
    let section = ini_section(creds, &s.profile);
    let region = ini_section(config, &format!("profile {}", s.profile)).and_then(|c| c.get("region").cloned());
    if !want.active {
        assert!(
            section.is_none(),
            "round {label}: [{}] is still there though {} is inactive:\n{creds}",
            s.profile,
            s.alias
        );
        assert!(
            region.is_none(),
            "round {label}: [profile {}] still has a region",
            s.profile
        );
        return None;
    }
    let section = section.unwrap_or_else(|| {
        panic!(
            "round {label}: [{}] is missing though {} is active:\n{creds}",
            s.profile, s.alias
        )
    });
    for key in KEYHOP_KEYS {
        assert!(
            section.get(key).is_some_and(|v| !v.is_empty()),
            "round {label}: [{}] lacks {key}",
            s.profile
        );
    }
    assert_eq!(
        region.as_deref(),
        Some(REGION),
        "round {label}: region of [profile {}]",
        s.profile
    );
    let key = section["aws_access_key_id"].clone();
    if s.chained {
        let cached = keyring_session_key(&s.id);
        assert_eq!(
            cached.as_deref(),
            Some(key.as_str()),
            "round {label}: [{}] does not hold the credentials {} got last",
            s.profile,
            s.alias
        );
        if want.refreshed {
            assert_ne!(
                want.key_before,
                Some(&key),
                "round {label}: the refresh of {} was lost",
                s.alias
            );
        }
    }
    Some(key)
}

/// The credentials file `creds` holds exactly the sections `want`, the foreign ones byte for
/// byte with the foreign writer's last value; botocore and the AWS CLI read it so; mode 0600,
/// no temp file left.
fn check_files(rig: &Rig, creds: &str, want: &BTreeSet<String>, writer: &ForeignWriter, label: &str) {
    let names: Vec<String> = ini_section_names(creds);
    assert_eq!(names.len(), want.len(), "round {label}: sections {names:?}");
    assert_eq!(
        &names.into_iter().collect::<BTreeSet<_>>(),
        want,
        "round {label}: sections"
    );
    // The foreign bytes.
    let ours = raw_sections(creds);
    let original = raw_sections(&FOREIGN.replace(&format!("{COUNTER}0\n"), &format!("{COUNTER}{}\n", writer.last)));
    for name in ["", "default", "foreign-live", "foreign-static"] {
        assert_eq!(
            ours.get(name),
            original.get(name),
            "round {label}: foreign section [{name}] changed:\n{creds}"
        );
    }
    // botocore's session (what the AWS CLI v1 and boto3 use) lists them all, and the AWS CLI
    // reads the foreign writer's last value.
    let mut cmd = Command::new("python3");
    cmd.args([
        "-c",
        "import botocore.session; print('\\n'.join(botocore.session.Session().available_profiles))",
    ]);
    rig.apply_env(&mut cmd);
    let listed = run(cmd, "", "botocore available_profiles").ok();
    let listed: BTreeSet<&str> = listed.stdout.lines().collect();
    for name in want {
        assert!(
            listed.contains(name.as_str()),
            "round {label}: botocore does not list {name}: {listed:?}"
        );
    }
    let count = rig
        .aws(&["configure", "get", "x_rewrite_count", "--profile", "foreign-live"])
        .ok();
    assert_eq!(
        count.stdout.trim(),
        writer.last.to_string(),
        "round {label}: the AWS CLI's reading"
    );
    assert_eq!(
        mode(&rig.credentials_path()),
        0o600,
        "round {label}: mode of the credentials file"
    );
    let leftovers = temp_leftovers(&rig.home.join(".aws"));
    assert!(leftovers.is_empty(), "round {label}: temp files left: {leftovers:?}");
}

/// The 30 IAM users (on the 3 moto `users` in turn) and the 20 roles chained on them.
fn add_sessions(rig: &Rig, users: &[Keys]) -> Vec<Session> {
    let mut sessions = vec![];
    for i in 0..USERS {
        let (alias, profile) = (unique(&format!("su{i:02}")), format!("stress-u{i:02}"));
        rig.add_user(&alias, &profile, &users[i % users.len()], &[]).ok();
        sessions.push(Session {
            alias,
            profile,
            id: String::new(),
            chained: false,
        });
    }
    for j in 0..ROLES {
        let (alias, profile) = (unique(&format!("sc{j:02}")), format!("stress-c{j:02}"));
        let assumer = sessions[j % USERS].alias.clone();
        rig.add_chained(
            &alias,
            &profile,
            &format!("arn:aws:iam::123456789012:role/Stress{j:02}"),
            "stress",
            &assumer,
        )
        .ok();
        sessions.push(Session {
            alias,
            profile,
            id: String::new(),
            chained: true,
        });
    }
    let ids: BTreeMap<String, String> = rig
        .list()
        .iter()
        .map(|s| {
            (
                s["alias"].as_str().expect("alias").to_owned(),
                s["id"].as_str().expect("id").to_owned(),
            )
        })
        .collect();
    for s in &mut sessions {
        s.id = ids[&s.alias].clone();
    }
    sessions
}

#[test]
fn fifty_processes_and_a_foreign_writer_lose_nothing() {
    let test_began = Instant::now();
    let users: Vec<Keys> = (0..3).map(|i| moto_user(&unique(&format!("stress{i}")))).collect();
    let rig = Arc::new(Rig::new());
    write_0600(&rig.credentials_path(), FOREIGN.as_bytes());

    let sessions = add_sessions(&rig, &users);
    assert_eq!(sessions.len(), SESSIONS);
    eprintln!(
        "concurrency_stress: {SESSIONS} sessions added in {:.1?}",
        test_began.elapsed()
    );

    let mut writer = ForeignWriter {
        credentials: rig.credentials_path(),
        last: 0,
        writes: 0,
        interleaved: 0,
        previous: String::new(),
    };
    // Before round 0: sessions 1 and 2 (mod 3) active, started at once too.
    let prep: Vec<Option<Verb>> = (0..SESSIONS).map(|i| (i % 3 != 0).then_some(Verb::Start)).collect();
    writer = round(&rig, &sessions, &prep, writer, "prep");
    let mut active: Vec<bool> = (0..SESSIONS).map(|i| i % 3 != 0).collect();
    let none = vec![false; SESSIONS];
    let mut keys = check(&rig, &sessions, &active, &BTreeMap::new(), &none, &writer, "prep");

    let rounds = rounds();
    for r in 0..rounds {
        let verbs: Vec<Verb> = (0..SESSIONS).map(|i| verb(i, r)).collect();
        for (i, v) in verbs.iter().enumerate() {
            assert_eq!(
                active[i],
                *v != Verb::Start,
                "the plan is wrong for session {i} in round {r}"
            );
        }
        let planned: Vec<Option<Verb>> = verbs.iter().copied().map(Some).collect();
        let label = format!("{}/{rounds}", r + 1);
        let interleaved_before = writer.interleaved;
        writer = round(&rig, &sessions, &planned, writer, &label);
        assert!(
            writer.interleaved > interleaved_before,
            "round {label}: the foreign writer never wrote between keyhop's writes (no contention tested)"
        );
        for (i, v) in verbs.iter().enumerate() {
            active[i] = *v != Verb::Stop;
        }
        let refreshed: Vec<bool> = verbs.iter().map(|v| *v == Verb::Refresh).collect();
        keys = check(&rig, &sessions, &active, &keys, &refreshed, &writer, &label);
    }
    eprintln!(
        "concurrency_stress: {rounds} rounds of {SESSIONS} processes, {} foreign writes, in {:.1?} all told",
        writer.writes,
        test_began.elapsed()
    );
}
