//! The evaluation sets made from `../shared`: held-out synthetic OCR pairs and held-out corpus
//! paragraphs (see [`crate::split`]); both are excluded from training by `sohoa train`.

use std::path::Path;

use crate::split::is_held_out;
use crate::train::{self, TrainError};

/// The held-out (garbled, clean) pairs, in file order.
pub fn held_out_pairs(shared: &Path) -> Result<Vec<(String, String)>, TrainError> {
    Ok(train::read_pairs(shared)?
        .into_iter()
        .filter(|(_, c)| is_held_out(c))
        .collect())
}

/// About `bytes` of held-out corpus paragraphs, taken evenly from every corpus file (in file
/// order) so that each domain is represented. Paragraphs shorter than 40 bytes (headings,
/// table cells) are skipped.
pub fn held_out_paragraphs(shared: &Path, bytes: usize) -> Result<Vec<String>, TrainError> {
    let dir = shared.join("corpus");
    let rd = std::fs::read_dir(&dir).map_err(|source| TrainError::Io {
        path: dir.clone(),
        source,
    })?;
    let mut files: Vec<_> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let per_file = bytes / files.len().max(1);
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|source| TrainError::Io {
            path: f.clone(),
            source,
        })?;
        let mut taken = 0;
        for line in text.lines() {
            if taken >= per_file {
                break;
            }
            if line.len() >= 40 && is_held_out(line) {
                taken += line.len();
                out.push(line.to_string());
            }
        }
    }
    Ok(out)
}
