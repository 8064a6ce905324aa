//! Text primitives shared by the restorer and the extractors.

pub mod tokenize;
pub mod vietnamese;
