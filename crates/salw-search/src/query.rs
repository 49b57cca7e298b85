//! The query parser: what an investigator types for a marking, as a pattern. Letters and
//! digits in any script are normalised (`normalise`); `?` stands for one unreadable
//! character, `*` for an unknown run (a lost prefix `*12345`, a lost suffix `52-0123*`);
//! everything else separates. A query with Cyrillic letters that read differently by shape
//! and by sound gets both readings.

use crate::normalise::{Change, Normalised, Origin, Reading, push_char};

/// The longest pattern searched (elements after normalisation); serials are far shorter.
pub const MAX_PATTERN: usize = 40;

// Every serial a registry accepts can be searched for, with room for letters that normalise
// to two (`ß` → `ss`).
const _: () = assert!(salw_core::weapon::MAX_SERIAL_ALNUM <= MAX_PATTERN);

/// One element of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    /// A normalised character (one byte of it, for the rare non-ASCII letters), with the
    /// index of its origin in `Pattern::text.origins`.
    Char { byte: u8, origin: usize },
    /// `?`: one character that could not be read; `at` is its position in the typed text.
    One { at: usize },
    /// `*`: any run, possibly empty.
    Run { at: usize },
}

/// A query in one reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub reading: Reading,
    pub elements: Vec<Element>,
    /// The normalised characters, with where each came from.
    pub text: Normalised,
}

impl Pattern {
    pub fn has_wildcards(&self) -> bool {
        self.elements
            .iter()
            .any(|e| !matches!(e, Element::Char { .. }))
    }
    pub fn has_run(&self) -> bool {
        self.elements
            .iter()
            .any(|e| matches!(e, Element::Run { .. }))
    }
    pub fn starts_with_run(&self) -> bool {
        matches!(self.elements.first(), Some(Element::Run { .. }))
    }
    pub fn ends_with_run(&self) -> bool {
        matches!(self.elements.last(), Some(Element::Run { .. }))
    }
    /// The number of characters a match must have at least (runs may be empty).
    pub fn fixed_len(&self) -> usize {
        self.elements
            .iter()
            .filter(|e| !matches!(e, Element::Run { .. }))
            .count()
    }
}

/// A parsed query: the text as typed and one pattern per reading (one unless the text has
/// Cyrillic letters with two readings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub typed: String,
    pub patterns: Vec<Pattern>,
    /// Set on the readings the search adds itself (a `*` for an end lost without one typed).
    pub affix: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the query has no letter or digit to search for")]
    Empty,
    #[error("the query has only {0} known character(s) besides `?` and `*`: give at least 2")]
    TooVague(usize),
    #[error("the query is too long ({0} characters after normalisation; at most {MAX_PATTERN})")]
    TooLong(usize),
}

pub fn parse(typed: &str) -> Result<Query, QueryError> {
    let mut patterns = vec![pattern(typed, Reading::LookAlike)];
    let phonetic = pattern(typed, Reading::Phonetic);
    if phonetic.text.text != patterns[0].text.text {
        patterns.push(phonetic);
    }
    let first = &patterns[0];
    let known = first.text.text.chars().count();
    if known == 0 && !first.has_wildcards() {
        return Err(QueryError::Empty);
    }
    if known < 2 && first.has_wildcards() {
        return Err(QueryError::TooVague(known));
    }
    if let Some(long) = patterns.iter().find(|p| p.elements.len() > MAX_PATTERN) {
        return Err(QueryError::TooLong(long.elements.len()));
    }
    if known == 0 {
        return Err(QueryError::Empty);
    }
    Ok(Query {
        typed: typed.to_owned(),
        patterns,
        affix: false,
    })
}

fn pattern(typed: &str, reading: Reading) -> Pattern {
    let mut text = Normalised::default();
    let mut elements = Vec::new();
    for (at, c) in crate::normalise::composed(typed).chars().enumerate() {
        match c {
            '?' | '？' => elements.push(Element::One { at }),
            '*' | '＊' | '…' => {
                // A run next to a run is the same run.
                if !matches!(elements.last(), Some(Element::Run { .. })) {
                    elements.push(Element::Run { at });
                }
            }
            _ => {
                let before = text.text.len();
                let first_origin = text.origins.len();
                push_char(&mut text, c, at, reading);
                // One element per byte of what this character became.
                let added: Vec<(u8, usize)> = text.text[before..]
                    .char_indices()
                    .enumerate()
                    .flat_map(|(k, (i, ch))| {
                        let origin = first_origin + k;
                        let start = before + i;
                        (start..start + ch.len_utf8()).map(move |b| (b, origin))
                    })
                    .map(|(b, origin)| (text.text.as_bytes()[b], origin))
                    .collect();
                elements.extend(
                    added
                        .into_iter()
                        .map(|(byte, origin)| Element::Char { byte, origin }),
                );
            }
        }
    }
    Pattern {
        reading,
        elements,
        text,
    }
}

