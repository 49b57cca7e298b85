//! Reports read from a registry: the PoA/ITI report's figures for a period and the answers
//! people gave to its other questions (kept append-only by salw_store::reports, carried into
//! the next period's draft). The CLI and the server both draft the report through here.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use salw_core::questionnaire as q;
use salw_store::assessments::{self, AssessBackend};
use salw_store::traces::TraceBackend;
use salw_store::{Backend, reports};

use crate::Error;
use crate::poa::{self, Draft, Figures, Given, Template};

/// A report's period as people write it: a year (2024), years (2024-2025) or dates
/// (2024-01-01..2025-06-30); the first day and the last.
pub fn parse_period(text: &str) -> Result<(NaiveDate, NaiveDate), String> {
    let t = text.trim();
    let bad = || {
        format!(
            "'{t}' is not a period; write a year (2024), years (2024-2025) or dates (2024-01-01..2025-06-30)"
        )
    };
    let (from, to) = if let Some((a, b)) = t.split_once("..") {
        let day = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| bad());
        (day(a)?, day(b)?)
    } else {
        let (a, b) = t.split_once('-').unwrap_or((t, t));
        let year = |s: &str| {
            s.trim()
                .parse::<i32>()
                .ok()
                .filter(|y| (1900..=9999).contains(y))
                .ok_or_else(bad)
        };
        let (a, b) = (year(a)?, year(b)?);
        (
            NaiveDate::from_ymd_opt(a, 1, 1).ok_or_else(bad)?,
            NaiveDate::from_ymd_opt(b, 12, 31).ok_or_else(bad)?,
        )
    };
    if from > to {
        return Err(format!("{from} is after {to}"));
    }
    Ok((from, to))
}

/// What the registry knows of the period, for the report's questions with a source.
pub fn poa_figures<B: TraceBackend + ?Sized>(
    backend: &mut B,
    from: NaiveDate,
    to: NaiveDate,
    country: &str,
) -> Result<Figures, Error> {
    let facts = reports::period_facts(backend, from, to)?;
    let questionnaire = reports::questionnaire_of(&facts, from, to, country)?;
    // The UN 2018 metadata, the report's SDG 16.4 section's definition.
    let profile = salw_core::indicator::PROFILES[0];
    let sdg = reports::sdg_16_4_2(backend, &from.to_string(), &to.to_string(), profile)?;
    Ok(Figures {
        questionnaire: Some(questionnaire),
        events_by_kind: facts.events_by_kind,
        traces_by_outcome: facts.traces_by_outcome,
        weapons_total: facts.weapons_total,
        awaiting_mark: facts.inadequately_marked,
        sdg: (sdg.numerator, sdg.denominator, sdg.percent),
    })
}

