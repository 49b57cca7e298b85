//! Stockpile management, collection and destruction (DOMAIN.md §9–10; PoA II.17–19; ISACS 05.20
//! and 05.50): the plan of a stock count, its reconciliation (what the records say an armoury
//! holds against what the counters found), the discrepancies it opens and the steps that close
//! them, the node's count policy, collection campaigns, destruction batches and the checks
//! before a weapon is destroyed. Pure: ids, dates and "today" come from the caller.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::key::fold;

/// Longest free text kept in a stockpile record (a name, a note, a place).
pub const MAX_TEXT: usize = 2000;

word_enum! {
    /// DOMAIN.md §9: counts are full or sample; a serial check verifies named weapons.
    pub enum CountKind {
        Full => "full",
        Sample => "sample",
        SerialCheck => "serial_check",
    }
}

/// A planned stock count of one armoury.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountPlan {
    pub id: String,
    /// The armoury (a State unit or depot: a registered organisation) whose holdings are counted.
    pub armoury: Uuid,
    pub kind: CountKind,
    pub planned_on: NaiveDate,
    /// Who counts.
    pub counter: String,
    /// Who keeps the armoury: ideally not the counter (DOMAIN.md §9).
    #[serde(default)]
    pub custodian: Option<String>,
    /// For a sample count: how many weapons to check.
    #[serde(default)]
    pub sample_size: Option<u32>,
    /// The weapons the count must find: chosen when it is planned for a sample count or a
    /// serial check; for a full count, every weapon the armoury holds when the result is entered.
    #[serde(default)]
    pub expected: Vec<Uuid>,
}

fn text_problem(field: &str, text: &str, problems: &mut Vec<String>) {
    if text.trim().is_empty() {
        problems.push(format!("{field}: required"));
    } else if text.chars().count() > MAX_TEXT {
        problems.push(format!("{field}: longer than {MAX_TEXT} characters"));
    }
}

fn optional_text_problem(field: &str, text: &Option<String>, problems: &mut Vec<String>) {
    if let Some(t) = text
        && t.chars().count() > MAX_TEXT
    {
        problems.push(format!("{field}: longer than {MAX_TEXT} characters"));
    }
}

/// A record id: letters, digits, `-`, `_`, `.`, at most 64 characters (it appears in URLs).
pub fn id_problem(field: &str, id: &str) -> Option<String> {
    if id.is_empty() {
        Some(format!("{field}: required"))
    } else if id.len() > 64
        || !id.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        Some(format!(
            "{field}: '{id}' must be at most 64 letters, digits, '-', '_' or '.', starting with a letter or digit"
        ))
    } else {
        None
    }
}

impl CountPlan {
    /// The rules that need the plan alone; each problem names its field.
    pub fn problems(&self, today: NaiveDate) -> Vec<String> {
        let mut p = Vec::new();
        p.extend(id_problem("id", &self.id));
        text_problem("counter", &self.counter, &mut p);
        optional_text_problem("custodian", &self.custodian, &mut p);
        if self.planned_on > today + chrono::Days::new(3660) {
            p.push(format!(
                "planned_on: {} is more than ten years ahead",
                self.planned_on
            ));
        }
        match (self.kind, self.sample_size) {
            (CountKind::Sample, None | Some(0)) => {
                p.push("sample_size: required for a sample count, at least 1".into())
            }
            (CountKind::Sample, Some(_)) => {}
            (_, Some(_)) => p.push("sample_size: only for a sample count".into()),
            (_, None) => {}
        }
        if self.kind == CountKind::SerialCheck && self.expected.is_empty() {
            p.push("expected: a serial check names the weapons to check".into());
        }
        p
    }

    /// "not independent" when the counter is the custodian (DOMAIN.md §9: ideally someone
    /// independent of the custodian counts). A warning, not a refusal: a small unit may have
    /// no one else.
    pub fn independent(&self) -> bool {
        self.custodian
            .as_deref()
            .is_none_or(|c| fold(c) != fold(&self.counter))
    }
}

