//! IAM Identity Center helpers: the rig server's control API (`xtask/rig/README.md`: tenants,
//! assignments, expiry, stats), keyhop run with its SSO endpoints pointed at that server, a
//! `keyhop sso login` in the background whose output is read line by line, and the user's
//! browser played by curl.
//!
//! The rig server is shared by every test running in parallel: each test makes its own tenant,
//! and its connection names come from `unique` (SSO tokens live in the shared keyring).

use super::{Out, Rig, keyhop_bin, run, unique};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// The connection's IAM Identity Center region (any works: the endpoints are overridden).
pub const SSO_REGION: &str = "us-east-1";
/// The region the synced sessions get, when the connection has `--default-region` DEFAULT_REGION.
pub const DEFAULT_REGION: &str = "eu-central-1";
/// The Identity Center user of the tenants: the role session name of every role credential.
pub const SSO_USER: &str = "alice@example.com";

/// The shared rig server's URL; panics with the way to get one.
pub fn sso_url() -> String {
    std::env::var("KEYHOP_TEST_SSO")
        .unwrap_or_else(|_| {
            panic!(
                "KEYHOP_TEST_SSO is not set: the SSO tests need the IAM Identity Center rig server, \
                 moto, a Secret Service and the AWS CLI. Run them with `cargo xtask test`."
            )
        })
        .trim_end_matches('/')
        .to_owned()
}

/// One request to the rig server's control API (HTTP/1.0, JSON); panics unless it answers 200.
pub fn control(method: &str, path: &str, body: Option<&Value>) -> Value {
    let base = sso_url();
    let authority = base
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("KEYHOP_TEST_SSO is not http://host:port: {base}"));
    let mut stream =
        TcpStream::connect(authority).unwrap_or_else(|e| panic!("cannot reach the SSO rig at {base}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("read timeout");
    let body = body.map(Value::to_string).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.0\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send to the SSO rig");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("read the SSO rig's answer");
    let (head, payload) = reply
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("{method} {path}: no HTTP answer from the SSO rig: {reply:?}"));
    assert_eq!(
        head.split_whitespace().nth(1),
        Some("200"),
        "{method} {path} {body} -> {reply}"
    );
    serde_json::from_str(payload).unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {payload}"))
}

/// One account assignment of a tenant: `roles` are the permission sets' role names.
pub fn account(id: &str, name: &str, roles: &[&str]) -> Value {
    json!({"accountId": id, "accountName": name, "emailAddress": format!("{id}@example.com"), "roles": roles})
}

/// One organisation's IAM Identity Center in the rig server.
pub struct Tenant {
    pub id: String,
    pub start_url: String,
}

impl Tenant {
    /// A new tenant: `settings` is the control API's body (accounts, page_size, deny, ttls, user).
    pub fn create(settings: &Value) -> Tenant {
        let v = control("POST", "/_rig/tenants", Some(settings));
        Tenant {
            id: v["tenant"].as_str().expect("tenant id").to_owned(),
            start_url: v["start_url"].as_str().expect("start_url").to_owned(),
        }
    }

    /// Replaces the tenant's account assignments.
    pub fn set_accounts(&self, accounts: &[Value]) {
        control(
            "PUT",
            &format!("/_rig/tenants/{}/accounts", self.id),
            Some(&json!({ "accounts": accounts })),
        );
    }

    /// Changes deny, ttls, page_size or user; answers the tenant's settings.
    pub fn behaviour(&self, settings: &Value) -> Value {
        control("POST", &format!("/_rig/tenants/{}/behaviour", self.id), Some(settings))
    }

    /// Makes what the tenant issued so far expire now (`{"access_tokens": true, …}`); answers
    /// how many of each.
    pub fn expire(&self, what: &Value) -> Value {
        control("POST", &format!("/_rig/tenants/{}/expire", self.id), Some(what))
    }

    /// registrations, authorizations, denials, tokens_issued{grant}, role_credentials, logouts.
    pub fn stats(&self) -> Value {
        control("GET", &format!("/_rig/tenants/{}/stats", self.id), None)
    }
}

