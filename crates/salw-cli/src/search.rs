//! `salw search` and `salw index`: the marking search from the command line, one query or a
//! batch file (the interface other tools call; docs/search.md).

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use salw_search::{Filters, Hit, Searcher};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::args::{Cli, SearchArgs};
use crate::node::{self, Reg};

pub(crate) fn open_searcher(cli: &Cli, reg: &mut Reg, brute_force: bool) -> Result<Searcher> {
    if brute_force {
        return Ok(Searcher::brute_force(reg.backend())?);
    }
    let dir = node::index_dir(cli, &node::location(cli)?)?;
    let registry = reg.node()?.map(|n| n.public_key).unwrap_or_default();
    let started = Instant::now();
    let mut built = false;
    let searcher = Searcher::open(reg.backend(), &dir, &registry, &mut |why| {
        built = true;
        eprintln!("{why}…");
    })?;
    if built {
        eprintln!(
            "search index ready in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(searcher)
}

/// The part of the index's state worth telling after a write: nothing when there is no index.
pub fn refresh_after_write(cli: &Cli, reg: &mut Reg) -> Result<()> {
    let dir = node::index_dir(cli, &node::location(cli)?)?;
    if dir.exists() {
        // Opening rebuilds it when the write made the delta too large. The write is committed
        // whatever happens here: a problem with the derived index is a warning, not a failure.
        if let Err(e) = open_searcher(cli, reg, false) {
            eprintln!(
                "warning: the search index was not brought up to date ({e:#}); `salw index rebuild` rebuilds it"
            );
        }
    }
    Ok(())
}

pub fn rebuild(cli: &Cli, json: bool) -> Result<ExitCode> {
    let dir = node::index_dir(cli, &node::location(cli)?)?;
    let mut reg = node::open(cli, false)?;
    let registry = reg.node()?.map(|n| n.public_key).unwrap_or_default();
    let meta = salw_search::rebuild(reg.backend(), &dir, &registry)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&meta)?);
    } else {
        println!(
            "search index rebuilt in {:.1} s: {} weapons with a serial, {} distinct keys, {} bytes ({:.1} bytes per weapon)",
            meta.build_seconds,
            meta.weapons,
            meta.keys,
            meta.bytes,
            meta.bytes as f64 / meta.weapons.max(1) as f64
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn search(cli: &Cli, args: &SearchArgs) -> Result<ExitCode> {
    let mut reg = node::open(cli, false)?;
    let searcher = open_searcher(cli, &mut reg, args.brute_force)?;
    if let Some(batch) = &args.batch {
        node::audit(
            &mut reg,
            cli,
            "search-batch",
            &batch.display().to_string(),
            "an answer for each query of the file",
        )?;
        return run_batch(cli, &mut reg, &searcher, batch, args);
    }
    let query = args.query.as_deref().unwrap_or_default();
    let filters = Filters {
        make: args.make.clone(),
        model: args.model.clone(),
        calibre: args.calibre.clone(),
        country: args.country.clone(),
        kind: args.kind.clone(),
    };
    let found = match searcher.search(reg.backend(), query, &filters, args.limit.into()) {
        Ok(found) => found,
        Err(salw_search::SearchError::Query(e)) => {
            eprintln!("query '{query}': {e}");
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    };
    let shown: Vec<String> = found.hits.iter().map(|h| h.weapon_id.to_string()).collect();
    node::audit(
        &mut reg,
        cli,
        "search",
        &format!("{query} {filters:?}"),
        &shown.join(" "),
    )?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&found_json(query, &found))?
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let hits = &found.hits;
    if let (true, Some(near), Some(make)) = (
        hits.is_empty(),
        found.unknown_make.as_ref(),
        filters.make.as_deref(),
    ) {
        write!(
            out,
            "no manufacturer of a registered weapon matches '{make}' (--make)"
        )?;
        if near.is_empty() {
            writeln!(out)?;
        } else {
            writeln!(out, "; the nearest: {}", near.join(", "))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if hits.is_empty() && found.incomplete {
        writeln!(
            out,
            "no registered weapon{} was found among those looked at: more come close to \
             '{query}' than a search reads; narrow the marking or add filters",
            if filters.is_empty() {
                ""
            } else {
                " that the filters leave"
            }
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    if hits.is_empty() {
        writeln!(
            out,
            "no registered weapon{} comes close to '{query}' ({})",
            if filters.is_empty() {
                ""
            } else {
                " among those the filters leave"
            },
            found.reach.describe()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let colour = std::io::stdout().is_terminal();
    for hit in hits {
        print_hit(&mut out, hit, colour)?;
    }
    if found.incomplete {
        writeln!(
            out,
            "(more weapons match than were looked at: these are the best of those; narrow the query or add filters)"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_hit(out: &mut impl Write, hit: &Hit, colour: bool) -> Result<()> {
    // The serial with what was read differently marked: [x] without colour, inverse with.
    let normalised = salw_search::normalise(&hit.serial);
    let mut shown = String::new();
    for (i, c) in normalised.chars().enumerate() {
        if hit.marked.contains(&i) {
            if colour {
                shown.push_str(&format!("\x1b[7m{c}\x1b[0m"));
            } else {
                shown.push_str(&format!("[{c}]"));
            }
        } else {
            shown.push(c);
        }
    }
    let what: Vec<&str> = [
        hit.manufacturer.as_deref(),
        hit.model.as_deref(),
        hit.calibre.as_deref(),
        hit.country.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    writeln!(
        out,
        "{:>3}  {}  {} ({})  {}  {}  {}",
        hit.score,
        shown,
        hit.serial,
        hit.category,
        what.join(", "),
        hit.status.as_str(),
        hit.weapon_id
    )?;
    for line in &hit.explanation {
        writeln!(out, "       {line}")?;
    }
    Ok(())
}

/// One line of a batch file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchQuery {
    #[serde(default)]
    id: Value,
    serial: String,
    make: Option<String>,
    model: Option<String>,
    calibre: Option<String>,
    country: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// The first filter of a batch line given as blank text: it would keep every weapon or none,
/// never what was meant, so the line is answered with an error naming it.
fn blank_filter(q: &BatchQuery) -> Option<&'static str> {
    [
        ("make", &q.make),
        ("model", &q.model),
        ("calibre", &q.calibre),
        ("country", &q.country),
        ("type", &q.kind),
    ]
    .into_iter()
    .find(|(_, value)| value.as_deref().is_some_and(|v| v.trim().is_empty()))
    .map(|(name, _)| name)
}

/// Answers one batch line (`n` counts from 0).
fn answer_line<B: salw_store::Backend>(
    backend: &mut B,
    searcher: &Searcher,
    raw: &[u8],
    n: usize,
    args: &SearchArgs,
) -> Result<Value> {
    let started = Instant::now();
    // A line that is not UTF-8 is answered with an error like any other bad line.
    let line = String::from_utf8_lossy(raw);
    let parsed = if std::str::from_utf8(raw).is_err() {
        Err("the line is not UTF-8 text".to_owned())
    } else {
        serde_json::from_str::<BatchQuery>(&line).map_err(|e| e.to_string())
    };
    let mut result = match parsed.map(|q| (blank_filter(&q), q)) {
        Err(e) => {
            // The id, when the line has one, so that the answer can still be matched.
            let id = serde_json::from_str::<Value>(&line)
                .ok()
                .and_then(|v| v.get("id").cloned())
                .unwrap_or(Value::Null);
            json!({ "id": id, "line": n + 1, "error": format!("not a query: {e}") })
        }
        Ok((Some(field), q)) => {
            json!({ "id": q.id, "line": n + 1,
                    "error": format!("{field}: empty; leave the field out (or null) for no filter") })
        }
        Ok((None, q)) => {
            let filters = Filters {
                make: q.make,
                model: q.model,
                calibre: q.calibre,
                country: q.country,
                kind: q.kind,
            };
            match searcher.search(backend, &q.serial, &filters, args.limit.into()) {
                Ok(found) => {
                    let hits: Vec<Value> = found
                        .hits
                        .iter()
                        .map(|h| {
                            json!({
                                "weapon_id": h.weapon_id,
                                "score": h.score,
                                "serial": h.serial,
                                "explanation": h.explanation,
                            })
                        })
                        .collect();
                    let mut answer = json!({ "id": q.id, "hits": hits });
                    if found.incomplete {
                        answer["incomplete"] = json!(true);
                    }
                    answer
                }
                Err(salw_search::SearchError::Query(e)) => {
                    json!({ "id": q.id, "line": n + 1, "error": format!("serial: {e}") })
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    if args.timings {
        result["micros"] = json!(started.elapsed().as_micros() as u64);
    }
    Ok(result)
}

/// Lines answered per round: each thread takes a share, the answers are written in order.
const BATCH_ROUND: usize = 512;

fn run_batch(
    cli: &Cli,
    reg: &mut Reg,
    searcher: &Searcher,
    path: &std::path::Path,
    args: &SearchArgs,
) -> Result<ExitCode> {
    let mut input: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(BufReader::new(std::io::stdin().lock()))
    } else {
        Box::new(BufReader::new(
            File::open(path).with_context(|| format!("cannot open {}", path.display()))?,
        ))
    };
    // Every thread but this one reads the registry through its own connection.
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    );
    let mut extra = Vec::new();
    for _ in 1..threads {
        extra.push(node::open(cli, false)?);
    }
    let mut out = BufWriter::new(std::io::stdout().lock());
    let (mut answered, mut failed) = (0u64, 0u64);
    let mut n = 0usize;
    let mut done = false;
    while !done {
        // (line number from 0, bytes)
        let mut lines: Vec<(usize, Vec<u8>)> = Vec::with_capacity(BATCH_ROUND);
        while lines.len() < BATCH_ROUND {
            let mut raw = Vec::new();
            let read = input
                .read_until(b'\n', &mut raw)
                .with_context(|| format!("{}: line {}", path.display(), n + 1))?;
            if read == 0 {
                done = true;
                break;
            }
            n += 1;
            if !raw.iter().all(u8::is_ascii_whitespace) {
                lines.push((n - 1, raw));
            }
        }
        let share = lines.len().div_ceil(threads).max(1);
        let mut parts = lines.chunks(share);
        let first = parts.next().unwrap_or(&[]);
        let answers: Vec<Result<Vec<Value>>> = std::thread::scope(|scope| {
            let others: Vec<_> = parts
                .zip(extra.iter_mut())
                .map(|(part, reg)| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|(n, raw)| answer_line(reg.backend(), searcher, raw, *n, args))
                            .collect::<Result<Vec<_>>>()
                    })
                })
                .collect();
            let mut all = vec![
                first
                    .iter()
                    .map(|(n, raw)| answer_line(reg.backend(), searcher, raw, *n, args))
                    .collect::<Result<Vec<_>>>(),
            ];
            for handle in others {
                all.push(
                    handle
                        .join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("a search thread stopped"))),
                );
            }
            all
        });
        for part in answers {
            for result in part? {
                if result.get("error").is_some() {
                    failed += 1;
                } else {
                    answered += 1;
                }
                serde_json::to_writer(&mut out, &result)?;
                out.write_all(b"\n")?;
            }
        }
    }
    out.flush()?;
    if failed > 0 {
        eprintln!("{answered} queries answered, {failed} refused (their lines carry \"error\")");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// A search's answer as `salw search --json` writes it: `makes_near` only when the make filter
/// matches no manufacturer (the nearest ones, perhaps none).
fn found_json(query: &str, found: &salw_search::Found) -> Value {
    let mut answer = json!({ "query": query, "hits": found.hits, "incomplete": found.incomplete });
    if let Some(near) = &found.unknown_make {
        answer["makes_near"] = json!(near);
    }
    answer
}
