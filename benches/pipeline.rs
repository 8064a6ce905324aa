//! Throughput of the pipeline stages (criterion, bytes/s): on the OCR fixtures (warm: the
//! same three reports again and again), and on never-repeated inputs with nothing cached
//! (`cold`: the figures that hold for an archive).
//!
//! `cargo bench` runs them all (`cargo bench --bench pipeline cold` the cold group only);
//! numbers go in README's Performance section, next to `benches/cold.sh`'s.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use sohoa::input::DecodeOptions;
use sohoa::model::Model;
use sohoa::offsets::OffsetMap;
use sohoa::pipeline::Engine;
use sohoa::restore::{Restorer, Session};

const OCR: [&str; 3] = [
    include_str!("../fixtures/000_ec917ac3c63f8407.txt"),
    include_str!("../fixtures/003_4c818c38c2080030.txt"),
    include_str!("../fixtures/004_032d32de84dc821b.txt"),
];
const CLEAN: &str = include_str!("../fixtures/001_372855f636130f4e.txt");

fn ocr_text() -> String {
    OCR.concat()
}

fn model_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("model");
    g.sample_size(10);
    g.bench_function("load_embedded", |b| {
        b.iter(|| black_box(Model::embedded().expect("model")))
    });
    g.bench_function("load_and_build_restorer", |b| {
        b.iter(|| black_box(Restorer::builder(Model::embedded().expect("model")).build()))
    });
    g.finish();
}

fn restore(c: &mut Criterion) {
    let restorer = Restorer::builder(Model::embedded().expect("model")).build();
    let text = ocr_text();
    let mut g = c.benchmark_group("restore");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(20);
    // Cold: a fresh session each time (no candidate cache), as for the first document.
    g.bench_with_input(BenchmarkId::new("ocr", "cold"), &text, |b, t| {
        b.iter(|| {
            let mut s = Session::default();
            black_box(restorer.restore_with(t, &mut s))
        })
    });
    // Warm: one session reused, as a worker thread does over a batch.
    let mut session = Session::default();
    g.bench_with_input(BenchmarkId::new("ocr", "warm"), &text, |b, t| {
        b.iter(|| black_box(restorer.restore_with(t, &mut session)))
    });
    g.finish();
}

fn extract(c: &mut Criterion) {
    let engine =
        Engine::from_restorer(Restorer::builder(Model::embedded().expect("model")).build());
    let mut g = c.benchmark_group("extract");
    g.throughput(Throughput::Bytes(CLEAN.len() as u64));
    g.bench_function("clean_report", |b| {
        b.iter(|| {
            let src = sohoa::input::source_of(None, CLEAN.as_bytes());
            black_box(
                engine
                    .extractor()
                    .extract(CLEAN, CLEAN, &OffsetMap::identity(), src),
            )
        })
    });
    g.finish();
}

fn end_to_end(c: &mut Criterion) {
    let engine =
        Engine::from_restorer(Restorer::builder(Model::embedded().expect("model")).build());
    let text = ocr_text();
    let mut g = c.benchmark_group("end_to_end");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(20);
    g.bench_function("process_ocr", |b| {
        b.iter(|| black_box(engine.process_bytes(None, text.as_bytes(), DecodeOptions::default())))
    });
    g.finish();
}

/// The `*.txt` files of a folder of the repository, concatenated with blank lines between.
fn folder_text(rel: &str) -> Option<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    let docs: Vec<String> = paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    Some(docs.join("\n\n"))
}

/// `../shared`, or `SOHOA_SHARED`.
fn shared() -> std::path::PathBuf {
    std::env::var_os("SOHOA_SHARED").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"),
        Into::into,
    )
}

/// Never-repeated inputs, each restored with a fresh session (no candidate cache), as a
/// fresh process restores them: the gazette pages OCR'd by `tools/ocr-doc` and their clean
/// text (`fixtures/gazette`), and, when `../shared` (or `SOHOA_SHARED`) is there, 200 KB of
/// the parallel pairs' OCR side and of held-out corpus paragraphs with marks stripped.
fn cold(c: &mut Criterion) {
    let engine =
        Engine::from_restorer(Restorer::builder(Model::embedded().expect("model")).build());
    let mut inputs: Vec<(&str, String, bool)> = Vec::new();
    if let Some(t) = folder_text("fixtures/gazette/ocr") {
        inputs.push(("gazette_ocr_pages", t, false));
    }
    if let Some(t) = folder_text("fixtures/gazette/clean") {
        inputs.push(("gazette_clean_extract", t, true));
    }
    let shared = shared();
    if let Ok(pairs) = std::fs::read_to_string(shared.join("parallel/pairs_regular.tsv")) {
        let ocr: Vec<&str> = pairs.lines().filter_map(|l| l.split('\t').next()).collect();
        let mut t = ocr.join("\n");
        let mut cut = 200_000.min(t.len());
        while !t.is_char_boundary(cut) {
            cut -= 1;
        }
        t.truncate(cut);
        inputs.push(("pairs_ocr_200k", t, false));
    }
    if let Ok(paras) = sohoa::eval::data::held_out_paragraphs(&shared, 200_000) {
        let t = sohoa::text::vietnamese::strip_marks(&paras.join("\n\n"));
        inputs.push(("stripped_200k", t, false));
    }
    let mut g = c.benchmark_group("cold");
    g.sample_size(10);
    for (name, text, extract) in &inputs {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::new("restore", name), text, |b, t| {
            b.iter(|| {
                let mut s = Session::default();
                let r = engine.restorer.restore_with(t, &mut s);
                if *extract {
                    let src = sohoa::input::source_of(None, t.as_bytes());
                    black_box(engine.extractor().extract(t, &r.text, &r.map, src));
                }
                black_box(r)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, model_load, restore, extract, end_to_end, cold);
criterion_main!(benches);
