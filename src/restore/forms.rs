//! The commonest OCR forms of the lexicon's words, with their readings computed in advance.
//!
//! On text the engine has never seen, most of a restore's time is the channel search of each
//! distinct token (tens of microseconds each; a session caches them, but a cold process, as
//! every Spark partition starts, meets every token for the first time). The readings of a
//! token depend only on its key, the model and the knobs, so `sohoa train` computes them for
//! the forms OCR is most likely to make of the lexicon's words and ships them in `forms.bin`:
//! a cold token that is one of them costs a binary search instead of a search of the lexicon.
//!
//! Which forms: predicted from the model itself, never from evaluation text. Each lexicon word
//! `w` is rewritten with the learned error model (identity and rule costs, position by
//! position, every alignment kept at its cheapest), and a form `o` scores
//! `Σ_w count(w) · P(o | w)`; the best [`FORMS`] of those that tokenize as one word are kept.
//! This covers the word as written, its marks lost (`cua`), OCR's usual misreadings (`hién`,
//! `s6`, `ctia`) and combinations of them.
//!
//! A table is only used by a restorer of the model and knobs it was computed with: its header
//! holds the knobs the readings depend on and a digest of the model ([`model_digest`]),
//! compared on first use (the embedded table belongs to the embedded model: a test recomputes
//! its digest and every entry, bit for bit); any other model or `--set` of such a knob leaves
//! it unused, and tokens are then searched as before.
//!
//! A reading is stored in [`RECORD`] bytes (layout of the file: [`crate::forms`]):
//! `u16 word, u16 word, f32 cost, u8 split, u8 n | keep << 2 | same << 3`. Its word ids are
//! checked against the vocabulary where it is read.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

use super::candidates::{self, Reading, Scratch};
use super::Restorer;
use crate::forms::{u16_at, u32_at, Forms, KNOBS, RECORD};
use crate::model::Model;
use crate::text::tokenize::{tokenize, TokenKind};

/// Forms `sohoa train` puts in the table: 5 MB. Twice as many cover few more of the distinct
/// tokens of real OCR (on the parallel pairs' OCR side 71 % here, 73 % at 120,000, for a
/// 15 MB table).
pub const FORMS: usize = 60_000;

/// Forms of one word costlier than this (−ln P(o | w)) are not considered: rarer than one in
/// a few hundred readings of the word.
const FORM_COST: f32 = 9.0;

/// Partial forms kept per position of a word while they are built.
const FORM_BEAM: usize = 400;

/// Whether `table` was computed for restorer `r`'s model and knobs. `trust_model` skips the
/// model's digest (for the embedded table, checked by a test).
pub fn fits(table: &Forms, r: &Restorer, trust_model: bool) -> bool {
    table.knobs() == knobs(r.params()) && (trust_model || table.digest() == model_digest(r.model()))
}

/// The readings of `key` (a token's lexicon key, see [`candidates::key_of`]) in `table`,
/// best first; `None` if it has none, or a record is damaged (a word outside the vocabulary).
pub fn lookup(table: &Forms, key: &str, vocab: usize) -> Option<Arc<[Reading]>> {
    table.get(key)?.map(|b| decode(b, vocab)).collect()
}

fn decode(b: &[u8], vocab: usize) -> Option<Reading> {
    let words = [u32::from(u16_at(b, 0)), u32::from(u16_at(b, 2))];
    let n = b[9] & 3;
    let known = |w: u32| (w as usize) < vocab;
    let ok = match n {
        1 => known(words[0]) && words[1] == 0,
        2 => known(words[0]) && known(words[1]),
        _ => false,
    };
    ok.then(|| Reading {
        words,
        cost: f32::from_bits(u32_at(b, 4)),
        split: u16::from(b[8]),
        n,
        keep: b[9] & 4 != 0,
        same: b[9] & 8 != 0,
    })
}

