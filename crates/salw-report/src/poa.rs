//! The PoA/ITI national report (DOMAIN.md §8). The questions are data: a template file per
//! version (templates/poa-2024.json). A question with a `source` is answered from the registry's
//! figures for the period; the others are answers a person gives (entered, or carried over from
//! the last report), and those still without an answer are listed as "to complete".

use std::collections::BTreeMap;

use salw_core::questionnaire::{self as q, Questionnaire, Table};
use serde::{Deserialize, Serialize};

use crate::Error;

/// The templates compiled in, by name.
pub const TEMPLATES: &[(&str, &str)] = &[("poa-2024", include_str!("../templates/poa-2024.json"))];
pub const DEFAULT_TEMPLATE: &str = "poa-2024";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    YesNoDeveloping,
    Number,
    Percent,
    Text,
    Table,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub kind: Kind,
    pub text: String,
    /// The registry figure that answers it (`figure_names` lists them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub template: String,
    pub version: u32,
    pub title: String,
    #[serde(default)]
    pub note: String,
    pub sections: Vec<Section>,
}

fn template_error(template: &str, message: String) -> Error {
    Error::Template {
        template: template.to_owned(),
        message,
    }
}

impl Template {
    /// A template from its JSON, checked: unique question ids, known sources of the right kind.
    pub fn parse(name: &str, text: &str) -> Result<Template, Error> {
        let t: Template =
            serde_json::from_str(text).map_err(|e| template_error(name, e.to_string()))?;
        let mut seen = std::collections::HashSet::new();
        let sample = Figures::default();
        for question in t.sections.iter().flat_map(|s| &s.questions) {
            if !seen.insert(question.id.as_str()) {
                return Err(template_error(
                    name,
                    format!("question {} is given twice", question.id),
                ));
            }
            if let Some(source) = &question.source {
                let Some(answer) = sample.answer(source) else {
                    return Err(template_error(
                        name,
                        format!(
                            "question {}: '{source}' is not a registry figure; the figures are {}",
                            question.id,
                            figure_names().join(", ")
                        ),
                    ));
                };
                let fits = matches!(
                    (&answer, question.kind),
                    (Answer::Table { .. }, Kind::Table)
                        | (Answer::Percent { .. }, Kind::Percent)
                        | (
                            Answer::Number { .. } | Answer::NotRecorded { .. },
                            Kind::Number
                        )
                );
                if !fits {
                    return Err(template_error(
                        name,
                        format!(
                            "question {}: '{source}' does not answer a question of kind {:?}",
                            question.id, question.kind
                        ),
                    ));
                }
            }
        }
        Ok(t)
    }

    pub fn builtin(name: &str) -> Result<Template, Error> {
        let (_, text) = TEMPLATES.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            template_error(
                name,
                format!(
                    "no such template; the templates are {}",
                    TEMPLATES.iter().map(|t| t.0).collect::<Vec<_>>().join(", ")
                ),
            )
        })?;
        Template::parse(name, text)
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.sections
            .iter()
            .flat_map(|s| &s.questions)
            .find(|q| q.id == id)
    }
}

/// What the registry knows of the period, from which the report's answers are taken.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub questionnaire: Option<Questionnaire>,
    /// Events of the period by kind (superseded ones left out).
    pub events_by_kind: BTreeMap<String, u64>,
    /// Traced events of the period by outcome.
    pub traces_by_outcome: BTreeMap<String, u64>,
    pub weapons_total: u64,
    pub awaiting_mark: u64,
    /// SDG 16.4.2 over the period: numerator, denominator, percent.
    pub sdg: (u64, u64, Option<f64>),
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Answer {
    Number {
        value: u64,
    },
    /// `None`: no value (no arm in scope), never 0 %.
    Percent {
        value: Option<f64>,
    },
    Table {
        table: Table,
    },
    /// The registry does not record it; the reason says why.
    NotRecorded {
        reason: String,
    },
    /// Given by a person: yes / no / developing (with details), a number or text.
    Entered {
        value: String,
    },
}

