//! `cargo xtask test`: everything the test suite needs, then `cargo test --workspace`.

use crate::failures::Failures;
use crate::gates::Gate;
use crate::packages::{self, TEST_PACKAGES};
use crate::{Result, desktop, moto, signals, sso, windows};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Runs "$@" with an unlocked gnome-keyring (Secret Service) in the D-Bus session that
/// dbus-run-session made; the keyring password only serves to create and unlock the keyring.
pub(crate) const KEYRING_SCRIPT: &str = r#"eval "$(printf keyhop-test | gnome-keyring-daemon --unlock --components=secrets)"; export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK; exec "$@""#;

/// Variables of the caller that would point the tests (or the AWS CLI they run) elsewhere.
pub(crate) const LEAKY_AWS_VARS: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
];

pub fn run(cargo_args: &[String]) -> Result<i32> {
    let (flags, cargo_args) = Flags::split(cargo_args);
    let long = flags.long;
    let mut phases = Phases::default();
    let disk_at_start = disk_free();
    packages::ensure_apt(packages::BUILD_PACKAGES)?;
    phases.mark("apt: the build's packages");
    // The rig's packages (Xvfb, keyring, OCR, …) and Python tools install while cargo builds:
    // apt and pip wait on the network and the disk, the build on the CPU.
    let with_windows = flags.windows && windows::wanted(cargo_args);
    let (rig_setup, mingw) = spawn_rig_setup(with_windows);
    // The Windows build (the tier's keyhop.exe, the Windows gate) is the longest build and its
    // tests wait for it: it starts now, beside the test build, not after it (a cold run's
    // Windows cases ran alone for ~150 s at the end when it started after the test build).
    let windows_build = with_windows.then(|| {
        std::thread::spawn(move || {
            // A failed apt drops the sender: the build runs anyway and says what is missing.
            let _ = mingw.recv();
            windows::build_gate()
        })
    });

    // The format and lint gates run with the whole suite (what CI runs), not with a subset,
    // from the start: in their own target directory, at a lower priority, they fill the cores
    // that the build's one-crate stretches and the waiting tests leave idle.
    let nice = if with_windows {
        crate::gates::NICE_BESIDE_WINDOWS
    } else {
        crate::gates::NICE
    };
    let gates = cargo_args.is_empty().then(|| crate::gates::spawn(nice));

    let (lint_env, lint_gate) = build_tests(cargo_args)?;
    phases.mark("build the tests (cargo test --no-run)");
    let (path, rig_took) = rig_setup.join().map_err(|_| "the apt/pip thread panicked")??;
    phases.add(
        "(beside the build) apt + pip: the rig's packages, moto, AWS CLI".into(),
        rig_took,
    );
    phases.mark("waiting for apt + pip after the build");
    for program in ["dbus-run-session", "gnome-keyring-daemon", "secret-tool"] {
        if !packages::program_exists(program, &path) {
            return Err(format!(
                "{program} is not installed (Debian: dbus-bin, gnome-keyring, libsecret-tools)"
            ));
        }
    }

    let work = crate::repo_root().join("target").join("xtask");
    let (mut windows, windows_run) = start_windows_tier(with_windows, &work, &path, windows_build)?;

    // The keyring's files and sockets live here, not in the real home; removed at the end.
    let scratch = Scratch::new(work.join(format!("session-{}", std::process::id())))?;
    let moto = moto::start(&work, &path)?;
    // IAM Identity Center (SSO portal + OIDC), minting role credentials in that moto.
    let sso = sso::start(&work, &path, &moto.url)?;
    // The display of the notification daemon; each desktop test starts its own for its tray.
    let display = desktop::start_xvfb(&work, &path)?;
    let dunst = desktop::dunst_files(&work)?;

    let mut cmd = test_command(cargo_args, long, &path, &scratch);
    cmd.env("KEYHOP_TEST_MOTO", &moto.url)
        .env("KEYHOP_TEST_SSO", &sso.url)
        // The build's compiler again, or cargo would compile the workspace anew without it.
        .envs(lint_env.iter().map(|(k, v)| (k, v)));
    desktop::apply_env(&mut cmd, display.as_ref(), &dunst);
    if let Some(tier) = &windows {
        tier.apply_env(&mut cmd);
    }
    let (code, totals) = run_streaming(cmd)?;
    println!("xtask: cargo test exited with status {code}");
    phases.mark("start the services + run the tests");
    let mut gates = match gates {
        Some(running) => {
            println!("xtask: waiting for the gates");
            running.join().map_err(|_| "the gates' thread panicked")?
        }
        None => vec![],
    };
    gates.extend(lint_gate);
    if let Some(running) = windows_run {
        let (gate, wineserver) = running.join().map_err(|_| "the Windows tier's thread panicked")?;
        if let Some(tier) = &mut windows {
            tier.adopt(wineserver);
        }
        gates.push(gate);
    }
    phases.mark("the gates after the tests");
    drop(windows);
    drop(display);
    drop(sso);
    drop(moto);
    drop(scratch);
    print_disk(disk_at_start);
    Ok(summary(code, totals, &gates, &mut phases))
}

