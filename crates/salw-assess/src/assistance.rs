//! Assistance: a gap becomes a need (area, description, indicative budget, priority, region);
//! donors' offers are recorded (areas, regions, budget range); needs and offers are matched;
//! a funded need becomes a project with its dates, budget, reports due and results.
//!
//! Matching rules: an offer fits a need when it covers the need's area (a module id such as
//! "05.20"), its regions are empty (anywhere) or include the need's region (compared without
//! regard to case), and the need's budget lies within the offer's range. A need that already
//! has a project is not offered again. Matches are listed by the need's priority (high
//! first), then the need's id, then the offer's id.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    High,
    Medium,
    Low,
}

impl std::str::FromStr for Priority {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_lowercase().as_str() {
            "high" => Ok(Priority::High),
            "medium" => Ok(Priority::Medium),
            "low" => Ok(Priority::Low),
            _ => Err(format!("'{s}' is not a priority; use high, medium or low")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Need {
    pub id: String,
    /// The module it is for (e.g. "05.20").
    pub area: String,
    pub description: String,
    /// Indicative budget, in US dollars.
    pub budget: u64,
    pub priority: Priority,
    pub region: String,
    /// The assessment and clause it comes from, when it comes from a gap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    pub id: String,
    pub donor: String,
    /// Module ids it funds.
    pub areas: Vec<String>,
    /// Regions it funds; empty: anywhere.
    #[serde(default)]
    pub regions: Vec<String>,
    pub budget_min: u64,
    pub budget_max: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Interim,
    Final,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportDue {
    pub kind: ReportKind,
    pub due: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub id: String,
    pub need: String,
    pub donor: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub budget: u64,
    pub reports: Vec<ReportDue>,
}

/// A result a project reports (weapons destroyed, officials trained…), with the persons by sex
/// where persons are counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectResult {
    pub project: String,
    pub what: String,
    pub count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub female: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub male: Option<u64>,
}

/// The longest text a field may hold (a spreadsheet cell holds 32,767 characters; a record is
/// kept for ever).
pub const MAX_TEXT: usize = 2000;

fn too_long(p: &mut Vec<String>, field: &str, value: &str) {
    if value.chars().count() > MAX_TEXT {
        p.push(format!("{field}: longer than {MAX_TEXT} characters"));
    }
}

/// Ids are written by people and named by other records: no space around them, short.
fn bad_id(p: &mut Vec<String>, field: &str, value: &str) {
    if value != value.trim() || value.chars().count() > 64 {
        p.push(format!(
            "{field}: '{value}' has spaces around it or is longer than 64 characters"
        ));
    }
}

impl Need {
    /// Problems with the need as given, each naming its field.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        bad_id(&mut p, "id", &self.id);
        too_long(&mut p, "description", &self.description);
        too_long(&mut p, "region", &self.region);
        for (field, value) in [
            ("id", &self.id),
            ("area", &self.area),
            ("description", &self.description),
            ("region", &self.region),
        ] {
            if value.trim().is_empty() {
                p.push(format!("{field}: required"));
            }
        }
        if self.budget == 0 {
            p.push("budget: must be more than 0".into());
        }
        p
    }
}

impl Offer {
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        bad_id(&mut p, "id", &self.id);
        too_long(&mut p, "donor", &self.donor);
        for r in &self.regions {
            too_long(&mut p, "regions", r);
        }
        for (field, value) in [("id", &self.id), ("donor", &self.donor)] {
            if value.trim().is_empty() {
                p.push(format!("{field}: required"));
            }
        }
        if self.areas.iter().all(|a| a.trim().is_empty()) {
            p.push("areas: name at least one module (e.g. 05.20)".into());
        }
        if self.budget_min > self.budget_max {
            p.push(format!(
                "budget: the lowest ({}) is above the highest ({})",
                self.budget_min, self.budget_max
            ));
        }
        p
    }
}

impl Project {
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        for (field, value) in [
            ("id", &self.id),
            ("need", &self.need),
            ("donor", &self.donor),
        ] {
            if value.trim().is_empty() {
                p.push(format!("{field}: required"));
            }
        }
        bad_id(&mut p, "id", &self.id);
        too_long(&mut p, "donor", &self.donor);
        if self.budget == 0 {
            p.push("budget: must be more than 0".into());
        }
        if !self.reports.iter().any(|r| r.kind == ReportKind::Final) {
            p.push("reports: a final report's due date is required".into());
        }
        if self.end < self.start {
            p.push(format!(
                "end: {} is before the start {}",
                self.end, self.start
            ));
        }
        for r in &self.reports {
            if r.due < self.start {
                p.push(format!(
                    "reports: {} is before the start {}",
                    r.due, self.start
                ));
            }
        }
        p
    }
}

impl ProjectResult {
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.what.trim().is_empty() {
            p.push("what: required".into());
        }
        too_long(&mut p, "what", &self.what);
        let persons = self.female.unwrap_or(0).checked_add(self.male.unwrap_or(0));
        if persons.is_none_or(|n| n > self.count) {
            p.push(format!(
                "female + male: {} + {} is more than the count {}",
                self.female.unwrap_or(0),
                self.male.unwrap_or(0),
                self.count
            ));
        }
        p
    }
}

