//! The UNODC Illicit Arms Flows Questionnaire's seizure and tracing tables (DOMAIN.md §7–8),
//! computed from recoveries, and the questionnaire's own consistency checks (sub-totals equal
//! totals), applied to computed tables and to tables a user imports alike.
//!
//! A table is rows × columns of counts; a cell is a count or "not recorded" (`None`), which is
//! not 0: parts and ammunition, for instance, are not records of their own yet. International
//! trace requests are counted from the node's trace records (salw_store::reports).
//!
//! What is counted (each rule is tested on its own):
//! - every seizure, find or surrender in the period is one arm (an item, not a case), whatever
//!   its legal basis (the criminal / administrative split is a column) and even when it is an
//!   antique: the questionnaire counts what was recovered; SDG 16.4.2 narrows it (indicator.rs);
//! - parts and ammunition are counted apart from arms, never in the arms table;
//! - the tracing outcome is the weapon's last one as the registry knows it when computing, as
//!   for SDG 16.4.2; no trace at all is "not attempted";
//! - persons are counted once per table row however many arms they are linked to, by their
//!   recorded sex (or "not recorded").

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::category::UnodcType;
use crate::event::TraceOutcome;
use crate::indicator::{ItemKind, Route};
use crate::person::Sex;

pub const QUESTIONNAIRE: &str = "unodc-iafq";

/// One recovered item with what the tables read of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovered {
    pub kind: ItemKind,
    pub route: Route,
    /// For a seizure: in connection with a criminal offence (else an administrative violation).
    pub criminal: bool,
    pub weapon_type: UnodcType,
    pub origin: Option<TraceOutcome>,
    /// The person the item was seized from or surrendered by, when recorded, with their sex.
    pub person: Option<(Uuid, Option<Sex>)>,
}

/// What the tables are computed from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub recovered: Vec<Recovered>,
    /// Licensed persons (individuals with the licensee role) and their sex, when recorded.
    pub licensees: Vec<Option<Sex>>,
    /// Whether parts and ammunition are records of their own (if not, their cells are "not
    /// recorded" rather than 0).
    pub parts_and_ammunition_recorded: bool,
    /// International trace requests (sent, received, answered) when the registry knows them.
    pub international: Option<[u64; 3]>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub key: String,
    pub label: String,
}

/// One row of a table: its values in the order of the table's columns (`None`: not recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub key: String,
    pub label: String,
    pub values: Vec<Option<u64>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub id: String,
    pub title: String,
    pub columns: Vec<Header>,
    pub rows: Vec<Row>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Table {
    pub fn column(&self, key: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.key == key)
    }
    pub fn row(&self, key: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.key == key)
    }
    /// The value at (row, column); `None` when not recorded or absent.
    pub fn get(&self, row: &str, column: &str) -> Option<u64> {
        let c = self.column(column)?;
        self.row(row)?.values.get(c).copied().flatten()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Questionnaire {
    pub questionnaire: String,
    pub period: Period,
    #[serde(default)]
    pub country: String,
    pub tables: Vec<Table>,
}

impl Questionnaire {
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }
}

/// The shape of one table: its rows and columns, and which are totals of which.
pub struct Shape {
    pub id: &'static str,
    pub title: &'static str,
    pub columns: &'static [(&'static str, &'static str)],
    pub rows: &'static [(&'static str, &'static str)],
    /// (total column, the columns it adds up), checked on every row.
    pub column_sums: &'static [(&'static str, &'static [&'static str])],
    /// The total row, which adds up every other row, checked in every column.
    pub total_row: Option<&'static str>,
}

pub const ARMS_BY_TYPE: &str = "arms_by_type";
pub const PARTS_AMMUNITION: &str = "parts_ammunition";
pub const TRACING_OUTCOMES: &str = "tracing_outcomes";
pub const INTERNATIONAL_TRACES: &str = "international_traces";
pub const PERSONS_BY_SEX: &str = "persons_by_sex";

const ROUTE_COLUMNS: &[(&str, &str)] = &[
    ("seized_criminal", "Seized: criminal offence"),
    ("seized_administrative", "Seized: administrative violation"),
    ("seized", "Seized: total"),
    ("found", "Found"),
    ("surrendered", "Surrendered"),
    ("total", "Total"),
];

