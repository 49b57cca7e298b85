//! Figures computed from the records: SDG indicator 16.4.2 over a period (the rules are
//! salw_core::indicator's; this reads the recoveries from a backend), and its releases.

use std::collections::BTreeMap;

use salw_core::event::TraceOutcome;
use salw_core::indicator::{self, Indicator, Item, ItemKind, Profile, Route};
use serde::Serialize;

use crate::backend::{Backend, Result};
use crate::error::StoreError;
use crate::traces::TraceBackend;

pub const SDG_16_4_2: &str = "sdg-16-4-2";

/// The indicator over the recoveries from `from` to `to` (inclusive, YYYY-MM-DD).
pub fn sdg_16_4_2<B: Backend + ?Sized>(
    backend: &mut B,
    from: &str,
    to: &str,
    profile: Profile,
) -> Result<Indicator> {
    let mut items = Vec::new();
    backend.recoveries(from, to, &mut |r| {
        let route = match r.kind.as_str() {
            "seized" => Route::Seized,
            "found" => Route::Found,
            "surrendered" => Route::Surrendered,
            other => {
                return Err(StoreError::Corrupt(format!("a recovery of kind '{other}'")));
            }
        };
        let origin = match r.tracing.as_deref() {
            None => None,
            Some(text) => Some(
                text.parse::<TraceOutcome>()
                    .map_err(|e| StoreError::Corrupt(format!("a weapon's tracing outcome: {e}")))?,
            ),
        };
        items.push(Item {
            // The registry holds whole weapons; parts and ammunition are not records yet.
            kind: ItemKind::Weapon,
            route,
            criminal: r.criminal,
            calibre_mm: r.calibre.as_deref().and_then(indicator::calibre_mm),
            category: r.category,
            antique: r.antique,
            uniquely_marked: r.uniquely_marked,
            origin,
        });
        Ok(())
    })?;
    Ok(indicator::compute(&items, profile))
}

/// One part of a period (a calendar year) with its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartFigure {
    pub from: String,
    pub to: String,
    pub numerator: u64,
    pub denominator: u64,
    pub percent: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    pub from: String,
    pub to: String,
}

/// SDG 16.4.2 over a period, as the CLI's `--json` and the API give it: the figures at the top,
/// then the breakdowns, and with `by_year` each calendar year and the pooled figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SdgReport {
    pub indicator: &'static str,
    pub series: &'static str,
    pub numerator: u64,
    pub denominator: u64,
    pub percent: Option<f64>,
    pub period: Period,
    pub country: String,
    pub profile: &'static str,
    pub breakdowns: indicator::Breakdowns,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub years: Option<Vec<PartFigure>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pooled: Option<indicator::Pooled>,
    #[serde(skip)]
    pub whole: Indicator,
    #[serde(skip)]
    pub parts: Vec<Indicator>,
}

/// The calendar years of a period (dates YYYY-MM-DD), each cut to the period.
pub fn years_of(
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Vec<(chrono::NaiveDate, chrono::NaiveDate)> {
    use chrono::{Datelike, NaiveDate};
    (from.year()..=to.year())
        .filter_map(|y| {
            let start = NaiveDate::from_ymd_opt(y, 1, 1)?.max(from);
            let end = NaiveDate::from_ymd_opt(y, 12, 31)?.min(to);
            Some((start, end))
        })
        .collect()
}

pub fn sdg_report<B: Backend + ?Sized>(
    backend: &mut B,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    profile: Profile,
    by_year: bool,
    country: &str,
) -> Result<SdgReport> {
    let mut parts = Vec::new();
    let mut years = Vec::new();
    if by_year {
        for (f, t) in years_of(from, to) {
            let r = sdg_16_4_2(backend, &f.to_string(), &t.to_string(), profile)?;
            years.push(PartFigure {
                from: f.to_string(),
                to: t.to_string(),
                numerator: r.numerator,
                denominator: r.denominator,
                percent: r.percent,
            });
            parts.push(r);
        }
    }
    let whole = sdg_16_4_2(backend, &from.to_string(), &to.to_string(), profile)?;
    let pooled = by_year.then(|| {
        indicator::pool(
            &parts
                .iter()
                .map(|r| (r.numerator, r.denominator))
                .collect::<Vec<_>>(),
        )
    });
    Ok(SdgReport {
        indicator: "SDG 16.4.2",
        series: indicator::SERIES_CODE,
        numerator: whole.numerator,
        denominator: whole.denominator,
        percent: whole.percent,
        period: Period {
            from: from.to_string(),
            to: to.to_string(),
        },
        country: country.to_owned(),
        profile: whole.profile,
        breakdowns: whole.breakdowns.clone(),
        years: by_year.then_some(years),
        pooled,
        whole,
        parts,
    })
}

/// A released figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Release {
    pub seq: i64,
    pub indicator: String,
    pub period_from: String,
    pub period_to: String,
    pub profile: String,
    pub released_at: String,
    pub released_by: String,
    pub numerator: u64,
    pub denominator: u64,
    pub percent: Option<f64>,
    /// The whole computation, as JSON.
    pub figures: String,
    /// The release this one revises.
    pub revises: Option<i64>,
}

