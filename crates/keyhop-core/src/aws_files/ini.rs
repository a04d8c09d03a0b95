//! Lossless, line-preserving INI editor for the AWS CLI's shared files.
//!
//! Users hand-edit these files and the AWS CLI edits them line by line, so
//! every line keyhop does not own is kept byte-for-byte (comments, spacing,
//! CRLF, a missing final newline). Parsing mirrors Python's `configparser`
//! (which botocore uses) where it matters: keys are case-insensitive, `=` or
//! `:` separates key and value, and a line indented deeper than the key
//! line above it continues that key's value.

use std::fmt;
use std::ops::Range;

/// A parsed INI file that renders back to exactly the text it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IniDoc {
    lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    /// The line without its ending.
    text: String,
    eol: Eol,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Eol {
    /// Last line of a file without a final newline.
    None,
    Lf,
    CrLf,
}

impl Eol {
    fn as_str(self) -> &'static str {
        match self {
            Eol::None => "",
            Eol::Lf => "\n",
            Eol::CrLf => "\r\n",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blank,
    Comment,
    Header,
    Key,
    /// An indented line that belongs to the key line above it.
    Continuation,
    /// Anything else (e.g. text before the first section); kept verbatim.
    Other,
}

/// One section: its header line and the end (exclusive) of its body.
struct Section {
    header: usize,
    end: usize,
}

impl IniDoc {
    /// Parses any text; unknown lines are kept as they are, so this never fails.
    pub fn parse(text: &str) -> IniDoc {
        let lines = text
            .split_inclusive('\n')
            .map(|piece| {
                if let Some(t) = piece.strip_suffix("\r\n") {
                    Line {
                        text: t.to_owned(),
                        eol: Eol::CrLf,
                    }
                } else if let Some(t) = piece.strip_suffix('\n') {
                    Line {
                        text: t.to_owned(),
                        eol: Eol::Lf,
                    }
                } else {
                    Line {
                        text: piece.to_owned(),
                        eol: Eol::None,
                    }
                }
            })
            .collect();
        IniDoc { lines }
    }

    /// The document as text; identical to the parsed input if nothing changed.
    pub fn render(&self) -> String {
        self.to_string()
    }

    /// Names of all sections, in file order (duplicates included).
    pub fn sections(&self) -> Vec<String> {
        let kinds = self.kinds();
        (0..self.lines.len())
            .filter(|&i| kinds[i] == Kind::Header)
            .filter_map(|i| header_name(&self.lines[i].text).map(str::to_owned))
            .collect()
    }

    pub fn has_section(&self, name: &str) -> bool {
        self.find_section(&self.kinds(), name).is_some()
    }

    /// Value of `key` in the first section called `section` (first match wins).
    pub fn get(&self, section: &str, key: &str) -> Option<String> {
        let kinds = self.kinds();
        let sec = self.find_section(&kinds, section)?;
        let i = self.find_key(&kinds, &sec, key)?;
        let text = &self.lines[i].text;
        let (_, value) = split_key(text)?;
        Some(text[value].to_owned())
    }

    /// Sets `key = value` in `section`, creating the key or section if needed.
    ///
    /// An existing key keeps its line's layout (indentation, spacing, key
    /// spelling) and only its value changes, so writing the old value back
    /// restores the original bytes. Its continuation lines are dropped.
    pub fn set(&mut self, section: &str, key: &str, value: &str) {
        check_section(section);
        check_key(key);
        check_value(value);
        let kinds = self.kinds();
        let Some(sec) = self.find_section(&kinds, section) else {
            self.append_section(section, key, value);
            return;
        };
        if let Some(i) = self.find_key(&kinds, &sec, key) {
            self.remove_lines(i + 1..continuation_end(&kinds, i));
            let line = &mut self.lines[i];
            line.text = replace_value(&line.text, value);
            return;
        }
        // After the last key/continuation line, so blank lines and comments
        // that lead into the next section stay where they are. Stray lines
        // count as content too: an indented one placed after the new key
        // would turn into its continuation.
        let at = (sec.header + 1..sec.end)
            .rev()
            .find(|&j| matches!(kinds[j], Kind::Key | Kind::Continuation | Kind::Other))
            .unwrap_or(sec.header)
            + 1;
        self.insert_line(at, format!("{key} = {value}"));
    }

    /// Removes `key` and its continuation lines from `section`.
    pub fn remove(&mut self, section: &str, key: &str) -> bool {
        let kinds = self.kinds();
        let Some(sec) = self.find_section(&kinds, section) else {
            return false;
        };
        let Some(i) = self.find_key(&kinds, &sec, key) else {
            return false;
        };
        self.remove_lines(i..continuation_end(&kinds, i));
        true
    }

    /// Removes `section` if only blank lines are left in it, together with
    /// one blank line before its header: the exact inverse of appending it.
    pub fn remove_section_if_empty(&mut self, section: &str) -> bool {
        let kinds = self.kinds();
        let Some(sec) = self.find_section(&kinds, section) else {
            return false;
        };
        if !kinds[sec.header + 1..sec.end].iter().all(|&k| k == Kind::Blank) {
            return false;
        }
        let start = match sec.header.checked_sub(1) {
            Some(prev) if kinds[prev] == Kind::Blank => prev,
            _ => sec.header,
        };
        self.remove_lines(start..sec.end);
        true
    }