/// What normalisation read differently from what was typed, in words, for the explanation.
/// Neighbouring characters of one script read the same way are said once ("Arabic-Indic
/// digits ٣٤٥ read as 345").
pub fn reinterpretations(text: &Normalised) -> Vec<String> {
    // (script, change, typed, became, last position typed)
    let mut groups: Vec<(&str, Change, String, String, usize)> = Vec::new();
    let mut last_at: Option<usize> = None;
    for (Origin { raw, at, change }, became) in text.origins.iter().zip(text.text.chars()) {
        if *change == Change::None {
            last_at = Some(*at);
            continue;
        }
        let script = script_of(*raw);
        match groups.last_mut() {
            // Another output character of the same typed one (Ж → ZH).
            Some(g) if last_at == Some(*at) && g.4 == *at => g.3.push(became),
            Some(g) if g.0 == script && g.1 == *change && g.4 + 1 == *at => {
                g.2.push(*raw);
                g.3.push(became);
                g.4 = *at;
            }
            _ => groups.push((script, *change, raw.to_string(), became.to_string(), *at)),
        }
        last_at = Some(*at);
    }
    groups
        .into_iter()
        .map(|(script, change, typed, became, _)| {
            let several = typed.chars().count() > 1;
            let what = match (change, several) {
                (Change::Digit, false) => format!("{script} digit"),
                (Change::Digit, true) => format!("{script} digits"),
                (_, false) => script.to_owned(),
                (_, true) => format!("{script} letters"),
            };
            format!("{} {typed} read as {became}", what.trim())
        })
        .collect()
}

fn script_of(c: char) -> &'static str {
    match c as u32 {
        0x0400..=0x04FF => "Cyrillic",
        0x0370..=0x03FF => "Greek",
        0x0660..=0x0669 => "Arabic-Indic",
        0x06F0..=0x06F9 => "Persian",
        0x0966..=0x096F => "Devanagari",
        0x4E00..=0x9FFF | 0x3007 => "CJK",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_and_readings() {
        let q = parse("52-01234?").expect("parse");
        assert_eq!(q.patterns.len(), 1);
        assert_eq!(q.patterns[0].text.text, "5201234");
        assert_eq!(q.patterns[0].elements.last(), Some(&Element::One { at: 8 }));
        let q = parse("**12345").expect("parse");
        assert!(q.patterns[0].starts_with_run());
        assert_eq!(q.patterns[0].elements.len(), 6);
        let q = parse("РН 12").expect("parse");
        let texts: Vec<_> = q.patterns.iter().map(|p| p.text.text.as_str()).collect();
        assert_eq!(texts, ["PH12", "RN12"]);
        assert_eq!(
            reinterpretations(&q.patterns[0].text),
            ["Cyrillic letters РН read as PH"]
        );
        assert_eq!(
            reinterpretations(&parse("Ж-1Р").expect("parse").patterns[0].text),
            ["Cyrillic Ж read as ZH", "Cyrillic Р read as P"]
        );
        assert_eq!(
            reinterpretations(&parse("٣4").expect("parse").patterns[0].text),
            ["Arabic-Indic digit ٣ read as 3"]
        );
        assert_eq!(
            reinterpretations(&parse("٣٤٥-٦").expect("parse").patterns[0].text),
            [
                "Arabic-Indic digits ٣٤٥ read as 345",
                "Arabic-Indic digit ٦ read as 6"
            ]
        );
    }

    #[test]
    fn bad_queries_say_why() {
        assert_eq!(parse(" - / "), Err(QueryError::Empty));
        assert_eq!(parse("*"), Err(QueryError::TooVague(0)));
        assert_eq!(parse("?A*"), Err(QueryError::TooVague(1)));
        assert!(matches!(
            parse(&"A".repeat(50)),
            Err(QueryError::TooLong(50))
        ));
        assert!(parse("A").is_ok(), "a one-character serial exists");
    }
}
