//! Faults of the world around keyhop: an STS that accepts the connection and never answers,
//! one that answers garbage, one that answers HTTP 500; the STS going away in the middle of a
//! chain; the disk filling up under the credentials or config file; a read-only file system.
//!
//! In each case: keyhop gives up within a bounded time, says so in one `keyhop:` line (the last
//! on stderr; that it should be the only one is `failures_print_one_line_on_stderr`, ignored
//! for a product bug), exits non-zero, the AWS files are byte for byte what they were, and state.json says what the
//! files hold (the session is still inactive after a failed start, still active after a failed
//! stop). The STS stubs are servers in this test (tests/common/stubs.rs); the full disk and the
//! read-only file system are a 64 KiB tmpfs mounted for the test and unmounted after it (as
//! root; where mounting is not permitted those tests print `KEYHOP SERVICE TEST SKIPPED`, which
//! `cargo xtask test` counts as skipped).

#![cfg(target_os = "linux")]

use crate::common;
use common::stubs::{CannedEndpoint, SilentEndpoint};
use common::*;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a user may wait at most for a command to give up on an STS that never answers.
const GIVE_UP_WITHIN: Duration = Duration::from_secs(60);
const FOREIGN_CREDENTIALS: &str = "# mine\n[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = otherSecretExampleXXXXXXXXXXXXXXXXXXXXXX\n";
const FOREIGN_CONFIG: &str = "[profile other]\nregion = us-west-2\n";
const ROLE: &str = "arn:aws:iam::123456789012:role/Faults";

/// A rig on `endpoint` with foreign profiles in both files, an IAM user session `u` (profile
/// `base`, fake keys) and a chained role `c` on it (profile `dev`).
fn world(endpoint: &str) -> (Rig, Keys, String, String) {
    let rig = Rig::with_endpoint(endpoint);
    rig.write_credentials(FOREIGN_CREDENTIALS.as_bytes());
    rig.write_config(FOREIGN_CONFIG.as_bytes());
    let keys = fake_keys();
    let (u, c) = (unique("u"), unique("c"));
    rig.add_user(&u, "base", &keys, &[]).ok();
    rig.add_chained(&c, "dev", ROLE, "faults", &u).ok();
    (rig, keys, u, c)
}

/// `session list --json`'s status of `alias` (what state.json says).
fn status(rig: &Rig, alias: &str) -> String {
    rig.session(alias)["status"].as_str().unwrap_or("?").to_owned()
}

/// `keyhop ARGS`, timed.
fn timed(rig: &Rig, args: &[&str]) -> (Out, Duration) {
    let began = Instant::now();
    let out = rig.keyhop(args);
    (out, began.elapsed())
}

/// keyhop's error message: the command failed and the last line on stderr is its one
/// `keyhop:` line, which contains every one of `all` and (when given) one of `any`, case
/// ignored. Lines before it must be log lines (`WARN`/`ERROR`): they are tolerated here;
/// that there should be none is `failures_print_one_line_on_stderr` (a product bug).
#[track_caller]
fn refusal(out: &Out, all: &[&str], any: &[&str]) -> String {
    assert!(!out.success(), "expected failure: {out}");
    let lines: Vec<&str> = out.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let Some((last, before)) = lines.split_last() else {
        panic!("failure without a message on stderr: {out}");
    };
    assert!(
        last.starts_with("keyhop: "),
        "the last line is not keyhop's message: {out}"
    );
    for line in before {
        assert!(
            !line.starts_with("keyhop") && (line.contains(" WARN ") || line.contains(" ERROR ")),
            "stderr has more than the message and log lines: {out}"
        );
    }
    let lower = last.to_lowercase();
    for word in all {
        assert!(
            lower.contains(&word.to_lowercase()),
            "the message does not mention {word:?}: {out}"
        );
    }
    assert!(
        any.is_empty() || any.iter().any(|w| lower.contains(w)),
        "the message says none of {any:?}: {out}"
    );
    lower
}

/// Non-empty lines of stderr.
fn stderr_lines(out: &Out) -> usize {
    out.stderr.lines().filter(|l| !l.trim().is_empty()).count()
}