/// An offer that fits a need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match {
    pub need: String,
    pub offer: String,
    pub donor: String,
    pub priority: Priority,
    pub area: String,
    pub budget: u64,
}

pub fn fits(need: &Need, offer: &Offer) -> bool {
    offer.areas.iter().any(|a| a.trim() == need.area.trim())
        && (offer.regions.is_empty()
            || offer
                .regions
                .iter()
                .any(|r| r.trim().eq_ignore_ascii_case(need.region.trim())))
        && (offer.budget_min..=offer.budget_max).contains(&need.budget)
}

/// Every fitting (need, offer) pair of the needs without a project.
pub fn matches(needs: &[Need], offers: &[Offer], projects: &[Project]) -> Vec<Match> {
    let mut open: Vec<&Need> = needs
        .iter()
        .filter(|n| !projects.iter().any(|p| p.need == n.id))
        .collect();
    open.sort_by(|a, b| a.priority.cmp(&b.priority).then(a.id.cmp(&b.id)));
    let mut offers: Vec<&Offer> = offers.iter().collect();
    offers.sort_by(|a, b| a.id.cmp(&b.id));
    open.iter()
        .flat_map(|n| {
            offers.iter().filter(|o| fits(n, o)).map(|o| Match {
                need: n.id.clone(),
                offer: o.id.clone(),
                donor: o.donor.clone(),
                priority: n.priority,
                area: n.area.clone(),
                budget: n.budget,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(id: &str, area: &str, budget: u64, priority: Priority, region: &str) -> Need {
        Need {
            id: id.into(),
            area: area.into(),
            description: format!("need {id}"),
            budget,
            priority,
            region: region.into(),
            assessment: None,
            clause: None,
        }
    }

    fn offer(id: &str, areas: &[&str], regions: &[&str], min: u64, max: u64) -> Offer {
        Offer {
            id: id.into(),
            donor: format!("donor {id}"),
            areas: areas.iter().map(|s| s.to_string()).collect(),
            regions: regions.iter().map(|s| s.to_string()).collect(),
            budget_min: min,
            budget_max: max,
        }
    }

    #[test]
    fn needs_and_offers_match_by_area_region_and_budget() {
        use Priority::*;
        let needs = [
            need("N1", "05.20", 120_000, Medium, "East Africa"),
            need("N2", "05.50", 40_000, High, "East Africa"),
            need("N3", "05.20", 900_000, High, "West Africa"),
            need("N4", "06.10", 10_000, Low, "East Africa"),
            // Region and budget fit O1 and O2, the area neither.
            need("N5", "05.31", 200_000, High, "East Africa"),
        ];
        let offers = [
            // Stockpiles and destruction, East Africa, 50k–500k.
            offer("O1", &["05.20", "05.50"], &["east africa"], 50_000, 500_000),
            // Anything in stockpiles anywhere, up to a million.
            offer("O2", &["05.20"], &[], 100_000, 1_000_000),
            // Gender, West Africa only.
            offer("O3", &["06.10"], &["West Africa"], 0, 50_000),
        ];
        let m = matches(&needs, &offers, &[]);
        let pairs: Vec<(&str, &str)> = m
            .iter()
            .map(|m| (m.need.as_str(), m.offer.as_str()))
            .collect();
        // N2: O1's range starts at 50k, 40k is below it: no match. N3 (high) first: only O2.
        // N1: O1 and O2. N4: O3 is for West Africa only. N5: no offer covers tracing.
        assert_eq!(pairs, [("N3", "O2"), ("N1", "O1"), ("N1", "O2")]);

        // Funded: N1 is not offered again.
        let project = Project {
            id: "P1".into(),
            need: "N1".into(),
            donor: "donor O1".into(),
            start: "2027-01-01".parse().expect("date"),
            end: "2027-12-31".parse().expect("date"),
            budget: 120_000,
            reports: vec![],
        };
        let m = matches(&needs, &offers, &[project]);
        assert_eq!(
            m.iter().map(|m| m.need.as_str()).collect::<Vec<_>>(),
            ["N3"]
        );
    }

    #[test]
    fn bad_needs_offers_and_projects_name_their_field() {
        let mut n = need("", "05.20", 0, Priority::Low, "x");
        n.description = " ".into();
        assert_eq!(
            n.problems(),
            [
                "id: required",
                "description: required",
                "budget: must be more than 0"
            ]
        );
        let o = offer("O", &[], &[], 10, 5);
        assert_eq!(o.problems().len(), 2);
        assert!(o.problems()[1].contains("above the highest"));
        let p = Project {
            id: "P ".into(),
            need: "N".into(),
            donor: "D".into(),
            start: "2027-01-01".parse().expect("date"),
            end: "2026-01-01".parse().expect("date"),
            budget: 1,
            reports: vec![ReportDue {
                kind: ReportKind::Interim,
                due: "2026-06-30".parse().expect("date"),
            }],
        };
        // The id has a space after it, the end is before the start, the report before the
        // start, and no final report is due.
        assert_eq!(p.problems().len(), 4, "{:?}", p.problems());
        let r = ProjectResult {
            project: "P".into(),
            what: "trained".into(),
            count: 10,
            female: Some(u64::MAX),
            male: Some(1),
        };
        assert!(r.problems()[0].starts_with("female + male"));
    }
}
