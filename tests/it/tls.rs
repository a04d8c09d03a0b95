//! HTTPS to AWS. Every other test talks plain HTTP to moto, so this one proves keyhop's TLS
//! (rustls with ring, the system's trust store, which `SSL_CERT_FILE` extends): a moto serving
//! HTTPS with a certificate from a CA made here. Trusted, a start works and the AWS CLI reads
//! the profile over the same HTTPS; untrusted, the certificate is refused, the message says so,
//! and nothing is written.
#![cfg(unix)]

use crate::common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A test CA and a server certificate it signed for 127.0.0.1: (ca.pem, server.pem, server.key).
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=keyhop test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    (dir.join("ca.pem"), dir.join("server.pem"), dir.join("server.key"))
}

#[test]
fn sts_over_https_works_with_a_trusted_certificate_and_refuses_an_untrusted_one() {
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(certs.path());
    let moto = PrivateMoto::start_tls(&cert, &key);
    assert!(moto.url.starts_with("https://"));
    let rig = Rig::with_endpoint(&moto.url);
    let keys = fake_keys();
    rig.add_user("tls-user", "tls", &keys, &[]).ok();
    let before = rig.snapshot();

    // Untrusted: refused as a certificate problem, nothing written.
    let refused = rig.keyhop(&["session", "start", "tls-user"]);
    let refused = refused.fails_with(&["certificate"]);
    assert_no_secret(&refused.all(), &[&keys.secret], "the refusal");
    rig.assert_unchanged(&before, "a start refused over TLS");

    // Trusted through SSL_CERT_FILE: started over HTTPS, and the AWS CLI uses the profile.
    let mut start = Command::new(keyhop_bin());
    start.args(["session", "start", "tls-user"]);
    rig.apply_env(&mut start);
    start.env("SSL_CERT_FILE", &ca);
    run(start, "", "keyhop session start tls-user (CA trusted)").ok();
    let mut aws = Command::new("aws");
    aws.args(["--output", "json", "sts", "get-caller-identity", "--profile", "tls"]);
    rig.apply_env(&mut aws);
    aws.env("AWS_CA_BUNDLE", &ca);
    let who = run(aws, "", "aws sts get-caller-identity over HTTPS").ok();
    assert!(who.stdout.contains("\"Arn\""), "{who}");
}
