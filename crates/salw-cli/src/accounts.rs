//! `salw serve`, `salw user …`, `salw token …`: the server and its accounts.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use salw_access::Role;
use salw_store::AccessBackend;
use salw_store_any::{AnyBackend, Location};

use crate::args::{Cli, ServeArgs, TokenCommand, UserCommand};
use crate::node;

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

fn open_backend(cli: &Cli) -> Result<AnyBackend> {
    // Through node::open, so that an uninitialised registry gets the usual message.
    let mut reg = node::open(cli, false)?;
    Ok(std::mem::replace(
        reg.backend(),
        node::location(cli)?.open(false)?,
    ))
}

fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn by(cli: &Cli) -> String {
    node::context(cli, "cli").recorded_by
}

pub fn user(cli: &Cli, command: &UserCommand) -> Result<ExitCode> {
    let mut backend = open_backend(cli)?;
    match command {
        UserCommand::Add {
            name,
            role,
            password_stdin,
        } => {
            let role: Role = role.parse().map_err(|e| anyhow!("--role: {e}"))?;
            let (password, show) = if *password_stdin {
                (read_password()?, false)
            } else {
                (salw_server::one_time_password(), true)
            };
            salw_access::add_account(&mut backend, name, role, &password, &by(cli), &now())?;
            println!("account {name} created with the role {role}");
            if show {
                println!("password (shown once): {password}");
            }
        }
        UserCommand::List { json } => {
            let accounts = backend.accounts()?;
            if *json {
                let list: Vec<_> = accounts
                    .iter()
                    .map(|a| serde_json::json!({"name": a.name, "role": a.role, "disabled": a.disabled, "created_at": a.created_at}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if accounts.is_empty() {
                println!(
                    "no accounts yet: `salw user add NAME --role administrator`, or `salw serve` makes one"
                );
            } else {
                for a in accounts {
                    println!(
                        "{:<24} {:<14} {}",
                        a.name,
                        a.role,
                        if a.disabled { "disabled" } else { "active" }
                    );
                }
            }
        }
        UserCommand::Password {
            name,
            password_stdin,
        } => {
            let (password, show) = if *password_stdin {
                (read_password()?, false)
            } else {
                (salw_server::one_time_password(), true)
            };
            salw_access::set_password(&mut backend, name, &password)?;
            println!("password of {name} changed");
            if show {
                println!("password (shown once): {password}");
            }
        }
        UserCommand::Role { name, role } => {
            let role: Role = role.parse().map_err(|e: String| anyhow!(e))?;
            if !backend.update_account(name, Some(role.as_str()), None, None)? {
                bail!("there is no account '{name}'");
            }
            println!("{name} is now {role}");
        }
        UserCommand::Disable { name } | UserCommand::Enable { name } => {
            let disable = matches!(command, UserCommand::Disable { .. });
            if !backend.update_account(name, None, None, Some(disable))? {
                bail!("there is no account '{name}'");
            }
            println!("{name} is {}", if disable { "disabled" } else { "enabled" });
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn token(cli: &Cli, command: &TokenCommand) -> Result<ExitCode> {
    let mut backend = open_backend(cli)?;
    match command {
        TokenCommand::Add { account, label } => {
            let (secret, token) = salw_access::create_token(&mut backend, account, label, &now())?;
            println!(
                "token {} for {account} created; the secret (shown once):",
                token.prefix
            );
            println!("{secret}");
        }
        TokenCommand::Revoke { account, prefix } => {
            if !backend.revoke_token(account, prefix)? {
                bail!("{account} has no active token {prefix}");
            }
            println!("token {prefix} of {account} revoked");
        }
        TokenCommand::List { account } => {
            for t in backend.tokens_of(account)? {
                println!(
                    "{}  {:<30} {} {}",
                    t.prefix,
                    t.label,
                    t.created_at,
                    if t.revoked { "revoked" } else { "active" }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn serve(cli: &Cli, args: &ServeArgs) -> Result<ExitCode> {
    let env = std::env::vars().filter(|(k, _)| k.starts_with("SALW_"));
    let mut config = salw_server::Config::load(args.config.as_deref(), env)?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    // The server's log: errors and warnings of the server itself, on stderr. Requests are not
    // logged (the audit trail records what matters); secrets never are (Config's Debug redacts).
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    tracing::info!("configuration: {config:?}");
    let db = match (&cli.db, &config.db, args.demo) {
        (Some(db), _, _) | (None, Some(db), _) => Location::from_path(db)?,
        (None, None, true) => Location::File(PathBuf::from("salw-demo.db")),
        (None, None, false) => bail!(
            "no registry given: use --db FILE, `db = …` in the configuration, or `serve --demo`"
        ),
    };
    if args.demo
        && let Location::File(path) = &db
        && !path.exists()
    {
        crate::commands::build_demo(cli, path, args.records)?;
    }
    let key_path = match config.key_file.clone() {
        Some(path) if cli.key_file.is_none() => path,
        _ => node::key_path(cli, &db)?,
    };
    let key = node::load_key(&key_path)?;
    let index_dir = node::index_dir_at(&db, &key_path);
    let started = std::time::Instant::now();
    let state =
        salw_server::AppState::open(config, &db, &index_dir, key, &mut |why| eprintln!("{why}…"))?;
    if started.elapsed().as_secs() >= 1 {
        eprintln!(
            "search index ready in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let password = if args.demo {
        // A demo: whoever starts it gets in, with a fresh password each time.
        let mut backend = db.open(false)?;
        let password = salw_server::one_time_password();
        if backend.account("admin")?.is_some() {
            salw_access::set_password(&mut backend, "admin", &password)?;
        } else {
            salw_access::add_account(
                &mut backend,
                "admin",
                Role::Administrator,
                &password,
                "salw serve --demo",
                &now(),
            )?;
        }
        Some(password)
    } else {
        salw_server::ensure_administrator(&state)?
    };
    salw_server::run(state, |address| {
        println!("salw is serving {} at http://{address}/", db);
        if let Some(p) = &password {
            println!("log in as admin with the one-time password: {p}");
            println!("(create the other accounts on the Users page or with `salw user add`)");
        }
        println!("stop with Ctrl-C");
    })?;
    Ok(ExitCode::SUCCESS)
}
