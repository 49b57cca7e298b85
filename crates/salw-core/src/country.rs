//! Country codes: ISO 3166-1 alpha-2, plus the former States of ISO 3166-3 (SU, YU, CS, DD…),
//! which still appear in the marks of weapons made before they ceased to exist. The table is
//! generated from Debian's iso-codes by `scripts/gen-countries.py`.

use crate::countries_table::COUNTRIES;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    pub code: &'static str,
    pub name: &'static str,
    /// Set for a former State (ISO 3166-3): when its code was withdrawn.
    pub withdrawn: Option<&'static str>,
}

/// Looks a code up, ignoring case and surrounding spaces.
pub fn lookup(code: &str) -> Option<Country> {
    let wanted = code.trim().to_ascii_uppercase();
    COUNTRIES
        .binary_search_by(|(c, _, _)| (*c).cmp(wanted.as_str()))
        .ok()
        .map(|i| {
            let (code, name, withdrawn) = COUNTRIES[i];
            Country {
                code,
                name,
                withdrawn,
            }
        })
}

/// Checks a country code typed by a user and returns it in canonical (upper) case.
pub fn parse(code: &str) -> Result<&'static str, String> {
    lookup(code).map(|c| c.code).ok_or_else(|| {
        format!(
            "'{}' is not an ISO 3166-1 alpha-2 country code (or a former State's code of ISO 3166-3 such as SU, YU, CS, DD)",
            code.trim()
        )
    })
}

pub fn count() -> usize {
    COUNTRIES.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_and_former_states_are_known() {
        assert_eq!(parse("de"), Ok("DE"));
        assert_eq!(lookup("SU").and_then(|c| c.withdrawn), Some("1992-08-30"));
        assert!(lookup("YU").is_some() && lookup("DD").is_some() && lookup("CS").is_some());
        assert!(parse("XX").is_err());
        assert!(parse("").is_err());
        // A reassigned former code keeps its current meaning.
        assert_eq!(lookup("AI").map(|c| c.withdrawn), Some(None));
    }

    #[test]
    fn table_is_sorted_for_binary_search() {
        assert!(COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(count() > 250);
    }
}