/// A weapon the records say an armoury holds, as a count reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub weapon_id: Uuid,
    pub serial: Option<String>,
    pub reference: Option<String>,
}

/// A sample of `n` of the held weapons, the same for the same count id (so that a plan shows
/// what will be checked, and a second reading of it picks the same weapons), but not
/// predictable by a custodian who does not know the id in advance.
pub fn sample(held: &[Held], n: usize, count_id: &str) -> Vec<Uuid> {
    // FNV-1a over the count id, then over each weapon id: a stable shuffle without a random
    // number generator in the core.
    let seed = count_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut keyed: Vec<(u64, Uuid)> = held
        .iter()
        .map(|h| {
            let k = h.weapon_id.as_bytes().iter().fold(seed, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
            });
            (k, h.weapon_id)
        })
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().take(n).map(|(_, id)| id).collect()
}

/// A line of what the counters entered that is not an expected weapon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extra {
    /// 1-based line of the entered list.
    pub line: usize,
    pub text: String,
}

/// Expected against found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reconciliation {
    pub expected: usize,
    /// Expected and found.
    pub found: Vec<Uuid>,
    /// Expected, not found: each opens a discrepancy.
    pub missing: Vec<Uuid>,
    /// Found, not expected (another armoury's, not recorded, or mistyped): each opens a
    /// discrepancy.
    pub unexpected: Vec<Extra>,
    /// Lines naming a weapon an earlier line already found (scanned twice): not discrepancies.
    pub repeated: Vec<Extra>,
    /// Lines that found a weapon by a serial several expected weapons share (two makers):
    /// found, but worth a look at the maker, since a weapon scanned twice would hide another.
    #[serde(default)]
    pub shared: Vec<Extra>,
    /// For a sample or serial check: lines naming a weapon of the armoury's store that was not
    /// to be checked. Not discrepancies.
    #[serde(default)]
    pub outside: Vec<Extra>,
}

/// Reconciles what was found (one serial, reference or record id a line, as typed or scanned)
/// with what was expected. A line matches an expected weapon by its serial or its reference
/// compared folded (case, spaces, dashes: `key::fold`), or by its record id. Two expected
/// weapons may carry the same serial (two makers): each line then finds the next of them.
pub fn reconcile(expected: &[Held], found_lines: &[&str]) -> Reconciliation {
    reconcile_by(expected, found_lines, fold)
}

/// As `reconcile`, comparing serials and references in the form `key` gives (the marking
/// search's normaliser, say, which also reads a Cyrillic `Н` typed for a Latin `H`).
pub fn reconcile_by(
    expected: &[Held],
    found_lines: &[&str],
    key: impl Fn(&str) -> String,
) -> Reconciliation {
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::with_capacity(expected.len() * 2);
    for (i, h) in expected.iter().enumerate() {
        for k in [&h.serial, &h.reference].into_iter().flatten() {
            let k = key(k);
            if !k.is_empty() {
                by_key.entry(k).or_default().push(i);
            }
        }
    }
    let by_id: HashMap<Uuid, usize> = expected
        .iter()
        .enumerate()
        .map(|(i, h)| (h.weapon_id, i))
        .collect();
    let mut seen = vec![false; expected.len()];
    let mut r = Reconciliation {
        expected: expected.len(),
        ..Default::default()
    };
    for (n, raw) in found_lines.iter().enumerate() {
        let text = raw.trim();
        if text.is_empty() {
            continue;
        }
        let extra = Extra {
            line: n + 1,
            text: text.to_owned(),
        };
        let candidates: Vec<usize> = match Uuid::parse_str(text) {
            Ok(id) => by_id.get(&id).copied().into_iter().collect(),
            Err(_) => by_key.get(&key(text)).cloned().unwrap_or_default(),
        };
        match candidates.iter().find(|&&i| !seen[i]) {
            Some(&i) => {
                seen[i] = true;
                r.found.push(expected[i].weapon_id);
                if candidates.len() > 1 {
                    r.shared.push(extra);
                }
            }
            None if candidates.is_empty() => r.unexpected.push(extra),
            None => r.repeated.push(extra),
        }
    }
    r.missing = expected
        .iter()
        .zip(&seen)
        .filter(|(_, s)| !**s)
        .map(|(h, _)| h.weapon_id)
        .collect();
    r
}