/// What `release` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Released {
    /// The first release of this period and profile.
    First { release: Release },
    /// The figures differ from the last release: a revision of it.
    Revision {
        release: Release,
        revises: Box<Release>,
    },
    /// The same figures as the last release: nothing new.
    Unchanged { release: Release },
}

/// Keeps a computed figure: a first release, a revision of the last one when the figures
/// differ, or nothing when they are the same. Refused for a period that has not ended by the
/// day of the release (`at`, RFC 3339): its figure is not yet the period's.
pub fn release<B: Backend + ?Sized>(
    backend: &mut B,
    from: &str,
    to: &str,
    computed: &Indicator,
    by: &str,
    at: &str,
) -> Result<Released> {
    if let Some(reason) = unfinished_period(to, at) {
        return Err(StoreError::Invalid(format!("to: {reason}")));
    }
    let previous = backend
        .releases(SDG_16_4_2, Some((from, to)), Some(computed.profile))?
        .into_iter()
        .max_by_key(|r| r.seq);
    if let Some(last) = &previous
        && last.numerator == computed.numerator
        && last.denominator == computed.denominator
    {
        return Ok(Released::Unchanged {
            release: last.clone(),
        });
    }
    let mut release = Release {
        seq: 0,
        indicator: SDG_16_4_2.to_owned(),
        period_from: from.to_owned(),
        period_to: to.to_owned(),
        profile: computed.profile.to_owned(),
        released_at: at.to_owned(),
        released_by: by.to_owned(),
        numerator: computed.numerator,
        denominator: computed.denominator,
        percent: computed.percent,
        figures: serde_json::to_string(computed)?,
        revises: previous.as_ref().map(|p| p.seq),
    };
    backend.begin()?;
    match backend.insert_release(&release) {
        Ok(seq) => {
            backend.commit()?;
            release.seq = seq;
        }
        Err(e) => {
            let _ = backend.rollback();
            return Err(e);
        }
    }
    Ok(match previous {
        None => Released::First { release },
        Some(revises) => Released::Revision {
            release,
            revises: Box::new(revises),
        },
    })
}

/// An answer a person gave to a report question for a period (the PoA/ITI report's questions
/// the registry cannot answer). Append-only: a later answer to the same question and period
/// replaces the earlier one in the draft, and both are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportAnswer {
    pub seq: i64,
    pub template: String,
    pub period_from: String,
    pub period_to: String,
    pub question: String,
    pub answer: String,
    pub entered_at: String,
    pub entered_by: String,
}

/// The answer a draft shows for a question: this period's latest, or else the latest of the
/// most recent earlier period (carried over, for the user to confirm or change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrentAnswer {
    pub answer: ReportAnswer,
    /// True when the answer was given for an earlier period.
    pub carried: bool,
}

/// The answers a draft of `template` for the period `from`..`to` shows, by question id.
/// Answers given for later periods are never carried back.
pub fn current_answers<B: Backend + ?Sized>(
    backend: &mut B,
    template: &str,
    from: &str,
    to: &str,
) -> Result<BTreeMap<String, CurrentAnswer>> {
    let mut current: BTreeMap<String, CurrentAnswer> = BTreeMap::new();
    for answer in backend.report_answers(template)? {
        let own = answer.period_from == from && answer.period_to == to;
        // An earlier period: one that ended before this one ends and began before it.
        let earlier = !own && answer.period_to.as_str() < to && answer.period_from.as_str() < from;
        if !own && !earlier {
            continue;
        }
        let better = match current.get(&answer.question) {
            None => true,
            Some(held) if own => held.carried || answer.seq > held.answer.seq,
            Some(held) => {
                held.carried
                    && (answer.period_to.as_str(), answer.seq)
                        > (held.answer.period_to.as_str(), held.answer.seq)
            }
        };
        if better {
            current.insert(
                answer.question.clone(),
                CurrentAnswer {
                    answer,
                    carried: !own,
                },
            );
        }
    }
    Ok(current)
}