type RigSetup = std::thread::JoinHandle<Result<(std::ffi::OsString, Duration)>>;

/// Installs the rig's apt packages and Python tools on a thread; the receiver hears when MinGW
/// is there (first: the Windows build waits for it, nothing else does). The thread gives the
/// PATH with the Python tools and how long it took.
fn spawn_rig_setup(with_windows: bool) -> (RigSetup, mpsc::Receiver<()>) {
    let (mingw_ready, mingw) = mpsc::channel::<()>();
    let setup = std::thread::spawn(move || {
        let started = Instant::now();
        if with_windows {
            packages::ensure_apt(&[windows::MINGW_PACKAGE])?;
        }
        let _ = mingw_ready.send(());
        let mut wanted = TEST_PACKAGES.to_vec();
        if with_windows {
            wanted.extend(packages::WINDOWS_PACKAGES);
        }
        packages::ensure_apt(&wanted)?;
        let path = packages::ensure_python()?;
        Ok((path, started.elapsed()))
    });
    (setup, mingw)
}

/// xtask's own options, before cargo's arguments.
struct Flags {
    /// `--long`: the slow suites at full length (concurrency_stress: 20 rounds instead of 3).
    long: bool,
    /// Off with `--no-windows`: no Windows build, gate or tier (its tests skip themselves,
    /// counted as skipped). For a quick run, and to measure what the tier adds to a cold run.
    windows: bool,
}

impl Flags {
    fn split(args: &[String]) -> (Flags, &[String]) {
        let mut flags = Flags {
            long: false,
            windows: true,
        };
        let mut rest = args;
        while let Some((first, tail)) = rest.split_first() {
            match first.as_str() {
                "--long" => flags.long = true,
                "--no-windows" => flags.windows = false,
                _ => break,
            }
            rest = tail;
        }
        (flags, rest)
    }
}

type WindowsRun = std::thread::JoinHandle<(crate::gates::Gate, Option<crate::service::Service>)>;

/// The Windows tier (keyhop.exe under Wine): with the whole suite, or `-- windows::`. Its
/// build (keyhop.exe, linted as it compiles) and prefix are made on a thread of their own
/// beside the tests; the Windows tests wait for its ready file. Without Wine the build still
/// runs: it is the Windows gate.
fn start_windows_tier(
    wanted: bool,
    work: &std::path::Path,
    path: &std::ffi::OsString,
    build: Option<std::thread::JoinHandle<crate::gates::Gate>>,
) -> Result<(Option<windows::Tier>, Option<WindowsRun>)> {
    let windows = match wanted {
        true if std::path::Path::new(windows::WINE).exists() => Some(windows::Tier::new(work, path)?),
        true => {
            eprintln!(
                "xtask: note: no {}; the Windows tests will skip themselves",
                windows::WINE
            );
            None
        }
        false => None,
    };
    let windows_run = build.map(|build| {
        let prep = windows.as_ref().map(windows::Tier::prep);
        let path = path.clone();
        std::thread::spawn(move || match prep {
            Some(prep) => prep.run(&path, build),
            None => (windows::joined(build), None),
        })
    });
    Ok((windows, windows_run))
}

