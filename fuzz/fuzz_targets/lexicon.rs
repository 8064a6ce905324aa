#![no_main]
//! `lexicon`: see [`sohoa_fuzz::lexicon`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| sohoa_fuzz::lexicon(data));
