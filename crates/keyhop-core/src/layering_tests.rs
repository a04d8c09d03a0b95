//! Imports point down: the graph of this crate's top-level modules (who names `crate::x`) has no
//! cycle, apart from the few upward edges listed in `UPWARD` with their reason. A new import
//! that closes a cycle fails here, naming it. Test code (`#[cfg(test)]` onwards, `*_tests.rs`)
//! is left out: a test may build whatever it checks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Known upward edges (from, to). Each one removed from the code must leave this list too.
const UPWARD: [(&str, &str, &str); 4] = [
    (
        "kinds",
        "error",
        "the crate's `Error` wraps each module's error, and kinds return it",
    ),
    (
        "sso",
        "error",
        "the crate's `Error` wraps `SsoError`, and the sign-in helpers return it",
    ),
    (
        "session",
        "kinds",
        "the session model holds its kind; the kinds read the model",
    ),
    (
        "endpoints",
        "console",
        "the federation URL is built for a console partition",
    ),
];

/// `crate::Error` and the other re-exports of lib.rs, by the module they come from.
const REEXPORTS: [(&str, &str); 4] = [
    ("Error", "error"),
    ("Result", "error"),
    ("Engine", "engine"),
    ("SessionView", "engine"),
];

type Graph = BTreeMap<String, BTreeSet<String>>;

fn rs_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The first names after each `crate::` (both `crate::a::…` and `crate::{a, b::c}`).
fn named_modules(code: &str) -> Vec<String> {
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

fn graph() -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rs_files(&root, &mut files);
    let module_of = |p: &Path| {
        let first = p.strip_prefix(&root).unwrap().components().next().unwrap();
        let name = first.as_os_str().to_str().unwrap();
        name.strip_suffix(".rs").unwrap_or(name).to_owned()
    };
    let modules: BTreeSet<String> = files.iter().map(|p| module_of(p)).filter(|m| m != "lib").collect();
    let mut g = Graph::new();
    for p in &files {
        let from = module_of(p);
        if from == "lib" || from.ends_with("_tests") {
            continue;
        }
        let text = std::fs::read_to_string(p).unwrap();
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap()
            .lines()
            .map(|l| l.split("//").next().unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        for name in named_modules(&code) {
            let to = REEXPORTS
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
fn cycle(g: &Graph) -> Option<Vec<String>> {
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

#[test]
fn the_modules_of_the_core_import_only_downwards() {
    let mut g = graph();
    for (from, to, why) in UPWARD {
        let had = g.get_mut(from).is_some_and(|tos| tos.remove(to));
        assert!(had, "{from} no longer imports {to} ({why}): remove it from UPWARD");
    }
    assert_eq!(cycle(&g), None, "an import cycle between the core's modules");
}

#[test]
fn a_cycle_is_found() {
    let mut g = Graph::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    assert_eq!(cycle(&g), None);
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(cycle(&g), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    assert_eq!(
        named_modules("use crate::{a::{b, c}, d};\nx = crate::e::f;"),
        ["a", "d", "e"]
    );
}
