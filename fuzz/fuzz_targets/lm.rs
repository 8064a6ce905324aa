#![no_main]
//! `lm`: see [`sohoa_fuzz::lm`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| sohoa_fuzz::lm(data));
