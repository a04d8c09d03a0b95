//! Unit tests for the INI editor: one per rule, plus the sample files.

use super::ini::IniDoc;

const CONFIG_MIXED: &str = include_str!("testdata/config.mixed");
const CREDS_COMMENTS: &str = include_str!("testdata/credentials.comments");
const CREDS_CRLF: &str = include_str!("testdata/credentials.crlf-no-final-newline");
const FIXTURES: [&str; 3] = [CONFIG_MIXED, CREDS_COMMENTS, CREDS_CRLF];

fn edited(text: &str, f: impl FnOnce(&mut IniDoc)) -> String {
    let mut doc = IniDoc::parse(text);
    f(&mut doc);
    doc.render()
}

#[test]
fn fixtures_are_what_the_tests_assume() {
    assert!(CREDS_CRLF.contains("\r\n") && !CREDS_CRLF.ends_with('\n'));
    assert!(CREDS_COMMENTS.contains('\t') && !CREDS_COMMENTS.contains('\r'));
    assert!(CONFIG_MIXED.contains("s3 =\n  max_concurrent_requests"));
}

#[test]
fn render_is_identity() {
    for text in FIXTURES
        .into_iter()
        .chain(["", "\n", "\r\n", "a", "[x]", "a\r\nb\nc", " \t\n"])
    {
        let doc = IniDoc::parse(text);
        assert_eq!(doc.render(), text);
        assert_eq!(doc.to_string(), text);
    }
}

#[test]
fn sections_and_headers() {
    let doc = IniDoc::parse(CREDS_COMMENTS);
    // botocore does not trim section names: the AWS CLI knows this one as "  spaced  ".
    assert_eq!(doc.sections(), ["default", "ci", "  spaced  "]);
    assert!(doc.has_section("  spaced  "));
    assert!(!doc.has_section("spaced"));
    let doc = IniDoc::parse(CONFIG_MIXED);
    assert_eq!(
        doc.sections(),
        [
            "default",
            "profile sso-dev",
            "sso-session corp",
            "profile tool",
            "profile nested"
        ]
    );
    assert!(!doc.has_section("Default"), "section names are case-sensitive");
}

#[test]
fn get_reads_odd_spacing_tabs_and_case() {
    let doc = IniDoc::parse(CREDS_COMMENTS);
    assert_eq!(
        doc.get("  spaced  ", "aws_access_key_id").as_deref(),
        Some("AKIAEXAMPLESPACED03")
    );
    assert_eq!(
        doc.get("  spaced  ", "AWS_Secret_Access_Key").as_deref(),
        Some("spacedSecretExampleXXXXXXXXXXXXXXXXXXXXX")
    );
    assert_eq!(doc.get("ci", "region").as_deref(), Some("us-east-1"));
    assert_eq!(doc.get("default", "region"), None);
    assert_eq!(doc.get("nope", "region"), None);
    let doc = IniDoc::parse(CREDS_CRLF);
    assert_eq!(
        doc.get("work", "aws_secret_access_key").as_deref(),
        Some("workSecretExampleXXXXXXXXXXXXXXXXXXXXXXX")
    );
    assert_eq!(
        doc.get("default", "aws_access_key_id").as_deref(),
        Some("AKIAEXAMPLEDEFAULT01")
    );
}

#[test]
fn get_first_match_colon_delimiter_and_comments() {
    let doc = IniDoc::parse("[a]\nk = 1\nk = 2\n[a]\nk = 3\n[b]\nurl: https://x/?a=b\n# k = 9\n");
    assert_eq!(doc.get("a", "k").as_deref(), Some("1"));
    assert_eq!(doc.get("b", "url").as_deref(), Some("https://x/?a=b"));
    assert_eq!(doc.get("b", "# k"), None);
    // Keys before the first section belong to no section.
    assert_eq!(IniDoc::parse("k = 1\n[a]\n").get("a", "k"), None);
}

