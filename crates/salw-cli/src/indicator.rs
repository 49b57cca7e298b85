//! `salw indicator`: SDG 16.4.2 from the records, in text, JSON, CSV or SDMX-style CSV, and
//! its releases.

use std::process::ExitCode;

use anyhow::{Result, anyhow, bail};
use chrono::{Datelike, NaiveDate};
use salw_core::indicator::{self, Indicator, Profile};
use salw_store::Backend;
use salw_store::reports::{self, Released};
use serde_json::json;

use crate::args::{Cli, IndicatorArgs, IndicatorCommand};
use crate::node;

fn date(text: &str, flag: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| anyhow!("{flag}: '{text}' is not a date (YYYY-MM-DD)"))
}

/// The period asked for, as inclusive dates.
fn period(args: &IndicatorArgs) -> Result<(NaiveDate, NaiveDate)> {
    let (from, to) = match (&args.year, &args.from, &args.to) {
        (Some(y), _, _) => (
            NaiveDate::from_ymd_opt(*y, 1, 1)
                .ok_or_else(|| anyhow!("--year: {y} is not a year"))?,
            NaiveDate::from_ymd_opt(*y, 12, 31)
                .ok_or_else(|| anyhow!("--year: {y} is not a year"))?,
        ),
        (None, Some(from), Some(to)) => (date(from, "--from")?, date(to, "--to")?),
        _ => bail!("give the period: --year YYYY, or --from YYYY-MM-DD --to YYYY-MM-DD"),
    };
    if from > to {
        bail!("--from: {from} is after --to {to}");
    }
    Ok((from, to))
}

/// How a period is written in a report: the year when it is one whole year.
fn period_label(from: NaiveDate, to: NaiveDate) -> String {
    if from.month() == 1 && from.day() == 1 && to.month() == 12 && to.day() == 31 {
        if from.year() == to.year() {
            return from.year().to_string();
        }
        return format!("{}-{}", from.year(), to.year());
    }
    format!("{from}/{to}")
}

fn pc(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.2}")).unwrap_or_default()
}

