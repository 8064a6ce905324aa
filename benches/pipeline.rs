//! Throughput of the pipeline stages on the OCR fixtures (criterion, bytes/s).
//!
//! `cargo bench` runs them all; numbers go in README's Performance section.

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
    let engine = Engine::new(Restorer::builder(Model::embedded().expect("model")).build());
    let mut g = c.benchmark_group("extract");
    g.throughput(Throughput::Bytes(CLEAN.len() as u64));
    g.bench_function("clean_report", |b| {
        b.iter(|| {
            let src = sohoa::input::source_of(None, CLEAN.as_bytes());
            black_box(
                engine
                    .extractor
                    .extract(CLEAN, CLEAN, &OffsetMap::identity(), src),
            )
        })
    });
    g.finish();
}

fn end_to_end(c: &mut Criterion) {
    let engine = Engine::new(Restorer::builder(Model::embedded().expect("model")).build());
    let text = ocr_text();
    let mut g = c.benchmark_group("end_to_end");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(20);
    g.bench_function("process_ocr", |b| {
        b.iter(|| black_box(engine.process(None, text.as_bytes(), DecodeOptions::default())))
    });
    g.finish();
}

criterion_group!(benches, model_load, restore, extract, end_to_end);
criterion_main!(benches);
