//! Every saved input under `regressions/<target>/` (inputs that once broke sohoa, kept so the
//! fix stays), `known/<target>/` (open findings, whose checks `sohoa_fuzz::known` turns off
//! until they are fixed: they must still not panic inside sohoa) and `artifacts/<target>/`
//! (what the last `run.sh` found, if anything) goes through its target's checks, without
//! libFuzzer.

use std::path::Path;

#[test]
fn saved_inputs_pass_their_targets_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut ran = 0;
    for (name, target) in sohoa_fuzz::TARGETS {
        for dir in ["regressions", "known", "artifacts"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join(name)) else {
                continue;
            };
            let mut paths: Vec<_> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
            paths.sort();
            for path in paths {
                let data = std::fs::read(&path).expect("a saved input reads");
                eprintln!("{name}: {}", path.display());
                target(&data);
                ran += 1;
            }
        }
    }
    // The committed regressions are there: an empty run would prove nothing.
    assert!(ran > 0, "no saved inputs found under {}", root.display());
}
