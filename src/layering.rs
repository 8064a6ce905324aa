//! A test that the library's modules depend on each other without a cycle (test code aside),
//! read from the sources: a `crate::m` path in module `n`'s non-test code is an edge n → m.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The top-level module of a source file (`src/restore/decode.rs` → `restore`).
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main" | "cli" | "layering")).then(|| name.to_string())
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let Some(module) = module_of(rel) else {
                continue;
            };
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // Unit tests sit at the end of a file, after `#[cfg(test)]`.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let deps = graph.entry(module.clone()).or_default();
            for (at, _) in code.match_indices("crate::") {
                let name: String = code[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    deps.insert(name);
                }
            }
        }
    }
    graph
}

#[test]
fn the_modules_depend_on_each_other_without_a_cycle() {
    let graph = graph();
    assert!(graph.len() > 10, "{graph:?}");
    // Depth-first search; a module met again while it is on the path closes a cycle.
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(at) = path.iter().position(|&p| p == m) {
            panic!("module cycle: {} → {m}", path[at..].join(" → "));
        }
        if !done.insert(m) {
            return;
        }
        path.push(m);
        for d in graph.get(m).into_iter().flatten() {
            visit(d, graph, path, done);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        visit(m, &graph, &mut Vec::new(), &mut done);
    }
    // The leaves stay leaves.
    for leaf in ["fsutil", "record", "text", "offsets", "chunked"] {
        assert!(graph[leaf].is_empty(), "{leaf} → {:?}", graph[leaf]);
    }
}