/// The node's count policy: how often each armoury is counted in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountPolicy {
    pub full_count_every_days: u32,
}

impl Default for CountPolicy {
    /// Once a year, until the node sets its own (`salw count policy --every DAYS`).
    fn default() -> Self {
        CountPolicy {
            full_count_every_days: 365,
        }
    }
}

impl CountPolicy {
    /// When the next full count of an armoury is due, given its last full count (an armoury
    /// never counted in full is due at once).
    pub fn next_due(&self, last: NaiveDate) -> NaiveDate {
        last + chrono::Days::new(u64::from(self.full_count_every_days))
    }
}

word_enum! {
    pub enum DiscrepancyKind {
        /// Expected by the records, not found.
        Missing => "missing",
        /// Found, not expected.
        Unexpected => "unexpected",
    }
}

word_enum! {
    /// How a discrepancy ends (DOMAIN.md §9).
    pub enum Resolution {
        /// The weapon was found after all (misplaced, out for repair).
        Found => "found",
        /// The records were wrong; the correction is recorded separately.
        RecordError => "record_error",
        /// Confirmed lost: a loss report is recorded.
        Loss => "loss",
        /// Confirmed stolen: a theft report is recorded.
        Theft => "theft",
    }
}

word_enum! {
    pub enum DiscrepancyAction {
        Investigate => "investigate",
        /// Resolved: found, or a record error.
        Resolve => "resolve",
        /// Confirmed: a loss or a theft.
        Confirm => "confirm",
    }
}

/// Where a discrepancy stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "stage", content = "resolution")]
pub enum DiscrepancyStage {
    Open,
    Investigating,
    Resolved(Resolution),
    Confirmed(Resolution),
}

impl DiscrepancyStage {
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Resolved(_) | Self::Confirmed(_))
    }

    pub fn label(self) -> String {
        match self {
            Self::Open => "open".into(),
            Self::Investigating => "under investigation".into(),
            Self::Resolved(r) => format!("resolved: {}", r.as_str().replace('_', " ")),
            Self::Confirmed(r) => format!("confirmed {}", r.as_str()),
        }
    }
}

/// The next stage of a discrepancy, or why the step is refused (naming the field). A
/// discrepancy is investigated before it is closed, and closed only with a resolution: found or
/// record error (resolve), loss or theft (confirm; only for a missing weapon: an unexpected one
/// is in hand). Every step carries a note: what was done, what was found.
pub fn discrepancy_step(
    kind: DiscrepancyKind,
    stage: DiscrepancyStage,
    action: DiscrepancyAction,
    resolution: Option<Resolution>,
    note: &str,
) -> Result<DiscrepancyStage, String> {
    use DiscrepancyAction as A;
    use DiscrepancyStage as S;
    if stage.is_closed() {
        return Err(format!(
            "action: the discrepancy is already closed ({})",
            stage.label()
        ));
    }
    if note.trim().is_empty() {
        return Err(format!(
            "note: required: what was done or found ({})",
            action.as_str()
        ));
    }
    if note.chars().count() > MAX_TEXT {
        return Err(format!("note: longer than {MAX_TEXT} characters"));
    }
    let closing = |allowed: &[Resolution]| -> Result<Resolution, String> {
        let names: Vec<_> = allowed.iter().map(|r| r.as_str()).collect();
        let r = resolution.ok_or_else(|| {
            format!(
                "resolution: required to close a discrepancy: {}",
                names.join(" or ")
            )
        })?;
        if !allowed.contains(&r) {
            return Err(format!(
                "resolution: '{}' does not {} a discrepancy ({})",
                r.as_str(),
                action.as_str(),
                names.join(" or ")
            ));
        }
        if stage == S::Open {
            return Err(
                "action: investigate the discrepancy before closing it (ISACS 05.20)".into(),
            );
        }
        Ok(r)
    };
    match action {
        A::Investigate => {
            if resolution.is_some() {
                return Err("resolution: an investigation step does not close".into());
            }
            Ok(S::Investigating)
        }
        A::Resolve => Ok(S::Resolved(closing(&[
            Resolution::Found,
            Resolution::RecordError,
        ])?)),
        A::Confirm => {
            if kind == DiscrepancyKind::Unexpected {
                return Err(
                    "action: an unexpected weapon was found, not lost: resolve it (found or record_error)"
                        .into(),
                );
            }
            Ok(S::Confirmed(closing(&[
                Resolution::Loss,
                Resolution::Theft,
            ])?))
        }
    }
}

