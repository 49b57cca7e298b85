//! The identity key of a weapon (DOMAIN.md §4): serial numbers are not unique, makers reuse them
//! across models and years, so a weapon is identified by (country of manufacture, manufacturer,
//! model, serial), never by the serial alone.

use unicode_normalization::UnicodeNormalization;

/// The form under which key parts are compared: NFKC, upper case, and without the spaces,
/// dashes, dots and slashes that people type in different ways ("52-01234" = "52 01234").
/// The text as marked is kept verbatim elsewhere; this is only for comparison.
pub fn fold(part: &str) -> String {
    let mut folded = String::with_capacity(part.len());
    fold_into(part, &mut folded);
    folded
}

/// Whether `fold` leaves nothing of the part (only separators), without folding it.
pub fn folds_to_nothing(part: &str) -> bool {
    if part.is_ascii() {
        return !part.chars().any(|c| keep(&c));
    }
    fold(part).is_empty()
}

/// What `fold` keeps of a part: no spaces nor the separators people type in different ways.
fn keep(c: &char) -> bool {
    !c.is_whitespace() && !matches!(c, '-' | '‐' | '–' | '—' | '.' | '/' | '_')
}

/// `fold`, appended to `out`.
fn fold_into(part: &str, out: &mut String) {
    if part.is_ascii() {
        // NFKC leaves ASCII as it is: skip it on the common path (bulk imports).
        out.extend(part.chars().filter(keep).map(|c| c.to_ascii_uppercase()));
        return;
    }
    out.extend(part.nfkc().flat_map(char::to_uppercase).filter(keep));
}

/// The identity key, when every part of it is known; `None` otherwise (an unmarked craft weapon,
/// a weapon whose maker is unknown): such weapons are told apart by their record id only.
pub fn identity_key(
    country: Option<&str>,
    manufacturer: Option<&str>,
    model: Option<&str>,
    serial: Option<&str>,
) -> Option<String> {
    let parts = [country?, manufacturer?, model?, serial?];
    // Folded into one string (a bulk import computes a key per row).
    let mut key = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            key.push('|');
        }
        let start = key.len();
        fold_into(part, &mut key);
        if key.len() == start {
            return None;
        }
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn folds_to_nothing_says_what_fold_gives(part in "[ a-z0-9./_\u{2013}\u{a0}\u{ff10}-]{0,6}") {
            proptest::prop_assert_eq!(folds_to_nothing(&part), fold(&part).is_empty());
        }
    }

    #[test]
    fn separators_and_case_do_not_make_a_new_weapon() {
        let a = identity_key(
            Some("de"),
            Some("Heckler & Koch"),
            Some("G3"),
            Some("52-01234"),
        );
        let b = identity_key(
            Some("DE"),
            Some("HECKLER & KOCH"),
            Some("g3"),
            Some("52 01234"),
        );
        assert_eq!(a, b);
        let other_model = identity_key(
            Some("DE"),
            Some("Heckler & Koch"),
            Some("MP5"),
            Some("52-01234"),
        );
        assert_ne!(a, other_model);
        assert_eq!(identity_key(Some("DE"), Some("HK"), None, Some("1")), None);
        assert_eq!(
            identity_key(Some("DE"), Some("HK"), Some("G3"), Some(" - ")),
            None
        );
    }
}
