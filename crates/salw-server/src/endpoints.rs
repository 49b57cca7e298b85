//! Every route, who may use it, and what it takes and gives: the one table from which the
//! guard enforces access, the OpenAPI document is written, and the role test is driven.

use axum::http::Method;
use salw_access::Permission;
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    /// Any logged-in account.
    Authenticated,
    May(Permission),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// JSON under /api: 401/403 as JSON.
    Api,
    /// HTML: to the login page without a session, a 403 page for the wrong role.
    Page,
}

#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub kind: Kind,
    pub summary: &'static str,
    /// Query parameters: (name, schema type, description).
    pub query: &'static [(&'static str, &'static str, &'static str)],
    /// The request body: a schema name of `components`, or a media type for files.
    pub body: Option<&'static str>,
    /// The success response: a schema name, or a media type.
    pub response: &'static str,
}

use Access::*;
use Kind::*;
use Permission::*;

const fn api(
    method: &'static str,
    path: &'static str,
    access: Access,
    summary: &'static str,
) -> Endpoint {
    Endpoint {
        method,
        path,
        access,
        kind: Api,
        summary,
        query: &[],
        body: None,
        response: "Object",
    }
}

const fn page(method: &'static str, path: &'static str, access: Access) -> Endpoint {
    Endpoint {
        method,
        path,
        access,
        kind: Page,
        summary: "",
        query: &[],
        body: None,
        response: "text/html",
    }
}

const SEARCH_QUERY: &[(&str, &str, &str)] = &[
    (
        "q",
        "string",
        "the marking as read: `?` for one unreadable character, `*` for any run",
    ),
    ("make", "string", "manufacturer"),
    ("model", "string", "model"),
    ("calibre", "string", "calibre"),
    ("type", "string", "UNODC type or category"),
    (
        "country",
        "string",
        "country of manufacture (ISO 3166-1 alpha-2)",
    ),
    (
        "limit",
        "integer",
        "at most this many hits (1-100, default 20)",
    ),
];

const POA_QUERY: &[(&str, &str, &str)] = &[
    (
        "period",
        "string",
        "a year (2024), years (2024-2025) or dates (2024-01-01..2025-12-31)",
    ),
    (
        "template",
        "string",
        "the questionnaire's version (poa-2024)",
    ),
];

const REPORT_FILE_QUERY: &[(&str, &str, &str)] = &[
    (
        "period",
        "string",
        "poa and questionnaire files: a year, years or dates",
    ),
    ("year", "integer", "att files: the calendar year"),
];

const ASSESSMENT_FILE_QUERY: &[(&str, &str, &str)] = &[
    ("name", "string", "assessment files: the assessment's name"),
    (
        "compare",
        "string",
        "assessment files: an earlier assessment whose scores are shown beside",
    ),
];

