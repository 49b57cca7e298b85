//! Tracing (DOMAIN.md §6): the domestic trace over a weapon's own records, and the content a
//! trace request to another State must carry before it is sent.
//!
//! Pure: the caller hands the weapon, its events (in the order they happened, corrections
//! applied) and this State's country code.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::{Acquisition, EventKind, LifecycleEvent};
use crate::weapon::{Condition, MarkKind, Weapon};

/// A State whose records may carry the chain further, and why it is the one to ask.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateToAsk {
    pub country: String,
    pub why: String,
}

/// What a State's own records say about how a recovered weapon became illicit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "found", rename_all = "snake_case")]
pub enum DomesticTrace {
    /// The records show where the weapon left the licit circuit.
    PointOfDiversion {
        /// The last legal holder (a person or organisation of this registry), when known.
        last_legal_holder: Option<Uuid>,
        /// When it left the licit circuit (the date of the loss or theft report…), when known.
        on: Option<NaiveDate>,
        /// How, in words.
        how: String,
        /// The event that shows it.
        event: Option<Uuid>,
    },
    /// The records stop before the diversion: these States' records may go on.
    AskStates {
        states: Vec<StateToAsk>,
        /// The last holder this registry knows, if any.
        last_known_holder: Option<Uuid>,
        why: String,
    },
}

fn is_recovery(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::Seized | EventKind::Found | EventKind::Surrendered | EventKind::Recovered
    )
}

/// Walks a weapon's records up to its (last) recovery: manufacture, import, transfers and
/// issues (who held it), loss and theft reports, exports.
pub fn domestic_trace(weapon: &Weapon, events: &[LifecycleEvent], home: &str) -> DomesticTrace {
    let recovery = events.iter().rposition(|e| is_recovery(e.kind));
    let before = match recovery {
        Some(i) => &events[..i],
        None => events,
    };
    // Illicit manufacture: the point of diversion is the manufacture itself (DOMAIN.md §6).
    if let Some(r) = recovery.map(|i| &events[i])
        && r.acquisition == Some(Acquisition::CraftMade)
    {
        let made = before.iter().find(|e| e.kind == EventKind::Manufactured);
        return DomesticTrace::PointOfDiversion {
            last_legal_holder: None,
            on: made.map(|e| e.occurred_on),
            how: "illicitly made (craft production): the point of diversion is its manufacture"
                .into(),
            event: Some(r.id),
        };
    }
    let mut holder: Option<Uuid> = None;
    let mut exported_to: Option<(String, NaiveDate)> = None;
    let mut diversion: Option<&LifecycleEvent> = None;
    for e in before {
        match e.kind {
            EventKind::Transferred | EventKind::Issued | EventKind::Imported
                if e.to_holder.is_some() =>
            {
                holder = e.to_holder;
                exported_to = None;
                diversion = None;
            }
            EventKind::Returned => {
                holder = e.to_holder.or(holder);
                diversion = None;
            }
            EventKind::Exported => {
                exported_to = e.country.clone().map(|c| (c, e.occurred_on));
                diversion = None;
            }
            EventKind::ReportedLost | EventKind::ReportedStolen => diversion = Some(e),
            EventKind::Recovered | EventKind::Seized | EventKind::Found => diversion = None,
            _ => {}
        }
    }
    if let Some(e) = diversion {
        let what = if e.kind == EventKind::ReportedStolen {
            "reported stolen"
        } else {
            "reported lost"
        };
        let mut how = format!("{what} on {}", e.occurred_on);
        for (label, value) in [
            ("at", e.place.as_deref()),
            ("report", e.document.as_deref()),
        ] {
            if let Some(v) = value {
                how.push_str(&format!(", {label} {v}"));
            }
        }
        return DomesticTrace::PointOfDiversion {
            last_legal_holder: e.from_holder.or(holder),
            on: Some(e.occurred_on),
            how,
            event: Some(e.id),
        };
    }
    if let Some((country, on)) = exported_to {
        return DomesticTrace::AskStates {
            states: vec![StateToAsk {
                why: format!("exported to {country} on {on}: its records go on from there"),
                country,
            }],
            last_known_holder: holder,
            why: "the weapon left this State legally; the diversion happened after".into(),
        };
    }
    if let Some(h) = holder {
        let last = before
            .iter()
            .rev()
            .find(|e| e.to_holder == Some(h))
            .map(|e| (e.occurred_on, e.id));
        return DomesticTrace::PointOfDiversion {
            last_legal_holder: Some(h),
            on: None,
            how: format!(
                "left its last legal holder (since {}) with no loss or theft reported",
                last.map(|(d, _)| d.to_string())
                    .unwrap_or_else(|| "?".into())
            ),
            event: last.map(|(_, id)| id),
        };
    }
    // No holder in this registry: the weapon came from abroad.
    let mut states = Vec::new();
    if let Some(c) = weapon.country.as_deref().filter(|c| *c != home) {
        states.push(StateToAsk {
            country: c.to_owned(),
            why: "country of manufacture: its records name the first buyer or importer".into(),
        });
    }
    if let Some(import) = before.iter().rev().find(|e| e.kind == EventKind::Imported)
        && let Some(c) = import.country.as_deref().filter(|c| *c != home)
        && !states.iter().any(|s| s.country == c)
    {
        states.push(StateToAsk {
            country: c.to_owned(),
            why: format!("the weapon was imported from it on {}", import.occurred_on),
        });
    }
    let import_marks: Vec<&str> = weapon
        .marks
        .iter()
        .filter(|m| m.kind == MarkKind::Import)
        .map(|m| m.text.as_str())
        .collect();
    let why = if import_marks.is_empty() {
        "no legal holder of the weapon is recorded in this State".to_owned()
    } else {
        format!(
            "no legal holder of the weapon is recorded in this State; import marks {} name the State of last legal import",
            import_marks.join(", ")
        )
    };
    DomesticTrace::AskStates {
        states,
        last_known_holder: None,
        why,
    }
}

