//! Properties of the normaliser, the query parser, the matcher and the ranking, over arbitrary
//! input (proptest). The cargo-fuzz targets in fuzz/ run the same functions without bounds.

use proptest::prelude::*;
use salw_search::confusion::{FULL, TRANSPOSE, canonical};
use salw_search::matcher::Matcher;
use salw_search::normalise::{Reading, normalise, normalise_with};
use salw_search::parse;
use salw_search::rank::align;

/// Serial-like text: ASCII letters and digits, separators, and characters of the scripts users
/// type (Cyrillic, Greek, Arabic-Indic and Persian digits, fullwidth forms, CJK numerals).
fn marking() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::char::range('0', '9'),
            prop::char::range('A', 'Z'),
            prop::char::range('a', 'z'),
            prop::sample::select(vec![' ', '-', '/', '.', '_', '?', '*']),
            prop::char::range('\u{0400}', '\u{04FF}'),
            prop::char::range('\u{0370}', '\u{03FF}'),
            prop::char::range('\u{0660}', '\u{0669}'),
            prop::char::range('\u{06F0}', '\u{06F9}'),
            prop::char::range('\u{FF10}', '\u{FF5A}'),
            prop::sample::select(vec!['〇', '一', '五', '九']),
        ],
        0..24,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #[test]
    fn normalising_twice_changes_nothing(text in marking()) {
        let once = normalise(&text);
        prop_assert_eq!(normalise(&once), once.clone());
        let phonetic = normalise_with(&text, Reading::Phonetic).text;
        prop_assert_eq!(normalise_with(&phonetic, Reading::Phonetic).text, phonetic);
    }

    #[test]
    fn normalising_any_unicode_is_idempotent_and_never_panics(text in any::<String>()) {
        let once = normalise(&text);
        prop_assert_eq!(normalise(&once), once);
        let _ = parse(&text);
    }

    #[test]
    fn plain_ascii_without_confusable_characters_is_unchanged(
        text in "[ACEFHJKMNPRTUVWXY3479]{1,16}"
    ) {
        prop_assert_eq!(normalise(&text), text.clone());
        prop_assert_eq!(canonical(&text), text.into_bytes());
    }

    #[test]
    fn a_serial_finds_itself_at_no_cost_however_it_is_typed(text in marking()) {
        let record = normalise(&text);
        prop_assume!(!record.is_empty());
        // The same characters, typed with other separators and case.
        let typed: String = record.chars().flat_map(|c| [c.to_ascii_lowercase(), ' ']).collect();
        let Ok(query) = parse(&typed) else { return Ok(()) };
        let key = canonical(&record);
        prop_assert_eq!(Matcher::new(&query.patterns[0], 0, false).cost(&key), Some(0));
        prop_assert_eq!(align(&query.patterns[0], &record).cost, 0);
    }

    #[test]
    fn the_ranking_never_charges_less_than_the_index(a in "[A-Z0-9]{2,10}", b in "[A-Z0-9]{1,10}") {
        // The index walk and the ranking agree: the ranking only adds the small cost of strong
        // misreads, so whatever the index finds within a budget, the ranking scores near it.
        let query = parse(&a).expect("ASCII parses");
        let pattern = &query.patterns[0];
        let ranked = align(pattern, &b).cost;
        if let Some(indexed) = Matcher::new(pattern, 2 * FULL, false).cost(&canonical(&b)) {
            prop_assert!(ranked >= u32::from(indexed));
            prop_assert!(ranked <= u32::from(indexed) + a.len() as u32);
        }
    }

    #[test]
    fn the_reversed_matcher_agrees_with_the_forward_one(
        body in "[A-Z0-9]{3,10}", key in "[A-Z0-9]{1,12}", run in any::<bool>(),
        unknown in prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        budget in prop::sample::select(vec![0u8, TRANSPOSE, FULL, 2 * FULL]),
        near in any::<bool>(), swap in any::<prop::sample::Index>(), front in "[A-Z0-9]{0,2}"
    ) {
        // The search walks whichever index meets the unknown characters last (`*1234`,
        // `??0402`): both walks must find the same keys at the same cost. Half the keys are
        // the body itself with two neighbours swapped and a few characters in front, so that
        // most are found.
        let key = if near {
            let mut k: Vec<char> = body.chars().collect();
            let i = swap.index(k.len() - 1);
            k.swap(i, i + 1);
            format!("{front}{}", k.into_iter().collect::<String>())
        } else {
            key
        };
        let mut chars: Vec<char> = body.chars().collect();
        for at in &unknown {
            let i = at.index(chars.len());
            chars[i] = '?';
        }
        let body: String = chars.into_iter().collect();
        let typed = format!("{}{body}", if run { "*" } else { "" });
        // Too few known characters is refused by the parser (tested elsewhere).
        let parsed = parse(&typed);
        prop_assume!(parsed.is_ok());
        let query = parsed.expect("parses");
        let pattern = &query.patterns[0];
        let forward = Matcher::new(pattern, budget, false).cost(key.as_bytes());
        let back: Vec<u8> = key.bytes().rev().collect();
        let reversed = Matcher::new(pattern, budget, true).cost(&back);
        prop_assert_eq!(forward, reversed, "{} against {}", typed, key);
    }
}

proptest! {
    #[test]
    fn wildcards_are_charged_at_least_one_a_covered_character(
        body in "[A-Z0-9]{2,8}", key in "[A-Z0-9]{1,12}", front in any::<bool>(), ones in 0usize..3
    ) {
        // The search reads candidates in the order of this lower bound and stops early on it.
        let typed = format!("{}{body}{}*", if front { "*" } else { "" }, "?".repeat(ones));
        let query = parse(&typed).expect("parses");
        let pattern = &query.patterns[0];
        let extra = key.len().saturating_sub(pattern.fixed_len());
        prop_assert!(align(pattern, &key).cost >= (ones + extra) as u32);
    }
}
