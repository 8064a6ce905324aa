//! Trains the OCR error model on the parallel (garbled, clean) pairs and writes
//! `dictionaries/channel.tsv`; with `--eval`, also measures candidate recall and search speed on
//! the held-out pairs and on the dev report 003.
//!
//! ```text
//! cargo run --release --example channel_train -- /work/shared/parallel --out dictionaries/channel.tsv [--eval]
//! ```
//!
//! Pairs whose clean line is held out (`sohoa::split::is_held_out`) are never trained on.
//! `--eval` reads `../lexicon`, `../seeds` and `../gold/restore` next to the parallel folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use sohoa::channel::{align_tokens, CandidateIndex, ErrorModel, SearchScratch};
use sohoa::split::is_held_out;
use sohoa::text::vietnamese::canonical_tone_placement;

fn read_pairs(dir: &Path) -> Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    for name in ["pairs_regular.tsv", "pairs_bold.tsv"] {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        for line in text.lines() {
            if let Some((g, c)) = line.split_once('\t') {
                pairs.push((g.to_string(), c.to_string()));
            }
        }
    }
    Ok(pairs)
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut out, mut eval) = (None, None, false);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().map(PathBuf::from),
            "--eval" => eval = true,
            _ if dir.is_none() => dir = Some(PathBuf::from(a)),
            _ => bail!("usage: channel_train PARALLEL_DIR [--out FILE] [--eval]"),
        }
    }
    let Some(dir) = dir else {
        bail!("usage: channel_train PARALLEL_DIR [--out FILE] [--eval]");
    };
    let pairs = read_pairs(&dir)?;
    let (held, train): (Vec<_>, Vec<_>) = pairs.into_iter().partition(|(_, c)| is_held_out(c));
    eprintln!("pairs: {} train, {} held out", train.len(), held.len());
    let t = Instant::now();
    let model = ErrorModel::train(train.into_iter());
    eprintln!("trained {} rules in {:.1?}", model.num_rules(), t.elapsed());
    let tsv = model.to_tsv();
    if let Some(out) = &out {
        std::fs::write(out, &tsv).with_context(|| format!("cannot write {}", out.display()))?;
        eprintln!("wrote {} ({} bytes)", out.display(), tsv.len());
    }
    if eval {
        let shared = dir.parent().unwrap_or(Path::new(".")).to_path_buf();
        evaluate(&model, &shared, &held)?;
    }
    Ok(())
}

fn key(s: &str) -> String {
    let l = s.to_lowercase();
    canonical_tone_placement(&l).into_owned()
}

