//! Self-assessments and assistance, kept append-only (issue: self-assessment).
//!
//! An assessment is a name ("2026", "2027 review") and the entries people gave for its
//! clauses: each entry a status with its evidence, owner and due date; the latest entry for a
//! clause is the one that counts, the earlier ones stay. Needs, offers, projects and project
//! results are records that are never changed once kept (a changed need is a new need).
//! Scoring, ranking and matching are salw_assess's; this module checks what is given against
//! the checklist, keeps it, and reads the registry's figures a clause shows as evidence.

use std::collections::BTreeMap;

use salw_assess::assistance::{self, Need, Offer, Project, ProjectResult};
use salw_assess::checklist::{self, Checklist};
use salw_assess::score::Entry;
use serde::Serialize;

use crate::backend::{Backend, Result};
use crate::error::StoreError;
use crate::traces::TraceBackend;

/// One entry as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEntry {
    pub seq: i64,
    pub assessment: String,
    pub checklist: String,
    pub entry: Entry,
    /// The registry figure the clause names, as it stood when the entry was made ("98.0 %
    /// (294 of 300)"): the evidence the assessment saw, beside today's value.
    pub figure: Option<String>,
    pub entered_at: String,
    pub entered_by: String,
}

/// One assistance record as kept: `kind` is `need`, `offer`, `project` or `result`, `body` the
/// record as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssistanceRecord {
    pub seq: i64,
    pub kind: String,
    pub id: String,
    pub body: String,
    pub entered_at: String,
    pub entered_by: String,
}

pub trait AssessBackend: Backend + crate::stockpile::StockBackend {
    /// The entries of one assessment (every assessment when `None`), oldest first.
    fn assessment_entries(&mut self, assessment: Option<&str>) -> Result<Vec<StoredEntry>>;
    /// Appends an entry (the `seq` given is ignored); returns its sequence number.
    fn insert_assessment_entry(&mut self, entry: &StoredEntry) -> Result<i64>;
    /// Every assistance record, oldest first.
    fn assistance_records(&mut self) -> Result<Vec<AssistanceRecord>>;
    /// Appends a record; false (nothing written) when a need, offer or project of that id is
    /// kept already.
    fn insert_assistance_record(&mut self, record: &AssistanceRecord) -> Result<bool>;
    /// Individuals in the registry, and how many of them have their sex recorded.
    fn individuals_sex_recorded(&mut self) -> Result<(u64, u64)>;
    /// Weapons not destroyed, and how many of them await a unique mark.
    fn weapons_awaiting_mark(&mut self) -> Result<(u64, u64)>;
}

/// An assessment's name, checklist and size, for lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssessmentInfo {
    pub name: String,
    pub checklist: String,
    pub entries: usize,
    pub clauses: usize,
    pub last_entered_at: String,
}

pub fn assessments<B: AssessBackend + ?Sized>(backend: &mut B) -> Result<Vec<AssessmentInfo>> {
    let mut by_name: BTreeMap<String, (AssessmentInfo, std::collections::BTreeSet<String>)> =
        BTreeMap::new();
    for e in backend.assessment_entries(None)? {
        let (info, clauses) = by_name.entry(e.assessment.clone()).or_insert_with(|| {
            (
                AssessmentInfo {
                    name: e.assessment.clone(),
                    checklist: e.checklist.clone(),
                    entries: 0,
                    clauses: 0,
                    last_entered_at: String::new(),
                },
                Default::default(),
            )
        });
        info.entries += 1;
        info.last_entered_at = e.entered_at.clone();
        clauses.insert(e.entry.clause);
    }
    Ok(by_name
        .into_values()
        .map(|(mut info, clauses)| {
            info.clauses = clauses.len();
            info
        })
        .collect())
}

/// An assessment as it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub checklist: Checklist,
    /// The latest entry of each clause.
    pub entries: BTreeMap<String, Entry>,
    /// The registry figure each of those entries saw when it was made.
    pub figures_then: BTreeMap<String, String>,
}

