//! The self-assessment against the standards and the assistance it leads to, over HTTP
//! (docs/assessment.md): a page to complete an assessment module by module and see its scores
//! and ranked gaps, the assistance page (needs, offers, matches, projects), their files (HTML,
//! XLSX, JSON), and the API. What is kept and how it is scored is salw_store::assessments's and
//! salw_assess's, as for `salw assess` and `salw assist`.

use askama::Template;
use axum::Json;
use axum::extract::{Extension, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chrono::NaiveDate;
use salw_access::Permission;
use salw_assess::assistance::{Need, Offer, Priority, Project, ProjectResult};
use salw_assess::checklist::{self, Checklist};
use salw_assess::score::{self, Entry, Gap, Status};
use salw_report::assessment::{self as files, AssessmentReport};
use salw_store::assessments::{self, AssessmentInfo, Assistance, AssistanceItem};
use serde_json::json;

use crate::api::{ApiResult, audit};
use crate::auth::{self, Caller};
use crate::error::{ApiError, FieldError};
use crate::pages::{Nav, PageResult, check_csrf, read_form, render};
use crate::params::{ApiJson, Params, parse_json};
use crate::state::Shared;

fn store(context: &'static str) -> impl Fn(salw_store::StoreError) -> ApiError {
    move |e| ApiError::internal(context, e)
}

/// "clause 05.20.01: reason" → the field `05.20.01` and its reason; "need: …" → `need`.
fn problem_field(problem: &str) -> FieldError {
    let (field, reason) = match problem.strip_prefix("clause ") {
        Some(rest) => rest.split_once(": ").unwrap_or(("entries", rest)),
        None => problem.split_once(": ").unwrap_or(("body", problem)),
    };
    FieldError {
        field: field.to_owned(),
        reason: reason.to_owned(),
        line: None,
    }
}

async fn list(state: &Shared) -> Result<Vec<AssessmentInfo>, ApiError> {
    state
        .read(|reg| {
            assessments::assessments(reg.backend()).map_err(store("listing the assessments"))
        })
        .await
}

async fn report(
    state: &Shared,
    name: String,
    compare: Option<String>,
) -> Result<AssessmentReport, ApiError> {
    let country = state.node.country.clone().unwrap_or_default();
    let today = chrono::Utc::now().date_naive();
    state
        .read(move |reg| {
            salw_report::registry::assessment_report(
                reg.backend(),
                &name,
                compare.as_deref(),
                &country,
                today,
            )
            .map_err(|e| ApiError::internal("computing the assessment", e))
        })
        .await
}

/// Keeps entries (all checked first, all or none) and audits it.
async fn keep_entries(
    state: &Shared,
    caller: &Caller,
    name: String,
    entries: Vec<Entry>,
) -> Result<Result<usize, Vec<String>>, ApiError> {
    let asked = format!(
        "{name}: {}",
        entries
            .iter()
            .map(|e| format!("{} {}", e.clause, e.status.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let by = caller.name.clone();
    let kept = state
        .write(move |reg| {
            assessments::record(
                reg.backend(),
                &name,
                &entries,
                &by,
                &chrono::Utc::now().to_rfc3339(),
            )
            .map_err(store("keeping the assessment"))
        })
        .await?;
    let shown = match &kept {
        Ok(n) => format!("{n} kept"),
        Err(p) => format!("refused: {} problem(s)", p.len()),
    };
    audit(state, caller, "assessment", asked, shown).await?;
    Ok(kept)
}

async fn keep_item(
    state: &Shared,
    caller: &Caller,
    item: AssistanceItem,
) -> Result<Result<(), Vec<String>>, ApiError> {
    let asked = format!("{item:?}");
    let by = caller.name.clone();
    let kept = state
        .write(move |reg| {
            assessments::keep(reg.backend(), &item, &by, &chrono::Utc::now().to_rfc3339())
                .map_err(store("keeping the assistance record"))
        })
        .await?;
    let shown = match &kept {
        Ok(()) => "kept".to_owned(),
        Err(p) => format!("refused: {} problem(s)", p.len()),
    };
    audit(state, caller, "assistance", asked, shown).await?;
    Ok(kept)
}

async fn assistance(state: &Shared) -> Result<Assistance, ApiError> {
    state
        .read(|reg| {
            assessments::assistance(reg.backend()).map_err(store("reading the assistance records"))
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// API

pub async fn api_list(State(state): State<Shared>, params: Params) -> ApiResult {
    params.only(&[])?;
    let list = list(&state).await?;
    Ok(Json(json!({ "checklist": checklist::CURRENT, "assessments": list })).into_response())
}

pub async fn api_show(
    State(state): State<Shared>,
    Path(name): Path<String>,
    params: Params,
) -> ApiResult {
    params.only(&["compare"])?;
    let known = list(&state).await?;
    let compare = params.text("compare").filter(|c| !c.trim().is_empty());
    for n in std::iter::once(&name).chain(compare.as_ref()) {
        if !known.iter().any(|a| &a.name == n) {
            return Err(ApiError::not_found(format!("no assessment named '{n}'")));
        }
    }
    Ok(Json(report(&state, name, compare).await?).into_response())
}

pub async fn api_record(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    ApiJson(entries): ApiJson<Vec<Entry>>,
) -> ApiResult {
    match keep_entries(&state, &caller, name, entries).await? {
        Ok(kept) => Ok((StatusCode::OK, Json(json!({ "kept": kept }))).into_response()),
        Err(problems) => Err(ApiError::invalid(
            problems.iter().map(|p| problem_field(p)).collect(),
        )),
    }
}

pub async fn api_assistance(State(state): State<Shared>, params: Params) -> ApiResult {
    params.only(&[])?;
    let a = assistance(&state).await?;
    let matches = a.matches();
    Ok(Json(json!({
        "needs": a.needs, "offers": a.offers, "matches": matches,
        "projects": a.projects, "results": a.results,
    }))
    .into_response())
}

pub async fn api_add_assistance(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(kind): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult {
    // Read again with the field's path named in any refusal, as every API body is.
    let bytes = serde_json::to_vec(&body).map_err(|e| ApiError::internal("the body", e))?;
    let item = match kind.as_str() {
        "needs" => AssistanceItem::Need(parse_json::<Need>(&bytes)?),
        "offers" => AssistanceItem::Offer(parse_json::<Offer>(&bytes)?),
        "projects" => AssistanceItem::Project(parse_json::<Project>(&bytes)?),
        "results" => AssistanceItem::Result(parse_json::<ProjectResult>(&bytes)?),
        _ => {
            return Err(ApiError::not_found(format!(
                "no assistance records '{kind}' (needs, offers, projects or results)"
            )));
        }
    };
    match keep_item(&state, &caller, item).await? {
        Ok(()) => Ok((StatusCode::CREATED, Json(json!({ "kept": true }))).into_response()),
        Err(problems) => Err(ApiError::invalid(
            problems.iter().map(|p| problem_field(p)).collect(),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Pages

pub struct ClauseForm {
    pub id: String,
    pub level: &'static str,
    pub text: String,
    pub status: String,
    pub note: String,
    pub document: String,
    pub owner: String,
    pub due: String,
    pub figure: String,
    pub figure_then: String,
    pub error: String,
}

pub struct ScoreRow {
    pub module: String,
    pub title: String,
    pub requirements: String,
    pub recommendations: String,
    pub not_assessed: u32,
    pub selected: bool,
    pub then: String,
}

pub struct GapRow {
    pub rank: usize,
    pub clause: String,
    pub level: &'static str,
    pub status: &'static str,
    pub weight: u32,
    pub text: String,
    pub owner: String,
    pub due: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct AssessmentPage {
    nav: Nav,
    names: Vec<AssessmentInfo>,
    name: String,
    compare: String,
    module: String,
    module_title: String,
    scores: Vec<ScoreRow>,
    gaps: Vec<GapRow>,
    clauses: Vec<ClauseForm>,
    statuses: Vec<(&'static str, &'static str)>,
    may_complete: bool,
    notice: String,
    problems: Vec<String>,
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1} %")).unwrap_or_else(|| "–".into())
}

type Typed = std::collections::BTreeMap<String, [String; 5]>;

fn page(
    caller: &Caller,
    names: Vec<AssessmentInfo>,
    r: &AssessmentReport,
    module: &str,
    typed: &Typed,
    problems: Vec<String>,
    notice: String,
) -> AssessmentPage {
    let errors: std::collections::BTreeMap<String, String> = problems
        .iter()
        .map(|p| {
            let f = problem_field(p);
            (f.field, f.reason)
        })
        .collect();
    let module_title = r
        .scores
        .iter()
        .find(|s| s.module == module)
        .map(|s| s.title.clone())
        .unwrap_or_default();
    let clauses = r
        .clauses
        .iter()
        .filter(|c| c.module == module)
        .map(|c| {
            let kept = [
                c.status.unwrap_or("").to_owned(),
                c.note.clone().unwrap_or_default(),
                c.document.clone().unwrap_or_default(),
                c.owner.clone().unwrap_or_default(),
                c.due.map(|d| d.to_string()).unwrap_or_default(),
            ];
            let [status, note, document, owner, due] =
                typed.get(&c.clause).cloned().unwrap_or(kept);
            ClauseForm {
                id: c.clause.clone(),
                level: c.level,
                text: c.text.clone(),
                status,
                note,
                document,
                owner,
                due,
                figure: c
                    .figure
                    .as_ref()
                    .map(|f| {
                        format!(
                            "{}: {}",
                            f.label,
                            f.value.clone().unwrap_or_else(|| f.detail.clone())
                        )
                    })
                    .unwrap_or_default(),
                figure_then: c.figure_then.clone().unwrap_or_default(),
                error: errors.get(&c.clause).cloned().unwrap_or_default(),
            }
        })
        .collect();
    AssessmentPage {
        nav: Nav::of(caller),
        names,
        name: r.assessment.clone(),
        compare: r.compared_with.clone().unwrap_or_default(),
        module: module.to_owned(),
        module_title,
        scores: r
            .scores
            .iter()
            .map(|s| ScoreRow {
                module: s.module.clone(),
                title: s.title.clone(),
                requirements: pct(s.requirements.score),
                recommendations: pct(s.recommendations.score),
                not_assessed: s.requirements.not_assessed + s.recommendations.not_assessed,
                selected: s.module == module,
                then: r
                    .progress
                    .iter()
                    .find(|p| p.module == s.module)
                    .map(|p| format!("{} / {}", pct(p.requirements.0), pct(p.recommendations.0)))
                    .unwrap_or_default(),
            })
            .collect(),
        gaps: gap_rows(&r.gaps),
        clauses,
        statuses: Status::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        may_complete: caller.may(Permission::CompleteReports),
        notice,
        problems: problems
            .into_iter()
            .filter(|p| !p.starts_with("clause "))
            .collect(),
    }
}

fn gap_rows(gaps: &[Gap]) -> Vec<GapRow> {
    gaps.iter()
        .map(|g| GapRow {
            rank: g.rank,
            clause: g.clause.clone(),
            level: g.level.as_str(),
            status: g.status.label(),
            weight: g.weight,
            text: g.text.clone(),
            owner: g.owner.clone().unwrap_or_default(),
            due: g.due.map(|d| d.to_string()).unwrap_or_default(),
            overdue: g.overdue,
        })
        .collect()
}

/// The assessment shown: asked for, else the latest kept, else one named after this year.
fn chosen(names: &[AssessmentInfo], asked: Option<String>) -> String {
    asked
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .or_else(|| {
            names
                .iter()
                .max_by(|a, b| a.last_entered_at.cmp(&b.last_entered_at))
                .map(|a| a.name.clone())
        })
        .unwrap_or_else(|| chrono::Datelike::year(&chrono::Utc::now()).to_string())
}

/// The module asked for, of the assessment's checklist; by default its first.
fn module_of(checklist: &Checklist, asked: Option<String>) -> Result<String, ApiError> {
    match asked {
        None => Ok(checklist
            .modules
            .first()
            .map(|m| m.id.clone())
            .unwrap_or_default()),
        Some(m) if checklist.module(&m).is_some() => Ok(m),
        Some(m) => Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "module",
            format!("'{m}' is not a module of {}", checklist.checklist),
        )),
    }
}

/// The checklist an assessment answers (the current one for a new assessment).
async fn checklist_of(state: &Shared, name: String) -> Result<Checklist, ApiError> {
    state
        .read(move |reg| {
            assessments::current(reg.backend(), &name)
                .map(|a| a.checklist)
                .map_err(store("reading the assessment"))
        })
        .await
}

pub async fn assessment_page(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> PageResult {
    params.only(&["name", "module", "compare", "done"])?;
    let names = list(&state).await?;
    let name = chosen(&names, params.text("name"));
    let checklist = checklist_of(&state, name.clone()).await?;
    let module = module_of(&checklist, params.text("module"))?;
    let compare = params.text("compare").filter(|c| !c.trim().is_empty());
    if let Some(c) = &compare
        && !names.iter().any(|a| &a.name == c)
    {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "compare",
            format!("no assessment named '{c}'"),
        )
        .into());
    }
    let r = report(&state, name, compare).await?;
    let notice = params.text("done").unwrap_or_default();
    Ok(render(&page(
        &caller,
        names,
        &r,
        &module,
        &Typed::new(),
        Vec::new(),
        notice,
    )))
}

pub async fn post_assessment_page(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    request: Request,
) -> PageResult {
    let form = read_form(request).await?;
    check_csrf(&caller, &form)?;
    let name = form.value("name").trim().to_owned();
    let c = checklist_of(&state, name.clone()).await?;
    let module = module_of(&c, Some(form.value("module").to_owned()))?;
    let mut typed = Typed::new();
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for clause in c
        .module(&module)
        .map(|m| m.clauses.as_slice())
        .unwrap_or_default()
    {
        let field = |f: &str| form.value(&format!("{f}.{}", clause.id)).trim().to_owned();
        let row = [
            field("status"),
            field("note"),
            field("document"),
            field("owner"),
            field("due"),
        ];
        // A clause with nothing given is left as it is; one with evidence, owner or date but
        // no status is a mistake, not an answer.
        if row.iter().all(String::is_empty) {
            continue;
        }
        typed.insert(clause.id.clone(), row.clone());
        if row[0].is_empty() {
            problems.push(format!(
                "clause {}: choose a status for what is written here",
                clause.id
            ));
            continue;
        }
        let [status, note, document, owner, due] = row;
        let status = match status.parse::<Status>() {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("clause {}: {e}", clause.id));
                continue;
            }
        };
        let due = if due.is_empty() {
            None
        } else {
            match NaiveDate::parse_from_str(&due, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    problems.push(format!(
                        "clause {}: due '{due}' is not a date (YYYY-MM-DD)",
                        clause.id
                    ));
                    continue;
                }
            }
        };
        let text = |s: String| (!s.is_empty()).then_some(s);
        entries.push(Entry {
            clause: clause.id.clone(),
            status,
            note: text(note),
            document: text(document),
            owner: text(owner),
            due,
        });
    }
    if problems.is_empty() {
        match keep_entries(&state, &caller, name.clone(), entries).await? {
            Ok(kept) => {
                let done = format!("{kept} clause(s) kept for {name}.");
                return Ok(Redirect::to(&format!(
                    "/assessment?name={}&module={}&done={}",
                    auth::urlencode(&name),
                    auth::urlencode(&module),
                    auth::urlencode(&done)
                ))
                .into_response());
            }
            Err(p) => problems = p,
        }
    }
    let names = list(&state).await?;
    let r = report(&state, name, None).await?;
    let page = page(
        &caller,
        names,
        &r,
        &module,
        &typed,
        problems,
        "Nothing was kept: correct what is marked below.".to_owned(),
    );
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

#[derive(Template)]
#[template(path = "assistance.html")]
struct AssistancePage {
    nav: Nav,
    a: Assistance,
    matches: Vec<salw_assess::assistance::Match>,
    gaps: Vec<GapRow>,
    assessment: String,
    may_complete: bool,
    notice: String,
    problems: Vec<String>,
    typed: std::collections::BTreeMap<String, String>,
}

impl AssistancePage {
    fn typed(&self, field: &str) -> &str {
        self.typed.get(field).map(String::as_str).unwrap_or("")
    }
}

async fn assistance_page_of(
    state: &Shared,
    caller: &Caller,
    notice: String,
    problems: Vec<String>,
    typed: std::collections::BTreeMap<String, String>,
) -> Result<AssistancePage, ApiError> {
    let a = assistance(state).await?;
    let names = list(state).await?;
    let assessment = chosen(&names, None);
    // The gaps only: not the registry figures the assessment's page computes (the SDG figure
    // over all years among them), which this page does not show.
    let name = assessment.clone();
    let today = chrono::Utc::now().date_naive();
    let gaps = state
        .read(move |reg| {
            assessments::current(reg.backend(), &name)
                .map(|a| score::gaps(&a.checklist, &a.entries, today))
                .map_err(store("reading the assessment"))
        })
        .await?;
    Ok(AssistancePage {
        nav: Nav::of(caller),
        matches: a.matches(),
        a,
        gaps: gap_rows(&gaps),
        assessment,
        may_complete: caller.may(Permission::CompleteReports),
        notice,
        problems,
        typed,
    })
}

pub async fn assistance_page(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> PageResult {
    params.only(&["done"])?;
    let notice = params.text("done").unwrap_or_default();
    Ok(render(
        &assistance_page_of(&state, &caller, notice, Vec::new(), Default::default()).await?,
    ))
}

/// `POST /assistance/need`: a need, usually from a gap (its clause and module given).
pub async fn post_need_page(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    request: Request,
) -> PageResult {
    let form = read_form(request).await?;
    check_csrf(&caller, &form)?;
    let fields = [
        "id",
        "area",
        "description",
        "budget",
        "priority",
        "region",
        "assessment",
        "clause",
    ];
    let typed: std::collections::BTreeMap<String, String> = fields
        .iter()
        .map(|f| (f.to_string(), form.value(f).trim().to_owned()))
        .collect();
    let mut problems = Vec::new();
    let budget = typed["budget"]
        .replace([',', ' ', '_'], "")
        .parse::<u64>()
        .unwrap_or_else(|_| {
            problems.push(format!(
                "budget: '{}' is not a whole number of US dollars",
                typed["budget"]
            ));
            0
        });
    let priority = typed["priority"].parse::<Priority>().unwrap_or_else(|e| {
        problems.push(format!("priority: {e}"));
        Priority::Low
    });
    let optional = |f: &str| Some(typed[f].clone()).filter(|v| !v.is_empty());
    // The area is the clause's module when the need comes from a gap.
    let area = match (optional("area"), optional("clause")) {
        (Some(a), _) => a,
        (None, Some(c)) => c
            .rsplit_once('.')
            .map(|(m, _)| m.to_owned())
            .unwrap_or_default(),
        (None, None) => String::new(),
    };
    let need = Need {
        id: typed["id"].clone(),
        area,
        description: typed["description"].clone(),
        budget,
        priority,
        region: typed["region"].clone(),
        assessment: optional("assessment"),
        clause: optional("clause"),
    };
    if problems.is_empty() {
        match keep_item(&state, &caller, AssistanceItem::Need(need)).await? {
            Ok(()) => {
                let done = format!("Need {} kept.", typed["id"]);
                return Ok(
                    Redirect::to(&format!("/assistance?done={}", auth::urlencode(&done)))
                        .into_response(),
                );
            }
            Err(p) => problems = p,
        }
    }
    let page = assistance_page_of(
        &state,
        &caller,
        "Nothing was kept: correct what is marked below.".to_owned(),
        problems,
        typed,
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Files

/// `GET /assessment/{file}`: assessment.html|xlsx|json (`name`, `compare`) and
/// assistance.html|xlsx|json.
pub async fn assessment_file(
    State(state): State<Shared>,
    Path(file): Path<String>,
    params: Params,
) -> PageResult {
    let (what, format) = file
        .rsplit_once('.')
        .filter(|(w, f)| {
            ["assessment", "assistance"].contains(w) && ["html", "xlsx", "json"].contains(f)
        })
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no file {file} (assessment or assistance, as html, xlsx or json)"
            ))
        })?;
    let (bytes, name) = if what == "assessment" {
        params.only(&["name", "compare"])?;
        let names = list(&state).await?;
        let name = params.text("name").ok_or_else(|| {
            ApiError::field(
                StatusCode::BAD_REQUEST,
                "name",
                "the assessment's name is required",
            )
        })?;
        let compare = params.text("compare").filter(|c| !c.trim().is_empty());
        for n in std::iter::once(&name).chain(compare.as_ref()) {
            if !names.iter().any(|a| &a.name == n) {
                return Err(ApiError::not_found(format!("no assessment named '{n}'")).into());
            }
        }
        let r = report(&state, name.clone(), compare).await?;
        let bytes = match format {
            "json" => files::to_json(&r).map(String::into_bytes),
            "html" => Ok(files::to_html(&r).into_bytes()),
            _ => files::to_xlsx(&r),
        }
        .map_err(|e| ApiError::internal("writing the assessment", e))?;
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        (bytes, format!("assessment-{safe}"))
    } else {
        params.only(&[])?;
        let a = assistance(&state).await?;
        let country = state.node.country.clone().unwrap_or_default();
        let bytes = match format {
            "json" => files::assistance_json(&a).map(String::into_bytes),
            "html" => Ok(files::assistance_html(&a, &country).into_bytes()),
            _ => files::assistance_xlsx(&a),
        }
        .map_err(|e| ApiError::internal("writing the assistance records", e))?;
        (bytes, "assistance".to_owned())
    };
    Ok(crate::reports::download(&name, format, bytes))
}
