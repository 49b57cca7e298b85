//! The self-assessment as files: scores per module, the ranked gaps, every clause with its
//! status and evidence (a registry figure where the clause names one), and, when asked, the
//! scores of an earlier assessment beside them; the assistance needs, offers, matches and
//! projects. JSON, printable HTML and XLSX.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook};
use salw_assess::score::{self, Gap, ModuleScore, Progress};
use salw_store::assessments::{Assessment, Assistance, Figure};
use serde::Serialize;

use crate::Error;
use crate::poa::esc;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClauseRow {
    pub module: String,
    pub clause: String,
    pub level: &'static str,
    pub text: String,
    /// None: not assessed.
    pub status: Option<&'static str>,
    pub note: Option<String>,
    pub document: Option<String>,
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
    /// The registry's figure now.
    pub figure: Option<Figure>,
    /// The same figure when the clause's entry was made.
    pub figure_then: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssessmentReport {
    pub report: &'static str,
    pub assessment: String,
    pub checklist: String,
    pub checklist_version: u32,
    pub title: String,
    pub country: String,
    pub computed_on: NaiveDate,
    pub scores: Vec<ModuleScore>,
    pub gaps: Vec<Gap>,
    pub clauses: Vec<ClauseRow>,
    /// The earlier assessment compared with, and each module's scores in both.
    pub compared_with: Option<String>,
    pub progress: Vec<Progress>,
}

/// Puts an assessment's report together; `earlier` is another assessment's name and entries.
pub fn build(
    name: &str,
    country: &str,
    now: &Assessment,
    figures: &BTreeMap<String, Figure>,
    today: NaiveDate,
    earlier: Option<(&str, &Assessment)>,
) -> AssessmentReport {
    let (checklist, entries) = (&now.checklist, &now.entries);
    let scores = score::score(checklist, entries);
    let progress = earlier
        .map(|(_, a)| score::compare(&score::score(&a.checklist, &a.entries), &scores))
        .unwrap_or_default();
    let clauses = checklist
        .modules
        .iter()
        .flat_map(|m| m.clauses.iter().map(move |c| (m, c)))
        .map(|(m, c)| {
            let e = entries.get(&c.id);
            ClauseRow {
                module: m.id.clone(),
                clause: c.id.clone(),
                level: c.level.as_str(),
                text: c.text.clone(),
                status: e.map(|e| e.status.as_str()),
                note: e.and_then(|e| e.note.clone()),
                document: e.and_then(|e| e.document.clone()),
                owner: e.and_then(|e| e.owner.clone()),
                due: e.and_then(|e| e.due),
                figure: c.figure.as_ref().and_then(|f| figures.get(f).cloned()),
                figure_then: e.and_then(|_| now.figures_then.get(&c.id).cloned()),
            }
        })
        .collect();
    AssessmentReport {
        report: "standards-self-assessment",
        assessment: name.to_owned(),
        checklist: checklist.checklist.clone(),
        checklist_version: checklist.version,
        title: checklist.title.clone(),
        country: country.to_owned(),
        computed_on: today,
        gaps: score::gaps(checklist, entries, today),
        scores,
        clauses,
        compared_with: earlier.map(|(n, _)| n.to_owned()),
        progress,
    }
}

pub fn to_json(r: &AssessmentReport) -> Result<String, Error> {
    Ok(serde_json::to_string_pretty(r)? + "\n")
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1} %")).unwrap_or_else(|| "–".into())
}

fn figure_text(f: &Figure) -> String {
    format!(
        "{}: {}",
        f.label,
        f.value.clone().unwrap_or_else(|| f.detail.clone())
    )
}

const CSS: &str = "body{font-family:sans-serif;margin:2em;max-width:64em}table{border-collapse:collapse;margin:1em 0;width:100%}th,td{border:1px solid #999;padding:.3em .5em;text-align:left;vertical-align:top}td.n{text-align:right}.meta{color:#444}.overdue{color:#a00;font-weight:bold}@media print{body{margin:0}tr{page-break-inside:avoid}}@page{size:A4;margin:15mm}";

