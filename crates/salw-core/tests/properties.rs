//! Property tests of the domain rules: for every input in a wide space, the rule holds exactly
//! where DOMAIN.md says it does.

use chrono::NaiveDate;
use proptest::prelude::*;
use salw_core::category::CategorySet;
use salw_core::event::{EventKind, LifecycleEvent, SeizureBasis, TraceOutcome};
use salw_core::weapon::FollowUp;
use salw_core::{Weapon, key, lifecycle};
use uuid::Uuid;

const THIS_YEAR: i32 = 2026;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).expect("date")
}

fn pistol(serial: &str) -> Weapon {
    let mut w = Weapon::new(Uuid::from_u128(1), "self-loading pistol");
    w.manufacturer = Some("Glock".into());
    w.country = Some("AT".into());
    w.model = Some("G17".into());
    w.serial = Some(serial.into());
    w.year = Some(2015);
    w
}

fn fields(result: Result<Weapon, salw_core::ValidationError>) -> Vec<String> {
    match result {
        Ok(_) => Vec::new(),
        Err(e) => e.0.into_iter().map(|f| f.field).collect(),
    }
}

fn category() -> impl Strategy<Value = String> {
    prop::sample::select(
        CategorySet::default()
            .all()
            .iter()
            .map(|d| d.name.clone())
            .collect::<Vec<_>>(),
    )
}

fn weapon() -> impl Strategy<Value = Weapon> {
    (
        category(),
        prop::option::of("[A-Za-zА-Я0-9 .-]{0,12}"),
        prop::option::of(prop::sample::select(vec![
            "AT", "su", "YU", "de", "XX", "KE",
        ])),
        prop::option::of("[A-Za-z ]{0,10}"),
        prop::option::of(1850i32..2030),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(prop::sample::select(vec![
            "9mm Luger",
            "120mm",
            "81 mm",
            "12GA",
            "odd",
        ])),
    )
        .prop_map(
            |(category, serial, country, model, year, antique, inadequate, calibre)| {
                let mut w = Weapon::new(Uuid::from_u128(7), category);
                w.serial = serial;
                w.country = country.map(str::to_owned);
                w.manufacturer = Some("Maker".into());
                w.model = model;
                w.year = year;
                w.antique = antique;
                w.inadequately_marked = inadequate;
                w.follow_up = inadequate.then_some(FollowUp::Destroy);
                w.calibre = calibre.map(str::to_owned);
                w
            },
        )
}

