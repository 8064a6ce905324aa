//! STUB (not committed)
use std::collections::HashMap;
pub type WordId = u32;
pub const BOS: WordId = 0;
pub const EOS: WordId = 1;
pub const UNK: WordId = 2;
pub const NUM: WordId = 3;
#[derive(Debug, thiserror::Error)]
#[error("lm")]
pub struct LmError;
pub struct Vocab {
    words: Vec<String>,
    counts: Vec<u64>,
    ids: HashMap<String, u32>,
}
impl Vocab {
    pub fn id(&self, w: &str) -> Option<WordId> {
        self.ids.get(w).copied()
    }
    pub fn word(&self, id: WordId) -> &str {
        &self.words[id as usize]
    }
    pub fn count(&self, id: WordId) -> u64 {
        self.counts[id as usize]
    }
    pub fn len(&self) -> usize {
        self.words.len()
    }
}
pub struct NgramLm {
    vocab: Vocab,
    total: f64,
}
impl NgramLm {
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }
    pub fn logprob(&self, _a: WordId, _b: WordId, c: WordId) -> f32 {
        (((self.vocab.counts[c as usize] + 1) as f64) / self.total).ln() as f32
    }
    pub fn from_bytes(b: &[u8]) -> Result<NgramLm, LmError> {
        let s = std::str::from_utf8(b).map_err(|_| LmError)?;
        let mut words = vec![
            "<s>".to_string(),
            "</s>".into(),
            "<unk>".into(),
            "<num>".into(),
        ];
        let mut counts = vec![1, 1, 1, 1];
        for l in s.lines() {
            let (w, c) = l.split_once('\t').ok_or(LmError)?;
            words.push(w.into());
            counts.push(c.parse().map_err(|_| LmError)?);
        }
        let ids = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), i as u32))
            .collect();
        let total = counts.iter().sum::<u64>() as f64;
        Ok(NgramLm {
            vocab: Vocab { words, counts, ids },
            total,
        })
    }
    pub fn to_bytes(&self) -> Vec<u8> {
        Vec::new()
    }
}
pub fn train_from_files(
    _p: &[std::path::PathBuf],
    _s: &(dyn Fn(&str) -> bool + Sync),
) -> Result<NgramLm, LmError> {
    Err(LmError)
}
