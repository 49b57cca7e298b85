//! Ranking and explanation (DESIGN.md "Marking search", step 5): a candidate found on the
//! canonical key is scored again on the normalised characters, where a strong misread costs a
//! little and so does each character nobody could read, and the cheapest alignment is spelled
//! out in the record's positions, so that the user sees on the serial itself what was read
//! differently.

use crate::confusion::{FULL, STRONG, TRANSPOSE, WEAK, canonical_byte, substitution_exact};
use crate::normalise::Change;
use crate::query::{Element, Pattern};

/// What a character covered by `?` or `*` costs in the ranking (free in the index walk): a
/// marking read whole ranks above one read in part.
pub const UNKNOWN: u32 = STRONG as u32;

/// What a `*` that covers nothing costs: the user typed it because characters were lost there,
/// so a serial with nothing in its place was read wrongly in that, as much as a character typed
/// that the record does not have (`*0786` ranks `80786` above a serial `0786`). Not the `*`s
/// of `*0123*`: typed at both ends, they say "a part of the serial, wherever it stands", and
/// an end of the serial may be an end of the part.
pub const EMPTY_RUN: u32 = FULL as u32;

/// The cheapest alignment of a pattern with a recorded serial (normalised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alignment {
    pub cost: u32,
    /// In words, in the order of the record's positions.
    pub explanation: Vec<String>,
    /// Positions (0-based characters of the normalised record) that were reinterpreted,
    /// unknown or different: what the interface highlights.
    pub marked: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Sub,
    /// The pattern's element was typed but the record has nothing there.
    Extra,
    /// The record has a character that was not typed.
    Missing,
    Swap,
    /// `?`, or `*` entering a run, covering a record character.
    Unknown,
    /// Inside a `*`: covers this record character and stays.
    RunStay,
    /// A `*` covering nothing more.
    RunSkip,
}

/// Aligns `pattern` with `record` (normalised text). The programme runs on bytes, as the index
/// does; positions are reported in characters.
pub fn align(pattern: &Pattern, record: &str) -> Alignment {
    let p = &pattern.elements;
    let t = record.as_bytes();
    let (m, n) = (p.len(), t.len());
    let inf = u32::MAX / 4;
    let w = n + 1;
    let mut d = vec![inf; (m + 1) * w];
    let mut how = vec![Op::Same; (m + 1) * w];
    d[0] = 0;
    for j in 1..=n {
        d[j] = d[j - 1] + u32::from(FULL);
        how[j] = Op::Missing;
    }
    let infix = pattern.starts_with_run() && pattern.ends_with_run();
    for i in 1..=m {
        let run = matches!(p[i - 1], Element::Run { .. });
        let empty_run = if infix && (i == 1 || i == m) {
            0
        } else {
            EMPTY_RUN
        };
        for j in 0..=n {
            let at = i * w + j;
            let mut best = (
                d[(i - 1) * w + j] + if run { empty_run } else { u32::from(FULL) },
                if run { Op::RunSkip } else { Op::Extra },
            );
            let mut consider = |cost: u32, op: Op| {
                if cost < best.0 {
                    best = (cost, op);
                }
            };
            if j >= 1 {
                let diag = d[(i - 1) * w + j - 1];
                match p[i - 1] {
                    Element::Run { .. } => {
                        consider(d[at - 1] + UNKNOWN, Op::RunStay);
                        consider(diag + UNKNOWN, Op::Unknown);
                    }
                    Element::One { .. } => {
                        consider(diag + UNKNOWN, Op::Unknown);
                        consider(d[at - 1] + u32::from(FULL), Op::Missing);
                    }
                    Element::Char { byte, .. } => {
                        let c = u32::from(substitution_exact(byte, t[j - 1]));
                        consider(diag + c, if c == 0 { Op::Same } else { Op::Sub });
                        consider(d[at - 1] + u32::from(FULL), Op::Missing);
                    }
                }
                if i >= 2
                    && j >= 2
                    && let Some(cost) = swap_cost(p[i - 2], p[i - 1], t[j - 2], t[j - 1])
                {
                    consider(d[(i - 2) * w + j - 2] + cost, Op::Swap);
                }
            }
            d[at] = best.0;
            how[at] = best.1;
        }
    }

    // Walk back, collecting what happened at each record position.
    let mut steps = Vec::new();
    let (mut i, mut j) = (m, n);
    while i > 0 || j > 0 {
        let op = if i == 0 { Op::Missing } else { how[i * w + j] };
        steps.push((op, i, j));
        match op {
            Op::Same | Op::Sub | Op::Unknown => (i, j) = (i - 1, j - 1),
            Op::Extra | Op::RunSkip => i -= 1,
            Op::Missing | Op::RunStay => j -= 1,
            Op::Swap => (i, j) = (i - 2, j - 2),
        }
    }
    steps.reverse();
    let (explanation, marked) = explain(pattern, record, &steps);
    Alignment {
        cost: d[m * w + n],
        explanation,
        marked,
    }
}

