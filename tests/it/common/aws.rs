//! AWS-side helpers: IAM users in moto, private moto servers, the keyring, INI reading.

use super::{moto_url, process::run};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Long-term keys of an IAM user.
#[derive(Clone, Debug)]
pub struct Keys {
    pub id: String,
    pub secret: String,
}

/// Creates IAM user `name` and an access key for it in the shared moto. Names must be unique
/// in the run: moto is shared and never reset. Set-up, not a proof of keyhop's output, so it
/// speaks IAM's query API to moto directly: through the AWS CLI these two calls took 1.5 s of
/// CPU (Python's start-up) for each of the run's ~200 users.
pub fn moto_user(name: &str) -> Keys {
    moto_iam(&[("Action", "CreateUser"), ("UserName", name)]);
    let xml = moto_iam(&[("Action", "CreateAccessKey"), ("UserName", name)]);
    Keys {
        id: xml_text(&xml, "AccessKeyId"),
        secret: xml_text(&xml, "SecretAccessKey"),
    }
}

/// One IAM query-API call to the shared moto as its admin (moto checks no signature unless
/// auth is on, which it never is for the shared one; the `Authorization` header's scope is how
/// moto's server picks the service). The XML answer; panics unless it is a 200.
pub fn moto_iam(params: &[(&str, &str)]) -> String {
    let base = moto_url();
    let authority = base
        .trim_end_matches('/')
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("moto at {base} is not http://"));
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("Version", "2010-05-08")
        .extend_pairs(params)
        .finish();
    let request = format!(
        "POST / HTTP/1.0\r\nHost: {authority}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(authority).unwrap_or_else(|e| panic!("cannot reach moto at {base}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("read timeout");
    stream.write_all(request.as_bytes()).expect("send to moto");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("read moto's answer");
    let (head, xml) = reply
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer from moto: {reply:?}"));
    assert_eq!(head.split_whitespace().nth(1), Some("200"), "IAM {params:?} -> {reply}");
    xml.to_owned()
}

/// The text of the first `<tag>` in `xml`; panics when there is none.
pub fn xml_text(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml.find(&open).unwrap_or_else(|| panic!("no <{tag}> in {xml}")) + open.len();
    let len = xml[start..]
        .find('<')
        .unwrap_or_else(|| panic!("<{tag}> is not closed in {xml}"));
    xml[start..start + len].to_owned()
}

/// `aws ARGS --output json` against the shared moto as its admin (dummy credentials, no files
/// of the caller's); the output of a run that must succeed.
pub fn moto_aws(args: &[&str]) -> super::process::Out {
    let home = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new("aws");
    cmd.args(["--output", "json"]).args(args);
    cmd.env("HOME", home.path())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", moto_url())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.path().join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("credentials"))
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN");
    run(cmd, "", &format!("aws {}", args.join(" "))).ok()
}

/// Well-formed, random keys that no STS knows (for tests that never reach STS, or must be
/// rejected).
pub fn fake_keys() -> Keys {
    use std::hash::{BuildHasher, Hasher};
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let state = std::collections::hash_map::RandomState::new();
    let chars: String = (0..56u64)
        .map(|i| {
            let mut h = state.build_hasher();
            h.write_u64(i);
            alphabet[(h.finish() % 32) as usize] as char
        })
        .collect();
    Keys {
        id: format!("AKIA{}", &chars[..16]),
        secret: chars[16..].to_ascii_lowercase(),
    }
}

/// An `http://127.0.0.1:PORT` where nothing listens.
pub fn closed_port_url() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

fn free_port() -> u16 {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind port 0");
    l.local_addr().expect("local addr").port()
}

/// A moto server of one test's own (for auth mode), stopped on drop.
pub struct PrivateMoto {
    child: Child,
    pub url: String,
    port: u16,
}

