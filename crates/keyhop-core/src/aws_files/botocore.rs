//! How botocore (the AWS CLI, boto3) reads the shared files, rule for rule: Python's
//! `configparser.RawConfigParser` with its defaults, as `botocore.configloader.raw_config_parse`
//! uses it, and the `[profile NAME]` lookup of `build_profile_map`. keyhop edits only what this
//! reading sees, so it never adds a second `[dev]` or writes into a section it misread.
//!
//! The rules that differ from a naive INI reader:
//! - Python opens the file with universal newlines: `\n`, `\r\n` and a lone `\r` end a line.
//! - A header is `[` … the *last* `]` of the stripped line; anything after it is ignored
//!   (`[dev] # sandbox` is section `dev`), and the name is not trimmed (`[ dev ]` is " dev ").
//! - A line indented deeper than the key line above it continues that key's value, even after
//!   blank lines and comments (configparser keeps blank lines inside values).
//! - Strict mode: a repeated section or key, text before the first section, or a line that is
//!   neither a header, `key = value`/`key: value`, a comment nor a continuation makes botocore
//!   refuse the *whole* file (the AWS CLI then fails for every command). So does a UTF-8 BOM,
//!   which Python keeps as a character before the first `[`.
//! - `DEFAULT` is configparser's defaults section: not a section, its keys appear in all others.
//! - "Whitespace" is Python's `str.isspace`, which also counts U+001C..U+001F.

use std::collections::BTreeMap;
use std::fmt;

/// How botocore sees a file: section name -> key (lower case) -> value.
pub type View = BTreeMap<String, BTreeMap<String, IniValue>>;

/// A value as botocore returns it: text, or, for a key with no value of its own followed by
/// indented `name = value` lines (`s3 =` blocks), those pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IniValue {
    Text(String),
    Nested(BTreeMap<String, String>),
}

/// Why botocore refuses a file. Line numbers count from 1; nothing of a line's text is kept
/// (it may be a secret), only section names, shortened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IniProblem {
    /// Text that is not a comment before the first `[section]`.
    OutsideSection {
        line: usize,
        bom: bool,
    },
    DuplicateSection {
        line: usize,
        first: usize,
        section: String,
    },
    DuplicateKey {
        line: usize,
        first: usize,
        section: String,
    },
    /// Neither a header, `key = value`, a comment, nor an indented continuation.
    NotAKeyLine {
        line: usize,
    },
    /// `= value` with nothing before the `=`.
    EmptyKey {
        line: usize,
    },
    /// The indented lines under a key with no value must each be `name = value`.
    BadNestedBlock {
        line: usize,
        section: String,
    },
}

impl IniProblem {
    /// The line the problem is on (for ordering: the first one is reported).
    pub fn line(&self) -> usize {
        match *self {
            IniProblem::OutsideSection { line, .. }
            | IniProblem::DuplicateSection { line, .. }
            | IniProblem::DuplicateKey { line, .. }
            | IniProblem::NotAKeyLine { line }
            | IniProblem::EmptyKey { line }
            | IniProblem::BadNestedBlock { line, .. } => line,
        }
    }
}

impl fmt::Display for IniProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IniProblem::OutsideSection { line, bom: true } => write!(
                f,
                "line {line} starts with a byte-order mark (U+FEFF), which the AWS CLI does not accept: save the file as UTF-8 without BOM"
            ),
            IniProblem::OutsideSection { line, bom: false } => {
                write!(f, "line {line} is outside any [section]")
            }
            IniProblem::DuplicateSection { line, first, section } => write!(
                f,
                "line {line} repeats section [{}] (first on line {first})",
                crate::validate::shown(section)
            ),
            IniProblem::DuplicateKey { line, first, section } => write!(
                f,
                "line {line} repeats a key of section [{}] (first on line {first}; key names are case-insensitive)",
                crate::validate::shown(section)
            ),
            IniProblem::NotAKeyLine { line } => write!(
                f,
                "line {line} is not a [section], a key = value line, a comment or an indented continuation"
            ),
            IniProblem::EmptyKey { line } => write!(f, "line {line} has a value but no key name"),
            IniProblem::BadNestedBlock { line, section } => write!(
                f,
                "the indented lines under the key on line {line} in [{}] must each be name = value",
                crate::validate::shown(section)
            ),
        }
    }
}

/// What a line is to botocore (given the lines before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Blank,
    Comment,
    Header,
    Key,
    /// Indented deeper than the key line it belongs to.
    Continuation,
    /// Anything else; botocore refuses a file that has one.
    Other,
}

/// Python's `str.isspace`: Unicode White_Space plus the four "information separators".
pub(super) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