word_enum! {
    pub enum Programme {
        /// Disarmament, demobilisation and reintegration.
        Ddr => "ddr",
        Civilian => "civilian",
    }
}

/// A collection campaign (DOMAIN.md §5 "Surrendered"; PoA II.18).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub place: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Surrender without prosecution for possession.
    pub amnesty: bool,
    pub programme: Programme,
}

impl Campaign {
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        p.extend(id_problem("id", &self.id));
        text_problem("name", &self.name, &mut p);
        text_problem("place", &self.place, &mut p);
        if self.end < self.start {
            p.push(format!(
                "end: {} is before the start ({})",
                self.end, self.start
            ));
        }
        p
    }

    /// Whether a weapon surrendered on `day` falls within the campaign.
    pub fn covers(&self, day: NaiveDate) -> bool {
        (self.start..=self.end).contains(&day)
    }
}

/// A destruction batch (DOMAIN.md §10): method, place, date, authority, witnesses, the
/// weapons, and the certificate it ends with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestructionBatch {
    pub id: String,
    pub method: String,
    pub place: String,
    pub date: NaiveDate,
    /// The authority that ordered or supervised the destruction.
    pub authority: String,
    /// At least one witness (names, comma-separated).
    pub witnesses: String,
    pub certificate: String,
    pub weapons: Vec<Uuid>,
}

impl DestructionBatch {
    pub fn problems(&self, today: NaiveDate) -> Vec<String> {
        let mut p = Vec::new();
        p.extend(id_problem("id", &self.id));
        for (field, text) in [
            ("method", &self.method),
            ("place", &self.place),
            ("authority", &self.authority),
            ("witnesses", &self.witnesses),
            ("certificate", &self.certificate),
        ] {
            text_problem(field, text, &mut p);
        }
        if self.date > today {
            p.push(format!("date: {} is in the future", self.date));
        }
        if self.weapons.is_empty() {
            p.push("weapons: a batch destroys at least one weapon".into());
        }
        let mut seen = std::collections::HashSet::new();
        for w in &self.weapons {
            if !seen.insert(w) {
                p.push(format!("weapons: {w} is listed twice"));
            }
        }
        p
    }
}

/// What may hold a weapon back from destruction, beyond the life-cycle rules the write checks
/// (a missing, exported or issued weapon cannot be destroyed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DestructionFacts {
    /// Open trace requests (ours or a partner's) that name the weapon, or a tracing outcome
    /// still pending.
    pub open_traces: Vec<String>,
    /// Evidence holds not released (the case references).
    pub evidence_holds: Vec<String>,
}

