#![no_main]
//! `document`: see [`sohoa_fuzz::document`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| sohoa_fuzz::document(data));
