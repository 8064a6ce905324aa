//! Text primitives shared by the restorer and the extractors.

pub mod vietnamese;
