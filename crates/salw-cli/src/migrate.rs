//! `salw migrate --from A --to B`: a whole registry copied to another backend (a laptop's file
//! into the ministry's PostgreSQL, or a database back into a file for a field office), then
//! checked: the target's journal verifies and ends at the source's head.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use salw_store::{Registry, copy_registry};
use salw_store_any::Location;
use serde_json::json;

use crate::args::Cli;
use crate::node;

pub fn migrate(cli: &Cli, from: &str, to: &str, json: bool) -> Result<ExitCode> {
    let source = Location::parse(from);
    let target = Location::parse(to);
    if source == target {
        bail!("--from and --to name the same registry ({source})");
    }
    let mut from_reg = Registry::new(
        source
            .open(false)
            .with_context(|| format!("--from {source}"))?,
    );
    if from_reg.node()?.is_none() {
        bail!("--from {source} is not an initialised registry");
    }
    if let Location::File(path) = &target
        && path.exists()
    {
        bail!(
            "--to {}: the file exists; the copy goes into a new file (or an empty database), never over a registry",
            path.display()
        );
    }
    let mut to_backend = target
        .open(true)
        .with_context(|| format!("--to {target}"))?;

    let bar = if std::io::stderr().is_terminal() && !json {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} copying {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let started = std::time::Instant::now();
    let copied = copy_registry(from_reg.backend(), &mut to_backend, &mut |what, n| {
        bar.set_message(format!("{what}: {n}"));
        bar.tick();
    });
    bar.finish_and_clear();
    let report = match copied {
        Ok(report) => report,
        Err(e) => {
            if let Location::File(path) = &target {
                // The copy wrote nothing; the empty file it made is not a registry.
                let _ = std::fs::remove_file(path);
            }
            return Err(e)
                .with_context(|| format!("copying {source} into {target}: nothing was written"));
        }
    };
    let source_head = from_reg.verify()?;
    let mut to_reg = Registry::new(to_backend);
    let target_head = to_reg.verify()?;
    if !target_head.intact() || target_head.head_hash != source_head.head_hash {
        bail!(
            "the copy in {target} does not verify ({}): do not use it",
            target_head
                .problem
                .as_deref()
                .unwrap_or("its journal ends elsewhere than the source's")
        );
    }
    let key_note = key_note(cli, &source, &target)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "from": source.to_string(), "to": target.to_string(), "copied": report,
                "head_seq": target_head.head_seq, "head_hash": target_head.head_hash,
                "seconds": started.elapsed().as_secs_f64(), "key_file": key_note,
            }))?
        );
    } else {
        println!(
            "copied {source} into {target} in {:.1} s: {} journal entries ({} weapons, {} persons, {} events, {} photos), {} accounts, {} audit lines, {} traces, {} stock records",
            started.elapsed().as_secs_f64(),
            report.journal_entries,
            report.weapons,
            report.persons,
            report.events,
            report.photos,
            report.accounts,
            report.audit_lines,
            report.traces,
            report.stock_records,
        );
        println!(
            "the copy verifies: {} entries, head {} (the source's)",
            target_head.entries, target_head.head_hash
        );
        if let Some(note) = key_note {
            println!("{note}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The node's signing key goes with its registry: copied beside a target file when it is
/// found and nothing is there yet; otherwise where to find it is said.
fn key_note(cli: &Cli, source: &Location, target: &Location) -> Result<Option<String>> {
    let Ok(source_key) = node::key_path(cli, source) else {
        return Ok(None);
    };
    if !source_key.exists() {
        return Ok(Some(format!(
            "the node's signing key was not found at {}: writes to the copy need it",
            source_key.display()
        )));
    }
    Ok(Some(match target.beside(".key") {
        Some(target_key) if !target_key.exists() => {
            let key = node::load_key(&source_key)?;
            node::write_key(&target_key, &key)?;
            format!("signing key copied to {} (mode 0600)", target_key.display())
        }
        Some(target_key) => format!(
            "a key file is already at {}: the copy's key is {}",
            target_key.display(),
            source_key.display()
        ),
        None => format!(
            "the node's signing key stays in {}: give it with --key-file when using {target}",
            source_key.display()
        ),
    }))
}