/// Why a weapon may not be destroyed now, or `None`. A weapon under an open trace or held as
/// evidence must be kept: destroying it destroys the proof (ITI para 11 keeps records; the
/// weapon itself is the evidence a court or a partner's trace needs).
pub fn destruction_refusal(facts: &DestructionFacts) -> Option<String> {
    if let Some(t) = facts.open_traces.first() {
        return Some(format!(
            "it is under an open trace ({t}): close the trace first"
        ));
    }
    if let Some(case) = facts.evidence_holds.first() {
        return Some(format!(
            "it is held as evidence ({case}): release the hold first"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(n: u128, serial: &str) -> Held {
        Held {
            weapon_id: Uuid::from_u128(n),
            serial: Some(serial.into()),
            reference: None,
        }
    }

    #[test]
    fn reconciliation_matches_folded_serials_and_reports_the_rest_by_line() {
        let expected = [
            held(1, "52-01234"),
            held(2, "AB 77"),
            held(3, "AB77"),
            held(4, "X9"),
        ];
        let r = reconcile(
            &expected,
            &["5201234", "", "ab-77", "ab77", "AB77", "ZZ1", "x 9 "],
        );
        assert_eq!(
            r.shared.len(),
            2,
            "AB 77 and AB77 share a folded serial: {r:?}"
        );
        assert_eq!(r.expected, 4);
        assert_eq!(
            r.found,
            vec![
                Uuid::from_u128(1),
                Uuid::from_u128(2),
                Uuid::from_u128(3),
                Uuid::from_u128(4)
            ]
        );
        assert!(r.missing.is_empty());
        assert_eq!(
            r.repeated,
            vec![Extra {
                line: 5,
                text: "AB77".into()
            }]
        );
        assert_eq!(
            r.unexpected,
            vec![Extra {
                line: 6,
                text: "ZZ1".into()
            }]
        );
    }

    #[test]
    fn a_weapon_not_found_is_missing_and_a_record_id_finds_a_weapon() {
        let expected = [held(1, "A1"), held(2, "A2"), held(3, "A3")];
        let id = Uuid::from_u128(3).to_string();
        let r = reconcile(&expected, &["A1", &id]);
        assert_eq!(r.missing, vec![Uuid::from_u128(2)]);
        assert_eq!(r.found.len(), 2);
    }

    #[test]
    fn a_key_function_decides_what_counts_as_the_same_serial() {
        let expected = [held(1, "НК4746")]; // Cyrillic
        assert_eq!(reconcile(&expected, &["HK4746"]).missing.len(), 1);
        let latin = |s: &str| fold(s).replace('Н', "H").replace('К', "K");
        let r = reconcile_by(&expected, &["hk-4746"], latin);
        assert!(r.missing.is_empty() && r.unexpected.is_empty(), "{r:?}");
    }

    #[test]
    fn a_sample_is_the_same_for_the_same_count_and_differs_between_counts() {
        let all: Vec<Held> = (0..200).map(|n| held(n, &format!("S{n}"))).collect();
        let a = sample(&all, 10, "count-2026-01");
        assert_eq!(a.len(), 10);
        assert_eq!(a, sample(&all, 10, "count-2026-01"));
        assert_ne!(a, sample(&all, 10, "count-2026-02"));
        let distinct: std::collections::HashSet<_> = a.iter().collect();
        assert_eq!(distinct.len(), 10);
        assert_eq!(sample(&all, 500, "x").len(), 200);
    }

    #[test]
    fn a_discrepancy_is_investigated_then_closed_with_a_resolution() {
        use DiscrepancyAction as A;
        use DiscrepancyKind as K;
        use DiscrepancyStage as S;
        let open = S::Open;
        let err = discrepancy_step(K::Missing, open, A::Confirm, Some(Resolution::Theft), "x")
            .unwrap_err();
        assert!(err.starts_with("action: investigate"), "{err}");
        let inv = discrepancy_step(K::Missing, open, A::Investigate, None, "asked the unit")
            .expect("investigate");
        assert_eq!(inv, S::Investigating);
        let err = discrepancy_step(K::Missing, inv, A::Resolve, None, "done").unwrap_err();
        assert!(err.starts_with("resolution: required"), "{err}");
        let err = discrepancy_step(K::Missing, inv, A::Resolve, Some(Resolution::Theft), "done")
            .unwrap_err();
        assert!(
            err.starts_with("resolution: 'theft' does not resolve"),
            "{err}"
        );
        let err = discrepancy_step(K::Missing, inv, A::Investigate, None, " ").unwrap_err();
        assert!(err.starts_with("note: required"), "{err}");
        let err = discrepancy_step(K::Unexpected, inv, A::Confirm, Some(Resolution::Loss), "x")
            .unwrap_err();
        assert!(err.contains("found, not lost"), "{err}");
        let closed = discrepancy_step(
            K::Missing,
            inv,
            A::Confirm,
            Some(Resolution::Theft),
            "door forced",
        )
        .expect("confirm");
        assert_eq!(closed, S::Confirmed(Resolution::Theft));
        let err = discrepancy_step(K::Missing, closed, A::Investigate, None, "again").unwrap_err();
        assert!(err.contains("already closed"), "{err}");
    }

    #[test]
    fn plans_campaigns_and_batches_name_the_field_of_each_problem() {
        let day = NaiveDate::from_ymd_opt(2026, 5, 1).expect("date");
        let plan = CountPlan {
            id: "bad id".into(),
            armoury: Uuid::from_u128(1),
            kind: CountKind::Sample,
            planned_on: day,
            counter: " ".into(),
            custodian: Some("Sgt Banda".into()),
            sample_size: None,
            expected: vec![],
        };
        let p = plan.problems(day);
        assert!(p.iter().any(|p| p.starts_with("id:")), "{p:?}");
        assert!(p.iter().any(|p| p.starts_with("counter:")), "{p:?}");
        assert!(p.iter().any(|p| p.starts_with("sample_size:")), "{p:?}");
        let same = CountPlan {
            counter: "sgt  banda".into(),
            ..plan.clone()
        };
        assert!(!same.independent());
        assert!(
            CountPlan {
                counter: "Lt Phiri".into(),
                ..plan
            }
            .independent()
        );

        let c = Campaign {
            id: "c1".into(),
            name: "Weapons for development".into(),
            place: "Lilongwe".into(),
            start: day,
            end: day - chrono::Days::new(1),
            amnesty: true,
            programme: Programme::Civilian,
        };
        assert_eq!(c.problems().len(), 1);
        assert!(c.problems()[0].starts_with("end:"));

        let w = Uuid::from_u128(9);
        let b = DestructionBatch {
            id: "d1".into(),
            method: "cutting".into(),
            place: "Depot 3".into(),
            date: day + chrono::Days::new(1),
            authority: "Commission".into(),
            witnesses: String::new(),
            certificate: "CERT-1".into(),
            weapons: vec![w, w],
        };
        let p = b.problems(day);
        assert!(p.iter().any(|p| p.starts_with("date:")), "{p:?}");
        assert!(p.iter().any(|p| p.starts_with("witnesses:")), "{p:?}");
        assert!(p.iter().any(|p| p.contains("listed twice")), "{p:?}");
    }

    #[test]
    fn a_weapon_under_trace_or_held_as_evidence_is_not_destroyed() {
        assert_eq!(destruction_refusal(&DestructionFacts::default()), None);
        let traced = DestructionFacts {
            open_traces: vec!["trace TR-7".into()],
            evidence_holds: vec![],
        };
        assert!(
            destruction_refusal(&traced)
                .expect("refused")
                .contains("open trace (trace TR-7)")
        );
        let held = DestructionFacts {
            open_traces: vec![],
            evidence_holds: vec!["case 12/2026".into()],
        };
        assert!(
            destruction_refusal(&held)
                .expect("refused")
                .contains("evidence (case 12/2026)")
        );
    }
}
