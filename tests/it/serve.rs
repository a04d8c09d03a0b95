//! `keyhop serve`: a session's credentials over the container credentials protocol on
//! 127.0.0.1, judged by boto3's and the AWS CLI's own container provider
//! (`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`) against moto;
//! the authorization token, the address it listens on, renewals, Ctrl-C, bad input.
#![cfg(unix)]

use crate::common;
use common::*;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// A role chained on an IAM user in moto (AssumeRole gives new keys each time and names its
/// caller); returns (rig, the role session's alias, the ARN it must show).
fn chained(name: &str) -> (Rig, String, String) {
    let rig = Rig::new();
    let user = unique(name);
    let keys = moto_user(&user);
    rig.add_user(&user, &user, &keys, &[]).ok();
    let role = unique(&format!("{name}-role"));
    rig.add_chained(&role, &role, "arn:aws:iam::123456789012:role/Serve", name, &user)
        .ok();
    (
        rig,
        role,
        format!("arn:aws:sts::123456789012:assumed-role/Serve/{name}"),
    )
}

/// A running `keyhop serve`: what it printed, its stderr so far; killed when dropped.
pub(crate) struct Server {
    child: Child,
    url: String,
    token: String,
    port: u16,
    stdout: Vec<String>,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `cmd` (a `keyhop serve …` with the rig's environment) and waits for its two
    /// export lines.
    pub(crate) fn start(mut cmd: Command) -> Server {
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("keyhop serve runs");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_pipe = child.stderr.take().expect("piped stderr");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let (tx, rx) = mpsc::channel();
        let out = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut stdout = vec![];
        let deadline = Instant::now() + Duration::from_secs(60);
        while stdout.len() < 2 {
            if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
                stdout.push(line);
                continue;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("keyhop serve exited ({status}): {}", stderr.lock().unwrap());
            }
            assert!(Instant::now() < deadline, "no export lines in 60 s: {stdout:?}");
        }
        let value = |name: &str| {
            let prefix = format!("export {name}='");
            let line = stdout
                .iter()
                .find(|l| l.starts_with(&prefix))
                .unwrap_or_else(|| panic!("no `{prefix}…` line: {stdout:?}"));
            line[prefix.len()..].strip_suffix('\'').expect("quoted").to_owned()
        };
        let url = value("AWS_CONTAINER_CREDENTIALS_FULL_URI");
        let token = value("AWS_CONTAINER_AUTHORIZATION_TOKEN");
        let port = url
            .strip_prefix("http://127.0.0.1:")
            .and_then(|rest| rest.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("not an http://127.0.0.1:PORT/… URL: {url}"));
        Server {
            child,
            url,
            token,
            port,
            stdout,
            stderr,
        }
    }

    fn path(&self) -> String {
        let rest = self.url.strip_prefix("http://").unwrap();
        rest[rest.find('/').unwrap()..].to_owned()
    }

    /// GET of the credentials path with this token (or none).
    fn get(&self, token: Option<&str>) -> Reply {
        request(self.port, "GET", &self.path(), token)
    }

    /// The credentials it serves now, parsed.
    pub(crate) fn credentials(&self) -> Value {
        let r = self.get(Some(&self.token));
        assert_eq!(r.status, 200, "{r:?}");
        serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("not JSON ({e}): {r:?}"))
    }

    /// A client's environment: the rig's (moto as the endpoint, no profile, no keys) and the
    /// two variables.
    pub(crate) fn client(&self, rig: &Rig, program: &str) -> Command {
        let mut cmd = Command::new(program);
        rig.apply_env(&mut cmd);
        cmd.env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &self.url)
            .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &self.token)
            .env("AWS_REGION", REGION)
            .env("AWS_DEFAULT_REGION", REGION);
        cmd
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends `signal` and waits for the exit (20 s at most).
    fn signal(&mut self, signal: &str) -> ExitStatus {
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success(), "kill -{signal} failed");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                // Let the reader thread take the last of stderr.
                std::thread::sleep(Duration::from_millis(200));
                return s;
            }
            assert!(Instant::now() < deadline, "keyhop serve did not end after SIG{signal}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `keyhop serve ARGS` in the rig's environment.
fn serve_cmd(rig: &Rig, args: &[&str]) -> Command {
    let mut cmd = Command::new(keyhop_bin());
    cmd.arg("serve").args(args);
    rig.apply_env(&mut cmd);
    cmd
}

#[derive(Debug)]
struct Reply {
    status: u16,
    head: String,
    body: String,
}

/// One HTTP/1.1 request on a connection of its own; status 0 if the server closed it unanswered.
fn request(port: u16, method: &str, path: &str, token: Option<&str>) -> Reply {
    let auth = token.map_or(String::new(), |t| format!("Authorization: {t}\r\n"));
    raw(
        port,
        &format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}Connection: close\r\n\r\n"),
    )
}

