//! Differential tests: keyhop's reading of the AWS files against botocore's own
//! (`botocore.configloader.raw_config_parse`, which the AWS CLI and boto3 use).
//!
//! proptest builds batches of files from a grammar of the line shapes real files have; one
//! `python3` process per batch reads them all with the installed botocore and prints JSON.
//! keyhop must see the same sections, keys and values, refuse the same files, and its edit
//! (set the four credential keys of a profile, then remove them) must read back in botocore
//! as intended with every other section unchanged.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use proptest::prelude::*;
use serde_json::{Value, json};

use super::CREDENTIAL_KEYS;
use super::ini::{IniDoc, IniValue};

/// Reads each text with botocore; `Ok(sections)` or `Err(botocore's message)`.
pub(super) fn botocore_read(texts: &[String]) -> Vec<Result<Value, String>> {
    const SCRIPT: &str = r#"
import json, sys
try:
    import botocore.configloader as cl
    from botocore.exceptions import ConfigParseError
except ImportError as e:
    sys.stderr.write("cannot import botocore: %s\n" % e)
    sys.exit(3)
out = []
for path in json.load(sys.stdin):
    try:
        out.append({"ok": cl.raw_config_parse(path)})
    except ConfigParseError as e:
        out.append({"err": str(e)})
json.dump(out, sys.stdout)
"#;
    let dir = tempfile::tempdir().expect("temp dir");
    let paths: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let path = dir.path().join(format!("f{i}"));
            std::fs::write(&path, text).expect("write test file");
            path.to_str().expect("utf-8 temp path").to_owned()
        })
        .collect();
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        // botocore opens the files in the locale's encoding; pin UTF-8 as a UTF-8 desktop has.
        .env("PYTHONUTF8", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "this test needs python3 with botocore (the AWS CLI's parser is the oracle): cannot run python3: {e}. \
                 Install them (`pip install botocore`, or run `cargo xtask test`, which does)"
            )
        });
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(serde_json::to_string(&paths).expect("json").as_bytes())
        .expect("write to python3");
    let out = child.wait_with_output().expect("wait for python3");
    assert!(
        out.status.success(),
        "this test needs python3 with botocore (the AWS CLI's parser is the oracle); python3 failed ({}): {}. \
         Install botocore (`pip install botocore`, or run `cargo xtask test`, which does)",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).expect("python3 printed JSON");
    assert_eq!(results.len(), texts.len());
    results
        .into_iter()
        .map(|r| match (r.get("ok"), r.get("err")) {
            (Some(ok), _) => Ok(ok.clone()),
            (_, Some(err)) => Err(err.as_str().unwrap_or_default().to_owned()),
            _ => panic!("unexpected python3 output {r}"),
        })
        .collect()
}

/// keyhop's reading in botocore's JSON shape; `Err` with keyhop's reason.
fn keyhop_read(text: &str) -> Result<Value, String> {
    let view = IniDoc::parse(text).botocore_view().map_err(|p| format!("{p:?}"))?;
    Ok(view_json(&view))
}

fn view_json(view: &BTreeMap<String, BTreeMap<String, IniValue>>) -> Value {
    let sections = view
        .iter()
        .map(|(name, keys)| {
            let keys = keys
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        IniValue::Text(t) => json!(t),
                        IniValue::Nested(m) => json!(m),
                    };
                    (k.clone(), v)
                })
                .collect::<serde_json::Map<_, _>>();
            (name.clone(), Value::Object(keys))
        })
        .collect::<serde_json::Map<_, _>>();
    Value::Object(sections)
}

// ---- the grammar -------------------------------------------------------------------------

const NAMES: [&str; 9] = [
    "default",
    "dev",
    "prod",
    "profile dev",
    "profile  dev",
    "sso-session corp",
    "a b",
    "DEFAULT",
    "dev]",
];
const KEYS: [&str; 9] = [
    "region",
    "output",
    "aws_access_key_id",
    "AWS_Access_Key_ID",
    "aws_session_token",
    "x_security_token_expires",
    "s3",
    "k",
    "credential_process",
];
/// Profiles the edit check writes to (existing ones and a new one).
const EDIT_PROFILES: [&str; 5] = ["dev", "default", "prod", "profile dev", "keyhop-new"];

