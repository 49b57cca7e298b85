//! Life-cycle events (DOMAIN.md §5): what happened to a weapon, when, where, by whom, and on
//! what legal basis. One flat record for every kind, so that a CSV row and a form field map to it
//! one to one; `check_fields` says which fields each kind needs and which it must not carry.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::country;
use crate::error::{Problems, ValidationError};
use crate::weapon::tidy;

word_enum! {
    pub enum EventKind {
        Manufactured => "manufactured",
        Marked => "marked",
        Exported => "exported",
        Imported => "imported",
        Transferred => "transferred",
        Issued => "issued",
        Returned => "returned",
        Inventoried => "inventoried",
        ReportedLost => "reported_lost",
        ReportedStolen => "reported_stolen",
        Recovered => "recovered",
        Seized => "seized",
        Found => "found",
        Surrendered => "surrendered",
        Traced => "traced",
        Deactivated => "deactivated",
        ReactivationDetected => "reactivation_detected",
        Destroyed => "destroyed",
        Corrected => "corrected",
    }
}

word_enum! {
    /// Only a seizure in connection with a criminal offence counts for SDG 16.4.2 (DOMAIN.md §7).
    pub enum SeizureBasis {
        CriminalOffence => "criminal_offence",
        AdministrativeViolation => "administrative_violation",
    }
}

word_enum! {
    /// How the holder obtained a seized weapon, where known.
    pub enum Acquisition {
        BoughtOnline => "bought_online",
        BoughtInPerson => "bought_in_person",
        Stolen => "stolen",
        DivertedFromState => "diverted_from_state",
        CraftMade => "craft_made",
        Inherited => "inherited",
        Other => "other",
        Unknown => "unknown",
    }
}

word_enum! {
    /// ITI paras 8–10: when a mark is applied.
    pub enum MarkingOccasion {
        Manufacture => "manufacture",
        Import => "import",
        StateToCivilian => "state_to_civilian",
        Confiscation => "confiscation",
        Deactivation => "deactivation",
        Unmarked => "unmarked",
    }
}

word_enum! {
    /// The tracing status the SDG indicator reads (DOMAIN.md §7).
    pub enum TraceOutcome {
        EstablishedByTracing => "established_by_tracing",
        EstablishedByOtherMeans => "established_by_other_means",
        Unsuccessful => "unsuccessful",
        Pending => "pending",
    }
}

/// "a 'seized'", "an 'exported'".
fn article(kind: EventKind) -> String {
    let name = kind.as_str();
    let an = name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} '{name}'", if an { "an" } else { "a" })
}

