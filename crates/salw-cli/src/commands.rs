//! One function per command.

use std::fs::File;
use std::io::{BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use salw_core::lifecycle::WeaponStatus;
use salw_io::{CsvExport, Format, JsonlExport, RecordKind, Rows};
use salw_store::backend::WeaponFilter;
use salw_store::{Backend, Outcome, RecordRef, RowError, Staged};
use salw_store_any::Location;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::args::{
    Cli, Command, EventArgs, EventCommand, ExportFormat, IndexCommand, KindArg, NodeCommand,
    PersonCommand, WeaponArgs, WeaponCommand,
};
use crate::node;
use crate::output;

pub fn run(cli: Cli) -> Result<ExitCode> {
    match &cli.command {
        Command::Init { country } => init(&cli, country.as_deref()),
        Command::Node(NodeCommand::Info { json }) => node_info(&cli, *json),
        Command::Node(NodeCommand::SetAddress { url }) => crate::peers::set_address(&cli, url),
        Command::Peer(command) => crate::peers::run(&cli, command),
        Command::Trace(command) => crate::traces::run(&cli, command),
        Command::Alert(command) => crate::peers::alerts(&cli, command),
        Command::Node(NodeCommand::SetCountry { country }) => {
            let mut reg = node::open(&cli, true)?;
            let node = reg.set_country(country, &node::context(&cli, "cli"))?;
            println!("country set to {}", node.country.unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
        Command::Weapon(WeaponCommand::Add(args)) => weapon_add(&cli, args),
        Command::Serve(args) => crate::accounts::serve(&cli, args),
        Command::Indicator(command) => crate::indicator::run(&cli, command),
        Command::Report(command) => crate::report::run(&cli, command),
        Command::Assess(command) => crate::assess::assess(&cli, command),
        Command::Assist(command) => crate::assess::assist(&cli, command),
        Command::Armoury(command) => crate::stock::armoury(&cli, command),
        Command::Count(command) => crate::stock::count(&cli, command),
        Command::Discrepancy(command) => crate::stock::discrepancy(&cli, command),
        Command::Campaign(command) => crate::stock::campaign(&cli, command),
        Command::Hold(command) => crate::stock::hold(&cli, command),
        Command::Destruction(command) => crate::stock::destruction(&cli, command),
        Command::Reactivations { json } => crate::stock::reactivations(&cli, *json),
        Command::User(command) => crate::accounts::user(&cli, command),
        Command::Token(command) => crate::accounts::token(&cli, command),
        Command::Search(args) => crate::search::search(&cli, args),
        Command::Index(IndexCommand::Rebuild { json }) => crate::search::rebuild(&cli, *json),
        Command::Weapon(WeaponCommand::List {
            status,
            category,
            serial,
            limit,
            json,
        }) => {
            let mut reg = node::open(&cli, false)?;
            let status = status
                .as_deref()
                .map(str::parse::<WeaponStatus>)
                .transpose()
                .map_err(|e| anyhow::anyhow!("--status: {e}"))?;
            let filter = WeaponFilter {
                status,
                category: category.clone(),
                serial: serial.clone(),
                limit: *limit,
            };
            let weapons = reg.backend().list_weapons(&filter)?;
            output::weapon_list(&weapons, *json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Person(PersonCommand::Add {
            name,
            organisation,
            sex,
            roles,
            country,
            identifier,
            reference,
            notes,
            json,
        }) => {
            let mut map = Map::new();
            map.insert("id".into(), json!(Uuid::now_v7()));
            map.insert(
                "kind".into(),
                json!(if *organisation {
                    "organisation"
                } else {
                    "individual"
                }),
            );
            map.insert("name".into(), json!(name));
            put(&mut map, "sex", sex);
            if !roles.is_empty() {
                map.insert("roles".into(), json!(roles));
            }
            put(&mut map, "country", country);
            put(&mut map, "identifier", identifier);
            put(&mut map, "reference", reference);
            put(&mut map, "notes", notes);
            write_one(&cli, RecordKind::Person, map, *json, "person")
        }
        Command::Event(EventCommand::Add(args)) => event_add(&cli, args),
        Command::Show { weapon, json } => show(&cli, weapon, *json),
        Command::Summary { json } => {
            let mut reg = node::open(&cli, false)?;
            output::summary(&mut reg, *json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { files, kind, json } => import(&cli, files, *kind, *json),
        Command::Export { format, out } => export(&cli, *format, out),
        Command::Verify { json } => verify(&cli, *json),
        Command::Migrate { from, to, json } => crate::migrate::migrate(&cli, from, to, *json),
        Command::Demo {
            records,
            seed,
            country,
            csv_out,
            weapons_only,
        } => demo(
            &cli,
            *records,
            *seed,
            country,
            csv_out.as_deref(),
            *weapons_only,
        ),
        Command::CategoryAdd {
            name,
            class,
            unodc_type,
        } => {
            let class = class.parse().map_err(|e| anyhow::anyhow!("--class: {e}"))?;
            let unodc_type = unodc_type
                .parse()
                .map_err(|e| anyhow::anyhow!("--unodc-type: {e}"))?;
            let mut reg = node::open(&cli, true)?;
            let def = salw_core::category::CategoryDef {
                name: name.clone(),
                class,
                unodc_type,
            };
            let added = reg.define_category(def, &node::context(&cli, "cli"))?;
            println!(
                "category '{}' added ({}, UNODC type {})",
                added.name, added.class, added.unodc_type
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Categories => {
            let set = match &cli.db {
                Some(_) => node::open(&cli, false)?.categories()?.clone(),
                None => salw_core::category::CategorySet::default(),
            };
            println!("Categories (ITI para 4; class; UNODC type):");
            for def in set.all() {
                println!("  {:<42} {:<13} {}", def.name, def.class, def.unodc_type);
            }
            println!("\nCalibres (canonical designations; aliases are recognised):");
            println!("  {}", salw_core::calibre::canonical_names().join(", "));
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn put(map: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        map.insert(key.into(), json!(v));
    }
}

fn init(cli: &Cli, country: Option<&str>) -> Result<ExitCode> {
    let db = node::location(cli)?;
    let existing = match &db {
        Location::File(path) if !path.exists() => None,
        // A database that holds no registry yet gets its schema here; one that cannot be
        // reached is said before a key file is made.
        Location::Postgres(_) => Some(db.open(true)?),
        Location::File(_) => Some(db.open(false)?),
    };
    if let Some(backend) = existing
        && let Some(node) = salw_store::Registry::new(backend).node()?
    {
        bail!(
            "{db} is already a registry (country {}); nothing was changed",
            node.country.unwrap_or_else(|| "not set".into())
        );
    }
    if let Some(code) = country {
        salw_core::country::parse(code).map_err(|e| anyhow::anyhow!("--country: {e}"))?;
    }
    let key_file = node::key_path(cli, &db)?;
    let key = node::create_key(&key_file)?;
    let mut reg = salw_store::Registry::new(db.open(true)?);
    let info = reg.init(country, &key, &node::context(cli, "cli"))?;
    println!("created registry {db} ({})", reg.backend().kind());
    println!(
        "  country:    {}",
        info.country
            .as_deref()
            .unwrap_or("not set (salw node set-country CC)")
    );
    println!("  public key: {}", info.public_key);
    println!(
        "  signing key: {} (keep it private, back it up: without it the registry is read-only)",
        key_file.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn node_info(cli: &Cli, json: bool) -> Result<ExitCode> {
    let db = node::location(cli)?;
    let mut reg = node::open(cli, false)?;
    let info = reg.node()?.context("not initialised")?;
    let key_file = node::key_path(cli, &db)?;
    let address = reg.backend().meta(crate::peers::ADDRESS_META)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "country": info.country, "address": address, "public_key": info.public_key, "initialised_at": info.initialised_at,
                "database": db.to_string(), "backend": reg.backend().kind(), "key_file": key_file, "key_file_present": key_file.exists(),
            }))?
        );
    } else {
        println!(
            "country:     {}",
            info.country.as_deref().unwrap_or("not set")
        );
        println!(
            "address:     {}",
            address
                .as_deref()
                .unwrap_or("not set (`salw node set-address URL`)")
        );
        println!("public key:  {}", info.public_key);
        println!("created:     {}", info.initialised_at);
        println!("database:    {db} ({})", reg.backend().kind());
        println!(
            "signing key: {}{}",
            key_file.display(),
            if key_file.exists() {
                ""
            } else {
                " (missing: writes are refused)"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes one record typed on the command line; prints its id, or every problem.
fn write_one(
    cli: &Cli,
    kind: RecordKind,
    map: Map<String, Value>,
    json: bool,
    what: &str,
) -> Result<ExitCode> {
    let staged = salw_io::to_record(kind, map, "", 0);
    let mut reg = node::open(cli, true)?;
    let outcome = reg.write(&node::context(cli, "cli"), [staged], &mut |_| {})?;
    if !outcome.committed() {
        output::problems(&outcome.errors, outcome.error_count, json)?;
        return Ok(ExitCode::from(1));
    }
    let id = outcome.ids.first().copied().unwrap_or_default();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "id": id, "added": outcome.unchanged == 0 }))?
        );
    } else if outcome.unchanged > 0 {
        println!("{what} {id} was already recorded with the same data; nothing added");
    } else {
        println!("recorded {what} {id}");
    }
    Ok(ExitCode::SUCCESS)
}

fn weapon_add(cli: &Cli, a: &WeaponArgs) -> Result<ExitCode> {
    let mut map = Map::new();
    map.insert("id".into(), json!(Uuid::now_v7()));
    map.insert("category".into(), json!(a.category));
    for (key, value) in [
        ("manufacturer", &a.manufacturer),
        ("country", &a.country),
        ("model", &a.model),
        ("serial", &a.serial),
        ("calibre", &a.calibre),
        ("unodc_type", &a.unodc_type),
        ("marking_form", &a.marking_form),
        ("symbol_code", &a.symbol_code),
        ("follow_up", &a.follow_up),
        ("reference", &a.reference),
        ("notes", &a.notes),
    ] {
        put(&mut map, key, value);
    }
    if let Some(year) = a.year {
        map.insert("year".into(), json!(year));
    }
    if a.antique {
        map.insert("antique".into(), json!(true));
    }
    if a.inadequately_marked {
        map.insert("inadequately_marked".into(), json!(true));
    }
    let mut marks = Vec::new();
    if let (Some(serial), true) = (
        &a.serial,
        a.serial_condition.is_some() || a.serial_recovered.is_some(),
    ) {
        let mut mark = json!({ "kind": "serial", "text": serial, "location": "frame" });
        mark["condition"] = json!(
            a.serial_condition
                .clone()
                .unwrap_or_else(|| "recovered".into())
        );
        if let Some(recovered) = &a.serial_recovered {
            mark["recovered_text"] = json!(recovered);
        }
        marks.push(mark);
    }
    for (i, text) in a.marks.iter().enumerate() {
        marks.push(
            parse_mark(text).map_err(|e| anyhow::anyhow!("--mark #{} '{text}': {e}", i + 1))?,
        );
    }
    if !marks.is_empty() {
        map.insert("marks".into(), Value::Array(marks));
    }
    let components: Vec<Value> = a
        .components
        .iter()
        .map(|c| match c.split_once(':') {
            Some((part, serial)) => json!({ "part": part.trim(), "serial": serial.trim() }),
            None => json!({ "part": c.trim() }),
        })
        .collect();
    if !components.is_empty() {
        map.insert("components".into(), Value::Array(components));
    }
    write_one(cli, RecordKind::Weapon, map, a.json, "weapon")
}

/// KIND:TEXT[@LOCATION][#CONDITION]
fn parse_mark(text: &str) -> std::result::Result<Value, String> {
    let (kind, rest) = text
        .split_once(':')
        .ok_or("expected KIND:TEXT, e.g. proof:crown@barrel")?;
    let (rest, condition) = match rest.rsplit_once('#') {
        Some((r, c)) => (r, Some(c.trim())),
        None => (rest, None),
    };
    let (mark_text, location) = match rest.rsplit_once('@') {
        Some((t, l)) => (t, Some(l.trim())),
        None => (rest, None),
    };
    let mut mark = json!({ "kind": kind.trim(), "text": mark_text.trim() });
    if let Some(l) = location {
        mark["location"] = json!(l);
    }
    if let Some(c) = condition {
        mark["condition"] = json!(c);
    }
    Ok(mark)
}

fn event_add(cli: &Cli, a: &EventArgs) -> Result<ExitCode> {
    let mut map = Map::new();
    map.insert("id".into(), json!(Uuid::now_v7()));
    map.insert("weapon".into(), json!(a.weapon));
    map.insert("kind".into(), json!(a.kind));
    map.insert("occurred_on".into(), json!(a.occurred_on));
    for (key, value) in [
        ("place", &a.place),
        ("agency", &a.agency),
        ("officer", &a.officer),
        ("legal_basis", &a.legal_basis),
        ("document", &a.document),
        ("source", &a.source),
        ("from_holder", &a.from_holder),
        ("to_holder", &a.to_holder),
        ("country", &a.country),
        ("seizure_basis", &a.seizure_basis),
        ("criminal_context", &a.criminal_context),
        ("acquisition", &a.acquisition),
        ("campaign", &a.campaign),
        ("assigned_serial", &a.assigned_serial),
        ("marking_occasion", &a.marking_occasion),
        ("mark_text", &a.mark_text),
        ("method", &a.method),
        ("witnesses", &a.witnesses),
        ("certificate", &a.certificate),
        ("standard", &a.standard),
        ("parts_treated", &a.parts_treated),
        ("verifier", &a.verifier),
        ("trace_ref", &a.trace_ref),
        ("trace_outcome", &a.trace_outcome),
        ("due_on", &a.due_on),
        ("reason", &a.reason),
        ("supersedes", &a.supersedes),
        ("notes", &a.notes),
    ] {
        put(&mut map, key, value);
    }
    for (key, flag) in [
        ("reactivated", a.reactivated),
        ("amnesty", a.amnesty),
        ("ddr", a.ddr),
        ("temporary", a.temporary),
    ] {
        if flag {
            map.insert(key.into(), json!(true));
        }
    }
    write_one(cli, RecordKind::Event, map, a.json, "event")
}

fn show(cli: &Cli, weapon: &str, json: bool) -> Result<ExitCode> {
    let mut reg = node::open(cli, false)?;
    let Some(r) = RecordRef::parse(weapon) else {
        bail!("give the weapon's id or reference")
    };
    let Some(stored) = reg.find_weapon(&r)? else {
        bail!("no weapon has the id or reference '{weapon}'");
    };
    let timeline = reg.timeline(stored.weapon.id)?;
    // The weapon's page names its holders.
    node::audit(
        &mut reg,
        cli,
        "view-weapon",
        weapon,
        &stored.weapon.id.to_string(),
    )?;
    output::weapon(&mut reg, &stored, &timeline, json)?;
    Ok(ExitCode::SUCCESS)
}

/// The files to read, in order: a folder written by `export --format csv` gives its three files.
fn expand(files: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in files {
        if path.is_dir() {
            let found: Vec<PathBuf> = CsvExport::FILES
                .iter()
                .map(|f| path.join(f))
                .filter(|p| p.exists())
                .collect();
            if found.is_empty() {
                bail!(
                    "{} is a folder without persons.csv, weapons.csv or events.csv",
                    path.display()
                );
            }
            out.extend(found);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// Rows the reading thread hands over at a time. A batch of prepared weapons is about 400
/// bytes a row: at 128 rows it is a block the allocator reuses, where at 512 each batch was a
/// large allocation of its own, freed by the other thread and faulted in again.
const READ_BATCH: usize = 128;

/// The files of one import, read and parsed on a second thread while the caller validates and
/// writes: on a bulk import both cores work. Batches keep the channel's cost per row small.
struct ImportReader {
    rows: std::sync::mpsc::Receiver<Vec<std::result::Result<Staged, RowError>>>,
    thread: std::thread::JoinHandle<()>,
    /// Bytes read so far, per file, for the progress bar.
    counters: Vec<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    total_bytes: u64,
}

impl ImportReader {
    fn start(
        files: &[PathBuf],
        kind: Option<KindArg>,
        categories: salw_core::category::CategorySet,
        this_year: i32,
    ) -> Result<Self> {
        let mut sources = Vec::new();
        let mut total_bytes = 0u64;
        for path in files {
            let format = Format::from_path(path).with_context(|| {
                format!(
                    "{}: give a .csv file, or JSON Lines as .jsonl, .ndjson or .json",
                    path.display()
                )
            })?;
            let file =
                File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
            total_bytes += file.metadata().map(|m| m.len()).unwrap_or(0);
            let kind = kind
                .map(|k| match k {
                    KindArg::Weapons => RecordKind::Weapon,
                    KindArg::Persons => RecordKind::Person,
                    KindArg::Events => RecordKind::Event,
                })
                .or_else(|| salw_io::read_file_kind(path));
            let name = path.display().to_string();
            sources.push(Rows::new(
                BufReader::with_capacity(1 << 16, file),
                format,
                &name,
                kind,
            ));
        }
        let counters = sources.iter().map(|s| s.bytes_read()).collect();
        let (sender, rows) =
            std::sync::mpsc::sync_channel::<Vec<std::result::Result<Staged, RowError>>>(64);
        // The checks that need no registry run on the reading thread too.
        let thread = std::thread::spawn(move || {
            let mut batch = Vec::with_capacity(READ_BATCH);
            for row in sources.into_iter().flatten() {
                match row {
                    Ok(staged) => {
                        salw_store::prepare_ahead(staged, &categories, this_year, &mut batch)
                    }
                    Err(e) => batch.push(Err(e)),
                }
                if batch.len() >= READ_BATCH
                    && sender
                        .send(std::mem::replace(
                            &mut batch,
                            Vec::with_capacity(READ_BATCH),
                        ))
                        .is_err()
                {
                    return; // the writer stopped: nothing more to read
                }
            }
            let _ = sender.send(batch);
        });
        Ok(ImportReader {
            rows,
            thread,
            counters,
            total_bytes,
        })
    }
}

fn import(cli: &Cli, files: &[PathBuf], kind: Option<KindArg>, json: bool) -> Result<ExitCode> {
    let mut files = expand(files)?;
    if kind.is_none() {
        // Records refer to records read before them: persons first, then weapons, then files
        // whose name does not say, then events, whatever order the shell's `*` gave them in
        // (events.csv comes first alphabetically). Stable: files of one kind keep their order.
        files.sort_by_key(|path| match salw_io::read_file_kind(path) {
            Some(RecordKind::Person) => 0,
            Some(RecordKind::Weapon) => 1,
            None => 2,
            Some(RecordKind::Event) => 3,
        });
    }
    let mut reg = node::open(cli, true)?;
    let source = format!(
        "import:{}",
        files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let ctx = node::context(cli, &source);
    let categories = reg.categories()?.clone();
    let this_year = chrono::Datelike::year(&ctx.now);
    let started = std::time::Instant::now();
    let reader = ImportReader::start(&files, kind, categories.clone(), this_year)?;
    let bar = if std::io::stderr().is_terminal() && !json {
        ProgressBar::new(reader.total_bytes)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} importing [{bar:40}] {bytes}/{total_bytes} {msg} ({eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let bulk = reg.backend().begin_bulk()?;
    let counters = reader.counters.clone();
    let mut progress = |n: u64| {
        bar.set_position(counters.iter().map(|c| c.load(Ordering::Relaxed)).sum());
        bar.set_message(format!("{n} rows"));
    };
    let first = reg.write_bulk(&ctx, reader.rows.into_iter().flatten(), &mut progress);
    let reader_failed = reader.thread.join().is_err();
    let outcome = match first {
        Ok(None) if !reader_failed => {
            // A clash that only the index build at the end saw: nothing was written; read the
            // files again, row by row against the indexes, to name each clashing line.
            bar.set_message("a clash was found; checking row by row to name it");
            let again = ImportReader::start(&files, kind, categories, this_year)?;
            let counters = again.counters.clone();
            let mut progress = |n: u64| {
                bar.set_position(counters.iter().map(|c| c.load(Ordering::Relaxed)).sum());
                bar.set_message(format!("{n} rows (second pass)"));
            };
            let outcome = reg.write(&ctx, again.rows.into_iter().flatten(), &mut progress);
            if again.thread.join().is_err() {
                bail!("the file reader stopped unexpectedly; nothing was written");
            }
            outcome
        }
        other => other.map(|o| o.unwrap_or_default()),
    };
    if bulk {
        reg.backend().end_bulk()?;
    }
    if reader_failed {
        bail!("the file reader stopped unexpectedly; nothing was written");
    }
    let outcome = outcome?;
    bar.finish_and_clear();
    output::import_outcome(&outcome, started.elapsed(), json)?;
    if outcome.committed() && outcome.weapons_added > 0 {
        crate::search::refresh_after_write(cli, &mut reg)?;
    }
    Ok(if outcome.committed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn export(cli: &Cli, format: ExportFormat, out: &Path) -> Result<ExitCode> {
    let mut reg = node::open(cli, false)?;
    // Persons, weapons and events, all of them, leave the registry.
    node::audit(
        &mut reg,
        cli,
        "export",
        &format!("{format:?} to {}", out.display()),
        "the whole registry",
    )?;
    let backend = reg.backend();
    let (mut persons, mut weapons, mut events) = (0u64, 0u64, 0u64);
    match format {
        ExportFormat::Jsonl => {
            let writer: Box<dyn std::io::Write> = if out.as_os_str() == "-" {
                Box::new(std::io::stdout().lock())
            } else {
                Box::new(
                    File::create(out)
                        .with_context(|| format!("cannot create {}", out.display()))?,
                )
            };
            let mut w = JsonlExport::new(std::io::BufWriter::new(writer));
            backend.scan_persons(&mut |p| io(w.person(&p)).map(|()| persons += 1))?;
            backend.scan_weapons(&mut |x| io(w.weapon(&x)).map(|()| weapons += 1))?;
            backend.scan_events(&mut |e| io(w.event(&e)).map(|()| events += 1))?;
            w.finish()?;
        }
        ExportFormat::Csv => {
            let mut w = CsvExport::create(out)
                .with_context(|| format!("cannot write CSV files into {}", out.display()))?;
            backend.scan_persons(&mut |p| io(w.person(&p)).map(|()| persons += 1))?;
            backend.scan_weapons(&mut |x| io(w.weapon(&x)).map(|()| weapons += 1))?;
            backend.scan_events(&mut |e| io(w.event(&e)).map(|()| events += 1))?;
            w.finish()?;
        }
    }
    eprintln!(
        "exported {persons} persons, {weapons} weapons, {events} events to {}",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn io(r: std::io::Result<()>) -> salw_store::backend::Result<()> {
    r.map_err(|e| salw_store::StoreError::Backend(format!("writing the export: {e}")))
}

fn verify(cli: &Cli, json: bool) -> Result<ExitCode> {
    let mut reg = node::open(cli, false)?;
    let report = reg.verify()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if report.intact() {
        println!(
            "journal intact: {} entries, head {} (signed at entry {})",
            report.entries,
            report.head_hash,
            report.signed_head_seq.unwrap_or(0)
        );
    } else {
        eprintln!(
            "journal BROKEN at entry {}: {}",
            report
                .first_broken
                .map(|s| s.to_string())
                .unwrap_or_else(|| "?".into()),
            report.problem.as_deref().unwrap_or("")
        );
    }
    Ok(if report.intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn demo(
    cli: &Cli,
    records: u64,
    seed: u64,
    country: &str,
    csv_out: Option<&Path>,
    weapons_only: bool,
) -> Result<ExitCode> {
    let country =
        salw_core::country::parse(country).map_err(|e| anyhow::anyhow!("--country: {e}"))?;
    let generator = salw_demo::Demo::new(seed, records, country);
    if let Some(dir) = csv_out {
        let mut w = CsvExport::create(dir)
            .with_context(|| format!("cannot write into {}", dir.display()))?;
        for staged in generator {
            match staged.record {
                salw_store::Record::Weapon(x) => w.weapon(&x)?,
                salw_store::Record::PreparedWeapon(x) => w.weapon(x.weapon())?,
                _ if weapons_only => {}
                salw_store::Record::Person(p) => w.person(&p)?,
                salw_store::Record::Event(d) => w.event(&d.event)?,
            }
        }
        w.finish()?;
        println!(
            "wrote {records} weapons with their persons and events to {}",
            dir.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let db = cli
        .db
        .clone()
        .unwrap_or_else(|| PathBuf::from("salw-demo.db"));
    let db = Location::from_path(&db)?;
    let key_file = node::key_path(cli, &db)?;
    let mut reg = salw_store::Registry::new(db.open(true)?);
    let fresh = reg.node()?.is_none();
    if fresh {
        let key = node::create_key(&key_file)?;
        reg.init(Some(country), &key, &node::context(cli, "demo"))?;
    }
    let mut reg = node::open_at(cli, &db, true)?;
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(records)
    } else {
        ProgressBar::hidden()
    };
    let started = std::time::Instant::now();
    let rows = generator.map(Ok::<Staged, RowError>);
    let outcome: Outcome = reg.write(&node::context(cli, "demo"), rows, &mut |n| {
        bar.set_position(n.min(records))
    })?;
    bar.finish_and_clear();
    if !outcome.committed() {
        output::problems(&outcome.errors, outcome.error_count, false)?;
        bail!("the demo generator produced records the registry refused (a bug in the generator)");
    }
    println!(
        "{} demo registry {} (seed {seed}, {records} weapons, country {country}) in {:.1} s",
        if fresh { "built" } else { "checked" },
        db,
        started.elapsed().as_secs_f64()
    );
    if outcome.unchanged > 0 && outcome.weapons_added == 0 {
        println!("  (it already held these records: nothing was added)");
    }
    println!();
    output::summary(&mut reg, false)?;
    let sample = reg.backend().list_weapons(&WeaponFilter {
        status: Some(WeaponStatus::Seized),
        limit: 1,
        ..Default::default()
    })?;
    let d = &db;
    println!("\nTry next:");
    if let Some(w) = sample.first() {
        println!(
            "  salw --db {d} show {}            # a seized weapon and its timeline",
            w.weapon.id
        );
    }
    println!("  salw --db {d} weapon list --status stolen");
    let stolen = reg.backend().list_weapons(&WeaponFilter {
        status: Some(WeaponStatus::Stolen),
        limit: 20,
        ..Default::default()
    })?;
    if let Some(serial) = stolen
        .iter()
        .filter_map(|w| w.weapon.serial.as_deref())
        .find(|s| s.is_ascii() && s.chars().filter(char::is_ascii_alphanumeric).count() >= 5)
    {
        println!(
            "  salw --db {d} search \"{}\"       # a stolen weapon's serial, misread and worn",
            worn(serial)
        );
    }
    println!("  salw --db {d} verify                  # recompute the journal's hash chain");
    println!("  salw --db {d} export --format csv --out demo-export");
    println!("  salw --db {d} node info");
    Ok(ExitCode::SUCCESS)
}

/// Builds the demo registry `db` (seed 1, country KE) for `serve --demo`, saying so in one line.
pub fn build_demo(cli: &Cli, db: &Path, records: u64) -> Result<()> {
    let location = Location::File(db.to_owned());
    let key = node::create_key(&node::key_path(cli, &location)?)?;
    let mut reg = salw_store::Registry::new(location.open(true)?);
    reg.init(Some("KE"), &key, &node::context(cli, "demo"))?;
    let mut reg = reg.with_signing_key(key);
    eprintln!(
        "building the demo registry {} ({records} weapons)…",
        db.display()
    );
    let generator = salw_demo::Demo::new(1, records, "KE");
    let outcome = reg.write(
        &node::context(cli, "demo"),
        generator.map(Ok::<Staged, RowError>),
        &mut |_| {},
    )?;
    if !outcome.committed() {
        output::problems(&outcome.errors, outcome.error_count, false)?;
        bail!("the demo generator produced records the registry refused (a bug in the generator)");
    }
    Ok(())
}

/// A serial as an investigator might read it off a worn weapon: a zero read as the letter O,
/// and the last character unreadable.
fn worn(serial: &str) -> String {
    let mut chars: Vec<char> = serial.chars().collect();
    if let Some(zero) = chars.iter().position(|&c| c == '0') {
        chars[zero] = 'O';
    }
    if let Some(last) = chars.iter().rposition(char::is_ascii_alphanumeric) {
        chars[last] = '?';
    }
    chars.into_iter().collect()
}