pub fn to_html(r: &AssessmentReport) -> String {
    let mut h = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    h += &format!(
        "<title>Self-assessment {}</title><style>{CSS}</style></head><body>\n",
        esc(&r.assessment)
    );
    h += &format!("<h1>{}</h1>\n", esc(&r.title));
    h += &format!(
        "<p class=\"meta\">Assessment: {} · Country: {} · Checklist {} (version {}) · Computed on {}</p>\n",
        esc(&r.assessment),
        esc(if r.country.is_empty() {
            "not set"
        } else {
            &r.country
        }),
        esc(&r.checklist),
        r.checklist_version,
        r.computed_on
    );
    h += "<h2>Scores by module</h2>\n<table><tr><th>Module</th><th>Requirements</th><th>Recommendations</th><th>Not assessed</th></tr>\n";
    for s in &r.scores {
        h += &format!(
            "<tr><td>{} {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
            esc(&s.module),
            esc(&s.title),
            pct(s.requirements.score),
            pct(s.recommendations.score),
            s.requirements.not_assessed + s.recommendations.not_assessed
        );
    }
    h += "</table>\n";
    if let Some(earlier) = &r.compared_with {
        h += &format!(
            "<h2>Progress since {}</h2>\n<table><tr><th>Module</th><th>Requirements then</th><th>now</th><th>Recommendations then</th><th>now</th></tr>\n",
            esc(earlier)
        );
        for p in &r.progress {
            h += &format!(
                "<tr><td>{} {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                esc(&p.module),
                esc(&p.title),
                pct(p.requirements.0),
                pct(p.requirements.1),
                pct(p.recommendations.0),
                pct(p.recommendations.1)
            );
        }
        h += "</table>\n";
    }
    h += &format!("<h2>Gaps, ranked ({})</h2>\n", r.gaps.len());
    if r.gaps.is_empty() {
        h += "<p>No clause is assessed as not met or partly met.</p>\n";
    } else {
        h += "<table><tr><th>Rank</th><th>Clause</th><th>Level</th><th>Status</th><th>Weight</th><th>What</th><th>Owner</th><th>Due</th></tr>\n";
        for g in &r.gaps {
            h += &format!(
                "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td{}>{}</td></tr>\n",
                g.rank,
                esc(&g.clause),
                g.level.as_str(),
                g.status.label(),
                g.weight,
                esc(&g.text),
                esc(g.owner.as_deref().unwrap_or("")),
                if g.overdue { " class=\"overdue\"" } else { "" },
                g.due.map(|d| d.to_string()).unwrap_or_default()
            );
        }
        h += "</table>\n";
    }
    h += "<h2>Every clause</h2>\n<table><tr><th>Clause</th><th>Level</th><th>What</th><th>Status</th><th>Evidence</th><th>Owner</th><th>Due</th></tr>\n";
    for c in &r.clauses {
        let mut evidence = Vec::new();
        if let Some(n) = &c.note {
            evidence.push(esc(n));
        }
        if let Some(d) = &c.document {
            evidence.push(format!("Document: {}", esc(d)));
        }
        if let Some(f) = &c.figure {
            evidence.push(format!("Registry now: {}", esc(&figure_text(f))));
        }
        if let Some(then) = &c.figure_then {
            evidence.push(format!("when assessed: {}", esc(then)));
        }
        h += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&c.clause),
            c.level,
            esc(&c.text),
            c.status
                .map(|s| s.replace('_', " "))
                .unwrap_or_else(|| "not assessed".into()),
            evidence.join("<br>"),
            esc(c.owner.as_deref().unwrap_or("")),
            c.due.map(|d| d.to_string()).unwrap_or_default()
        );
    }
    h + "</table>\n</body></html>\n"
}

