//! `salw armoury`, `count`, `discrepancy`, `campaign`, `hold`, `destruction` and
//! `reactivations`: the stockpile workflows (salw_store::stockpile; docs/stockpile.md). The
//! server's pages and API call the same functions.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use chrono::NaiveDate;
use salw_core::stockpile::{
    Campaign, CountKind, CountPlan, CountPolicy, DestructionBatch, DiscrepancyAction, Programme,
    Resolution,
};
use salw_server::stock::{
    IntakeItem, identify_unexpected, intake, resolve_person, resolve_weapon, serial_key,
};
use salw_store::Backend;
use salw_store::stockpile::{self as stock, Hold, Keeper};

use crate::args::{
    ArmouryCommand, CampaignCommand, Cli, CountCommand, DestructionCommand, DiscrepancyCommand,
    HoldCommand,
};
use crate::node;

fn date(field: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| anyhow!("--{field}: '{}' is not a date (YYYY-MM-DD)", text.trim()))
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Prints the problems of a refusal and returns the failing exit code.
fn refused(what: &str, problems: &[String]) -> ExitCode {
    for p in problems {
        eprintln!("{what}: {p}");
    }
    eprintln!(
        "{what}: refused, {} problem(s); nothing kept",
        problems.len()
    );
    ExitCode::from(1)
}

fn keeper(cli: &Cli) -> Keeper {
    Keeper::from(&node::context(cli, "cli"))
}

fn json_out(value: &impl serde::Serialize) -> Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(ExitCode::SUCCESS)
}