/// The answers kept for the period (this period's, or carried from the last one).
pub fn poa_answers<B: Backend + ?Sized>(
    backend: &mut B,
    template: &Template,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<String, Given>, Error> {
    let current = reports::current_answers(
        backend,
        &template.template,
        &from.to_string(),
        &to.to_string(),
    )?;
    Ok(current
        .into_iter()
        .map(|(question, c)| {
            let carried_from = c
                .carried
                .then(|| format!("{}..{}", c.answer.period_from, c.answer.period_to));
            (
                question,
                Given {
                    value: c.answer.answer,
                    carried_from,
                },
            )
        })
        .collect())
}

/// The PoA report's question on the assistance a State needs.
const ASSISTANCE_NEEDED: &str = "11.1";

/// The PoA report's questions on destruction methods and on measures after diversion.
const DESTRUCTION_METHODS: &str = "7.7";
const DIVERSION_MEASURES: &str = "6.4";

/// "cutting: 2 batches, 130 weapons; …", with how they were witnessed and certified, for the
/// batches destroyed from `from` to `to`; `None` when there were none.
pub fn destruction_for_poa(
    batches: &[salw_store::stockpile::DestructionView],
    from: NaiveDate,
    to: NaiveDate,
) -> Option<String> {
    let in_period: Vec<_> = batches
        .iter()
        .filter(|d| (from..=to).contains(&d.batch.date))
        .collect();
    if in_period.is_empty() {
        return None;
    }
    let mut by_method: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for d in &in_period {
        let e = by_method.entry(d.batch.method.to_lowercase()).or_default();
        e.0 += 1;
        e.1 += d.batch.weapons.len();
    }
    let methods: Vec<String> = by_method
        .iter()
        .map(|(m, (b, w))| format!("{m}: {b} batch(es), {w} weapon(s)"))
        .collect();
    let certificates: Vec<&str> = in_period
        .iter()
        .map(|d| d.batch.certificate.as_str())
        .collect();
    let photographed = in_period.iter().filter(|d| !d.evidence.is_empty()).count();
    Some(format!(
        "{}. Each weapon was checked against the records before destruction (none under an open trace or held as evidence); each batch was witnessed by the persons named in its record and certified (certificates {}); {} of {} batch(es) have photographs taken after destruction, kept with their BLAKE3 hashes.",
        methods.join("; "),
        certificates.join(", "),
        photographed,
        in_period.len()
    ))
}

/// What followed the stock count discrepancies confirmed as losses or thefts from `from` to
/// `to`; `None` when there were none.
pub fn diversion_for_poa(
    discrepancies: &[salw_store::stockpile::DiscrepancyView],
    from: NaiveDate,
    to: NaiveDate,
) -> Option<String> {
    use salw_core::stockpile::{DiscrepancyStage, Resolution};
    let confirmed: Vec<_> = discrepancies
        .iter()
        .filter_map(|d| {
            let last = d.steps.last()?;
            match d.stage {
                DiscrepancyStage::Confirmed(r) if (from..=to).contains(&last.on) => Some(r),
                _ => None,
            }
        })
        .collect();
    if confirmed.is_empty() {
        return None;
    }
    let thefts = confirmed
        .iter()
        .filter(|r| **r == Resolution::Theft)
        .count();
    Some(format!(
        "{} stock count discrepancy(ies) were investigated and confirmed as diversion ({} theft(s), {} loss(es)); each weapon was reported lost or stolen in the national records, where it can be shared as an alert with partner States.",
        confirmed.len(),
        thefts,
        confirmed.len() - thefts
    ))
}

/// A self-assessment's report (salw_report::assessment), with an earlier one's scores beside
/// it when `compare` names one.
pub fn assessment_report<B: AssessBackend + TraceBackend + ?Sized>(
    backend: &mut B,
    name: &str,
    compare: Option<&str>,
    country: &str,
    today: NaiveDate,
) -> Result<crate::assessment::AssessmentReport, Error> {
    let now = assessments::current(backend, name)?;
    let figures = assessments::figures(backend, &now.checklist)?;
    let earlier = match compare {
        Some(other) => Some((other, assessments::current(backend, other)?)),
        None => None,
    };
    Ok(crate::assessment::build(
        name,
        country,
        &now,
        &figures,
        today,
        earlier.as_ref().map(|(n, a)| (*n, a)),
    ))
}

/// The report's draft from the registry: its figures and the answers kept.
pub fn poa_draft<B: TraceBackend + AssessBackend + ?Sized>(
    backend: &mut B,
    template: &Template,
    from: NaiveDate,
    to: NaiveDate,
    country: &str,
) -> Result<Draft, Error> {
    let figures = poa_figures(backend, from, to, country)?;
    let mut given = poa_answers(backend, template, from, to)?;
    // The assistance needed (question 11.1 of the 2024 template), proposed from the needs
    // recorded unless an answer was given for this period: to confirm or change, as a carried
    // answer is.
    if let Some(question) = template.question(ASSISTANCE_NEEDED)
        && question.source.is_none()
        && given
            .get(ASSISTANCE_NEEDED)
            .is_none_or(|g| g.carried_from.is_some())
        && let Some(text) = crate::assessment::needs_for_poa(&assessments::assistance(backend)?)
    {
        given.insert(
            ASSISTANCE_NEEDED.to_owned(),
            Given {
                value: text,
                carried_from: Some("the assistance needs recorded in this registry".to_owned()),
            },
        );
    }
    // Destruction methods (7.7) and measures after diversion (6.4), proposed from the
    // destruction batches and the stock count discrepancies of the period, in the same way.
    let destructions = salw_store::stockpile::destructions(backend)?;
    let discrepancies = salw_store::stockpile::discrepancies(backend)?;
    for (id, text) in [
        (
            DESTRUCTION_METHODS,
            destruction_for_poa(&destructions, from, to),
        ),
        (
            DIVERSION_MEASURES,
            diversion_for_poa(&discrepancies, from, to),
        ),
    ] {
        if let Some(text) = text
            && template.question(id).is_some_and(|q| q.source.is_none())
            && given.get(id).is_none_or(|g| g.carried_from.is_some())
        {
            given.insert(
                id.to_owned(),
                Given {
                    value: text,
                    carried_from: Some("the stockpile records of this registry".to_owned()),
                },
            );
        }
    }
    let period = q::Period {
        from: from.to_string(),
        to: to.to_string(),
    };
    poa::draft(template, &figures, &given, country, period).map_err(|problems| {
        // Kept answers were checked when given; this is a template that changed under them.
        Error::Template {
            template: template.template.clone(),
            message: problems.join("; "),
        }
    })
}

/// Keeps answers given for the period, after checking every one of them against the template
/// (nothing is kept when one is refused: `Ok(Err(problems))`, each problem naming its question).
/// Returns how many were new.
pub fn keep_poa_answers<B: Backend + ?Sized>(
    backend: &mut B,
    template: &Template,
    from: NaiveDate,
    to: NaiveDate,
    answers: &BTreeMap<String, String>,
    by: &str,
    at: &str,
) -> Result<Result<usize, Vec<String>>, Error> {
    if let Err(problems) = poa::check_answers(template, answers) {
        return Ok(Err(problems));
    }
    let kept = reports::record_answers(
        backend,
        &template.template,
        &from.to_string(),
        &to.to_string(),
        answers,
        by,
        at,
    )?;
    Ok(Ok(kept))
}