fn encode(r: &Reading) -> [u8; RECORD] {
    let mut out = [0u8; RECORD];
    // Ids fit 16 bits (checked by `build`); a split point is a char index of a token of at
    // most `MAX_SEARCH_CHARS` chars.
    out[0..2].copy_from_slice(&(r.words[0] as u16).to_le_bytes());
    out[2..4].copy_from_slice(&(r.words[1] as u16).to_le_bytes());
    out[4..8].copy_from_slice(&r.cost.to_bits().to_le_bytes());
    out[8] = r.split as u8;
    out[9] = r.n | (u8::from(r.keep) << 2) | (u8::from(r.same) << 3);
    out
}

/// The knobs [`candidates::compute`] reads, as stored in a table's header.
fn knobs(p: &super::Params) -> [u8; KNOBS] {
    let mut out = [0u8; KNOBS];
    let values = [
        p.channel_weight.to_bits(),
        p.max_cost.to_bits(),
        p.split_max_cost.to_bits(),
        p.margin.to_bits(),
        p.keep_cost.to_bits(),
        p.split_penalty.to_bits(),
        p.split_trigger.to_bits(),
        p.prior_weight.to_bits(),
        p.rank_margin.to_bits(),
        u32::try_from(p.max_candidates).unwrap_or(u32::MAX),
    ];
    for (o, v) in out.chunks_exact_mut(4).zip(values) {
        o.copy_from_slice(&v.to_le_bytes());
    }
    out
}

/// SHA-256 of what a token's readings depend on in the model: the error model, the lexicon,
/// and the vocabulary with its counts (word ids and the ranking prior), with the table's
/// version.
pub fn model_digest(m: &Model) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"sohoa forms");
    h.update(crate::forms::VERSION.to_le_bytes());
    h.update(m.channel.to_tsv());
    h.update(m.lexicon.to_tsv());
    let (text, ends, counts) = m.lm.vocab().raw();
    h.update(text);
    for e in ends {
        h.update(e.to_le_bytes());
    }
    for c in counts {
        h.update(c.to_le_bytes());
    }
    h.finalize().into()
}

/// The `limit` forms OCR most likely makes of the model's lexicon words, by lexicon key (see
/// the module docs). Deterministic.
pub fn predict(model: &Model, limit: usize) -> Vec<String> {
    let channel = &model.channel;
    let mut rules: FxHashMap<&str, Vec<(&str, f32)>> = FxHashMap::default();
    for (a, b, c) in channel.rules() {
        if !a.is_empty() && c <= FORM_COST {
            rules.entry(a).or_default().push((b, c));
        }
    }
    let vocab = model.lm.vocab();
    let mut score: FxHashMap<String, f64> = FxHashMap::default();
    let mut key = String::new();
    let mut tokens = Vec::new();
    for w in model.lexicon.words() {
        let Some(id) = vocab.id(w) else { continue };
        let count = vocab.count(id) as f64;
        for (form, cost) in forms_of(w, channel, &rules) {
            candidates::key_of(&form, &mut key);
            if key.is_empty() || candidates::too_long(&key) {
                continue;
            }
            tokenize(&key, &mut tokens);
            if !matches!(tokens.as_slice(), [t] if t.kind == TokenKind::Word && t.start == 0 && t.end == key.len())
            {
                continue;
            }
            *score.entry(key.clone()).or_default() += count * f64::from(-cost).exp();
        }
    }
    let mut ranked: Vec<(String, f64)> = score.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(limit);
    ranked.into_iter().map(|(k, _)| k).collect()
}

