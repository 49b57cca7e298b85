//! The confusion costs (DESIGN.md "Marking search", step 2): which characters are misread for
//! which, and what each kind of difference costs. Costs are whole units; a full edit (a wrong,
//! missing or extra character) is `FULL`.

/// A character that is not what the record has, one that is missing, or one too many.
pub const FULL: u8 = 10;
/// A weak confusion (3/8, E/F, U/V, M/N…): likely on a worn mark, but not the same shape.
pub const WEAK: u8 = 4;
/// Two neighbours swapped, the commonest slip when copying a serial by hand.
pub const TRANSPOSE: u8 = 6;
/// A strong misread (O/0, I/1, S/5, B/8, Z/2, G/6): the canonical key does not see it at all;
/// the ranking charges a little, so that the exact reading ranks first.
pub const STRONG: u8 = 1;

/// The representative of a character's strong misread class, on normalised text (upper-case
/// ASCII): 0/O/D/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B.
pub const fn canonical_byte(b: u8) -> u8 {
    match b {
        b'O' | b'D' | b'Q' => b'0',
        b'I' | b'L' => b'1',
        b'Z' => b'2',
        b'S' => b'5',
        b'G' => b'6',
        b'B' => b'8',
        _ => b,
    }
}

/// The canonical key of normalised text: what the index is keyed by.
pub fn canonical(normalised: &str) -> Vec<u8> {
    normalised.bytes().map(canonical_byte).collect()
}

/// Weak pairs, on canonical bytes (so 3/8 also covers 3/B).
pub(crate) const WEAK_PAIRS: &[(u8, u8)] = &[
    (b'3', b'8'),
    (b'E', b'F'),
    (b'U', b'V'),
    (b'M', b'N'),
    (b'7', b'1'),
    (b'C', b'6'),
    (b'P', b'R'),
    (b'H', b'N'),
    (b'K', b'X'),
];

/// What reading `typed` where the record has `recorded` costs, both canonical bytes.
pub fn substitution(typed: u8, recorded: u8) -> u8 {
    if typed == recorded {
        0
    } else if WEAK_PAIRS
        .iter()
        .any(|&(a, b)| (a, b) == (typed, recorded) || (b, a) == (typed, recorded))
    {
        WEAK
    } else {
        FULL
    }
}

/// As `substitution`, on normalised (not canonical) characters: a strong misread costs
/// `STRONG`. For the ranking and its explanation.
pub fn substitution_exact(typed: u8, recorded: u8) -> u8 {
    if typed == recorded {
        0
    } else if canonical_byte(typed) == canonical_byte(recorded) {
        STRONG
    } else {
        substitution(canonical_byte(typed), canonical_byte(recorded))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_classes_vanish_weak_ones_cost_less() {
        assert_eq!(canonical("O1SB-Z6"), canonical("0158-26"));
        assert_eq!(substitution(b'3', b'8'), WEAK);
        assert_eq!(substitution(b'8', b'3'), WEAK);
        assert_eq!(substitution(b'3', b'4'), FULL);
        assert_eq!(substitution_exact(b'O', b'0'), STRONG);
        assert_eq!(substitution_exact(b'3', b'B'), WEAK);
        assert_eq!(substitution_exact(b'A', b'A'), 0);
    }
}