const INDICATOR_QUERY: &[(&str, &str, &str)] = &[
    (
        "year",
        "integer",
        "a calendar year (instead of from and to)",
    ),
    ("from", "string", "first day, YYYY-MM-DD"),
    ("to", "string", "last day, YYYY-MM-DD, included"),
    (
        "profile",
        "string",
        "un-2018 (default) or potentially-traceable",
    ),
    (
        "by_year",
        "boolean",
        "each calendar year and the pooled figure",
    ),
];

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        response: "Me",
        ..api(
            "GET",
            "/api/v1/me",
            Authenticated,
            "The account making the request and what its role may do",
        )
    },
    Endpoint {
        response: "Summary",
        ..api(
            "GET",
            "/api/v1/summary",
            May(ViewSummary),
            "Counts: weapons by status and category, events by kind",
        )
    },
    Endpoint {
        query: SEARCH_QUERY,
        response: "SearchResult",
        ..api(
            "GET",
            "/api/v1/search",
            May(Search),
            "The marking search: registered weapons whose serial could be the one read (audited)",
        )
    },
    Endpoint {
        query: &[
            (
                "status",
                "string",
                "registered, lost, stolen, seized, deactivated, destroyed…",
            ),
            ("category", "string", "category name"),
            ("serial", "string", "exact serial as recorded"),
            (
                "limit",
                "integer",
                "at most this many (1-1000, default 100)",
            ),
        ],
        response: "WeaponList",
        ..api(
            "GET",
            "/api/v1/weapons",
            May(ViewWeapon),
            "Weapons, filtered (audited)",
        )
    },
    Endpoint {
        body: Some("Weapon"),
        response: "Written",
        ..api(
            "POST",
            "/api/v1/weapons",
            May(WriteRecords),
            "Registers a weapon (the fields of docs/formats.md)",
        )
    },
    Endpoint {
        response: "WeaponPage",
        ..api(
            "GET",
            "/api/v1/weapons/{id}",
            May(ViewWeapon),
            "A weapon and its life-cycle timeline, by id or reference (audited)",
        )
    },
    Endpoint {
        query: &[(
            "caption",
            "string",
            "what the photo shows (at most 200 characters)",
        )],
        body: Some("image/jpeg"),
        response: "Photo",
        ..api(
            "POST",
            "/api/v1/weapons/{id}/photos",
            May(WriteRecords),
            "Adds a photo of a weapon (JPEG, PNG or WebP, at most 10 MB), stored under its BLAKE3 hash",
        )
    },
    Endpoint {
        response: "image/jpeg",
        ..api(
            "GET",
            "/api/v1/photos/{hash}",
            May(ViewWeapon),
            "A photo, by its hash",
        )
    },
    Endpoint {
        body: Some("Event"),
        response: "Written",
        ..api(
            "POST",
            "/api/v1/events",
            May(WriteRecords),
            "Records a life-cycle event of a weapon",
        )
    },
    Endpoint {
        body: Some("Person"),
        response: "Written",
        ..api(
            "POST",
            "/api/v1/persons",
            May(WriteRecords),
            "Registers a person or organisation",
        )
    },
    Endpoint {
        response: "Person",
        ..api(
            "GET",
            "/api/v1/persons/{id}",
            May(ViewPerson),
            "A person's record, by id or reference (audited)",
        )
    },
    Endpoint {
        query: &[
            ("format", "string", "csv or jsonl (default csv)"),
            (
                "kind",
                "string",
                "weapon, person or event, when the file holds one kind",
            ),
        ],
        body: Some("text/csv"),
        response: "ImportResult",
        ..api(
            "POST",
            "/api/v1/import",
            May(Import),
            "Imports a file: every bad row reported, nothing written unless all are good",
        )
    },
    Endpoint {
        response: "application/x-ndjson",
        ..api(
            "GET",
            "/api/v1/export",
            May(Export),
            "The whole registry as JSON Lines: persons, weapons, events (audited)",
        )
    },
    Endpoint {
        query: INDICATOR_QUERY,
        response: "Indicator",
        ..api(
            "GET",
            "/api/v1/indicators/sdg-16-4-2",
            May(ViewSummary),
            "SDG indicator 16.4.2 over a period, from the event-level records (docs/indicators.md)",
        )
    },
    Endpoint {
        body: Some("ReleaseRequest"),
        response: "Released",
        ..api(
            "POST",
            "/api/v1/indicators/sdg-16-4-2/releases",
            May(ReleaseFigures),
            "Releases the figure of a period: a revision of the last release when it differs",
        )
    },
    Endpoint {
        query: POA_QUERY,
        response: "PoaDraft",
        ..api(
            "GET",
            "/api/v1/reports/poa",
            May(ViewSummary),
            "The PoA/ITI national report's draft for a period: registry answers, kept answers (carried ones to confirm), the rest to complete (docs/reports.md)",
        )
    },
    Endpoint {
        response: "AssessmentList",
        ..api(
            "GET",
            "/api/v1/assessments",
            May(ViewSummary),
            "The self-assessments kept (docs/assessment.md)",
        )
    },
    Endpoint {
        query: &[(
            "compare",
            "string",
            "an earlier assessment whose scores are shown beside",
        )],
        response: "AssessmentReport",
        ..api(
            "GET",
            "/api/v1/assessments/{name}",
            May(ViewSummary),
            "An assessment: scores per module, ranked gaps, every clause with its evidence and the registry's figures",
        )
    },
    Endpoint {
        body: Some("AssessmentEntries"),
        response: "AssessmentKept",
        ..api(
            "POST",
            "/api/v1/assessments/{name}",
            May(CompleteReports),
            "Keeps entries of an assessment (clause, status, note, document, owner, due): all checked, all or none kept",
        )
    },
    Endpoint {
        response: "Assistance",
        ..api(
            "GET",
            "/api/v1/assistance",
            May(ViewSummary),
            "Assistance needs, offers, their matches, projects and results",
        )
    },
    Endpoint {
        body: Some("AssistanceRecord"),
        response: "AssistanceKept",
        ..api(
            "POST",
            "/api/v1/assistance/{kind}",
            May(CompleteReports),
            "Keeps a need, offer, project or result (kind: needs, offers, projects, results); never changed afterwards",
        )
    },
    Endpoint {
        response: "Armouries",
        ..api(
            "GET",
            "/api/v1/armouries",
            May(ViewWeapon),
            "The armouries (organisations holding weapons): in store, on issue, last full count, next due, overdue; the count policy and the counts overdue",
        )
    },
    Endpoint {
        response: "Holdings",
        ..api(
            "GET",
            "/api/v1/armouries/{id}",
            May(ViewWeapon),
            "An armoury's weapons in store and out on issue (to whom, due back, overdue), by id or reference (audited: names persons)",
        )
    },
    Endpoint {
        body: Some("CountPolicy"),
        response: "CountPolicy",
        ..api(
            "POST",
            "/api/v1/count-policy",
            May(WriteRecords),
            "Sets how often each armoury is counted in full (days)",
        )
    },
    Endpoint {
        response: "Counts",
        ..api(
            "GET",
            "/api/v1/counts",
            May(ViewWeapon),
            "Stock counts with their results, and every discrepancy",
        )
    },
    Endpoint {
        body: Some("CountPlan"),
        response: "CountPlanned",
        ..api(
            "POST",
            "/api/v1/counts",
            May(WriteRecords),
            "Plans a stock count (full, sample or serial check); a sample is chosen now",
        )
    },
    Endpoint {
        response: "Count",
        ..api(
            "GET",
            "/api/v1/counts/{id}",
            May(ViewWeapon),
            "A stock count, its result and its discrepancies",
        )
    },
    Endpoint {
        body: Some("CountResultBody"),
        response: "CountResult",
        ..api(
            "POST",
            "/api/v1/counts/{id}/result",
            May(WriteRecords),
            "Enters what a count found and reconciles it: inventoried events, a discrepancy for each difference; once per count",
        )
    },
    Endpoint {
        query: &[("open", "boolean", "only those not closed")],
        response: "Discrepancies",
        ..api(
            "GET",
            "/api/v1/discrepancies",
            May(ViewWeapon),
            "Discrepancies of stock counts with their steps",
        )
    },
    Endpoint {
        body: Some("DiscrepancyStep"),
        response: "DiscrepancyStage",
        ..api(
            "POST",
            "/api/v1/discrepancies/{id}/steps",
            May(WriteRecords),
            "Investigates, resolves (found, record_error) or confirms (loss, theft: the report is recorded) a discrepancy",
        )
    },
    Endpoint {
        response: "Campaigns",
        ..api(
            "GET",
            "/api/v1/campaigns",
            May(ViewWeapon),
            "Collection campaigns",
        )
    },
    Endpoint {
        body: Some("Campaign"),
        response: "Object",
        ..api(
            "POST",
            "/api/v1/campaigns",
            May(WriteRecords),
            "Opens a collection campaign",
        )
    },
    Endpoint {
        response: "CampaignIntake",
        ..api(
            "GET",
            "/api/v1/campaigns/{id}",
            May(ViewWeapon),
            "A campaign and the weapons handed in",
        )
    },
    Endpoint {
        body: Some("IntakeBody"),
        response: "CampaignIntake",
        ..api(
            "POST",
            "/api/v1/campaigns/{id}/intake",
            May(WriteRecords),
            "Records weapons handed in at a collection point: weapon, person (optional), surrendered event; all or none",
        )
    },
    Endpoint {
        body: Some("Hold"),
        response: "Object",
        ..api(
            "POST",
            "/api/v1/holds",
            May(WriteRecords),
            "Places or releases an evidence hold on a weapon (a held weapon is not destroyed)",
        )
    },
    Endpoint {
        response: "Destructions",
        ..api(
            "GET",
            "/api/v1/destructions",
            May(ViewWeapon),
            "Destruction batches with their weapons and evidence",
        )
    },
    Endpoint {
        body: Some("DestructionBatch"),
        response: "Object",
        ..api(
            "POST",
            "/api/v1/destructions",
            May(WriteRecords),
            "Destroys a batch: each weapon checked (registered, not missing, exported, issued, under trace or held as evidence), then a destroyed event each; all or none",
        )
    },
    Endpoint {
        query: &[(
            "caption",
            "string",
            "what the photo shows (at most 500 characters)",
        )],
        body: Some("image/jpeg"),
        response: "Object",
        ..api(
            "POST",
            "/api/v1/destructions/{id}/evidence",
            May(WriteRecords),
            "Adds a photo taken after a destruction, stored under its BLAKE3 hash (printed on the certificate)",
        )
    },
    Endpoint {
        response: "Reactivations",
        ..api(
            "GET",
            "/api/v1/reactivations",
            May(ViewWeapon),
            "Deactivated weapons later seized, found or surrendered: both records side by side",
        )
    },
    Endpoint {
        body: Some("PoaAnswers"),
        response: "PoaKept",
        ..api(
            "POST",
            "/api/v1/reports/poa/answers",
            May(CompleteReports),
            "Keeps answers to the PoA/ITI report's questions for a period: all checked, all or none kept",
        )
    },
    Endpoint {
        response: "ReleaseList",
        ..api(
            "GET",
            "/api/v1/indicators/releases",
            May(ViewSummary),
            "Released figures with their revisions",
        )
    },
    Endpoint {
        response: "AccountList",
        ..api(
            "GET",
            "/api/v1/users",
            May(ManageUsers),
            "Accounts and their roles",
        )
    },
    Endpoint {
        body: Some("NewAccount"),
        response: "Account",
        ..api(
            "POST",
            "/api/v1/users",
            May(ManageUsers),
            "Creates an account",
        )
    },
    Endpoint {
        body: Some("AccountChange"),
        response: "Account",
        ..api(
            "POST",
            "/api/v1/users/{name}",
            May(ManageUsers),
            "Changes an account's role, password or whether it is disabled",
        )
    },
    Endpoint {
        body: Some("NewToken"),
        response: "Token",
        ..api(
            "POST",
            "/api/v1/tokens",
            Authenticated,
            "Creates an API token for the calling account; the secret is shown once",
        )
    },
    Endpoint {
        query: &[
            ("actor", "string", "only this account's lines"),
            (
                "action",
                "string",
                "only this action (search, view-weapon, view-person…)",
            ),
            (
                "before",
                "integer",
                "only lines before this sequence number",
            ),
            (
                "limit",
                "integer",
                "at most this many (1-1000, default 100)",
            ),
        ],
        response: "AuditList",
        ..api(
            "GET",
            "/api/v1/audit",
            May(ReadAudit),
            "The audit trail, newest first",
        )
    },
    Endpoint {
        response: "Object",
        ..api("GET", "/api/openapi.json", Public, "This document")
    },
    Endpoint {
        query: &[(
            "overdue",
            "boolean",
            "only the traces whose acknowledgement or answer is past due",
        )],
        response: "TraceList",
        ..api(
            "GET",
            "/api/v1/traces",
            May(Search),
            "Trace requests sent and received, newest first, each with its steps (the candidates found here, the answer with its restrictions), and per partner the response rate and median times (docs/tracing.md; audited)",
        )
    },
    Endpoint {
        body: Some("NewTrace"),
        response: "Trace",
        ..api(
            "POST",
            "/api/v1/traces",
            May(Trace),
            "Drafts a trace request from a weapon's recovery record; refused with each missing item ITI para 17 asks for named (docs/tracing.md)",
        )
    },
    Endpoint {
        response: "DomesticTrace",
        ..api(
            "GET",
            "/api/v1/weapons/{id}/domestic-trace",
            May(ViewPerson),
            "What this registry's records say about a recovered weapon: the point of diversion, or the States to ask (docs/tracing.md; audited: it names the holder)",
        )
    },
    Endpoint {
        response: "Alerts",
        ..api(
            "GET",
            "/api/v1/alerts",
            May(Search),
            "Lost and stolen alerts: the partners this node shares with, the alerts received per partner, and the hits both ways (docs/federation.md; audited)",
        )
    },
    Endpoint {
        response: "Trace",
        ..api(
            "GET",
            "/api/v1/traces/{id}",
            May(Search),
            "A trace with its steps, restrictions and confidentiality (audited)",
        )
    },
    Endpoint {
        body: Some("TraceStep"),
        response: "Trace",
        ..api(
            "POST",
            "/api/v1/traces/{id}/{action}",
            May(Trace),
            "Takes a step: send, acknowledge, ask, inform, remind, answer or close (closing records the weapon's tracing status); the message is signed and queued for the partner",
        )
    },
    // Federation: partners post signed messages; the signature is the authentication
    // (salw_federation::verify), so the guard lets every caller through.
    Endpoint {
        body: Some("Envelope"),
        response: "Receipt",
        ..api(
            "POST",
            "/federation/v1/inbox",
            Public,
            "Receive a signed message from a partner node (docs/federation.md). A copy of a message received before answers 200 \"already received\" and does nothing again; a refused one answers 400 malformed, 403 unknown-sender or bad-signature, 421 not-for-this-node, 409 replayed (its id taken by another message), 410 expired or 422 not-a-reply",
        )
    },
    // Pages.
    page("GET", "/login", Public),
    page("POST", "/login", Public),
    page("POST", "/logout", Authenticated),
    page("GET", "/", May(ViewSummary)),
    page("GET", "/search", May(Search)),
    page("GET", "/weapons/new", May(WriteRecords)),
    page("POST", "/weapons", May(WriteRecords)),
    page("GET", "/weapons/{id}", May(ViewWeapon)),
    page("GET", "/weapons/{id}/events/new", May(WriteRecords)),
    page("POST", "/weapons/{id}/events", May(WriteRecords)),
    page("POST", "/weapons/{id}/photos", May(WriteRecords)),
    page("GET", "/photos/{hash}", May(ViewWeapon)),
    page("GET", "/persons", May(ViewPerson)),
    page("POST", "/persons", May(WriteRecords)),
    page("GET", "/persons/{id}", May(ViewPerson)),
    page("GET", "/import", May(Import)),
    page("POST", "/import", May(Import)),
    page("GET", "/export", May(Export)),
    page("GET", "/export/registry.jsonl", May(Export)),
    page("GET", "/admin/users", May(ManageUsers)),
    page("POST", "/admin/users", May(ManageUsers)),
    page("POST", "/admin/users/{name}", May(ManageUsers)),
    page("GET", "/audit", May(ReadAudit)),
    page("GET", "/traces", May(Search)),
    page("POST", "/traces", May(Trace)),
    page("GET", "/traces/new", May(Trace)),
    page("GET", "/traces/{id}", May(Search)),
    page("POST", "/traces/{id}/{action}", May(Trace)),
    page("GET", "/indicators", May(ViewSummary)),
    page("POST", "/indicators/release", May(ReleaseFigures)),
    page("GET", "/reports", May(ViewSummary)),
    page("GET", "/assessment", May(ViewSummary)),
    page("POST", "/assessment", May(CompleteReports)),
    Endpoint {
        query: ASSESSMENT_FILE_QUERY,
        response: "application/octet-stream",
        ..page("GET", "/assessment/{file}", May(ViewSummary))
    },
    page("GET", "/assistance", May(ViewSummary)),
    page("POST", "/assistance/need", May(CompleteReports)),
    page("POST", "/reports/poa/answers", May(CompleteReports)),
    page("GET", "/stock", May(ViewWeapon)),
    page("POST", "/stock/counts", May(WriteRecords)),
    page("GET", "/stock/armouries/{id}", May(ViewWeapon)),
    page("GET", "/stock/counts/{id}", May(ViewWeapon)),
    page("POST", "/stock/counts/{id}", May(WriteRecords)),
    page("GET", "/stock/discrepancies/{id}", May(ViewWeapon)),
    page("POST", "/stock/discrepancies/{id}", May(WriteRecords)),
    page("GET", "/collection", May(ViewWeapon)),
    page("POST", "/collection", May(WriteRecords)),
    page("GET", "/collection/{id}", May(ViewWeapon)),
    page("POST", "/collection/{id}", May(WriteRecords)),
    page("GET", "/destruction", May(ViewWeapon)),
    page("POST", "/destruction", May(WriteRecords)),
    page("GET", "/destruction/{id}", May(ViewWeapon)),
    page("POST", "/destruction/{id}/evidence", May(WriteRecords)),
    Endpoint {
        query: REPORT_FILE_QUERY,
        response: "application/octet-stream",
        ..page("GET", "/reports/{file}", May(ViewSummary))
    },
    page("GET", "/static/{file}", Public),
];

