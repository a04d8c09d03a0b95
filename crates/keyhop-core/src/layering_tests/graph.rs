//! The import graph of a crate's top-level modules, read from its source: who names
//! `crate::x`. Shared by the core's layering test and the app's (`src/layering_tests.rs`
//! includes this file). Test code is left out (a `#[cfg(test)]` item, `tests.rs`, `*_tests.rs`,
//! `*_proptests.rs`): a test may build whatever it checks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub type Graph = BTreeMap<String, BTreeSet<String>>;

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn is_test_file(p: &Path) -> bool {
    let stem = p.file_stem().unwrap().to_str().unwrap();
    stem == "tests" || stem.ends_with("_tests") || stem.ends_with("_proptests")
}

/// The first names after each `crate::` (both `crate::a::…` and `crate::{a, b::c}`).
pub fn named_modules(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let items: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => {
                let (mut depth, mut start, mut items) = (0, 0, Vec::new());
                for (j, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            items.push(&group[start..j]);
                            break;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            items.push(&group[start..j]);
                            start = j + 1;
                        }
                        _ => {}
                    }
                }
                items
            }
            None => vec![rest],
        };
        for item in items {
            let name: String = item
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.push(name);
        }
    }
    names
}

/// `code` without comments and without the items marked `#[cfg(test)]` (a `mod x;` line, or
/// a block up to its closing brace).
pub fn without_tests(code: &str) -> String {
    let mut kept = Vec::new();
    let mut lines = code.lines().map(|l| l.split("//").next().unwrap());
    while let Some(line) = lines.next() {
        if line.trim() != "#[cfg(test)]" {
            kept.push(line);
            continue;
        }
        let (mut depth, mut block) = (0, false);
        for line in lines.by_ref() {
            let (opens, closes) = (line.matches('{').count(), line.matches('}').count());
            block |= opens > 0;
            depth = depth + opens - closes.min(depth + opens);
            if (block && depth == 0) || (!block && line.trim_end().ends_with(';')) {
                break;
            }
        }
    }
    kept.join("\n")
}

/// The graph of the crate whose sources are in `root` (`root_file`: `lib` or `main`, left
/// out); `reexports` says which module a name re-exported at the root comes from.
pub fn graph(root: &Path, root_file: &str, reexports: &[(&str, &str)]) -> Graph {
    let mut files = Vec::new();
    rs_files(root, &mut files);
    let module_of = |p: &Path| {
        let first = p.strip_prefix(root).unwrap().components().next().unwrap();
        let name = first.as_os_str().to_str().unwrap();
        name.strip_suffix(".rs").unwrap_or(name).to_owned()
    };
    let modules: BTreeSet<String> = files.iter().map(|p| module_of(p)).filter(|m| m != root_file).collect();
    let mut g = Graph::new();
    for p in files.iter().filter(|p| !is_test_file(p)) {
        let from = module_of(p);
        if from == root_file || from.ends_with("_tests") || from == "test_support" {
            continue;
        }
        let code = without_tests(&std::fs::read_to_string(p).unwrap());
        for name in named_modules(&code) {
            let to = reexports
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(name.clone(), |(_, m)| (*m).to_owned());
            if to != from && modules.contains(&to) {
                g.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    g
}

/// A cycle of `g`, as the path that closes it.
pub fn cycle(g: &Graph) -> Option<Vec<String>> {
    fn visit(g: &Graph, v: &str, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == v) {
            let mut c = path[i..].to_vec();
            c.push(v.to_owned());
            return Some(c);
        }
        if done.contains(v) {
            return None;
        }
        path.push(v.to_owned());
        for w in g.get(v).into_iter().flatten() {
            if let Some(c) = visit(g, w, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(v.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    g.keys().find_map(|v| visit(g, v, &mut Vec::new(), &mut done))
}

/// `g` has no cycle once the known upward edges `(from, to, why)` are taken out; each of them
/// must still be in the code (one that went must leave the list too).
pub fn assert_only_downwards(mut g: Graph, upward: &[(&str, &str, &str)], crate_name: &str) {
    for (from, to, why) in upward {
        let had = g.get_mut(*from).is_some_and(|tos| tos.remove(*to));
        assert!(had, "{from} no longer imports {to} ({why}): remove it from UPWARD");
    }
    assert_eq!(cycle(&g), None, "an import cycle between the modules of {crate_name}");
}