#[test]
fn continuation_lines_belong_to_their_key() {
    let doc = IniDoc::parse(CONFIG_MIXED);
    assert_eq!(doc.get("profile nested", "s3").as_deref(), Some(""));
    assert_eq!(doc.get("profile nested", "max_concurrent_requests"), None);
    let out = edited(CONFIG_MIXED, |d| assert!(d.remove("profile nested", "s3")));
    assert!(out.ends_with("[profile nested]\nregion = us-west-2\n"), "{out}");
    // Setting a key with a nested block replaces the whole block.
    let out = edited(CONFIG_MIXED, |d| d.set("profile nested", "s3", "x"));
    assert!(out.ends_with("region = us-west-2\ns3 = x\n"), "{out}");
    // Less-indented key lines after an indented key are keys, not continuations.
    let doc = IniDoc::parse("[a]\n   k1 = 1\n\tk2 = 2\n");
    assert_eq!(doc.get("a", "k2").as_deref(), Some("2"));
}

#[test]
fn set_existing_key_changes_only_the_value() {
    let out = edited(CREDS_COMMENTS, |d| d.set("ci", "aws_access_key_id", "NEW"));
    assert_eq!(
        out,
        CREDS_COMMENTS.replace("aws_access_key_id=AKIAEXAMPLECIUSER002", "aws_access_key_id=NEW")
    );
    let out = edited(CREDS_COMMENTS, |d| d.set("  spaced  ", "AWS_ACCESS_KEY_ID", "NEW"));
    assert_eq!(out, CREDS_COMMENTS.replace("=   AKIAEXAMPLESPACED03", "=   NEW"));
    // CRLF and the missing final newline are kept on the rewritten line.
    let out = edited(CREDS_CRLF, |d| d.set("work", "aws_secret_access_key", "S"));
    assert!(out.ends_with("\r\naws_secret_access_key = S"), "{out:?}");
    // An empty value gets the canonical form.
    assert_eq!(edited("[a]\n  k =\n", |d| d.set("a", "k", "v")), "[a]\n  k = v\n");
}

#[test]
fn set_new_key_goes_after_the_last_key_not_after_trailing_lines() {
    let text = "[a]\nx = 1\n\n# about b\n[b]\ny = 2\n";
    assert_eq!(
        edited(text, |d| d.set("a", "k", "v")),
        "[a]\nx = 1\nk = v\n\n# about b\n[b]\ny = 2\n"
    );
    assert_eq!(edited("[a]\n\n[b]\n", |d| d.set("a", "k", "v")), "[a]\nk = v\n\n[b]\n");
    assert_eq!(
        edited("[a]\ns3 =\n  m = 1\n\n", |d| d.set("a", "k", "v")),
        "[a]\ns3 =\n  m = 1\nk = v\n\n"
    );
    // Inserting after a last line without newline moves "no final newline".
    assert_eq!(
        edited("[a]\r\nx = 1", |d| d.set("a", "k", "v")),
        "[a]\r\nx = 1\r\nk = v"
    );
    assert_eq!(edited("[a]", |d| d.set("a", "k", "v")), "[a]\nk = v");
    // An indented stray line must not become the new key's continuation.
    let text = "[a]\n  stray\n\n";
    assert_eq!(edited(text, |d| d.set("a", "k", "v")), "[a]\n  stray\nk = v\n\n");
    assert_eq!(
        edited(&edited(text, |d| d.set("a", "k", "v")), |d| assert!(d.remove("a", "k"))),
        text
    );
}

#[test]
fn indented_header_is_a_header_unless_it_continues_a_key() {
    let doc = IniDoc::parse("[a]\n\n  [b]\nk = 1\n");
    assert_eq!(doc.sections(), ["a", "b"]);
    // As in configparser, an indented line after a key continues its value.
    let doc = IniDoc::parse("[a]\nk = 1\n  [b]\nj = 2\n");
    assert_eq!(doc.sections(), ["a"]);
    assert_eq!(doc.get("a", "j").as_deref(), Some("2"));
}

#[test]
fn set_new_section_appends_with_one_blank_line() {
    let cases = [
        ("A\n", "A\n\n[P]\nk = v\n"),
        ("A", "A\n\n[P]\nk = v"),
        ("A\n\n", "A\n\n\n[P]\nk = v\n"),
        ("", "[P]\nk = v\n"),
        ("A\r\n", "A\r\n\r\n[P]\r\nk = v\r\n"),
        ("A\r\nB", "A\r\nB\r\n\r\n[P]\r\nk = v"),
    ];
    for (before, after) in cases {
        let mut doc = IniDoc::parse(before);
        doc.set("P", "k", "v");
        assert_eq!(doc.render(), after, "from {before:?}");
        assert!(doc.remove("P", "k"));
        assert!(doc.remove_section_if_empty("P"));
        assert_eq!(doc.render(), before, "round trip of {before:?}");
    }
}

