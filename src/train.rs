//! `sohoa train`: rebuilds every model file from `../shared`, deterministically.
//!
//! - language model: every `corpus/*.txt` plus the two clean sample reports, less the
//!   evaluation split ([`crate::split`]) and less every corpus paragraph that contains the clean
//!   side of a held-out parallel pair (so the synthetic OCR evaluation never sees its own text);
//! - error model: the parallel pairs whose clean side is not held out;
//! - lexicon: selected from the language model's vocabulary with `lexicon/syllables.tsv` and
//!   `lexicon/abbreviations.tsv`;
//! - forms table: the readings of the commonest OCR forms of the lexicon's words, computed
//!   with the model just built (see [`crate::restore::forms`]).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use aho_corasick::AhoCorasick;

use crate::channel::ErrorModel;
use crate::lexicon::Lexicon;
use crate::lm;
use crate::model::Model;
use crate::restore::{forms, Restorer};
use crate::split::is_held_out;

/// Why training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no corpus files in {0}")]
    NoCorpus(PathBuf),
    #[error("language model: {0}")]
    Lm(#[from] lm::LmError),
    #[error("forms table: {0}")]
    Forms(#[from] crate::forms::FormsError),
    #[error("building the held-out filter: {0}")]
    Filter(#[from] aho_corasick::BuildError),
}

fn read_to_string(path: &Path) -> Result<String, TrainError> {
    std::fs::read_to_string(path).map_err(|source| TrainError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The parallel pairs files under `shared/parallel`, sorted.
pub fn parallel_files(shared: &Path) -> Result<Vec<PathBuf>, TrainError> {
    list(&shared.join("parallel"), |n| {
        n.ends_with(".tsv") && !n.ends_with(".meta.tsv")
    })
}

fn list(dir: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>, TrainError> {
    let rd = std::fs::read_dir(dir).map_err(|source| TrainError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut v: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&keep))
        .collect();
    v.sort();
    Ok(v)
}

/// All (garbled, clean) pairs of the parallel files.
pub fn read_pairs(shared: &Path) -> Result<Vec<(String, String)>, TrainError> {
    read_pair_files(&parallel_files(shared)?)
}

/// The (garbled, clean) pairs of TSV files `garbled<TAB>clean`.
fn read_pair_files(files: &[PathBuf]) -> Result<Vec<(String, String)>, TrainError> {
    let mut pairs = Vec::new();
    for f in files {
        for line in read_to_string(f)?.lines() {
            if let Some((g, c)) = line.split_once('\t') {
                pairs.push((g.to_string(), c.to_string()));
            }
        }
    }
    Ok(pairs)
}

/// General-domain text for the language model, beside the legal corpus of `shared`: the
/// `*.txt` files of a folder (one paragraph per line, like `shared/corpus`), made by
/// `tools/general-corpus.py` from public-domain sources (README, "Data sources").
#[derive(Clone, Debug)]
pub struct General {
    /// The folder of `*.txt` files.
    pub dir: PathBuf,
    /// The general model's weight in the mixture ([`lm::mix`]); the legal model has the rest.
    pub weight: f64,
    /// With a weight, a second mixture of the same two models, for documents in general
    /// Vietnamese: `lm_general.bin` ([`crate::model::GeneralDocs`]).
    pub document_weight: Option<f64>,
}

/// Rebuilds the model from `shared` (the `../shared` folder). `extra_lm` are further clean
/// texts for the language model (the clean sample reports). Progress goes to `log`.
pub fn train(
    shared: &Path,
    extra_lm: &[PathBuf],
    log: &mut dyn FnMut(&str),
) -> Result<Model, TrainError> {
    train_with(shared, extra_lm, &[], None, log)
}

/// [`train`] with general-domain text for the language model as well (held-out paragraphs of
/// it are left out by the same rule as the corpus's, [`crate::split`]), and further pairs for
/// the error model: `extra_pairs`, TSV files like `shared/parallel`'s, made from
/// training-split text (`tools/more-pairs.py`). Their held-out lines are left out, as the
/// shared pairs' are, and they are never evaluated on: `eval pairs` reads the shared ones.
pub fn train_with(
    shared: &Path,
    extra_lm: &[PathBuf],
    extra_pairs: &[PathBuf],
    general: Option<&General>,
    log: &mut dyn FnMut(&str),
) -> Result<Model, TrainError> {
    let pairs = read_pairs(shared)?;
    let (mut train_pairs, held_pairs): (Vec<_>, Vec<_>) =
        pairs.into_iter().partition(|(_, c)| !is_held_out(c));
    log(&format!(
        "parallel: {} training pairs, {} held out",
        train_pairs.len(),
        held_pairs.len()
    ));
    if !extra_pairs.is_empty() {
        let extra: Vec<_> = read_pair_files(extra_pairs)?
            .into_iter()
            .filter(|(_, c)| !is_held_out(c))
            .collect();
        log(&format!("parallel: {} further training pairs", extra.len()));
        train_pairs.extend(extra);
    }

    // Corpus paragraphs containing a held-out parallel line stay out of the LM.
    let held_lines: Vec<&str> = held_pairs
        .iter()
        .map(|(_, c)| c.trim())
        .filter(|c| c.len() >= 40)
        .collect();
    let filter = AhoCorasick::new(&held_lines)?;
    // Held-out corpus paragraphs (the `eval stripped` set) stay out too.
    let skip = move |paragraph: &str| is_held_out(paragraph) || filter.is_match(paragraph);

    let mut corpus = list(&shared.join("corpus"), |n| n.ends_with(".txt"))?;
    if corpus.is_empty() {
        return Err(TrainError::NoCorpus(shared.join("corpus")));
    }
    corpus.extend(extra_lm.iter().cloned());
    log(&format!("language model: {} files", corpus.len()));
    let mut lm = lm::train_from_files(&corpus, &skip)?;
    let mut general_docs = None;
    if let Some(g) = general {
        let files = list(&g.dir, |n| n.ends_with(".txt"))?;
        if files.is_empty() {
            return Err(TrainError::NoCorpus(g.dir.clone()));
        }
        let general_lm = lm::train_from_files(&files, &skip)?;
        log(&format!(
            "general text: {} files of {} ({} tokens), mixed in at weight {}",
            files.len(),
            g.dir.display(),
            general_lm.info().tokens,
            g.weight
        ));
        let mixed = lm::mix(&lm, &general_lm, g.weight)?;
        if let Some(w) = g.document_weight {
            let doc = lm::mix_onto(&lm, &general_lm, w, &mixed)?;
            log(&format!(
                "general documents: the same texts mixed at weight {w}, {} bigrams, {} trigrams",
                doc.info().ngrams[1],
                doc.info().ngrams[2]
            ));
            let domain = crate::domain::DomainTable::build(&mixed, &doc);
            log(&format!(
                "general documents: {} skeletons told apart",
                domain.len()
            ));
            general_docs = Some(crate::model::GeneralDocs {
                lm: doc.to_bytes().into(),
                domain,
            });
        }
        lm = mixed;
    }
    let [words, bigrams, trigrams] = lm.info().ngrams;
    log(&format!(
        "language model: {words} words, {bigrams} bigrams, {trigrams} trigrams"
    ));

    log("error model: training on the parallel pairs");
    let channel = ErrorModel::train(train_pairs.into_iter());

    let syllables = read_syllables(&shared.join("lexicon/syllables.tsv"))?;
    let abbreviations = read_abbreviations(&shared.join("lexicon/abbreviations.tsv"))?;
    let vocab = lm.vocab();
    let counts: BTreeMap<String, u64> = (0..vocab.len() as u32)
        .filter(|&id| id > lm::NUM)
        .map(|id| (vocab.word(id).to_string(), vocab.count(id)))
        .collect();
    let lexicon = Lexicon::select(&counts, &syllables, &abbreviations);
    log(&format!("lexicon: {} words", lexicon.len()));
    let model = Model {
        lm,
        channel,
        lexicon,
        forms: None,
        general: general_docs,
        origin: crate::model::Origin::Memory,
    };
    with_forms(model, log)
}

/// `model` with its table of common OCR forms (see [`forms`]), computed for the default
/// knobs.
pub fn with_forms(model: Model, log: &mut dyn FnMut(&str)) -> Result<Model, TrainError> {
    let keys = forms::predict(&model, forms::FORMS);
    log(&format!("forms: reading {} common OCR forms", keys.len()));
    let restorer = Restorer::builder(model).build();
    let bytes = forms::build(&restorer, &keys);
    let mut model = restorer.into_model();
    match bytes {
        Some(bytes) => {
            let table = crate::forms::Forms::parse(bytes.into())?;
            log(&format!(
                "forms: {} forms, {} bytes",
                table.len(),
                table.bytes().len()
            ));
            model.forms = Some(table);
        }
        None => log("forms: none (the vocabulary does not fit 16-bit ids)"),
    }
    Ok(model)
}

fn read_syllables(path: &Path) -> Result<Vec<(String, u32)>, TrainError> {
    Ok(read_to_string(path)?
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split('\t');
            let s = f.next()?;
            let n = f.next()?.parse().ok()?;
            Some((
                crate::text::vietnamese::canonical_tone_placement(s).into_owned(),
                n,
            ))
        })
        .collect())
}

fn read_abbreviations(path: &Path) -> Result<HashSet<String>, TrainError> {
    Ok(read_to_string(path)?
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
        .filter(|k| !k.is_empty() && k.chars().all(char::is_alphabetic))
        .map(str::to_lowercase)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Further pairs are read like the shared ones: `garbled<TAB>clean` per line, a line with
    /// no tab skipped, and a missing file an error naming it.
    #[test]
    fn pair_files_are_read_line_by_line() {
        let dir = std::env::temp_dir().join(format!("sohoa-pairs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("more.tsv");
        std::fs::write(&f, "s6 lieu\tsố liệu\nno tab here\nctia\tcủa\n").unwrap();
        let pairs = read_pair_files(std::slice::from_ref(&f)).unwrap();
        assert_eq!(
            pairs,
            vec![
                ("s6 lieu".to_string(), "số liệu".to_string()),
                ("ctia".to_string(), "của".to_string())
            ]
        );
        let missing = dir.join("missing.tsv");
        let err = read_pair_files(&[missing]).unwrap_err().to_string();
        assert!(err.contains("missing.tsv"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
