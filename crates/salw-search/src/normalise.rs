//! The marking normaliser (DESIGN.md "Marking search", step 1): what is written on a weapon, as
//! a person typed it, to the form serials are compared in. Pure and versioned: the index
//! records the version it was built with and is rebuilt when it changes.
//!
//! Per character: NFKC (fullwidth `５` → `5`), upper case, any Unicode decimal digit to its
//! ASCII digit (Arabic-Indic `٣` and Persian `۳` are not folded by NFKC), CJK numerals to
//! digits, Cyrillic and Greek capitals to the Latin letter they look like (`Р` → `P`), and
//! separators (anything neither letter nor digit) dropped. A Cyrillic letter with no Latin
//! look-alike is transliterated (ICAO 9303). Every output character remembers which input
//! character it came from and why it changed, for the explanation shown to the user.

use unicode_normalization::UnicodeNormalization;

use crate::digits_table::DIGIT_ZEROS;

/// Bump when the output of `normalise` changes for any input: persisted indexes are rebuilt.
pub const NORMALISER_VERSION: u32 = 3;

/// Why an output character differs from what was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Only case or compatibility form (fullwidth, ligature): not worth telling.
    None,
    /// A digit of another script read as an ASCII digit.
    Digit,
    /// A Cyrillic or Greek letter read as the Latin letter it looks like.
    LookAlike,
    /// A Cyrillic letter with no look-alike, transliterated (ICAO 9303).
    Transliterated,
}

/// One character of normalised text and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// The character as typed.
    pub raw: char,
    /// Its position (in characters) in the typed text.
    pub at: usize,
    pub change: Change,
}

/// Which reading to give letters that have both a look-alike and a phonetic reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// `Р` → `P`, `Н` → `H`: how a marking in Cyrillic looks to someone reading Latin.
    LookAlike,
    /// `Р` → `R`, `Н` → `N`, `В` → `V`: how it sounds (ICAO 9303), for serials that were
    /// transcribed rather than copied.
    Phonetic,
}

/// Normalised text, with the origin of each character.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalised {
    pub text: String,
    pub origins: Vec<Origin>,
}

impl Normalised {
    /// Whether any character was reinterpreted beyond case and width.
    pub fn reinterpreted(&self) -> bool {
        self.origins.iter().any(|o| o.change != Change::None)
    }
}

/// The comparison form of `raw` (look-alike reading).
pub fn normalise(raw: &str) -> String {
    normalise_with(raw, Reading::LookAlike).text
}

/// The comparison form of `raw` in the given reading, with the origin of each character.
pub fn normalise_with(raw: &str, reading: Reading) -> Normalised {
    let mut out = pass(raw, reading);
    if raw.is_ascii() {
        return out;
    }
    // Dropping a separator can bring together characters that compose, or that a second pass
    // would read otherwise (rare, in a few scripts): pass again until nothing changes, so that
    // normalising is idempotent. Origins still point into what was typed.
    for _ in 0..4 {
        let again = pass(&out.text, reading);
        if again.text == out.text {
            break;
        }
        let origins = again
            .origins
            .iter()
            .map(|o| out.origins.get(o.at).copied().unwrap_or(*o))
            .collect();
        out = Normalised {
            text: again.text,
            origins,
        };
    }
    out
}

fn pass(raw: &str, reading: Reading) -> Normalised {
    let mut out = Normalised::default();
    for (at, typed) in composed(raw).chars().enumerate() {
        push_char(&mut out, typed, at, reading);
    }
    out
}

/// The text with combining marks composed onto their letters (NFC), so that a letter typed as
/// letter + mark (common from some keyboards) reads like the same letter typed whole; the
/// rest of the normalisation works a character at a time. Positions then count composed
/// characters.
pub fn composed(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.is_ascii() || unicode_normalization::is_nfc(raw) {
        std::borrow::Cow::Borrowed(raw)
    } else {
        std::borrow::Cow::Owned(raw.nfc().collect())
    }
}

pub(crate) fn push_char(out: &mut Normalised, typed: char, at: usize, reading: Reading) {
    if typed.is_ascii() {
        // The common path: ASCII needs neither NFKC nor the tables.
        if typed.is_ascii_alphanumeric() {
            out.text.push(typed.to_ascii_uppercase());
            out.origins.push(Origin {
                raw: typed,
                at,
                change: Change::None,
            });
        }
        return;
    }
    let mut emit = |c: char, change: Change| {
        out.text.push(c);
        out.origins.push(Origin {
            raw: typed,
            at,
            change,
        });
    };
    for folded in std::iter::once(typed).nfkc() {
        for upper in folded.to_uppercase() {
            if let Some(d) = decimal_digit(upper) {
                let change = if upper.is_ascii_digit() {
                    Change::None
                } else {
                    Change::Digit
                };
                emit(char::from(b'0' + d), change);
            } else if let Some(d) = cjk_numeral(upper) {
                emit(char::from(b'0' + d), Change::Digit);
            } else if let Some(latin) = look_alike(upper)
                .filter(|_| reading == Reading::LookAlike || transliteration(upper).is_none())
            {
                // Greek has no second reading here: its look-alikes are read the same in both.
                emit(latin, Change::LookAlike);
            } else if let Some(latin) = transliteration(upper) {
                let change = if reading == Reading::Phonetic && look_alike(upper).is_some() {
                    Change::LookAlike
                } else {
                    Change::Transliterated
                };
                for c in latin.chars() {
                    emit(c, change);
                }
            } else if upper.is_ascii_alphanumeric() {
                emit(upper.to_ascii_uppercase(), Change::None);
            } else if upper.is_alphanumeric()
                && unicode_normalization::char::canonical_combining_class(upper) == 0
                && stable(upper)
            {
                // Combining marks that did not compose are dropped: kept, a second pass could
                // reorder them (canonical ordering), and a serial is not told apart by them.
                emit(upper, Change::None);
            }
            // Anything else (spaces, dashes, dots, marks, symbols) is a separator: dropped.
        }
    }
}

