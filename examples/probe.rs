use sohoa::model::Model;
use sohoa::restore::{Params, Restorer};
use std::time::Instant;
fn main() {
    let mut p = Params::default();
    for a in std::env::args().skip(2) {
        p.set(&a).unwrap();
    }
    let text = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let t = Instant::now();
    let r = Restorer::builder(Model::embedded().unwrap())
        .params(p)
        .build();
    eprintln!("build {:?}", t.elapsed());
    for i in 0..12 {
        let t = Instant::now();
        let out = r.restore(&text);
        let s = t.elapsed().as_secs_f64();
        eprintln!(
            "pass {i}: {:.3} s, {:.2} MB/s ({} bytes)",
            s,
            text.len() as f64 / 1e6 / s,
            out.text.len()
        );
    }
}