/// An assessment as it stands: its checklist and the latest entry of each clause. A name with
/// no entry yet is a new assessment on the current checklist.
pub fn current<B: AssessBackend + ?Sized>(backend: &mut B, name: &str) -> Result<Assessment> {
    let kept = backend.assessment_entries(Some(name))?;
    let checklist_name = kept
        .first()
        .map(|e| e.checklist.clone())
        .unwrap_or_else(|| checklist::CURRENT.to_owned());
    let checklist = checklist::load(&checklist_name)
        .map_err(|e| StoreError::Corrupt(format!("assessment {name}: {e}")))?;
    let mut entries = BTreeMap::new();
    let mut figures_then = BTreeMap::new();
    for e in kept {
        match e.figure {
            Some(f) => figures_then.insert(e.entry.clause.clone(), f),
            None => figures_then.remove(&e.entry.clause),
        };
        entries.insert(e.entry.clause.clone(), e.entry);
    }
    Ok(Assessment {
        checklist,
        entries,
        figures_then,
    })
}

/// Checks entries against the assessment's checklist and keeps them all, in one transaction,
/// or none (`Ok(Err(problems))`, each naming its clause). An entry equal to the clause's
/// current one is not kept again. Returns how many were kept.
pub fn record<B: AssessBackend + TraceBackend + ?Sized>(
    backend: &mut B,
    name: &str,
    entries: &[Entry],
    by: &str,
    at: &str,
) -> Result<std::result::Result<usize, Vec<String>>> {
    let name = name.trim();
    let mut problems = Vec::new();
    if name.is_empty() || name.chars().count() > 80 || name.contains(['/', '\\']) {
        problems.push(format!(
            "assessment: '{name}' is not a name (1 to 80 characters, no slash)"
        ));
    }
    let Assessment {
        checklist,
        entries: now,
        ..
    } = current(backend, name)?;
    let mut seen = std::collections::BTreeSet::new();
    for e in entries {
        if checklist.clause(&e.clause).is_none() {
            problems.push(format!(
                "clause {}: not in checklist {}",
                e.clause, checklist.checklist
            ));
        } else if !seen.insert(e.clause.as_str()) {
            problems.push(format!("clause {}: given twice", e.clause));
        }
        for (field, value) in [
            ("note", &e.note),
            ("document", &e.document),
            ("owner", &e.owner),
        ] {
            if value.as_deref().is_some_and(|v| v.chars().count() > 2000) {
                problems.push(format!(
                    "clause {}: {field} is longer than 2000 characters",
                    e.clause
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let fresh: Vec<&Entry> = entries
        .iter()
        .filter(|e| now.get(&e.clause) != Some(*e))
        .collect();
    if fresh.is_empty() {
        return Ok(Ok(0));
    }
    // The evidence the registry gives now, kept with each entry whose clause names a figure.
    let figures = figures(backend, &checklist)?;
    let figure_of = |clause: &str| {
        let (_, c) = checklist.clause(clause)?;
        let f = figures.get(c.figure.as_deref()?)?;
        Some(f.value.clone().unwrap_or_else(|| f.detail.clone()))
    };
    backend.begin()?;
    for e in &fresh {
        let kept = StoredEntry {
            seq: 0,
            assessment: name.to_owned(),
            checklist: checklist.checklist.clone(),
            entry: (*e).clone(),
            figure: figure_of(&e.clause),
            entered_at: at.to_owned(),
            entered_by: by.to_owned(),
        };
        if let Err(err) = backend.insert_assessment_entry(&kept) {
            let _ = backend.rollback();
            return Err(err);
        }
    }
    backend.commit()?;
    Ok(Ok(fresh.len()))
}

/// A registry figure shown beside a clause as evidence, as computed now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub name: String,
    pub label: String,
    /// The figure in words ("97.9 % (979 of 1000)"); None when the registry cannot give it.
    pub value: Option<String>,
    /// Why there is no value, or how it is counted.
    pub detail: String,
}

fn share(part: u64, whole: u64) -> Option<String> {
    (whole > 0).then(|| {
        format!(
            "{:.1} % ({part} of {whole})",
            100.0 * part as f64 / whole as f64
        )
    })
}

/// The figures the checklist names, computed from the registry (each once).
pub fn figures<B: AssessBackend + TraceBackend + ?Sized>(
    backend: &mut B,
    checklist: &Checklist,
) -> Result<BTreeMap<String, Figure>> {
    let mut out = BTreeMap::new();
    let mut marking = None;
    for name in checklist.figures() {
        let (label, value, detail) = match name {
            "marking.uniquely_marked_share" | "marking.awaiting_mark" => {
                let (total, awaiting) = match marking {
                    Some(m) => m,
                    None => *marking.insert(backend.weapons_awaiting_mark()?),
                };
                if name == "marking.awaiting_mark" {
                    (
                        "weapons still awaiting a unique mark (not destroyed)",
                        Some(awaiting.to_string()),
                        "ITI para 9 follow-up, from the records".to_owned(),
                    )
                } else {
                    (
                        "weapons in the registry with a unique mark",
                        share(total.saturating_sub(awaiting), total),
                        "weapons with a unique mark over all weapons recorded, destroyed ones left out"
                            .to_owned(),
                    )
                }
            }
            "tracing.traced_share" => {
                let profile = salw_core::indicator::PROFILES[0];
                let sdg = crate::reports::sdg_16_4_2(backend, "1900-01-01", "9999-12-31", profile)?;
                (
                    "recovered arms whose origin was established (SDG 16.4.2, all years)",
                    share(sdg.numerator, sdg.denominator),
                    format!(
                        "profile {}: seized, found or surrendered arms in scope",
                        profile.name
                    ),
                )
            }
            "tracing.median_answer_days" => {
                let (median, n) = median_answer_days(backend)?;
                (
                    "median days to answer a trace request from another State",
                    median.map(|d| format!("{d} days ({n} answered)")),
                    if n == 0 {
                        "no request received has been answered yet".to_owned()
                    } else {
                        "from receipt to answer, requests received through salw's federation"
                            .to_owned()
                    },
                )
            }
            "persons.sex_recorded_share" => {
                let (individuals, recorded) = backend.individuals_sex_recorded()?;
                (
                    "individuals whose sex is recorded",
                    share(recorded, individuals),
                    "persons of kind individual with their sex recorded".to_owned(),
                )
            }
            "stock.counts_on_time" => {
                let today = chrono::Utc::now().date_naive();
                let armouries = crate::stockpile::armouries(backend, today)?;
                let on_time = armouries.iter().filter(|a| !a.count_overdue).count() as u64;
                let every = crate::stockpile::policy(backend)?.full_count_every_days;
                (
                    "armouries whose full stock count is not overdue",
                    share(on_time, armouries.len() as u64),
                    format!(
                        "armouries (organisations holding weapons) counted in full within the last {every} days, the node's count policy"
                    ),
                )
            }
            other => (
                "unknown figure",
                None,
                format!("this build cannot compute '{other}'"),
            ),
        };
        out.insert(
            name.to_owned(),
            Figure {
                name: name.to_owned(),
                label: label.to_owned(),
                value,
                detail,
            },
        );
    }
    Ok(out)
}

/// The median number of whole days from receiving a partner's trace request to answering it,
/// over the requests answered, and how many they are.
pub fn median_answer_days<B: TraceBackend + ?Sized>(
    backend: &mut B,
) -> Result<(Option<i64>, usize)> {
    let day = |at: &str| chrono::DateTime::parse_from_rfc3339(at).ok();
    let mut days = Vec::new();
    for trace in backend.traces()? {
        if trace.role != "received" {
            continue;
        }
        let steps = backend.trace_steps(&trace.id)?;
        let received = steps
            .iter()
            .find(|s| s.state == "received")
            .and_then(|s| day(&s.at));
        let answered = steps
            .iter()
            .find(|s| s.state == "answered")
            .and_then(|s| day(&s.at));
        if let (Some(r), Some(a)) = (received, answered) {
            days.push((a - r).num_days());
        }
    }
    days.sort_unstable();
    let n = days.len();
    let median = match n {
        0 => None,
        _ if n % 2 == 1 => Some(days[n / 2]),
        _ => Some((days[n / 2 - 1] + days[n / 2]) / 2),
    };
    Ok((median, n))
}

/// Needs, offers, projects and results as kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Assistance {
    pub needs: Vec<Need>,
    pub offers: Vec<Offer>,
    pub projects: Vec<Project>,
    pub results: Vec<ProjectResult>,
}

impl Assistance {
    pub fn matches(&self) -> Vec<assistance::Match> {
        assistance::matches(&self.needs, &self.offers, &self.projects)
    }
}

pub fn assistance<B: AssessBackend + ?Sized>(backend: &mut B) -> Result<Assistance> {
    let mut a = Assistance::default();
    for r in backend.assistance_records()? {
        let bad = |e: serde_json::Error| {
            StoreError::Corrupt(format!("assistance {} {}: {e}", r.kind, r.id))
        };
        match r.kind.as_str() {
            "need" => a.needs.push(serde_json::from_str(&r.body).map_err(bad)?),
            "offer" => a.offers.push(serde_json::from_str(&r.body).map_err(bad)?),
            "project" => a.projects.push(serde_json::from_str(&r.body).map_err(bad)?),
            "result" => a.results.push(serde_json::from_str(&r.body).map_err(bad)?),
            other => {
                return Err(StoreError::Corrupt(format!(
                    "assistance record of kind '{other}'"
                )));
            }
        }
    }
    Ok(a)
}

/// A need, offer, project or result to keep.
#[derive(Debug, Clone)]
pub enum AssistanceItem {
    Need(Need),
    Offer(Offer),
    Project(Project),
    Result(ProjectResult),
}

/// Checks an assistance item (its own fields, and what it refers to: a need's area and clause
/// in the current checklist, a project's need, a result's project) and keeps it; refused with
/// the problems, each naming its field, when anything is wrong or the id is taken.
pub fn keep<B: AssessBackend + ?Sized>(
    backend: &mut B,
    item: &AssistanceItem,
    by: &str,
    at: &str,
) -> Result<std::result::Result<(), Vec<String>>> {
    let held = assistance(backend)?;
    let checklist =
        checklist::load(checklist::CURRENT).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let (kind, id, mut problems, body) = match item {
        AssistanceItem::Need(n) => {
            let mut p = n.problems();
            if !n.area.trim().is_empty() && checklist.module(n.area.trim()).is_none() {
                p.push(format!(
                    "area: '{}' is not a module of {}",
                    n.area, checklist.checklist
                ));
            }
            if let Some(c) = &n.clause
                && checklist
                    .clause(c)
                    .is_none_or(|(m, _)| m.id != n.area.trim())
            {
                p.push(format!(
                    "clause: '{c}' is not a clause of module {}",
                    n.area
                ));
            }
            ("need", &n.id, p, serde_json::to_string(n))
        }
        AssistanceItem::Offer(o) => {
            let mut p = o.problems();
            for a in &o.areas {
                if checklist.module(a.trim()).is_none() {
                    p.push(format!(
                        "areas: '{a}' is not a module of {}",
                        checklist.checklist
                    ));
                }
            }
            ("offer", &o.id, p, serde_json::to_string(o))
        }
        AssistanceItem::Project(pr) => {
            let mut p = pr.problems();
            if !held.needs.iter().any(|n| n.id == pr.need) {
                p.push(format!("need: no need '{}'", pr.need));
            }
            if let Some(other) = held.projects.iter().find(|o| o.need == pr.need) {
                p.push(format!(
                    "need: '{}' is funded by project '{}' already",
                    pr.need, other.id
                ));
            }
            ("project", &pr.id, p, serde_json::to_string(pr))
        }
        AssistanceItem::Result(r) => {
            let mut p = r.problems();
            if !held.projects.iter().any(|pr| pr.id == r.project) {
                p.push(format!("project: no project '{}'", r.project));
            }
            ("result", &r.project, p, serde_json::to_string(r))
        }
    };
    let taken = match item {
        AssistanceItem::Need(_) => held.needs.iter().any(|n| &n.id == id),
        AssistanceItem::Offer(_) => held.offers.iter().any(|o| &o.id == id),
        AssistanceItem::Project(_) => held.projects.iter().any(|p| &p.id == id),
        AssistanceItem::Result(_) => false,
    };
    if taken {
        problems.push(format!(
            "id: a {kind} '{id}' is kept already (records are never changed; give a new id)"
        ));
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let body = body.map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let record = AssistanceRecord {
        seq: 0,
        kind: kind.to_owned(),
        id: id.clone(),
        body,
        entered_at: at.to_owned(),
        entered_by: by.to_owned(),
    };
    if backend.insert_assistance_record(&record)? {
        Ok(Ok(()))
    } else {
        Ok(Err(vec![format!("id: a {kind} '{id}' is kept already")]))
    }
}
