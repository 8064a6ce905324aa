#![no_main]
//! `channel`: see [`sohoa_fuzz::channel`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| sohoa_fuzz::channel(data));