const ROUTE_SUMS: &[(&str, &[&str])] = &[
    ("seized", &["seized_criminal", "seized_administrative"]),
    ("total", &["seized", "found", "surrendered"]),
];

const SEX_COLUMNS: &[(&str, &str)] = &[
    ("female", "Female"),
    ("male", "Male"),
    ("other", "Other"),
    ("not_recorded", "Sex not recorded"),
    ("total", "Total"),
];

/// The tables, in the order they are written.
pub const SHAPES: &[Shape] = &[
    Shape {
        id: ARMS_BY_TYPE,
        title: "Arms seized, found and surrendered, by type and legal basis",
        columns: ROUTE_COLUMNS,
        rows: &[
            ("pistol", "Pistols"),
            ("revolver", "Revolvers"),
            ("rifle", "Rifles"),
            ("shotgun", "Shotguns"),
            ("sub_machine_gun", "Sub-machine guns"),
            ("machine_gun", "Machine guns"),
            ("combination_gun", "Combination guns"),
            ("other", "Other arms"),
            ("total", "Total"),
        ],
        column_sums: ROUTE_SUMS,
        total_row: Some("total"),
    },
    Shape {
        id: PARTS_AMMUNITION,
        title: "Parts and ammunition (counted apart from arms)",
        columns: ROUTE_COLUMNS,
        rows: &[
            ("parts", "Parts and components"),
            ("ammunition", "Ammunition"),
        ],
        column_sums: ROUTE_SUMS,
        total_row: None,
    },
    Shape {
        id: TRACING_OUTCOMES,
        title: "Arms seized, found and surrendered, by tracing outcome",
        columns: ROUTE_COLUMNS,
        rows: &[
            ("established_by_tracing", "Origin established by tracing"),
            (
                "established_by_other_means",
                "Origin established by other means",
            ),
            ("pending", "Trace pending"),
            ("unsuccessful", "Trace unsuccessful"),
            ("not_attempted", "No trace attempted"),
            ("total", "Total"),
        ],
        column_sums: ROUTE_SUMS,
        total_row: Some("total"),
    },
    Shape {
        id: INTERNATIONAL_TRACES,
        title: "International trace requests",
        columns: &[("count", "Number")],
        rows: &[
            ("sent", "Requests sent"),
            ("received", "Requests received"),
            ("answered", "Requests received and answered"),
        ],
        column_sums: &[],
        total_row: None,
    },
    Shape {
        id: PERSONS_BY_SEX,
        title: "Persons, by sex",
        columns: SEX_COLUMNS,
        rows: &[
            ("seized_from", "Persons arms were seized from"),
            ("surrendering", "Persons who surrendered arms"),
            ("licensees", "Licensed persons (at the time of computing)"),
        ],
        column_sums: &[("total", &["female", "male", "other", "not_recorded"])],
        total_row: None,
    },
];

pub fn shape(id: &str) -> Option<&'static Shape> {
    SHAPES.iter().find(|s| s.id == id)
}

/// A table of the shape with every cell 0.
fn zeros(shape: &Shape) -> Table {
    Table {
        id: shape.id.to_owned(),
        title: shape.title.to_owned(),
        columns: shape
            .columns
            .iter()
            .map(|(k, l)| Header {
                key: (*k).to_owned(),
                label: (*l).to_owned(),
            })
            .collect(),
        rows: shape
            .rows
            .iter()
            .map(|(k, l)| Row {
                key: (*k).to_owned(),
                label: (*l).to_owned(),
                values: vec![Some(0); shape.columns.len()],
            })
            .collect(),
        notes: Vec::new(),
    }
}

fn bump(table: &mut Table, row: &str, column: &str) {
    let (Some(c), Some(r)) = (
        table.column(column),
        table.rows.iter_mut().position(|r| r.key == row),
    ) else {
        return;
    };
    if let Some(Some(v)) = table.rows[r].values.get_mut(c) {
        *v += 1;
    }
}

fn set(table: &mut Table, row: &str, column: &str, value: Option<u64>) {
    if let (Some(c), Some(r)) = (
        table.column(column),
        table.rows.iter_mut().find(|r| r.key == row),
    ) && let Some(cell) = r.values.get_mut(c)
    {
        *cell = value;
    }
}