const FIGURE_NAMES: &[&str] = &[
    "records.weapons_total",
    "records.awaiting_mark",
    "marking.marked",
    "tracing.traced",
    "tracing.established_by_tracing",
    "tracing.established_by_other_means",
    "tracing.pending",
    "tracing.unsuccessful",
    "tracing.international_sent",
    "tracing.international_received",
    "tracing.international_answered",
    "diversion.reported_lost",
    "diversion.reported_stolen",
    "collection.seized",
    "collection.seized_criminal",
    "collection.seized_administrative",
    "collection.found",
    "collection.surrendered",
    "collection.total",
    "destruction.destroyed",
    "destruction.deactivated",
    "transfers.exported",
    "transfers.imported",
    "sdg.numerator",
    "sdg.denominator",
    "sdg.percent",
    "table.arms_by_type",
    "table.parts_ammunition",
    "table.tracing_outcomes",
    "table.international_traces",
    "table.persons_by_sex",
];

/// The names a template's `source` may use.
pub fn figure_names() -> Vec<&'static str> {
    FIGURE_NAMES.to_vec()
}

impl Figures {
    fn table(&self, id: &str) -> Table {
        self.questionnaire
            .as_ref()
            .and_then(|q| q.table(id))
            .cloned()
            .unwrap_or_else(|| {
                // Before anything is computed: the empty table of the shape.
                let empty = q::compute(
                    &q::Facts::default(),
                    q::Period {
                        from: String::new(),
                        to: String::new(),
                    },
                    "",
                );
                empty.table(id).cloned().unwrap_or(Table {
                    id: id.to_owned(),
                    title: id.to_owned(),
                    columns: Vec::new(),
                    rows: Vec::new(),
                    notes: Vec::new(),
                })
            })
    }

