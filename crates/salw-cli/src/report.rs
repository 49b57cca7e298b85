//! `salw report`: the UNODC questionnaire's tables, the PoA/ITI national report and the ATT
//! annual report's SALW part, computed from the records (salw_store::reports) and written by
//! salw_report (docs/reports.md).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use salw_core::questionnaire::Questionnaire;
use salw_report::{poa, registry, tables};
use salw_store::reports;

use crate::args::{Cli, ReportCommand};
use crate::node;

/// A period: `2024`, `2024-2025`, or `2024-01-01..2025-06-30` (both days included).
pub fn parse_period(text: &str) -> Result<(NaiveDate, NaiveDate)> {
    registry::parse_period(text).map_err(|e| anyhow!("--period: {e}"))
}

/// A calendar year: four digits, 1900 to 9999.
pub fn parse_year(text: &str) -> Result<i32> {
    let t = text.trim();
    t.parse::<i32>()
        .ok()
        .filter(|y| t.len() == 4 && (1900..=9999).contains(y))
        .ok_or_else(|| anyhow!("--year: '{t}' is not a year; write four digits, e.g. 2025"))
}

/// The format asked for, or the one the file's extension names.
pub(crate) fn format(given: Option<&str>, out: Option<&Path>, allowed: &[&str]) -> Result<String> {
    let f = match given {
        Some(f) => f.trim().to_lowercase(),
        None => out
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
            .map(str::to_lowercase)
            .ok_or_else(|| anyhow!("--format: give one of {}", allowed.join(", ")))?,
    };
    if !allowed.contains(&f.as_str()) {
        bail!("--format: '{f}' is not one of {}", allowed.join(", "));
    }
    Ok(f)
}

pub(crate) fn write_out(out: &Path, bytes: &[u8], format: &str) -> Result<()> {
    if out == Path::new("-") {
        if format == "xlsx" {
            bail!("--out: an XLSX file is not written to standard output; name a file");
        }
        std::io::stdout().write_all(bytes)?;
        return Ok(());
    }
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
    Ok(())
}

fn questionnaire_bytes(q: &Questionnaire, format: &str) -> Result<Vec<u8>> {
    Ok(match format {
        "json" => tables::to_json(q)?.into_bytes(),
        "csv" => tables::to_csv(q)?,
        _ => tables::to_xlsx(q)?,
    })
}

