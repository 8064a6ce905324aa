//! Writes the seed corpus of every target into `DIR/<target>/` (`run.sh` calls it when a
//! target's corpus folder is empty): small slices of `fixtures/` and `dictionaries/`, and a
//! tiny language model trained on a fixture, so that the fuzzer starts from inputs that get
//! past the formats' headers.
//!
//! ```text
//! cargo run --release --no-default-features --example seeds -- corpus
//! ```

use std::path::Path;

use sohoa::lm::LmBuilder;
use sohoa_fuzz::MODEL_SEPARATOR;
use unicode_normalization::UnicodeNormalization;

const FIXTURES: &[&str] = &[
    include_str!("../../fixtures/000_ec917ac3c63f8407.txt"),
    include_str!("../../fixtures/001_372855f636130f4e.txt"),
    include_str!("../../fixtures/002_7251359187763003.txt"),
    include_str!("../../fixtures/003_4c818c38c2080030.txt"),
    include_str!("../../fixtures/004_032d32de84dc821b.txt"),
];
const CHANNEL: &str = include_str!("../../dictionaries/channel.tsv");
const LEXICON: &str = include_str!("../../dictionaries/lexicon.tsv");

/// Seeds are kept under the document target's `-max_len` (see `run.sh`).
const SLICE: usize = 2048;

fn main() -> std::io::Result<()> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "corpus".into());
    let dir = Path::new(&dir);
    let mut seeds: Vec<(&str, String, Vec<u8>)> = Vec::new();
    let mut add = |target: &'static str, name: String, bytes: Vec<u8>| {
        seeds.push((target, name, bytes));
    };

    for (i, text) in FIXTURES.iter().enumerate() {
        let head = lines_within(text, 0, SLICE);
        let middle = lines_within(text, text.len() / 2, SLICE);
        add("document", format!("{i}-head"), head.as_bytes().to_vec());
        add(
            "document",
            format!("{i}-middle"),
            middle.as_bytes().to_vec(),
        );
        let nfd: String = lines_within(text, 0, SLICE / 2).nfd().collect();
        add("document", format!("{i}-nfd"), nfd.into_bytes());
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(lines_within(text, 0, SLICE / 2).as_bytes());
        add("document", format!("{i}-bom"), bom);

        // Plain lines, requests with ids of every JSON kind, a BOM, CRLF, a line over the limit.
        let lines: Vec<&str> = head.lines().take(12).collect();
        let mut pipe = String::new();
        let ids = [
            "1",
            "\"a-1\"",
            "null",
            "12345678901234567890",
            "{\"k\": [1, 2.5]}",
            "-0.0",
        ];
        for (j, line) in lines.iter().enumerate() {
            match j % 3 {
                0 => pipe.push_str(line),
                1 => {
                    let text = serde_json::to_string(line).unwrap_or_default();
                    let id = ids[j % ids.len()];
                    pipe.push_str(&format!("{{\"id\": {id}, \"text\": {text}, \"x\": 0}}"));
                }
                _ => {
                    let text = serde_json::to_string(line).unwrap_or_default();
                    pipe.push_str(&format!("\u{FEFF}{{\"text\":{text}}}\r"));
                }
            }
            pipe.push('\n');
        }
        add("pipe", format!("{i}-lines"), pipe.into_bytes());
    }
    add(
        "pipe",
        "long".into(),
        format!("{}\n{{oops\n\n", "xx ".repeat(700)).into_bytes(),
    );

    let lm_of = |text: &str| {
        LmBuilder::new()
            .min_word_count(1)
            .min_trigram_count(1)
            .train_texts(&[lines_within(text, 0, 1500)], &|_| false)
            .map(|lm| lm.to_bytes())
    };
    let channel = slice_tsv(CHANNEL, 40, 25);
    let lexicon = slice_tsv(LEXICON, 60, 100);
    // Seeds that do not load would leave the fuzzer at the formats' error paths.
    sohoa::channel::ErrorModel::from_tsv(&channel).map_err(std::io::Error::other)?;
    sohoa::lexicon::Lexicon::from_tsv(&lexicon).map_err(std::io::Error::other)?;
    add("channel", "slice".into(), channel.clone().into_bytes());
    add("lexicon", "slice".into(), lexicon.clone().into_bytes());
    for i in [1, 2] {
        let lm = lm_of(FIXTURES[i]).map_err(std::io::Error::other)?;
        add("lm", format!("{i}-tiny"), lm.clone());
        sohoa::model::Model::from_parts("(seed)", &lm, &channel, &lexicon)
            .map_err(std::io::Error::other)?;
        let mut model = lm;
        for part in [&channel, &lexicon] {
            model.extend_from_slice(MODEL_SEPARATOR);
            model.extend_from_slice(part.as_bytes());
        }
        add("model", format!("{i}-tiny"), model);
    }

    for (target, name, bytes) in &seeds {
        let d = dir.join(target);
        std::fs::create_dir_all(&d)?;
        std::fs::write(d.join(format!("seed-{name}")), bytes)?;
    }
    eprintln!("{} seeds written under {}", seeds.len(), dir.display());
    Ok(())
}

/// The whole lines of `text` that start at or after `from` and end within `max` bytes of it.
fn lines_within(text: &str, from: usize, max: usize) -> &str {
    let start = text[..]
        .char_indices()
        .map(|(i, _)| i)
        .find(|&i| i >= from && (i == 0 || text.as_bytes()[i - 1] == b'\n'))
        .unwrap_or(text.len());
    let rest = &text[start..];
    let mut end = 0;
    for (i, _) in rest.match_indices('\n') {
        if i + 1 > max {
            break;
        }
        end = i + 1;
    }
    &rest[..end]
}

/// The first `head` lines of a TSV file (its header and first rows), then every `every`-th.
fn slice_tsv(text: &str, head: usize, every: usize) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i < head || i % every == 0 {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