/// Fills in the total column sums and the total row of a table whose detail cells are counted.
fn fill_totals(table: &mut Table, shape: &Shape) {
    for (total, parts) in shape.column_sums {
        let Some(t) = table.column(total) else {
            continue;
        };
        let idx: Vec<usize> = parts.iter().filter_map(|p| table.column(p)).collect();
        for row in &mut table.rows {
            let sum: Option<u64> = idx.iter().map(|i| row.values[*i]).sum();
            row.values[t] = sum;
        }
    }
    if let Some(total) = shape.total_row {
        let columns = table.columns.len();
        let sums: Vec<Option<u64>> = (0..columns)
            .map(|c| {
                table
                    .rows
                    .iter()
                    .filter(|r| r.key != total)
                    .map(|r| r.values[c])
                    .sum()
            })
            .collect();
        if let Some(row) = table.rows.iter_mut().find(|r| r.key == total) {
            row.values = sums;
        }
    }
}

fn route_column(item: &Recovered) -> &'static str {
    match item.route {
        Route::Seized if item.criminal => "seized_criminal",
        Route::Seized => "seized_administrative",
        Route::Found => "found",
        Route::Surrendered => "surrendered",
    }
}

fn sex_column(sex: Option<Sex>) -> &'static str {
    match sex {
        Some(Sex::Female) => "female",
        Some(Sex::Male) => "male",
        Some(Sex::Other) => "other",
        None => "not_recorded",
    }
}

/// The questionnaire's tables from the facts of a period.
pub fn compute(facts: &Facts, period: Period, country: &str) -> Questionnaire {
    let mut tables: Vec<Table> = SHAPES.iter().map(zeros).collect();
    let mut seized_from: BTreeMap<Uuid, Option<Sex>> = BTreeMap::new();
    let mut surrendering: BTreeMap<Uuid, Option<Sex>> = BTreeMap::new();
    let mut without_person = [0u64; 2];
    for item in &facts.recovered {
        let column = route_column(item);
        match item.kind {
            ItemKind::Weapon => {
                bump(&mut tables[0], item.weapon_type.as_str(), column);
                let outcome = match item.origin {
                    Some(o) => o.as_str(),
                    None => "not_attempted",
                };
                bump(&mut tables[2], outcome, column);
            }
            ItemKind::Part => bump(&mut tables[1], "parts", column),
            ItemKind::Ammunition => bump(&mut tables[1], "ammunition", column),
        }
        let (persons, missing) = match item.route {
            Route::Seized => (&mut seized_from, &mut without_person[0]),
            Route::Surrendered => (&mut surrendering, &mut without_person[1]),
            Route::Found => continue,
        };
        match item.person {
            Some((id, sex)) => {
                persons.insert(id, sex);
            }
            None => *missing += 1,
        }
    }
    for (row, persons) in [
        ("seized_from", &seized_from),
        ("surrendering", &surrendering),
    ] {
        for sex in persons.values() {
            bump(&mut tables[4], row, sex_column(*sex));
        }
    }
    for sex in &facts.licensees {
        bump(&mut tables[4], "licensees", sex_column(*sex));
    }
    if !facts.parts_and_ammunition_recorded {
        for row in &mut tables[1].rows {
            row.values.iter_mut().for_each(|v| *v = None);
        }
        tables[1].notes.push(
            "not recorded: parts and ammunition are not records of their own in this registry yet"
                .to_owned(),
        );
    }
    match facts.international {
        Some([sent, received, answered]) => {
            set(&mut tables[3], "sent", "count", Some(sent));
            set(&mut tables[3], "received", "count", Some(received));
            set(&mut tables[3], "answered", "count", Some(answered));
        }
        None => {
            for row in &mut tables[3].rows {
                row.values = vec![None];
            }
            tables[3]
                .notes
                .push("not recorded: the international trace requests were not given".to_owned());
        }
    }
    for (table, shape) in tables.iter_mut().zip(SHAPES) {
        if table.id != INTERNATIONAL_TRACES {
            fill_totals(table, shape);
        }
    }
    let [seized, surrendered] = without_person;
    if seized + surrendered > 0 {
        tables[4].notes.push(format!(
            "arms with no person recorded: {seized} seized, {surrendered} surrendered (not counted as persons)"
        ));
    }
    tables[4]
        .notes
        .push("each person is counted once per row, however many arms".to_owned());
    Questionnaire {
        questionnaire: QUESTIONNAIRE.to_owned(),
        period,
        country: country.to_owned(),
        tables,
    }
}

