//! sohoa: turns garbled OCR of scanned Vietnamese administrative reports into clean Vietnamese
//! and extracts what the reports say into JSON records.

pub mod batch;
pub mod channel;
pub mod chunked;
pub mod eval;
pub mod extract;
pub mod fsutil;
pub mod input;
pub mod lexicon;
pub mod lm;
pub mod model;
pub mod offsets;
pub mod pipeline;
pub mod record;
pub mod restore;
pub mod split;
pub mod stream;
pub mod text;
pub mod train;
