//! Scores and gaps. The rules, written here once and tested by hand:
//!
//! - A clause's status is met, partly met, not met or not applicable; a clause with no status
//!   yet is "not assessed".
//! - A module's score, for its requirements and for its recommendations apart, is
//!   (met + ½ · partly met) / (met + partly met + not met), in percent with one decimal. Not
//!   applicable and not assessed clauses are left out of it (the second are counted beside it,
//!   so that a high score over few clauses shows as such). No assessed clause: no score.
//! - A gap is a clause not met or partly met. Its weight is the level's (requirement 2,
//!   recommendation 1) times the shortfall (not met 2, partly met 1): 4, 2, 2 or 1. Gaps are
//!   ranked by weight, then by due date (earliest first, so overdue ones, due before the day of
//!   ranking, come first; none last), then by clause id.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::checklist::{Checklist, Level};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    PartlyMet,
    NotMet,
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Met,
        Status::PartlyMet,
        Status::NotMet,
        Status::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::PartlyMet => "partly_met",
            Status::NotMet => "not_met",
            Status::NotApplicable => "not_applicable",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::PartlyMet => "partly met",
            Status::NotMet => "not met",
            Status::NotApplicable => "not applicable",
        }
    }
}

/// Read as people write it (`partly met`), as `FromStr` does.
impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for Status {
    type Err = String;
    /// Accepts the stored words and the labels (`partly met`, `partly-met`).
    fn from_str(s: &str) -> Result<Self, String> {
        let word = s.trim().to_lowercase().replace([' ', '-'], "_");
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == word)
            .ok_or_else(|| {
                format!("'{s}' is not a status; use met, partly_met, not_met or not_applicable")
            })
    }
}

/// What an assessment says of one clause (the latest entry for it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub clause: String,
    pub status: Status,
    /// Evidence: a note in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Evidence: a document (its title, reference or address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// Who is to close the gap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
}