/// What a trace request carries (DOMAIN.md §6; ISACS 05.31): the recovery, the weapon and its
/// marks, and what the information will be used for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestContent {
    /// Why the weapon is illicit, and the legal basis.
    pub illicit_basis: Option<String>,
    /// `seized`, `found`, `surrendered` or `recovered`.
    pub recovery: Option<String>,
    pub recovered_on: Option<NaiveDate>,
    pub recovered_place: Option<String>,
    /// The circumstances (criminal context…).
    pub circumstances: Option<String>,
    pub serial: Option<String>,
    /// `legible`, `obliterated` or `absent`.
    pub serial_status: Option<String>,
    /// Every mark as read (`kind: text`).
    pub marks: Vec<String>,
    #[serde(rename = "type")]
    pub weapon_type: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub calibre: Option<String>,
    pub country_of_manufacture: Option<String>,
    /// The import marks seen, or `none`.
    pub import_marks: Option<String>,
    /// Photographs: the hashes of those in the registry, or how they travel.
    pub photos: Vec<String>,
    pub intended_use: Option<String>,
}

pub const SERIAL_STATUSES: &[&str] = &["legible", "obliterated", "absent"];

impl RequestContent {
    /// Fills what the weapon record and its recovery event know.
    pub fn from_records(weapon: &Weapon, recovery: Option<&LifecycleEvent>) -> RequestContent {
        let mut c = RequestContent {
            serial: weapon.serial.clone(),
            weapon_type: Some(
                weapon
                    .unodc_type
                    .map(|t| t.as_str().to_owned())
                    .unwrap_or_else(|| weapon.category.clone()),
            ),
            make: weapon.manufacturer.clone(),
            model: weapon.model.clone(),
            calibre: weapon.calibre.clone(),
            country_of_manufacture: weapon.country.clone(),
            marks: weapon
                .marks
                .iter()
                .map(|m| format!("{}: {}", m.kind.as_str(), m.text))
                .collect(),
            ..RequestContent::default()
        };
        let serial_marks: Vec<_> = weapon
            .marks
            .iter()
            .filter(|m| m.kind == MarkKind::Serial)
            .collect();
        c.serial_status = if serial_marks
            .iter()
            .any(|m| m.condition == Condition::Obliterated)
        {
            Some("obliterated".into())
        } else if weapon.serial.is_some() {
            Some("legible".into())
        } else {
            None
        };
        let imports: Vec<_> = weapon
            .marks
            .iter()
            .filter(|m| m.kind == MarkKind::Import)
            .map(|m| m.text.clone())
            .collect();
        if !imports.is_empty() {
            c.import_marks = Some(imports.join("; "));
        }
        if let Some(r) = recovery {
            c.recovery = Some(r.kind.as_str().to_owned());
            c.recovered_on = Some(r.occurred_on);
            c.recovered_place = r.place.clone();
            c.circumstances = r.criminal_context.clone().or_else(|| r.notes.clone());
            let basis = r
                .seizure_basis
                .map(|b| b.as_str().replace('_', " "))
                .into_iter()
                .chain(r.legal_basis.clone())
                .collect::<Vec<_>>();
            if !basis.is_empty() {
                c.illicit_basis = Some(basis.join(": "));
            }
        }
        c
    }