/// The forms of `word` within [`FORM_COST`], each at its cheapest alignment: built position
/// by position, a character copied (its identity cost) or rewritten by a rule whose intended
/// side starts there.
fn forms_of(
    word: &str,
    channel: &crate::channel::ErrorModel,
    rules: &FxHashMap<&str, Vec<(&str, f32)>>,
) -> Vec<(String, f32)> {
    let bounds: Vec<usize> = word
        .char_indices()
        .map(|(i, _)| i)
        .chain([word.len()])
        .collect();
    let n = bounds.len() - 1;
    // at[i]: the forms of word[..bounds[i]], by text, at their cheapest.
    let mut at: Vec<BTreeMap<String, f32>> = vec![BTreeMap::new(); n + 1];
    at[0].insert(String::new(), 0.0);
    for i in 0..n {
        let here = cheapest(std::mem::take(&mut at[i]));
        for (form, cost) in &here {
            let c = &word[bounds[i]..bounds[i + 1]];
            let mut push = |j: usize, out: &str, step: f32| {
                let total = cost + step;
                if total <= FORM_COST {
                    let mut f = form.clone();
                    f.push_str(out);
                    let slot = at[j].entry(f).or_insert(f32::INFINITY);
                    *slot = slot.min(total);
                }
            };
            push(
                i + 1,
                c,
                channel.identity_cost(c.chars().next().unwrap_or(' ')),
            );
            for (j, alpha) in [
                (i + 1, c),
                (
                    i + 2,
                    word.get(bounds[i]..bounds[(i + 2).min(n)]).unwrap_or(""),
                ),
            ] {
                if j > n || (j == i + 2 && alpha.chars().count() != 2) {
                    continue;
                }
                for &(beta, step) in rules.get(alpha).map_or(&[][..], Vec::as_slice) {
                    push(j, beta, step);
                }
            }
        }
        if i + 1 < n {
            // Keep memory bounded before the next position's expansion.
            let next = &mut at[i + 1];
            if next.len() > 4 * FORM_BEAM {
                *next = cheapest(std::mem::take(next)).into_iter().collect();
            }
        }
    }
    std::mem::take(&mut at[n]).into_iter().collect()
}

/// The [`FORM_BEAM`] cheapest of `forms`, cheapest first (ties by text, so that the beam
/// does not depend on the map's order).
fn cheapest(forms: BTreeMap<String, f32>) -> Vec<(String, f32)> {
    let mut v: Vec<(String, f32)> = forms.into_iter().collect();
    v.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(FORM_BEAM);
    v
}