/// `stats["tokens_issued"][grant]` as a number.
pub fn tokens_issued(stats: &Value, grant: &str) -> u64 {
    stats["tokens_issued"][grant]
        .as_u64()
        .unwrap_or_else(|| panic!("no tokens_issued.{grant} in {stats}"))
}

/// `stats[key]` as a number.
pub fn stat(stats: &Value, key: &str) -> u64 {
    stats[key].as_u64().unwrap_or_else(|| panic!("no {key} in {stats}"))
}

pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A rig, a tenant of its own and the name of the connection to it (added with `add`).
pub struct Sso {
    pub rig: Rig,
    pub tenant: Tenant,
    pub conn: String,
}

impl Sso {
    /// A fresh rig and tenant with these account assignments; `settings` adds to the tenant's
    /// control-API body (page_size, deny, ttls). The tenant's user is SSO_USER.
    pub fn new(accounts: &[Value], settings: &Value) -> Sso {
        let mut body = json!({ "accounts": accounts, "user": SSO_USER });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), settings.as_object()) {
            body.extend(extra.clone());
        }
        Sso {
            rig: Rig::new(),
            tenant: Tenant::create(&body),
            conn: unique("org"),
        }
    }

    /// `keyhop ARGS` for this rig, with the SSO OIDC and portal endpoints on the rig server.
    /// BROWSER is `false` unless a test sets its own: no real browser ever opens.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(keyhop_bin());
        cmd.args(args);
        self.rig.apply_env(&mut cmd);
        let sso = sso_url();
        cmd.env("AWS_ENDPOINT_URL_SSO_OIDC", &sso)
            .env("AWS_ENDPOINT_URL_SSO", &sso)
            .env("BROWSER", "false");
        cmd
    }

    /// `keyhop ARGS` (SSO endpoints set), stdin closed, to completion.
    pub fn keyhop(&self, args: &[&str]) -> Out {
        run(self.command(args), "", &format!("keyhop {}", args.join(" ")))
    }

    /// `keyhop sso add --name CONN --start-url <tenant> --region SSO_REGION EXTRA…`.
    pub fn add(&self, extra: &[&str]) -> Out {
        let mut args = vec![
            "sso",
            "add",
            "--name",
            &self.conn,
            "--start-url",
            &self.tenant.start_url,
            "--region",
            SSO_REGION,
        ];
        args.extend_from_slice(extra);
        self.keyhop(&args)
    }

    /// `sso add` with `--default-region DEFAULT_REGION`, a device-code sign-in and a sync: the
    /// state most session tests start from.
    #[track_caller]
    pub fn ready(&self) {
        self.add(&["--default-region", DEFAULT_REGION]).ok();
        self.sign_in();
        self.sync().ok();
    }

    /// `keyhop sso list --json`, parsed.
    pub fn connections(&self) -> Vec<Value> {
        let out = self.keyhop(&["sso", "list", "--json"]).ok();
        match serde_json::from_str::<Value>(&out.stdout) {
            Ok(Value::Array(items)) => items,
            other => panic!("sso list --json is not a JSON array ({other:?}): {out}"),
        }
    }

    /// This test's connection in `sso list --json`.
    pub fn connection(&self) -> Value {
        self.connection_named(&self.conn)
    }

    pub fn connection_named(&self, name: &str) -> Value {
        let all = self.connections();
        all.iter()
            .find(|c| c["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no connection {name} in `sso list --json`: {all:?}"))
    }

    /// `keyhop session list --json`, parsed.
    pub fn sessions(&self) -> Vec<Value> {
        let out = self.keyhop(&["session", "list", "--json"]).ok();
        match serde_json::from_str::<Value>(&out.stdout) {
            Ok(Value::Array(items)) => items,
            other => panic!("session list --json is not a JSON array ({other:?}): {out}"),
        }
    }

    /// The session called `alias` in `session list --json`.
    pub fn session(&self, alias: &str) -> Value {
        let all = self.sessions();
        all.iter()
            .find(|s| s["alias"] == alias)
            .cloned()
            .unwrap_or_else(|| panic!("no session {alias:?} in `session list --json`: {all:#?}"))
    }

    /// The sorted aliases of all sessions.
    pub fn aliases(&self) -> Vec<String> {
        let mut aliases: Vec<String> = self
            .sessions()
            .iter()
            .map(|s| s["alias"].as_str().expect("alias").to_owned())
            .collect();
        aliases.sort();
        aliases
    }

    pub fn sync(&self) -> Out {
        self.keyhop(&["sso", "sync", &self.conn])
    }
    pub fn start(&self, alias: &str) -> Out {
        self.keyhop(&["session", "start", alias])
    }
    pub fn stop(&self, alias: &str) -> Out {
        self.keyhop(&["session", "stop", alias])
    }

    /// `keyhop sso login CONN ARGS…` in the background, stdout read line by line.
    pub fn spawn_login(&self, args: &[&str]) -> Login {
        let mut all = vec!["sso", "login", &self.conn];
        all.extend_from_slice(args);
        Login::spawn(self.command(&all), &format!("keyhop {}", all.join(" ")))
    }

    /// Signs the connection in through the device-code flow (`--no-browser --device-code`),
    /// approving in the "browser"; panics unless it succeeds. The other tests' way in, so that
    /// they do not depend on the loopback listener of the authorization-code flow.
    #[track_caller]
    pub fn sign_in(&self) {
        let mut login = self.spawn_login(&["--no-browser", "--device-code", "--timeout", "60"]);
        let url = login.line(Duration::from_secs(30));
        let _code = login.line(Duration::from_secs(30));
        let page = browse(&url);
        assert!(
            page.body.contains("approved"),
            "the device verification page did not approve ({url}): {page:?}"
        );
        login.wait(Duration::from_secs(90)).ok();
    }

    /// The temp dir beside HOME, for browser scripts and their logs.
    pub fn scratch(&self) -> PathBuf {
        self.rig.home.parent().expect("rig temp dir").to_path_buf()
    }

    /// Writes an executable `/bin/sh` script `name` into the scratch dir.
    pub fn script(&self, name: &str, body: &str) -> PathBuf {
        let path = self.scratch().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod 755");
        }
        path
    }

    /// A BROWSER that logs each URL it is given to `<scratch>/<name>.log`, lets the user take
    /// `think_secs`, and then follows the URL with curl as a browser would (the rig's /authorize
    /// redirects to keyhop's callback).
    pub fn logging_browser(&self, name: &str, think_secs: u32) -> (PathBuf, PathBuf) {
        let log = self.scratch().join(format!("{name}.log"));
        let script = self.script(
            &format!("{name}.sh"),
            &format!(
                "printf '%s\\n' \"$1\" >> '{}'\nsleep {think_secs}\nexec curl -sfL --noproxy '*' --max-time 60 \"$1\" >/dev/null",
                log.display()
            ),
        );
        (script, log)
    }

    /// The Arn that role credentials of (account, role) have: the tenant's user as session name.
    pub fn arn(&self, account_id: &str, role: &str) -> String {
        format!("arn:aws:sts::{account_id}:assumed-role/{role}/{SSO_USER}")
    }
}