/// Mostly spaces and tabs; now and then the other characters Python calls whitespace.
fn ws() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[ \t]{0,2}",
        1 => "[ \u{a0}\u{0c}\u{0b}\u{1c}\u{2003}]{1,2}",
    ]
}

fn indent() -> impl Strategy<Value = String> {
    prop_oneof!["[ ]{1,4}", "\t", "\t ", "[ ]{1,2}\t"]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z0-9/+=.-]{0,12}",
        1 => "[a-z]{1,4} [#;] [a-z]{0,4}",
        1 => "https://x/?a=b:[0-9]{1,3}",
        1 => Just(String::new()),
    ]
}

fn header() -> impl Strategy<Value = String> {
    let name = prop::sample::select(NAMES.to_vec());
    prop_oneof![
        6 => name.clone().prop_map(|n| format!("[{n}]")),
        2 => (name.clone(), ws(), ws()).prop_map(|(n, a, b)| format!("[{a}{n}{b}]")),
        3 => (name.clone(), ws(), "[#;]", "[ a-z]{0,8}").prop_map(|(n, w, c, t)| format!("[{n}]{w}{c}{t}")),
        1 => (name.clone(), ws()).prop_map(|(n, w)| format!("[{n}]{w}x")),
        2 => (indent(), name.clone()).prop_map(|(i, n)| format!("{i}[{n}]")),
        1 => name.clone().prop_map(|n| format!("[{n}")),
        1 => Just("[]".to_owned()),
    ]
}

fn key_line() -> impl Strategy<Value = String> {
    let key = prop::sample::select(KEYS.to_vec());
    prop_oneof![
        8 => (key.clone(), ws(), "[=:]", ws(), value(), ws())
            .prop_map(|(k, a, d, b, v, c)| format!("{k}{a}{d}{b}{v}{c}")),
        2 => (indent(), key.clone(), value()).prop_map(|(i, k, v)| format!("{i}{k} = {v}")),
        1 => key.prop_map(|k| format!("{k} =")),
    ]
}

fn body_line() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => key_line(),
        3 => (ws(), "[#;]", "[ -~]{0,10}").prop_map(|(a, c, t)| format!("{a}{c}{t}")),
        3 => ws(),
        3 => (indent(), "[a-z_]{1,8}", ws(), value()).prop_map(|(i, k, w, v)| format!("{i}{k}{w}={w}{v}")),
        1 => (indent(), "[a-z]{1,6}").prop_map(|(i, w)| format!("{i}{w}")),
        1 => prop_oneof![Just("stray".to_owned()), Just("= x".to_owned()), Just(": x".to_owned())],
    ]
}

fn preamble_line() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (ws(), "[#;]", "[ -~]{0,10}").prop_map(|(a, c, t)| format!("{a}{c}{t}")),
        4 => ws(),
        1 => key_line(),
    ]
}

/// Lines of a file: a preamble, then sections with bodies.
fn file_lines() -> impl Strategy<Value = Vec<String>> {
    let section = (header(), prop::collection::vec(body_line(), 0..5)).prop_map(|(h, mut body)| {
        body.insert(0, h);
        body
    });
    (
        prop::collection::vec(preamble_line(), 0..3),
        prop::collection::vec(section, 0..4),
    )
        .prop_map(|(mut lines, sections)| {
            lines.extend(sections.into_iter().flatten());
            lines
        })
}