/// Sheets `scores`, `gaps` (the ranked gap list) and `clauses`; a title in A1, column labels
/// on row 3, data from row 4.
pub fn to_xlsx(r: &AssessmentReport) -> Result<Vec<u8>, Error> {
    let bold = Format::new().set_bold();
    let mut wb = Workbook::new();
    let title = format!("Self-assessment {} ({})", r.assessment, r.checklist);
    let ws = wb.add_worksheet();
    ws.set_name("scores")?;
    ws.write_string_with_format(0, 0, &title, &bold)?;
    let mut labels = vec![
        "module",
        "title",
        "requirements %",
        "recommendations %",
        "not assessed",
    ];
    if r.compared_with.is_some() {
        labels.extend(["requirements % then", "recommendations % then"]);
    }
    for (c, l) in labels.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *l, &bold)?;
    }
    ws.set_column_width(1, 44)?;
    for (i, s) in r.scores.iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_string(row, 0, &s.module)?;
        ws.write_string(row, 1, &s.title)?;
        for (col, v) in [(2, s.requirements.score), (3, s.recommendations.score)] {
            if let Some(v) = v {
                ws.write_number(row, col, v)?;
            }
        }
        ws.write_number(
            row,
            4,
            f64::from(s.requirements.not_assessed + s.recommendations.not_assessed),
        )?;
        if let Some(p) = r.progress.iter().find(|p| p.module == s.module) {
            for (col, v) in [(5, p.requirements.0), (6, p.recommendations.0)] {
                if let Some(v) = v {
                    ws.write_number(row, col, v)?;
                }
            }
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("gaps")?;
    ws.write_string_with_format(0, 0, format!("{title}: gaps, ranked"), &bold)?;
    for (c, l) in [
        "rank", "clause", "level", "status", "weight", "what", "owner", "due", "overdue",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(2, c as u16, *l, &bold)?;
    }
    ws.set_column_width(5, 70)?;
    for (i, g) in r.gaps.iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_number(row, 0, g.rank as f64)?;
        ws.write_string(row, 1, &g.clause)?;
        ws.write_string(row, 2, g.level.as_str())?;
        ws.write_string(row, 3, g.status.as_str())?;
        ws.write_number(row, 4, f64::from(g.weight))?;
        ws.write_string(row, 5, &g.text)?;
        ws.write_string(row, 6, g.owner.as_deref().unwrap_or(""))?;
        ws.write_string(row, 7, g.due.map(|d| d.to_string()).unwrap_or_default())?;
        ws.write_boolean(row, 8, g.overdue)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("clauses")?;
    ws.write_string_with_format(0, 0, &title, &bold)?;
    for (c, l) in [
        "clause",
        "level",
        "what",
        "status",
        "note",
        "document",
        "registry figure",
        "owner",
        "due",
        "figure when assessed",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(2, c as u16, *l, &bold)?;
    }
    ws.set_column_width(2, 70)?;
    for (i, c) in r.clauses.iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_string(row, 0, &c.clause)?;
        ws.write_string(row, 1, c.level)?;
        ws.write_string(row, 2, &c.text)?;
        ws.write_string(row, 3, c.status.unwrap_or("not_assessed"))?;
        ws.write_string(row, 4, c.note.as_deref().unwrap_or(""))?;
        ws.write_string(row, 5, c.document.as_deref().unwrap_or(""))?;
        ws.write_string(
            row,
            6,
            c.figure.as_ref().map(figure_text).unwrap_or_default(),
        )?;
        ws.write_string(row, 7, c.owner.as_deref().unwrap_or(""))?;
        ws.write_string(row, 8, c.due.map(|d| d.to_string()).unwrap_or_default())?;
        ws.write_string(row, 9, c.figure_then.as_deref().unwrap_or(""))?;
    }
    Ok(wb.save_to_buffer()?)
}

/// The assistance records as JSON, with the matches.
pub fn assistance_json(a: &Assistance) -> Result<String, Error> {
    Ok(serde_json::to_string_pretty(&serde_json::json!({
        "needs": a.needs, "offers": a.offers, "matches": a.matches(),
        "projects": a.projects, "results": a.results,
    }))? + "\n")
}

pub fn assistance_html(a: &Assistance, country: &str) -> String {
    let mut h = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    h += &format!("<title>Assistance needs and offers</title><style>{CSS}</style></head><body>\n");
    h += "<h1>Assistance: needs, offers, matches and projects</h1>\n";
    h += &format!(
        "<p class=\"meta\">Country: {}</p>\n",
        esc(if country.is_empty() {
            "not set"
        } else {
            country
        })
    );
    h += "<h2>Needs</h2>\n<table><tr><th>Id</th><th>Area</th><th>What</th><th>Budget (USD)</th><th>Priority</th><th>Region</th><th>From</th></tr>\n";
    for n in &a.needs {
        h += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{:?}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&n.id),
            esc(&n.area),
            esc(&n.description),
            n.budget,
            n.priority,
            esc(&n.region),
            esc(&match (&n.assessment, &n.clause) {
                (Some(a), Some(c)) => format!("{a}, clause {c}"),
                (None, Some(c)) => format!("clause {c}"),
                _ => String::new(),
            })
        );
    }
    h += "</table>\n<h2>Offers</h2>\n<table><tr><th>Id</th><th>Donor</th><th>Areas</th><th>Regions</th><th>Budget (USD)</th></tr>\n";
    for o in &a.offers {
        h += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{} – {}</td></tr>\n",
            esc(&o.id),
            esc(&o.donor),
            esc(&o.areas.join(", ")),
            esc(&if o.regions.is_empty() {
                "any".to_owned()
            } else {
                o.regions.join(", ")
            }),
            o.budget_min,
            o.budget_max
        );
    }
    h += "</table>\n<h2>Matches</h2>\n<table><tr><th>Need</th><th>Offer</th><th>Donor</th><th>Area</th><th>Budget</th></tr>\n";
    for m in a.matches() {
        h += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>\n",
            esc(&m.need),
            esc(&m.offer),
            esc(&m.donor),
            esc(&m.area),
            m.budget
        );
    }
    h += "</table>\n<h2>Projects</h2>\n<table><tr><th>Id</th><th>Need</th><th>Donor</th><th>Dates</th><th>Budget</th><th>Reports due</th><th>Results</th></tr>\n";
    for p in &a.projects {
        let results: Vec<String> = a
            .results
            .iter()
            .filter(|r| r.project == p.id)
            .map(|r| match (r.female, r.male) {
                (None, None) => format!("{} {}", r.count, esc(&r.what)),
                (f, m) => format!(
                    "{} {} (women {}, men {})",
                    r.count,
                    esc(&r.what),
                    f.map(|x| x.to_string()).unwrap_or_else(|| "?".into()),
                    m.map(|x| x.to_string()).unwrap_or_else(|| "?".into())
                ),
            })
            .collect();
        h += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} – {}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&p.id),
            esc(&p.need),
            esc(&p.donor),
            p.start,
            p.end,
            p.budget,
            reports_due(p),
            results.join("<br>")
        );
    }
    h + "</table>\n</body></html>\n"
}

