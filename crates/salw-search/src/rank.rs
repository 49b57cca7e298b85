//! Ranking and explanation (DESIGN.md "Marking search", step 5): a candidate found on the
//! canonical key is scored again on the normalised characters, where a strong misread costs a
//! little, and the cheapest alignment is spelled out position by position, in the record's
//! positions, so that the user sees on the serial itself what was read differently.

use crate::confusion::{FULL, STRONG, TRANSPOSE, WEAK, canonical_byte, substitution_exact};
use crate::normalise::Change;
use crate::query::{Element, Pattern};

/// The cheapest alignment of a pattern with a recorded serial (normalised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alignment {
    pub cost: u32,
    /// In words, in the order of the record's positions.
    pub explanation: Vec<String>,
    /// Positions (0-based, in the normalised record) that were reinterpreted, unknown or
    /// different: what the interface highlights.
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
    /// `?` or `*` covering record characters (a `*` may cover none).
    Unknown,
    /// Inside a `*`: covers this record character and stays.
    RunStay,
    RunSkip,
}

/// Aligns `pattern` with `record` (normalised text).
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
        d[j] = d[j - 1] + FULL as u32;
        how[j] = Op::Missing;
    }
    for i in 1..=m {
        let run = matches!(p[i - 1], Element::Run { .. });
        for j in 0..=n {
            let at = i * w + j;
            let mut best = (
                d[(i - 1) * w + j] + if run { 0 } else { FULL as u32 },
                if run { Op::RunSkip } else { Op::Extra },
            );
            if j >= 1 {
                let miss = d[at - 1] + FULL as u32;
                let diag = d[(i - 1) * w + j - 1];
                let candidates = match p[i - 1] {
                    Element::Run { .. } => {
                        // A run covers this record character (staying in the run or entering it).
                        [(d[at - 1], Op::RunStay), (diag, Op::Unknown)]
                    }
                    Element::One { .. } => [(diag, Op::Unknown), (miss, Op::Missing)],
                    Element::Char { byte, .. } => {
                        let c = substitution_exact(byte, t[j - 1]) as u32;
                        let op = if c == 0 { Op::Same } else { Op::Sub };
                        [(diag + c, op), (miss, Op::Missing)]
                    }
                };
                for (cost, op) in candidates {
                    if cost < best.0 {
                        best = (cost, op);
                    }
                }
                if i >= 2
                    && j >= 2
                    && let (Element::Char { byte: a, .. }, Element::Char { byte: b, .. }) =
                        (p[i - 1], p[i - 2])
                {
                    let (x, y) = (t[j - 2], t[j - 1]);
                    if canonical_byte(a) == canonical_byte(x)
                        && canonical_byte(b) == canonical_byte(y)
                        && canonical_byte(x) != canonical_byte(y)
                    {
                        let cost = d[(i - 2) * w + j - 2] + TRANSPOSE as u32;
                        if cost < best.0 {
                            best = (cost, Op::Swap);
                        }
                    }
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
            Op::Same | Op::Sub => (i, j) = (i - 1, j - 1),
            Op::Extra | Op::RunSkip => i -= 1,
            Op::Missing => j -= 1,
            Op::Swap => (i, j) = (i - 2, j - 2),
            Op::Unknown => (i, j) = (i - 1, j - 1),
            Op::RunStay => j -= 1,
        }
    }
    steps.reverse();

    let mut explanation = Vec::new();
    let mut marked = Vec::new();
    let mut unknown: Vec<usize> = Vec::new();
    let flush = |unknown: &mut Vec<usize>, explanation: &mut Vec<String>| {
        if let (Some(first), Some(last)) = (unknown.first(), unknown.last()) {
            explanation.push(if first == last {
                format!("position {} unknown", first + 1)
            } else {
                format!("positions {}–{} unknown", first + 1, last + 1)
            });
        }
        unknown.clear();
    };
    let shown = |b: u8| char::from(b).to_string();
    for &(op, i, j) in &steps {
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
                    marked.push(j - 1);
                }
            }
            Op::RunSkip => {}
            Op::Unknown | Op::RunStay => {
                unknown.push(j - 1);
                marked.push(j - 1);
            }
            Op::Sub => {
                let Element::Char { byte, .. } = p[i - 1] else {
                    continue;
                };
                let r = t[j - 1];
                marked.push(j - 1);
                let cost = substitution_exact(byte, r);
                explanation.push(if cost == STRONG {
                    format!("position {j}: read {} as {}", shown(byte), shown(r))
                } else if cost == WEAK {
                    format!(
                        "position {j}: {} typed, the record has {} (similar shapes)",
                        shown(byte),
                        shown(r)
                    )
                } else {
                    format!(
                        "position {j}: {} typed, the record has {}",
                        shown(byte),
                        shown(r)
                    )
                });
            }
            Op::Swap => {
                marked.extend([j - 2, j - 1]);
                explanation.push(format!(
                    "positions {}–{}: {}{} typed, the record has {}{}",
                    j - 1,
                    j,
                    shown(t[j - 1]),
                    shown(t[j - 2]),
                    shown(t[j - 2]),
                    shown(t[j - 1])
                ));
            }
            Op::Extra => {
                if let Element::Char { byte, .. } = p[i - 1] {
                    explanation.push(format!(
                        "{} typed after position {j} is not in the record",
                        shown(byte)
                    ));
                }
            }
            Op::Missing => {
                marked.push(j - 1);
                explanation.push(format!(
                    "position {j}: {} in the record was not typed",
                    shown(t[j - 1])
                ));
            }
        }
    }
    flush(&mut unknown, &mut explanation);
    Alignment {
        cost: d[m * w + n],
        explanation,
        marked,
    }
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
    fn each_difference_is_said_in_the_record_s_positions() {
        assert_eq!(explain("52-01234", "5201234"), (0, vec![]));
        assert_eq!(
            explain("52O1234", "5201234"),
            (STRONG as u32, vec!["position 3: read O as 0".to_owned()])
        );
        assert_eq!(
            explain("??01234", "5201234"),
            (0, vec!["positions 1–2 unknown".to_owned()])
        );
        assert_eq!(
            explain("*01234", "5201234"),
            (0, vec!["positions 1–2 unknown".to_owned()])
        );
        assert_eq!(
            explain("520123*", "5201234"),
            (0, vec!["position 7 unknown".to_owned()])
        );
        assert_eq!(
            explain("5210234", "5201234"),
            (
                TRANSPOSE as u32,
                vec!["positions 3–4: 10 typed, the record has 01".to_owned()]
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
