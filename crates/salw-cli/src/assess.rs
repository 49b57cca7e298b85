//! `salw assess` and `salw assist`: the self-assessment against the standards and the
//! assistance it leads to (salw_assess, kept by salw_store::assessments, written by
//! salw_report::assessment; docs/assessment.md).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use salw_assess::assistance::{
    Need, Offer, Priority, Project, ProjectResult, ReportDue, ReportKind,
};
use salw_assess::checklist;
use salw_assess::score::{Entry, Status};
use salw_report::assessment as files;
use salw_report::registry;
use salw_store::assessments::{self, AssistanceItem};

use crate::args::{AssessCommand, AssistCommand, Cli};
use crate::node;
use crate::report::{format, write_out};

fn date(field: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| anyhow!("--{field}: '{text}' is not a date (YYYY-MM-DD)"))
}

fn amount(field: &str, text: &str) -> Result<u64> {
    text.trim()
        .replace([',', '_', ' '], "")
        .parse()
        .map_err(|_| anyhow!("--{field}: '{text}' is not a whole number"))
}

fn words(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Prints the problems of a refused entry or record and returns the failing exit code.
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

fn by(cli: &Cli) -> (String, String) {
    (
        node::context(cli, "cli").recorded_by,
        chrono::Utc::now().to_rfc3339(),
    )
}

pub fn assess(cli: &Cli, command: &AssessCommand) -> Result<ExitCode> {
    match command {
        AssessCommand::Checklist { json } => {
            let c = checklist::load(checklist::CURRENT)?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&c)?);
            } else {
                println!("{} ({}, version {})", c.title, c.checklist, c.version);
                for m in &c.modules {
                    println!("\n{} {}", m.id, m.title);
                    for clause in &m.clauses {
                        println!(
                            "  {} [{}] {}",
                            clause.id,
                            clause.level.as_str(),
                            clause.text
                        );
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AssessCommand::List { json } => {
            let mut reg = node::open(cli, false)?;
            let list = assessments::assessments(reg.backend())?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                println!("no assessment yet; start one with `salw assess set NAME CLAUSE STATUS`");
            } else {
                for a in &list {
                    println!(
                        "{}  {} clause(s) answered, {} entries, last {}  ({})",
                        a.name, a.clauses, a.entries, a.last_entered_at, a.checklist
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AssessCommand::Set {
            assessment,
            clause,
            status,
            note,
            document,
            owner,
            due,
        } => {
            // What is not given stays as the clause's current entry has it; an empty value
            // clears it.
            let earlier = {
                let mut reg = node::open(cli, false)?;
                assessments::current(reg.backend(), assessment)?
                    .entries
                    .remove(clause.trim())
            };
            let keep = |given: &Option<String>, held: Option<&String>| match given {
                Some(v) if v.trim().is_empty() => None,
                Some(v) => Some(v.clone()),
                None => held.cloned(),
            };
            let e = earlier.as_ref();
            let due = match due.as_deref().map(str::trim) {
                Some("") => None,
                Some(d) => Some(date("due", d)?),
                None => e.and_then(|e| e.due),
            };
            let entry = Entry {
                clause: clause.trim().to_owned(),
                status: status
                    .parse::<Status>()
                    .map_err(|e| anyhow!("STATUS: {e}"))?,
                note: keep(note, e.and_then(|e| e.note.as_ref())),
                document: keep(document, e.and_then(|e| e.document.as_ref())),
                owner: keep(owner, e.and_then(|e| e.owner.as_ref())),
                due,
            };
            record(cli, assessment, &[entry], "salw assess set")
        }
        AssessCommand::Record { assessment, file } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let entries: Vec<Entry> = serde_json::from_str(&text).map_err(|e| {
                anyhow!(
                    "{}: not a JSON list of {{\"clause\", \"status\", \"note\", \"document\", \"owner\", \"due\"}}: {e}",
                    file.display()
                )
            })?;
            record(cli, assessment, &entries, &file.display().to_string())
        }
        AssessCommand::Show {
            assessment,
            compare,
            format: given,
            out,
        } => {
            let out = out.as_deref().unwrap_or(Path::new("-"));
            let format = match (given, out == Path::new("-")) {
                (None, true) => "text".to_owned(),
                (g, _) => format(g.as_deref(), Some(out), &["text", "json", "html", "xlsx"])?,
            };
            let mut reg = node::open(cli, false)?;
            let known = assessments::assessments(reg.backend())?;
            for name in std::iter::once(assessment).chain(compare) {
                if !known.iter().any(|a| &a.name == name) {
                    bail!("no assessment named '{name}' (see `salw assess list`)");
                }
            }
            let country = reg.node()?.and_then(|n| n.country).unwrap_or_default();
            let today = chrono::Utc::now().date_naive();
            let r = registry::assessment_report(
                reg.backend(),
                assessment,
                compare.as_deref(),
                &country,
                today,
            )?;
            let bytes = match format.as_str() {
                "json" => files::to_json(&r)?.into_bytes(),
                "html" => files::to_html(&r).into_bytes(),
                "xlsx" => files::to_xlsx(&r)?,
                _ => text(&r).into_bytes(),
            };
            write_out(out, &bytes, &format)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn record(cli: &Cli, assessment: &str, entries: &[Entry], what: &str) -> Result<ExitCode> {
    let mut reg = node::open(cli, true)?;
    let (by, at) = by(cli);
    match assessments::record(reg.backend(), assessment, entries, &by, &at)? {
        Ok(n) => {
            println!(
                "{assessment}: {n} entr{} kept",
                if n == 1 { "y" } else { "ies" }
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => Ok(refused(what, &problems)),
    }
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1} %")).unwrap_or_else(|| "–".into())
}

fn text(r: &files::AssessmentReport) -> String {
    let mut t = format!(
        "{} ({}), computed {}\n\nmodule  requirements  recommendations  not assessed\n",
        r.assessment, r.checklist, r.computed_on
    );
    for s in &r.scores {
        let then = r.progress.iter().find(|p| p.module == s.module);
        t += &format!(
            "{:<7} {:>12}  {:>15}  {:>12}  {}{}\n",
            s.module,
            pct(s.requirements.score),
            pct(s.recommendations.score),
            s.requirements.not_assessed + s.recommendations.not_assessed,
            s.title,
            then.map(|p| format!(
                " (then {} / {})",
                pct(p.requirements.0),
                pct(p.recommendations.0)
            ))
            .unwrap_or_default()
        );
    }
    t += &format!("\ngaps, ranked ({}):\n", r.gaps.len());
    for g in &r.gaps {
        t += &format!(
            "{:>3}. {} [{} {}, weight {}] {}{}{}\n",
            g.rank,
            g.clause,
            g.level.as_str(),
            g.status.label(),
            g.weight,
            g.text,
            g.owner
                .as_ref()
                .map(|o| format!(" owner: {o}"))
                .unwrap_or_default(),
            g.due
                .map(|d| format!(" due {d}{}", if g.overdue { " (overdue)" } else { "" }))
                .unwrap_or_default()
        );
    }
    let figures: Vec<_> = r
        .clauses
        .iter()
        .filter_map(|c| c.figure.as_ref().map(|f| (c, f)))
        .collect();
    if !figures.is_empty() {
        t += "\nfrom the registry:\n";
        for (c, f) in figures {
            t += &format!(
                "  {} {}: {}\n",
                c.clause,
                f.label,
                f.value.clone().unwrap_or_else(|| f.detail.clone())
            );
        }
    }
    t
}

pub fn assist(cli: &Cli, command: &AssistCommand) -> Result<ExitCode> {
    let item = match command {
        AssistCommand::List { format: given, out } => {
            return list(cli, given.as_deref(), out.as_deref());
        }
        AssistCommand::Need {
            id,
            area,
            description,
            budget,
            priority,
            region,
            assessment,
            clause,
        } => AssistanceItem::Need(Need {
            id: id.trim().to_owned(),
            area: area.trim().to_owned(),
            description: description.trim().to_owned(),
            budget: amount("budget", budget)?,
            priority: priority
                .parse::<Priority>()
                .map_err(|e| anyhow!("--priority: {e}"))?,
            region: region.trim().to_owned(),
            assessment: assessment.clone(),
            clause: clause.clone(),
        }),
        AssistCommand::Offer {
            id,
            donor,
            areas,
            regions,
            budget,
        } => {
            let (min, max) = budget
                .split_once("..")
                .ok_or_else(|| anyhow!("--budget: '{budget}' is not a range; write MIN..MAX"))?;
            AssistanceItem::Offer(Offer {
                id: id.trim().to_owned(),
                donor: donor.trim().to_owned(),
                areas: words(areas),
                regions: regions.as_deref().map(words).unwrap_or_default(),
                budget_min: amount("budget", min)?,
                budget_max: amount("budget", max)?,
            })
        }
        AssistCommand::Project {
            id,
            need,
            donor,
            start,
            end,
            budget,
            reports,
        } => {
            let reports = reports
                .iter()
                .map(|r| {
                    let (kind, due) = r.split_once(':').ok_or_else(|| {
                        anyhow!("--report: '{r}' is not interim:YYYY-MM-DD or final:YYYY-MM-DD")
                    })?;
                    let kind = match kind.trim() {
                        "interim" => ReportKind::Interim,
                        "final" => ReportKind::Final,
                        other => bail!("--report: '{other}' is not interim or final"),
                    };
                    Ok(ReportDue {
                        kind,
                        due: date("report", due)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            AssistanceItem::Project(Project {
                id: id.trim().to_owned(),
                need: need.trim().to_owned(),
                donor: donor.trim().to_owned(),
                start: date("start", start)?,
                end: date("end", end)?,
                budget: amount("budget", budget)?,
                reports,
            })
        }
        AssistCommand::Result {
            project,
            what,
            count,
            female,
            male,
        } => AssistanceItem::Result(ProjectResult {
            project: project.trim().to_owned(),
            what: what.trim().to_owned(),
            count: amount("count", count)?,
            female: female.as_deref().map(|f| amount("female", f)).transpose()?,
            male: male.as_deref().map(|m| amount("male", m)).transpose()?,
        }),
    };
    let mut reg = node::open(cli, true)?;
    let (by, at) = by(cli);
    match assessments::keep(reg.backend(), &item, &by, &at)? {
        Ok(()) => {
            let (kind, id) = match &item {
                AssistanceItem::Need(n) => ("need", n.id.as_str()),
                AssistanceItem::Offer(o) => ("offer", o.id.as_str()),
                AssistanceItem::Project(p) => ("project", p.id.as_str()),
                AssistanceItem::Result(r) => ("result of project", r.project.as_str()),
            };
            println!("{kind} {id} kept");
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => Ok(refused("salw assist", &problems)),
    }
}

fn list(cli: &Cli, given: Option<&str>, out: Option<&Path>) -> Result<ExitCode> {
    let out = out.unwrap_or(Path::new("-"));
    let format = match (given, out == Path::new("-")) {
        (None, true) => "text".to_owned(),
        (g, _) => format(g, Some(out), &["text", "json", "html", "xlsx"])?,
    };
    let mut reg = node::open(cli, false)?;
    let a = assessments::assistance(reg.backend())?;
    let country = reg.node()?.and_then(|n| n.country).unwrap_or_default();
    let bytes = match format.as_str() {
        "json" => files::assistance_json(&a)?.into_bytes(),
        "html" => files::assistance_html(&a, &country).into_bytes(),
        "xlsx" => files::assistance_xlsx(&a)?,
        _ => {
            let mut t = format!("needs ({}):\n", a.needs.len());
            for n in &a.needs {
                t += &format!(
                    "  {} [{} {:?}] {} (USD {}, {})\n",
                    n.id, n.area, n.priority, n.description, n.budget, n.region
                );
            }
            t += &format!("offers ({}):\n", a.offers.len());
            for o in &a.offers {
                t += &format!(
                    "  {} {} [{}] USD {}..{} {}\n",
                    o.id,
                    o.donor,
                    o.areas.join(","),
                    o.budget_min,
                    o.budget_max,
                    if o.regions.is_empty() {
                        "anywhere".to_owned()
                    } else {
                        o.regions.join(", ")
                    }
                );
            }
            let m = a.matches();
            t += &format!("matches ({}):\n", m.len());
            for m in &m {
                t += &format!("  need {} ← offer {} ({})\n", m.need, m.offer, m.donor);
            }
            t += &format!("projects ({}):\n", a.projects.len());
            for p in &a.projects {
                t += &format!(
                    "  {} for need {} by {}, {}..{}, USD {}\n",
                    p.id, p.need, p.donor, p.start, p.end, p.budget
                );
                for r in a.results.iter().filter(|r| r.project == p.id) {
                    t += &format!("    result: {} {}\n", r.count, r.what);
                }
            }
            t.into_bytes()
        }
    };
    write_out(out, &bytes, &format)?;
    Ok(ExitCode::SUCCESS)
}