/// A character kept as it is must come out the same when normalised again (idempotence): not
/// every upper-case letter is its own upper case under NFKC (e.g. `ǅ`).
fn stable(c: char) -> bool {
    let mut again = std::iter::once(c).nfkc().flat_map(char::to_uppercase);
    again.next() == Some(c) && again.next().is_none()
}

/// The value of a Unicode decimal digit (general category Nd), any script.
pub fn decimal_digit(c: char) -> Option<u8> {
    let code = c as u32;
    let i = DIGIT_ZEROS.partition_point(|&zero| zero <= code);
    let zero = *DIGIT_ZEROS.get(i.checked_sub(1)?)?;
    (code - zero < 10).then(|| (code - zero) as u8)
}

fn cjk_numeral(c: char) -> Option<u8> {
    Some(match c {
        '〇' | '零' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// Capital Cyrillic and Greek letters that look like a Latin capital.
fn look_alike(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic
        'А' => 'A',
        'В' => 'B',
        'Е' => 'E',
        'Ѕ' => 'S',
        'І' => 'I',
        'Ј' => 'J',
        'К' => 'K',
        'М' => 'M',
        'Н' => 'H',
        'О' => 'O',
        'Р' => 'P',
        'С' => 'C',
        'Т' => 'T',
        'У' => 'Y',
        'Х' => 'X',
        // Greek
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Ζ' => 'Z',
        'Η' => 'H',
        'Ι' => 'I',
        'Κ' => 'K',
        'Μ' => 'M',
        'Ν' => 'N',
        'Ο' => 'O',
        'Ρ' => 'P',
        'Τ' => 'T',
        'Υ' => 'Y',
        'Χ' => 'X',
        _ => return None,
    })
}

/// ICAO 9303 transliteration of capital Cyrillic letters.
fn transliteration(c: char) -> Option<&'static str> {
    Some(match c {
        'А' => "A",
        'Б' => "B",
        'В' => "V",
        'Г' => "G",
        'Д' => "D",
        'Е' | 'Ё' | 'Э' | 'Є' => "E",
        'Ж' => "ZH",
        'З' => "Z",
        'И' | 'Й' | 'І' => "I",
        'Ї' => "I",
        'Ј' => "J",
        'К' => "K",
        'Л' => "L",
        'М' => "M",
        'Н' => "N",
        'О' => "O",
        'П' => "P",
        'Р' => "R",
        'С' | 'Ѕ' => "S",
        'Т' => "T",
        'У' | 'Ў' => "U",
        'Ф' => "F",
        'Х' => "KH",
        'Ц' => "TS",
        'Ч' => "CH",
        'Ш' => "SH",
        'Щ' => "SHCH",
        'Ъ' => "IE",
        'Ы' => "Y",
        'Ь' => "",
        'Ю' => "IU",
        'Я' => "IA",
        'Ґ' => "G",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_people_type_reads_as_the_same_serial() {
        for (typed, expected) in [
            ("TA 1234", "TA1234"),
            ("ТА1234", "TA1234"),
            ("52-01234", "5201234"),
            ("٣٤٥٦٧٨", "345678"),
            ("۳۴۵", "345"),
            ("５６-０１２３４５", "56012345"),
            ("ab.12/x", "AB12X"),
            ("рс 12", "PC12"),
            ("三四五", "345"),
        ] {
            assert_eq!(normalise(typed), expected, "{typed}");
        }
    }

    #[test]
    fn the_phonetic_reading_and_the_origins() {
        let n = normalise_with("РН-1Ж", Reading::Phonetic);
        assert_eq!(n.text, "RN1ZH");
        let n = normalise_with("Р٣", Reading::LookAlike);
        assert_eq!(n.text, "P3");
        assert_eq!(n.origins[0].raw, 'Р');
        assert_eq!(n.origins[0].change, Change::LookAlike);
        assert_eq!(n.origins[1].change, Change::Digit);
        assert_eq!(n.origins[1].at, 1);
        assert!(!normalise_with("ab-1", Reading::LookAlike).reinterpreted());
    }

    #[test]
    fn marks_left_over_after_composition_are_dropped() {
        // Found by the property tests: two marks of different classes came out in an order a
        // second pass would change; a dropped separator let two characters compose.
        for typed in ["\u{1e08f}\u{fe72}", "𑎋꜀\u{113c5}"] {
            let once = normalise(typed);
            assert_eq!(normalise(&once), once, "{typed:?}");
        }
        assert_eq!(normalise("\u{1e08f}\u{fe72}"), "");
    }

    #[test]
    fn composed_and_decomposed_letters_read_the_same() {
        assert_eq!(normalise("O\u{308}12345"), normalise("Ö12345"));
        assert_eq!(normalise("Ö12345"), "Ö12345");
        assert_eq!(normalise_with("ΤΑ1", Reading::Phonetic).text, "TA1");
    }

    #[test]
    fn every_script_s_digits() {
        assert_eq!(decimal_digit('0'), Some(0));
        assert_eq!(decimal_digit('٩'), Some(9));
        assert_eq!(decimal_digit('߀'), Some(0)); // N'Ko
        assert_eq!(decimal_digit('A'), None);
        assert_eq!(decimal_digit('\u{66A}'), None); // Arabic percent sign, just after the digits
    }
}