#[test]
fn remove_reports_and_keeps_final_newline_state() {
    let mut doc = IniDoc::parse("[a]\nk = 1\nj = 2");
    assert!(!doc.remove("a", "missing"));
    assert!(!doc.remove("b", "k"));
    assert!(doc.remove("a", "J"));
    assert_eq!(doc.render(), "[a]\nk = 1");
}

#[test]
fn remove_section_if_empty_rules() {
    // Only blank lines left: the section and one blank line before it go.
    assert_eq!(
        edited("A\n\n\n[P]\n\n[B]\n", |d| assert!(d.remove_section_if_empty("P"))),
        "A\n\n[B]\n"
    );
    // Comments and keys keep it.
    for text in ["[P]\n# mine\n", "[P]\nk = v\n", "[P]\nstray text\n"] {
        assert_eq!(edited(text, |d| assert!(!d.remove_section_if_empty("P"))), text);
    }
    assert_eq!(edited("A\n", |d| assert!(!d.remove_section_if_empty("P"))), "A\n");
    // A comment right before the header is not a blank line: it stays.
    assert_eq!(
        edited("# x\n[P]\n", |d| assert!(d.remove_section_if_empty("P"))),
        "# x\n"
    );
    assert_eq!(edited("A\n\n[P]", |d| assert!(d.remove_section_if_empty("P"))), "A");
}

#[test]
fn new_lines_use_the_first_line_ending() {
    assert_eq!(
        edited("[a]\r\nx = 1\n", |d| d.set("a", "k", "v")),
        "[a]\r\nx = 1\nk = v\r\n"
    );
    assert_eq!(
        edited("[a]\nx = 1\r\n", |d| d.set("b", "k", "v")),
        "[a]\nx = 1\r\n\n[b]\nk = v\n"
    );
}

#[test]
fn fixtures_new_profile_round_trip_is_byte_identical() {
    for text in FIXTURES {
        let mut doc = IniDoc::parse(text);
        for (k, v) in [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")] {
            doc.set("profile keyhop-new", k, v);
        }
        assert!(doc.render().starts_with(text.trim_end_matches(['\r', '\n'])));
        for k in ["a", "b", "c", "d"] {
            assert!(doc.remove("profile keyhop-new", k));
        }
        assert!(doc.remove_section_if_empty("profile keyhop-new"));
        assert_eq!(doc.render(), text);
    }
}

#[test]
fn fixtures_editing_one_profile_leaves_other_lines_identical() {
    let out = edited(CREDS_COMMENTS, |d| {
        d.set("ci", "aws_session_token", "TOKEN");
        d.set("ci", "region", "eu-west-3");
    });
    let expected = CREDS_COMMENTS.replace("region=us-east-1\n", "region=eu-west-3\naws_session_token = TOKEN\n");
    assert_eq!(out, expected);

    let out = edited(CREDS_CRLF, |d| d.set("default", "aws_session_token", "T"));
    let expected = CREDS_CRLF.replace("KEY\r\n\r\n", "KEY\r\naws_session_token = T\r\n\r\n");
    assert_eq!(out, expected);

    let out = edited(CONFIG_MIXED, |d| d.set("profile sso-dev", "region", "us-east-2"));
    let old_line = "Developer\nregion = eu-central-1\n";
    assert_eq!(out, CONFIG_MIXED.replace(old_line, "Developer\nregion = us-east-2\n"));
}

#[test]
#[should_panic(expected = "invalid INI section name")]
fn bad_section_name_panics() {
    IniDoc::parse("").set("a]\n[b", "k", "v");
}

#[test]
#[should_panic(expected = "line break")]
fn value_with_newline_panics_without_echoing_it() {
    IniDoc::parse("").set("a", "k", "secret\nmore");
}

// ---- botocore's reading (configparser as `raw_config_parse` uses it) ----