    /// Each item DOMAIN.md §6 asks for that is missing or wrong, with its field.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        let mut need = |field: &'static str, missing: bool, what: &str| {
            if missing {
                p.push((field, format!("missing: {what}")));
            }
        };
        need(
            "illicit_basis",
            blank(&self.illicit_basis),
            "why the weapon is illicit and the legal basis",
        );
        need(
            "recovered_on",
            self.recovered_on.is_none(),
            "the date of recovery",
        );
        need(
            "recovered_place",
            blank(&self.recovered_place),
            "the place of recovery",
        );
        need(
            "circumstances",
            blank(&self.circumstances),
            "the circumstances of recovery",
        );
        need(
            "serial_status",
            blank(&self.serial_status),
            "legible, obliterated or absent",
        );
        need(
            "marks",
            self.marks.is_empty() && blank(&self.serial),
            "the markings as read",
        );
        need("type", blank(&self.weapon_type), "the type of weapon");
        need("make", blank(&self.make), "the manufacturer");
        need("model", blank(&self.model), "the model");
        need("calibre", blank(&self.calibre), "the calibre");
        need(
            "country_of_manufacture",
            blank(&self.country_of_manufacture),
            "the country of manufacture",
        );
        need(
            "import_marks",
            blank(&self.import_marks),
            "the import marks seen, or \"none\"",
        );
        need(
            "photos",
            self.photos.is_empty(),
            "photographs of the weapon and its marks",
        );
        need(
            "intended_use",
            blank(&self.intended_use),
            "what the information will be used for",
        );
        if let Some(s) = self.serial_status.as_deref()
            && !s.trim().is_empty()
            && !SERIAL_STATUSES.contains(&s)
        {
            p.push((
                "serial_status",
                format!("'{s}' is not one of {}", SERIAL_STATUSES.join(", ")),
            ));
        }
        if self.serial_status.as_deref() == Some("legible") && blank(&self.serial) {
            p.push((
                "serial",
                "missing: the serial is legible but not given".into(),
            ));
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::SeizureBasis;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn weapon(country: &str) -> Weapon {
        serde_json::from_value(serde_json::json!({
            "id": Uuid::from_u128(1), "category": "pistol", "manufacturer": "Zastava",
            "model": "M70", "serial": "123456", "calibre": "7.65 mm", "country": country,
        }))
        .expect("weapon")
    }

    fn event(n: u128, kind: EventKind, on: &str) -> LifecycleEvent {
        LifecycleEvent::new(Uuid::from_u128(n), Uuid::from_u128(1), kind, day(on))
    }

    fn seized(n: u128, on: &str) -> LifecycleEvent {
        let mut e = event(n, EventKind::Seized, on);
        e.seizure_basis = Some(SeizureBasis::CriminalOffence);
        e
    }

    #[test]
    fn a_theft_report_before_the_seizure_is_the_point_of_diversion() {
        let dealer = Uuid::from_u128(50);
        let owner = Uuid::from_u128(51);
        let mut import = event(10, EventKind::Imported, "2015-01-01");
        import.country = Some("RS".into());
        import.to_holder = Some(dealer);
        let mut sale = event(11, EventKind::Transferred, "2016-01-01");
        sale.from_holder = Some(dealer);
        sale.to_holder = Some(owner);
        let mut theft = event(12, EventKind::ReportedStolen, "2020-03-04");
        theft.place = Some("Nakuru".into());
        let events = [import, sale, theft, seized(13, "2024-05-06")];
        match domestic_trace(&weapon("RS"), &events, "KE") {
            DomesticTrace::PointOfDiversion {
                last_legal_holder,
                on,
                how,
                event,
            } => {
                assert_eq!(last_legal_holder, Some(owner));
                assert_eq!(on, Some(day("2020-03-04")));
                assert_eq!(event, Some(Uuid::from_u128(12)));
                assert!(
                    how.contains("reported stolen") && how.contains("Nakuru"),
                    "{how}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn without_a_holder_here_the_state_of_manufacture_is_asked() {
        let events = [seized(13, "2024-05-06")];
        match domestic_trace(&weapon("RS"), &events, "KE") {
            DomesticTrace::AskStates { states, .. } => {
                assert_eq!(states.len(), 1);
                assert_eq!(states[0].country, "RS");
            }
            other => panic!("{other:?}"),
        }
        // Made here and never held: no State to ask.
        match domestic_trace(&weapon("KE"), &events, "KE") {
            DomesticTrace::AskStates { states, .. } => assert!(states.is_empty()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_export_sends_the_trace_to_the_destination() {
        let mut export = event(10, EventKind::Exported, "2018-02-02");
        export.country = Some("UG".into());
        let events = [export, seized(13, "2024-05-06")];
        match domestic_trace(&weapon("KE"), &events, "KE") {
            DomesticTrace::AskStates { states, .. } => assert_eq!(states[0].country, "UG"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_craft_made_weapon_was_diverted_at_manufacture() {
        let mut s = seized(13, "2024-05-06");
        s.acquisition = Some(Acquisition::CraftMade);
        assert!(matches!(
            domestic_trace(&weapon("KE"), &[s], "KE"),
            DomesticTrace::PointOfDiversion { .. }
        ));
    }

    #[test]
    fn each_missing_item_of_a_request_is_named() {
        let mut s = seized(13, "2024-05-06");
        s.place = Some("Mombasa port".into());
        s.criminal_context = Some("container search".into());
        let filled = RequestContent::from_records(&weapon("RS"), Some(&s));
        let fields: Vec<_> = filled.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["import_marks", "photos", "intended_use"]);
        let empty: Vec<_> = RequestContent::default()
            .problems()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(empty.len(), 14, "{empty:?}");
        let complete = RequestContent {
            import_marks: Some("none".into()),
            photos: vec!["sent apart".into()],
            intended_use: Some("criminal investigation".into()),
            serial_status: Some("smudged".into()),
            ..filled
        };
        assert_eq!(
            complete.problems(),
            [(
                "serial_status",
                "'smudged' is not one of legible, obliterated, absent".to_owned()
            )]
        );
    }
}
