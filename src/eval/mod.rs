//! Measuring sohoa against gold data: `sohoa eval …`.

pub mod confidence;
pub mod data;
pub mod header;
pub mod pages;
pub mod restore;