/// A whole file: LF, CRLF, lone CR or mixed endings, a final newline or not, now and then a
/// UTF-8 byte-order mark.
fn file_text() -> impl Strategy<Value = String> {
    let endings = prop::collection::vec(prop::sample::select(vec!["\n", "\r\n", "\r"]), 32);
    (file_lines(), endings, 0..6u8, any::<bool>(), prop::bool::weighted(0.05)).prop_map(
        |(lines, endings, mode, final_newline, bom)| {
            let mut out = String::new();
            if bom {
                out.push('\u{feff}');
            }
            let n = lines.len();
            for (i, text) in lines.into_iter().enumerate() {
                out.push_str(&text);
                if i + 1 < n || final_newline {
                    out.push_str(match mode {
                        0 | 1 => "\n",
                        2 => "\r\n",
                        3 => "\r",
                        _ => endings[i % endings.len()],
                    });
                }
            }
            out
        },
    )
}

// ---- the edit keyhop makes -------------------------------------------------------------

const VALUES: [&str; 4] = [
    "ASIAKEYHOPTEST000001",
    "keyhop/Secret+Value=XXXXXXXXXXXXXXXXXXXX",
    "FwoGZXIvYXdzEXAMPLE//TOKEN+with=and:colon",
    "2030-01-01T00:00:00Z",
];

/// `(text after setting the four keys, text after removing them again)`, as `AwsFiles` does.
fn edit(text: &str, profile: &str) -> (String, String) {
    let mut doc = IniDoc::parse(text);
    for (k, v) in CREDENTIAL_KEYS.iter().zip(VALUES) {
        doc.set(profile, k, v);
    }
    let set = doc.render();
    let mut removed = false;
    for k in CREDENTIAL_KEYS {
        removed |= doc.remove(profile, k);
    }
    if removed {
        doc.remove_section_if_empty(profile);
    }
    (set, doc.render())
}

fn section<'a>(view: &'a Value, name: &str) -> Option<&'a serde_json::Map<String, Value>> {
    view.get(name).and_then(Value::as_object)
}

/// Which profile to edit in a file: mostly one of its own sections, else one of
/// `EDIT_PROFILES` (a new section, or an existing one by chance).
#[derive(Debug, Clone)]
struct Pick {
    existing: bool,
    index: prop::sample::Index,
}

fn pick() -> impl Strategy<Value = Pick> {
    (prop::bool::weighted(0.75), any::<prop::sample::Index>()).prop_map(|(existing, index)| Pick { existing, index })
}

fn profile_for(text: &str, pick: &Pick) -> String {
    let sections = IniDoc::parse(text).sections();
    if pick.existing && !sections.is_empty() {
        sections[pick.index.index(sections.len())].clone()
    } else {
        EDIT_PROFILES[pick.index.index(EDIT_PROFILES.len())].to_owned()
    }
}

/// keyhop reads each of `texts` as botocore did (`boto`), or refuses it as botocore did.
fn same_reading(texts: &[String], boto: &[Result<Value, String>]) -> Result<(), String> {
    for (text, b) in texts.iter().zip(boto) {
        let k = keyhop_read(text);
        let same = match (&k, b) {
            (Ok(k), Ok(b)) => k == b,
            (Err(_), Err(_)) => true,
            _ => false,
        };
        if !same {
            return Err(format!(
                "keyhop and botocore read this file differently:\n{text:?}\nkeyhop:   {k:?}\nbotocore: {b:?}"
            ));
        }
    }
    Ok(())
}

