//! Imports point down: the graph of this crate's top-level modules (who names `crate::x`) has no
//! cycle, apart from the few upward edges listed in `UPWARD` with their reason. A new import
//! that closes a cycle fails here, naming it. Test code is left out
//! (see `graph.rs`, which `src/layering_tests.rs` shares for the app's modules).

use std::path::Path;

use graph::{Graph, assert_only_downwards, cycle, named_modules, without_tests};

mod graph;

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

#[test]
fn the_modules_of_the_core_import_only_downwards() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    assert_only_downwards(graph::graph(&root, "lib", &REEXPORTS), &UPWARD, "the core");
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

#[test]
fn test_items_are_left_out() {
    let code = "use crate::a;\n#[cfg(test)]\n#[path = \"x_tests.rs\"]\nmod x;\n#[cfg(test)]\nuse crate::b;\n\
                #[cfg(test)]\nfn t() {\n    crate::c::f();\n}\nuse crate::d;\n#[cfg(test)]\nmod tests {\n    use crate::e;\n}\n";
    assert_eq!(named_modules(&without_tests(code)), ["a", "d"]);
}
