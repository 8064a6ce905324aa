//! Word ↔ id mapping of the language model.

use rustc_hash::FxHashMap;

use super::{for_each_token, LmToken, Scratch, WordId, NUM, UNK};

/// The names of the four special ids, in id order.
pub(crate) const SPECIALS: [&str; 4] = ["<s>", "</s>", "<unk>", "<num>"];

/// The vocabulary: normalised words (see [`super::normalize_word`]) with their training
/// counts. Ids `0..4` are the specials ([`super::BOS`], [`super::EOS`], [`UNK`], [`NUM`]);
/// the others follow in decreasing frequency, so frequent words have small ids.
#[derive(Clone, Debug, PartialEq)]
pub struct Vocab {
    /// All words back to back; word `i` is `text[ends[i - 1]..ends[i]]` (one allocation, not
    /// one per word).
    text: String,
    ends: Vec<u32>,
    counts: Vec<u64>,
    /// Built at load time for look-up by string; never serialised. Fx, not SipHash: every
    /// word of every document is looked up here, and the keys are the model's own words,
    /// fixed at load: input only looks up, so no input can flood the table.
    ids: FxHashMap<Box<str>, WordId>,
}

impl Vocab {
    /// Builds a vocabulary from words in id order (the specials first) and their counts.
    /// Callers guarantee the words are distinct and as many as the counts.
    pub(crate) fn new<'a>(words: impl IntoIterator<Item = &'a str>, counts: Vec<u64>) -> Vocab {
        let mut text = String::new();
        let mut ends = Vec::with_capacity(counts.len());
        for w in words {
            text.push_str(w);
            ends.push(text.len() as u32);
        }
        let mut v = Vocab {
            text,
            ends,
            counts,
            ids: FxHashMap::default(),
        };
        v.ids = (0..v.len() as WordId)
            .map(|i| (v.word(i).into(), i))
            .collect();
        v
    }

    /// The id of a normalised word, if it is in the vocabulary.
    pub fn id(&self, word: &str) -> Option<WordId> {
        self.ids.get(word).copied()
    }

    /// The id of a normalised word, or [`UNK`].
    pub fn id_or_unk(&self, word: &str) -> WordId {
        self.id(word).unwrap_or(UNK)
    }

    /// The text of a word (`"<unk>"` for ids out of range).
    pub fn word(&self, id: WordId) -> &str {
        let i = id as usize;
        if i >= self.ends.len() {
            return SPECIALS[UNK as usize];
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// How often the word occurred in the training text (0 for ids out of range).
    pub fn count(&self, id: WordId) -> u64 {
        self.counts.get(id as usize).copied().unwrap_or(0)
    }

    /// Number of words, the specials included.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// True for a vocabulary without words (never the case for a trained model).
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Appends to `out` (cleared first) the ids of a paragraph's tokens as the model was
    /// trained on them, without `<s>` and `</s>`.
    pub fn encode(&self, paragraph: &str, out: &mut Vec<WordId>) {
        out.clear();
        for_each_token(paragraph, &mut Scratch::default(), |t| {
            out.push(match t {
                LmToken::Word(w) => self.id_or_unk(w),
                LmToken::Junk(_) => UNK,
                LmToken::Num => NUM,
            })
        });
    }

    /// The words back to back and their end offsets, for serialisation.
    pub(crate) fn raw(&self) -> (&str, &[u32], &[u64]) {
        (&self.text, &self.ends, &self.counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_both_ways() {
        let v = Vocab::new(
            SPECIALS.iter().copied().chain(["của", "và"]),
            vec![5, 5, 0, 2, 9, 7],
        );
        assert_eq!(v.len(), 6);
        assert_eq!(v.id("của"), Some(4));
        assert_eq!(v.id("<num>"), Some(NUM));
        assert_eq!(v.id_or_unk("xyz"), UNK);
        assert_eq!(v.word(5), "và");
        assert_eq!(v.word(0), "<s>");
        assert_eq!(v.word(99), "<unk>");
        assert_eq!(v.count(4), 9);
        assert_eq!(v.count(99), 0);
    }
}