pub(super) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Characters before the first non-space one (configparser's indent level).
pub(super) fn indent_chars(text: &str) -> usize {
    text.chars().take_while(|&c| is_py_space(c)).count()
}

/// The leading whitespace of `text`, as a string.
pub(super) fn indent_str(text: &str) -> &str {
    &text[..text.len() - text.trim_start_matches(is_py_space).len()]
}

/// configparser's `SECTCRE` (`\[(?P<header>.+)\]`, matched at the start of the stripped line):
/// the name runs to the last `]`, and must not be empty.
pub(super) fn section_header(stripped: &str) -> Option<&str> {
    let rest = stripped.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    (end > 0).then(|| &rest[..end])
}

/// The section name of a header line, if it is one.
pub(super) fn header_name(text: &str) -> Option<&str> {
    section_header(py_strip(text))
}

/// configparser's `OPTCRE` on the stripped line: the first `=` or `:` splits it; the key is
/// what comes before, right-stripped (may be empty), the value what follows, stripped.
pub(super) fn option_split(stripped: &str) -> Option<(&str, &str)> {
    let d = stripped.find(['=', ':'])?;
    Some((
        stripped[..d].trim_end_matches(is_py_space),
        py_strip(&stripped[d + 1..]),
    ))
}

fn is_comment(stripped: &str) -> bool {
    stripped.starts_with(['#', ';'])
}

/// The kind of every line (texts without their line endings).
pub(super) fn kinds<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<Kind> {
    let mut out = Vec::new();
    let mut in_section = false;
    // configparser's `optname` (a key whose value may continue) and `indent_level`.
    let mut open_key = false;
    let mut indent_level = 0;
    for text in lines {
        let stripped = py_strip(text);
        let kind = if stripped.is_empty() {
            Kind::Blank
        } else if is_comment(stripped) {
            Kind::Comment
        } else {
            let indent = indent_chars(text);
            if in_section && open_key && indent > indent_level {
                Kind::Continuation
            } else {
                indent_level = indent;
                if section_header(stripped).is_some() {
                    in_section = true;
                    open_key = false;
                    Kind::Header
                } else if !in_section {
                    Kind::Other
                } else {
                    match option_split(stripped) {
                        Some((key, _)) if !key.is_empty() => {
                            open_key = true;
                            Kind::Key
                        }
                        Some(_) => {
                            // configparser sets optname to "", which ends any continuation.
                            open_key = false;
                            Kind::Other
                        }
                        // A non-option line leaves optname as it was.
                        None => Kind::Other,
                    }
                }
            }
        };
        out.push(kind);
    }
    out
}

/// Where keys go while reading: configparser's defaults section or a named one.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Defaults,
    Named(usize),
}

/// A key while reading: name, value lines, line number.
type RawKey = (String, Vec<String>, usize);

/// Reads `lines` exactly as `raw_config_parse` does; `Err` with the first problem by line.
pub(super) fn read<'a>(lines: impl IntoIterator<Item = &'a str>) -> Result<View, IniProblem> {
    read_with_defaults(lines).map(|(view, _)| view)
}

/// `read`, plus the keys that configparser's `DEFAULT` section gives every section (what a
/// section that is new, or that lost its own keys, still shows).
pub(super) fn read_with_defaults<'a>(
    lines: impl IntoIterator<Item = &'a str>,
) -> Result<(View, BTreeMap<String, IniValue>), IniProblem> {
    read_full(lines).map(|(view, defaults, _)| (view, defaults))
}

/// Section name -> key (lower case) -> the line (from 1) it is on: a key lent by `DEFAULT`
/// is on that section's line (and `DEFAULT` holds its own keys' lines). What a message about
/// a key names.
pub type KeyLines = BTreeMap<String, BTreeMap<String, usize>>;

/// `read_with_defaults`, plus where each key of the view is.
pub(super) fn read_full<'a>(
    lines: impl IntoIterator<Item = &'a str>,
) -> Result<(View, BTreeMap<String, IniValue>, KeyLines), IniProblem> {
    let lines: Vec<&str> = lines.into_iter().collect();
    let kinds = kinds(lines.iter().copied());
    let mut reader = Reader::default();
    for (i, (&text, &kind)) in lines.iter().zip(&kinds).enumerate() {
        // The first problem by line is the one reported: configparser raises at once on some,
        // botocore refuses the file on the others, and the lines come in order.
        reader.line(i + 1, text, kind)?;
    }
    reader.finish()
}

/// What configparser holds while it reads: sections in order of appearance with their keys,
/// and the defaults section's keys.
#[derive(Default)]
struct Reader<'a> {
    sections: Vec<(String, Vec<RawKey>)>,
    defaults: Vec<RawKey>,
    seen_sections: BTreeMap<&'a str, usize>,
    seen_keys: BTreeMap<(Target, String), usize>,
    target: Option<Target>,
    open_key: bool,
}

