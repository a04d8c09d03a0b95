//! Reading a screenshot: crop to a window, scale up 3x (tesseract reads small UI fonts badly),
//! `tesseract … tsv`, words grouped into lines with their place on the screen.

use std::path::Path;
use std::process::Command;

use super::Win;

const SCALE: i32 = 3;

/// One line of text as read, with its box in screen coordinates.
#[derive(Debug, Clone)]
pub struct Line {
    pub text: String,
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

impl Line {
    pub fn center(&self) -> (i32, i32) {
        (self.x + self.w / 2, self.y + self.h / 2)
    }
    /// Whether the line holds `needle`, ignoring case, spaces and OCR look-alikes.
    pub fn has(&self, needle: &str) -> bool {
        normalize(&self.text).contains(&normalize(needle))
    }
    /// `has`, or a part of the line within two edits of `needle` (a random alias read with a
    /// glyph split in two: "fhchhfc" as "flhrchhfc", or one too many: "soon-pcmnfxc" as
    /// "soon-pcemnfxc"). Only for needles of 8 letters or more: two edits turn a short word
    /// into another ("add" into "dev").
    pub fn has_near(&self, needle: &str) -> bool {
        let needle: Vec<char> = normalize(needle).chars().collect();
        let text: Vec<char> = normalize(&self.text).chars().collect();
        let most = if needle.len() >= 8 { 2 } else { 0 };
        edits_to_part(&needle, &text) <= most
    }
}

/// The fewest edits that turn `needle` into some run of `text` (Sellers' algorithm: the edit
/// distance's table with a free start and end in `text`).
fn edits_to_part(needle: &[char], text: &[char]) -> usize {
    let mut prev = vec![0; text.len() + 1];
    for (i, n) in needle.iter().enumerate() {
        let mut row = vec![i + 1; text.len() + 1];
        for (j, t) in text.iter().enumerate() {
            row[j + 1] = (prev[j] + usize::from(t != n)).min(prev[j + 1] + 1).min(row[j] + 1);
        }
        prev = row;
    }
    prev.into_iter().min().unwrap_or(0)
}

/// Whether a line of `lines` holds `needle` as `has_near` finds it: a random alias of 8 letters
/// or more may be read with two edits ("mfa-trcncxc" was read as "mfa-trcencxc").
pub fn shows_near(lines: &[Line], needle: &str) -> bool {
    lines.iter().any(|l| l.has_near(needle))
}

/// Lowercase, no whitespace, and one letter for each group of glyphs OCR confuses.
pub fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'i' | '1' | '|' | '!' => 'l',
            '0' => 'o',
            '5' => 's',
            '2' => 'z',
            '9' | 'q' => 'g',
            // Seen at the tray menu's font size: "mfa-amukfhc" read as "mfa-amukfhe".
            'c' => 'e',
            '–' | '—' | '_' => '-',
            '…' => '.',
            c => c,
        })
        .collect()
}

/// The text lines of the part of `shot` covered by `w`, top to bottom.
pub fn read(shot: &Path, w: &Win) -> Vec<Line> {
    read_filtered(shot, w, &[])
}

/// `read` with extra ImageMagick operators applied after the crop, greying and scaling (e.g.
/// `-threshold 35%` for dark text on a grey button, which the plain read misses).
pub fn read_filtered(shot: &Path, w: &Win, filter: &[&str]) -> Vec<Line> {
    lines(&tsv(shot, w, filter), w.x.max(0), w.y.max(0))
}

/// Each word of the part of `shot` covered by `w` with its own box (a line joins words that
/// sit far apart, e.g. a row's label and its buttons), after `filter` as in `read_filtered`.
pub fn read_words(shot: &Path, w: &Win, filter: &[&str]) -> Vec<Line> {
    let (dx, dy) = (w.x.max(0), w.y.max(0));
    tsv_words(&tsv(shot, w, filter))
        .into_iter()
        .map(|(text, l, t, r, b)| Line {
            text,
            x: dx + l / SCALE,
            y: dy + t / SCALE,
            w: (r - l) / SCALE,
            h: (b - t) / SCALE,
        })
        .collect()
}

/// tesseract's TSV for the part of `shot` covered by `w`. A test that waits for a change looks
/// at the same frame many times: the last few reads of this test's thread are kept, keyed by the
/// screenshot's bytes, and a repeat costs no OCR (one took ~1 s of CPU).
fn tsv(shot: &Path, w: &Win, filter: &[&str]) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    thread_local! {
        static LAST: std::cell::RefCell<Vec<(u64, String)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut h = DefaultHasher::new();
    (std::fs::read(shot).unwrap_or_default(), w.x, w.y, w.w, w.h, filter).hash(&mut h);
    let key = h.finish();
    if let Some(hit) = LAST.with_borrow(|last| last.iter().find(|(k, _)| *k == key).map(|(_, t)| t.clone())) {
        return hit;
    }
    let text = tsv_uncached(shot, w, filter);
    LAST.with_borrow_mut(|last| {
        if last.len() == 4 {
            last.remove(0);
        }
        last.push((key, text.clone()));
    });
    text
}