fn is_none<T>(v: &Option<T>) -> bool {
    v.is_none()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleEvent {
    pub id: Uuid,
    pub weapon_id: Uuid,
    pub kind: EventKind,
    /// When it happened (the date; the moment of recording is kept by the journal).
    pub occurred_on: NaiveDate,
    #[serde(default, skip_serializing_if = "is_none")]
    pub place: Option<String>,
    /// The agency or unit that acted.
    #[serde(default, skip_serializing_if = "is_none")]
    pub agency: Option<String>,
    /// The official who acted.
    #[serde(default, skip_serializing_if = "is_none")]
    pub officer: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub legal_basis: Option<String>,
    /// Licence, permit, report or certificate reference.
    #[serde(default, skip_serializing_if = "is_none")]
    pub document: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub from_holder: Option<Uuid>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub to_holder: Option<Uuid>,
    /// Export: destination; import: country exported from.
    #[serde(default, skip_serializing_if = "is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub seizure_basis: Option<SeizureBasis>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub criminal_context: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub acquisition: Option<Acquisition>,
    /// A seized weapon that had been deactivated and was brought back to firing.
    #[serde(default, skip_serializing_if = "is_none")]
    pub reactivated: Option<bool>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub campaign: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub amnesty: Option<bool>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub ddr: Option<bool>,
    /// Import for a verifiable lawful temporary purpose: exempt from import marking (ITI para 8).
    #[serde(default, skip_serializing_if = "is_none")]
    pub temporary: Option<bool>,
    /// The unique serial added on import to a weapon without one (ITI para 8).
    #[serde(default, skip_serializing_if = "is_none")]
    pub assigned_serial: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub marking_occasion: Option<MarkingOccasion>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub mark_text: Option<String>,
    /// Destruction method (cutting, crushing, melting, shredding…).
    #[serde(default, skip_serializing_if = "is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub witnesses: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub certificate: Option<String>,
    /// Deactivation standard applied (e.g. the EU deactivation regulation).
    #[serde(default, skip_serializing_if = "is_none")]
    pub standard: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub parts_treated: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub verifier: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub trace_ref: Option<String>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub trace_outcome: Option<TraceOutcome>,
    /// For an issue: the day the weapon is due back at the armoury (PoA II.10: a State keeps
    /// track of weapons out with its units and staff; one not back by then is overdue).
    #[serde(default, skip_serializing_if = "is_none")]
    pub due_on: Option<NaiveDate>,
    /// Reason: for a correction, an unsuccessful trace, a destruction, a duty (issue).
    #[serde(default, skip_serializing_if = "is_none")]
    pub reason: Option<String>,
    /// The earlier event this one corrects (replaces, or, for kind `corrected`, withdraws).
    #[serde(default, skip_serializing_if = "is_none")]
    pub supersedes: Option<Uuid>,
    #[serde(default, skip_serializing_if = "is_none")]
    pub notes: Option<String>,
}

impl LifecycleEvent {
    pub fn new(id: Uuid, weapon_id: Uuid, kind: EventKind, occurred_on: NaiveDate) -> Self {
        LifecycleEvent {
            id,
            weapon_id,
            kind,
            occurred_on,
            place: None,
            agency: None,
            officer: None,
            legal_basis: None,
            document: None,
            source: None,
            from_holder: None,
            to_holder: None,
            country: None,
            seizure_basis: None,
            criminal_context: None,
            acquisition: None,
            reactivated: None,
            campaign: None,
            amnesty: None,
            ddr: None,
            temporary: None,
            assigned_serial: None,
            marking_occasion: None,
            mark_text: None,
            method: None,
            witnesses: None,
            certificate: None,
            standard: None,
            parts_treated: None,
            verifier: None,
            trace_ref: None,
            trace_outcome: None,
            due_on: None,
            reason: None,
            supersedes: None,
            notes: None,
        }
    }

    /// Tidies the record and checks the rules that need nothing but the event itself: the
    /// fields each kind requires, the fields it must not carry, dates not in the future.
    pub fn prepare(mut self, today: NaiveDate) -> Result<Self, ValidationError> {
        use EventKind::*;
        let mut p = Problems::default();
        for field in [
            &mut self.place,
            &mut self.agency,
            &mut self.officer,
            &mut self.legal_basis,
            &mut self.document,
            &mut self.source,
            &mut self.country,
            &mut self.criminal_context,
            &mut self.campaign,
            &mut self.assigned_serial,
            &mut self.mark_text,
            &mut self.method,
            &mut self.witnesses,
            &mut self.certificate,
            &mut self.standard,
            &mut self.parts_treated,
            &mut self.verifier,
            &mut self.trace_ref,
            &mut self.reason,
            &mut self.notes,
        ] {
            tidy(field);
        }
        let kind = self.kind;
        if self.occurred_on > today {
            p.add(
                "occurred_on",
                format!("{} is in the future", self.occurred_on),
            );
        }
        if let Some(due) = self.due_on
            && due < self.occurred_on
        {
            p.add(
                "due_on",
                format!("{due} is before the issue ({})", self.occurred_on),
            );
        }
        if let Some(code) = self.country.as_deref() {
            match country::parse(code) {
                Ok(code) => self.country = Some(code.to_owned()),
                Err(reason) => p.add("country", reason),
            }
        }

        // Fields that belong to some kinds only: (field, present, kinds allowed).
        let only: &[(&str, bool, &[EventKind])] = &[
            ("seizure_basis", self.seizure_basis.is_some(), &[Seized]),
            (
                "criminal_context",
                self.criminal_context.is_some(),
                &[Seized],
            ),
            (
                "acquisition",
                self.acquisition.is_some(),
                &[Seized, Found, Surrendered, Recovered],
            ),
            (
                "reactivated",
                self.reactivated.is_some(),
                &[Seized, Found, Surrendered, ReactivationDetected],
            ),
            ("campaign", self.campaign.is_some(), &[Surrendered]),
            ("amnesty", self.amnesty.is_some(), &[Surrendered]),
            ("ddr", self.ddr.is_some(), &[Surrendered]),
            ("temporary", self.temporary.is_some(), &[Imported]),
            (
                "assigned_serial",
                self.assigned_serial.is_some(),
                &[Imported, Marked],
            ),
            (
                "marking_occasion",
                self.marking_occasion.is_some(),
                &[Marked],
            ),
            (
                "mark_text",
                self.mark_text.is_some(),
                &[Marked, Deactivated],
            ),
            ("method", self.method.is_some(), &[Destroyed]),
            (
                "witnesses",
                self.witnesses.is_some(),
                &[Destroyed, Deactivated],
            ),
            ("standard", self.standard.is_some(), &[Deactivated]),
            (
                "parts_treated",
                self.parts_treated.is_some(),
                &[Deactivated],
            ),
            ("verifier", self.verifier.is_some(), &[Deactivated]),
            ("trace_outcome", self.trace_outcome.is_some(), &[Traced]),
            ("due_on", self.due_on.is_some(), &[Issued]),
            (
                "country",
                self.country.is_some(),
                &[Exported, Imported, Manufactured],
            ),
        ];
        for (field, present, kinds) in only {
            if *present && !kinds.contains(&kind) {
                let names: Vec<_> = kinds.iter().map(|k| k.as_str()).collect();
                p.add(
                    field,
                    format!(
                        "does not apply to {} event (only to: {})",
                        article(kind),
                        names.join(", ")
                    ),
                );
            }
        }

        let mut require = |field: &str, present: bool, why: &str| {
            if !present {
                p.add(
                    field,
                    format!("required for {} event: {why}", article(kind)),
                );
            }
        };
        match kind {
            Seized => require(
                "seizure_basis",
                self.seizure_basis.is_some(),
                "the legal basis of the seizure, criminal_offence or administrative_violation (SDG 16.4.2 counts only the first)",
            ),
            Exported => require(
                "country",
                self.country.is_some(),
                "the country of destination (ATT Art. 12)",
            ),
            Imported => require(
                "country",
                self.country.is_some(),
                "the country the weapon came from (ATT Art. 12)",
            ),
            Transferred => require("to_holder", self.to_holder.is_some(), "the new holder"),
            Issued => require(
                "to_holder",
                self.to_holder.is_some(),
                "the person or unit it is issued to (PoA II.10)",
            ),
            Marked => {
                require(
                    "marking_occasion",
                    self.marking_occasion.is_some(),
                    "manufacture, import, state_to_civilian, confiscation, deactivation or unmarked",
                );
                require(
                    "mark_text",
                    self.mark_text.is_some(),
                    "the mark applied, as marked",
                );
            }
            Deactivated => {
                require(
                    "standard",
                    self.standard.is_some(),
                    "the deactivation standard applied (Firearms Protocol Art. 9)",
                );
                require(
                    "verifier",
                    self.verifier.is_some(),
                    "who verified the deactivation (Firearms Protocol Art. 9)",
                );
            }
            Destroyed => require(
                "method",
                self.method.is_some(),
                "the method (cutting, crushing, melting, shredding…)",
            ),
            Traced => {
                require(
                    "trace_outcome",
                    self.trace_outcome.is_some(),
                    TraceOutcome::choices().as_str(),
                );
                if self.trace_outcome == Some(TraceOutcome::Unsuccessful) {
                    require(
                        "reason",
                        self.reason.is_some(),
                        "why the trace was unsuccessful",
                    );
                }
            }
            Corrected => {
                require(
                    "supersedes",
                    self.supersedes.is_some(),
                    "the id of the event it withdraws",
                );
                require(
                    "reason",
                    self.reason.is_some(),
                    "why the earlier entry is withdrawn",
                );
            }
            _ => {}
        }
        if kind != Corrected && self.supersedes.is_some() && self.reason.is_none() {
            p.add("reason", "a correction needs its reason");
        }
        if self.supersedes == Some(self.id) {
            p.add("supersedes", "an event cannot supersede itself");
        }
        if self.from_holder.is_some() && self.from_holder == self.to_holder {
            p.add("to_holder", "the same as from_holder");
        }
        p.finish().map(|()| self)
    }
}
