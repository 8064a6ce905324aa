#![no_main]
//! `model`: see [`sohoa_fuzz::model`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| sohoa_fuzz::model(data));