impl PrivateMoto {
    pub fn start() -> PrivateMoto {
        let port = free_port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server (run the tests with `cargo xtask test`)");
        let mut moto = PrivateMoto {
            child,
            url: format!("http://127.0.0.1:{port}"),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while moto.http("GET", "/moto-api/", "").split_whitespace().nth(1) != Some("200") {
            assert!(
                moto.child.try_wait().expect("wait").is_none(),
                "private moto_server exited"
            );
            assert!(Instant::now() < deadline, "private moto_server did not answer in 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// A moto serving HTTPS with `cert`/`key` (PEM files), at `https://127.0.0.1:PORT`. Ready
    /// when it accepts connections (its TLS cannot be probed without trusting the cert here).
    pub fn start_tls(cert: &std::path::Path, key: &std::path::Path) -> PrivateMoto {
        let port = free_port();
        let mut child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string(), "-c"])
            .arg(cert)
            .arg("-k")
            .arg(key)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server (run the tests with `cargo xtask test`)");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(child.try_wait().expect("wait").is_none(), "HTTPS moto_server exited");
            assert!(Instant::now() < deadline, "HTTPS moto_server did not listen in 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        PrivateMoto {
            child,
            url: format!("https://127.0.0.1:{port}"),
            port,
        }
    }

    /// Turns on moto's auth mode: from now on it rejects keys it did not issue.
    pub fn enable_auth(&self) {
        let reply = self.http("POST", "/moto-api/reset-auth", "0");
        assert_eq!(
            reply.split_whitespace().nth(1),
            Some("200"),
            "reset-auth failed: {reply}"
        );
    }

    /// A minimal HTTP/1.0 request; returns the whole reply ("" if the server is not up).
    fn http(&self, method: &str, path: &str, body: &str) -> String {
        let Ok(mut s) = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)) else {
            return String::new();
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
        let request = format!(
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
            self.port,
            body.len()
        );
        let mut reply = String::new();
        if s.write_all(request.as_bytes()).is_ok() {
            let _ = s.read_to_string(&mut reply);
        }
        reply
    }
}

impl Drop for PrivateMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What `secret-tool search --all service keyhop` shows (stdout and stderr: it prints the
/// attributes on stderr). The keyring is shared by every test of the run.
pub fn keyring_items() -> String {
    // `secret-tool search --all` loads every matching item's secret after the search; an
    // item another test deletes in between fails the whole search, so a failed one is
    // asked again (a failure's output would make "absent" checks pass on nothing).
    let mut last = String::new();
    for _ in 0..10 {
        let out = Command::new("secret-tool")
            .args(["search", "--all", "service", "keyhop"])
            .stdin(Stdio::null())
            .output()
            .expect("run secret-tool (libsecret-tools; run the tests with `cargo xtask test`)");
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if out.status.success() {
            return text;
        }
        last = text;
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    panic!("secret-tool search failed 10 times; the last output:\n{last}")
}

/// The keys of INI section `[name]` of `text` (None if there is no such section; a key
/// repeated, or a section repeated, keeps the last value).
pub fn ini_section(text: &str, name: &str) -> Option<BTreeMap<String, String>> {
    let mut found: Option<BTreeMap<String, String>> = None;
    let mut inside = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') && t.ends_with(']') {
            inside = t[1..t.len() - 1].trim() == name;
            if inside {
                found.get_or_insert_with(BTreeMap::new);
            }
        } else if inside
            && !t.starts_with(['#', ';'])
            && let (Some(map), Some((k, v))) = (found.as_mut(), t.split_once('='))
        {
            map.insert(k.trim().to_owned(), v.trim().to_owned());
        }
    }
    found
}

/// Names of all the sections of `text`, in order (repeats included).
pub fn ini_section_names(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|t| t.starts_with('[') && t.ends_with(']'))
        .map(|t| t[1..t.len() - 1].trim().to_owned())
        .collect()
}

/// The non-blank lines of `text` outside section `[name]`, byte for byte (a CR stays).
pub fn lines_outside(text: &str, name: &str) -> Vec<String> {
    let mut inside = false;
    let mut kept = Vec::new();
    for line in text.split('\n') {
        let t = line.trim();
        if t.starts_with('[') && t.ends_with(']') {
            inside = t[1..t.len() - 1].trim() == name;
        }
        if !inside && !t.is_empty() {
            kept.push(line.to_owned());
        }
    }
    kept
}
