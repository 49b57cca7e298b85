//! The weighted edit distance between a pattern and a canonical key, as an automaton that the
//! FST index walks (pruning every branch that can no longer come within the budget), and as a
//! plain function for the keys outside the index (recent writes, the brute-force oracle).
//!
//! One row of the dynamic programme per key byte read; costs from `confusion`: substitution
//! (weak pairs cheaper), a missing or extra character, two neighbours swapped (restricted
//! Damerau), `?` matching any one byte free, `*` any run free.

use crate::confusion::{FULL, TRANSPOSE, WEAK, WEAK_PAIRS, canonical_byte};
use crate::query::{Element, MAX_PATTERN, Pattern};

const WIDTH: usize = MAX_PATTERN + 1;
const NEVER: u8 = u8::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Byte(u8),
    One,
    Run,
    /// One byte or none, free: a bounded stand-in for a leading `*` (see `bounded_front`).
    Opt,
}

/// What reading each key byte costs where the pattern has one known byte.
type CostRow = [u8; 256];

/// `SUBSTITUTION[b][raw]`: what reading the key byte `raw` costs where the pattern has the
/// canonical byte `b`. The walk asks this for every byte of every FST transition it follows;
/// one table for all patterns, computed at compile time (building a row per step for each
/// matcher cost more than some short walks).
static SUBSTITUTION: [CostRow; 256] = substitution_table();

const fn substitution_table() -> [CostRow; 256] {
    // `substitution(canonical_byte(raw), b)`, written so that it is cheap to evaluate at
    // compile time (a test compares the two on every pair): FULL, but 0 where `raw` reads as
    // `b`, and WEAK where it reads as `b`'s weak partner.
    let mut table = [[FULL; 256]; 256];
    let mut raw = 0;
    while raw < 256 {
        let c = canonical_byte(raw as u8);
        table[c as usize][raw] = 0;
        let mut i = 0;
        while i < WEAK_PAIRS.len() {
            let (a, b) = WEAK_PAIRS[i];
            if c == a {
                table[b as usize][raw] = WEAK;
            }
            if c == b {
                table[a as usize][raw] = WEAK;
            }
            i += 1;
        }
        raw += 1;
    }
    table
}

/// A pattern (forwards or reversed, on canonical bytes) and the most it may cost.
#[derive(Debug, Clone)]
pub struct Matcher {
    steps: Vec<Step>,
    budget: u8,
}

/// Where the walk stands after some key bytes: the last two rows and the last byte.
#[derive(Debug, Clone)]
pub struct State {
    prev: [u8; WIDTH],
    cur: [u8; WIDTH],
    last: Option<u8>,
}

impl Matcher {
    /// `reversed`: for the index of reversed keys (a query that starts with `*`).
    pub fn new(pattern: &Pattern, budget: u8, reversed: bool) -> Matcher {
        let mut steps: Vec<Step> = pattern
            .elements
            .iter()
            .map(|e| match *e {
                Element::Char { byte, .. } => Step::Byte(canonical_byte(byte)),
                Element::One { .. } => Step::One,
                Element::Run { .. } => Step::Run,
            })
            .collect();
        steps.truncate(MAX_PATTERN);
        if reversed {
            steps.reverse();
        }
        Matcher { steps, budget }
    }

    /// As `new` (forwards), with a leading `*` read as at most `most` unknown characters: a
    /// walk the index can prune, where an unbounded leading `*` visits every key.
    pub fn bounded_front(pattern: &Pattern, budget: u8, most: usize) -> Matcher {
        let mut m = Matcher::new(pattern, budget, false);
        if m.steps.first() == Some(&Step::Run) {
            let rest = m.steps.split_off(1);
            m.steps = std::iter::repeat_n(Step::Opt, most).chain(rest).collect();
            m.steps.truncate(MAX_PATTERN);
        }
        m
    }

    pub fn budget(&self) -> u8 {
        self.budget
    }

    /// The cost of matching the whole of `key`, or `None` when over the budget.
    pub fn cost(&self, key: &[u8]) -> Option<u8> {
        let mut state = self.first();
        for &b in key {
            if !self.alive(&state) {
                return None;
            }
            state = self.next(&state, b);
        }
        let cost = state.cur[self.steps.len()];
        (cost <= self.budget).then_some(cost)
    }

    fn first(&self) -> State {
        let mut cur = [NEVER; WIDTH];
        cur[0] = 0;
        for (j, step) in self.steps.iter().enumerate() {
            let skip = if matches!(step, Step::Run | Step::Opt) {
                0
            } else {
                FULL
            };
            cur[j + 1] = cur[j].saturating_add(skip);
        }
        State {
            prev: [NEVER; WIDTH],
            cur,
            last: None,
        }
    }