/// Runs the commands at once (each may wait out a whole timeout), each timed.
fn at_once(rig: &Arc<Rig>, commands: &[Vec<String>]) -> Vec<(Out, Duration)> {
    let handles: Vec<_> = commands
        .iter()
        .map(|args| {
            let (rig, args) = (Arc::clone(rig), args.clone());
            std::thread::spawn(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                timed(&rig, &args)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().expect("thread")).collect()
}

fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

// --- STS misbehaving ---------------------------------------------------------------------------

#[test]
fn an_sts_that_never_answers_is_given_up_within_a_minute() {
    let sts = SilentEndpoint::start();
    let (rig, keys, u, c) = world(&sts.url);
    let rig = Arc::new(rig);
    let before = rig.snapshot();

    let results = at_once(
        &rig,
        &[
            args(&["session", "start", &u]),
            args(&["session", "start", &c]),
            args(&["credential-process", &u]),
        ],
    );
    assert!(
        sts.connections() >= 3,
        "control: keyhop never connected to the silent STS"
    );
    for (out, took) in results {
        eprintln!(
            "faults: `{}` gave up on the silent STS after {took:.1?}: {}",
            out.what,
            out.stderr.trim()
        );
        assert!(
            took < GIVE_UP_WITHIN,
            "`{}` took {took:?} (limit {GIVE_UP_WITHIN:?})",
            out.what
        );
        refusal(
            &out,
            &[&sts.url],
            &["timed out", "timeout", "could not be reached", "cannot reach"],
        );
        assert_no_secret(&out.all(), &[&keys.secret], "the error");
    }
    rig.assert_unchanged(&before, "starts against an STS that never answers");
    assert_eq!(
        (status(&rig, &u), status(&rig, &c)),
        ("inactive".into(), "inactive".into())
    );
}

#[test]
fn an_sts_answering_garbage_is_reported_and_nothing_changes() {
    for (what, reply) in [
        (
            "a 200 whose body is not XML",
            CannedEndpoint::http("200 OK", "text/xml", "\u{1}\u{2}this is not <xml at all"),
        ),
        (
            "a 200 with an XML body of another shape",
            CannedEndpoint::http("200 OK", "text/xml", "<html><body>Welcome to nginx!</body></html>"),
        ),
        ("not HTTP at all", b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n".to_vec()),
    ] {
        let sts = CannedEndpoint::start(&reply);
        let (rig, keys, u, c) = world(&sts.url);
        let before = rig.snapshot();
        for alias in [&u, &c] {
            let (out, took) = timed(&rig, &["session", "start", alias]);
            eprintln!(
                "faults: STS answering {what}: `{}` failed after {took:.1?}: {}",
                out.what,
                out.stderr.trim()
            );
            assert!(took < GIVE_UP_WITHIN, "{what}: `{}` took {took:?}", out.what);
            refusal(&out, &["sts"], &[]);
            assert_no_secret(&out.all(), &[&keys.secret], "the error");
        }
        assert!(sts.requests() >= 1, "control: STS was never asked ({what})");
        rig.assert_unchanged(&before, &format!("starts against an STS answering {what}"));
        assert_eq!(
            (status(&rig, &u), status(&rig, &c)),
            ("inactive".into(), "inactive".into()),
            "{what}"
        );
    }
}

#[test]
fn an_sts_answering_500_is_retried_a_bounded_number_of_times() {
    let xml_error = "<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code>\
                     <Message>We encountered an internal error. Please try again.</Message></Error>\
                     <RequestId>faults-1</RequestId></ErrorResponse>";
    for (what, reply, words) in [
        (
            "500 with an HTML page",
            CannedEndpoint::http(
                "500 Internal Server Error",
                "text/html",
                "<html><body><h1>500 Internal Server Error</h1></body></html>",
            ),
            &["500"][..],
        ),
        (
            "500 with an AWS error",
            CannedEndpoint::http("500 Internal Server Error", "text/xml", xml_error),
            &["internalfailure"][..],
        ),
    ] {
        let sts = CannedEndpoint::start(&reply);
        let (rig, keys, u, _c) = world(&sts.url);
        let before = rig.snapshot();
        let (out, took) = timed(&rig, &["session", "start", &u]);
        eprintln!(
            "faults: STS answering {what}: {} requests, gave up after {took:.1?}: {}",
            sts.requests(),
            out.stderr.trim()
        );
        assert!(took < GIVE_UP_WITHIN, "{what}: took {took:?}");
        refusal(&out, words, &[]);
        assert_no_secret(&out.all(), &[&keys.secret], "the error");
        let asked = sts.requests();
        assert!(
            (1..=3).contains(&asked),
            "{what}: {asked} requests for one start (at most 3 attempts)"
        );
        rig.assert_unchanged(&before, &format!("a start against an STS answering {what}"));
        assert_eq!(status(&rig, &u), "inactive");
    }
}

#[test]
fn an_sso_portal_that_never_answers_is_given_up_within_a_minute() {
    // The same for IAM Identity Center: signed in at the rig, then the portal goes silent.
    let w = Sso::new(&[account("111111111111", "Dev", &["Admin"])], &json!({}));
    w.rig.write_credentials(FOREIGN_CREDENTIALS.as_bytes());
    w.ready();
    let portal = SilentEndpoint::start();
    let before = w.rig.snapshot();
    let mut cmd = w.command(&["session", "start", "Dev/Admin"]);
    cmd.env("AWS_ENDPOINT_URL_SSO", &portal.url);
    let began = Instant::now();
    let out = run(cmd, "", "keyhop session start Dev/Admin (silent portal)");
    let took = began.elapsed();
    eprintln!("faults: silent portal: gave up after {took:.1?}: {}", out.stderr.trim());
    assert!(
        portal.connections() >= 1,
        "control: keyhop never connected to the silent portal"
    );
    assert!(took < GIVE_UP_WITHIN, "took {took:?}");
    refusal(
        &out,
        &[&portal.url],
        &["timed out", "timeout", "could not be reached", "cannot reach"],
    );
    w.rig.assert_unchanged(&before, "a start against a silent portal");
    assert_eq!(w.session("Dev/Admin")["status"], "inactive");
}

#[test]
fn sts_gone_between_the_assumer_and_the_role() {
    // The user's start works; then the STS dies; the chained role's AssumeRole (the user's
    // session token is cached) cannot reach it.
    let moto = PrivateMoto::start();
    let url = moto.url.clone();
    let (rig, keys, u, c) = world(&url);
    rig.start(&u).ok();
    assert!(
        ini_section(&rig.credentials(), "base").is_some(),
        "control: the user's start wrote nothing"
    );
    let before = rig.snapshot();
    drop(moto);

    let (out, took) = timed(&rig, &["session", "start", &c]);
    eprintln!(
        "faults: STS gone mid-chain: failed after {took:.1?}: {}",
        out.stderr.trim()
    );
    assert!(took < GIVE_UP_WITHIN, "took {took:?}");
    refusal(&out, &[&url], &["cannot reach", "refused", "could not be reached"]);
    assert_no_secret(&out.all(), &[&keys.secret], "the error");
    rig.assert_unchanged(&before, "a chained start after the STS went away");
    assert_eq!(status(&rig, &u), "active", "the assumer's session must stay as it was");
    assert_eq!(status(&rig, &c), "inactive");

    // A refresh of the user cannot reach STS either: it stays active, its profile as it was.
    let out = rig.keyhop(&["session", "refresh", &u]);
    refusal(&out, &[&url], &["cannot reach", "refused"]);
    rig.assert_unchanged(&before, "a refresh after the STS went away");
    assert_eq!(status(&rig, &u), "active");

    // Stopping needs no STS.
    rig.stop(&u).ok();
    assert_eq!(
        rig.credentials(),
        FOREIGN_CREDENTIALS,
        "stop did not restore the credentials"
    );
    assert_eq!(rig.config(), FOREIGN_CONFIG, "stop did not restore the config");
}

// --- product bugs, pinned ------------------------------------------------------------------

#[test]
fn failures_print_one_line_on_stderr() {
    let mut outs = vec![];
    // An STS that does not speak HTTP.
    let sts = CannedEndpoint::start(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
    let (rig, _, u, _) = world(&sts.url);
    outs.push(rig.start(&u));
    // An IAM Identity Center portal that cannot be reached.
    let w = Sso::new(&[account("111111111111", "Dev", &["Admin"])], &json!({}));
    w.ready();
    let mut cmd = w.command(&["session", "start", "Dev/Admin"]);
    cmd.env("AWS_ENDPOINT_URL_SSO", closed_port_url());
    outs.push(run(cmd, "", "keyhop session start Dev/Admin (portal unreachable)"));
    // A config file on a read-only file system (the start is undone).
    let disk = DiskWorld::new(true);
    if let Some(d) = &disk {
        d.fs.remount("ro");
        outs.push(d.keyhop(&["session", "start", &d.alias]));
        d.fs.remount("rw");
    }
    let many: Vec<String> = outs
        .iter()
        .filter(|o| stderr_lines(o) != 1)
        .map(ToString::to_string)
        .collect();
    assert!(many.is_empty(), "stderr is not one line:\n{}", many.join("\n"));
}

#[test]
fn an_unreadable_or_failing_answer_names_the_endpoint_and_what_was_wrong() {
    let mut unclear = vec![];
    for reply in [
        CannedEndpoint::http("200 OK", "text/xml", "\u{1}\u{2}this is not <xml at all"),
        CannedEndpoint::http("502 Bad Gateway", "text/html", "<html><body>Bad Gateway</body></html>"),
        CannedEndpoint::http("500 Internal Server Error", "text/html", "<html>500</html>"),
    ] {
        let sts = CannedEndpoint::start(&reply);
        let (rig, _, u, _) = world(&sts.url);
        let out = rig.start(&u);
        let message = refusal(&out, &[], &[]);
        if !message.contains(&sts.url) || message.trim_end().ends_with(':') {
            unclear.push(format!(
                "{:?} for an STS at {} answering {:?}",
                message.trim(),
                sts.url,
                String::from_utf8_lossy(&reply[..reply.iter().position(|&b| b == b'\r').unwrap_or(reply.len())])
            ));
        }
    }
    assert!(
        unclear.is_empty(),
        "messages without the endpoint or a reason:\n{}",
        unclear.join("\n")
    );
}

// --- the disk ------------------------------------------------------------------------------------

/// A small tmpfs mounted at `dir` for the test; unmounted when dropped (also on panic).
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// None (after saying so loudly) where mounting is not permitted.
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).expect("mkdir mount point");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(dir)
            .output()
            .expect("run mount");
        if !out.status.success() {
            eprintln!(
                "KEYHOP SERVICE TEST SKIPPED: cannot mount a tmpfs for the disk-full and read-only tests \
                 (needs root with CAP_SYS_ADMIN): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return None;
        }
        Some(Tmpfs { dir: dir.to_owned() })
    }

    fn remount(&self, how: &str) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,{how}")])
            .arg(&self.dir)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "mount -o remount,{how}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Fills the file system with one-page files until it is full, then frees `pages` of them.
    fn fill_leaving(&self, pages: usize) {
        let fill = self.dir.join("fill");
        std::fs::create_dir_all(&fill).expect("mkdir fill");
        let page = vec![b'x'; 4096];
        let mut made = vec![];
        for i in 0.. {
            let path = fill.join(format!("{i:05}"));
            let written = std::fs::File::create(&path).and_then(|mut f| f.write_all(&page).and_then(|()| f.sync_all()));
            if written.is_err() {
                let _ = std::fs::remove_file(&path);
                break;
            }
            made.push(path);
            assert!(i < 10_000, "the tmpfs never filled up");
        }
        // A byte more must not fit now.
        let probe = fill.join("probe");
        assert!(
            std::fs::write(&probe, page.as_slice()).is_err(),
            "control: the file system is not full"
        );
        let _ = std::fs::remove_file(&probe);
        for path in made.iter().rev().take(pages) {
            std::fs::remove_file(path).expect("free a page");
        }
    }

    fn empty_filler(&self) {
        let _ = std::fs::remove_dir_all(self.dir.join("fill"));
    }

    /// Files keyhop left there (temp files of an interrupted write).
    fn temp_files(&self) -> Vec<String> {
        std::fs::read_dir(&self.dir)
            .expect("read_dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".keyhop-tmp-"))
            .collect()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let umount = |lazy: bool| {
            let mut cmd = Command::new("umount");
            if lazy {
                cmd.arg("-l");
            }
            cmd.arg(&self.dir).status().is_ok_and(|s| s.success())
        };
        if !umount(false) && !umount(true) {
            eprintln!("faults: WARNING: could not unmount {}", self.dir.display());
        }
    }
}

/// Foreign profiles of about 6 KiB: a new copy of the file needs two pages.
fn big_foreign_credentials() -> String {
    use std::fmt::Write as _;
    let mut text = String::from("# mine, big enough to need two pages\n");
    for i in 0..60 {
        let _ = write!(
            text,
            "[other{i:02}]\naws_access_key_id = AKIAOTHEROTHER{i:06}\naws_secret_access_key = otherSecretExampleXXXXXXXXXXXXXXXXXXX{i:03}\n"
        );
    }
    assert!(text.len() > 6000 && text.len() < 8000, "{}", text.len());
    text
}

/// A rig whose credentials file (or config file, when `config_on_tmpfs`) lives on a 64 KiB
/// tmpfs, with an IAM user session on the shared moto. None when mounting is not permitted.
struct DiskWorld {
    // Dropped first: the tmpfs is unmounted before the rig's temp dir goes.
    fs: Tmpfs,
    rig: Rig,
    alias: String,
    /// The file on the tmpfs.
    file: PathBuf,
}

impl DiskWorld {
    fn new(config_on_tmpfs: bool) -> Option<DiskWorld> {
        let keys = moto_user(&unique("disk"));
        let rig = Rig::new();
        let fs = Tmpfs::mount(&rig.home.parent().expect("rig dir").join("small-disk"), "64k")?;
        let file = fs.dir.join(if config_on_tmpfs { "config" } else { "credentials" });
        let alias = unique("disk");
        let world = DiskWorld { fs, rig, alias, file };
        world.write_files();
        world.rig.add_user(&world.alias, "mine", &keys, &[]).ok();
        Some(world)
    }

    /// `keyhop ARGS` with the AWS file on the tmpfs.
    fn keyhop(&self, args: &[&str]) -> Out {
        let mut cmd = Command::new(keyhop_bin());
        cmd.args(args);
        self.rig.apply_env(&mut cmd);
        let var = if self.file.ends_with("config") {
            "AWS_CONFIG_FILE"
        } else {
            "AWS_SHARED_CREDENTIALS_FILE"
        };
        cmd.env(var, &self.file);
        run(cmd, "", &format!("keyhop {} ({var} on a small tmpfs)", args.join(" ")))
    }

    fn on_tmpfs_config(&self) -> bool {
        self.file.ends_with("config")
    }

    fn write_files(&self) {
        let (creds, config) = if self.on_tmpfs_config() {
            (self.rig.credentials_path(), self.file.clone())
        } else {
            (self.file.clone(), self.rig.config_path())
        };
        write_0600(&creds, big_foreign_credentials().as_bytes());
        std::fs::write(&config, FOREIGN_CONFIG).expect("write config");
    }

    /// Both AWS files and state.json, wherever they are.
    fn snapshot(&self) -> Snapshot {
        let (creds, config) = if self.on_tmpfs_config() {
            (self.rig.credentials_path(), self.file.clone())
        } else {
            (self.file.clone(), self.rig.config_path())
        };
        Snapshot {
            state: std::fs::read(self.rig.state_path()).ok(),
            credentials: std::fs::read(creds).ok(),
            config: std::fs::read(config).ok(),
        }
    }

    fn status(&self) -> String {
        let out = self.keyhop(&["session", "list", "--json"]).ok();
        let list: serde_json::Value = serde_json::from_str(&out.stdout).expect("session list --json");
        list.as_array()
            .and_then(|all| all.iter().find(|s| s["alias"] == self.alias.as_str()))
            .and_then(|s| s["status"].as_str())
            .unwrap_or("?")
            .to_owned()
    }

    /// A command that must fail on the full or read-only file system: a message naming the
    /// tmpfs and `why`, the AWS files byte-identical, the session's status kept.
    #[track_caller]
    fn refused(&self, args: &[&str], why: &[&str], status_before: &str) {
        let before = self.snapshot();
        let out = self.keyhop(args);
        eprintln!("faults: `{}`: {}", out.what, out.stderr.trim());
        // The message names the file, or the lock file beside it, on the tmpfs.
        refusal(&out, &[&self.fs.dir.to_string_lossy()], why);
        let now = self.snapshot();
        assert!(
            now.credentials == before.credentials,
            "the credentials file changed: {:?}",
            now.credentials.map(String::from_utf8)
        );
        assert!(
            now.config == before.config,
            "the config file changed: {:?}",
            now.config.map(String::from_utf8)
        );
        assert_eq!(
            self.status(),
            status_before,
            "state.json no longer says what the files hold"
        );
        assert!(
            self.fs.temp_files().is_empty(),
            "temp files left: {:?}",
            self.fs.temp_files()
        );
    }
}

const FULL: &[&str] = &["no space left", "space"];
const READ_ONLY: &[&str] = &["read-only", "read only"];

#[test]
fn a_full_disk_under_the_credentials_file() {
    let Some(w) = DiskWorld::new(false) else { return };
    let original = w.snapshot();
    // One page free: the backup copy (two pages) fails half-written.
    w.fs.fill_leaving(1);
    w.refused(&["session", "start", &w.alias], FULL, "inactive");

    // Room again: the start works (and keeps its backup), stop puts the file back.
    w.fs.empty_filler();
    w.keyhop(&["session", "start", &w.alias]).ok();
    assert!(
        w.fs.dir.join("credentials.keyhop-backup").exists(),
        "control: no backup was kept"
    );
    w.keyhop(&["session", "stop", &w.alias]).ok();
    assert!(
        w.snapshot().credentials == original.credentials,
        "start+stop did not restore the credentials"
    );

    // The backup exists now: the full disk hits the new file itself, half-written.
    w.fs.fill_leaving(1);
    w.refused(&["session", "start", &w.alias], FULL, "inactive");

    // A stop on a full disk: the credentials stay, and so does "active".
    w.fs.empty_filler();
    w.keyhop(&["session", "start", &w.alias]).ok();
    w.fs.fill_leaving(0);
    w.refused(&["session", "stop", &w.alias], FULL, "active");
    w.fs.empty_filler();
    w.keyhop(&["session", "stop", &w.alias]).ok();
    assert!(
        w.snapshot().credentials == original.credentials,
        "the credentials are not back to the original"
    );
}

#[test]
fn a_full_disk_under_the_config_file_undoes_the_credentials() {
    // The credentials (on a good disk) are written first; the region cannot be: the start
    // must take the credentials out again.
    let Some(w) = DiskWorld::new(true) else { return };
    let original = w.snapshot();
    w.fs.fill_leaving(0);
    // No room for the config's backup copy.
    w.refused(&["session", "start", &w.alias], FULL, "inactive");
    w.fs.empty_filler();
    w.keyhop(&["session", "start", &w.alias]).ok();
    w.keyhop(&["session", "stop", &w.alias]).ok();
    // The backup exists now: no room for the new config itself.
    w.fs.fill_leaving(0);
    w.refused(&["session", "start", &w.alias], FULL, "inactive");
    w.fs.empty_filler();
    let now = w.snapshot();
    assert!(
        now.credentials == original.credentials && now.config == original.config,
        "the files are not back to the original"
    );
}

#[test]
fn a_read_only_file_system_under_the_credentials_file() {
    let Some(w) = DiskWorld::new(false) else { return };
    w.fs.remount("ro");
    w.refused(&["session", "start", &w.alias], READ_ONLY, "inactive");
    w.fs.remount("rw");
    w.keyhop(&["session", "start", &w.alias]).ok();
    w.fs.remount("ro");
    w.refused(&["session", "stop", &w.alias], READ_ONLY, "active");
    w.fs.remount("rw");
    w.keyhop(&["session", "stop", &w.alias]).ok();
}

#[test]
fn a_read_only_file_system_under_the_config_file() {
    let Some(w) = DiskWorld::new(true) else { return };
    w.fs.remount("ro");
    w.refused(&["session", "start", &w.alias], READ_ONLY, "inactive");
    w.fs.remount("rw");
    w.keyhop(&["session", "start", &w.alias]).ok();
    w.keyhop(&["session", "stop", &w.alias]).ok();
}
