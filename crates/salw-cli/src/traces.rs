//! `salw trace …`: the domestic trace and trace requests between States (docs/tracing.md). The
//! workflow is salw_server::traces', shared with the server.

use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use salw_core::LifecycleEvent;
use salw_core::trace::{DomesticTrace, domestic_trace};
use salw_server::federation::FederationError;
use salw_server::traces::{self, AnswerInput, CloseInput, CreateError, NewTrace, TraceView};
use salw_store::{Backend, RecordRef, StoredWeapon};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::args::{Cli, TraceCommand};
use crate::node::{self, Reg};

fn named(e: FederationError) -> anyhow::Error {
    match e {
        FederationError::Field { field, reason } => anyhow!("--{field}: {reason}"),
        FederationError::Store(e) => e.into(),
    }
}

fn weapon(reg: &mut Reg, text: &str, flag: &str) -> Result<StoredWeapon> {
    let r = RecordRef::parse(text)
        .ok_or_else(|| anyhow!("{flag}: a weapon id or reference is needed"))?;
    reg.find_weapon(&r)?
        .ok_or_else(|| anyhow!("{flag}: no weapon is recorded as '{}'", text.trim()))
}

fn standing_events(reg: &mut Reg, id: Uuid) -> Result<Vec<LifecycleEvent>> {
    Ok(traces::standing_events(reg, id)?)
}

fn holder_name(reg: &mut Reg, id: Option<Uuid>) -> Result<String> {
    Ok(match id {
        None => "unknown".into(),
        Some(id) => match reg.backend().person(id)? {
            Some(p) => format!("{} ({id})", p.name),
            None => id.to_string(),
        },
    })
}