pub fn run(cli: &Cli, command: &ReportCommand) -> Result<ExitCode> {
    match command {
        ReportCommand::Questionnaire {
            period,
            format: given,
            out,
            import,
        } => {
            let allowed = ["xlsx", "json", "csv"];
            let questionnaire = match (import, period) {
                (Some(path), _) => {
                    let bytes = std::fs::read(path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    let is_json = path
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
                        || bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
                    let read = if is_json {
                        tables::from_json(&bytes)
                    } else {
                        tables::from_csv(&bytes)
                    };
                    match read {
                        Ok(q) => {
                            eprintln!(
                                "{}: {} tables, the questionnaire's checks pass",
                                path.display(),
                                q.tables.len()
                            );
                            q
                        }
                        Err(problems) => {
                            for p in &problems {
                                eprintln!("{}: {p}", path.display());
                            }
                            eprintln!("{}: refused, {} problem(s)", path.display(), problems.len());
                            return Ok(ExitCode::from(1));
                        }
                    }
                }
                (None, Some(period)) => {
                    let (from, to) = parse_period(period)?;
                    let mut reg = node::open(cli, false)?;
                    let country = reg.node()?.and_then(|n| n.country).unwrap_or_default();
                    reports::questionnaire(reg.backend(), from, to, &country)?
                }
                (None, None) => bail!("give --period, or --import FILE"),
            };
            if let Some(out) = out {
                let format = format(given.as_deref(), Some(out), &allowed)?;
                write_out(out, &questionnaire_bytes(&questionnaire, &format)?, &format)?;
            } else if import.is_none() {
                bail!("--out: name the file to write (`-` for standard output)");
            }
            Ok(ExitCode::SUCCESS)
        }
        ReportCommand::Poa {
            period,
            format: given,
            out,
            template,
            answers,
        } => {
            let format = format(given.as_deref(), Some(out), &["html", "xlsx", "json"])?;
            let template = poa::Template::builtin(template)?;
            let (from, to) = parse_period(period)?;
            let mut reg = node::open(cli, false)?;
            if let Some(path) = answers {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                let answers: BTreeMap<String, String> =
                    serde_json::from_str(&text).map_err(|e| {
                        anyhow!(
                            "{}: not a JSON object of question id to answer text: {e}",
                            path.display()
                        )
                    })?;
                let by = node::context(cli, "cli").recorded_by;
                let at = chrono::Utc::now().to_rfc3339();
                match registry::keep_poa_answers(
                    reg.backend(),
                    &template,
                    from,
                    to,
                    &answers,
                    &by,
                    &at,
                )? {
                    Ok(kept) => eprintln!(
                        "{}: {kept} new answer(s) kept for {from}..{to}",
                        path.display()
                    ),
                    Err(problems) => {
                        for p in &problems {
                            eprintln!("{}: {p}", path.display());
                        }
                        eprintln!(
                            "{}: refused, {} problem(s); no answer kept",
                            path.display(),
                            problems.len()
                        );
                        return Ok(ExitCode::from(1));
                    }
                }
            }
            let country = reg.node()?.and_then(|n| n.country).unwrap_or_default();
            let draft = registry::poa_draft(reg.backend(), &template, from, to, &country)?;
            let bytes = match format.as_str() {
                "json" => poa::to_json(&draft)?.into_bytes(),
                "html" => poa::to_html(&draft).into_bytes(),
                _ => poa::to_xlsx(&draft)?,
            };
            write_out(out, &bytes, &format)?;
            eprintln!(
                "{} of {} questions answered from the registry or entered; to complete: {}",
                draft
                    .sections
                    .iter()
                    .map(|s| s.questions.len())
                    .sum::<usize>()
                    - draft.to_complete.len(),
                draft
                    .sections
                    .iter()
                    .map(|s| s.questions.len())
                    .sum::<usize>(),
                draft.to_complete.join(", ")
            );
            if !draft.to_confirm.is_empty() {
                eprintln!(
                    "carried over from the last report, to confirm: {}",
                    draft.to_confirm.join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ReportCommand::Att {
            year,
            format: given,
            out,
        } => att(cli, year, given.as_deref(), out.as_deref()),
    }
}

fn att(cli: &Cli, year: &str, given: Option<&str>, out: Option<&Path>) -> Result<ExitCode> {
    let allowed = ["json", "csv", "xlsx", "html"];
    let year = parse_year(year)?;
    let out = out.unwrap_or(Path::new("-"));
    let format = match (given, out == Path::new("-")) {
        (None, true) => "json".to_owned(),
        _ => format(given, Some(out), &allowed)?,
    };
    if format == "xlsx" && out == Path::new("-") {
        bail!("--out: an XLSX file is not written to standard output; name a file");
    }
    let from = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| anyhow!("--year: {year}"))?;
    let to = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| anyhow!("--year: {year}"))?;
    let mut reg = node::open(cli, false)?;
    let country = reg.node()?.and_then(|n| n.country).unwrap_or_default();
    let transfers = reports::att_transfers(reg.backend(), from, to)?;
    let report = salw_core::att::compute(&transfers, year, &country);
    let bytes = match format.as_str() {
        "json" => salw_report::att::to_json(&report)?.into_bytes(),
        "csv" => salw_report::att::to_csv(&report)?,
        "html" => salw_report::att::to_html(&report).into_bytes(),
        _ => salw_report::att::to_xlsx(&report)?,
    };
    write_out(out, &bytes, &format)?;
    eprintln!(
        "{year}: {} items exported, {} imported (category VIII); {} weapon(s) listed apart, with no ATT sub-category",
        report.exported_items,
        report.imported_items,
        report.listed_apart.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// What the registry knows of the period, for the national report.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            parse_period("2024-2025").unwrap(),
            (d("2024-01-01"), d("2025-12-31"))
        );
        assert_eq!(
            parse_period("2024").unwrap(),
            (d("2024-01-01"), d("2024-12-31"))
        );
        assert_eq!(
            parse_period("2024-03-01..2024-06-30").unwrap(),
            (d("2024-03-01"), d("2024-06-30"))
        );
        for bad in [
            "",
            "20x4",
            "2025-2024",
            "2024-13-01..2024-12-31",
            "12-2024",
            "99999",
        ] {
            assert!(parse_period(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn years() {
        assert_eq!(parse_year(" 2025 ").unwrap(), 2025);
        for bad in ["", "20x5", "25", "02025", "1899", "2025-2026", "-2025"] {
            let e = parse_year(bad).unwrap_err().to_string();
            assert!(e.starts_with("--year: "), "{bad}: {e}");
        }
    }
}