impl<'a> Reader<'a> {
    fn keys(&mut self, target: &Target) -> &mut Vec<RawKey> {
        match target {
            Target::Defaults => &mut self.defaults,
            Target::Named(s) => &mut self.sections[*s].1,
        }
    }

    /// Line `line` (from 1), of kind `kind`; `Err` with the problem that ends the reading.
    fn line(&mut self, line: usize, text: &'a str, kind: Kind) -> Result<(), IniProblem> {
        let stripped = py_strip(text);
        match kind {
            Kind::Comment => Ok(()),
            Kind::Blank | Kind::Continuation => {
                // configparser keeps blank lines inside a value (trailing ones are stripped).
                let part = if kind == Kind::Blank { "" } else { stripped };
                if self.open_key
                    && let Some(t) = self.target.clone()
                    && let Some(last) = self.keys(&t).last_mut()
                {
                    last.1.push(part.to_owned());
                }
                Ok(())
            }
            Kind::Header => self.header(line, section_header(stripped).expect("a header")),
            Kind::Key => self.key(line, stripped),
            Kind::Other => Err(self.other(line, text, stripped)),
        }
    }

    fn header(&mut self, line: usize, name: &'a str) -> Result<(), IniProblem> {
        self.open_key = false;
        if name == "DEFAULT" {
            self.target = Some(Target::Defaults);
            return Ok(());
        }
        if let Some(&first) = self.seen_sections.get(name) {
            // configparser raises at once.
            return Err(IniProblem::DuplicateSection {
                line,
                first,
                section: name.to_owned(),
            });
        }
        self.seen_sections.insert(name, line);
        self.sections.push((name.to_owned(), vec![]));
        self.target = Some(Target::Named(self.sections.len() - 1));
        Ok(())
    }

    fn key(&mut self, line: usize, stripped: &str) -> Result<(), IniProblem> {
        let t = self.target.clone().expect("keys are inside a section");
        let (key, value) = option_split(stripped).expect("a key line");
        let key = key.to_lowercase();
        if let Some(&first) = self.seen_keys.get(&(t.clone(), key.clone())) {
            let section = match t {
                Target::Defaults => "DEFAULT".to_owned(),
                Target::Named(s) => self.sections[s].0.clone(),
            };
            return Err(IniProblem::DuplicateKey { line, first, section });
        }
        self.seen_keys.insert((t.clone(), key.clone()), line);
        self.keys(&t).push((key, vec![value.to_owned()], line));
        self.open_key = true;
        Ok(())
    }

    /// What is wrong with a line that is none of the others.
    fn other(&self, line: usize, text: &str, stripped: &str) -> IniProblem {
        if self.target.is_none() {
            IniProblem::OutsideSection {
                line,
                bom: line == 1 && text.starts_with('\u{feff}'),
            }
        } else if option_split(stripped).is_some() {
            IniProblem::EmptyKey { line }
        } else {
            IniProblem::NotAKeyLine { line }
        }
    }

    /// The view: each section with the defaults section's keys under its own, values joined.
    fn finish(self) -> Result<(View, BTreeMap<String, IniValue>, KeyLines), IniProblem> {
        let Self { sections, defaults, .. } = self;
        let join = |parts: &[String]| parts.join("\n").trim_end_matches(is_py_space).to_owned();
        let value_of = |value: String| match value.starts_with('\n').then(|| nested(&value)).flatten() {
            Some(pairs) => IniValue::Nested(pairs),
            None => IniValue::Text(value),
        };
        let default_values = defaults
            .iter()
            .map(|(key, parts, _)| (key.clone(), value_of(join(parts))))
            .collect();
        let mut view = View::new();
        let mut key_lines = KeyLines::new();
        // Under the name configparser gives it (never a section of the view).
        key_lines.insert(
            "DEFAULT".to_owned(),
            defaults.iter().map(|(key, _, line)| (key.clone(), *line)).collect(),
        );
        for (name, keys) in &sections {
            // A section's own keys win over the defaults section's.
            let mut values: BTreeMap<&str, (String, usize)> = BTreeMap::new();
            for (key, parts, line) in defaults.iter().chain(keys) {
                values.insert(key, (join(parts), *line));
            }
            let mut out = BTreeMap::new();
            key_lines.insert(
                name.clone(),
                values.iter().map(|(k, (_, line))| ((*k).to_owned(), *line)).collect(),
            );
            for (key, (value, line)) in values {
                let value = if value.starts_with('\n') {
                    let pairs = nested(&value).ok_or_else(|| IniProblem::BadNestedBlock {
                        line,
                        section: name.clone(),
                    })?;
                    IniValue::Nested(pairs)
                } else {
                    IniValue::Text(value)
                };
                out.insert(key.to_owned(), value);
            }
            view.insert(name.clone(), out);
        }
        Ok((view, default_values, key_lines))
    }
}