    /// Classifies every line; needs context because of continuation lines.
    fn kinds(&self) -> Vec<Kind> {
        let mut kinds = Vec::with_capacity(self.lines.len());
        let mut in_section = false;
        // Indentation of the key line whose value may still continue.
        let mut key_indent: Option<usize> = None;
        for line in &self.lines {
            let text = line.text.as_str();
            let trimmed = text.trim();
            let indent = indent_of(text);
            let kind = if trimmed.is_empty() {
                Kind::Blank
            } else if trimmed.starts_with(['#', ';']) {
                Kind::Comment
            } else if in_section && key_indent.is_some_and(|k| indent > k) {
                Kind::Continuation
            } else if header_name(text).is_some() {
                in_section = true;
                Kind::Header
            } else if in_section && split_key(text).is_some() {
                Kind::Key
            } else {
                Kind::Other
            };
            key_indent = match kind {
                Kind::Key => Some(indent),
                Kind::Continuation => key_indent,
                _ => None,
            };
            kinds.push(kind);
        }
        kinds
    }

    fn find_section(&self, kinds: &[Kind], name: &str) -> Option<Section> {
        let header = (0..self.lines.len())
            .find(|&i| kinds[i] == Kind::Header && header_name(&self.lines[i].text) == Some(name))?;
        let end = (header + 1..self.lines.len())
            .find(|&i| kinds[i] == Kind::Header)
            .unwrap_or(self.lines.len());
        Some(Section { header, end })
    }

    fn find_key(&self, kinds: &[Kind], sec: &Section, key: &str) -> Option<usize> {
        let key = key.to_lowercase();
        (sec.header + 1..sec.end).find(|&i| {
            kinds[i] == Kind::Key && split_key(&self.lines[i].text).is_some_and(|(k, _)| k.to_lowercase() == key)
        })
    }

    /// The ending new lines get: that of the first line that has one.
    fn file_eol(&self) -> Eol {
        self.lines
            .iter()
            .map(|l| l.eol)
            .find(|&e| e != Eol::None)
            .unwrap_or(Eol::Lf)
    }

    /// Inserts a line at `at`; at the end of a file without final newline the
    /// new line becomes the one without it.
    fn insert_line(&mut self, at: usize, text: String) {
        let eol = self.file_eol();
        let mut line = Line { text, eol };
        if at == self.lines.len()
            && let Some(last) = self.lines.last_mut()
            && last.eol == Eol::None
        {
            last.eol = eol;
            line.eol = Eol::None;
        }
        self.lines.insert(at, line);
    }

    /// Removes lines; if that drops the final line and it had no newline,
    /// the new final line loses its newline too (inverse of `insert_line`).
    fn remove_lines(&mut self, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        let at_end = range.end == self.lines.len();
        let removed_last_eol = self.lines[range.end - 1].eol;
        self.lines.drain(range);
        if at_end
            && removed_last_eol == Eol::None
            && let Some(last) = self.lines.last_mut()
        {
            last.eol = Eol::None;
        }
    }

    /// Appends a blank line, the header and the key. The blank line and the
    /// moved "no final newline" make `remove_section_if_empty` reversible.
    fn append_section(&mut self, section: &str, key: &str, value: &str) {
        let eol = self.file_eol();
        let mut last_eol = eol;
        if let Some(last) = self.lines.last_mut() {
            if last.eol == Eol::None {
                last.eol = eol;
                last_eol = Eol::None;
            }
            self.lines.push(Line {
                text: String::new(),
                eol,
            });
        }
        self.lines.push(Line {
            text: format!("[{section}]"),
            eol,
        });
        self.lines.push(Line {
            text: format!("{key} = {value}"),
            eol: last_eol,
        });
    }
}

impl fmt::Display for IniDoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            f.write_str(&line.text)?;
            f.write_str(line.eol.as_str())?;
        }
        Ok(())
    }
}

/// End (exclusive) of the continuation lines following key line `i`.
fn continuation_end(kinds: &[Kind], i: usize) -> usize {
    (i + 1..kinds.len())
        .find(|&j| kinds[j] != Kind::Continuation)
        .unwrap_or(kinds.len())
}

fn indent_of(text: &str) -> usize {
    text.chars().take_while(|c| c.is_whitespace()).count()
}

/// `Some(name)` if the line is a section header, name trimmed.
fn header_name(text: &str) -> Option<&str> {
    let t = text.trim();
    let inner = t.strip_prefix('[')?.strip_suffix(']')?;
    Some(inner.trim())
}

/// Splits a key line at its first `=` or `:` into the trimmed key and the
/// byte range of the trimmed value; `None` if there is no non-empty key.
fn split_key(text: &str) -> Option<(&str, Range<usize>)> {
    let d = text.find(['=', ':'])?;
    let key = text[..d].trim();
    if key.is_empty() {
        return None;
    }
    let after = &text[d + 1..];
    let start = d + 1 + (after.len() - after.trim_start().len());
    let end = text.trim_end().len().max(start);
    Some((key, start..end))
}

fn replace_value(text: &str, value: &str) -> String {
    let (_, range) = split_key(text).expect("caller checked this is a key line");
    let (before, after) = (&text[..range.start], &text[range.end..]);
    // No old value (e.g. `s3 =`): make sure a space separates the new one.
    let gap = if range.is_empty() && !value.is_empty() && !before.ends_with([' ', '\t']) {
        " "
    } else {
        ""
    };
    format!("{before}{gap}{value}{after}")
}

// Names come validated from the caller; a bad one would corrupt the file, so
// these are hard asserts. Messages never include the value (it may be secret).
fn check_section(name: &str) {
    assert!(
        !name.is_empty() && name == name.trim() && !name.contains(['[', ']', '\n', '\r']),
        "invalid INI section name"
    );
}

fn check_key(key: &str) {
    assert!(
        !key.is_empty()
            && key == key.trim()
            && !key.starts_with(['#', ';', '['])
            && !key.contains(['=', ':', '\n', '\r']),
        "invalid INI key"
    );
}

fn check_value(value: &str) {
    assert!(!value.contains(['\n', '\r']), "INI value contains a line break");
}