fn tsv_uncached(shot: &Path, w: &Win, filter: &[&str]) -> String {
    // PGM, not PNG: tesseract reads it as well, and ImageMagick spent half its time (~0.1 s
    // of CPU a read) compressing a 3x image that is deleted right after.
    let big = shot.with_extension(format!("{}-ocr.pgm", w.id));
    let crop = format!("{}x{}+{}+{}", w.w, w.h, w.x.max(0), w.y.max(0));
    let scale = format!("{}%", SCALE * 100);
    let status = Command::new("convert")
        .arg(shot)
        .args(["-crop", &crop, "+repage", "-colorspace", "Gray", "-resize", &scale])
        .args(filter)
        .arg(&big)
        .status()
        .expect("run convert");
    assert!(status.success(), "convert could not crop {}", shot.display());
    let out = Command::new("tesseract")
        .arg(&big)
        // Sparse text: UI text sits in boxes and columns that page layout analysis skips.
        .args(["-", "--psm", "11", "tsv"])
        .output()
        .expect("run tesseract");
    let _ = std::fs::remove_file(&big);
    assert!(
        out.status.success(),
        "tesseract failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The words (level 5 rows) of tesseract's TSV: (text, left, top, right, bottom), scaled.
fn tsv_words(tsv: &str) -> Vec<(String, i32, i32, i32, i32)> {
    let mut words = vec![];
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        if f.len() < 12 || f[0] != "5" || f[11].trim().is_empty() {
            continue;
        }
        let n = |i: usize| f[i].parse::<i32>().unwrap_or(0);
        words.push((f[11].trim().to_owned(), n(6), n(7), n(6) + n(8), n(7) + n(9)));
    }
    words
}

/// Words of tesseract's TSV (level 5) joined into rows by vertical overlap (tesseract's own
/// line grouping splits a menu line in two at a wide gap), left to right; boxes scaled back and
/// moved to screen coordinates.
fn lines(tsv: &str, dx: i32, dy: i32) -> Vec<Line> {
    // (text, left, top, right, bottom) in the scaled image.
    let mut words = tsv_words(tsv);
    words.sort_by_key(|w| (w.2 + w.4, w.1));
    type Row = (Vec<(String, i32)>, [i32; 4]);
    let mut rows: Vec<Row> = vec![];
    for (text, l, t, r, b) in words {
        let cy = i32::midpoint(t, b);
        let row = rows.iter_mut().find(|(_, [_, rt, _, rb])| {
            let rcy = (rt + rb) / 2;
            (*rt..=*rb).contains(&cy) || (t..=b).contains(&rcy)
        });
        match row {
            Some((ws, bx)) => {
                ws.push((text, l));
                *bx = [bx[0].min(l), bx[1].min(t), bx[2].max(r), bx[3].max(b)];
            }
            None => rows.push((vec![(text, l)], [l, t, r, b])),
        }
    }
    let mut out: Vec<Line> = rows
        .into_iter()
        .map(|(mut ws, [l, t, r, b])| {
            ws.sort_by_key(|w| w.1);
            Line {
                text: ws.into_iter().map(|w| w.0).collect::<Vec<_>>().join(" "),
                x: dx + l / SCALE,
                y: dy + t / SCALE,
                w: (r - l) / SCALE,
                h: (b - t) / SCALE,
            }
        })
        .collect();
    out.sort_by_key(|l| (l.y, l.x));
    out
}

/// All lines as text, one per line (for failure messages).
pub fn show(lines: &[Line]) -> String {
    lines
        .iter()
        .map(|l| format!("  {:>4},{:<4} {}", l.x, l.y, l.text))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> Line {
        Line {
            text: text.into(),
            x: 0,
            y: 0,
            w: 0,
            h: 0,
        }
    }

    #[test]
    fn an_alias_read_with_a_glyph_too_many_or_in_quotes_is_still_shown() {
        // CI's reading of the MFA popup's title.
        assert!(shows_near(&[line("MFA code for mfa-trcencxc")], "mfa-trcncxc"));
        assert!(shows_near(&[line("Delete \"menued-aeayex\"?")], "menued-aeayc"));
        assert!(!shows_near(&[line("MFA code for mfa-kxwyupd")], "mfa-trcncxc"));
        // Short words need the exact reading: two edits turn "add" into "dev".
        assert!(!shows_near(&[line("dev")], "add"));
        // Split in two, or glued to the words beside it.
        assert!(shows_near(&[line("menued-aeayc rc")], "menued-aeaycrc"));
        assert!(shows_near(
            &[line("arn:aws:iam::123456789012:mfa/phone-B812-3")],
            "mfa/phone-8812-3"
        ));
        assert!(!shows_near(
            &[line("arn:aws:iam::123456789012:mfa/phone-4471-9")],
            "mfa/phone-8812-3"
        ));
    }
}