pub fn armoury(cli: &Cli, command: &ArmouryCommand) -> Result<ExitCode> {
    let mut reg = node::open(cli, false)?;
    match command {
        ArmouryCommand::List { json } => {
            let list = stock::armouries(reg.backend(), today())?;
            if *json {
                return json_out(&list);
            }
            if list.is_empty() {
                println!(
                    "no armoury holds weapons; weapons transferred to a registered organisation are held by it"
                );
            }
            for a in &list {
                println!(
                    "{}  {}  in store {}, on issue {} ({} overdue), last full count {}, next due {}{}",
                    a.id,
                    a.name,
                    a.in_store,
                    a.issued,
                    a.issued_overdue,
                    a.last_full_count
                        .map_or("never".to_owned(), |d| d.to_string()),
                    a.next_count_due.map_or("now".to_owned(), |d| d.to_string()),
                    if a.count_overdue {
                        "  COUNT OVERDUE"
                    } else {
                        ""
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ArmouryCommand::Show { armoury, json } => {
            let id = match resolve_person(&mut reg, "armoury", armoury)? {
                Ok(id) => id,
                Err(p) => return Ok(refused("armoury show", &[p])),
            };
            let (store, out) = stock::holdings(reg.backend(), id, today())?;
            if *json {
                let store: Vec<_> = store
                    .iter()
                    .map(|w| serde_json::json!({"weapon_id": w.weapon_id, "serial": w.serial, "description": w.description, "status": w.status}))
                    .collect();
                return json_out(&serde_json::json!({"in_store": store, "on_issue": out}));
            }
            println!("on issue ({}):", out.len());
            for o in &out {
                let e = o.issued.as_ref();
                println!(
                    "  {}  since {} ({} days){}{}{}",
                    o.serial.as_deref().unwrap_or("(no serial)"),
                    e.map(|e| e.occurred_on.to_string()).unwrap_or_default(),
                    o.days_out,
                    e.and_then(|e| e.reason.as_deref())
                        .map(|r| format!(", {r}"))
                        .unwrap_or_default(),
                    e.and_then(|e| e.due_on)
                        .map(|d| format!(", due back {d}"))
                        .unwrap_or_default(),
                    if o.overdue { "  OVERDUE" } else { "" }
                );
            }
            println!("in store ({}):", store.len());
            for w in &store {
                println!(
                    "  {}  {}  {}  {}",
                    w.serial.as_deref().unwrap_or("(no serial)"),
                    w.description,
                    w.status,
                    w.weapon_id
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn read_lines(file: Option<&std::path::Path>) -> Result<Vec<String>> {
    let mut text = String::new();
    match file {
        Some(f) => {
            text = std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?
        }
        None => {
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading the standard input")?;
        }
    }
    Ok(text.lines().map(str::to_owned).collect())
}

pub fn count(cli: &Cli, command: &CountCommand) -> Result<ExitCode> {
    match command {
        CountCommand::Policy { every } => {
            let mut reg = node::open(cli, false)?;
            let policy = CountPolicy {
                full_count_every_days: *every,
            };
            match stock::set_policy(reg.backend(), policy, &keeper(cli))? {
                Ok(()) => {
                    println!("each armoury is counted in full every {every} days");
                    Ok(ExitCode::SUCCESS)
                }
                Err(p) => Ok(refused("count policy", &p)),
            }
        }
        CountCommand::Plan {
            id,
            armoury,
            kind,
            on,
            counter,
            custodian,
            sample,
            weapons,
        } => {
            let mut reg = node::open(cli, false)?;
            let mut problems = Vec::new();
            let kind = kind
                .parse::<CountKind>()
                .map_err(|e| problems.push(format!("kind: {e}")))
                .ok();
            let planned_on = date("on", on)
                .map_err(|e| problems.push(e.to_string()))
                .ok();
            let armoury = match resolve_person(&mut reg, "armoury", armoury)? {
                Ok(a) => Some(a),
                Err(p) => {
                    problems.push(p);
                    None
                }
            };
            let mut expected = Vec::new();
            for (i, w) in weapons.iter().enumerate() {
                match resolve_weapon(&mut reg, &format!("weapon[{i}]"), w)? {
                    Ok(id) => expected.push(id),
                    Err(p) => problems.push(p),
                }
            }
            let (Some(kind), Some(planned_on), Some(armoury), true) =
                (kind, planned_on, armoury, problems.is_empty())
            else {
                return Ok(refused("count plan", &problems));
            };
            let plan = CountPlan {
                id: id.trim().to_owned(),
                armoury,
                kind,
                planned_on,
                counter: counter.trim().to_owned(),
                custodian: custodian.clone(),
                sample_size: *sample,
                expected,
            };
            match stock::plan_count(reg.backend(), plan, &keeper(cli), today())? {
                Ok(p) => {
                    println!(
                        "count {} planned: {} count of {} on {}{}",
                        p.id,
                        p.kind,
                        p.armoury,
                        p.planned_on,
                        if p.expected.is_empty() {
                            String::new()
                        } else {
                            format!(", {} weapon(s) to check", p.expected.len())
                        }
                    );
                    if !p.independent() {
                        println!(
                            "note: the counter is the custodian (ISACS 05.20 asks for someone independent)"
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(p) => Ok(refused("count plan", &p)),
            }
        }
        CountCommand::Enter {
            id,
            on,
            file,
            dry_run: true,
            json,
        } => {
            date("on", on)?;
            let lines = read_lines(file.as_deref())?;
            let mut reg = node::open(cli, false)?;
            let found: Vec<&str> = lines.iter().map(String::as_str).collect();
            let Some(c) = stock::preview_count(reg.backend(), id, &found, serial_key)? else {
                return Ok(refused(
                    "count enter",
                    &[format!("count: no count '{id}' is planned")],
                ));
            };
            if *json {
                return json_out(&c);
            }
            println!(
                "count {id} (dry run, nothing kept): {} of {} found, {} missing, {} not expected, {} entered twice",
                c.found.len(),
                c.expected,
                c.missing.len(),
                c.unexpected.len(),
                c.repeated.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        CountCommand::Enter {
            id, on, file, json, ..
        } => {
            let on = date("on", on)?;
            let lines = read_lines(file.as_deref())?;
            let mut reg = node::open(cli, true)?;
            let ctx = node::context(cli, "cli");
            // The marking search names the registered weapon a line not expected is; its index
            // is opened (built on first use) only when there is such a line.
            let found: Vec<&str> = lines.iter().map(String::as_str).collect();
            let any_unexpected = stock::preview_count(reg.backend(), id, &found, serial_key)?
                .is_some_and(|p| !p.unexpected.is_empty());
            let known = if any_unexpected {
                let searcher = crate::search::open_searcher(cli, &mut reg, false)?;
                identify_unexpected(reg.backend(), &searcher, id, &lines)?
            } else {
                Default::default()
            };
            match stock::enter_count(&mut reg, &ctx, id, on, &lines, serial_key, &|t| {
                known.get(t).copied()
            })? {
                Ok(r) => {
                    if *json {
                        return json_out(&r);
                    }
                    let c = &r.reconciliation;
                    println!(
                        "count {}: {} of {} found, {} missing, {} not expected, {} entered twice",
                        r.count,
                        c.found,
                        c.expected,
                        c.missing.len(),
                        c.unexpected.len(),
                        c.repeated.len()
                    );
                    for x in &c.unexpected {
                        println!("  line {}: '{}' is not expected here", x.line, x.text);
                    }
                    for d in &r.discrepancies {
                        println!("  discrepancy {d} opened");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(p) => Ok(refused("count enter", &p)),
            }
        }
        CountCommand::List { json } => {
            let mut reg = node::open(cli, false)?;
            let counts = stock::counts(reg.backend())?;
            if *json {
                return json_out(&counts);
            }
            let overdue: Vec<&str> = stock::overdue_counts(&counts, today())
                .iter()
                .map(|c| c.plan.id.as_str())
                .collect();
            for c in &counts {
                println!(
                    "{}  {}  {} planned {}  counter {}{}  {}",
                    c.plan.id,
                    c.armoury_name,
                    c.plan.kind,
                    c.plan.planned_on,
                    c.plan.counter,
                    if c.independent { "" } else { " (custodian)" },
                    match &c.result {
                        Some(r) => format!(
                            "counted {}: {} of {} found, {} discrepancies",
                            r.counted_on,
                            r.reconciliation.found,
                            r.reconciliation.expected,
                            r.discrepancies.len()
                        ),
                        None if overdue.contains(&c.plan.id.as_str()) => "OVERDUE".into(),
                        None => "not entered".into(),
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        CountCommand::Show { id, json } => {
            let mut reg = node::open(cli, false)?;
            let Some(c) = stock::count(reg.backend(), id)? else {
                return Ok(refused("count show", &[format!("count: no count '{id}'")]));
            };
            if *json {
                return json_out(&c);
            }
            println!(
                "count {}: {} count of {}, planned {} by {}, counter {}",
                c.plan.id,
                c.plan.kind,
                c.armoury_name,
                c.plan.planned_on,
                c.planned_by,
                c.plan.counter
            );
            if !c.plan.expected.is_empty() {
                println!("to check ({}):", c.plan.expected.len());
                for w in &c.plan.expected {
                    let label = reg
                        .backend()
                        .weapon(*w)?
                        .and_then(|s| s.weapon.serial.or(s.weapon.reference))
                        .unwrap_or_else(|| "(no serial)".into());
                    println!("  {label}  {w}");
                }
            }
            match &c.result {
                None => println!("not entered yet"),
                Some(r) => println!(
                    "counted {}: {} of {} found, {} missing, {} not expected; discrepancies {}",
                    r.counted_on,
                    r.reconciliation.found,
                    r.reconciliation.expected,
                    r.reconciliation.missing.len(),
                    r.reconciliation.unexpected.len(),
                    r.discrepancies.join(", ")
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn discrepancy(cli: &Cli, command: &DiscrepancyCommand) -> Result<ExitCode> {
    let (id, action, resolution, note, on) = match command {
        DiscrepancyCommand::List { open, json } => {
            let mut reg = node::open(cli, false)?;
            let list: Vec<_> = stock::discrepancies(reg.backend())?
                .into_iter()
                .filter(|d| !*open || !d.stage.is_closed())
                .collect();
            if *json {
                return json_out(&list);
            }
            for d in &list {
                println!(
                    "{}  {}  {}  opened {}  {}",
                    d.discrepancy.id,
                    d.discrepancy.kind,
                    d.discrepancy.text.as_deref().unwrap_or(""),
                    d.discrepancy.opened_on,
                    d.stage.label()
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
        DiscrepancyCommand::Investigate { id, note, on } => {
            (id, DiscrepancyAction::Investigate, None, note, on)
        }
        DiscrepancyCommand::Resolve {
            id,
            resolution,
            note,
            on,
        } => (id, DiscrepancyAction::Resolve, Some(resolution), note, on),
        DiscrepancyCommand::Confirm {
            id,
            resolution,
            note,
            on,
        } => (id, DiscrepancyAction::Confirm, Some(resolution), note, on),
    };
    let resolution = resolution
        .map(|r| r.parse::<Resolution>().map_err(|e| anyhow!("--as: {e}")))
        .transpose()?;
    let on = on.as_deref().map(|d| date("on", d)).transpose()?;
    let mut reg = node::open(cli, true)?;
    let ctx = node::context(cli, "cli");
    match stock::step_discrepancy(
        &mut reg,
        &ctx,
        id,
        action,
        resolution,
        note,
        on.unwrap_or_else(today),
    )? {
        Ok(stage) => {
            println!("discrepancy {id}: {}", stage.label());
            Ok(ExitCode::SUCCESS)
        }
        Err(p) => Ok(refused("discrepancy", &p)),
    }
}

pub fn campaign(cli: &Cli, command: &CampaignCommand) -> Result<ExitCode> {
    match command {
        CampaignCommand::Add {
            id,
            name,
            place,
            start,
            end,
            programme,
            amnesty,
        } => {
            let c = Campaign {
                id: id.trim().to_owned(),
                name: name.clone(),
                place: place.clone(),
                start: date("start", start)?,
                end: date("end", end)?,
                amnesty: *amnesty,
                programme: programme
                    .parse::<Programme>()
                    .map_err(|e| anyhow!("--programme: {e}"))?,
            };
            let mut reg = node::open(cli, false)?;
            match stock::add_campaign(reg.backend(), &c, &keeper(cli))? {
                Ok(()) => {
                    println!("campaign {} opened", c.id);
                    Ok(ExitCode::SUCCESS)
                }
                Err(p) => Ok(refused("campaign add", &p)),
            }
        }
        CampaignCommand::List { json } => {
            let mut reg = node::open(cli, false)?;
            let list = stock::campaigns(reg.backend())?;
            if *json {
                return json_out(&list);
            }
            for c in &list {
                let n = stock::intakes(reg.backend(), &c.id)?;
                println!(
                    "{}  {}  {}  {} to {}  {}{}  {} weapon(s), {} unmarked",
                    c.id,
                    c.name,
                    c.place,
                    c.start,
                    c.end,
                    c.programme,
                    if c.amnesty { ", amnesty" } else { "" },
                    n.len(),
                    n.iter().filter(|i| i.unmarked).count()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        CampaignCommand::Intake {
            id,
            file,
            on,
            place,
            json,
        } => {
            let on = date("on", on)?;
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .from_path(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let mut items = Vec::new();
            let mut problems = Vec::new();
            for (n, row) in reader.deserialize::<IntakeItem>().enumerate() {
                match row {
                    Ok(item) => items.push(item),
                    // Line n + 2: the header is line 1.
                    Err(e) => problems.push(format!("line {}: {e}", n + 2)),
                }
            }
            if !problems.is_empty() {
                return Ok(refused(&file.display().to_string(), &problems));
            }
            let mut reg = node::open(cli, true)?;
            let Some(c) = stock::campaign(reg.backend(), id)? else {
                return Ok(refused(
                    "campaign intake",
                    &[format!("campaign: no campaign '{id}'")],
                ));
            };
            let ctx = node::context(cli, "cli");
            match intake(&mut reg, &ctx, &c, on, place.as_deref(), &items)? {
                Ok(done) => {
                    if *json {
                        return json_out(&done);
                    }
                    println!(
                        "{} weapon(s) handed in to {}, {} unmarked (flagged for marking or destruction)",
                        done.len(),
                        c.id,
                        done.iter().filter(|i| i.unmarked).count()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(errors) => {
                    let p: Vec<String> = errors
                        .iter()
                        .map(|e| {
                            // Item n is the file's line n + 1 (after the header).
                            let line = if e.line > 0 { e.line + 1 } else { 0 };
                            format!("line {line}: {}: {}", e.field, e.reason)
                        })
                        .collect();
                    Ok(refused(&file.display().to_string(), &p))
                }
            }
        }
    }
}

pub fn hold(cli: &Cli, command: &HoldCommand) -> Result<ExitCode> {
    let (weapon, case, release) = match command {
        HoldCommand::Place { weapon, case } => (weapon, case, false),
        HoldCommand::Release { weapon, case } => (weapon, case, true),
    };
    let mut reg = node::open(cli, false)?;
    let w = match resolve_weapon(&mut reg, "weapon", weapon)? {
        Ok(w) => w,
        Err(p) => return Ok(refused("hold", &[p])),
    };
    let h = Hold {
        weapon_id: w,
        case: case.clone(),
        on: today(),
    };
    match stock::hold(reg.backend(), &h, release, &keeper(cli))? {
        Ok(()) => {
            println!(
                "{} {w} for {}",
                if release { "released" } else { "held" },
                case.trim()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(p) => Ok(refused("hold", &p)),
    }
}

pub fn destruction(cli: &Cli, command: &DestructionCommand) -> Result<ExitCode> {
    match command {
        DestructionCommand::Add {
            id,
            method,
            place,
            date: day,
            authority,
            witnesses,
            certificate,
            weapons,
        } => {
            let day = date("date", day)?;
            let mut reg = node::open(cli, true)?;
            let mut problems = Vec::new();
            let mut ids = Vec::new();
            for (i, w) in weapons.iter().enumerate() {
                match resolve_weapon(&mut reg, &format!("weapons[{i}]"), w)? {
                    Ok(id) => ids.push(id),
                    Err(p) => problems.push(p),
                }
            }
            if !problems.is_empty() {
                return Ok(refused("destruction", &problems));
            }
            let batch = DestructionBatch {
                id: id.trim().to_owned(),
                method: method.trim().to_owned(),
                place: place.trim().to_owned(),
                date: day,
                authority: authority.trim().to_owned(),
                witnesses: witnesses.trim().to_owned(),
                certificate: certificate.trim().to_owned(),
                weapons: ids,
            };
            let ctx = node::context(cli, "cli");
            match stock::destroy(&mut reg, &ctx, &batch)? {
                Ok(()) => {
                    println!(
                        "batch {}: {} weapon(s) destroyed, certificate {}",
                        batch.id,
                        batch.weapons.len(),
                        batch.certificate
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(p) => Ok(refused("destruction", &p)),
            }
        }
        DestructionCommand::List { json } => {
            let mut reg = node::open(cli, false)?;
            let list = stock::destructions(reg.backend())?;
            if *json {
                return json_out(&list);
            }
            for d in &list {
                println!(
                    "{}  {}  {}  {}  {} weapon(s)  certificate {}  {} photo(s)",
                    d.batch.id,
                    d.batch.date,
                    d.batch.method,
                    d.batch.place,
                    d.batch.weapons.len(),
                    d.batch.certificate,
                    d.evidence.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        DestructionCommand::Evidence { id, photo, caption } => {
            let bytes =
                std::fs::read(photo).with_context(|| format!("reading {}", photo.display()))?;
            let mut reg = node::open(cli, false)?;
            match stock::add_evidence(reg.backend(), id, &bytes, caption, &keeper(cli))? {
                Ok(e) => {
                    println!("photo kept for batch {id}: {} ({})", e.hash, e.media_type);
                    Ok(ExitCode::SUCCESS)
                }
                Err(p) => Ok(refused("destruction evidence", &p)),
            }
        }
    }
}

pub fn reactivations(cli: &Cli, json: bool) -> Result<ExitCode> {
    let mut reg = node::open(cli, false)?;
    let list = stock::reactivation_alerts(reg.backend())?;
    if json {
        return json_out(&list);
    }
    if list.is_empty() {
        println!("no deactivated weapon has turned up again");
    }
    for a in &list {
        println!(
            "{}  {}: deactivated {} ({}), {} {}{}",
            a.weapon_id,
            a.serial.as_deref().unwrap_or("(no serial)"),
            a.deactivated.occurred_on,
            a.deactivated.standard.as_deref().unwrap_or(""),
            a.recovered.kind,
            a.recovered.occurred_on,
            if a.acknowledged {
                ", reactivation recorded"
            } else {
                "  POSSIBLE ILLICIT REACTIVATION"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