#[test]
fn header_followed_by_a_comment_is_that_section() {
    // botocore reads `[dev] # sandbox` as section "dev": keyhop must edit it, not add a second one.
    for (text, name) in [
        ("[dev] # sandbox\nregion = eu-west-1\n", "dev"),
        ("[profile dev] ; note\nregion = eu-west-1\n", "profile dev"),
        ("[dev]x\n", "dev"),
    ] {
        assert_eq!(IniDoc::parse(text).sections(), [name], "{text:?}");
        let out = edited(text, |d| d.set(name, "k", "v"));
        assert_eq!(out.matches('[').count(), 1, "a second section was added: {out:?}");
        assert!(out.ends_with("k = v\n"), "{out:?}");
    }
}

#[test]
fn a_lone_cr_ends_a_line() {
    let text = "[dev]\rregion = eu-west-1\r";
    let doc = IniDoc::parse(text);
    assert_eq!(doc.sections(), ["dev"]);
    assert_eq!(doc.get("dev", "region").as_deref(), Some("eu-west-1"));
    assert_eq!(doc.render(), text);
    assert_eq!(
        edited(text, |d| d.set("dev", "k", "v")),
        "[dev]\rregion = eu-west-1\rk = v\r"
    );
    // A new section after a CR-ended line in an LF file: its blank line must not turn that CR
    // into a CRLF (the bytes would then read back as one line less).
    for before in ["x\ny\r", "A\r"] {
        let mut doc = IniDoc::parse(before);
        doc.set("P", "k", "v");
        let mid = doc.render();
        assert_eq!(IniDoc::parse(&mid).sections(), ["P"], "{mid:?}");
        assert!(doc.remove("P", "k") && doc.remove_section_if_empty("P"));
        assert_eq!(doc.render(), before);
        let mut again = IniDoc::parse(&mid);
        assert!(again.remove("P", "k") && again.remove_section_if_empty("P"));
        assert_eq!(again.render(), before, "re-parsed from {mid:?}");
    }
}

#[test]
fn blank_lines_and_comments_do_not_end_a_continuation() {
    // configparser keeps blank lines inside values: the indented `[b]` continues `k`.
    let doc = IniDoc::parse("[a]\nk = 1\n\n  [b]\nj = 2\n");
    assert_eq!(doc.sections(), ["a"]);
    assert_eq!(doc.get("a", "j").as_deref(), Some("2"));
    let doc = IniDoc::parse("[a]\ns3 =\n  x = 1\n# c\n  y = 2\n");
    assert_eq!(doc.get("a", "y"), None);
}

#[test]
fn section_names_are_not_trimmed() {
    let doc = IniDoc::parse("[ dev ]\nk = 1\n");
    assert_eq!(doc.sections(), [" dev "]);
    assert!(!doc.has_section("dev"));
    assert_eq!(doc.get(" dev ", "k").as_deref(), Some("1"));
}

#[test]
fn default_is_not_a_section() {
    // configparser's DEFAULT section lends its keys to every section; it is not one itself.
    assert_eq!(IniDoc::parse("[DEFAULT]\nk = 1\n[a]\n").sections(), ["a"]);
}

#[test]
fn a_new_key_never_swallows_an_indented_header() {
    // `  [b]` is a header here (no key before it); a key inserted before it at column 0 would
    // make it that key's continuation and section b would vanish.
    let text = "[a]\n\n  [b]\nk = 1\n";
    let out = edited(text, |d| d.set("a", "x", "1"));
    let doc = IniDoc::parse(&out);
    assert_eq!(doc.sections(), ["a", "b"], "{out:?}");
    assert_eq!(doc.get("a", "x").as_deref(), Some("1"));
    assert_eq!(doc.get("b", "k").as_deref(), Some("1"));
    assert_eq!(edited(&out, |d| assert!(d.remove("a", "x"))), text);
}

#[test]
fn an_empty_section_stays_if_removing_it_would_swallow_the_next_header() {
    // Without `[P]`, the indented `[b]` would continue `k` of `[a]` and section b would vanish.
    let text = "[a]\nk = 1\n[P]\n  [b]\nj = 2\n";
    let mut doc = IniDoc::parse(text);
    assert_eq!(doc.sections(), ["a", "P", "b"]);
    assert!(!doc.remove_section_if_empty("P"));
    assert_eq!(doc.render(), text);
    // An ordinary next header: the empty section goes.
    let mut doc = IniDoc::parse("[a]\nk = 1\n[P]\n[b]\nj = 2\n");
    assert!(doc.remove_section_if_empty("P"));
    assert_eq!(doc.render(), "[a]\nk = 1\n[b]\nj = 2\n");
}
