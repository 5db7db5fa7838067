//! Any bytes as an events export through the whole pipeline: read, linked, every detector.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    hirescope::fuzzing::everything(data);
});