/// Checks one batch; `Err` describes the first disagreement.
fn check_batch(texts: &[String], profiles: &[String]) -> Result<(), String> {
    // Files keyhop would edit (it refuses the ones it cannot read as botocore does).
    let editable: Vec<usize> = (0..texts.len())
        .filter(|&i| keyhop_read(&texts[i]).is_ok() && !texts[i].contains("DEFAULT"))
        .collect();
    let mut all: Vec<String> = texts.to_vec();
    for &i in &editable {
        let (set, removed) = edit(&texts[i], &profiles[i]);
        all.push(set);
        all.push(removed);
    }
    let boto = botocore_read(&all);

    same_reading(&all, &boto)?;

    for (n, &i) in editable.iter().enumerate() {
        let profile = profiles[i].as_str();
        let (set_text, removed_text) = (&all[texts.len() + 2 * n], &all[texts.len() + 2 * n + 1]);
        let before = boto[i]
            .as_ref()
            .map_err(|e| format!("keyhop read a file botocore refuses: {e}"))?;
        let after_set = boto[texts.len() + 2 * n].as_ref();
        let after_remove = boto[texts.len() + 2 * n + 1].as_ref();
        let context = || {
            format!(
                "editing [{profile}] of\n{:?}\ngave\n{set_text:?}\nthen\n{removed_text:?}",
                texts[i]
            )
        };

        // After the set: the profile holds the four values and its other keys; nothing else moved.
        let mut want = before.clone();
        let entry = want
            .as_object_mut()
            .expect("object")
            .entry(profile)
            .or_insert_with(|| json!({}));
        for (k, v) in CREDENTIAL_KEYS.iter().zip(VALUES) {
            entry[*k] = json!(v);
        }
        if after_set != Ok(&want) {
            return Err(format!(
                "after setting the keys botocore reads {after_set:?}, expected {want:?}; {}",
                context()
            ));
        }

        // After the removal: the profile lost exactly those keys (and may go if it is empty).
        let after_remove =
            after_remove.map_err(|e| format!("botocore refuses the file after removal: {e}; {}", context()))?;
        let mut want = before.clone();
        let obj = want.as_object_mut().expect("object");
        let mut may_go = true;
        if let Some(s) = obj.get_mut(profile).and_then(Value::as_object_mut) {
            for k in CREDENTIAL_KEYS {
                s.remove(k);
            }
            may_go = s.is_empty();
        }
        let mut got = after_remove.clone();
        if may_go {
            got.as_object_mut().expect("object").remove(profile);
            obj.remove(profile);
        }
        if got != want {
            return Err(format!(
                "after removing the keys botocore reads {after_remove:?}, expected {want:?}; {}",
                context()
            ));
        }
        // Every byte keyhop does not own stays: set then remove restores the file exactly,
        // for a new profile and for one with keys of its own but none of keyhop's.
        let untouched = match section(before, profile) {
            None => true,
            Some(s) => !s.is_empty() && CREDENTIAL_KEYS.iter().all(|k| !s.contains_key(*k)),
        };
        if untouched && removed_text != &texts[i] {
            return Err(format!(
                "setting then removing the keys did not restore the bytes; {}",
                context()
            ));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 300, ..ProptestConfig::default() })]

    #[test]
    fn keyhop_reads_and_edits_files_as_botocore_does(
        batch in prop::collection::vec((file_text(), pick()), 40),
    ) {
        let (texts, picks): (Vec<String>, Vec<Pick>) = batch.into_iter().unzip();
        let profiles: Vec<String> = texts.iter().zip(&picks).map(|(t, p)| profile_for(t, p)).collect();
        if let Err(why) = check_batch(&texts, &profiles) {
            prop_assert!(false, "{}", why);
        }
    }
}

/// The shapes named in the issue, each read by botocore and by keyhop.
#[test]
fn named_shapes_read_as_botocore_does() {
    let texts: Vec<String> = [
        "[dev] # sandbox\nregion = eu-west-1\n",
        "[profile dev] ; note\nregion = eu-west-1\n",
        "[dev]\rregion = eu-west-1\r",
        "[a]\nk = 1\n\n  [b]\nj = 2\n",
        "[a]\n\tk\t=\t1\n",
        "[a]\nk = 1\n[a]\nj = 2\n",
        "k = 1\n[a]\n",
        "\u{feff}[a]\nk = 1\n",
        "[ spaced ]\nk = 1\n",
        "[a]\nK = 1\nk = 2\n",
        "[a]\ns3 =\n  x = 1\n\n  y = 2\n# c\n  z = 3\n",
        "[a]\ns3 =\n  novalue\n",
        "[DEFAULT]\nk = 1\n[a]\nj = 2\n",
        "[a]\nstray\n",
    ]
    .map(str::to_owned)
    .to_vec();
    let profiles = vec!["dev".to_owned(); texts.len()];
    if let Err(why) = check_batch(&texts, &profiles) {
        panic!("{why}");
    }
}