/// Records the answers given for a period, in one transaction; an answer equal to the one
/// this period already has is not recorded again (a carried one is: that confirms it for this
/// period). The caller checks the answers against the template first. Returns how many were
/// recorded.
pub fn record_answers<B: Backend + ?Sized>(
    backend: &mut B,
    template: &str,
    from: &str,
    to: &str,
    answers: &BTreeMap<String, String>,
    by: &str,
    at: &str,
) -> Result<usize> {
    let current = current_answers(backend, template, from, to)?;
    let fresh: Vec<ReportAnswer> = answers
        .iter()
        .filter(|(question, value)| {
            current
                .get(*question)
                .is_none_or(|c| c.carried || c.answer.answer != value.trim())
        })
        .map(|(question, value)| ReportAnswer {
            seq: 0,
            template: template.to_owned(),
            period_from: from.to_owned(),
            period_to: to.to_owned(),
            question: question.clone(),
            answer: value.trim().to_owned(),
            entered_at: at.to_owned(),
            entered_by: by.to_owned(),
        })
        .collect();
    if fresh.is_empty() {
        return Ok(0);
    }
    backend.begin()?;
    for answer in &fresh {
        if let Err(e) = backend.insert_report_answer(answer) {
            let _ = backend.rollback();
            return Err(e);
        }
    }
    backend.commit()?;
    Ok(fresh.len())
}

/// What the questionnaire and the national report read of a period: recoveries with their
/// weapon's type, last tracing outcome (the one SDG 16.4.2 reads) and person, and the other
/// events of the period by kind. An event a correction superseded is not counted. Only the
/// period's recoveries are read in full; the counts come from the projections.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeriodFacts {
    pub questionnaire: salw_core::questionnaire::Facts,
    /// Events in the period by kind (`marked`, `destroyed`…), superseded ones left out.
    pub events_by_kind: std::collections::BTreeMap<String, u64>,
    /// Traced events in the period by outcome.
    pub traces_by_outcome: std::collections::BTreeMap<String, u64>,
    /// Weapons in the registry when computing.
    pub weapons_total: u64,
    /// Weapons still awaiting a unique mark (ITI para 9) when computing.
    pub inadequately_marked: u64,
}

pub fn period_facts<B: TraceBackend + ?Sized>(
    backend: &mut B,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<PeriodFacts> {
    use salw_core::category::UnodcType;
    use salw_core::person::Sex;
    use salw_core::questionnaire::{Facts, Recovered};

    let (from_s, to_s) = (from.to_string(), to.to_string());
    // Words the registry wrote itself: one it cannot read is a damaged record, not input.
    fn word<T: std::str::FromStr>(what: &str, value: &str) -> Result<T> {
        value
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("{what} '{value}' is not one salw knows")))
    }
    let mut recovered = Vec::new();
    backend.period_recoveries(&from_s, &to_s, &mut |r| {
        let route = match r.kind.as_str() {
            "seized" => Route::Seized,
            "found" => Route::Found,
            _ => Route::Surrendered,
        };
        let person = match &r.from_holder {
            Some((id, sex)) => Some((
                uuid::Uuid::parse_str(id).map_err(|_| {
                    StoreError::Corrupt(format!("from_holder '{id}' is not a UUID"))
                })?,
                sex.as_deref().map(|s| word::<Sex>("sex", s)).transpose()?,
            )),
            None => None,
        };
        recovered.push(Recovered {
            kind: ItemKind::Weapon,
            route,
            criminal: r.criminal,
            weapon_type: match &r.unodc_type {
                Some(t) => word("UNODC type", t)?,
                None => UnodcType::Other,
            },
            origin: r
                .tracing
                .as_deref()
                .map(|t| word::<TraceOutcome>("tracing outcome", t))
                .transpose()?,
            person,
        });
        Ok(())
    })?;
    let mut licensees = Vec::new();
    for (sex, n) in backend.licensees_by_sex()? {
        let sex = sex.as_deref().map(|s| word::<Sex>("sex", s)).transpose()?;
        licensees.extend(std::iter::repeat_n(sex, n as usize));
    }
    let counts = backend.period_event_counts(&from_s, &to_s)?;
    let (weapons_total, inadequately_marked) = backend.marking_counts()?;
    Ok(PeriodFacts {
        questionnaire: Facts {
            recovered,
            licensees,
            // The registry holds whole weapons; parts and ammunition are not records yet.
            parts_and_ammunition_recorded: false,
            international: Some(international_traces(backend, from, to)?),
        },
        events_by_kind: counts.by_kind,
        traces_by_outcome: counts.traces_by_outcome,
        weapons_total,
        inadequately_marked,
    })
}

