//! Measuring sohoa against gold data: `sohoa eval …`.

pub mod restore;