/// Panics unless some line of `out`'s stdout contains `alias` and `word` (case-insensitive).
#[track_caller]
pub fn assert_reported(out: &Out, alias: &str, word: &str) {
    let found = out
        .stdout
        .lines()
        .any(|l| l.contains(alias) && l.to_lowercase().contains(&word.to_lowercase()));
    assert!(found, "no line with {alias:?} and {word:?} on stdout: {out}");
}

/// A `keyhop sso login` running in the background; killed when dropped.
pub struct Login {
    child: Child,
    what: String,
    lines: mpsc::Receiver<String>,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    done: Arc<(AtomicBool, AtomicBool)>,
}

impl Login {
    /// Starts `cmd` (stdin closed) with its stdout and stderr read in the background.
    pub fn spawn(mut cmd: Command, what: &str) -> Login {
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start `{what}`: {e}"));
        let (tx, lines) = mpsc::channel();
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let done = Arc::new((AtomicBool::new(false), AtomicBool::new(false)));
        let (out_pipe, mut err_pipe) = (
            child.stdout.take().expect("piped stdout"),
            child.stderr.take().expect("piped stderr"),
        );
        let (seen, out_done) = (Arc::clone(&stdout), Arc::clone(&done));
        std::thread::spawn(move || {
            for line in BufReader::new(out_pipe).lines().map_while(Result::ok) {
                seen.lock().expect("stdout lines").push(line.clone());
                let _ = tx.send(line);
            }
            out_done.0.store(true, Ordering::SeqCst);
        });
        let (buf, err_done) = (Arc::clone(&stderr), Arc::clone(&done));
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                buf.lock().expect("stderr bytes").extend_from_slice(&chunk[..n]);
            }
            err_done.1.store(true, Ordering::SeqCst);
        });
        Login {
            child,
            what: what.to_owned(),
            lines,
            stdout,
            stderr,
            done,
        }
    }

    /// The next line on stdout; panics (with all output so far) if none comes `within`.
    pub fn line(&mut self, within: Duration) -> String {
        if let Ok(line) = self.lines.recv_timeout(within) {
            return line.trim_end_matches('\r').to_owned();
        }
        let so_far = self.so_far();
        panic!(
            "`{}` printed no further line within {} s\n{so_far}",
            self.what,
            within.as_secs()
        )
    }

    /// The exit status if it has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("wait")
    }

    /// Waits for the exit (panics, killing it, after `within`) and returns what it did.
    pub fn wait(&mut self, within: Duration) -> Out {
        let deadline = Instant::now() + within;
        let status = loop {
            if let Some(status) = self.exited() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let so_far = self.so_far();
                panic!("`{}` did not finish within {} s\n{so_far}", self.what, within.as_secs());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // The readers take the last output (a grandchild holding a pipe may keep it open: give up
        // after a few seconds rather than hang).
        let until = Instant::now() + Duration::from_secs(5);
        while !(self.done.0.load(Ordering::SeqCst) && self.done.1.load(Ordering::SeqCst)) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        Out {
            what: self.what.clone(),
            status,
            stdout: self.stdout.lock().expect("stdout").join("\n"),
            stderr: String::from_utf8_lossy(&self.stderr.lock().expect("stderr")).into_owned(),
        }
    }

    fn so_far(&mut self) -> String {
        format!(
            "status so far: {:?}\n--- stdout so far ---\n{}\n--- stderr so far ---\n{}",
            self.child.try_wait().ok().flatten(),
            self.stdout.lock().expect("stdout").join("\n"),
            String::from_utf8_lossy(&self.stderr.lock().expect("stderr"))
        )
    }
}

