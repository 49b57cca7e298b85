//! The normaliser never panics and is idempotent, on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use salw_search::normalise::{Reading, normalise, normalise_with};

fuzz_target!(|text: &str| {
    let once = normalise(text);
    assert_eq!(normalise(&once), once);
    let phonetic = normalise_with(text, Reading::Phonetic);
    assert_eq!(phonetic.text.chars().count(), phonetic.origins.len());
});
