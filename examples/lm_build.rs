//! Trains the syllable trigram model on corpus files, writes it, and measures it: file size,
//! held-out perplexity (every 20th paragraph by hash is left out of training), load time and
//! query time.
//!
//! ```text
//! cargo run --release --example lm_build -- /work/shared/corpus/*.txt --out /tmp/lm.bin \
//!     [--min-word N] [--min-bigram N] [--min-trigram N] [--measure-only]
//! ```
//!
//! `--measure-only` skips training and measures the model already at `--out`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use sohoa::lm::{LmBuilder, NgramLm, WordId, BOS, EOS, UNK};

/// CPU time of the calling thread in ns (Linux `schedstat`): the machine may be shared, and
/// wall-clock timings then measure the neighbours' load as much as this code.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// CPU time of the whole process in seconds (user + system).
fn process_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// Runs `f` and returns its wall time and this thread's CPU time, in ns.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, Option<f64>) {
    let (c0, t) = (thread_cpu_ns(), Instant::now());
    let r = f();
    let wall = t.elapsed().as_secs_f64() * 1e9;
    let cpu = c0.zip(thread_cpu_ns()).map(|(a, b)| (b - a) as f64);
    (r, wall, cpu)
}

/// FNV-1a: a fixed hash, so the held-out slice is the same on every run.
fn held_out(paragraph: &str) -> bool {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in paragraph.trim().bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h.is_multiple_of(20)
}

fn main() -> Result<()> {
    let mut files = Vec::new();
    let mut out = None;
    let mut measure_only = false;
    let mut builder = LmBuilder::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> Result<u32> {
            let v = args
                .next()
                .with_context(|| format!("{name} needs a value"))?;
            v.parse().with_context(|| format!("{name} {v}"))
        };
        match a.as_str() {
            "--out" => out = args.next().map(PathBuf::from),
            "--measure-only" => measure_only = true,
            "--min-word" => builder = builder.min_word_count(num("--min-word")?.into()),
            "--min-bigram" => builder = builder.min_bigram_count(num("--min-bigram")?),
            "--min-trigram" => builder = builder.min_trigram_count(num("--min-trigram")?),
            _ if a.starts_with("--") => bail!("unknown option {a}"),
            _ => files.push(PathBuf::from(a)),
        }
    }
    let Some(out) = out else {
        bail!(
            "usage: lm_build FILES... --out PATH [--min-word N] [--min-bigram N] [--min-trigram N] [--measure-only]"
        )
    };

    if !measure_only {
        train(&builder, &files, &out)?;
    }
    measure(&files, &out)
}

/// Trains on `files` less the held-out slice and writes the model to `out`.
fn train(builder: &LmBuilder, files: &[PathBuf], out: &Path) -> Result<()> {
    let t = Instant::now();
    let lm = builder.train_files(files, &held_out)?;
    let train_s = t.elapsed().as_secs_f64();
    let train_cpu = process_cpu_s().unwrap_or(f64::NAN);
    let bytes = lm.to_bytes();
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    let info = lm.info();
    eprintln!(
        "trained in {train_s:.1} s wall, {train_cpu:.1} s CPU, on {} threads: {} sentences, {} tokens, {} unknown types",
        rayon::current_num_threads(),
        info.sentences,
        info.tokens,
        info.unk_types
    );
    eprintln!(
        "vocab {}, bigrams {}, trigrams {}; {} written: {} bytes ({:.2} MB)",
        info.ngrams[0],
        info.ngrams[1],
        info.ngrams[2],
        out.display(),
        bytes.len(),
        bytes.len() as f64 / 1e6
    );
    Ok(())
}

