//! What the commands print: plain text for people, `--json` for programs.

use std::time::Duration;

use anyhow::Result;
use salw_core::LifecycleEvent;
use salw_store::{Backend, Outcome, RowError, StoredEvent, StoredWeapon};
use serde_json::json;
use uuid::Uuid;

use crate::node::Reg;

pub fn problems(errors: &[RowError], count: u64, json: bool) -> Result<()> {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({ "committed": false, "error_count": count, "errors": errors })
            )?
        );
        return Ok(());
    }
    for e in errors {
        eprintln!("{e}");
    }
    if count > errors.len() as u64 {
        eprintln!("… and {} more problems", count - errors.len() as u64);
    }
    eprintln!(
        "nothing was written ({count} problem{})",
        if count == 1 { "" } else { "s" }
    );
    Ok(())
}

pub fn import_outcome(o: &Outcome, took: Duration, json: bool) -> Result<()> {
    if !o.committed() {
        return problems(&o.errors, o.error_count, json);
    }
    let rows = o.weapons_added + o.persons_added + o.events_added + o.unchanged;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "committed": true,
                "weapons_added": o.weapons_added, "persons_added": o.persons_added, "events_added": o.events_added,
                "unchanged": o.unchanged, "seconds": took.as_secs_f64(),
            }))?
        );
    } else {
        println!(
            "imported {rows} rows in {:.2} s: {} weapons, {} persons, {} events added; {} already present",
            took.as_secs_f64(),
            o.weapons_added,
            o.persons_added,
            o.events_added,
            o.unchanged
        );
    }
    Ok(())
}

pub fn summary(reg: &mut Reg, json: bool) -> Result<()> {
    let node = reg.node()?;
    let s = reg.backend().summary()?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "node": node, "summary": s }))?
        );
        return Ok(());
    }
    let country = node
        .and_then(|n| n.country)
        .unwrap_or_else(|| "not set".into());
    println!(
        "Registry of {country}: {} weapons, {} persons and organisations, {} events ({} journal entries)",
        s.weapons, s.persons, s.events, s.journal_entries
    );
    let list = |items: &[(String, u64)]| {
        items
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("  by status:   {}", list(&s.by_status));
    println!("  by category: {}", list(&s.by_category));
    println!("  events:      {}", list(&s.by_event_kind));
    println!(
        "  still without a unique mark, not destroyed (ITI para 9 follow-up due): {}",
        s.inadequately_marked
    );
    Ok(())
}

pub fn weapon_list(weapons: &[StoredWeapon], json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(weapons)?);
        return Ok(());
    }
    if weapons.is_empty() {
        println!("no weapons match");
    }
    for s in weapons {
        let w = &s.weapon;
        println!(
            "{}  {:<12} {:<20} {:<22} {:<14} {}",
            w.id,
            s.status,
            w.category,
            format!(
                "{} {}",
                w.manufacturer.as_deref().unwrap_or("?"),
                w.model.as_deref().unwrap_or("")
            ),
            w.serial.as_deref().unwrap_or("(no serial)"),
            w.country.as_deref().unwrap_or("")
        );
    }
    Ok(())
}

fn person_name(reg: &mut Reg, id: Option<Uuid>) -> Option<String> {
    let id = id?;
    Some(match reg.backend().person(id) {
        Ok(Some(p)) => format!("{} ({id})", p.name),
        _ => id.to_string(),
    })
}

