//! Imports point down between the app's top-level modules too (`cli`, `app`, `tray`, `window`,
//! `present`, `external`, …): the graph of who names `crate::x` has no cycle. The event sources
//! (`notify`, `watch`, `resume`, `single_instance`) send through `external`, below `app`; the
//! shared wording of a status is `present`, below `cli`, `tray` and `window`. Built by the same
//! code as the core's test (`crates/keyhop-core/src/layering_tests/graph.rs`).

use std::path::Path;

#[path = "../crates/keyhop-core/src/layering_tests/graph.rs"]
mod graph;

/// Known upward edges (from, to, why): none.
const UPWARD: [(&str, &str, &str); 0] = [];

#[test]
fn the_modules_of_the_app_import_only_downwards() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    graph::assert_only_downwards(graph::graph(&root, "main", &[]), &UPWARD, "src/");
}