fn raw(port: u16, request: &str) -> Reply {
    let mut s = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect to keyhop serve");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = s.write_all(request.as_bytes());
    let mut bytes = vec![];
    let _ = s.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Reply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// boto3 through its container provider: the Arn, and the provider botocore says it used.
const BOTO3: &str = "import boto3\ns = boto3.Session()\nprint(s.client('sts').get_caller_identity()['Arn'])\nprint(s.get_credentials().method)";

#[test]
fn boto3_and_the_aws_cli_get_the_sessions_identity_and_no_profile_is_written() {
    let (rig, alias, arn) = chained("serve");
    let before = rig.snapshot();
    let mut cmd = serve_cmd(&rig, &[&alias]);
    // Everything keyhop can log: the token must still be nowhere in it.
    cmd.env("KEYHOP_LOG", "trace");
    let mut server = Server::start(cmd);
    assert_eq!(server.stdout.len(), 2, "{:?}", server.stdout);

    let mut aws = server.client(&rig, "aws");
    aws.args(["sts", "get-caller-identity", "--query", "Arn", "--output", "text"]);
    let out = run(aws, "", "aws sts get-caller-identity (container credentials)").ok();
    assert_eq!(out.stdout.trim(), arn, "{out}");

    let mut py = server.client(&rig, "python3");
    py.args(["-c", BOTO3]);
    let out = run(py, "", "boto3 get_caller_identity (container credentials)").ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines, [arn.as_str(), "container-role"], "{out}");

    // The protocol's JSON: the four fields, an RFC 3339 expiration, and no caching.
    let r = server.get(Some(&server.token));
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.head.to_lowercase().contains("content-type: application/json"),
        "{r:?}"
    );
    assert!(r.head.to_lowercase().contains("cache-control: no-store"), "{r:?}");
    let v: Value = serde_json::from_str(&r.body).expect("JSON");
    let field = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("no {k} in {v}")).to_owned();
    assert!(field("AccessKeyId").starts_with("ASIA"), "{v}");
    let (secret, session_token) = (field("SecretAccessKey"), field("Token"));
    assert!(!secret.is_empty() && !session_token.is_empty(), "{v}");
    assert!(is_rfc3339(&field("Expiration")), "{v}");

    assert_eq!(
        rig.snapshot().credentials,
        before.credentials,
        "serve wrote the credentials file"
    );
    assert_eq!(rig.snapshot().config, before.config, "serve wrote the config file");

    let status = server.signal("INT");
    assert!(matches!(status.code(), Some(0 | 130)), "{status}");
    let stderr = server.stderr();
    assert!(
        stderr.contains("credentials") && stderr.contains("request"),
        "trace log expected: {stderr}"
    );
    assert_no_secret(
        &stderr,
        &[&server.token, &secret, &session_token],
        "keyhop serve's stderr at trace level",
    );
}

