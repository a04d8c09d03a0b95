//! Property tests for the INI editor on random AWS-ish files.

use proptest::prelude::*;

use super::ini::IniDoc;

const NAMES: [&str; 6] = ["default", "a", "b", "profile a", "profile b", "sso-session s"];
const KEYS: [&str; 6] = ["region", "output", "aws_access_key_id", "s3", "K", "x"];
const NEW_SECTION: &str = "profile keyhop-new";

fn ws() -> impl Strategy<Value = String> {
    "[ \t]{0,2}"
}

/// One line without its ending. Headers are never indented, so the
/// reference `headers` below can find them without knowing the parser's
/// continuation rules (indented headers are covered by unit tests).
fn line() -> impl Strategy<Value = String> {
    let name = prop::sample::select(NAMES.to_vec());
    let key = prop::sample::select(KEYS.to_vec());
    prop_oneof![
        (ws(), name, ws(), ws()).prop_map(|(a, n, b, c)| format!("[{a}{n}{b}]{c}")),
        (ws(), key, ws(), "[=:]", ws(), "[A-Za-z0-9/+=: .-]{0,10}", ws())
            .prop_map(|(a, k, b, d, c, v, e)| format!("{a}{k}{b}{d}{c}{v}{e}")),
        (ws(), "[#;]", "[ -~\t]{0,12}").prop_map(|(a, c, t)| format!("{a}{c}{t}")),
        ws(),
        ("[ \t]{1,4}", "[a-z_]{1,6}", "( = [a-z0-9]{0,4})?").prop_map(|(a, k, v)| format!("{a}{k}{v}")),
        "[a-z]{1,6}",
    ]
}

/// Random files: LF, CRLF or mixed endings, with or without final newline.
fn ini_text() -> impl Strategy<Value = String> {
    text_from_lines(prop::collection::vec(line(), 0..24))
}

/// Like `ini_text`, with at least one section header.
fn ini_text_with_section() -> impl Strategy<Value = String> {
    let name = prop::sample::select(NAMES.to_vec());
    (prop::collection::vec(line(), 0..24), any::<prop::sample::Index>(), name).prop_flat_map(|(mut lines, at, name)| {
        lines.insert(at.index(lines.len() + 1), format!("[{name}]"));
        text_from_lines(Just(lines))
    })
}

fn text_from_lines(lines: impl Strategy<Value = Vec<String>>) -> impl Strategy<Value = String> {
    let crlf = prop::collection::vec(any::<bool>(), 25);
    (lines, crlf, 0..3u8, any::<bool>()).prop_map(|(lines, crlf, mode, final_newline)| {
        let n = lines.len();
        let mut out = String::new();
        for (i, text) in lines.into_iter().enumerate() {
            out.push_str(&text);
            if i + 1 < n || final_newline {
                let crlf = match mode {
                    0 => false,
                    1 => true,
                    _ => crlf[i],
                };
                out.push_str(if crlf { "\r\n" } else { "\n" });
            }
        }
        out
    })
}

fn value() -> impl Strategy<Value = String> {
    "[A-Za-z0-9/+=]{0,12}"
}

/// Reference header finder: (line index, section name) of every header. As in botocore the
/// name is what stands between the brackets, spaces included.
fn headers(lines: &[&str]) -> Vec<(usize, String)> {
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let t = l.trim();
            let name = t.strip_prefix('[')?.strip_suffix(']')?;
            (!l.starts_with([' ', '\t'])).then(|| (i, name.to_owned()))
        })
        .collect()
}

proptest! {
    #[test]
    fn parse_render_is_identity(text in ini_text()) {
        prop_assert_eq!(IniDoc::parse(&text).render(), text);
    }

    #[test]
    fn parse_render_is_identity_for_any_text(text in "(\r|\n|\t| |\\[|\\]|=|#|[a-z]|.){0,60}") {
        prop_assert_eq!(IniDoc::parse(&text).render(), text);
    }

    #[test]
    fn new_section_round_trip_restores_bytes(text in ini_text(), values in prop::collection::vec(value(), 4)) {
        let mut doc = IniDoc::parse(&text);
        let keys = ["aws_access_key_id", "aws_secret_access_key", "aws_session_token", "x_security_token_expires"];
        for (k, v) in keys.iter().zip(&values) {
            doc.set(NEW_SECTION, k, v);
        }
        for (k, v) in keys.iter().zip(&values) {
            prop_assert_eq!(doc.get(NEW_SECTION, k), Some(v.clone()));
        }
        for k in keys {
            prop_assert!(doc.remove(NEW_SECTION, k));
        }
        prop_assert!(doc.remove_section_if_empty(NEW_SECTION));
        prop_assert_eq!(doc.render(), text);
    }

    #[test]
    fn setting_in_existing_section_only_touches_it(
        text in ini_text_with_section(),
        pick in any::<prop::sample::Index>(),
        sets in prop::collection::vec((prop::sample::select(KEYS.to_vec()), value()), 1..5),
    ) {
        let old: Vec<&str> = text.split_inclusive('\n').collect();
        let hs = headers(&old);
        let name = hs[pick.index(hs.len())].1.clone();
        let h = hs.iter().find(|(_, n)| *n == name).unwrap().0;
        let next = hs.iter().map(|(i, _)| *i).find(|&i| i > h).unwrap_or(old.len());

        let mut doc = IniDoc::parse(&text);
        for (k, v) in &sets {
            doc.set(&name, k, v);
        }
        let out = doc.render();
        let new: Vec<&str> = out.split_inclusive('\n').collect();
        prop_assert_eq!(&new[..h], &old[..h]);
        let tail = old.len() - next;
        prop_assert!(new.len() >= h + 1 + tail);
        prop_assert_eq!(&new[new.len() - tail..], &old[next..]);
        prop_assert_eq!(doc.sections(), IniDoc::parse(&text).sections());
        for (k, _) in &sets {
            let last = sets.iter().rev().find(|(k2, _)| k2 == k).unwrap();
            prop_assert_eq!(doc.get(&name, k), Some(last.1.clone()));
        }
    }

    #[test]
    fn set_is_idempotent(
        text in ini_text(),
        section in prop::sample::select(NAMES.to_vec()),
        key in prop::sample::select(KEYS.to_vec()),
        v in value(),
    ) {
        let mut once = IniDoc::parse(&text);
        once.set(section, key, &v);
        let mut twice = once.clone();
        twice.set(section, key, &v);
        prop_assert_eq!(twice.render(), once.render());
    }

    #[test]
    fn new_key_in_existing_section_round_trips(
        text in ini_text_with_section(),
        pick in any::<prop::sample::Index>(),
        v in value(),
    ) {
        let old: Vec<&str> = text.split_inclusive('\n').collect();
        let hs = headers(&old);
        let section = &hs[pick.index(hs.len())].1;
        let mut doc = IniDoc::parse(&text);
        doc.set(section, "keyhop_new", &v);
        prop_assert_eq!(doc.get(section, "keyhop_new"), Some(v.clone()));
        prop_assert!(doc.remove(section, "keyhop_new"));
        prop_assert_eq!(doc.render(), text);
    }
}