impl Drop for Login {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the "browser" got: the final HTTP status after redirects (0: it could not connect),
/// the page, and curl's complaint if any.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub body: String,
    pub error: String,
}

/// Plays the user's browser: GET `url`, following redirects (to keyhop's loopback callback).
pub fn browse(url: &str) -> Page {
    let mut cmd = Command::new("curl");
    cmd.args([
        "-sS",
        "-L",
        "--noproxy",
        "*",
        "--max-time",
        "30",
        "-w",
        "\n%{http_code}",
        url,
    ]);
    let out = run(cmd, "", &format!("curl {url}"));
    let (body, status) = out.stdout.rsplit_once('\n').unwrap_or(("", out.stdout.as_str()));
    Page {
        status: status.trim().parse().unwrap_or(0),
        body: body.to_owned(),
        error: out.stderr,
    }
}

/// Plays a user who signs in and allows: the page chain must end at a page keyhop served
/// without an error status.
#[track_caller]
pub fn approve(url: &str) -> Page {
    let page = browse(url);
    assert!(
        (200..400).contains(&page.status),
        "the browser's sign-in at {url} did not end on a good page: {page:?}"
    );
    page
}

/// The value of query parameter `name` of `url`, percent-decoded.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1.split('#').next()?;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k) == name).then(|| percent_decode(v))
    })
}

/// `%XX` and `+` decoding of one query component.
pub fn percent_decode(s: &str) -> String {
    let hex = |c: u8| char::from(c).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let (Some(hi), Some(lo)) = (b.get(i + 1).and_then(|&c| hex(c)), b.get(i + 2).and_then(|&c| hex(c)))
        {
            out.push(hi * 16 + lo);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