#[test]
fn requests_without_the_token_are_refused_and_told_nothing() {
    let (rig, alias, _) = chained("refuse");
    let server = Server::start(serve_cmd(&rig, &[&alias]));
    let good = server.credentials();
    let secrets = [
        good["AccessKeyId"].as_str().unwrap(),
        good["SecretAccessKey"].as_str().unwrap(),
        good["Token"].as_str().unwrap(),
    ];
    let mut wrong = server.token.clone();
    let last = if wrong.ends_with('0') { "1" } else { "0" };
    wrong.replace_range(wrong.len() - 1.., last);
    let prefix = &server.token[..server.token.len() - 1];
    for (what, reply) in [
        ("no token", server.get(None)),
        ("no token, another path", request(server.port, "GET", "/other", None)),
        ("a wrong token", server.get(Some(&wrong))),
        ("the token less its last character", server.get(Some(prefix))),
        (
            "the token with a Bearer prefix",
            server.get(Some(&format!("Bearer {}", server.token))),
        ),
        ("no token, a POST", request(server.port, "POST", &server.path(), None)),
    ] {
        assert!(matches!(reply.status, 401 | 403), "{what}: {reply:?}");
        assert_no_secret(&format!("{}\n{}", reply.head, reply.body), &secrets, what);
    }
    assert_eq!(server.get(None).status, 401);
    assert_eq!(server.get(Some(&wrong)).status, 403);

    // With the token: other paths and methods are not the credentials either.
    let r = request(server.port, "GET", "/other", Some(&server.token));
    assert_eq!(r.status, 404, "{r:?}");
    let r = request(server.port, "POST", &server.path(), Some(&server.token));
    assert_eq!(r.status, 405, "{r:?}");

    // boto3 with a wrong token gets no credentials at all.
    let mut py = server.client(&rig, "python3");
    py.env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &wrong).args(["-c", BOTO3]);
    let out = run(py, "", "boto3 with a wrong token");
    assert!(!out.success(), "boto3 got credentials with a wrong token: {out}");
    assert_no_secret(&out.all(), &secrets, "boto3's output with a wrong token");
}

#[test]
fn it_listens_on_127_0_0_1_only_and_honours_the_port() {
    let (rig, alias, arn) = chained("loopback");
    let port = free_port();
    let server = Server::start(serve_cmd(&rig, &[&alias, "--port", &port.to_string()]));
    assert_eq!(server.port, port, "--port not honoured: {}", server.url);
    assert_eq!(server.get(Some(&server.token)).status, 200);

    // Another loopback address of this machine: a wildcard listener would accept there.
    let other = TcpStream::connect_timeout(&(Ipv4Addr::new(127, 0, 0, 2), port).into(), Duration::from_secs(5));
    assert!(other.is_err(), "something accepts on 127.0.0.2:{port}");
    // The kernel's own table: every listener on the port is 127.0.0.1, none is IPv6.
    let hex_port = format!(":{port:04X}");
    let listeners = |file: &str| -> Vec<String> {
        std::fs::read_to_string(file)
            .unwrap_or_default()
            .lines()
            .skip(1)
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() > 3 && f[1].ends_with(&hex_port) && f[3] == "0A").then(|| f[1].to_owned())
            })
            .collect()
    };
    assert_eq!(listeners("/proc/net/tcp"), [format!("0100007F{hex_port}")]);
    assert!(listeners("/proc/net/tcp6").is_empty(), "an IPv6 listener on {port}");

    let mut aws = server.client(&rig, "aws");
    aws.args(["sts", "get-caller-identity", "--query", "Arn", "--output", "text"]);
    assert_eq!(run(aws, "", "aws sts get-caller-identity").ok().stdout.trim(), arn);

    // A busy port: a clear error, before any export line.
    let out = rig.keyhop(&["serve", &alias, "--port", &port.to_string()]);
    let out = out.fails_with(&["port", &port.to_string(), "in use"]);
    assert!(out.stdout.is_empty(), "{out}");
    assert_eq!(
        server.get(Some(&server.token)).status,
        200,
        "the first server was disturbed"
    );
}