/// International trace requests of the period, as the questionnaire and the PoA report count
/// them: `[sent, received, answered]`, where a request counts in the period it was sent or
/// received (its first `sent` or `received` step; a reminder repeats the state and does not
/// count again) and "answered" are the requests received in the period that this node has
/// answered since. Drafts never sent are not requests.
pub fn international_traces<B: TraceBackend + ?Sized>(
    backend: &mut B,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<[u64; 3]> {
    let mut counts = [0u64; 3];
    for trace in backend.traces()? {
        let steps = backend.trace_steps(&trace.id)?;
        // Steps are in order: the first with the trace's role is when it left or arrived.
        let Some(first) = steps.iter().find(|s| s.state == trace.role) else {
            continue;
        };
        let day = first
            .at
            .get(..10)
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .ok_or_else(|| {
                StoreError::Corrupt(format!("trace {}: step time '{}'", trace.id, first.at))
            })?;
        if day < from || day > to {
            continue;
        }
        match trace.role.as_str() {
            "sent" => counts[0] += 1,
            "received" => {
                counts[1] += 1;
                if steps.iter().any(|s| s.state == "answered") {
                    counts[2] += 1;
                }
            }
            _ => {}
        }
    }
    Ok(counts)
}

/// The questionnaire's tables over a period, checked: a computed table that fails the
/// questionnaire's own checks is a bug, reported as such rather than written out.
pub fn questionnaire<B: TraceBackend + ?Sized>(
    backend: &mut B,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    country: &str,
) -> Result<salw_core::questionnaire::Questionnaire> {
    let facts = period_facts(backend, from, to)?;
    questionnaire_of(&facts, from, to, country)
}

/// The questionnaire's tables from facts already gathered, checked.
pub fn questionnaire_of(
    facts: &PeriodFacts,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    country: &str,
) -> Result<salw_core::questionnaire::Questionnaire> {
    use salw_core::questionnaire as q;
    let computed = q::compute(
        &facts.questionnaire,
        q::Period {
            from: from.to_string(),
            to: to.to_string(),
        },
        country,
    );
    let problems = q::check(&computed);
    if let Some(p) = problems.first() {
        return Err(StoreError::Corrupt(format!(
            "the computed questionnaire fails its own check: {p}"
        )));
    }
    Ok(computed)
}

/// The exports and imports dated from `from` to `to` (inclusive), for the ATT report, read
/// from the projections. An event a correction superseded is left out; a replacing event
/// counts in its own right.
pub fn att_transfers<B: Backend + ?Sized>(
    backend: &mut B,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<Vec<salw_core::att::Transfer>> {
    use salw_core::att::{Direction, Transfer};

    let mut transfers = Vec::new();
    backend.period_transfers(&from.to_string(), &to.to_string(), &mut |t| {
        let direction = if t.kind == "exported" {
            Direction::Export
        } else {
            Direction::Import
        };
        let partner = t.country.ok_or_else(|| {
            StoreError::Corrupt(format!(
                "event {}: a {direction} without its partner country",
                t.event_id
            ))
        })?;
        transfers.push(Transfer {
            direction,
            partner,
            weapon_id: t.weapon_id.to_string(),
            weapon_reference: t.reference,
            category: t.category,
            calibre_mm: t.calibre.as_deref().and_then(indicator::calibre_mm),
        });
        Ok(())
    })?;
    Ok(transfers)
}

/// Why a figure for a period ending on `to` cannot be released on the day `at` (RFC 3339, or a
/// date) begins with: the period has not ended. Comparing the ISO dates as text is comparing
/// the days.
pub fn unfinished_period(to: &str, at: &str) -> Option<String> {
    let today = at.get(..10)?;
    (to >= today).then(|| {
        format!("the period ends on {to}, which is not over yet (today is {today}): a figure is released once its period has ended")
    })
}
