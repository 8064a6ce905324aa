#![no_main]
//! `pipe`: see [`sohoa_fuzz::pipe`].

libfuzzer_sys::fuzz_target!(|data: &[u8]| sohoa_fuzz::pipe(data));