pub fn find(method: &Method, path: &str) -> Option<&'static Endpoint> {
    // HEAD is answered by the GET handler, so it has the GET's access rule.
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    ENDPOINTS
        .iter()
        .find(|e| e.path == path && e.method == method.as_str())
}

/// What a permission lets one do, for "your role may not …".
pub fn describe(p: Permission) -> &'static str {
    match p {
        ViewSummary => "see the registry's figures",
        Search => "search markings",
        ViewWeapon => "view weapon records",
        ViewPerson => "view persons' records",
        WriteRecords => "write records",
        Import => "import files",
        Export => "export the registry",
        ManageUsers => "manage accounts",
        ReadAudit => "read the audit trail",
        ReleaseFigures => "release figures",
        CompleteReports => "complete the national reports",
        Trace => "create, send, answer or close trace requests",
    }
}

fn schemas() -> Value {
    let text = json!({"type": "string"});
    let error = json!({
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["status", "message"], "properties": {
            "status": {"type": "integer"},
            "message": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object", "required": ["field", "reason"], "properties": {
                "field": text, "reason": text, "line": {"type": "integer"}}}}}}}
    });
    let mut schemas = json!({
        "Error": error,
        "Object": {"type": "object"},
        "Me": {"type": "object", "properties": {"name": text, "role": text, "may": {"type": "array", "items": text}}},
        "Summary": {"type": "object", "description": "salw_store::Summary"},
        "SearchResult": {"type": "object", "properties": {
            "query": text, "incomplete": {"type": "boolean"},
            "makes_near": {"type": "array", "items": text, "description": "only when nothing was found and the make filter matches no registered manufacturer: the nearest ones (perhaps none)"},
            "hits": {"type": "array", "items": {"type": "object", "properties": {
                "weapon_id": {"type": "string", "format": "uuid"}, "score": {"type": "integer"},
                "serial": text, "marked": {"type": "array", "items": {"type": "integer"}},
                "explanation": {"type": "array", "items": text}, "status": text, "category": text}}}}},
        "WeaponList": {"type": "object", "properties": {"weapons": {"type": "array", "items": {"type": "object"}}}},
        "Weapon": {"type": "object", "description": "A weapon record: the fields of docs/formats.md (category required; unknown fields refused)", "required": ["category"], "additionalProperties": true},
        "Event": {"type": "object", "description": "An event: weapon (id or reference), kind, occurred_on (YYYY-MM-DD) and the fields its kind needs (docs/formats.md)", "required": ["weapon", "kind", "occurred_on"]},
        "Person": {"type": "object", "description": "A person or organisation (docs/formats.md)", "required": ["kind", "name"]},
        "Photo": {"type": "object", "properties": {"hash": text, "media_type": text, "bytes": {"type": "integer"}, "caption": text, "added": {"type": "boolean"}}},
        "Written": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}, "added": {"type": "boolean"}}},
        "WeaponPage": {"type": "object", "properties": {"weapon": {"type": "object"}, "timeline": {"type": "array", "items": {"type": "object"}}}},
        "ImportResult": {"type": "object", "properties": {"weapons_added": {"type": "integer"}, "persons_added": {"type": "integer"}, "events_added": {"type": "integer"}, "unchanged": {"type": "integer"}}},
        "Indicator": {"type": "object", "required": ["numerator", "denominator", "percent"], "properties": {
            "numerator": {"type": "integer"}, "denominator": {"type": "integer"},
            "percent": {"type": ["number", "null"], "description": "null when the denominator is 0"},
            "series": text, "profile": text, "breakdowns": {"type": "object"},
            "years": {"type": "array", "items": {"type": "object"}}, "pooled": {"type": "object"}}},
        "ReleaseRequest": {"type": "object", "required": ["from", "to"], "additionalProperties": false, "properties": {"from": text, "to": text, "profile": text}},
        "Released": {"type": "object", "properties": {"outcome": {"enum": ["first", "revision", "unchanged"]}, "release": {"type": "object"}}},
        "ReleaseList": {"type": "object", "properties": {"releases": {"type": "array", "items": {"type": "object"}}}},
        "AccountList": {"type": "object", "properties": {"accounts": {"type": "array", "items": {"$ref": "#/components/schemas/Account"}}}},
        "Account": {"type": "object", "properties": {"name": text, "role": text, "disabled": {"type": "boolean"}, "created_at": text, "created_by": text}},
        "NewAccount": {"type": "object", "required": ["name", "role", "password"], "additionalProperties": false, "properties": {"name": text, "role": text, "password": text}},
        "AccountChange": {"type": "object", "additionalProperties": false, "properties": {"role": text, "password": text, "disabled": {"type": "boolean"}}},
        "NewToken": {"type": "object", "additionalProperties": false, "properties": {"label": text}},
        "Token": {"type": "object", "properties": {"secret": text, "prefix": text, "label": text}},
        "AuditList": {"type": "object", "properties": {"lines": {"type": "array", "items": {"type": "object", "properties": {
            "seq": {"type": "integer"}, "at": text, "actor": text, "role": text, "action": text, "asked": text, "shown": text, "hash": text}}}}}
    });
    // Federation (docs/federation.md); apart, as one json! call cannot hold them all.
    let federation = json!({
        "Envelope": {"type": "object", "description": "A signed message between nodes (docs/federation.md)", "additionalProperties": false,
            "required": ["v", "id", "from", "to", "kind", "created_at", "expires_at", "body", "signature"],
            "properties": {"v": {"const": 1}, "id": {"type": "string", "format": "uuid"},
                "from": {"$ref": "#/components/schemas/NodeId"}, "to": {"$ref": "#/components/schemas/NodeId"},
                "kind": text, "created_at": {"type": "string", "format": "date-time"}, "expires_at": {"type": "string", "format": "date-time"},
                "body": {"type": "object"}, "signature": {"type": "string", "description": "Ed25519, 128 hex digits"}}},
        "NodeId": {"type": "object", "required": ["country", "key"], "additionalProperties": false, "properties": {"country": text, "key": {"type": "string", "description": "key id: 16 hex digits of BLAKE3(public key)"}}},
        "TraceList": {"type": "object", "properties": {
            "traces": {"type": "array", "items": {"type": "object", "description": "a trace (docs/tracing.md): id, role, partner, weapon_id, reference, priority, urgency_reason, request, restrictions, confidentiality, created_at, created_by, state, steps, overdue"}},
            "partners": {"type": "array", "items": {"type": "object", "description": "per partner and role: requests, acknowledged, answered, response_rate_percent, median_hours_to_acknowledge, median_hours_to_answer"}}}},
        "Receipt": {"type": "object", "properties": {"status": {"enum": ["accepted", "already received"]}, "id": {"type": "string", "format": "uuid"}}}
    });
    let trace_schemas = json!({
        "DomesticTrace": {"type": "object", "description": "found: point_of_diversion (last_legal_holder, on, how, event) or ask_states (states: [{country, why}], last_known_holder, why); holder_name"},
        "Alerts": {"type": "object", "properties": {"sharing_with": {"type": "array", "items": text},
            "received": {"type": "array", "items": {"type": "object", "properties": {"partner": text, "alerts": {"type": "integer"}}}},
            "hits": {"type": "array", "items": {"type": "object", "description": "seq, direction (recovered-here or reported-here), alert, partner, weapon_id, recovery, recovered_on, detail, at, notice"}}}},
        "Trace": {"type": "object", "description": "a trace (docs/tracing.md): id, role, partner, weapon_id, reference, priority, urgency_reason, request, restrictions, confidentiality, created_at, created_by, state, steps, overdue"},
        "NewTrace": {"type": "object", "required": ["weapon", "to", "confidentiality"], "additionalProperties": false, "properties": {
            "weapon": text, "to": text, "reference": text, "urgent": {"type": "string", "description": "the reason, for an urgent request"},
            "restrictions": {"type": "array", "items": text}, "confidentiality": text,
            "illicit_basis": text, "circumstances": text, "serial_status": text, "import_marks": text, "photos": text, "intended_use": text}},
        "TraceStep": {"type": "object", "additionalProperties": false, "description": "the fields of the step taken: ask (questions), inform (information), remind (note), answer (outcome, ground, findings, weapon, next_state, restrictions, confidentiality), close (result, diversion, reason)", "properties": {
            "questions": text, "information": text, "note": text, "outcome": text, "ground": text, "findings": text, "weapon": text, "next_state": text,
            "restrictions": {"type": "array", "items": text}, "confidentiality": text, "result": text, "diversion": text, "reason": text}}
    });
    let reports = json!({
        "PoaDraft": {"type": "object", "description": "salw_report::poa::Draft (docs/reports.md)", "required": ["template", "period", "to_complete", "to_confirm", "sections"]},
        "PoaAnswers": {"type": "object", "required": ["period", "answers"], "additionalProperties": false, "properties": {"period": text, "template": text, "answers": {"type": "object", "additionalProperties": {"type": "string"}, "description": "question id to answer"}}},
        "PoaKept": {"type": "object", "properties": {"kept": {"type": "integer", "description": "answers new for the period (one equal to the period's answer is not kept twice)"}, "draft": {"$ref": "#/components/schemas/PoaDraft"}}}
    });
    let assessment = json!({
        "AssessmentList": {"type": "object", "properties": {"checklist": text, "assessments": {"type": "array", "items": {"type": "object", "description": "name, checklist, entries, clauses, last_entered_at"}}}},
        "AssessmentReport": {"type": "object", "description": "salw_report::assessment::AssessmentReport (docs/assessment.md): scores, gaps, clauses, compared_with, progress"},
        "AssessmentEntries": {"type": "array", "items": {"type": "object", "required": ["clause", "status"], "properties": {
            "clause": text, "status": {"enum": ["met", "partly_met", "not_met", "not_applicable"]}, "note": text, "document": text, "owner": text, "due": {"type": "string", "format": "date"}}}},
        "AssessmentKept": {"type": "object", "properties": {"kept": {"type": "integer", "description": "entries new for the assessment (one equal to the clause's current entry is not kept twice)"}}},
        "Assistance": {"type": "object", "properties": {"needs": {"type": "array"}, "offers": {"type": "array"}, "matches": {"type": "array"}, "projects": {"type": "array"}, "results": {"type": "array"}}},
        "AssistanceRecord": {"type": "object", "description": "needs: id, area, description, budget, priority, region, assessment?, clause?; offers: id, donor, areas, regions, budget_min, budget_max; projects: id, need, donor, start, end, budget, reports [{kind, due}]; results: project, what, count, female?, male?"},
        "AssistanceKept": {"type": "object", "properties": {"kept": {"type": "boolean"}}}
    });
    let obj = |d: &str| json!({"type": "object", "description": d});
    let stock = json!({
        "Armouries": obj("policy {full_count_every_days}, armouries [{id, name, in_store, issued, last_full_count, next_count_due, count_overdue}], overdue_counts [id]"),
        "Holdings": obj("armoury, in_store [{weapon_id, serial, reference, status}], on_issue [{weapon_id, serial, issued (the event), issued_to, days_out, overdue}]"),
        "CountPolicy": {"type": "object", "required": ["full_count_every_days"], "properties": {"full_count_every_days": {"type": "integer", "minimum": 1, "maximum": 3660}}},
        "Counts": obj("counts [{plan, armoury_name, independent, planned_by, result}], discrepancies"),
        "CountPlan": obj("id, armoury (id or reference), kind (full, sample, serial_check), planned_on, counter, custodian?, sample_size? (sample), weapons? (serial check: ids or references)"),
        "CountPlanned": obj("count: the plan as kept (a sample's weapons in expected)"),
        "Count": obj("count {plan, armoury_name, independent, planned_by, result}, discrepancies"),
        "CountResultBody": obj("counted_on (YYYY-MM-DD), found: [serial, reference or id, one per weapon found]"),
        "CountResult": obj("result {count, counted_on, lines, reconciliation {expected, found (a number), missing [weapon id], unexpected [{line, text}], repeated, shared (found by a serial several weapons share), outside (not in the sample)}, discrepancies [id]}"),
        "Discrepancies": obj("discrepancies [{discrepancy {id, count, armoury, kind, weapon_id, text, line, opened_on}, stage, steps}]"),
        "DiscrepancyStep": obj("action (investigate, resolve, confirm), resolution? (found, record_error | loss, theft), note, on?"),
        "DiscrepancyStage": obj("stage {stage, resolution}, label"),
        "Campaigns": obj("campaigns [Campaign]"),
        "Campaign": obj("id, name, place, start, end, amnesty (boolean), programme (ddr, civilian)"),
        "CampaignIntake": obj("campaign, intake [{campaign, weapon_id, event_id, category, serial, unmarked, known, person_recorded, occurred_on}]"),
        "IntakeBody": obj("occurred_on, place?, weapons [{category, manufacturer?, model?, serial?, calibre?, country?, person_name?, person_sex?, notes?, follow_up? (mark_and_record, destroy: for a weapon without serial, maker or country)}]"),
        "Hold": obj("weapon (id or reference), case, release? (boolean), on?"),
        "Destructions": obj("destructions [{batch, entered_by, entered_at, evidence [{batch, hash, media_type, caption}], serials}]"),
        "DestructionBatch": obj("id, method, place, date, authority, witnesses, certificate, weapons [id or reference]"),
        "Reactivations": obj("alerts [{weapon_id, serial, deactivated (event), recovered (event), acknowledged}]")
    });
    for more in [federation, reports, trace_schemas, assessment, stock] {
        if let (Value::Object(all), Value::Object(more)) = (&mut schemas, more) {
            all.extend(more);
        }
    }
    schemas
}