/// What reading record bytes `x y` as the typed pair `a b` costs when they are swapped: the
/// swap, plus a strong misread inside it.
fn swap_cost(a: Element, b: Element, x: u8, y: u8) -> Option<u32> {
    let (Element::Char { byte: a, .. }, Element::Char { byte: b, .. }) = (a, b) else {
        return None;
    };
    let (ca, cb, cx, cy) = (
        canonical_byte(a),
        canonical_byte(b),
        canonical_byte(x),
        canonical_byte(y),
    );
    if ca != cy || cb != cx || cx == cy {
        return None;
    }
    let misread = u32::from(a != y) + u32::from(b != x);
    Some(u32::from(TRANSPOSE) + misread * u32::from(STRONG))
}

fn explain(
    pattern: &Pattern,
    record: &str,
    steps: &[(Op, usize, usize)],
) -> (Vec<String>, Vec<usize>) {
    let p = &pattern.elements;
    let t = record.as_bytes();
    // Byte offset → character index, and the characters, for positions and display.
    let mut char_of = vec![0; t.len()];
    let chars: Vec<char> = record.chars().collect();
    for (k, (offset, c)) in record.char_indices().enumerate() {
        for slot in char_of.iter_mut().skip(offset).take(c.len_utf8()) {
            *slot = k;
        }
    }
    let at = |byte_index: usize| char_of.get(byte_index).copied().unwrap_or(0);
    let shown = |byte_index: usize| chars.get(at(byte_index)).copied().unwrap_or('?');
    let typed = |b: u8| {
        if b.is_ascii() {
            char::from(b).to_string()
        } else {
            "a character".to_owned()
        }
    };

    let mut explanation: Vec<String> = Vec::new();
    let mut marked: Vec<usize> = Vec::new();
    let mut unknown: Vec<usize> = Vec::new();
    let flush = |unknown: &mut Vec<usize>, explanation: &mut Vec<String>| {
        unknown.dedup();
        if let (Some(first), Some(last)) = (unknown.first(), unknown.last()) {
            explanation.push(if first == last {
                format!("position {} unknown", first + 1)
            } else {
                format!("positions {}–{} unknown", first + 1, last + 1)
            });
        }
        unknown.clear();
    };
    let say = |explanation: &mut Vec<String>, line: String| {
        if explanation.last() != Some(&line) {
            explanation.push(line);
        }
    };
    for &(op, i, j) in steps {
        if !matches!(op, Op::Unknown | Op::RunStay) {
            flush(&mut unknown, &mut explanation);
        }
        match op {
            Op::Same => {
                // Read from another script: the same character, but shown as reinterpreted.
                if let Element::Char { origin, .. } = p[i - 1]
                    && pattern
                        .text
                        .origins
                        .get(origin)
                        .is_some_and(|o| o.change != Change::None)
                {
                    marked.push(at(j - 1));
                }
            }
            Op::RunSkip
                if pattern.starts_with_run()
                    && pattern.ends_with_run()
                    && (i == 1 || i == p.len()) => {}
            Op::RunSkip => {
                let line = if j == 0 {
                    "nothing in the record where * was typed before position 1".to_owned()
                } else if j == t.len() {
                    format!(
                        "nothing in the record where * was typed after position {}",
                        at(j - 1) + 1
                    )
                } else {
                    format!(
                        "nothing in the record where * was typed between positions {} and {}",
                        at(j - 1) + 1,
                        at(j) + 1
                    )
                };
                say(&mut explanation, line);
            }
            Op::Unknown | Op::RunStay => {
                unknown.push(at(j - 1));
                marked.push(at(j - 1));
            }
            Op::Sub => {
                let Element::Char { byte, .. } = p[i - 1] else {
                    continue;
                };
                let r = t[j - 1];
                let pos = at(j - 1);
                marked.push(pos);
                let cost = substitution_exact(byte, r);
                let line = if cost == STRONG {
                    format!(
                        "position {}: read {} as {}",
                        pos + 1,
                        typed(byte),
                        shown(j - 1)
                    )
                } else if cost == WEAK {
                    format!(
                        "position {}: {} typed, the record has {} (similar shapes)",
                        pos + 1,
                        typed(byte),
                        shown(j - 1)
                    )
                } else {
                    format!(
                        "position {}: {} typed, the record has {}",
                        pos + 1,
                        typed(byte),
                        shown(j - 1)
                    )
                };
                say(&mut explanation, line);
            }
            Op::Swap => {
                let (Element::Char { byte: a, .. }, Element::Char { byte: b, .. }) =
                    (p[i - 2], p[i - 1])
                else {
                    continue;
                };
                let (first, second) = (at(j - 2), at(j - 1));
                marked.extend([first, second]);
                say(
                    &mut explanation,
                    format!(
                        "positions {}–{}: {}{} typed, the record has {}{} (swapped)",
                        first + 1,
                        second + 1,
                        typed(a),
                        typed(b),
                        shown(j - 2),
                        shown(j - 1)
                    ),
                );
            }
            Op::Extra => {
                let what = match p[i - 1] {
                    Element::Char { byte, .. } => typed(byte),
                    Element::One { .. } => "an unreadable character (?)".to_owned(),
                    Element::Run { .. } => continue,
                };
                let line = if j == 0 {
                    format!("{what} typed before position 1 is not in the record")
                } else {
                    format!(
                        "{what} typed after position {} is not in the record",
                        at(j - 1) + 1
                    )
                };
                say(&mut explanation, line);
            }
            Op::Missing => {
                let pos = at(j - 1);
                marked.push(pos);
                say(
                    &mut explanation,
                    format!(
                        "position {}: {} in the record was not typed",
                        pos + 1,
                        shown(j - 1)
                    ),
                );
            }
        }
    }
    flush(&mut unknown, &mut explanation);
    marked.dedup();
    (explanation, marked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::normalise;
    use crate::query::parse;

    fn explain(query: &str, record: &str) -> (u32, Vec<String>) {
        let q = parse(query).expect("parse");
        let a = align(&q.patterns[0], &normalise(record));
        (a.cost, a.explanation)
    }

    #[test]
    fn positions_count_characters_in_records_of_other_scripts() {
        // Greek Φ and Ψ have no Latin look-alike: they stay, two bytes each.
        let q = parse("Φ1234").expect("parse");
        let a = align(&q.patterns[0], &normalise("Ψ1234"));
        assert_eq!(a.marked, vec![0]);
        assert!(
            a.explanation.iter().all(|l| l.starts_with("position 1:")),
            "{:?}",
            a.explanation
        );
        assert!(
            a.explanation.iter().any(|l| l.contains('Ψ')),
            "{:?}",
            a.explanation
        );
        let q = parse("Ψ1235").expect("parse");
        let a = align(&q.patterns[0], &normalise("Ψ1234"));
        assert_eq!(
            a.explanation,
            vec!["position 5: 5 typed, the record has 4".to_owned()]
        );
        assert_eq!(a.marked, vec![4]);
    }

    #[test]
    fn each_difference_is_said_in_the_record_s_positions() {
        assert_eq!(explain("52-01234", "5201234"), (0, vec![]));
        assert_eq!(
            explain("52O1234", "5201234"),
            (STRONG as u32, vec!["position 3: read O as 0".to_owned()])
        );
        assert_eq!(
            explain("??01234", "5201234"),
            (2 * UNKNOWN, vec!["positions 1–2 unknown".to_owned()])
        );
        assert_eq!(
            explain("*01234", "5201234"),
            (2 * UNKNOWN, vec!["positions 1–2 unknown".to_owned()])
        );
        assert_eq!(
            explain("520123*", "5201234"),
            (UNKNOWN, vec!["position 7 unknown".to_owned()])
        );
        // A `*` says characters were lost there: a record with nothing in its place ranks
        // below one with up to nine characters there.
        assert_eq!(
            explain("*01234", "01234"),
            (
                EMPTY_RUN,
                vec!["nothing in the record where * was typed before position 1".to_owned()]
            )
        );
        assert_eq!(
            explain("5201*", "52-01"),
            (
                EMPTY_RUN,
                vec!["nothing in the record where * was typed after position 4".to_owned()]
            )
        );
        assert_eq!(
            explain("52*01", "5201"),
            (
                EMPTY_RUN,
                vec![
                    "nothing in the record where * was typed between positions 2 and 3".to_owned()
                ]
            )
        );
        assert!(explain("*01234", "ABC01234").0 < EMPTY_RUN);
        // `*0123*`: a part of the serial, which may end where the serial does.
        assert_eq!(
            explain("*01234*", "5201234"),
            (2 * UNKNOWN, vec!["positions 1–2 unknown".to_owned()])
        );
        assert_eq!(explain("*01234*", "01234"), (0, vec![]));
        assert_eq!(
            explain("*01*234*", "01234").0,
            EMPTY_RUN,
            "a `*` inside still says characters were lost there"
        );
        assert_eq!(
            explain("5201234?", "5201234"),
            (
                FULL as u32,
                vec![
                    "an unreadable character (?) typed after position 7 is not in the record"
                        .to_owned()
                ]
            )
        );
        assert_eq!(
            explain("X5201234", "5201234"),
            (
                FULL as u32,
                vec!["X typed before position 1 is not in the record".to_owned()]
            )
        );
        assert_eq!(
            explain("52I0234", "5201234"),
            (
                TRANSPOSE as u32 + STRONG as u32,
                vec!["positions 3–4: I0 typed, the record has 01 (swapped)".to_owned()]
            )
        );
        assert_eq!(
            explain("5210234", "5201234"),
            (
                TRANSPOSE as u32,
                vec!["positions 3–4: 10 typed, the record has 01 (swapped)".to_owned()]
            )
        );
        assert_eq!(
            explain("5201834", "5201234"),
            (
                FULL as u32,
                vec!["position 5: 8 typed, the record has 2".to_owned()]
            )
        );
        assert_eq!(
            explain("5201238", "5201233"),
            (
                WEAK as u32,
                vec!["position 7: 8 typed, the record has 3 (similar shapes)".to_owned()]
            )
        );
        assert_eq!(
            explain("520234", "5201234"),
            (
                FULL as u32,
                vec!["position 4: 1 in the record was not typed".to_owned()]
            )
        );
    }
}
