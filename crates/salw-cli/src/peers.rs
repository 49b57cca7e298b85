//! `salw peer …` and `salw node set-address`: partner nodes and the messages exchanged with
//! them (docs/federation.md). The work is salw_server::federation's, shared with the server.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use salw_federation::Kind;
use salw_server::federation::{self, FederationError};
use salw_store::{Backend, FederationBackend};
use serde_json::{Map, Value, json};

use crate::args::{AlertCommand, Cli, PeerCommand};
use crate::node;

/// Where `salw node info` finds the address partners reach this node at.
pub const ADDRESS_META: &str = "federation.address";

fn user(cli: &Cli) -> String {
    node::context(cli, "cli").recorded_by
}

/// Bad input names its field, as `--field: reason`.
fn named(e: FederationError) -> anyhow::Error {
    match e {
        FederationError::Field { field, reason } => anyhow::anyhow!("--{field}: {reason}"),
        FederationError::Store(e) => e.into(),
    }
}

pub fn set_address(cli: &Cli, url: &str) -> Result<ExitCode> {
    let url = salw_federation::parse_base_url(url).map_err(|e| anyhow::anyhow!("url: {e}"))?;
    let mut reg = node::open(cli, false)?;
    reg.backend().set_meta(ADDRESS_META, &url)?;
    println!("address set to {url}");
    Ok(ExitCode::SUCCESS)
}

pub fn run(cli: &Cli, command: &PeerCommand) -> Result<ExitCode> {
    let mut reg = node::open(cli, false)?;
    let info = reg.node()?.context("not initialised")?;
    let now = chrono::Utc::now();
    match command {
        PeerCommand::Add { country, url, key } => {
            let peer =
                federation::add_peer(reg.backend(), &info, country, url, key, &user(cli), now)
                    .map_err(named)?;
            if peer.url.starts_with("https://") {
                eprintln!("note: {}", federation::NO_TLS);
            }
            println!(
                "partner {} registered at {} (key {})",
                peer.country,
                peer.url,
                salw_federation::key_id(
                    &salw_federation::parse_public_key(&peer.public_key)
                        .map_err(anyhow::Error::msg)?
                )
            );
        }
        PeerCommand::Remove { country } => {
            if !federation::remove_peer(reg.backend(), country, &user(cli), now).map_err(named)? {
                bail!(
                    "--country: no partner is registered for {}",
                    country.trim().to_uppercase()
                );
            }
            println!(
                "partner {} removed (its history is kept)",
                country.trim().to_uppercase()
            );
        }
        PeerCommand::List { history, json } => {
            let backend = reg.backend();
            let peers = if *history {
                backend.peer_history()?
            } else {
                backend.peers()?
            };
            if *json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({ "peers": peers }))?
                );
            } else if peers.is_empty() {
                println!("no partners yet: `salw peer add --country CC --url URL --key KEY`");
            } else {
                for p in peers {
                    println!(
                        "{}  {}  {}  added {} by {}{}",
                        p.country,
                        p.url,
                        p.public_key,
                        p.added_at,
                        p.added_by,
                        if p.removed { "  (removed)" } else { "" }
                    );
                }
            }
        }
        PeerCommand::Ping {
            country,
            note,
            count,
        } => {
            let key = node::load_key(&node::key_path(cli, &node::location(cli)?)?)?;
            let mut body = Map::new();
            if !note.is_empty() {
                body.insert("note".into(), Value::String(note.clone()));
            }
            for _ in 0..*count {
                let m = federation::enqueue(
                    reg.backend(),
                    &key,
                    &info,
                    country,
                    Kind::Ping,
                    body.clone(),
                    now,
                )
                .map_err(named)?;
                if *count == 1 {
                    println!(
                        "ping {} queued for {}; `salw serve` delivers it",
                        m.id, m.destination
                    );
                }
            }
            if *count > 1 {
                println!("{count} pings queued for {country}; `salw serve` delivers them");
            }
        }
        PeerCommand::Messages { limit, json } => {
            let backend = reg.backend();
            let outbox = backend.outbox(*limit)?;
            let inbox = backend.inbox(*limit)?;
            if *json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"outbox": outbox, "inbox": inbox}))?
                );
            } else {
                println!("sent:");
                for m in outbox {
                    let state = match (&m.delivered_at, &m.abandoned) {
                        (Some(at), _) => format!("delivered {at}"),
                        (None, Some(why)) => format!("given up: {why}"),
                        (None, None) => format!(
                            "waiting, next attempt {}{}",
                            m.next_attempt_at,
                            m.last_error
                                .as_deref()
                                .map(|e| format!(" (last: {e})"))
                                .unwrap_or_default()
                        ),
                    };
                    println!(
                        "  {} {} to {} after {} attempt(s): {state}",
                        m.id, m.kind, m.destination, m.attempts
                    );
                }
                println!("received:");
                for m in inbox {
                    println!(
                        "  {} {} from {} at {}",
                        m.id, m.kind, m.sender, m.received_at
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `salw alert …`: lost and stolen alerts (salw_server::alerts).
pub fn alerts(cli: &Cli, command: &AlertCommand) -> Result<ExitCode> {
    match command {
        AlertCommand::Share { with } => {
            let mut reg = node::open(cli, true)?;
            let info = reg.node()?.context("not initialised")?;
            let key = node::load_key(&node::key_path(cli, &node::location(cli)?)?)?;
            let chosen =
                salw_server::alerts::set_sharing_partners(reg.backend(), with).map_err(named)?;
            if chosen.is_empty() {
                println!("lost and stolen weapons are shared with no partner");
                return Ok(ExitCode::SUCCESS);
            }
            let round = salw_server::alerts::round(reg.backend(), &key, &info, chrono::Utc::now())
                .map_err(named)?;
            println!(
                "lost and stolen weapons are shared with {}; {} alert(s) queued now, later reports as they are recorded (`salw serve` delivers them)",
                chosen.join(", "),
                round.shared
            );
        }
        AlertCommand::List { json } => {
            let mut reg = node::open(cli, false)?;
            let b = reg.backend();
            let sharing = salw_server::alerts::sharing_partners(b)?;
            let received = salw_store::AlertBackend::partner_alert_counts(b)?;
            let hits = salw_store::AlertBackend::alert_hits(b)?;
            if *json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "sharing_with": sharing,
                        "received": received.iter().map(|(p, n)| json!({"partner": p, "alerts": n})).collect::<Vec<_>>(),
                        "hits": hits,
                    }))?
                );
            } else {
                println!(
                    "shared with: {}",
                    if sharing.is_empty() {
                        "no partner".to_owned()
                    } else {
                        sharing.join(", ")
                    }
                );
                for (p, n) in &received {
                    println!("received from {p}: {n} alert(s)");
                }
                for h in &hits {
                    println!(
                        "hit: {} {} {} on {} (weapon here: {}; alert {})",
                        h.direction,
                        h.partner,
                        h.recovery,
                        h.recovered_on,
                        h.weapon_id.as_deref().unwrap_or("-"),
                        h.alert
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