fn content(kind: &str) -> Value {
    if kind.contains('/') {
        json!({ kind: {"schema": {"type": "string"}} })
    } else {
        json!({ "application/json": {"schema": {"$ref": format!("#/components/schemas/{kind}")}} })
    }
}

/// The OpenAPI 3.1 document of the JSON API (docs/openapi.json is its snapshot).
pub fn openapi() -> Value {
    let mut paths = Map::new();
    for e in ENDPOINTS.iter().filter(|e| e.kind == Api) {
        let mut op = Map::new();
        op.insert("summary".into(), json!(e.summary));
        let mut parameters: Vec<Value> = e
            .query
            .iter()
            .map(|(name, ty, description)| {
                json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": ty}})
            })
            .collect();
        for segment in e.path.split('/') {
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                parameters.push(json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}));
            }
        }
        if !parameters.is_empty() {
            op.insert("parameters".into(), Value::Array(parameters));
        }
        if let Some(body) = e.body {
            let media = if body.starts_with("image/") {
                json!({"image/jpeg": {"schema": {"type": "string", "contentEncoding": "binary"}}, "image/png": {"schema": {"type": "string", "contentEncoding": "binary"}}, "image/webp": {"schema": {"type": "string", "contentEncoding": "binary"}}})
            } else if body.contains('/') {
                json!({"text/csv": {"schema": {"type": "string"}}, "application/x-ndjson": {"schema": {"type": "string"}}})
            } else {
                content(body)
            };
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": media}),
            );
        }
        let error = |d: &str| json!({"description": d, "content": content("Error")});
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({"description": "success", "content": content(e.response)}),
        );
        if e.body.is_some() || !e.query.is_empty() || e.path.contains('{') {
            responses.insert(
                "400".into(),
                error("malformed request (the field and the reason)"),
            );
            responses.insert(
                "422".into(),
                error("a rule was broken (each field and reason); nothing was written"),
            );
        }
        if e.path.contains('{') {
            responses.insert("404".into(), error("no such record"));
        }
        if e.path.starts_with("/federation/") {
            for (code, what) in [
                (
                    "422",
                    "a reply to a trace request this node did not exchange with the sender",
                ),
                ("403", "unknown sender, or a signature that does not verify"),
                (
                    "409",
                    "the message id was received before with other content",
                ),
                ("410", "the message expired"),
                ("421", "the message is addressed to another node"),
            ] {
                responses.insert(code.into(), error(what));
            }
        }
        if e.access != Public {
            responses.insert("401".into(), error("no session and no valid token"));
        }
        if let May(p) = e.access {
            op.insert("x-permission".into(), json!(p));
            responses.insert(
                "403".into(),
                error("the caller's role does not hold the permission"),
            );
        }
        op.insert("responses".into(), Value::Object(responses));
        if e.access != Public {
            op.insert("security".into(), json!([{"bearer": []}, {"session": []}]));
        }
        let item = paths
            .entry(e.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(item) = item {
            item.insert(e.method.to_ascii_lowercase(), Value::Object(op));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "salw registry API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The JSON API of a salw node: everything the web interface does. Authenticate with an API token (Authorization: Bearer salw_…) or a browser session (then send the x-csrf-token header on writes). Errors: {\"error\": {status, message, errors: [{field, reason, line}]}}."
        },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "salw_session"}
            }
        }
    })
}