pub fn run(cli: &Cli, command: &IndicatorCommand) -> Result<ExitCode> {
    match command {
        IndicatorCommand::Profiles => {
            for p in indicator::PROFILES {
                println!("{:<24} {}", p.name, p.description);
            }
            Ok(ExitCode::SUCCESS)
        }
        IndicatorCommand::Releases { json } => {
            let mut reg = node::open(cli, false)?;
            let releases = reg.backend().releases(reports::SDG_16_4_2, None, None)?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&releases)?);
            } else if releases.is_empty() {
                println!(
                    "no figure released yet: `salw indicator sdg-16-4-2 --year YYYY --release`"
                );
            } else {
                for r in releases {
                    println!(
                        "#{:<4} {} {}..{} {:<22} {:>7} % ({} of {}) released {} by {}{}",
                        r.seq,
                        r.indicator,
                        r.period_from,
                        r.period_to,
                        r.profile,
                        r.percent
                            .map(|p| format!("{p:.2}"))
                            .unwrap_or_else(|| "no value".into()),
                        r.numerator,
                        r.denominator,
                        r.released_at,
                        r.released_by,
                        r.revises
                            .map(|s| format!(", revises #{s}"))
                            .unwrap_or_default()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        IndicatorCommand::Sdg16_4_2(args) => sdg(cli, args),
    }
}

fn sdg(cli: &Cli, args: &IndicatorArgs) -> Result<ExitCode> {
    let profile: Profile =
        indicator::profile(&args.profile).map_err(|e| anyhow!("--profile: {e}"))?;
    let (from, to) = period(args)?;
    let mut reg = node::open(cli, false)?;
    let country = reg.node()?.and_then(|n| n.country).unwrap_or_default();
    let report = reports::sdg_report(reg.backend(), from, to, profile, args.by_year, &country)?;
    let whole = &report.whole;
    let parts: Vec<((NaiveDate, NaiveDate), &Indicator)> = reports::years_of(from, to)
        .into_iter()
        .zip(report.parts.iter())
        .collect();
    let pooled = report.pooled.clone();
    let released = if args.release {
        let by = node::context(cli, "cli").recorded_by;
        Some(reports::release(
            reg.backend(),
            &from.to_string(),
            &to.to_string(),
            whole,
            &by,
            &chrono::Utc::now().to_rfc3339(),
        )?)
    } else {
        None
    };

    if args.json {
        let mut out = serde_json::to_value(&report)?;
        if let Some(r) = &released {
            out["release"] = json!(r);
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<(String, &Indicator)> = if parts.is_empty() {
        vec![(period_label(from, to), whole)]
    } else {
        parts
            .iter()
            .map(|((f, t), r)| (period_label(*f, *t), *r))
            .chain([(period_label(from, to), whole)])
            .collect()
    };
    if args.sdmx {
        println!(
            "SERIES,REF_AREA,TIME_PERIOD,UNIT_MEASURE,OBS_VALUE,OBS_STATUS,NUMERATOR,DENOMINATOR,PROFILE"
        );
        for (label, r) in rows {
            // No value (an empty denominator) is a missing observation, never 0.
            let status = if r.percent.is_some() { "A" } else { "M" };
            println!(
                "{},{country},{label},PERCENT,{},{status},{},{},{}",
                indicator::SERIES_CODE,
                pc(r.percent),
                r.numerator,
                r.denominator,
                r.profile
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.csv {
        println!(
            "period,profile,numerator,denominator,percent,seized_percent,found_percent,surrendered_percent,by_tracing_percent,by_other_means_percent,pending,unsuccessful,not_attempted,uniquely_marked_percent"
        );
        for (label, r) in rows {
            let b = &r.breakdowns;
            println!(
                "{label},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                r.profile,
                r.numerator,
                r.denominator,
                pc(r.percent),
                pc(b.seized.percent),
                pc(b.found.percent),
                pc(b.surrendered.percent),
                pc(b.by_tracing.percent),
                pc(b.by_other_means.percent),
                b.not_established.pending,
                b.not_established.unsuccessful,
                b.not_established.not_attempted,
                pc(b.uniquely_marked.percent)
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let show = |label: &str, r: &Indicator| match r.percent {
        Some(p) => println!(
            "SDG 16.4.2, {label}: {p:.2} % ({} of {} arms seized, found or surrendered had their illicit origin established)",
            r.numerator, r.denominator
        ),
        None => println!(
            "SDG 16.4.2, {label}: no value (no arm seized in a criminal case, found or surrendered in the period)"
        ),
    };
    for ((f, t), r) in &parts {
        show(&period_label(*f, *t), r);
    }
    show(&period_label(from, to), whole);
    if let Some(p) = &pooled {
        println!(
            "  pooled over the years: {} (mean of the yearly ratios: {})",
            p.percent
                .map(|p| format!("{p:.2} %"))
                .unwrap_or_else(|| "no value".into()),
            p.mean_of_ratios_percent
                .map(|p| format!("{p:.2} %"))
                .unwrap_or_else(|| "no value".into())
        );
    }
    let b = &whole.breakdowns;
    println!("  profile {}", whole.profile);
    for (what, r) in [
        ("seized (criminal)", &b.seized),
        ("found", &b.found),
        ("surrendered", &b.surrendered),
    ] {
        println!(
            "  {what:<18} {:>8} % ({} of {})",
            pc(r.percent),
            r.numerator,
            r.denominator
        );
    }
    println!(
        "  established by tracing {} %, by other means {} %; not established: {} pending, {} unsuccessful, {} not attempted",
        pc(b.by_tracing.percent),
        pc(b.by_other_means.percent),
        b.not_established.pending,
        b.not_established.unsuccessful,
        b.not_established.not_attempted
    );
    println!(
        "  uniquely marked arms only: {} % ({} of {})",
        pc(b.uniquely_marked.percent),
        b.uniquely_marked.numerator,
        b.uniquely_marked.denominator
    );
    for (reason, n) in &b.excluded {
        println!("  left out: {n} ({reason})");
    }
    match released {
        Some(Released::First { release }) => println!("released as #{}", release.seq),
        Some(Released::Revision { release, revises }) => println!(
            "released as #{}, a revision of #{} ({} → {})",
            release.seq,
            revises.seq,
            pc(revises.percent),
            pc(release.percent)
        ),
        Some(Released::Unchanged { release }) => {
            println!(
                "the same figures as release #{}: nothing new released",
                release.seq
            )
        }
        None => {}
    }
    Ok(ExitCode::SUCCESS)
}