/// `cargo test` in a D-Bus session of its own with an unlocked keyring, without the caller's
/// AWS variables; the services' and displays' variables are the caller's to add.
fn test_command(cargo_args: &[String], long: bool, path: &std::ffi::OsString, scratch: &Scratch) -> Command {
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c", desktop::DESKTOP_SCRIPT, "sh"])
        .arg(crate::cargo())
        // Every test binary runs even when an earlier one fails: the summary covers them all.
        .args(["test", "--workspace", "--no-fail-fast"])
        .args(cargo_args)
        .current_dir(crate::repo_root())
        .env("PATH", path)
        .env("KEYHOP_LONG_TESTS", if long { "1" } else { "0" })
        // Most tests wait on processes, servers and displays, not on the CPU: four at a time
        // per test binary instead of one per core (each desktop test has its own Xvfb).
        .env(
            "RUST_TEST_THREADS",
            std::env::var("RUST_TEST_THREADS").unwrap_or_else(|_| "4".into()),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // tesseract and ImageMagick (the desktop tests' OCR) spin OpenMP threads that wait
        // busily for each other: on a loaded 2-core machine one OCR took 2.3-2.8 s of CPU and
        // 6 s of wall time with them, 0.7 s and 1.5 s on one thread (tesseract 5.3).
        .env("OMP_THREAD_LIMIT", "1")
        .env("XDG_DATA_HOME", scratch.0.join("data"))
        .env("XDG_RUNTIME_DIR", scratch.0.join("runtime"))
        .env(
            "KEYHOP_SCREENSHOTS",
            crate::repo_root().join("target").join("screenshots"),
        );
    for var in LEAKY_AWS_VARS {
        cmd.env_remove(var);
    }
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("AWS_ENDPOINT_URL") {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// Prints the gates, where the time went and the totals (a test that skipped itself counted
/// as skipped, a gate as a test); the exit code: the tests', or 1 when only a gate failed.
fn summary(code: i32, totals: Totals, gates: &[crate::gates::Gate], phases: &mut Phases) -> i32 {
    for g in gates {
        phases.add(format!("(beside the tests) gate: {}", g.name), g.took);
        if !g.passed {
            println!(
                "xtask: ---- gate {} FAILED; what it printed:\n{}",
                g.name,
                g.output.trim_end()
            );
        }
    }
    if totals.self_skipped > 0 {
        eprintln!(
            "xtask: WARNING: {} test(s) skipped themselves (no X server, or no moto); they are counted as skipped below",
            totals.self_skipped
        );
    }
    // A test that skipped itself passed as far as libtest knows; count it as skipped.
    let skipped_passes = totals.self_skipped.min(totals.passed);
    let gates_failed: Vec<&str> = gates.iter().filter(|g| !g.passed).map(|g| g.name).collect();
    for g in gates {
        println!("xtask: gate {}: {}", g.name, if g.passed { "ok" } else { "FAILED" });
    }
    phases.print();
    // Last but the summary: a CI page keeps the log's tail.
    if let Some(digest) = totals.failures.digest() {
        print!("{digest}");
    }
    println!(
        "summary: {} passed, {} failed, {} skipped",
        totals.passed - skipped_passes + (gates.len() - gates_failed.len()) as u64,
        totals.failed + gates_failed.len() as u64,
        totals.ignored + skipped_passes
    );
    if !gates_failed.is_empty() && code == 0 {
        eprintln!("xtask: failed gates: {}", gates_failed.join(", "));
        return 1;
    }
    code
}

/// The environment of the test build (and of the `cargo test` that runs it), and the gate it was.
type BuiltTests = (Vec<(String, PathBuf)>, Option<Gate>);

/// Builds the tests, before the services start. With the whole suite, clippy is the
/// workspace's compiler (warnings denied), as for the Windows gate: one compile of the
/// dependencies serves the tests and the desktop lint gate, where a `cargo clippy` beside it
/// compiled them all a second time in check mode. Every target is built then, the benches
/// too, as `cargo clippy --all-targets` lints them. If that build fails, the tests are built
/// again without clippy so that they still run. A failed build is reported by the `cargo test`
/// that follows.
fn build_tests(cargo_args: &[String]) -> Result<BuiltTests> {
    let mut lint_env = Vec::new();
    if cargo_args.is_empty() {
        lint_env = crate::check_targets::clippy_wrapper_env();
    }
    let lint_env = &mut lint_env;
    let started = Instant::now();
    let build = |env: &[(String, PathBuf)]| -> Result<bool> {
        let mut cmd = Command::new(crate::cargo());
        cmd.args(["test", "--workspace", "--no-run", "--quiet"]);
        if !env.is_empty() {
            cmd.arg("--all-targets");
        }
        cmd.args(cargo_args.iter().take_while(|a| *a != "--"))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(crate::repo_root());
        let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
        Ok(status.success())
    };
    let built = build(lint_env)?;
    let gate = (!lint_env.is_empty()).then(|| Gate {
        name: "clippy (desktop)",
        passed: built,
        took: started.elapsed(),
        output: "clippy's findings are in the test build's output above".into(),
    });
    if !built && !lint_env.is_empty() {
        eprintln!("xtask: the test build with clippy failed; building the tests without it");
        lint_env.clear();
        if !build(lint_env)? {
            eprintln!("xtask: the tests did not build; cargo test below reports why");
        }
    } else if !built {
        eprintln!("xtask: the tests did not build; cargo test below reports why");
    }
    Ok((std::mem::take(lint_env), gate))
}

/// Free space on the disk of the repository, as `df -h` says it (e.g. `37G`).
fn disk_free() -> Option<String> {
    let out = Command::new("df")
        .args(["-h", "--output=avail"])
        .arg(crate::repo_root())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().nth(1).map(|l| l.trim().to_owned())
}

/// Where the disk went: a CI machine's disk is not ours to size, and a full one fails tests
/// far from the cause.
fn print_disk(at_start: Option<String>) {
    let target = Command::new("du")
        .args(["-sh", "--"])
        .arg(crate::repo_root().join("target"))
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .next()
                .map(str::to_owned)
        });
    let unknown = || "?".to_owned();
    println!(
        "xtask: disk: {} free at the start, {} at the end; target/ holds {}",
        at_start.unwrap_or_else(unknown),
        disk_free().unwrap_or_else(unknown),
        target.unwrap_or_else(unknown)
    );
}

/// Where the time of a run went: printed before the summary, so a CI log shows it.
pub(crate) struct Phases {
    started: Instant,
    done: Vec<(String, Duration)>,
}

impl Default for Phases {
    fn default() -> Self {
        Phases {
            started: Instant::now(),
            done: Vec::new(),
        }
    }
}

impl Phases {
    /// Ends the phase that began at the last mark (or restart).
    fn mark(&mut self, name: &str) {
        self.done.push((name.to_owned(), self.started.elapsed()));
        self.started = Instant::now();
    }
    fn add(&mut self, name: String, took: Duration) {
        self.done.push((name, took));
    }
    fn print(&self) {
        let total: Duration = self
            .done
            .iter()
            .filter(|(name, _)| !name.starts_with("(beside"))
            .map(|(_, d)| *d)
            .sum();
        println!("xtask: where the time went ({}s in all):", total.as_secs());
        for (name, took) in &self.done {
            println!("xtask:   {:>5}s  {name}", took.as_secs());
        }
    }
}

/// A directory removed on drop.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Scratch {
    pub(crate) fn new(dir: PathBuf) -> Result<Scratch> {
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["data", "runtime"] {
            let d = dir.join(sub);
            std::fs::create_dir_all(&d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| format!("chmod {}: {e}", d.display()))?;
        }
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a test prints (straight to stderr, past libtest's capture) when it skips itself:
/// `KEYHOP <WHAT> TEST SKIPPED`, e.g. a desktop test without an X server (tests/it/desktop/mod.rs),
/// a service test without moto or a tmpfs (tests/it/faults.rs), an installer test without root
/// (tests/it/installers_linux.rs). Any such line counts, so a new kind of skip cannot go uncounted.
fn is_skip_mark(line: &str) -> bool {
    line.find("KEYHOP ").is_some_and(|at| {
        let rest = &line[at + "KEYHOP ".len()..];
        rest.find(" TEST SKIPPED").is_some_and(|end| {
            let what = &rest[..end];
            !what.is_empty() && what.chars().all(|c| c.is_ascii_uppercase())
        })
    })
}

#[derive(Default, Debug)]
pub(crate) struct Totals {
    passed: u64,
    failed: u64,
    ignored: u64,
    self_skipped: u64,
    /// libtest's failure reports (from stdout), for the digest at the end.
    failures: Failures,
}

impl Totals {
    /// Adds the counts of a libtest line such as
    /// `test result: ok. 5 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.1s`.
    fn add_line(&mut self, line: &str) {
        if is_skip_mark(line) {
            self.self_skipped += 1;
        }
        let Some(at) = line.find("test result:") else {
            return;
        };
        let words: Vec<&str> = line[at..].split_whitespace().collect();
        for pair in words.windows(2) {
            let Ok(n) = pair[0].parse::<u64>() else {
                continue;
            };
            match pair[1].trim_end_matches([';', ',', '.']) {
                "passed" => self.passed += n,
                "failed" => self.failed += n,
                "ignored" => self.ignored += n,
                _ => {}
            }
        }
    }
}

/// Copies `from` to `to` line by line as it comes, counting `test result:` lines into `totals`
/// (and, from libtest's stdout, its failure reports).
fn pump(from: impl Read, mut to: impl Write, totals: Arc<Mutex<Totals>>, is_stdout: bool) {
    let mut reader = BufReader::new(from);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let _ = to.write_all(&line);
                let _ = to.flush();
                if let Ok(mut t) = totals.lock() {
                    let text = String::from_utf8_lossy(&line);
                    t.add_line(&text);
                    if is_stdout {
                        t.failures.add_line(&text);
                    }
                }
            }
        }
    }
}

