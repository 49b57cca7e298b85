//! The query parser never panics; what it accepts can be matched and ranked against itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use salw_search::confusion::canonical;
use salw_search::matcher::Matcher;
use salw_search::rank::align;

fuzz_target!(|text: &str| {
    if let Ok(query) = salw_search::parse(text) {
        for pattern in &query.patterns {
            let record = &pattern.text.text;
            let _ = Matcher::new(pattern, 20, false).cost(&canonical(record));
            let _ = Matcher::new(pattern, 20, true).cost(&canonical(record));
            let _ = align(pattern, record);
        }
    }
});