    fn cell(&self, table: &str, row: &str, column: &str) -> Answer {
        let t = self.table(table);
        match t.get(row, column) {
            Some(value) => Answer::Number { value },
            None => Answer::NotRecorded {
                reason: t
                    .notes
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "not recorded".to_owned()),
            },
        }
    }

    fn events(&self, kind: &str) -> Answer {
        Answer::Number {
            value: self.events_by_kind.get(kind).copied().unwrap_or(0),
        }
    }

    /// The answer a figure gives; None for a name that is not a figure.
    pub fn answer(&self, name: &str) -> Option<Answer> {
        let number = |value| Some(Answer::Number { value });
        let traces = |o: &str| self.traces_by_outcome.get(o).copied().unwrap_or(0);
        if !FIGURE_NAMES.contains(&name) {
            return None;
        }
        if let Some(table) = name.strip_prefix("table.") {
            return Some(Answer::Table {
                table: self.table(table),
            });
        }
        if let Some(column) = name.strip_prefix("collection.") {
            return Some(self.cell(q::ARMS_BY_TYPE, "total", column));
        }
        if let Some(row) = name.strip_prefix("tracing.international_") {
            return Some(self.cell(q::INTERNATIONAL_TRACES, row, "count"));
        }
        match name {
            "records.weapons_total" => number(self.weapons_total),
            "records.awaiting_mark" => number(self.awaiting_mark),
            "marking.marked" => Some(self.events("marked")),
            "tracing.traced" => Some(self.events("traced")),
            "tracing.established_by_tracing"
            | "tracing.established_by_other_means"
            | "tracing.pending"
            | "tracing.unsuccessful" => number(traces(&name["tracing.".len()..])),
            "diversion.reported_lost" => Some(self.events("reported_lost")),
            "diversion.reported_stolen" => Some(self.events("reported_stolen")),
            "destruction.destroyed" => Some(self.events("destroyed")),
            "destruction.deactivated" => Some(self.events("deactivated")),
            "transfers.exported" => Some(self.events("exported")),
            "transfers.imported" => Some(self.events("imported")),
            "sdg.numerator" => number(self.sdg.0),
            "sdg.denominator" => number(self.sdg.1),
            "sdg.percent" => Some(Answer::Percent { value: self.sdg.2 }),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Answered from the registry's records.
    FromRegistry,
    /// Answered by a person for this report.
    Entered,
    /// Answered by a person for an earlier report, carried over: to confirm or change.
    Carried,
    /// Still to be answered.
    ToComplete,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DraftQuestion {
    pub id: String,
    pub kind: Kind,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub status: Status,
    pub answer: Option<Answer>,
    /// The period of the earlier report a carried answer was given for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<String>,
}

/// An answer a person gave: for this report, or carried over from the period named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given {
    pub value: String,
    pub carried_from: Option<String>,
}

impl Given {
    /// An answer given for this report.
    pub fn now(value: impl Into<String>) -> Given {
        Given {
            value: value.into(),
            carried_from: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DraftSection {
    pub id: String,
    pub title: String,
    pub questions: Vec<DraftQuestion>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Draft {
    pub report: &'static str,
    pub template: String,
    pub template_version: u32,
    pub title: String,
    pub note: String,
    pub country: String,
    pub period: q::Period,
    /// The ids of the questions still without an answer.
    pub to_complete: Vec<String>,
    /// The ids of the questions answered in an earlier report, to confirm or change.
    pub to_confirm: Vec<String>,
    pub sections: Vec<DraftSection>,
}

/// An answer a person gives, checked against the question's kind.
pub fn check_entered(question: &Question, value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(format!("question {}: the answer is empty", question.id));
    }
    match question.kind {
        Kind::YesNoDeveloping => {
            let first = v
                .split(|c: char| !c.is_alphanumeric())
                .next()
                .unwrap_or("")
                .to_lowercase();
            if !["yes", "no", "developing"].contains(&first.as_str()) {
                return Err(format!(
                    "question {}: '{v}' must start with yes, no or developing (details may follow)",
                    question.id
                ));
            }
        }
        Kind::Number => {
            if v.parse::<u64>().is_err() {
                return Err(format!(
                    "question {}: '{v}' is not a number (a whole number of 0 or more)",
                    question.id
                ));
            }
        }
        Kind::Percent => {
            if !v.parse::<f64>().is_ok_and(|p| (0.0..=100.0).contains(&p)) {
                return Err(format!(
                    "question {}: '{v}' is not a percentage from 0 to 100",
                    question.id
                ));
            }
        }
        Kind::Text | Kind::Table => {}
    }
    Ok(v.to_owned())
}

/// Checks answers given for a template: each names a question a person answers (not one the
/// registry answers) and fits its kind. Every problem is named.
pub fn check_answers(
    template: &Template,
    answers: &BTreeMap<String, String>,
) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    for (id, value) in answers {
        match template.question(id) {
            None => problems.push(format!(
                "question {id}: not a question of template {}",
                template.template
            )),
            Some(question) if question.source.is_some() => problems.push(format!(
                "question {id}: answered from the registry ({}); it cannot be typed over",
                question.source.as_deref().unwrap_or("")
            )),
            Some(question) => {
                if let Err(e) = check_entered(question, value) {
                    problems.push(e);
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The report's draft: registry answers for questions with a source, `given` answers (by
/// question id) for the others, and the rest to complete. An answer given for this report that
/// names a question the registry answers, an unknown question, or does not fit its kind is
/// refused (naming it); a carried one that no longer fits is left out (to complete).
pub fn draft(
    template: &Template,
    figures: &Figures,
    given: &BTreeMap<String, Given>,
    country: &str,
    period: q::Period,
) -> Result<Draft, Vec<String>> {
    let now: BTreeMap<String, String> = given
        .iter()
        .filter(|(_, g)| g.carried_from.is_none())
        .map(|(id, g)| (id.clone(), g.value.clone()))
        .collect();
    check_answers(template, &now)?;
    let mut to_complete = Vec::new();
    let mut to_confirm = Vec::new();
    let sections = template
        .sections
        .iter()
        .map(|s| DraftSection {
            id: s.id.clone(),
            title: s.title.clone(),
            questions: s
                .questions
                .iter()
                .map(|question| {
                    let mut carried_from = None;
                    let (status, answer) = match &question.source {
                        Some(source) => match figures.answer(source) {
                            Some(a @ Answer::NotRecorded { .. })
                            | Some(a @ Answer::Entered { .. }) => (Status::ToComplete, Some(a)),
                            Some(a) => (Status::FromRegistry, Some(a)),
                            None => (Status::ToComplete, None),
                        },
                        None => match given.get(&question.id) {
                            Some(g) if check_entered(question, &g.value).is_ok() => {
                                carried_from = g.carried_from.clone();
                                (
                                    if carried_from.is_some() {
                                        Status::Carried
                                    } else {
                                        Status::Entered
                                    },
                                    Some(Answer::Entered {
                                        value: g.value.trim().to_owned(),
                                    }),
                                )
                            }
                            _ => (Status::ToComplete, None),
                        },
                    };
                    match status {
                        Status::ToComplete => to_complete.push(question.id.clone()),
                        Status::Carried => to_confirm.push(question.id.clone()),
                        _ => {}
                    }
                    DraftQuestion {
                        id: question.id.clone(),
                        kind: question.kind,
                        text: question.text.clone(),
                        source: question.source.clone(),
                        status,
                        answer,
                        carried_from,
                    }
                })
                .collect(),
        })
        .collect();
    Ok(Draft {
        report: "poa-iti-national-report",
        template: template.template.clone(),
        template_version: template.version,
        title: template.title.clone(),
        note: template.note.clone(),
        country: country.to_owned(),
        period,
        to_complete,
        to_confirm,
        sections,
    })
}

pub fn to_json(draft: &Draft) -> Result<String, Error> {
    Ok(serde_json::to_string_pretty(draft)? + "\n")
}

/// HTML-escaped text.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn percent_text(p: Option<f64>) -> String {
    p.map_or_else(
        || "no value (no arm in scope)".to_owned(),
        |p| format!("{p:.2} %"),
    )
}

/// An answer as one line of text (tables: a reference to their sheet or block).
pub fn answer_text(answer: Option<&Answer>) -> String {
    match answer {
        None => String::new(),
        Some(Answer::Number { value }) => value.to_string(),
        Some(Answer::Percent { value }) => percent_text(*value),
        Some(Answer::Table { table }) => format!("table {}", table.id),
        Some(Answer::NotRecorded { reason }) => reason.clone(),
        Some(Answer::Entered { value }) => value.clone(),
    }
}

fn html_table(t: &Table) -> String {
    let mut h = String::from("<table class=\"figures\"><thead><tr><th></th>");
    for c in &t.columns {
        h += &format!("<th>{}</th>", esc(&c.label));
    }
    h += "</tr></thead><tbody>";
    for r in &t.rows {
        let class = if r.key == "total" {
            " class=\"total\""
        } else {
            ""
        };
        h += &format!("<tr{class}><th>{}</th>", esc(&r.label));
        for v in &r.values {
            match v {
                Some(v) => h += &format!("<td>{v}</td>"),
                None => h += "<td class=\"nr\">not recorded</td>",
            }
        }
        h += "</tr>";
    }
    h += "</tbody></table>";
    for n in &t.notes {
        h += &format!("<p class=\"note\">{}</p>", esc(n));
    }
    h
}

const CSS: &str = r#"
body { font: 11pt/1.4 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111; max-width: 52em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 16pt; margin-bottom: .2em; }
h2 { font-size: 13pt; border-bottom: 1px solid #999; margin-top: 1.6em; }
.meta, .note { color: #444; font-size: 9.5pt; }
.question { margin: .8em 0; break-inside: avoid; page-break-inside: avoid; }
.question .text { font-weight: bold; }
.answer { margin: .3em 0 0 1.6em; }
.source { color: #555; font-size: 9pt; }
.to-complete .answer { border: 1px dashed #b00; padding: .4em; min-height: 1.6em; color: #b00; }
.todo { border: 1px solid #b00; padding: .5em 1em; }
table.figures { border-collapse: collapse; font-size: 9pt; margin: .3em 0; }
table.figures th, table.figures td { border: 1px solid #888; padding: .15em .4em; }
table.figures td { text-align: right; }
table.figures thead th { background: #eee; }
table.figures tr.total th, table.figures tr.total td { font-weight: bold; }
td.nr { color: #777; font-style: italic; }
@page { size: A4; margin: 18mm 15mm; }
@media print { body { margin: 0; max-width: none; } a { color: inherit; text-decoration: none; } h2 { break-after: avoid; page-break-after: avoid; } }
"#;

/// The report as one printable HTML page (print CSS: A4, questions not split across pages).
pub fn to_html(d: &Draft) -> String {
    let mut h = String::new();
    h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
    h += &format!(
        "<title>{} {} – {}</title><style>{CSS}</style></head><body>\n",
        esc(&d.country),
        esc(&d.template),
        esc(&period_label(&d.period))
    );
    h += &format!("<h1>{}</h1>\n", esc(&d.title));
    h += &format!(
        "<p class=\"meta\">Country: {} · Period: {} to {} · Template {} (version {}) · Draft computed from the national registry</p>\n",
        esc(if d.country.is_empty() {
            "not set"
        } else {
            &d.country
        }),
        esc(&d.period.from),
        esc(&d.period.to),
        esc(&d.template),
        d.template_version
    );
    if !d.note.is_empty() {
        h += &format!("<p class=\"note\">{}</p>\n", esc(&d.note));
    }
    if d.to_complete.is_empty() {
        h += "<p class=\"todo\">Every question has an answer.</p>\n";
    } else {
        h += &format!(
            "<div class=\"todo\"><strong>To complete ({}):</strong> {}</div>\n",
            d.to_complete.len(),
            d.to_complete
                .iter()
                .map(|id| format!("<a href=\"#q{0}\">{0}</a>", esc(id)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !d.to_confirm.is_empty() {
        h += &format!(
            "<div class=\"todo\"><strong>Carried over from an earlier report, to confirm ({}):</strong> {}</div>\n",
            d.to_confirm.len(),
            d.to_confirm
                .iter()
                .map(|id| format!("<a href=\"#q{0}\">{0}</a>", esc(id)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for s in &d.sections {
        h += &format!("<h2>{}. {}</h2>\n", esc(&s.id), esc(&s.title));
        for question in &s.questions {
            let class = match question.status {
                Status::ToComplete => "question to-complete",
                _ => "question",
            };
            h += &format!(
                "<div class=\"{class}\" id=\"q{0}\"><div class=\"text\">{0} {1}</div><div class=\"answer\">",
                esc(&question.id),
                esc(&question.text)
            );
            match &question.answer {
                Some(Answer::Table { table }) => h += &html_table(table),
                Some(Answer::NotRecorded { reason }) => {
                    h += &format!("To complete. <span class=\"source\">{}</span>", esc(reason));
                }
                None => h += "To complete.",
                other => h += &esc(&answer_text(other.as_ref())),
            }
            h += "</div>";
            match question.status {
                Status::FromRegistry => {
                    h += &format!(
                        "<div class=\"answer source\">From the registry ({}).</div>",
                        esc(question.source.as_deref().unwrap_or(""))
                    );
                }
                Status::Entered => h += "<div class=\"answer source\">Entered.</div>",
                Status::Carried => {
                    let from = question.carried_from.as_deref().unwrap_or("");
                    // An earlier period ("2022-01-01..2023-12-31"), or another record of the
                    // registry the answer is proposed from.
                    let what = if from.starts_with(|c: char| c.is_ascii_digit()) {
                        "the report for "
                    } else {
                        ""
                    };
                    h += &format!(
                        "<div class=\"answer source\">Carried over from {what}{}: to confirm or change.</div>",
                        esc(from)
                    )
                }
                Status::ToComplete => {}
            }
            h += "</div>\n";
        }
    }
    h += "</body></html>\n";
    h
}

fn period_label(p: &q::Period) -> String {
    format!("{}..{}", p.from, p.to)
}

/// The report as a workbook: a sheet "report" (one row a question: section, id, question,
/// answer, status, source) and one sheet per table answer, written as the questionnaire's.
pub fn to_xlsx(d: &Draft) -> Result<Vec<u8>, Error> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let ws = wb.add_worksheet();
    ws.set_name("report")?;
    ws.write_string_with_format(0, 0, &d.title, &bold)?;
    ws.write_string(
        1,
        0,
        format!(
            "{} {} to {}, template {} version {}",
            d.country, d.period.from, d.period.to, d.template, d.template_version
        )
        .trim(),
    )?;
    for (i, h) in ["section", "id", "question", "answer", "status", "source"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(3, i as u16, *h, &bold)?;
    }
    ws.set_column_width(0, 28)?;
    ws.set_column_width(2, 70)?;
    ws.set_column_width(3, 30)?;
    ws.set_column_width(4, 14)?;
    ws.set_column_width(5, 30)?;
    let mut row = 4u32;
    let mut tables = Vec::new();
    for s in &d.sections {
        for question in &s.questions {
            ws.write_string(row, 0, format!("{}. {}", s.id, s.title))?;
            ws.write_string(row, 1, &question.id)?;
            ws.write_string_with_format(row, 2, &question.text, &wrap)?;
            match &question.answer {
                Some(Answer::Number { value }) => {
                    ws.write_number(row, 3, *value as f64)?;
                }
                Some(Answer::Percent { value: Some(p) }) => {
                    ws.write_number(row, 3, *p)?;
                }
                Some(Answer::Table { table }) => {
                    ws.write_string(row, 3, format!("see sheet {}", table.id))?;
                    tables.push(table.clone());
                }
                other => {
                    ws.write_string(row, 3, answer_text(other.as_ref()))?;
                }
            }
            let status = match question.status {
                Status::FromRegistry => "from registry",
                Status::Entered => "entered",
                Status::Carried => "carried over, to confirm",
                Status::ToComplete => "to complete",
            };
            ws.write_string(row, 4, status)?;
            ws.write_string(row, 5, question.source.as_deref().unwrap_or(""))?;
            row += 1;
        }
    }
    let q = Questionnaire {
        questionnaire: q::QUESTIONNAIRE.to_owned(),
        period: d.period.clone(),
        country: d.country.clone(),
        tables,
    };
    crate::tables::write_sheets(&mut wb, &q)?;
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period() -> q::Period {
        q::Period {
            from: "2024-01-01".into(),
            to: "2025-12-31".into(),
        }
    }

    fn figures() -> Figures {
        use salw_core::category::UnodcType;
        use salw_core::indicator::{ItemKind, Route};
        let item = |route, criminal| q::Recovered {
            kind: ItemKind::Weapon,
            route,
            criminal,
            weapon_type: UnodcType::Pistol,
            origin: None,
            person: None,
        };
        let facts = q::Facts {
            recovered: vec![
                item(Route::Seized, true),
                item(Route::Seized, false),
                item(Route::Found, false),
            ],
            ..q::Facts::default()
        };
        Figures {
            questionnaire: Some(q::compute(&facts, period(), "KE")),
            events_by_kind: [("marked".to_owned(), 4), ("destroyed".to_owned(), 2)].into(),
            traces_by_outcome: [("established_by_tracing".to_owned(), 1)].into(),
            weapons_total: 40,
            awaiting_mark: 3,
            sdg: (1, 2, Some(50.0)),
        }
    }

    fn find<'a>(d: &'a Draft, id: &str) -> &'a DraftQuestion {
        d.sections
            .iter()
            .flat_map(|s| &s.questions)
            .find(|q| q.id == id)
            .unwrap()
    }

    #[test]
    fn the_builtin_template_parses_and_every_source_is_a_figure() {
        let t = Template::builtin(DEFAULT_TEMPLATE).unwrap();
        assert_eq!(t.template, "poa-2024");
        let sourced = t
            .sections
            .iter()
            .flat_map(|s| &s.questions)
            .filter(|q| q.source.is_some())
            .count();
        assert!(sourced >= 20, "{sourced}");
        for name in figure_names() {
            assert!(Figures::default().answer(name).is_some(), "{name}");
        }
        assert!(Template::builtin("poa-1999").is_err());
    }

    #[test]
    fn bad_templates_are_refused_naming_the_question() {
        let t = |questions: &str| {
            format!(
                r#"{{"template": "t", "version": 1, "title": "T", "sections": [{{"id": "1", "title": "S", "questions": {questions}}}]}}"#
            )
        };
        let e = Template::parse(
            "t",
            &t(r#"[{"id": "1.1", "kind": "number", "text": "?", "source": "marking.nope"}]"#),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("template t: question 1.1: 'marking.nope' is not a registry figure"),
            "{e}"
        );
        let e = Template::parse(
            "t",
            &t(r#"[{"id": "1.1", "kind": "number", "text": "?", "source": "table.arms_by_type"}]"#),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("does not answer a question of kind Number"),
            "{e}"
        );
        let e = Template::parse("t", &t(r#"[{"id": "1.1", "kind": "text", "text": "?"}, {"id": "1.1", "kind": "text", "text": "?"}]"#))
            .unwrap_err()
            .to_string();
        assert!(e.contains("question 1.1 is given twice"), "{e}");
        assert!(Template::parse("t", "{").is_err());
    }

    #[test]
    fn registry_answers_are_filled_and_the_rest_is_to_complete() {
        let t = Template::builtin(DEFAULT_TEMPLATE).unwrap();
        let d = draft(&t, &figures(), &BTreeMap::new(), "KE", period()).unwrap();
        assert_eq!(find(&d, "3.4").answer, Some(Answer::Number { value: 4 }));
        assert_eq!(find(&d, "3.4").status, Status::FromRegistry);
        assert_eq!(find(&d, "3.5").answer, Some(Answer::Number { value: 3 }));
        assert_eq!(find(&d, "4.3").answer, Some(Answer::Number { value: 40 }));
        assert_eq!(find(&d, "5.2").answer, Some(Answer::Number { value: 1 }));
        assert_eq!(find(&d, "7.1").answer, Some(Answer::Number { value: 2 }));
        assert_eq!(find(&d, "7.2").answer, Some(Answer::Number { value: 1 }));
        assert_eq!(find(&d, "7.5").answer, Some(Answer::Number { value: 2 }));
        assert_eq!(find(&d, "6.2").answer, Some(Answer::Number { value: 0 }));
        assert_eq!(
            find(&d, "9.3").answer,
            Some(Answer::Percent { value: Some(50.0) })
        );
        assert!(
            matches!(&find(&d, "10.1").answer, Some(Answer::Table { table }) if table.id == "persons_by_sex")
        );
        // International traces not given (as by a registry that kept none): to complete, with
        // the reason.
        let intl = find(&d, "5.3");
        assert_eq!(intl.status, Status::ToComplete);
        assert!(
            matches!(&intl.answer, Some(Answer::NotRecorded { reason }) if reason.contains("not given"))
        );
        assert!(d.to_complete.contains(&"1.1".to_owned()));
        assert!(d.to_complete.contains(&"5.3".to_owned()));
        assert!(!d.to_complete.contains(&"3.4".to_owned()));
        let unsourced = t
            .sections
            .iter()
            .flat_map(|s| &s.questions)
            .filter(|q| q.source.is_none())
            .count();
        assert_eq!(d.to_complete.len(), unsourced + 3);
    }

    #[test]
    fn entered_answers_fill_questions_and_are_checked() {
        let t = Template::builtin(DEFAULT_TEMPLATE).unwrap();
        let entered: BTreeMap<String, String> = [
            ("1.1".to_owned(), "Yes: the National Focal Point".to_owned()),
            ("11.1".to_owned(), "Training on tracing".to_owned()),
        ]
        .into();
        let d = draft(&t, &figures(), &given(&entered), "KE", period()).unwrap();
        assert_eq!(find(&d, "1.1").status, Status::Entered);
        assert!(!d.to_complete.contains(&"1.1".to_owned()));
        let bad: BTreeMap<String, String> = [
            ("1.1".to_owned(), "maybe".to_owned()),
            ("3.4".to_owned(), "12".to_owned()),
            ("99.9".to_owned(), "x".to_owned()),
            ("1.4".to_owned(), "  ".to_owned()),
        ]
        .into();
        let problems = draft(&t, &figures(), &given(&bad), "KE", period()).unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(
            problems[0].starts_with("question 1.1: 'maybe' must start with yes, no or developing")
        );
        assert_eq!(problems[1], "question 1.4: the answer is empty");
        assert!(
            problems[2].starts_with("question 3.4: answered from the registry (marking.marked)")
        );
        assert!(problems[3].starts_with("question 99.9: not a question"));
    }

    fn given(answers: &BTreeMap<String, String>) -> BTreeMap<String, Given> {
        answers
            .iter()
            .map(|(id, v)| (id.clone(), Given::now(v.clone())))
            .collect()
    }

    #[test]
    fn carried_answers_are_shown_to_confirm_and_a_carried_one_that_no_longer_fits_is_left_out() {
        let t = Template::builtin(DEFAULT_TEMPLATE).unwrap();
        let carried = |v: &str| Given {
            value: v.to_owned(),
            carried_from: Some("2022-01-01..2023-12-31".to_owned()),
        };
        let given: BTreeMap<String, Given> = [
            ("1.1".to_owned(), carried("yes")),
            ("1.2".to_owned(), carried("perhaps")),
            ("1.4".to_owned(), Given::now("Ms A")),
        ]
        .into();
        let d = draft(&t, &figures(), &given, "KE", period()).unwrap();
        let q11 = find(&d, "1.1");
        assert_eq!(q11.status, Status::Carried);
        assert_eq!(q11.carried_from.as_deref(), Some("2022-01-01..2023-12-31"));
        assert_eq!(d.to_confirm, vec!["1.1".to_owned()]);
        assert_eq!(find(&d, "1.2").status, Status::ToComplete);
        assert!(d.to_complete.contains(&"1.2".to_owned()));
        assert_eq!(find(&d, "1.4").status, Status::Entered);
        let html = to_html(&d);
        assert!(html.contains("Carried over from the report for 2022-01-01..2023-12-31"));
        assert!(html.contains("to confirm (1)"));
    }

    #[test]
    fn html_escapes_lists_what_to_complete_and_prints() {
        let t = Template::builtin(DEFAULT_TEMPLATE).unwrap();
        let entered: BTreeMap<String, String> = [(
            "1.4".to_owned(),
            "<script>alert(1)</script> & co".to_owned(),
        )]
        .into();
        let d = draft(&t, &figures(), &given(&entered), "KE", period()).unwrap();
        let html = to_html(&d);
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
        assert!(!html.contains("<script>"));
        assert!(html.contains(&format!("To complete ({}):", d.to_complete.len())));
        assert!(html.contains("@page"));
        assert!(html.contains("<td>2</td>"), "the arms table is in the page");
        assert!(html.contains("50.00 %"));
    }

    #[test]
    fn json_shape() {
        let t = Template::builtin(DEFAULT_TEMPLATE).unwrap();
        let d = draft(&t, &figures(), &BTreeMap::new(), "KE", period()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&to_json(&d).unwrap()).unwrap();
        assert_eq!(v["template"], "poa-2024");
        assert_eq!(v["period"]["from"], "2024-01-01");
        assert!(
            v["to_complete"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x == "1.1")
        );
        let q34 = &v["sections"][2]["questions"][3];
        assert_eq!(q34["id"], "3.4");
        assert_eq!(q34["status"], "from_registry");
        assert_eq!(
            q34["answer"],
            serde_json::json!({"type": "number", "value": 4})
        );
        assert_eq!(
            v["sections"][0]["questions"][0]["answer"],
            serde_json::Value::Null
        );
    }

    #[test]
    fn xlsx_reads_back_with_another_library() {
        use calamine::{Data, Reader, Xlsx};
        let t = Template::builtin(DEFAULT_TEMPLATE).unwrap();
        let d = draft(&t, &figures(), &BTreeMap::new(), "KE", period()).unwrap();
        let bytes = to_xlsx(&d).unwrap();
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheets = wb.sheet_names();
        assert_eq!(sheets[0], "report");
        assert!(sheets.contains(&"arms_by_type".to_owned()));
        let r = wb.worksheet_range("report").unwrap();
        let mut seen = 0;
        for (i, question) in d.sections.iter().flat_map(|s| &s.questions).enumerate() {
            let row = 4 + i as u32;
            assert_eq!(
                r.get_value((row, 1)),
                Some(&Data::String(question.id.clone()))
            );
            match &question.answer {
                Some(Answer::Number { value }) => {
                    assert_eq!(r.get_value((row, 3)), Some(&Data::Float(*value as f64)));
                    seen += 1;
                }
                Some(Answer::Percent { value: Some(p) }) => {
                    assert_eq!(r.get_value((row, 3)), Some(&Data::Float(*p)));
                    seen += 1;
                }
                _ => {}
            }
        }
        assert!(seen >= 15, "{seen}");
    }
}