/// Sheets `needs`, `offers`, `matches`, `projects`; column labels on row 1, data from row 2.
pub fn assistance_xlsx(a: &Assistance) -> Result<Vec<u8>, Error> {
    let bold = Format::new().set_bold();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("needs")?;
    for (c, l) in [
        "id",
        "area",
        "description",
        "budget_usd",
        "priority",
        "region",
        "assessment",
        "clause",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *l, &bold)?;
    }
    for (i, n) in a.needs.iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_string(row, 0, &n.id)?;
        ws.write_string(row, 1, &n.area)?;
        ws.write_string(row, 2, &n.description)?;
        ws.write_number(row, 3, n.budget as f64)?;
        ws.write_string(row, 4, format!("{:?}", n.priority).to_lowercase())?;
        ws.write_string(row, 5, &n.region)?;
        ws.write_string(row, 6, n.assessment.as_deref().unwrap_or(""))?;
        ws.write_string(row, 7, n.clause.as_deref().unwrap_or(""))?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("offers")?;
    for (c, l) in [
        "id",
        "donor",
        "areas",
        "regions",
        "budget_min",
        "budget_max",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *l, &bold)?;
    }
    for (i, o) in a.offers.iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_string(row, 0, &o.id)?;
        ws.write_string(row, 1, &o.donor)?;
        ws.write_string(row, 2, o.areas.join(", "))?;
        ws.write_string(row, 3, o.regions.join(", "))?;
        ws.write_number(row, 4, o.budget_min as f64)?;
        ws.write_number(row, 5, o.budget_max as f64)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("matches")?;
    for (c, l) in ["need", "offer", "donor", "area", "budget"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *l, &bold)?;
    }
    for (i, m) in a.matches().iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_string(row, 0, &m.need)?;
        ws.write_string(row, 1, &m.offer)?;
        ws.write_string(row, 2, &m.donor)?;
        ws.write_string(row, 3, &m.area)?;
        ws.write_number(row, 4, m.budget as f64)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("projects")?;
    for (c, l) in [
        "id",
        "need",
        "donor",
        "start",
        "end",
        "budget",
        "reports due",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *l, &bold)?;
    }
    for (i, p) in a.projects.iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_string(row, 0, &p.id)?;
        ws.write_string(row, 1, &p.need)?;
        ws.write_string(row, 2, &p.donor)?;
        ws.write_string(row, 3, p.start.to_string())?;
        ws.write_string(row, 4, p.end.to_string())?;
        ws.write_number(row, 5, p.budget as f64)?;
        ws.write_string(row, 6, reports_due(p))?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("results")?;
    for (c, l) in ["project", "what", "count", "female", "male"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(0, c as u16, *l, &bold)?;
    }
    for (i, r) in a.results.iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_string(row, 0, &r.project)?;
        ws.write_string(row, 1, &r.what)?;
        ws.write_number(row, 2, r.count as f64)?;
        for (col, v) in [(3, r.female), (4, r.male)] {
            if let Some(v) = v {
                ws.write_number(row, col, v as f64)?;
            }
        }
    }
    Ok(wb.save_to_buffer()?)
}