    fn next(&self, state: &State, raw: u8) -> State {
        let c = canonical_byte(raw);
        let cur = &state.cur;
        let mut new = [NEVER; WIDTH];
        new[0] = cur[0].saturating_add(FULL);
        for (j, step) in self.steps.iter().enumerate() {
            let j1 = j + 1;
            new[j1] = match *step {
                Step::Run => cur[j1].min(cur[j]).min(new[j]),
                Step::Opt => cur[j].min(new[j]).min(cur[j1].saturating_add(FULL)),
                Step::One => cur[j]
                    .min(cur[j1].saturating_add(FULL))
                    .min(new[j].saturating_add(FULL)),
                Step::Byte(b) => {
                    let mut best = cur[j]
                        .saturating_add(SUBSTITUTION[b as usize][raw as usize])
                        .min(cur[j1].saturating_add(FULL))
                        .min(new[j].saturating_add(FULL));
                    if j >= 1
                        && state.last == Some(b)
                        && b != c
                        && self.steps[j - 1] == Step::Byte(c)
                    {
                        best = best.min(state.prev[j - 1].saturating_add(TRANSPOSE));
                    }
                    best
                }
            };
        }
        State {
            prev: *cur,
            cur: new,
            last: Some(c),
        }
    }

    fn alive(&self, state: &State) -> bool {
        let within = |row: &[u8; WIDTH]| row[..=self.steps.len()].iter().any(|&c| c <= self.budget);
        // A swap half read costs more on the current row than it will once completed: alive
        // while the byte just read could be the second half of one (it matches the pattern one
        // step on, from a cell of the row before that is still within the budget).
        within(&state.cur)
            || state.last.is_some_and(|last| {
                (2..=self.steps.len()).any(|j1| {
                    self.steps[j1 - 1] == Step::Byte(last)
                        && state.prev[j1 - 2].saturating_add(TRANSPOSE) <= self.budget
                })
            })
    }
}

impl fst::Automaton for Matcher {
    type State = State;

    fn start(&self) -> State {
        self.first()
    }

    fn is_match(&self, state: &State) -> bool {
        state.cur[self.steps.len()] <= self.budget
    }

    fn can_match(&self, state: &State) -> bool {
        self.alive(state)
    }

    fn will_always_match(&self, state: &State) -> bool {
        // A trailing `*` takes whatever follows for free.
        self.steps.last() == Some(&Step::Run) && self.is_match(state)
    }

    fn accept(&self, state: &State, byte: u8) -> State {
        self.next(state, byte)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse;

    fn cost(query: &str, key: &str, budget: u8) -> Option<u8> {
        let q = parse(query).expect("parse");
        Matcher::new(&q.patterns[0], budget, false).cost(key.as_bytes())
    }

    #[test]
    fn the_table_is_the_substitution_cost_of_every_pair() {
        for b in 0..=255u8 {
            for raw in 0..=255u8 {
                assert_eq!(
                    SUBSTITUTION[b as usize][raw as usize],
                    crate::confusion::substitution(canonical_byte(raw), b),
                    "pattern byte {b}, key byte {raw}"
                );
            }
        }
    }

    #[test]
    fn costs_of_each_kind_of_difference() {
        assert_eq!(cost("52-01234", "5201234", 0), Some(0));
        assert_eq!(
            cost("S2O1234", "5201234", 0),
            Some(0),
            "strong misreads are free here"
        );
        assert_eq!(cost("5201284", "5201234", 20), Some(WEAK), "8 read for 3");
        assert_eq!(cost("5210234", "5201234", 20), Some(TRANSPOSE));
        assert_eq!(
            cost("649789", "694789", TRANSPOSE),
            Some(TRANSPOSE),
            "a swap within a tight budget"
        );
        assert_eq!(cost("520234", "5201234", 20), Some(FULL), "one missing");
        assert_eq!(cost("52012345", "5201234", 20), Some(FULL), "one extra");
        assert_eq!(cost("5201?34", "5201234", 0), Some(0));
        assert_eq!(cost("52??234", "5201234", 0), Some(0));
        assert_eq!(cost("*01234", "5201234", 0), Some(0));
        assert_eq!(cost("5201*", "5201234", 0), Some(0));
        assert_eq!(cost("5201*", "5301234", 0), None);
        assert_eq!(cost("9999999", "5201234", 20), None);
    }

    #[test]
    fn a_bounded_front_takes_at_most_so_many_characters() {
        let q = parse("*1234*").expect("parse");
        let m = Matcher::bounded_front(&q.patterns[0], 0, 3);
        assert_eq!(m.cost(b"1234"), Some(0));
        assert_eq!(m.cost(b"AB1234XYZ"), Some(0));
        assert_eq!(m.cost(b"ABC1234"), Some(0));
        assert_eq!(
            m.cost(b"ABCD1234"),
            None,
            "four in front is more than three"
        );
        assert_eq!(
            Matcher::new(&q.patterns[0], 0, false).cost(b"ABCD1234"),
            Some(0)
        );
    }

    #[test]
    fn the_reversed_matcher_reads_reversed_keys() {
        let q = parse("*1234").expect("parse");
        let m = Matcher::new(&q.patterns[0], 0, true);
        assert_eq!(m.cost(b"432125"), Some(0));
        assert_eq!(m.cost(b"532125"), None);
    }
}