proptest! {
    /// What prepare accepts, it accepts unchanged a second time: stored records re-validate.
    #[test]
    fn prepare_is_idempotent(w in weapon()) {
        let set = CategorySet::default();
        if let Ok(once) = w.prepare(&set, THIS_YEAR) {
            let twice = once.clone().prepare(&set, THIS_YEAR);
            prop_assert_eq!(Ok(once), twice);
        }
    }

    /// ITI para 4: an antique is made in 1899 or before, and only then.
    #[test]
    fn antique_only_up_to_1899(year in 1300i32..=THIS_YEAR) {
        let mut w = pistol("A1");
        w.antique = true;
        w.year = Some(year);
        let errors = fields(w.prepare(&CategorySet::default(), THIS_YEAR));
        prop_assert_eq!(errors.contains(&"antique".to_owned()), year > 1899);
    }

    /// ITI para 4: mortars below 100 mm are light weapons; from 100 mm they are not SALW.
    #[test]
    fn mortar_cut_off_at_100_mm(mm in 20u32..300, spaced in any::<bool>()) {
        let mut w = pistol("M1");
        w.category = "mortar".into();
        w.calibre = Some(if spaced { format!("{mm} mm") } else { format!("{mm}mm") });
        let errors = fields(w.prepare(&CategorySet::default(), THIS_YEAR));
        prop_assert_eq!(errors.contains(&"calibre".to_owned()), mm >= 100);
    }

    /// ITI para 9: without a unique mark, only "inadequately marked" with a follow-up is accepted.
    #[test]
    fn no_unique_mark_needs_inadequate_marking_and_follow_up(inadequate in any::<bool>(), follow in any::<bool>(), blank in "[ .-]{0,4}") {
        let mut w = pistol("x");
        w.serial = if blank.is_empty() { None } else { Some(blank) };
        w.inadequately_marked = inadequate;
        w.follow_up = follow.then_some(FollowUp::MarkAndRecord);
        let accepted = w.prepare(&CategorySet::default(), THIS_YEAR).is_ok();
        prop_assert_eq!(accepted, inadequate && follow);
    }

    /// The identity key ignores case and the separators people type differently, and nothing else.
    #[test]
    fn identity_key_ignores_case_and_separators(serial in "[A-Z0-9]{1,10}", cuts in prop::collection::vec((0usize..10, prop::sample::select(vec![" ", "-", ".", "/"])), 0..4)) {
        let mut typed = serial.to_lowercase();
        for (at, sep) in cuts {
            let at = at.min(typed.len());
            typed.insert_str(at, sep);
        }
        let a = key::identity_key(Some("AT"), Some("Glock"), Some("G17"), Some(&serial));
        let b = key::identity_key(Some("at"), Some("GLOCK"), Some("g17"), Some(&typed));
        prop_assert_eq!(&a, &b);
        let other = format!("{serial}X");
        prop_assert_ne!(a, key::identity_key(Some("AT"), Some("Glock"), Some("G17"), Some(&other)));
    }

    /// Any history the rules admit one event at a time replays without error, in any order of
    /// entry; and nothing but tracing or a correction follows a destruction.
    #[test]
    fn admitted_histories_replay_and_destruction_is_final(steps in prop::collection::vec((0usize..19, 0i64..3000), 1..25)) {
        let w = pistol("H1").prepare(&CategorySet::default(), THIS_YEAR).expect("valid");
        let start = NaiveDate::from_ymd_opt(2016, 1, 1).expect("date");
        let mut history: Vec<LifecycleEvent> = Vec::new();
        for (i, (k, day)) in steps.into_iter().enumerate() {
            let kind = EventKind::ALL[k];
            let mut e = LifecycleEvent::new(Uuid::from_u128(100 + i as u128), w.id, kind, start + chrono::Duration::days(day));
            e.seizure_basis = (kind == EventKind::Seized).then_some(SeizureBasis::CriminalOffence);
            e.trace_outcome = (kind == EventKind::Traced).then_some(TraceOutcome::Pending);
            e.country = matches!(kind, EventKind::Exported | EventKind::Imported).then(|| "DE".to_owned());
            e.to_holder = matches!(kind, EventKind::Transferred | EventKind::Issued).then(|| Uuid::from_u128(9));
            e.method = (kind == EventKind::Destroyed).then(|| "cutting".to_owned());
            e.standard = (kind == EventKind::Deactivated).then(|| "EU".to_owned());
            e.verifier = (kind == EventKind::Deactivated).then(|| "proof house".to_owned());
            e.marking_occasion = (kind == EventKind::Marked).then_some(salw_core::event::MarkingOccasion::Import);
            e.mark_text = (kind == EventKind::Marked).then(|| "KE 20".to_owned());
            if kind == EventKind::Corrected {
                match history.iter().find(|h| h.kind != EventKind::Corrected) {
                    Some(target) => { e.supersedes = Some(target.id); e.reason = Some("mistake".into()); }
                    None => continue,
                }
            }
            let Ok(e) = e.prepare(today()) else { continue };
            if lifecycle::admit(&w, &history, &e).is_ok() {
                history.push(e);
                prop_assert!(lifecycle::replay(&w, &history).is_ok());
            }
        }
        let live = lifecycle::effective(&history);
        if let Some(pos) = live.iter().position(|e| e.kind == EventKind::Destroyed) {
            for later in &live[pos + 1..] {
                prop_assert!(matches!(later.kind, EventKind::Traced), "{:?} after destruction", later.kind);
            }
        }
    }
}
