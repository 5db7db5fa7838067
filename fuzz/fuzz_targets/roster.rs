//! Any bytes through `hirescope::fuzzing::roster`: read, linked, detected on, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    hirescope::fuzzing::roster(data);
});