pub fn run(cli: &Cli, command: &TraceCommand) -> Result<ExitCode> {
    let now = chrono::Utc::now();
    let by = node::context(cli, "cli").recorded_by;
    match command {
        TraceCommand::Domestic { weapon: w, json } => {
            let mut reg = node::open(cli, false)?;
            let home = reg.node()?.and_then(|n| n.country).unwrap_or_default();
            let stored = weapon(&mut reg, w, "weapon")?;
            let events = standing_events(&mut reg, stored.weapon.id)?;
            let found = domestic_trace(&stored.weapon, &events, &home);
            if *json {
                println!("{}", serde_json::to_string_pretty(&found)?);
                return Ok(ExitCode::SUCCESS);
            }
            match found {
                DomesticTrace::PointOfDiversion {
                    last_legal_holder,
                    on,
                    how,
                    ..
                } => {
                    println!("point of diversion found in this registry:");
                    println!(
                        "  last legal holder: {}",
                        holder_name(&mut reg, last_legal_holder)?
                    );
                    if let Some(on) = on {
                        println!("  left the licit circuit: {on}");
                    }
                    println!("  how: {how}");
                }
                DomesticTrace::AskStates {
                    states,
                    last_known_holder,
                    why,
                } => {
                    println!("no point of diversion in this registry: {why}");
                    if last_known_holder.is_some() {
                        println!(
                            "  last known holder: {}",
                            holder_name(&mut reg, last_known_holder)?
                        );
                    }
                    if states.is_empty() {
                        println!("  no State to ask is known from the records");
                    }
                    for s in states {
                        println!("  ask {}: {}", s.country, s.why);
                    }
                }
            }
        }
        TraceCommand::Create {
            weapon: w,
            to,
            reference,
            urgent,
            illicit_basis,
            circumstances,
            serial_status,
            import_marks,
            photos,
            intended_use,
            restrictions,
            confidentiality,
            json,
        } => {
            let mut reg = node::open(cli, false)?;
            let stored = weapon(&mut reg, w, "weapon")?;
            let additions = traces::RequestAdditions {
                illicit_basis: illicit_basis.clone(),
                circumstances: circumstances.clone(),
                serial_status: serial_status.clone(),
                import_marks: import_marks.clone(),
                photos: photos.clone(),
                intended_use: intended_use.clone(),
            };
            let Some(content) = traces::draft_request(&mut reg, &stored, &additions)? else {
                bail!(
                    "weapon: {} has no seizure, finding, surrender or recovery recorded: record it first (`salw event add`)",
                    w.trim()
                );
            };
            let new = NewTrace {
                partner: to.clone(),
                weapon_id: Some(stored.weapon.id),
                reference: reference
                    .clone()
                    .or_else(|| stored.weapon.reference.clone())
                    .unwrap_or_else(|| stored.weapon.id.to_string()),
                urgent: urgent.clone(),
                restrictions: restrictions.clone(),
                confidentiality: confidentiality.clone(),
            };
            match traces::create(reg.backend(), &new, &content, &by, now) {
                Ok(v) => {
                    if *json {
                        println!("{}", serde_json::to_string_pretty(&v)?);
                    } else {
                        println!(
                            "trace {} drafted: {} request to {} for weapon {}; send it with `salw trace send {}`",
                            v.trace.id,
                            v.trace.priority,
                            v.trace.partner,
                            stored.weapon.id,
                            v.trace.id
                        );
                    }
                }
                Err(CreateError::Incomplete(missing)) => {
                    eprintln!(
                        "the trace request is incomplete or wrong (ITI para 17); nothing was saved:"
                    );
                    // An item this command takes is named by its option; the others come
                    // from the weapon's records.
                    for (f, reason) in &missing {
                        if traces::GIVEN_FIELDS.contains(&f.as_str()) {
                            eprintln!("  --{}: {reason}", f.replace('_', "-"));
                        } else {
                            eprintln!("  {f} (from the weapon's records): {reason}");
                        }
                    }
                    bail!(
                        "{} item(s) missing or wrong: {}",
                        missing.len(),
                        missing
                            .iter()
                            .map(|(f, _)| f.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
                Err(CreateError::Field(e)) => return Err(named(e)),
                Err(CreateError::Store(e)) => return Err(e.into()),
            }
        }
        TraceCommand::Send { id } => {
            let (mut reg, key, info) = open_signing(cli)?;
            let s = traces::send(reg.backend(), &key, &info, id, &by, now).map_err(named)?;
            println!(
                "trace {} sent (message {}); acknowledgement due by {}, answer by {}; `salw serve` delivers it",
                s.trace_id,
                s.message_id.as_deref().unwrap_or("?"),
                s.acknowledge_by.as_deref().unwrap_or("?"),
                s.answer_by.as_deref().unwrap_or("?")
            );
        }
        TraceCommand::Acknowledge { id } => {
            let (mut reg, key, info) = open_signing(cli)?;
            let s = traces::acknowledge(reg.backend(), &key, &info, id, &by, now).map_err(named)?;
            println!(
                "trace {} acknowledged (message {})",
                s.trace_id,
                s.message_id.as_deref().unwrap_or("?")
            );
        }
        TraceCommand::Ask { id, questions } => {
            let (mut reg, key, info) = open_signing(cli)?;
            let s = traces::ask_information(reg.backend(), &key, &info, id, questions, &by, now)
                .map_err(named)?;
            println!(
                "trace {}: more information asked for (message {})",
                s.trace_id,
                s.message_id.as_deref().unwrap_or("?")
            );
        }
        TraceCommand::Inform { id, information } => {
            let (mut reg, key, info) = open_signing(cli)?;
            let s =
                traces::provide_information(reg.backend(), &key, &info, id, information, &by, now)
                    .map_err(named)?;
            println!(
                "trace {}: information sent (message {})",
                s.trace_id,
                s.message_id.as_deref().unwrap_or("?")
            );
        }
        TraceCommand::Remind { id, note } => {
            let (mut reg, key, info) = open_signing(cli)?;
            let s = traces::remind(reg.backend(), &key, &info, id, note.as_deref(), &by, now)
                .map_err(named)?;
            println!(
                "trace {}: reminder sent (message {})",
                s.trace_id,
                s.message_id.as_deref().unwrap_or("?")
            );
        }
        TraceCommand::Answer {
            id,
            outcome,
            ground,
            findings,
            weapon: w,
            next_state,
            restrictions,
            confidentiality,
        } => {
            let (mut reg, key, info) = open_signing(cli)?;
            let history = match w {
                None => None,
                Some(w) => {
                    let stored = weapon(&mut reg, w, "--weapon")?;
                    let events = standing_events(&mut reg, stored.weapon.id)?;
                    Some(json!({"weapon": stored.weapon, "events": events}))
                }
            };
            let a = AnswerInput {
                outcome: outcome.clone(),
                ground: ground.clone(),
                findings: findings.clone(),
                next_state: next_state.clone(),
                history,
                restrictions: restrictions.clone(),
                confidentiality: confidentiality.clone(),
            };
            let s = traces::answer(reg.backend(), &key, &info, id, &a, &by, now).map_err(named)?;
            println!(
                "trace {} answered: {} (message {})",
                s.trace_id,
                outcome.trim(),
                s.message_id.as_deref().unwrap_or("?")
            );
        }
        TraceCommand::Close {
            id,
            result,
            diversion,
            reason,
        } => {
            let (mut reg, key, info) = open_signing(cli)?;
            let c = CloseInput {
                result: result.clone(),
                reason: reason.clone(),
                point_of_diversion: diversion.clone(),
            };
            let v = traces::check_close(reg.backend(), id, &c, now).map_err(named)?;
            let event = traces::record_traced(&mut reg, &node::context(cli, "trace"), &v, &c)
                .map_err(named)?;
            let s = traces::close(reg.backend(), &key, &info, id, &c, &by, now).map_err(named)?;
            println!(
                "trace {} closed: {} (message {})",
                s.trace_id,
                c.result.trim(),
                s.message_id.as_deref().unwrap_or("?")
            );
            match event {
                Some(e) => println!(
                    "recorded on weapon {}: {e}",
                    v.trace.weapon_id.as_deref().unwrap_or("?")
                ),
                None => println!("the weapon's tracing status is unchanged"),
            }
        }
        TraceCommand::List { overdue, json } => {
            let mut reg = node::open(cli, false)?;
            let all = traces::list(reg.backend(), now)?;
            let shown: Vec<TraceView> = all
                .into_iter()
                .filter(|v| !*overdue || v.overdue.is_some())
                .collect();
            if *json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"traces": shown}))?
                );
            } else if shown.is_empty() {
                println!(
                    "{}",
                    if *overdue {
                        "no trace is overdue"
                    } else {
                        "no traces yet"
                    }
                );
            } else {
                for v in shown {
                    println!(
                        "{}  {} {} {}  {}  {}{}{}",
                        v.trace.id,
                        v.trace.role,
                        if v.trace.role == "sent" { "to" } else { "from" },
                        v.trace.partner,
                        v.trace.priority,
                        v.state,
                        v.last_delivery
                            .map(|d| format!(" (last message sent: {d})"))
                            .unwrap_or_default(),
                        v.overdue
                            .as_deref()
                            .map(|o| format!("  OVERDUE: {o}"))
                            .unwrap_or_default()
                    );
                }
            }
        }
        TraceCommand::Show { id, json } => {
            let mut reg = node::open(cli, false)?;
            let v = traces::view(reg.backend(), id, now).map_err(named)?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print_view(&v)?;
            }
        }
        TraceCommand::Stats { json } => {
            let mut reg = node::open(cli, false)?;
            let stats = traces::partner_stats(&traces::list(reg.backend(), now)?);
            if *json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"partners": stats}))?
                );
            } else if stats.is_empty() {
                println!("no trace request sent or received yet");
            } else {
                let hours =
                    |h: Option<f64>| h.map(|h| format!("{h:.1} h")).unwrap_or_else(|| "-".into());
                for s in stats {
                    println!(
                        "{} ({} {}): {} request(s), {} acknowledged, {} answered ({}); median {} to acknowledge, {} to answer",
                        s.partner,
                        if s.role == "sent" {
                            "requests to"
                        } else {
                            "requests from"
                        },
                        s.partner,
                        s.requests,
                        s.acknowledged,
                        s.answered,
                        s.response_rate_percent
                            .map(|p| format!("{p} %"))
                            .unwrap_or_else(|| "-".into()),
                        hours(s.median_hours_to_acknowledge),
                        hours(s.median_hours_to_answer)
                    );
                }
            }
        }
        TraceCommand::Deadlines {
            country,
            acknowledge_hours,
            answer_hours,
        } => {
            let mut reg = node::open(cli, false)?;
            let c = traces::set_partner_hours(
                reg.backend(),
                country,
                *acknowledge_hours,
                *answer_hours,
            )
            .map_err(named)?;
            println!(
                "requests to {c}: acknowledgement due within {acknowledge_hours} h, answer within {answer_hours} h"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn open_signing(cli: &Cli) -> Result<(Reg, ed25519_dalek::SigningKey, salw_store::NodeInfo)> {
    let mut reg = node::open(cli, true)?;
    let info = reg.node()?.context("not initialised")?;
    let key = node::load_key(&node::key_path(cli, &node::location(cli)?)?)?;
    Ok((reg, key, info))
}

fn print_view(v: &TraceView) -> Result<()> {
    let t = &v.trace;
    println!("trace {}", t.id);
    println!(
        "  {} {} {}",
        t.role,
        if t.role == "sent" { "to" } else { "from" },
        t.partner
    );
    println!("  reference:       {}", t.reference);
    println!(
        "  priority:        {}{}",
        t.priority,
        t.urgency_reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default()
    );
    println!("  state:           {}", v.state);
    if let Some(o) = &v.overdue {
        println!("  OVERDUE:         {o}");
    }
    if let Some(w) = &t.weapon_id {
        println!("  weapon:          {w}");
    }
    println!("  confidentiality: {}", t.confidentiality);
    let restrictions: Vec<String> = serde_json::from_str(&t.restrictions).unwrap_or_default();
    if !restrictions.is_empty() {
        println!("  restrictions:    {}", restrictions.join("; "));
    }
    let request: Value = serde_json::from_str(&t.request).unwrap_or(Value::Null);
    if let Value::Object(m) = &request {
        println!("  request:");
        for (k, val) in m {
            if !val.is_null() && val != &json!([]) {
                println!("    {k}: {}", plain(val));
            }
        }
    }
    println!("  steps:");
    for s in &v.steps {
        println!(
            "    {}  {}  by {}{}",
            s.at,
            s.state,
            s.by,
            s.message_id
                .as_deref()
                .map(|m| format!("  (message {m})"))
                .unwrap_or_default()
        );
        if let (Some(a), Some(b)) = (&s.acknowledge_by, &s.answer_by) {
            println!("      acknowledgement due by {a}, answer by {b}");
        }
        let detail: Value = serde_json::from_str(&s.detail).unwrap_or(Value::Null);
        if let Value::Object(m) = detail {
            if s.state == "received" {
                println!("      {}", m.get("search").map(plain).unwrap_or_default());
                let hits = m
                    .get("candidates")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if hits.is_empty() {
                    println!("      no candidate in this registry");
                }
                for h in hits {
                    println!(
                        "      candidate {}  score {}  serial {}  {} {} ({})",
                        plain(&h["weapon_id"]),
                        plain(&h["score"]),
                        plain(&h["serial"]),
                        plain(&h["manufacturer"]),
                        plain(&h["model"]),
                        plain(&h["status"])
                    );
                }
                continue;
            }
            for (k, val) in m {
                if k == "in_reply_to" {
                    continue;
                }
                if k == "history" {
                    let n = val["events"].as_array().map(Vec::len).unwrap_or(0);
                    println!("      history: {n} event(s) of the weapon's records");
                    if let Some(events) = val["events"].as_array() {
                        for e in events {
                            println!(
                                "        {} {}{}",
                                plain(&e["occurred_on"]),
                                plain(&e["kind"]),
                                e["country"]
                                    .as_str()
                                    .map(|c| format!(" {c}"))
                                    .unwrap_or_default()
                            );
                        }
                    }
                    continue;
                }
                println!("      {k}: {}", plain(&val));
            }
        }
    }
    Ok(())
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}
