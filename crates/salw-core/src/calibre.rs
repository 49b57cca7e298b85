//! Calibres: the designation as marked stays verbatim; beside it, one canonical designation from
//! `data/calibres.csv` (the names people write for each calibre).

use std::collections::HashMap;
use std::sync::OnceLock;

static CALIBRES_CSV: &str = include_str!("../../../data/calibres.csv");

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

fn table() -> &'static HashMap<String, &'static str> {
    static TABLE: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map = HashMap::new();
        for line in CALIBRES_CSV.lines().skip(1) {
            let Some((canonical, aliases)) = line.split_once(',') else {
                continue;
            };
            map.insert(fold(canonical), canonical);
            for alias in aliases.split('|').filter(|a| !a.is_empty()) {
                map.entry(fold(alias)).or_insert(canonical);
            }
        }
        map
    })
}

/// The canonical designation of a calibre as written ("9mm Luger" → "9x19mm"), if known.
pub fn canonical(raw: &str) -> Option<&'static str> {
    table().get(&fold(raw)).copied()
}

/// Every canonical designation, for help texts.
pub fn canonical_names() -> Vec<&'static str> {
    let mut names: Vec<_> = table().values().copied().collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The bore in millimetres, read from a designation such as "120mm", "81 mm", "12.7x99mm" or
/// ".45 ACP". Gauges and unreadable designations give `None`.
pub fn bore_mm(designation: &str) -> Option<f64> {
    let s = designation.trim();
    let inches = s.starts_with('.');
    let number: String = s
        .trim_start_matches('.')
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    if number.is_empty() {
        return None;
    }
    let rest = s.trim_start_matches('.')[number.len()..]
        .trim_start()
        .to_lowercase();
    if inches {
        let value: f64 = format!("0.{number}").parse().ok()?;
        return Some(value * 25.4);
    }
    let value: f64 = number.parse().ok()?;
    if rest.starts_with("mm") || rest.starts_with('x') || rest.starts_with("×") {
        Some(value)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_map_to_canonical() {
        assert_eq!(canonical("9mm Luger"), Some("9x19mm"));
        assert_eq!(canonical("  9 MM  "), Some("9x19mm"));
        assert_eq!(canonical(".308 Win"), Some("7.62x51mm"));
        assert_eq!(canonical("82 mm"), Some("81mm"));
        assert_eq!(canonical("120mm"), Some("120mm"));
        assert_eq!(canonical("made up"), None);
    }

    #[test]
    fn bore_is_read_from_designations() {
        assert_eq!(bore_mm("120mm"), Some(120.0));
        assert_eq!(bore_mm("81 mm"), Some(81.0));
        assert_eq!(bore_mm("12.7x99mm"), Some(12.7));
        assert!(bore_mm(".45 ACP").is_some_and(|mm| (mm - 11.43).abs() < 0.01));
        assert_eq!(bore_mm("12 gauge"), None);
        assert_eq!(bore_mm("unknown"), None);
    }
}
