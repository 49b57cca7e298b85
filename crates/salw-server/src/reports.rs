//! The national reports over HTTP (docs/reports.md): the PoA/ITI report's draft and the
//! answers people keep for it (page and API), and every report as a file to download. The
//! drafting itself is salw_report::registry's, as for `salw report`.

use std::collections::BTreeMap;

use askama::Template;
use axum::Json;
use axum::extract::{Extension, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use chrono::NaiveDate;
use salw_access::Permission;
use salw_report::poa::{self, Answer, Draft, Status};
use salw_report::registry;
use serde::Deserialize;
use serde_json::json;

use crate::api::{ApiResult, audit};
use crate::auth::{self, Caller};
use crate::error::{ApiError, FieldError};
use crate::pages::{Nav, PageResult, check_csrf, read_form, render};
use crate::params::{ApiJson, Params};
use crate::state::Shared;

fn report_error(context: &'static str) -> impl Fn(salw_report::Error) -> ApiError {
    move |e| match e {
        salw_report::Error::Template { .. } => {
            ApiError::field(StatusCode::BAD_REQUEST, "template", e.to_string())
        }
        other => ApiError::internal(context, other),
    }
}

/// The period asked for; by default the last two full years (the PoA reports every two).
fn period(text: Option<String>) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let last = crate::api::last_year();
    let text = text.unwrap_or_else(|| format!("{}-{last}", last - 1));
    registry::parse_period(&text).map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "period", e))
}

fn template(name: Option<&str>) -> Result<poa::Template, ApiError> {
    poa::Template::builtin(name.unwrap_or(poa::DEFAULT_TEMPLATE))
        .map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "template", e.to_string()))
}