/// A consistency problem, naming where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub table: String,
    /// The row key (empty when the problem is the table's).
    pub row: String,
    /// The column key (empty when the problem is the row's or the table's).
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "table {}", self.table)?;
        if !self.row.is_empty() {
            write!(f, ", row {}", self.row)?;
        }
        if !self.column.is_empty() {
            write!(f, ", column {}", self.column)?;
        }
        write!(f, ": {}", self.message)
    }
}

fn problem(table: &str, row: &str, column: &str, message: String) -> Problem {
    Problem {
        table: table.to_owned(),
        row: row.to_owned(),
        column: column.to_owned(),
        message,
    }
}

fn show(v: Option<u64>) -> String {
    v.map_or_else(|| "not recorded".to_owned(), |v| v.to_string())
}

/// A total against its parts: equal when every part is recorded; when some are not, the
/// recorded parts must not exceed it.
fn check_sum(
    total: Option<u64>,
    parts: &[(String, Option<u64>)],
    at: (&str, &str, &str),
    out: &mut Vec<Problem>,
) {
    let Some(total) = total else { return };
    let known: u64 = parts.iter().filter_map(|(_, v)| *v).sum();
    let complete = parts.iter().all(|(_, v)| v.is_some());
    let names = parts
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(" + ");
    let values = parts
        .iter()
        .map(|(_, v)| show(*v))
        .collect::<Vec<_>>()
        .join(" + ");
    if complete && known != total {
        out.push(problem(
            at.0,
            at.1,
            at.2,
            format!("{total} is not {names} = {values} = {known}"),
        ));
    } else if !complete && known > total {
        out.push(problem(
            at.0,
            at.1,
            at.2,
            format!("{total} is less than the recorded parts {names} = {values} = {known}"),
        ));
    }
}

