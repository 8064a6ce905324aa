//! sohoa: turns garbled OCR of scanned Vietnamese administrative reports into clean Vietnamese
//! and extracts what the reports say into JSON records.

pub mod input;
pub mod offsets;
pub mod record;
pub mod split;
pub mod text;