/// Runs `cmd` in its own process group (signals to xtask are forwarded to the whole group;
/// whatever of it is left at the end is killed), streaming its stdout and stderr.
pub(crate) fn run_streaming(mut cmd: Command) -> Result<(i32, Totals)> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd.spawn().map_err(|e| format!("cannot start dbus-run-session: {e}"))?;
    let group = -child.id().cast_signed();
    let forward = signals::Forward::group(child.id());
    let totals = Arc::new(Mutex::new(Totals::default()));
    let (done_tx, done_rx) = mpsc::channel();
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let spawn_pump = |from: Box<dyn Read + Send>, to: Box<dyn Write + Send>, is_stdout: bool| {
        let (totals, done) = (Arc::clone(&totals), done_tx.clone());
        std::thread::spawn(move || {
            pump(from, to, totals, is_stdout);
            let _ = done.send(());
        });
    };
    spawn_pump(Box::new(stdout), Box::new(std::io::stdout()), true);
    spawn_pump(Box::new(stderr), Box::new(std::io::stderr()), false);
    let status = child.wait().map_err(|e| format!("waiting for cargo test: {e}"))?;
    drop(forward);
    // Anything of the run still alive (a server a test left behind) goes now.
    signals::send(group, signals::SIGKILL);
    // Let the pumps drain; a daemon outside the group that still holds a pipe must not hang us.
    let deadline = Instant::now() + Duration::from_secs(5);
    for _ in 0..2 {
        let left = deadline.saturating_duration_since(Instant::now());
        if done_rx.recv_timeout(left).is_err() {
            eprintln!("xtask: note: something still holds cargo's output open; not waiting for it");
            break;
        }
    }
    let totals = std::mem::take(&mut *totals.lock().map_err(|_| "output pump panicked")?);
    Ok((crate::exit_code(status), totals))
}