/// The table of `keys` for restorer `r`: each key's readings computed with a fresh scratch,
/// so that an entry does not depend on what was searched before it. Deterministic whatever
/// the thread count. Word ids must fit 16 bits: a larger vocabulary gets no table.
pub fn build(r: &Restorer, keys: &[String]) -> Option<Vec<u8>> {
    if r.model().lm.vocab().len() > usize::from(u16::MAX) {
        return None;
    }
    let mut keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    keys.sort_unstable();
    keys.dedup();
    let lists: Vec<Vec<Reading>> = keys
        .par_iter()
        .map(|k| {
            let mut s = Scratch::default();
            candidates::compute(r, k, &mut s).to_vec()
        })
        .collect();
    let entries: Vec<(&str, Vec<[u8; RECORD]>)> = keys
        .into_iter()
        .zip(lists)
        .map(|(k, l)| (k, l.iter().map(encode).collect()))
        .collect();
    Some(crate::forms::encode(
        &model_digest(r.model()),
        &knobs(r.params()),
        &entries,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::restore::Params;

    fn embedded() -> Restorer {
        Restorer::builder(Model::embedded().expect("embedded model")).build()
    }

    /// The shipped table is what `sohoa train` would compute now: the model it names is the
    /// embedded one, and every entry equals a fresh search, bit for bit. (It fails when the
    /// model files or the code of a token's readings change without `sohoa train`.)
    #[test]
    fn the_embedded_table_is_the_searches_it_stands_for() {
        let r = embedded();
        let table = r.forms().expect("the embedded model ships a forms table");
        assert_eq!(table.digest(), model_digest(r.model()));
        assert!(table.len() >= FORMS / 2, "{} forms", table.len());
        let keys: Vec<&str> = table.keys().collect();
        assert_eq!(keys.len(), table.len());
        let wrong: Vec<&str> = keys
            .par_iter()
            .filter(|k| {
                let fresh = candidates::compute(&r, k, &mut Scratch::default());
                lookup(table, k, r.model().lm.vocab().len()).as_deref() != Some(&fresh[..])
            })
            .copied()
            .collect();
        assert!(
            wrong.is_empty(),
            "{} stale entries: {:?}",
            wrong.len(),
            &wrong[..wrong.len().min(10)]
        );
    }

    /// Another knob the readings depend on leaves the table unused; one they do not (the
    /// decoder's beam) keeps it.
    #[test]
    fn the_table_serves_only_the_knobs_it_was_made_with() {
        let with = |p: Params| {
            Restorer::builder(Model::embedded().unwrap())
                .params(p)
                .build()
        };
        let dearer = with(Params {
            max_cost: 13.0,
            ..Params::default()
        });
        assert!(dearer.forms().is_none());
        let beam = with(Params {
            beam: 4,
            ..Params::default()
        });
        assert!(beam.forms().is_some());
    }

    /// The forms predicted from the model are OCR's usual ones: the word as written, its
    /// marks lost, and look-alike misreadings (`của` as `ctia`, `số` as `s6`).
    #[test]
    fn predicted_forms_are_the_common_misreadings() {
        let model = Model::embedded().unwrap();
        let keys = predict(&model, FORMS);
        for k in ["của", "cua", "ctia", "s6", "hién", "duoc", "được"] {
            assert!(keys.iter().any(|x| x == k), "{k} not predicted");
        }
        assert!(keys
            .iter()
            .all(|k| !k.is_empty() && !candidates::too_long(k)));
        assert_eq!(keys, predict(&model, FORMS), "deterministic");
    }

    /// Readings go through the table as they were computed, and a damaged record (a word
    /// outside the vocabulary, a bad count) makes its key miss rather than hand it out.
    #[test]
    fn readings_round_trip_and_damage_misses() {
        use std::borrow::Cow;
        let r = embedded();
        let keys: Vec<String> = ["cua", "s6", "hién", "thanh1ap", "ctia"]
            .map(String::from)
            .to_vec();
        let good = build(&r, &keys).unwrap();
        let vocab = r.model().lm.vocab().len();
        let parsed = Forms::parse(Cow::Owned(good.clone())).unwrap();
        assert_eq!(parsed.len(), 5);
        assert!(fits(&parsed, &r, false));
        for k in &keys {
            let fresh = candidates::compute(&r, k, &mut Scratch::default());
            assert_eq!(lookup(&parsed, k, vocab).as_deref(), Some(&fresh[..]));
        }
        assert!(
            fresh_split_reading_exists(&parsed, vocab),
            "thanh1ap reads as two words"
        );
        assert!(lookup(&parsed, "khong co", vocab).is_none());
        // Every record made to name a word past the vocabulary: every key misses.
        let n = parsed.get("cua").unwrap().count();
        assert!(n > 0);
        assert!(lookup(&parsed, "cua", 1).is_none());
    }

    fn fresh_split_reading_exists(table: &Forms, vocab: usize) -> bool {
        lookup(table, "thanh1ap", vocab).is_some_and(|l| l.iter().any(|x| x.n == 2))
    }

    /// A model folder's table: used when it was made for that model (its digest is checked),
    /// absent when the file is, and a load error when it is damaged.
    #[test]
    fn a_model_folder_loads_its_table() {
        let dir = std::env::temp_dir().join(format!("sohoa-forms-{}", std::process::id()));
        let model = Model::embedded().unwrap();
        model.write_dir(&dir).unwrap();
        let from_dir = Restorer::builder(Model::from_dir(&dir).unwrap()).build();
        assert!(
            from_dir.forms().is_some(),
            "its digest is that of the folder's model"
        );
        let path = dir.join(crate::model::FORMS_FILE);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let err = Model::from_dir(&dir)
            .err()
            .expect("a truncated table is an error");
        assert!(err.to_string().contains("forms.bin"), "{err}");
        std::fs::remove_file(&path).unwrap();
        assert!(Model::from_dir(&dir).unwrap().forms.is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
