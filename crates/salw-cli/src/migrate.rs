//! `salw migrate --from A --to B`: a whole registry copied to another backend (a laptop's file
//! into the ministry's PostgreSQL, or a database back into a file for a field office), then
//! checked: the target's journal verifies and ends at the source's head.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use salw_store::{Registry, copy_registry};
use salw_store_any::Location;
use serde_json::json;

use crate::args::Cli;
use crate::node;

pub fn migrate(cli: &Cli, from: &str, to: &str, json: bool) -> Result<ExitCode> {
    let source = Location::parse(from).context("--from")?;
    let target = Location::parse(to).context("--to")?;
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
    // The key goes with a file: a different key already where the copy would look for it is
    // refused before anything is copied (writes would be signed with it).
    let node_key = from_reg.node()?.map(|n| n.public_key).unwrap_or_default();
    let source_key = node::key_path(cli, &source).ok();
    let key_plan = plan_key(source_key.as_deref(), &target, &node_key)?;
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
            // The copy wrote nothing; a file it made is not a registry.
            drop(to_backend);
            remove_new_file(&target);
            return Err(e)
                .with_context(|| format!("copying {source} into {target}: nothing was written"));
        }
    };
    let mut to_reg = Registry::new(to_backend);
    let target_head = to_reg.verify()?;
    // Against the head the copy read, not the source's head now (it may have been written to
    // since).
    if !target_head.intact() || target_head.head_hash != report.head_hash {
        bail!(
            "the copy in {target} does not verify ({}): do not use it",
            target_head
                .problem
                .as_deref()
                .unwrap_or("its journal ends elsewhere than the source's")
        );
    }
    let key_note = key_plan.carry_out()?;
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
        println!("{key_note}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Removes a registry file this command made and could not fill (with SQLite's side files).
fn remove_new_file(target: &Location) {
    if let Some(path) = target.beside("") {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = path.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
}

/// What becomes of the node's signing key: copied beside a new file, or where to find it.
enum KeyPlan {
    Copy { from: PathBuf, to: PathBuf },
    Note(String),
}

impl KeyPlan {
    fn carry_out(self) -> Result<String> {
        match self {
            KeyPlan::Copy { from, to } => {
                let key = node::load_key(&from)?;
                node::write_key(&to, &key)?;
                Ok(format!(
                    "signing key copied to {} (mode 0600)",
                    to.display()
                ))
            }
            KeyPlan::Note(note) => Ok(note),
        }
    }
}

/// Decided before copying: the source's key must be the node's (its public key), and a key
/// file already beside a target file must be the same key.
fn plan_key(source_key: Option<&Path>, target: &Location, node_key: &str) -> Result<KeyPlan> {
    let Some(source_key) = source_key else {
        return Ok(KeyPlan::Note(
            "the node's signing key was not given (--key-file): writes to the copy need it".into(),
        ));
    };
    if !source_key.exists() {
        return Ok(KeyPlan::Note(format!(
            "the node's signing key was not found at {}: writes to the copy need it",
            source_key.display()
        )));
    }
    let public = |path: &Path| -> Result<String> {
        Ok(hex::encode(
            node::load_key(path)?.verifying_key().as_bytes(),
        ))
    };
    if public(source_key)? != node_key {
        bail!(
            "{} is not this registry's signing key (its public key differs from the node's): give the right one with --key-file",
            source_key.display()
        );
    }
    Ok(match target.beside(".key") {
        Some(target_key) if target_key.exists() => {
            if public(&target_key)? != node_key {
                bail!(
                    "{} holds another node's signing key: move it away first (writes to the copy would be signed with it)",
                    target_key.display()
                );
            }
            KeyPlan::Note(format!(
                "the signing key is already at {}",
                target_key.display()
            ))
        }
        Some(target_key) => KeyPlan::Copy {
            from: source_key.to_owned(),
            to: target_key,
        },
        None => KeyPlan::Note(format!(
            "the node's signing key stays in {}: give it with --key-file when using {target}",
            source_key.display()
        )),
    })
}