/// botocore's `_parse_nested`: every non-blank line (Python's `splitlines`) is `name = value`.
fn nested(value: &str) -> Option<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for line in py_splitlines(value) {
        let line = py_strip(line);
        if line.is_empty() {
            continue;
        }
        let (k, v) = line.split_once('=')?;
        out.insert(py_strip(k).to_owned(), py_strip(v).to_owned());
    }
    Some(out)
}

/// Python's `str.splitlines()` (without the line ends).
fn py_splitlines(s: &str) -> Vec<&str> {
    const BREAKS: [char; 10] = [
        '\n', '\r', '\u{0b}', '\u{0c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}', '\u{2029}',
    ];
    let mut out = vec![];
    let mut rest = s;
    while let Some(i) = rest.find(BREAKS) {
        out.push(&rest[..i]);
        let skip = if rest[i..].starts_with("\r\n") {
            2
        } else {
            rest[i..].chars().next().map_or(1, char::len_utf8)
        };
        rest = &rest[i + skip..];
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Python's `shlex.split(s)` (POSIX mode, no comments); `None` where it raises.
pub(super) fn shlex_split(s: &str) -> Option<Vec<String>> {
    const SPACE: [char; 4] = [' ', '\t', '\r', '\n'];
    let mut out = vec![];
    let mut token = String::new();
    let mut in_token = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if SPACE.contains(&c) => {
                if in_token {
                    out.push(std::mem::take(&mut token));
                    in_token = false;
                }
            }
            '\\' => {
                token.push(chars.next()?);
                in_token = true;
            }
            '\'' => {
                in_token = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => token.push(c),
                    }
                }
            }
            '"' => {
                in_token = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            c @ ('"' | '\\') => token.push(c),
                            c => {
                                token.push('\\');
                                token.push(c);
                            }
                        },
                        c => token.push(c),
                    }
                }
            }
            c => {
                token.push(c);
                in_token = true;
            }
        }
    }
    if in_token {
        out.push(token);
    }
    Some(out)
}

/// The sso-session a config-file section defines for botocore (`build_profile_map`): a
/// section whose name starts with "sso-session" and shlex-splits into exactly two words.
pub(super) fn config_sso_session(section: &str) -> Option<String> {
    if !section.starts_with("sso-session") {
        return None;
    }
    let mut words = shlex_split(section)?;
    (words.len() == 2).then(|| words.swap_remove(1))
}

/// The profile a config-file section defines for botocore (`build_profile_map`): `[default]`,
/// or a section whose name starts with "profile" and shlex-splits into exactly two words.
pub(super) fn config_profile(section: &str) -> Option<String> {
    if section.starts_with("profile") {
        let mut words = shlex_split(section)?;
        (words.len() == 2).then(|| words.swap_remove(1))
    } else {
        (section == "default").then(|| section.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shlex_like_python() {
        let cases: [(&str, Option<&[&str]>); 9] = [
            ("profile dev", Some(&["profile", "dev"])),
            ("profile  dev ", Some(&["profile", "dev"])),
            ("profile \"a b\"", Some(&["profile", "a b"])),
            ("profile 'x'y", Some(&["profile", "xy"])),
            ("profile a\\ b", Some(&["profile", "a b"])),
            ("profile \"a\\\"b\\c\"", Some(&["profile", "a\"b\\c"])),
            ("profile \"\"", Some(&["profile", ""])),
            ("profile \"open", None),
            ("profile a\\", None),
        ];
        for (s, want) in cases {
            let want = want.map(|w| w.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
            assert_eq!(shlex_split(s), want, "{s:?}");
        }
        assert_eq!(config_profile("profile a b"), None);
        assert_eq!(config_profile("profilex dev").as_deref(), Some("dev"));
        assert_eq!(config_profile("default").as_deref(), Some("default"));
        assert_eq!(config_profile("sso-session s"), None);
    }

    #[test]
    fn problems_name_lines_not_contents() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let text = format!("[a]\n{secret}\n");
        let p = read(text.lines()).unwrap_err();
        assert_eq!(p, IniProblem::NotAKeyLine { line: 2 });
        assert!(!p.to_string().contains(secret));
        let p = read(["\u{feff}[a]"]).unwrap_err();
        assert!(p.to_string().contains("byte-order mark"), "{p}");
        let p = read(["[a]", "k = 1", "[b]", "[a]"]).unwrap_err();
        assert_eq!(p.to_string(), "line 4 repeats section [a] (first on line 1)");
    }
}
