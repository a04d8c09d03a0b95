//! Editing one profile of a 1,000-profile credentials file: the whole locked, atomic
//! read-modify-write that `session start` / `stop` do, and the in-memory edit alone.

use criterion::{Criterion, criterion_group, criterion_main};
use keyhop_core::aws_files::{AwsFiles, ProfileCredentials, ini::IniDoc};

fn thousand_profiles() -> String {
    use std::fmt::Write;
    let mut s = String::from("# a big, real-shaped credentials file\n");
    for i in 0..1000 {
        let _ = write!(
            s,
            "[profile-{i:04}]\naws_access_key_id = AKIAEXAMPLE{i:09}\naws_secret_access_key = secretExampleXXXXXXXXXXXXXXXXXXXXXXX{i:04}\n\n"
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let files = AwsFiles {
        credentials: dir.path().join("credentials"),
        config: dir.path().join("config"),
    };
    let original = thousand_profiles();
    std::fs::write(&files.credentials, &original).unwrap();
    let creds = ProfileCredentials {
        access_key_id: "ASIAEXAMPLE000000001",
        secret_access_key: "tmpSecretExampleXXXXXXXXXXXXXXXXXXXXXXXX",
        session_token: "FwoGZXIvYXdzEXAMPLETOKEN",
        expiration: "2026-11-26T23:00:00Z",
    };

    // Two expirations taken in turn, so that every iteration really rewrites the file.
    let refreshed = ProfileCredentials {
        expiration: "2026-11-27T00:00:00Z",
        ..creds
    };
    let mut flip = false;
    c.bench_function(
        "rewrite one profile of a 1000-profile credentials file (locked, atomic, fsync)",
        |b| {
            b.iter(|| {
                flip = !flip;
                files
                    .write_credentials("keyhop-bench", if flip { &creds } else { &refreshed })
                    .unwrap();
            });
        },
    );
    c.bench_function(
        "add then remove one profile of a 1000-profile credentials file (2 locked, atomic writes)",
        |b| {
            b.iter(|| {
                files.write_credentials("keyhop-bench", &creds).unwrap();
                files.remove_credentials("keyhop-bench").unwrap();
            });
        },
    );
    assert_eq!(std::fs::read_to_string(&files.credentials).unwrap(), original);

    c.bench_function("parse, edit and render a 1000-profile file in memory", |b| {
        b.iter(|| {
            let mut doc = IniDoc::parse(&original);
            doc.set("profile-0500", "aws_session_token", "tok");
            doc.render()
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