#[test]
fn ctrl_c_and_sigterm_end_it_cleanly_and_free_the_port() {
    let (rig, alias, _) = chained("sigint");
    for signal in ["INT", "TERM"] {
        let port = free_port();
        let mut server = Server::start(serve_cmd(&rig, &[&alias, "--port", &port.to_string()]));
        assert_eq!(server.get(Some(&server.token)).status, 200);
        let status = server.signal(signal);
        assert!(matches!(status.code(), Some(0 | 130)), "SIG{signal}: {status}");
        assert!(server.stderr().contains("stopped"), "SIG{signal}: {}", server.stderr());
        TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .unwrap_or_else(|e| panic!("port {port} still taken after SIG{signal}: {e}"));
    }
}

#[test]
fn a_forced_renewal_hands_out_new_credentials_and_clients_keep_working() {
    let (rig, alias, arn) = chained("renew");
    // Moto's chained role lasts an hour: renewing with 3598 s left means about every 5 s (the
    // least gap keyhop keeps), each a real AssumeRole.
    let server = Server::start(serve_cmd(&rig, &[&alias, "--refresh-before", "3598s"]));
    let first = server.credentials();

    // A client that lives across the renewal: one boto3 session, a call a second for 12 s.
    let mut py = server.client(&rig, "python3");
    py.args([
        "-c",
        "import boto3, time\nc = boto3.Session().client('sts')\nfor _ in range(12):\n    print(c.get_caller_identity()['Arn'], flush=True)\n    time.sleep(1)",
    ]);
    let long_lived = std::thread::spawn(move || run(py, "", "a boto3 client across the renewal"));

    let deadline = Instant::now() + Duration::from_secs(40);
    let renewed = loop {
        let now = server.credentials();
        if now["AccessKeyId"] != first["AccessKeyId"] {
            break now;
        }
        assert!(Instant::now() < deadline, "no renewal within 40 s: {}", server.stderr());
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_ne!(renewed["SecretAccessKey"], first["SecretAccessKey"]);
    assert_ne!(renewed["Token"], first["Token"]);
    assert!(
        renewed["Expiration"].as_str().unwrap() >= first["Expiration"].as_str().unwrap(),
        "{first} -> {renewed}"
    );

    let out = long_lived.join().unwrap().ok();
    assert_eq!(out.stdout.lines().count(), 12, "{out}");
    assert!(out.stdout.lines().all(|l| l == arn), "{out}");
    // A client started now gets the renewed credentials, and they work.
    let mut aws = server.client(&rig, "aws");
    aws.args(["sts", "get-caller-identity", "--query", "Arn", "--output", "text"]);
    assert_eq!(run(aws, "", "aws after the renewal").ok().stdout.trim(), arn);
    assert!(!server.stderr().contains("failed"), "{}", server.stderr());
}

#[test]
fn credentials_about_to_expire_are_renewed_at_most_once_per_gap() {
    // STS behind the fault proxy hands out credentials with 20 s left: less than keyhop ever
    // serves (30 s), so each renewal is due at once. The least gap between renewals (5 s) must
    // hold all the same: a few AssumeRole calls in 10 s, not a loop of them.
    let (rig, alias, _) = chained("short");
    let tmp = tempfile::tempdir().expect("temp dir");
    let log = tmp.path().join("sts.log");
    let proxy = FaultProxy::start(
        &moto_url(),
        &["--expire-in", "20", "--log", log.to_str().expect("UTF-8 path")],
    );
    let mut cmd = serve_cmd(&rig, &[&alias]);
    cmd.env("AWS_ENDPOINT_URL_STS", &proxy.url);
    let server = Server::start(cmd);
    let assumed = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| *l == "AssumeRole")
            .count()
    };
    let at_start = assumed();
    // A client asking meanwhile (each request finds them stale and kicks the renewer).
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        let _ = server.get(Some(&server.token));
        std::thread::sleep(Duration::from_millis(200));
    }
    let renewals = assumed() - at_start;
    eprintln!("serve: credentials with 20 s left: {renewals} AssumeRole calls in 10 s");
    assert!(
        (1..=3).contains(&renewals),
        "{renewals} AssumeRole calls in 10 s: {}",
        server.stderr()
    );
}