async fn draft(
    state: &Shared,
    template: poa::Template,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Draft, ApiError> {
    let country = state.node.country.clone().unwrap_or_default();
    state
        .read(move |reg| {
            registry::poa_draft(reg.backend(), &template, from, to, &country)
                .map_err(report_error("drafting the PoA report"))
        })
        .await
}

/// "question 1.1: reason" → the field `answers.1.1` and its reason.
fn answer_error(problem: &str) -> FieldError {
    let (field, reason) = problem
        .strip_prefix("question ")
        .and_then(|rest| rest.split_once(": "))
        .map(|(id, reason)| (format!("answers.{id}"), reason.to_owned()))
        .unwrap_or_else(|| ("answers".to_owned(), problem.to_owned()));
    FieldError {
        field,
        reason,
        line: None,
    }
}

/// Keeps the answers (all checked first; all or none kept) and audits it.
async fn keep(
    state: &Shared,
    caller: &Caller,
    template: poa::Template,
    (from, to): (NaiveDate, NaiveDate),
    answers: BTreeMap<String, String>,
) -> Result<Result<usize, Vec<String>>, ApiError> {
    let by = caller.name.clone();
    let asked = format!(
        "{} {from}..{to}: {}",
        template.template,
        answers.keys().cloned().collect::<Vec<_>>().join(", ")
    );
    let kept = state
        .write(move |reg| {
            registry::keep_poa_answers(
                reg.backend(),
                &template,
                from,
                to,
                &answers,
                &by,
                &chrono::Utc::now().to_rfc3339(),
            )
            .map_err(report_error("keeping the report's answers"))
        })
        .await?;
    let shown = match &kept {
        Ok(n) => format!("{n} kept"),
        Err(problems) => format!("refused: {} problem(s)", problems.len()),
    };
    audit(state, caller, "report-answers", asked, shown).await?;
    Ok(kept)
}

// ---------------------------------------------------------------------------------------------
// API

pub async fn get_poa(State(state): State<Shared>, params: Params) -> ApiResult {
    params.only(&["period", "template"])?;
    let (from, to) = period(params.text("period"))?;
    let template = template(params.text("template").as_deref())?;
    Ok(Json(draft(&state, template, from, to).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoaAnswers {
    pub period: String,
    #[serde(default)]
    pub template: Option<String>,
    pub answers: BTreeMap<String, String>,
}

pub async fn post_poa_answers(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    ApiJson(request): ApiJson<PoaAnswers>,
) -> ApiResult {
    let (from, to) = period(Some(request.period))?;
    let template = template(request.template.as_deref())?;
    match keep(
        &state,
        &caller,
        template.clone(),
        (from, to),
        request.answers,
    )
    .await?
    {
        Ok(kept) => {
            let draft = draft(&state, template, from, to).await?;
            Ok(Json(json!({ "kept": kept, "draft": draft })).into_response())
        }
        Err(problems) => Err(ApiError::invalid(
            problems.iter().map(|p| answer_error(p)).collect(),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Page

pub struct QuestionRow {
    pub id: String,
    pub text: String,
    /// What a person may type: "yes, no or developing, then details", "a number"…
    pub hint: &'static str,
    pub answer: String,
    pub from_registry: bool,
    pub source: String,
    pub carried_from: String,
    pub to_complete: bool,
    pub error: String,
}

pub struct SectionRows {
    pub title: String,
    pub questions: Vec<QuestionRow>,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    nav: Nav,
    period: String,
    from: String,
    to: String,
    year: i32,
    answered: usize,
    total: usize,
    to_complete: Vec<String>,
    to_confirm: Vec<String>,
    sections: Vec<SectionRows>,
    may_complete: bool,
    notice: String,
    problems: Vec<String>,
}

fn hint(kind: poa::Kind) -> &'static str {
    match kind {
        poa::Kind::YesNoDeveloping => "yes, no or developing, then details",
        poa::Kind::Number => "a whole number",
        poa::Kind::Percent => "a percentage, 0 to 100",
        poa::Kind::Text | poa::Kind::Table => "text",
    }
}

/// The page: the draft, with what was typed (and refused) shown again in place of the kept
/// answers.
fn page(
    caller: &Caller,
    period: String,
    d: &Draft,
    typed: &BTreeMap<String, String>,
    problems: Vec<String>,
    notice: String,
) -> ReportsPage {
    let errors: BTreeMap<String, String> = problems
        .iter()
        .map(|p| {
            let e = answer_error(p);
            (
                e.field.strip_prefix("answers.").unwrap_or("").to_owned(),
                e.reason,
            )
        })
        .collect();
    let sections = d
        .sections
        .iter()
        .map(|s| SectionRows {
            title: format!("{}. {}", s.id, s.title),
            questions: s
                .questions
                .iter()
                .map(|q| {
                    let answer = match (&q.answer, typed.get(&q.id)) {
                        (_, Some(typed)) => typed.clone(),
                        (Some(Answer::Table { table }), _) => {
                            format!("table {} (in the downloads)", table.title)
                        }
                        (a, None) => poa::answer_text(a.as_ref()),
                    };
                    QuestionRow {
                        id: q.id.clone(),
                        text: q.text.clone(),
                        hint: hint(q.kind),
                        answer,
                        from_registry: q.source.is_some(),
                        source: q.source.clone().unwrap_or_default(),
                        carried_from: q.carried_from.clone().unwrap_or_default(),
                        to_complete: q.status == Status::ToComplete,
                        error: errors.get(&q.id).cloned().unwrap_or_default(),
                    }
                })
                .collect(),
        })
        .collect();
    let total = d.sections.iter().map(|s| s.questions.len()).sum::<usize>();
    ReportsPage {
        nav: Nav::of(caller),
        period,
        from: d.period.from.clone(),
        to: d.period.to.clone(),
        year: crate::api::last_year(),
        answered: total - d.to_complete.len(),
        total,
        to_complete: d.to_complete.clone(),
        to_confirm: d.to_confirm.clone(),
        sections,
        may_complete: caller.may(Permission::CompleteReports),
        notice,
        problems: problems
            .into_iter()
            .filter(|p| !p.starts_with("question "))
            .collect(),
    }
}

pub async fn reports_page(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> PageResult {
    params.only(&["period", "done"])?;
    let mut text = params.text("period");
    let mut problems = Vec::new();
    // A period typed wrong is said on the page, which shows the default period instead.
    let (from, to) = match period(text.clone()) {
        Ok(p) => p,
        Err(e) if e.status.is_client_error() => {
            let why = e
                .errors
                .first()
                .map(|f| format!("{}: {}", f.field, f.reason))
                .unwrap_or(e.message);
            problems.push(format!("{why}; shown instead: the default period"));
            text = None;
            period(None)?
        }
        Err(e) => return Err(e.into()),
    };
    let d = draft(&state, template(None)?, from, to).await?;
    let shown = text.unwrap_or_else(|| format!("{from}..{to}"));
    let notice = params.text("done").unwrap_or_default();
    Ok(render(&page(
        &caller,
        shown,
        &d,
        &BTreeMap::new(),
        problems,
        notice,
    )))
}

pub async fn post_answers_page(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    request: Request,
) -> PageResult {
    let form = read_form(request).await?;
    check_csrf(&caller, &form)?;
    let text = form.value("period").to_owned();
    let (from, to) = period(Some(text.clone()))?;
    let template = template(None)?;
    // Empty fields are questions left unanswered, not answers.
    let typed: BTreeMap<String, String> = form
        .with_prefix("q.")
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    match keep(&state, &caller, template.clone(), (from, to), typed.clone()).await? {
        Ok(kept) => {
            let done = format!("{kept} answer(s) kept for {from} to {to}.");
            Ok(Redirect::to(&format!(
                "/reports?period={}&done={}",
                auth::urlencode(&text),
                auth::urlencode(&done)
            ))
            .into_response())
        }
        Err(problems) => {
            let d = draft(&state, template, from, to).await?;
            let page = page(
                &caller,
                text,
                &d,
                &typed,
                problems,
                "Nothing was kept: correct the answers marked below.".to_owned(),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Files

/// `GET /reports/{file}`: poa.html|xlsx|json and questionnaire.xlsx|json|csv over `period`,
/// att.xlsx|html|json|csv over `year`.
pub async fn report_file(
    State(state): State<Shared>,
    Path(file): Path<String>,
    params: Params,
) -> PageResult {
    let (report, format) = file
        .rsplit_once('.')
        .ok_or_else(|| ApiError::not_found(format!("no report file {file}")))?;
    let formats: &[&str] = match report {
        "poa" => &["html", "xlsx", "json"],
        "questionnaire" => &["xlsx", "json", "csv"],
        "att" => &["xlsx", "html", "json", "csv"],
        _ => return Err(ApiError::not_found(format!("no report file {file}")).into()),
    };
    if !formats.contains(&format) {
        return Err(ApiError::not_found(format!(
            "no report file {file}: {report} is given as {}",
            formats.join(", ")
        ))
        .into());
    }
    let country = state.node.country.clone().unwrap_or_default();
    let (bytes, name) = if report == "att" {
        params.only(&["year"])?;
        let year = params.number("year", 1900, 9999, crate::api::last_year() as u64)? as i32;
        let (from, to) = registry::parse_period(&year.to_string())
            .map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "year", e))?;
        let format = format.to_owned();
        let bytes = state
            .read(move |reg| {
                let transfers = salw_store::reports::att_transfers(reg.backend(), from, to)
                    .map_err(|e| ApiError::internal("reading the transfers", e))?;
                let report = salw_core::att::compute(&transfers, year, &country);
                let bytes = match format.as_str() {
                    "json" => salw_report::att::to_json(&report).map(String::into_bytes),
                    "csv" => salw_report::att::to_csv(&report),
                    "html" => Ok(salw_report::att::to_html(&report).into_bytes()),
                    _ => salw_report::att::to_xlsx(&report),
                };
                bytes.map_err(report_error("writing the ATT report"))
            })
            .await?;
        (bytes, format!("att-{year}"))
    } else {
        params.only(&["period"])?;
        let (from, to) = period(params.text("period"))?;
        let bytes = if report == "poa" {
            let d = draft(&state, template(None)?, from, to).await?;
            match format {
                "json" => poa::to_json(&d).map(String::into_bytes),
                "html" => Ok(poa::to_html(&d).into_bytes()),
                _ => poa::to_xlsx(&d),
            }
            .map_err(report_error("writing the PoA report"))?
        } else {
            let format = format.to_owned();
            state
                .read(move |reg| {
                    let q = salw_store::reports::questionnaire(reg.backend(), from, to, &country)
                        .map_err(|e| ApiError::internal("computing the questionnaire", e))?;
                    match format.as_str() {
                        "json" => salw_report::tables::to_json(&q).map(String::into_bytes),
                        "csv" => salw_report::tables::to_csv(&q),
                        _ => salw_report::tables::to_xlsx(&q),
                    }
                    .map_err(report_error("writing the questionnaire"))
                })
                .await?
        };
        (bytes, format!("{report}-{from}-{to}"))
    };
    Ok(download(&name, format, bytes))
}

/// A report file as a response: HTML opens in the browser (to print); JSON, CSV and XLSX are
/// saved as `name.format`.
pub fn download(name: &str, format: &str, bytes: Vec<u8>) -> axum::response::Response {
    let media = match format {
        "html" => "text/html; charset=utf-8",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        _ => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    let disposition = if format == "html" {
        format!("inline; filename=\"{name}.html\"")
    } else {
        format!("attachment; filename=\"{name}.{format}\"")
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, media.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response();
    if format == "html" {
        // A document to print: its styles are inline (it is also saved and opened as a file),
        // which the pages' policy forbids. Nothing else may load or run in it.
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(REPORT_POLICY),
        );
    }
    response
}

/// The content security policy of a report shown in the browser: its inline styles, nothing
/// else (no script, no other source, no form, no framing).
pub const REPORT_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; form-action 'none'; base-uri 'none'";