fn event_details(reg: &mut Reg, e: &LifecycleEvent) -> Vec<String> {
    let mut parts = Vec::new();
    let mut add = |label: &str, value: Option<String>| {
        if let Some(v) = value {
            parts.push(format!("{label} {v}"));
        }
    };
    add("from", person_name(reg, e.from_holder));
    add("to", person_name(reg, e.to_holder));
    add("country", e.country.clone());
    add("basis", e.seizure_basis.map(|b| b.to_string()));
    add("context", e.criminal_context.clone());
    add("acquired", e.acquisition.map(|a| a.to_string()));
    add("reactivated", e.reactivated.map(|r| r.to_string()));
    add("campaign", e.campaign.clone());
    add("amnesty", e.amnesty.map(|r| r.to_string()));
    add("outcome", e.trace_outcome.map(|t| t.to_string()));
    add("trace", e.trace_ref.clone());
    add("due back", e.due_on.map(|d| d.to_string()));
    add("method", e.method.clone());
    add("witnesses", e.witnesses.clone());
    add("parts treated", e.parts_treated.clone());
    add("officer", e.officer.clone());
    add("standard", e.standard.clone());
    add("verified by", e.verifier.clone());
    add("certificate", e.certificate.clone());
    add("mark", e.mark_text.clone());
    add("assigned serial", e.assigned_serial.clone());
    add("place", e.place.clone());
    add("agency", e.agency.clone());
    add("legal basis", e.legal_basis.clone());
    add("document", e.document.clone());
    add("reason", e.reason.clone());
    add("corrects", e.supersedes.map(|s| s.to_string()));
    parts
}

pub fn weapon(reg: &mut Reg, s: &StoredWeapon, timeline: &[StoredEvent], json: bool) -> Result<()> {
    let w = &s.weapon;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({ "weapon": w, "status": s.status, "holder": s.holder, "timeline": timeline })
            )?
        );
        return Ok(());
    }
    println!(
        "Weapon {}{}",
        w.id,
        w.reference
            .as_deref()
            .map(|r| format!("  (reference {r})"))
            .unwrap_or_default()
    );
    println!(
        "  {} · {} {} · made in {} · {}",
        w.category,
        w.manufacturer.as_deref().unwrap_or("unknown maker"),
        w.model.as_deref().unwrap_or(""),
        w.country.as_deref().unwrap_or("unknown country"),
        w.year
            .map(|y| y.to_string())
            .unwrap_or_else(|| "year unknown".into())
    );
    match (&w.calibre, &w.calibre_canonical) {
        (Some(raw), Some(canonical)) if raw != canonical => {
            println!("  calibre {canonical} (marked \"{raw}\")")
        }
        (Some(raw), _) => println!("  calibre {raw}"),
        _ => {}
    }
    println!(
        "  UNODC type {} · marking form {}{}",
        w.unodc_type.map(|t| t.to_string()).unwrap_or_default(),
        w.marking_form.map(|f| f.to_string()).unwrap_or_default(),
        if w.antique { " · antique" } else { "" }
    );
    if w.inadequately_marked {
        println!(
            "  INADEQUATELY MARKED: follow-up {} (ITI para 9)",
            w.follow_up.map(|f| f.to_string()).unwrap_or_default()
        );
    }
    let holder = person_name(reg, s.holder);
    println!(
        "  status {}{}",
        s.status,
        holder.map(|h| format!(" · holder {h}")).unwrap_or_default()
    );
    println!("Marks");
    for m in &w.marks {
        println!(
            "  {:<13} \"{}\"  on {} · {}{}",
            m.kind,
            m.text,
            m.location,
            m.condition,
            m.recovered_text
                .as_deref()
                .map(|r| format!(" (recovered \"{r}\")"))
                .unwrap_or_default()
        );
    }
    if !w.components.is_empty() {
        println!("Components");
        for c in &w.components {
            println!(
                "  {:<13} {}",
                c.part,
                c.serial.as_deref().unwrap_or("(no serial)")
            );
            for m in &c.marks {
                println!(
                    "      {} \"{}\" on {} · {}",
                    m.kind, m.text, m.location, m.condition
                );
            }
        }
    }
    println!("Timeline");
    if timeline.is_empty() {
        println!("  (no events yet)");
    }
    for t in timeline {
        let e = &t.event;
        let struck = if t.superseded_by.is_some() {
            "  [superseded]"
        } else {
            ""
        };
        println!("  {}  {:<22}{}", e.occurred_on, e.kind, struck);
        let details = event_details(reg, e);
        if !details.is_empty() {
            println!("              {}", details.join(" · "));
        }
        println!(
            "              recorded {} by {} · event {}",
            t.recorded_at, t.recorded_by, e.id
        );
    }
    Ok(())
}