/// Loads the model at `out` and measures it on the held-out slice of `files`.
fn measure(files: &[PathBuf], out: &Path) -> Result<()> {
    let file = std::fs::read(out).with_context(|| format!("reading {}", out.display()))?;
    let (mut walls, mut cpus) = (Vec::new(), Vec::new());
    let mut loaded = None;
    for _ in 0..7 {
        let (m, wall, cpu) = timed(|| NgramLm::from_bytes(&file));
        walls.push(wall / 1e6);
        cpus.push(cpu.unwrap_or(f64::NAN) / 1e6);
        loaded = Some(m?);
    }
    walls.sort_by(f64::total_cmp);
    cpus.sort_by(f64::total_cmp);
    let lm = loaded.context("no load")?;
    eprintln!(
        "load: median {:.1} ms wall (min {:.1}), {:.1} ms CPU (min {:.1})",
        walls[3], walls[0], cpus[3], cpus[0]
    );

    // Held-out perplexity, each paragraph `<s> <s> w1 … wn </s>` like training.
    let (mut sum, mut n, mut unk, mut sum_known, mut n_known) = (0f64, 0u64, 0u64, 0f64, 0u64);
    let mut trigrams: Vec<[WordId; 3]> = Vec::new();
    let mut ids = Vec::new();
    let mut sent = Vec::new();
    for f in files {
        let reader = BufReader::new(std::fs::File::open(f)?);
        for line in reader.lines() {
            let line = line?;
            if line.trim().is_empty() || !held_out(&line) {
                continue;
            }
            lm.vocab().encode(&line, &mut ids);
            if ids.is_empty() {
                continue;
            }
            sent.clear();
            sent.extend([BOS, BOS]);
            sent.extend_from_slice(&ids);
            sent.push(EOS);
            for w in sent.windows(3) {
                let lp = f64::from(lm.logprob(w[0], w[1], w[2]));
                sum += lp;
                n += 1;
                if w[2] == UNK {
                    unk += 1;
                } else {
                    sum_known += lp;
                    n_known += 1;
                }
                if trigrams.len() < 2_000_000 {
                    trigrams.push([w[0], w[1], w[2]]);
                }
            }
        }
    }
    eprintln!(
        "held-out: {n} predictions, OOV {:.2} %, perplexity {:.2} (excluding <unk> targets: {:.2})",
        100.0 * unk as f64 / n.max(1) as f64,
        (-sum / n.max(1) as f64).exp(),
        (-sum_known / n_known.max(1) as f64).exp()
    );

    // A check of the estimate on real contexts: each conditional distribution sums to ~1.
    let mut contexts: Vec<(WordId, WordId)> = trigrams.iter().map(|t| (t[0], t[1])).collect();
    contexts.sort_unstable();
    contexts.dedup();
    let step = (contexts.len() / 40).max(1);
    let (mut lo, mut hi) = (f64::INFINITY, 0f64);
    for &(a, b) in contexts.iter().step_by(step) {
        let ctx = lm.context(a, b);
        let s: f64 = (1..lm.vocab().len() as WordId)
            .map(|w| f64::from(lm.logprob_in(&ctx, w)).exp())
            .sum();
        (lo, hi) = (lo.min(s), hi.max(s));
    }
    eprintln!("sum of P(w | context) over the vocabulary, sampled contexts: {lo:.4} ..= {hi:.4}");

    // Query time on the held-out trigrams, in held-out order (as the decoder meets them).
    let mut acc = 0f32;
    let (mut best_wall, mut best_cpu) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..5 {
        let ((), wall, cpu) = timed(|| {
            for &[a, b, c] in &trigrams {
                acc += lm.logprob(a, b, c);
            }
        });
        let per = trigrams.len().max(1) as f64;
        best_wall = best_wall.min(wall / per);
        best_cpu = best_cpu.min(cpu.unwrap_or(f64::NAN) / per);
    }
    // The decoder's pattern: one context, then a few candidate words (here 20 frequent ones).
    let reps = 20u32;
    let sample = &trigrams[..trigrams.len().min(200_000)];
    let ((), wall, cpu) = timed(|| {
        for &[a, b, _] in sample {
            let ctx = lm.context(a, b);
            for w in 4..4 + reps {
                acc += lm.logprob_in(&ctx, w);
            }
        }
    });
    let per = (sample.len() * reps as usize).max(1) as f64;
    eprintln!(
        "logprob: {best_wall:.0} ns/query wall, {best_cpu:.0} ns CPU; \
         context + logprob_in: {:.0} ns/word wall, {:.0} ns CPU (checksum {acc:.1})",
        wall / per,
        cpu.unwrap_or(f64::NAN) / per
    );
    Ok(())
}