/// The questionnaire's checks on one table: its shape (known rows and columns, one value per
/// column) and its sums.
pub fn check_table(table: &Table) -> Vec<Problem> {
    let mut out = Vec::new();
    let Some(shape) = shape(&table.id) else {
        out.push(problem(
            &table.id,
            "",
            "",
            format!(
                "not a table of the questionnaire; the tables are {}",
                SHAPES.iter().map(|s| s.id).collect::<Vec<_>>().join(", ")
            ),
        ));
        return out;
    };
    let mut seen = BTreeSet::new();
    for c in &table.columns {
        if !shape.columns.iter().any(|(k, _)| *k == c.key) {
            out.push(problem(
                &table.id,
                "",
                &c.key,
                format!(
                    "not a column of this table; its columns are {}",
                    shape
                        .columns
                        .iter()
                        .map(|c| c.0)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        } else if !seen.insert(c.key.as_str()) {
            out.push(problem(&table.id, "", &c.key, "given twice".to_owned()));
        }
    }
    let mut seen_rows = BTreeSet::new();
    for r in &table.rows {
        if !shape.rows.iter().any(|(k, _)| *k == r.key) {
            out.push(problem(
                &table.id,
                &r.key,
                "",
                format!(
                    "not a row of this table; its rows are {}",
                    shape
                        .rows
                        .iter()
                        .map(|r| r.0)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        } else if !seen_rows.insert(r.key.as_str()) {
            out.push(problem(&table.id, &r.key, "", "given twice".to_owned()));
        }
        if r.values.len() != table.columns.len() {
            out.push(problem(
                &table.id,
                &r.key,
                "",
                format!(
                    "{} values for {} columns",
                    r.values.len(),
                    table.columns.len()
                ),
            ));
        }
    }
    if !out.is_empty() {
        return out;
    }
    for (total, parts) in shape.column_sums {
        if table.column(total).is_none() {
            continue;
        }
        for r in &table.rows {
            let parts: Vec<(String, Option<u64>)> = parts
                .iter()
                .map(|p| ((*p).to_owned(), table.get(&r.key, p)))
                .collect();
            check_sum(
                table.get(&r.key, total),
                &parts,
                (&table.id, &r.key, total),
                &mut out,
            );
        }
    }
    if let Some(total) = shape.total_row
        && table.row(total).is_some()
    {
        let details: Vec<&str> = shape
            .rows
            .iter()
            .map(|r| r.0)
            .filter(|k| *k != total)
            .collect();
        for c in &table.columns {
            let parts: Vec<(String, Option<u64>)> = details
                .iter()
                .map(|r| ((*r).to_owned(), table.get(r, &c.key)))
                .collect();
            check_sum(
                table.get(total, &c.key),
                &parts,
                (&table.id, total, &c.key),
                &mut out,
            );
        }
    }
    out
}

/// Every table's checks, then the checks across tables: the tracing outcomes of the arms add up
/// to the arms recovered, in every column.
pub fn check(q: &Questionnaire) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for t in &q.tables {
        if !seen.insert(t.id.as_str()) {
            out.push(problem(&t.id, "", "", "given twice".to_owned()));
        }
        out.extend(check_table(t));
    }
    if !out.is_empty() {
        return out;
    }
    if let (Some(arms), Some(tracing)) = (q.table(ARMS_BY_TYPE), q.table(TRACING_OUTCOMES)) {
        for (key, _) in ROUTE_COLUMNS {
            if let (Some(a), Some(t)) = (arms.get("total", key), tracing.get("total", key))
                && a != t
            {
                out.push(problem(
                    TRACING_OUTCOMES,
                    "total",
                    key,
                    format!("{t} arms by tracing outcome, but {a} in table {ARMS_BY_TYPE} (row total, column {key})"),
                ));
            }
        }
    }
    if let Some(intl) = q.table(INTERNATIONAL_TRACES)
        && let (Some(received), Some(answered)) =
            (intl.get("received", "count"), intl.get("answered", "count"))
        && answered > received
    {
        out.push(problem(
            INTERNATIONAL_TRACES,
            "answered",
            "count",
            format!("{answered} answered, more than the {received} received"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(route: Route, criminal: bool, t: UnodcType) -> Recovered {
        Recovered {
            kind: ItemKind::Weapon,
            route,
            criminal,
            weapon_type: t,
            origin: None,
            person: None,
        }
    }

    fn period() -> Period {
        Period {
            from: "2024-01-01".into(),
            to: "2025-12-31".into(),
        }
    }

    fn q(facts: &Facts) -> Questionnaire {
        compute(facts, period(), "KE")
    }

    #[test]
    fn every_recovery_counts_once_in_its_route_and_type() {
        let facts = Facts {
            recovered: vec![
                item(Route::Seized, true, UnodcType::Pistol),
                item(Route::Seized, false, UnodcType::Pistol),
                item(Route::Found, false, UnodcType::Rifle),
                item(Route::Surrendered, false, UnodcType::Shotgun),
                item(Route::Surrendered, false, UnodcType::Shotgun),
            ],
            ..Facts::default()
        };
        let q = q(&facts);
        let arms = q.table(ARMS_BY_TYPE).unwrap();
        assert_eq!(arms.get("pistol", "seized_criminal"), Some(1));
        assert_eq!(arms.get("pistol", "seized_administrative"), Some(1));
        assert_eq!(arms.get("pistol", "seized"), Some(2));
        assert_eq!(arms.get("rifle", "found"), Some(1));
        assert_eq!(arms.get("shotgun", "surrendered"), Some(2));
        assert_eq!(arms.get("total", "total"), Some(5));
        assert_eq!(arms.get("total", "seized"), Some(2));
        assert_eq!(arms.get("revolver", "total"), Some(0));
        assert_eq!(check(&q), vec![]);
    }

    #[test]
    fn administrative_seizures_are_counted_in_their_own_column() {
        let q = q(&Facts {
            recovered: vec![item(Route::Seized, false, UnodcType::Rifle)],
            ..Facts::default()
        });
        let arms = q.table(ARMS_BY_TYPE).unwrap();
        assert_eq!(arms.get("rifle", "seized_administrative"), Some(1));
        assert_eq!(arms.get("rifle", "seized_criminal"), Some(0));
        // Not in SDG 16.4.2's scope, but a tracing outcome all the same.
        let tracing = q.table(TRACING_OUTCOMES).unwrap();
        assert_eq!(
            tracing.get("not_attempted", "seized_administrative"),
            Some(1)
        );
    }

    #[test]
    fn parts_and_ammunition_are_counted_apart() {
        let mut part = item(Route::Seized, true, UnodcType::Other);
        part.kind = ItemKind::Part;
        let mut ammo = item(Route::Found, false, UnodcType::Other);
        ammo.kind = ItemKind::Ammunition;
        let facts = Facts {
            recovered: vec![part, ammo, item(Route::Found, false, UnodcType::Pistol)],
            parts_and_ammunition_recorded: true,
            ..Facts::default()
        };
        let q = q(&facts);
        let arms = q.table(ARMS_BY_TYPE).unwrap();
        assert_eq!(arms.get("total", "total"), Some(1));
        assert_eq!(arms.get("other", "total"), Some(0));
        let pa = q.table(PARTS_AMMUNITION).unwrap();
        assert_eq!(pa.get("parts", "seized_criminal"), Some(1));
        assert_eq!(pa.get("ammunition", "found"), Some(1));
        assert_eq!(
            q.table(TRACING_OUTCOMES).unwrap().get("total", "total"),
            Some(1)
        );
        assert_eq!(check(&q), vec![]);
    }

    #[test]
    fn what_the_registry_does_not_record_is_not_recorded_never_zero() {
        let q = q(&Facts::default());
        let pa = q.table(PARTS_AMMUNITION).unwrap();
        assert_eq!(pa.get("parts", "total"), None);
        assert!(pa.notes[0].contains("not recorded"));
        let intl = q.table(INTERNATIONAL_TRACES).unwrap();
        assert_eq!(intl.get("sent", "count"), None);
        assert!(intl.notes[0].contains("not given"));
        // With figures known, they are shown.
        let q = compute(
            &Facts {
                international: Some([3, 2, 1]),
                ..Facts::default()
            },
            period(),
            "KE",
        );
        let intl = q.table(INTERNATIONAL_TRACES).unwrap();
        assert_eq!(intl.get("received", "count"), Some(2));
    }

    #[test]
    fn tracing_outcomes_by_route() {
        let mut a = item(Route::Seized, true, UnodcType::Pistol);
        a.origin = Some(TraceOutcome::EstablishedByTracing);
        let mut b = item(Route::Found, false, UnodcType::Pistol);
        b.origin = Some(TraceOutcome::EstablishedByOtherMeans);
        let mut c = item(Route::Surrendered, false, UnodcType::Pistol);
        c.origin = Some(TraceOutcome::Pending);
        let mut d = item(Route::Surrendered, false, UnodcType::Pistol);
        d.origin = Some(TraceOutcome::Unsuccessful);
        let e = item(Route::Found, false, UnodcType::Pistol);
        let q = q(&Facts {
            recovered: vec![a, b, c, d, e],
            ..Facts::default()
        });
        let t = q.table(TRACING_OUTCOMES).unwrap();
        assert_eq!(t.get("established_by_tracing", "seized_criminal"), Some(1));
        assert_eq!(t.get("established_by_other_means", "found"), Some(1));
        assert_eq!(t.get("pending", "surrendered"), Some(1));
        assert_eq!(t.get("unsuccessful", "surrendered"), Some(1));
        assert_eq!(t.get("not_attempted", "found"), Some(1));
        assert_eq!(t.get("total", "total"), Some(5));
        assert_eq!(check(&q), vec![]);
    }

    #[test]
    fn persons_are_counted_once_by_sex() {
        let f = Uuid::from_u128(1);
        let m = Uuid::from_u128(2);
        let u = Uuid::from_u128(3);
        let mut items = vec![];
        for (route, person) in [
            (Route::Seized, Some((f, Some(Sex::Female)))),
            (Route::Seized, Some((f, Some(Sex::Female)))),
            (Route::Seized, Some((m, Some(Sex::Male)))),
            (Route::Seized, None),
            (Route::Surrendered, Some((u, None))),
            (Route::Found, Some((m, Some(Sex::Male)))),
        ] {
            let mut i = item(route, true, UnodcType::Rifle);
            i.person = person;
            items.push(i);
        }
        let q = q(&Facts {
            recovered: items,
            licensees: vec![Some(Sex::Female), None, Some(Sex::Other)],
            ..Facts::default()
        });
        let p = q.table(PERSONS_BY_SEX).unwrap();
        assert_eq!(p.get("seized_from", "female"), Some(1));
        assert_eq!(p.get("seized_from", "male"), Some(1));
        assert_eq!(p.get("seized_from", "total"), Some(2));
        assert_eq!(p.get("surrendering", "not_recorded"), Some(1));
        assert_eq!(p.get("licensees", "other"), Some(1));
        assert_eq!(p.get("licensees", "total"), Some(3));
        assert!(
            p.notes
                .iter()
                .any(|n| n.contains("1 seized, 0 surrendered"))
        );
        assert_eq!(check(&q), vec![]);
    }

    #[test]
    fn a_total_that_does_not_add_up_is_named_by_table_row_and_column() {
        let mut q = q(&Facts {
            recovered: vec![item(Route::Found, false, UnodcType::Pistol)],
            ..Facts::default()
        });
        let arms = q.tables.iter_mut().find(|t| t.id == ARMS_BY_TYPE).unwrap();
        let c = arms.column("total").unwrap();
        arms.rows[0].values[c] = Some(7);
        let problems = check(&q);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(
            problems[0].to_string(),
            "table arms_by_type, row pistol, column total: 7 is not seized + found + surrendered = 0 + 1 + 0 = 1"
        );
        assert_eq!(
            (problems[1].row.as_str(), problems[1].column.as_str()),
            ("total", "total")
        );
    }

    #[test]
    fn tables_must_agree_with_each_other() {
        let mut q = q(&Facts {
            recovered: vec![item(Route::Found, false, UnodcType::Pistol)],
            ..Facts::default()
        });
        let t = q
            .tables
            .iter_mut()
            .find(|t| t.id == TRACING_OUTCOMES)
            .unwrap();
        let found = t.column("found").unwrap();
        let total = t.column("total").unwrap();
        for r in &mut t.rows {
            if r.key == "not_attempted" || r.key == "total" {
                r.values[found] = Some(2);
                r.values[total] = Some(2);
            }
        }
        let problems = check(&q);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(
            problems[0].to_string(),
            "table tracing_outcomes, row total, column found: 2 arms by tracing outcome, but 1 in table arms_by_type (row total, column found)"
        );
    }

    #[test]
    fn unknown_rows_columns_and_ragged_rows_are_named() {
        let mut t = zeros(shape(ARMS_BY_TYPE).unwrap());
        t.rows[1].key = "bazooka".into();
        t.rows[2].values.pop();
        t.columns.push(Header {
            key: "stolen".into(),
            label: "Stolen".into(),
        });
        let problems = check_table(&t);
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(
            text[0].starts_with("table arms_by_type, column stolen: not a column"),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("table arms_by_type, row bazooka: not a row"))
        );
        assert!(
            text.iter()
                .any(|t| t == "table arms_by_type, row rifle: 5 values for 7 columns")
        );
        let mut other = t.clone();
        other.id = "table_9".into();
        assert!(check_table(&other)[0].message.starts_with("not a table"));
    }

    #[test]
    fn parts_missing_make_only_an_excess_an_error() {
        let mut t = zeros(shape(PERSONS_BY_SEX).unwrap());
        let total = t.column("total").unwrap();
        let female = t.column("female").unwrap();
        t.rows[0].values[total] = Some(3);
        t.rows[0].values[female] = Some(2);
        let male = t.column("male").unwrap();
        t.rows[0].values[male] = None;
        assert_eq!(check_table(&t), vec![]);
        t.rows[0].values[female] = Some(4);
        let p = check_table(&t);
        assert_eq!(p.len(), 1);
        assert!(
            p[0].message.contains("less than the recorded parts"),
            "{p:?}"
        );
    }
}