/// Counts and score of one level of one module.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LevelScore {
    pub met: u32,
    pub partly_met: u32,
    pub not_met: u32,
    pub not_applicable: u32,
    pub not_assessed: u32,
    /// Percent, one decimal; None when no applicable clause is assessed.
    pub score: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModuleScore {
    pub module: String,
    pub title: String,
    pub requirements: LevelScore,
    pub recommendations: LevelScore,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub rank: usize,
    pub module: String,
    pub clause: String,
    pub level: Level,
    pub status: Status,
    pub weight: u32,
    pub text: String,
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
    pub overdue: bool,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Each module's score, in the checklist's order. Entries for clauses the checklist does not
/// have are ignored (the store refuses them on the way in).
pub fn score(checklist: &Checklist, entries: &BTreeMap<String, Entry>) -> Vec<ModuleScore> {
    checklist
        .modules
        .iter()
        .map(|m| {
            let mut levels = [LevelScore::default(), LevelScore::default()];
            for c in &m.clauses {
                let l = &mut levels[usize::from(c.level == Level::Should)];
                match entries.get(&c.id).map(|e| e.status) {
                    Some(Status::Met) => l.met += 1,
                    Some(Status::PartlyMet) => l.partly_met += 1,
                    Some(Status::NotMet) => l.not_met += 1,
                    Some(Status::NotApplicable) => l.not_applicable += 1,
                    None => l.not_assessed += 1,
                }
            }
            for l in &mut levels {
                let assessed = l.met + l.partly_met + l.not_met;
                l.score = (assessed > 0).then(|| {
                    round1(
                        100.0 * (f64::from(l.met) + f64::from(l.partly_met) / 2.0)
                            / f64::from(assessed),
                    )
                });
            }
            let [requirements, recommendations] = levels;
            ModuleScore {
                module: m.id.clone(),
                title: m.title.clone(),
                requirements,
                recommendations,
            }
        })
        .collect()
}

/// The gaps, ranked (see the module's rules); `today` decides what is overdue.
pub fn gaps(
    checklist: &Checklist,
    entries: &BTreeMap<String, Entry>,
    today: NaiveDate,
) -> Vec<Gap> {
    let mut gaps: Vec<Gap> = checklist
        .modules
        .iter()
        .flat_map(|m| m.clauses.iter().map(move |c| (m, c)))
        .filter_map(|(m, c)| {
            let e = entries.get(&c.id)?;
            let shortfall = match e.status {
                Status::NotMet => 2,
                Status::PartlyMet => 1,
                Status::Met | Status::NotApplicable => return None,
            };
            let level_weight = match c.level {
                Level::Shall => 2,
                Level::Should => 1,
            };
            Some(Gap {
                rank: 0,
                module: m.id.clone(),
                clause: c.id.clone(),
                level: c.level,
                status: e.status,
                weight: level_weight * shortfall,
                text: c.text.clone(),
                owner: e.owner.clone(),
                due: e.due,
                overdue: e.due.is_some_and(|d| d < today),
            })
        })
        .collect();
    gaps.sort_by(|a, b| {
        b.weight
            .cmp(&a.weight)
            .then(match (a.due, b.due) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then(a.clause.cmp(&b.clause))
    });
    for (i, g) in gaps.iter_mut().enumerate() {
        g.rank = i + 1;
    }
    gaps
}

/// One module's scores in two assessments (an earlier and a later), side by side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub module: String,
    pub title: String,
    pub requirements: (Option<f64>, Option<f64>),
    pub recommendations: (Option<f64>, Option<f64>),
}

pub fn compare(earlier: &[ModuleScore], later: &[ModuleScore]) -> Vec<Progress> {
    later
        .iter()
        .map(|l| {
            let e = earlier.iter().find(|e| e.module == l.module);
            Progress {
                module: l.module.clone(),
                title: l.title.clone(),
                requirements: (e.and_then(|e| e.requirements.score), l.requirements.score),
                recommendations: (
                    e.and_then(|e| e.recommendations.score),
                    l.recommendations.score,
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::{Clause, Module};

    /// Two modules written out by hand: A with 3 requirements and 1 recommendation, B with 2
    /// recommendations.
    fn small() -> Checklist {
        let clause = |id: &str, level| Clause {
            id: id.into(),
            level,
            text: format!("clause {id}"),
            figure: None,
        };
        Checklist {
            checklist: "test".into(),
            version: 1,
            title: "t".into(),
            note: "n".into(),
            modules: vec![
                Module {
                    id: "A".into(),
                    title: "Module A".into(),
                    clauses: vec![
                        clause("A.1", Level::Shall),
                        clause("A.2", Level::Shall),
                        clause("A.3", Level::Shall),
                        clause("A.4", Level::Should),
                    ],
                },
                Module {
                    id: "B".into(),
                    title: "Module B".into(),
                    clauses: vec![clause("B.1", Level::Should), clause("B.2", Level::Should)],
                },
            ],
        }
    }

    fn entries(list: &[(&str, Status, Option<&str>)]) -> BTreeMap<String, Entry> {
        list.iter()
            .map(|(c, s, due)| {
                (
                    c.to_string(),
                    Entry {
                        clause: c.to_string(),
                        status: *s,
                        note: None,
                        document: None,
                        owner: Some("registry unit".into()),
                        due: due.map(|d| d.parse().expect("date")),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn scores_count_partly_met_as_half_and_leave_out_not_applicable_and_not_assessed() {
        use Status::*;
        let e = entries(&[
            ("A.1", Met, None),
            ("A.2", PartlyMet, None),
            ("A.3", NotApplicable, None),
            ("A.4", NotMet, None),
            ("B.1", Met, None),
        ]);
        let s = score(&small(), &e);
        // A requirements: met 1, partly 1 → (1 + 0.5) / 2 = 75 %.
        assert_eq!(s[0].requirements.score, Some(75.0));
        assert_eq!(s[0].requirements.not_applicable, 1);
        // A recommendations: not met 1 → 0 % (a score, not "none").
        assert_eq!(s[0].recommendations.score, Some(0.0));
        // B: no requirement at all → no score; recommendations 1 of 1 assessed, 1 not assessed.
        assert_eq!(s[1].requirements.score, None);
        assert_eq!(s[1].recommendations.score, Some(100.0));
        assert_eq!(s[1].recommendations.not_assessed, 1);
        // Thirds round to one decimal: met, partly, not met → 1.5 / 3 = 50 %; met, not, not →
        // 33.3 %.
        let e = entries(&[
            ("A.1", Met, None),
            ("A.2", NotMet, None),
            ("A.3", NotMet, None),
        ]);
        assert_eq!(score(&small(), &e)[0].requirements.score, Some(33.3));
    }

    #[test]
    fn gaps_rank_by_weight_then_due_date_then_clause() {
        use Status::*;
        let today: NaiveDate = "2026-06-01".parse().expect("date");
        let e = entries(&[
            ("A.1", PartlyMet, Some("2026-12-31")), // shall × partly = 2
            ("A.2", NotMet, None),                  // shall × not = 4
            ("A.3", Met, None),                     // no gap
            ("A.4", NotMet, Some("2026-09-30")),    // should × not = 2
            ("B.1", PartlyMet, None),               // should × partly = 1
            ("B.2", NotMet, Some("2026-01-31")),    // should × not = 2, overdue
        ]);
        let g = gaps(&small(), &e, today);
        let order: Vec<(&str, u32, bool)> = g
            .iter()
            .map(|g| (g.clause.as_str(), g.weight, g.overdue))
            .collect();
        assert_eq!(
            order,
            [
                ("A.2", 4, false),
                ("B.2", 2, true),
                ("A.4", 2, false),
                ("A.1", 2, false),
                ("B.1", 1, false),
            ]
        );
        assert_eq!(
            g.iter().map(|g| g.rank).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
    }

    #[test]
    fn a_later_assessment_shows_beside_the_earlier() {
        use Status::*;
        let c = small();
        let before = score(
            &c,
            &entries(&[("A.1", NotMet, None), ("A.2", NotMet, None)]),
        );
        let after = score(
            &c,
            &entries(&[("A.1", Met, None), ("A.2", PartlyMet, None)]),
        );
        let p = compare(&before, &after);
        assert_eq!(p[0].requirements, (Some(0.0), Some(75.0)));
        assert_eq!(p[1].recommendations, (None, None));
    }

    #[test]
    fn statuses_read_as_people_write_them() {
        assert_eq!("Partly met".parse::<Status>(), Ok(Status::PartlyMet));
        assert_eq!(
            "not-applicable".parse::<Status>(),
            Ok(Status::NotApplicable)
        );
        assert!("done".parse::<Status>().unwrap_err().contains("'done'"));
    }
}