#[test]
fn concurrent_requests_are_all_answered_and_an_oversized_one_is_refused() {
    let (rig, alias, _) = chained("busy");
    let server = Arc::new(Server::start(serve_cmd(&rig, &[&alias])));
    let key = server.credentials()["AccessKeyId"].clone();
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let s = Arc::clone(&server);
            std::thread::spawn(move || {
                (0..10)
                    .map(|_| s.credentials()["AccessKeyId"].clone())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for t in threads {
        for k in t.join().unwrap() {
            assert_eq!(k, key);
        }
    }
    let huge = format!(
        "GET {} HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nX-Pad: {}\r\n\r\n",
        server.path(),
        server.token,
        "a".repeat(64 * 1024)
    );
    let r = raw(server.port, &huge);
    assert_ne!(r.status, 200, "a 64 KiB header was served: {}", r.head);
    assert_eq!(
        server.get(Some(&server.token)).status,
        200,
        "the server did not survive it"
    );
}

#[test]
fn bad_input_fails_before_anything_listens() {
    let (rig, alias, _) = chained("bad");
    let port = free_port();
    let before = rig.snapshot();
    let out = rig.keyhop(&["serve", "no-such-session", "--port", &port.to_string()]);
    let out = out.fails_with(&["no-such-session"]);
    assert!(out.stdout.is_empty(), "{out}");
    for bad in [
        ["--port", "70000"],
        ["--refresh-before", "0s"],
        ["--refresh-before", "999999999999999999m"],
        ["--refresh-before", "99999999999999999h"],
        ["--mfa-code", "12"],
    ] {
        let out = rig.keyhop(&["serve", &alias, bad[0], bad[1]]);
        assert!(!out.success() && out.stdout.is_empty(), "{out}");
        // A clear error, not a panic (exit code 101).
        assert_ne!(out.status.code(), Some(101), "{out}");
        assert!(!out.stderr.contains("panicked"), "{out}");
        if bad[0] == "--refresh-before" {
            assert!(
                out.stderr.contains(bad[1]),
                "the error does not name {:?}: {out}",
                bad[1]
            );
        }
    }
    rig.assert_unchanged(&before, "serve with bad input");
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).expect("the port was never taken");
}

#[test]
fn an_mfa_user_needs_a_code_at_startup() {
    let keys = moto_user(&unique("serve-mfa"));
    let rig = Rig::new();
    let u = unique("mfa");
    rig.add_user(&u, &u, &keys, &["--mfa-device", "arn:aws:iam::123456789012:mfa/alice"])
        .ok();
    // No terminal to ask on: exit 3, nothing printed.
    let out = rig.keyhop(&["serve", &u]);
    assert_eq!(out.status.code(), Some(3), "{out}");
    assert!(out.stdout.is_empty(), "{out}");

    let server = Server::start(serve_cmd(&rig, &[&u, "--mfa-code", "123456"]));
    let mut aws = server.client(&rig, "aws");
    aws.args(["sts", "get-caller-identity"]);
    let out = run(aws, "", "aws sts get-caller-identity (MFA user)").ok();
    let v: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert!(v["Arn"].as_str().is_some_and(|a| a.starts_with("arn:aws:")), "{out}");
}

#[test]
fn an_sso_session_is_served() {
    const SANDBOX: &str = "333333333333";
    let w = Sso::new(&[account(SANDBOX, "Sandbox", &["Developer"])], &json!({}));
    w.ready();
    let server = Server::start(w.command(&["serve", "Sandbox/Developer"]));
    let mut aws = server.client(&w.rig, "aws");
    aws.args(["sts", "get-caller-identity", "--query", "Arn", "--output", "text"]);
    let out = run(aws, "", "aws sts get-caller-identity (SSO session)").ok();
    assert_eq!(out.stdout.trim(), w.arn(SANDBOX, "Developer"), "{out}");
    assert!(
        w.rig.credentials().is_empty(),
        "serve wrote a profile: {}",
        w.rig.credentials()
    );
}