#[cfg(test)]
mod tests {
    use super::Totals;

    #[test]
    fn sums_libtest_result_lines() {
        let mut t = Totals::default();
        t.add_line("test result: ok. 5 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.10s\n");
        t.add_line(
            "test result: FAILED. 2 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.00s\n",
        );
        t.add_line("running 5 tests\n");
        t.add_line("test foo ... ok\n");
        t.add_line("!!!!! KEYHOP DESKTOP TEST SKIPPED: desktop_tray::menu (no X server) !!!!!\n");
        assert_eq!((t.passed, t.failed, t.ignored, t.self_skipped), (7, 3, 1, 1));
    }

    #[test]
    fn counts_every_kind_of_skip_marker() {
        let mut t = Totals::default();
        for line in [
            "!!!!!!!! KEYHOP DESKTOP TEST SKIPPED: desktop_tray::menu: missing Xvfb (xvfb). !!!!!!!!",
            "KEYHOP SERVICE TEST SKIPPED: cannot mount a tmpfs for the disk-full and read-only tests",
            "KEYHOP INSTALLER TEST SKIPPED: deb_installs: not root: cannot install the .deb with apt-get",
        ] {
            t.add_line(line);
        }
        // Not markers: a test name or a sentence that only mentions skipping.
        t.add_line("test keyhop_test_skipped_marker ... ok");
        t.add_line("KEYHOP the TEST SKIPPED count");
        assert_eq!(t.self_skipped, 3);
    }
}