fn evaluate(model: &ErrorModel, shared: &Path, held: &[(String, String)]) -> Result<()> {
    let syl = std::fs::read_to_string(shared.join("lexicon/syllables.tsv"))?;
    let mut words: Vec<String> = syl
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
        .map(key)
        .filter(|w| !w.is_empty())
        .collect();
    words.sort();
    words.dedup();
    let ids: HashMap<&str, u32> = words
        .iter()
        .enumerate()
        .map(|(i, w)| (w.as_str(), i as u32))
        .collect();
    let freq = std::fs::read_to_string(shared.join("lexicon/syllable_freq_corpus.tsv"))?;
    let mut counts: HashMap<String, f64> = HashMap::new();
    for l in freq.lines().filter(|l| !l.starts_with('#')) {
        let mut f = l.split('\t');
        if let (Some(w), Some(n)) = (f.next(), f.next()) {
            *counts.entry(key(w)).or_default() += n.parse::<f64>().unwrap_or(0.0);
        }
    }
    let total: f64 = counts.values().sum::<f64>() + words.len() as f64;
    let prior = |w: &str| (-((counts.get(w).copied().unwrap_or(0.0) + 1.0) / total).ln()) as f32;
    let exact = CandidateIndex::build(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| (i as u32, w.as_str())),
    )
    .with_limit(usize::MAX);
    let plain = CandidateIndex::build(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| (i as u32, w.as_str())),
    );
    let t = Instant::now();
    let weighted = CandidateIndex::build_with_priors(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| (i as u32, w.as_str(), 0.3 * prior(w))),
    );
    eprintln!(
        "lexicon: {} words, index built in {:.1?}",
        words.len(),
        t.elapsed()
    );

    let mut dev = Vec::new();
    for e in std::fs::read_dir(shared.join("seeds"))? {
        let p = e?.path();
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        if name.starts_with("003_") && name.ends_with(".txt") {
            let gold = shared
                .join("gold/restore")
                .join(name.replace(".txt", ".gold.txt"));
            let (a, b) = (
                std::fs::read_to_string(&p)?,
                std::fs::read_to_string(&gold)?,
            );
            dev.extend(
                a.lines()
                    .zip(b.lines())
                    .map(|(x, y)| (x.to_string(), y.to_string())),
            );
        }
    }
    let (mut out, mut scratch) = (Vec::new(), SearchScratch::default());
    for obs in [
        "ctia", "s6", "h¢", "x4", "d6i", "chttc", "viéc", "của", "nghiệp",
    ] {
        plain.search(model, obs, 14.0, &mut out, &mut scratch);
        let top: Vec<String> = out
            .iter()
            .take(5)
            .map(|c| format!("{} {:.2}", words[c.id as usize], c.cost))
            .collect();
        println!(
            "{obs:8} cost(x,x) {:5.2}  top: {}",
            model.cost(obs, obs),
            top.join(", ")
        );
    }
    for (name, set) in [("held-out parallel", held), ("dev 003", &dev[..])] {
        let tokens: Vec<(String, u32)> = set
            .iter()
            .flat_map(|(g, c)| align_tokens(g, c))
            .filter_map(|(o, i)| ids.get(i.as_str()).map(|&id| (o, id)))
            .collect();
        if name == "dev 003" {
            report(
                name,
                "all, no limit",
                model,
                &exact,
                &tokens[..500.min(tokens.len())],
                25.0,
            );
        }
        for (label, index) in [("channel only", &plain), ("+0.3 prior", &weighted)] {
            for max_cost in [14.0f32, 25.0] {
                report(name, label, model, index, &tokens, max_cost);
            }
        }
    }
    Ok(())
}

fn report(
    name: &str,
    label: &str,
    model: &ErrorModel,
    index: &CandidateIndex,
    tokens: &[(String, u32)],
    max_cost: f32,
) {
    let (mut out, mut scratch) = (Vec::new(), SearchScratch::default());
    let mut hits = [0usize; 3];
    let mut found = 0usize;
    let mut cands = 0usize;
    let mut correct_in = 0usize;
    let t = Instant::now();
    for (o, id) in tokens {
        index.search(model, o, max_cost, &mut out, &mut scratch);
        cands += out.len();
        if let Some(r) = out.iter().position(|c| c.id == *id) {
            found += 1;
            for (k, h) in [1, 5, 10].iter().zip(hits.iter_mut()) {
                if r < *k {
                    *h += 1;
                }
            }
        }
        if out.first().map(|c| c.id) == Some(*id) && o.as_str() == "" {
            correct_in += 1;
        }
    }
    let el = t.elapsed();
    let n = tokens.len().max(1) as f64;
    println!(
        "{name:18} {label:13} max_cost {max_cost:4}: {} tokens  R@1 {:.3}  R@5 {:.3}  R@10 {:.3}  R@all {:.3}  {:.1} cands/token  {:.1} µs/token  {:.0} nodes/token",
        tokens.len(),
        hits[0] as f64 / n,
        hits[1] as f64 / n,
        hits[2] as f64 / n,
        found as f64 / n,
        cands as f64 / n,
        el.as_secs_f64() * 1e6 / n,
        scratch.visited() as f64 / n,
    );
    let _ = correct_in;
}
