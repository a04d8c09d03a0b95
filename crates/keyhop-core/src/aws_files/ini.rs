//! Lossless, line-preserving INI editor for the AWS CLI's shared files.
//!
//! Users hand-edit these files and the AWS CLI edits them line by line, so
//! every line keyhop does not own is kept byte-for-byte (comments, spacing,
//! CRLF, a lone CR, a missing final newline). Lines are read exactly as botocore
//! reads them (see `botocore.rs`): what keyhop calls section `dev` is what the
//! AWS CLI calls `dev`. Edits assume a file botocore accepts (`check`); the
//! writers in `mod.rs` refuse the others.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use super::botocore::{self, Kind, header_name, indent_str, is_py_space, py_strip};
pub use super::botocore::{IniProblem, IniValue, View};

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
    /// A lone CR: Python's universal newlines end a line there too.
    Cr,
}

impl Eol {
    fn as_str(self) -> &'static str {
        match self {
            Eol::None => "",
            Eol::Lf => "\n",
            Eol::CrLf => "\r\n",
            Eol::Cr => "\r",
        }
    }
}

/// One section: its header line and the end (exclusive) of its body.
struct Section {
    header: usize,
    end: usize,
}

impl IniDoc {
    /// Parses any text; unknown lines are kept as they are, so this never fails.
    pub fn parse(text: &str) -> IniDoc {
        let mut lines = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find(['\n', '\r']) {
            let (eol, len) = if rest[i..].starts_with("\r\n") {
                (Eol::CrLf, 2)
            } else if rest[i..].starts_with('\r') {
                (Eol::Cr, 1)
            } else {
                (Eol::Lf, 1)
            };
            lines.push(Line {
                text: rest[..i].to_owned(),
                eol,
            });
            rest = &rest[i + len..];
        }
        if !rest.is_empty() {
            lines.push(Line {
                text: rest.to_owned(),
                eol: Eol::None,
            });
        }
        IniDoc { lines }
    }

    /// The document as text; identical to the parsed input if nothing changed.
    pub fn render(&self) -> String {
        self.to_string()
    }

    /// Names of all sections, in file order (duplicates included), as botocore names them:
    /// untrimmed, and without configparser's `DEFAULT`, which is not a section.
    pub fn sections(&self) -> Vec<String> {
        let kinds = self.kinds();
        (0..self.lines.len())
            .filter(|&i| kinds[i] == Kind::Header)
            .filter_map(|i| header_name(&self.lines[i].text))
            .filter(|&name| name != "DEFAULT")
            .map(str::to_owned)
            .collect()
    }

    pub fn has_section(&self, name: &str) -> bool {
        name != "DEFAULT" && self.find_section(&self.kinds(), name).is_some()
    }

    /// The file as botocore reads it (`raw_config_parse`), or why botocore refuses it.
    pub fn botocore_view(&self) -> Result<View, IniProblem> {
        botocore::read(self.lines.iter().map(|l| l.text.as_str()))
    }

    /// `botocore_view`, plus the keys configparser's `DEFAULT` section lends every section.
    pub fn botocore_view_with_defaults(
        &self,
    ) -> Result<(View, std::collections::BTreeMap<String, IniValue>), IniProblem> {
        botocore::read_with_defaults(self.lines.iter().map(|l| l.text.as_str()))
    }

    /// `botocore_view_with_defaults`, plus the line each key is on.
    pub fn botocore_view_with_lines(
        &self,
    ) -> Result<(View, BTreeMap<String, IniValue>, botocore::KeyLines), IniProblem> {
        botocore::read_full(self.lines.iter().map(|l| l.text.as_str()))
    }

    /// `Ok` if botocore reads this file; the editing methods assume it does.
    pub fn check(&self) -> Result<(), IniProblem> {
        self.botocore_view().map(|_| ())
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
            check_new_section(section);
            self.append_section(section, key, value);
            return;
        };
        if let Some(i) = self.find_key(&kinds, &sec, key) {
            self.remove_each(&continuations(&kinds, i));
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
        // An indented header after the new key would continue its value (and its section
        // would vanish) unless the key is indented as deep; that depth is never deeper than
        // the key line before, or the header would already be a continuation of it.
        let indent = match self.lines.get(sec.end) {
            Some(next) => indent_str(&next.text).to_owned(),
            None => String::new(),
        };
        self.insert_line(at, format!("{indent}{key} = {value}"));
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
        let mut gone = continuations(&kinds, i);
        gone.insert(0, i);
        self.remove_each(&gone);
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
        let mut without = self.clone();
        without.remove_lines(start..sec.end);
        // An indented header right after it would become a continuation of the section
        // before: then the empty header stays.
        let mut want = self.sections();
        if let Some(p) = want.iter().position(|s| s == section) {
            want.remove(p);
        }
        if without.sections() != want {
            return false;
        }
        *self = without;
        true
    }

    /// Classifies every line as botocore does; needs context because of continuations.
    fn kinds(&self) -> Vec<Kind> {
        botocore::kinds(self.lines.iter().map(|l| l.text.as_str()))
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

    /// Removes the lines at `indices` (ascending), from the last one back.
    fn remove_each(&mut self, indices: &[usize]) {
        for &i in indices.iter().rev() {
            self.remove_lines(i..i + 1);
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
            // An empty LF line right after a lone CR would read back as one CRLF.
            let blank_eol = if last.eol == Eol::Cr { Eol::Cr } else { eol };
            self.lines.push(Line {
                text: String::new(),
                eol: blank_eol,
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

/// The continuation lines of key line `i`: configparser lets blank lines and comments sit
/// between them, so they need not be contiguous.
fn continuations(kinds: &[Kind], i: usize) -> Vec<usize> {
    (i + 1..kinds.len())
        .take_while(|&j| matches!(kinds[j], Kind::Continuation | Kind::Blank | Kind::Comment))
        .filter(|&j| kinds[j] == Kind::Continuation)
        .collect()
}

/// Splits a key line at its first `=` or `:` into the stripped key and the
/// byte range of the stripped value; `None` if there is no non-empty key.
fn split_key(text: &str) -> Option<(&str, Range<usize>)> {
    let d = text.find(['=', ':'])?;
    let key = py_strip(&text[..d]);
    if key.is_empty() {
        return None;
    }
    let after = &text[d + 1..];
    let start = d + 1 + (after.len() - after.trim_start_matches(is_py_space).len());
    let end = text.trim_end_matches(is_py_space).len().max(start);
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
// A section name is whatever botocore read between `[` and the last `]`, so
// surrounding spaces are part of it; a new section's name has no `]`.
fn check_section(name: &str) {
    assert!(
        !name.is_empty() && !name.contains(['\n', '\r']),
        "invalid INI section name"
    );
}

fn check_new_section(name: &str) {
    check_section(name);
    assert!(!name.contains(']'), "invalid INI section name");
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