/// "interim 2027-06-30, final 2028-01-31".
fn reports_due(p: &salw_assess::assistance::Project) -> String {
    p.reports
        .iter()
        .map(|r| format!("{:?} {}", r.kind, r.due).to_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The most needs question 11.1 lists (highest priority first); the rest are counted.
const POA_NEEDS_LISTED: usize = 12;

/// The PoA report's question 11.1 (assistance needed), proposed from the needs recorded,
/// highest priority first.
pub fn needs_for_poa(a: &Assistance) -> Option<String> {
    if a.needs.is_empty() {
        return None;
    }
    let funded = |id: &str| a.projects.iter().any(|p| p.need == id);
    let mut needs: Vec<&salw_assess::assistance::Need> = a.needs.iter().collect();
    needs.sort_by(|x, y| x.priority.cmp(&y.priority).then(x.id.cmp(&y.id)));
    let more = needs.len().saturating_sub(POA_NEEDS_LISTED);
    let mut text = needs
        .iter()
        .take(POA_NEEDS_LISTED)
        .map(|n| {
            format!(
                "{} ({} priority, module {}, about USD {}{})",
                n.description,
                format!("{:?}", n.priority).to_lowercase(),
                n.area,
                n.budget,
                if funded(&n.id) { ", funded" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    if more > 0 {
        text += &format!("; and {more} more (the assistance records list them all)");
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use salw_assess::assistance::{Need, Offer, Priority, Project, ReportDue, ReportKind};

    fn need(id: &str, priority: Priority, description: &str) -> Need {
        Need {
            id: id.into(),
            area: "05.20".into(),
            description: description.into(),
            budget: 1000,
            priority,
            region: "East Africa".into(),
            assessment: None,
            clause: None,
        }
    }

    fn sample() -> Assistance {
        Assistance {
            needs: vec![
                need("N2", Priority::Low, "Scanners <b>&</b> ledgers"),
                need("N1", Priority::High, "Stock-count training"),
            ],
            offers: vec![Offer {
                id: "O1".into(),
                donor: "Fund".into(),
                areas: vec!["05.20".into()],
                regions: vec![],
                budget_min: 0,
                budget_max: 5000,
            }],
            projects: vec![Project {
                id: "P1".into(),
                need: "N1".into(),
                donor: "Fund".into(),
                start: "2027-01-01".parse().expect("date"),
                end: "2027-12-31".parse().expect("date"),
                budget: 1000,
                reports: vec![ReportDue {
                    kind: ReportKind::Final,
                    due: "2028-01-31".parse().expect("date"),
                }],
            }],
            results: vec![],
        }
    }

    #[test]
    fn the_assistance_files_read_back_and_escape_what_people_typed() {
        use calamine::{Data, Reader, Xlsx};
        let a = sample();
        let html = assistance_html(&a, "KE");
        assert!(html.contains("Scanners &lt;b&gt;&amp;&lt;/b&gt; ledgers"));
        assert!(!html.contains("<b>&</b>"));
        let bytes = assistance_xlsx(&a).expect("xlsx");
        let mut wb = Xlsx::new(std::io::Cursor::new(bytes)).expect("calamine reads it");
        let needs = wb.worksheet_range("needs").expect("needs");
        assert_eq!(needs.get((1, 0)), Some(&Data::String("N2".into())));
        // N1 has a project: only N2 is matched.
        let matches = wb.worksheet_range("matches").expect("matches");
        assert_eq!(matches.get((1, 0)), Some(&Data::String("N2".into())));
        assert_eq!(matches.get((2, 0)), None);
        let projects = wb.worksheet_range("projects").expect("projects");
        assert_eq!(
            projects.get((1, 6)),
            Some(&Data::String("final 2028-01-31".into()))
        );
    }

    #[test]
    fn the_poa_answer_lists_the_highest_priority_needs_first_and_counts_the_rest() {
        let mut a = sample();
        let text = needs_for_poa(&a).expect("text");
        assert!(
            text.starts_with("Stock-count training (high priority, module 05.20, about USD 1000, funded); Scanners"),
            "{text}"
        );
        a.needs = (0..20)
            .map(|i| need(&format!("M{i:02}"), Priority::Medium, "x"))
            .collect();
        let text = needs_for_poa(&a).expect("text");
        assert!(
            text.ends_with("; and 8 more (the assistance records list them all)"),
            "{text}"
        );
        assert_eq!(needs_for_poa(&Assistance::default()), None);
    }
}
