//! The checklists: modules of the standards as data, each clause a short practice in our own
//! words, a requirement or a recommendation. A checklist never changes once published: a new
//! version is a new name, so that an assessment always reads against the clauses it answered.

use serde::{Deserialize, Serialize};

/// The checklists this build knows, newest last: (name, JSON).
const CHECKLISTS: &[(&str, &str)] = &[(
    "mosaic-selfcheck-2026",
    include_str!("../checklists/mosaic-selfcheck-2026.json"),
)];

/// The checklist a new assessment uses.
pub const CURRENT: &str = "mosaic-selfcheck-2026";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A requirement.
    Shall,
    /// A recommendation.
    Should,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Shall => "shall",
            Level::Should => "should",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    pub id: String,
    pub level: Level,
    pub text: String,
    /// A figure of the registry shown beside the clause as evidence (salw_store::assessments
    /// names them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figure: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Module {
    pub id: String,
    pub title: String,
    pub clauses: Vec<Clause>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    pub checklist: String,
    pub version: u32,
    pub title: String,
    pub note: String,
    pub modules: Vec<Module>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChecklistError {
    #[error("no checklist named '{0}' (known: {known})", known = names().join(", "))]
    Unknown(String),
    #[error("checklist {0}: {1}")]
    Invalid(String, String),
}

/// The names of the checklists this build knows.
pub fn names() -> Vec<&'static str> {
    CHECKLISTS.iter().map(|(n, _)| *n).collect()
}

/// A checklist by name, read and checked (clause ids unique and under their module's id).
pub fn load(name: &str) -> Result<Checklist, ChecklistError> {
    let (_, text) = CHECKLISTS
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| ChecklistError::Unknown(name.to_owned()))?;
    let c: Checklist = serde_json::from_str(text)
        .map_err(|e| ChecklistError::Invalid(name.into(), e.to_string()))?;
    let mut seen = std::collections::BTreeSet::new();
    for m in &c.modules {
        for clause in &m.clauses {
            if !clause.id.starts_with(&format!("{}.", m.id)) || !seen.insert(clause.id.as_str()) {
                return Err(ChecklistError::Invalid(
                    name.into(),
                    format!(
                        "clause {} is a duplicate or outside module {}",
                        clause.id, m.id
                    ),
                ));
            }
        }
    }
    Ok(c)
}

impl Checklist {
    /// A clause and its module.
    pub fn clause(&self, id: &str) -> Option<(&Module, &Clause)> {
        self.modules
            .iter()
            .find_map(|m| m.clauses.iter().find(|c| c.id == id).map(|c| (m, c)))
    }

    pub fn module(&self, id: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.id == id)
    }

    /// Every figure a clause names.
    pub fn figures(&self) -> Vec<&str> {
        let mut f: Vec<&str> = self
            .modules
            .iter()
            .flat_map(|m| m.clauses.iter().filter_map(|c| c.figure.as_deref()))
            .collect();
        f.sort_unstable();
        f.dedup();
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_checklist_loads_and_covers_the_five_modules() {
        for name in names() {
            let c = load(name).expect("loads");
            let ids: Vec<&str> = c.modules.iter().map(|m| m.id.as_str()).collect();
            assert_eq!(ids, ["05.20", "05.30", "05.31", "05.50", "06.10"]);
            for m in &c.modules {
                assert!(m.clauses.len() >= 5, "{}", m.id);
            }
        }
        assert!(matches!(load("iso-9001"), Err(ChecklistError::Unknown(_))));
    }

    #[test]
    fn a_clause_is_found_with_its_module() {
        let c = load(CURRENT).expect("loads");
        let (m, clause) = c.clause("05.31.04").expect("clause");
        assert_eq!(m.id, "05.31");
        assert_eq!(clause.level, Level::Shall);
        assert!(c.clause("05.31.99").is_none());
    }
}
