//! The questionnaire's tables as files: JSON (the shape of `Questionnaire`), CSV (one cell a
//! line: `table,row,column,value`), XLSX (one sheet a table); and tables a user imports (JSON
//! or CSV), read without trusting them and checked by the questionnaire's rules.

use salw_core::questionnaire::{self as q, Header, Period, Questionnaire, Row, Table};
use serde_json::Value;

use crate::Error;

/// How a cell that is not recorded is written in CSV and XLSX.
pub const NOT_RECORDED: &str = "not recorded";

pub fn to_json(q: &Questionnaire) -> Result<String, Error> {
    Ok(serde_json::to_string_pretty(q)? + "\n")
}

pub fn to_csv(q: &Questionnaire) -> Result<Vec<u8>, Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["table", "row", "column", "value"])?;
    for t in &q.tables {
        for r in &t.rows {
            for (c, v) in t.columns.iter().zip(&r.values) {
                let value = v.map_or_else(|| NOT_RECORDED.to_owned(), |v| v.to_string());
                w.write_record([t.id.as_str(), &r.key, &c.key, &value])?;
            }
        }
    }
    w.into_inner().map_err(|e| Error::Io(e.into_error()))
}

/// Sheet names: at most 31 characters, unique.
pub fn sheet_name(id: &str) -> String {
    id.chars().take(31).collect()
}

/// One sheet a table: its title in A1, the period in A2, the column labels on row 4 (keys on
/// row 5, for programs), then one row per table row: its label in A, its key in B, the values
/// from C (a number, or the text "not recorded"). Notes follow the table.
pub fn to_xlsx(q: &Questionnaire) -> Result<Vec<u8>, Error> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    write_sheets(&mut wb, q)?;
    Ok(wb.save_to_buffer()?)
}

/// The tables as sheets of `wb`, laid out as `to_xlsx` says.
pub fn write_sheets(wb: &mut rust_xlsxwriter::Workbook, q: &Questionnaire) -> Result<(), Error> {
    use rust_xlsxwriter::Format;
    let bold = Format::new().set_bold();
    let grey = Format::new().set_font_color(rust_xlsxwriter::Color::Gray);
    for t in &q.tables {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.id))?;
        ws.write_string_with_format(0, 0, &t.title, &bold)?;
        ws.write_string(
            1,
            0,
            format!("{} {} to {}", q.country, q.period.from, q.period.to).trim(),
        )?;
        ws.write_string_with_format(3, 0, "", &bold)?;
        ws.write_string_with_format(4, 1, "key", &grey)?;
        ws.set_column_width(0, 44)?;
        ws.set_column_width(1, 26)?;
        for (i, c) in t.columns.iter().enumerate() {
            let col = 2 + i as u16;
            ws.write_string_with_format(3, col, &c.label, &bold)?;
            ws.write_string_with_format(4, col, &c.key, &grey)?;
            ws.set_column_width(col, 16)?;
        }
        for (j, r) in t.rows.iter().enumerate() {
            let row = 5 + j as u32;
            let format = if r.key == "total" {
                &bold
            } else {
                &Format::new()
            };
            ws.write_string_with_format(row, 0, &r.label, format)?;
            ws.write_string_with_format(row, 1, &r.key, &grey)?;
            for (i, v) in r.values.iter().enumerate() {
                let col = 2 + i as u16;
                match v {
                    Some(v) => ws.write_number_with_format(row, col, *v as f64, format)?,
                    None => ws.write_string(row, col, NOT_RECORDED)?,
                };
            }
        }
        for (row, note) in (6 + t.rows.len() as u32..).zip(&t.notes) {
            ws.write_string(row, 0, note)?;
        }
    }
    Ok(())
}

/// A problem in an imported file, naming where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    /// "line 4" (CSV) or a JSON path ("tables[0].rows[2].values[1]").
    pub at: String,
    pub table: String,
    pub row: String,
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.at)?;
        if !self.table.is_empty() {
            write!(f, ": table {}", self.table)?;
        }
        if !self.row.is_empty() {
            write!(f, ", row {}", self.row)?;
        }
        if !self.column.is_empty() {
            write!(f, ", column {}", self.column)?;
        }
        write!(f, ": {}", self.message)
    }
}

fn blank(shape: &q::Shape) -> Table {
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
                values: vec![None; shape.columns.len()],
            })
            .collect(),
        notes: Vec::new(),
    }
}

/// A cell as written by a person: a non-negative whole number, or empty / "not recorded".
fn count(text: &str) -> Result<Option<u64>, String> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case(NOT_RECORDED) || t.eq_ignore_ascii_case("nr") {
        return Ok(None);
    }
    t.parse::<u64>().map(Some).map_err(|_| {
        format!("'{t}' is not a count (a whole number of 0 or more, or empty / \"not recorded\")")
    })
}

/// Where a value goes in a table built from its shape; the problem if it has no place.
fn place(
    tables: &mut Vec<Table>,
    table: &str,
    row: &str,
    column: &str,
) -> Result<(usize, usize, usize), String> {
    let shape = q::shape(table).ok_or_else(|| {
        format!(
            "not a table of the questionnaire; the tables are {}",
            q::SHAPES
                .iter()
                .map(|s| s.id)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let t = match tables.iter().position(|t| t.id == table) {
        Some(t) => t,
        None => {
            tables.push(blank(shape));
            tables.len() - 1
        }
    };
    let r = tables[t]
        .rows
        .iter()
        .position(|r| r.key == row)
        .ok_or_else(|| {
            format!(
                "not a row of this table; its rows are {}",
                shape
                    .rows
                    .iter()
                    .map(|r| r.0)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
    let c = tables[t].column(column).ok_or_else(|| {
        format!(
            "not a column of this table; its columns are {}",
            shape
                .columns
                .iter()
                .map(|c| c.0)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    Ok((t, r, c))
}

fn finish(
    tables: Vec<Table>,
    period: Period,
    country: String,
    mut problems: Vec<ImportProblem>,
) -> Result<Questionnaire, Vec<ImportProblem>> {
    // In the questionnaire's order.
    let mut tables = tables;
    tables.sort_by_key(|t| q::SHAPES.iter().position(|s| s.id == t.id));
    let imported = Questionnaire {
        questionnaire: q::QUESTIONNAIRE.to_owned(),
        period,
        country,
        tables,
    };
    if problems.is_empty() {
        problems.extend(q::check(&imported).into_iter().map(|p| ImportProblem {
            at: "check".to_owned(),
            table: p.table,
            row: p.row,
            column: p.column,
            message: p.message,
        }));
    }
    if problems.is_empty() {
        Ok(imported)
    } else {
        Err(problems)
    }
}

/// Tables from CSV, one cell a line (`table,row,column,value`, as `to_csv` writes them).
/// Cells not given are "not recorded". Every problem is reported, with its line.
pub fn from_csv(bytes: &[u8]) -> Result<Questionnaire, Vec<ImportProblem>> {
    let mut problems = Vec::new();
    let mut tables: Vec<Table> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let at = |line: u64| format!("line {line}");
    match reader.headers() {
        Ok(h)
            if h.iter()
                .map(str::trim)
                .eq(["table", "row", "column", "value"]) => {}
        Ok(h) => {
            return Err(vec![ImportProblem {
                at: at(1),
                table: String::new(),
                row: String::new(),
                column: String::new(),
                message: format!(
                    "the header is '{}'; it must be table,row,column,value",
                    h.iter().collect::<Vec<_>>().join(",")
                ),
            }]);
        }
        Err(e) => {
            return Err(vec![ImportProblem {
                at: at(1),
                table: String::new(),
                row: String::new(),
                column: String::new(),
                message: format!("not CSV: {e}"),
            }]);
        }
    }
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(ImportProblem {
                    at: at(line),
                    table: String::new(),
                    row: String::new(),
                    column: String::new(),
                    message: format!("not CSV: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("").trim().to_owned();
        let (table, row, column, value) = (field(0), field(1), field(2), field(3));
        let mut report = |message: String| {
            problems.push(ImportProblem {
                at: at(line),
                table: table.clone(),
                row: row.clone(),
                column: column.clone(),
                message,
            })
        };
        if record.len() != 4 {
            report(format!("{} fields; a line has 4", record.len()));
            continue;
        }
        let (t, r, c) = match place(&mut tables, &table, &row, &column) {
            Ok(p) => p,
            Err(m) => {
                report(m);
                continue;
            }
        };
        if !seen.insert((table.clone(), row.clone(), column.clone())) {
            report("given twice".to_owned());
            continue;
        }
        match count(&value) {
            Ok(v) => tables[t].rows[r].values[c] = v,
            Err(m) => report(m),
        }
    }
    let period = Period {
        from: String::new(),
        to: String::new(),
    };
    finish(tables, period, String::new(), problems)
}

/// Tables from JSON in the shape `to_json` writes: `{"tables": [{"id", "columns": [keys or
/// {"key"}], "rows": [{"key", "values": [...]}]}]}`; `period` and `country` are optional.
pub fn from_json(bytes: &[u8]) -> Result<Questionnaire, Vec<ImportProblem>> {
    let problem =
        |at: String, table: &str, row: &str, column: &str, message: String| ImportProblem {
            at,
            table: table.to_owned(),
            row: row.to_owned(),
            column: column.to_owned(),
            message,
        };
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| {
        vec![problem(
            "the file".into(),
            "",
            "",
            "",
            format!("not JSON: {e}"),
        )]
    })?;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
    let period = Period {
        from: text(doc.pointer("/period/from")),
        to: text(doc.pointer("/period/to")),
    };
    let country = text(doc.get("country"));
    let Some(list) = doc.get("tables").and_then(Value::as_array) else {
        return Err(vec![problem(
            "tables".into(),
            "",
            "",
            "",
            "missing: a list of tables".into(),
        )]);
    };
    let mut problems = Vec::new();
    let mut tables: Vec<Table> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (ti, t) in list.iter().enumerate() {
        let at = format!("tables[{ti}]");
        let Some(id) = t.get("id").and_then(Value::as_str) else {
            problems.push(problem(at, "", "", "", "no \"id\" naming the table".into()));
            continue;
        };
        if !seen.insert(id.to_owned()) {
            problems.push(problem(at, id, "", "", "given twice".into()));
            continue;
        }
        let columns: Vec<String> = match t.get("columns").and_then(Value::as_array) {
            Some(cs) => cs
                .iter()
                .map(|c| {
                    c.as_str()
                        .or_else(|| c.get("key").and_then(Value::as_str))
                        .unwrap_or("")
                        .to_owned()
                })
                .collect(),
            None => {
                problems.push(problem(
                    format!("{at}.columns"),
                    id,
                    "",
                    "",
                    "missing: the column keys, in the order of the values".into(),
                ));
                continue;
            }
        };
        let Some(rows) = t.get("rows").and_then(Value::as_array) else {
            problems.push(problem(format!("{at}.rows"), id, "", "", "missing".into()));
            continue;
        };
        if q::shape(id).is_none() {
            let known = q::SHAPES
                .iter()
                .map(|s| s.id)
                .collect::<Vec<_>>()
                .join(", ");
            let m = format!("not a table of the questionnaire; the tables are {known}");
            problems.push(problem(at, id, "", "", m));
            continue;
        }
        for (ri, r) in rows.iter().enumerate() {
            let at = format!("{at}.rows[{ri}]");
            let key = r.get("key").and_then(Value::as_str).unwrap_or("");
            let Some(values) = r.get("values").and_then(Value::as_array) else {
                problems.push(problem(at, id, key, "", "no \"values\" list".into()));
                continue;
            };
            if values.len() != columns.len() {
                problems.push(problem(
                    at.clone(),
                    id,
                    key,
                    "",
                    format!("{} values for {} columns", values.len(), columns.len()),
                ));
                continue;
            }
            for (ci, (column, v)) in columns.iter().zip(values).enumerate() {
                let at = format!("{at}.values[{ci}]");
                let (t, r, c) = match place(&mut tables, id, key, column) {
                    Ok(p) => p,
                    Err(m) => {
                        problems.push(problem(at, id, key, column, m));
                        continue;
                    }
                };
                let value = match v {
                    Value::Null => Ok(None),
                    Value::Number(n) => n
                        .as_u64()
                        .map(Some)
                        .ok_or_else(|| format!("{n} is not a count (a whole number of 0 or more)")),
                    Value::String(s) => count(s),
                    other => Err(format!("{other} is not a count")),
                };
                match value {
                    Ok(v) => tables[t].rows[r].values[c] = v,
                    Err(m) => problems.push(problem(at, id, key, column, m)),
                }
            }
        }
    }
    finish(tables, period, country, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use salw_core::category::UnodcType;
    use salw_core::indicator::{ItemKind, Route};
    use salw_core::questionnaire::{Facts, Recovered};

    fn sample() -> Questionnaire {
        let item = |route, criminal, weapon_type| Recovered {
            kind: ItemKind::Weapon,
            route,
            criminal,
            weapon_type,
            origin: None,
            person: None,
        };
        q::compute(
            &Facts {
                recovered: vec![
                    item(Route::Seized, true, UnodcType::Pistol),
                    item(Route::Seized, false, UnodcType::Rifle),
                    item(Route::Found, false, UnodcType::Pistol),
                ],
                ..Facts::default()
            },
            Period {
                from: "2024-01-01".into(),
                to: "2025-12-31".into(),
            },
            "KE",
        )
    }

    #[test]
    fn csv_and_json_round_trip() {
        let q = sample();
        let back = from_csv(&to_csv(&q).unwrap()).unwrap();
        for t in &q.tables {
            let b = back.table(&t.id).unwrap();
            assert_eq!(
                t.rows.iter().map(|r| &r.values).collect::<Vec<_>>(),
                b.rows.iter().map(|r| &r.values).collect::<Vec<_>>()
            );
        }
        let back = from_json(to_json(&q).unwrap().as_bytes()).unwrap();
        assert_eq!(back.period, q.period);
        for t in &q.tables {
            assert_eq!(back.table(&t.id).unwrap().rows, t.rows);
        }
    }

    #[test]
    fn csv_problems_name_line_table_row_and_column() {
        let text = "table,row,column,value\n\
                    arms_by_type,pistol,found,2\n\
                    arms_by_type,pistol,found,3\n\
                    arms_by_type,pistol,stolen,1\n\
                    arms_by_type,bazooka,found,1\n\
                    tabel_1,pistol,found,1\n\
                    arms_by_type,rifle,found,-1\n\
                    arms_by_type,rifle\n";
        let problems = from_csv(text.as_bytes()).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            text[0],
            "line 3: table arms_by_type, row pistol, column found: given twice"
        );
        assert!(
            text[1]
                .starts_with("line 4: table arms_by_type, row pistol, column stolen: not a column"),
            "{text:?}"
        );
        assert!(
            text[2].starts_with("line 5: table arms_by_type, row bazooka, column found: not a row")
        );
        assert!(
            text[3].starts_with("line 6: table tabel_1, row pistol, column found: not a table")
        );
        assert!(text[4].starts_with(
            "line 7: table arms_by_type, row rifle, column found: '-1' is not a count"
        ));
        assert!(
            text[5].starts_with("line 8: table arms_by_type, row rifle: 2 fields"),
            "{text:?}"
        );
        assert_eq!(text.len(), 6);
        let bad_header = from_csv(b"a,b\n1,2\n").unwrap_err();
        assert!(bad_header[0].message.contains("table,row,column,value"));
    }

    #[test]
    fn imported_sums_are_checked() {
        let text = "table,row,column,value\n\
                    arms_by_type,pistol,seized_criminal,2\n\
                    arms_by_type,pistol,seized_administrative,1\n\
                    arms_by_type,pistol,seized,4\n";
        let problems = from_csv(text.as_bytes()).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].to_string(),
            "check: table arms_by_type, row pistol, column seized: 4 is not seized_criminal + seized_administrative = 2 + 1 = 3"
        );
        // Cells not given are "not recorded", and a partial table that adds up is accepted.
        let ok = "table,row,column,value\n\
                  arms_by_type,pistol,seized_criminal,2\n\
                  arms_by_type,pistol,seized_administrative,1\n\
                  arms_by_type,pistol,seized,3\n\
                  international_traces,sent,count,not recorded\n";
        let q = from_csv(ok.as_bytes()).unwrap();
        assert_eq!(
            q.table("arms_by_type").unwrap().get("pistol", "seized"),
            Some(3)
        );
        assert_eq!(
            q.table("arms_by_type").unwrap().get("rifle", "seized"),
            None
        );
    }

    #[test]
    fn json_problems_name_table_row_and_column() {
        let text = r#"{"tables": [
            {"id": "arms_by_type", "columns": ["found", "total"],
             "rows": [{"key": "pistol", "values": [2, -1]},
                      {"key": "rifle", "values": [1]},
                      {"key": "rifle", "values": ["x", 1.5]}]},
            {"id": "persons_by_sex", "columns": ["female", "total"],
             "rows": [{"key": "licensees", "values": [3, 2]}]},
            {"id": "nope", "columns": [], "rows": []}
        ]}"#;
        let problems = from_json(text.as_bytes()).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 5, "{text:?}");
        assert!(text[0].starts_with("tables[0].rows[0].values[1]: table arms_by_type, row pistol, column total: -1 is not a count"));
        assert_eq!(
            text[1],
            "tables[0].rows[1]: table arms_by_type, row rifle: 1 values for 2 columns"
        );
        assert!(text[2].contains("row rifle, column found: 'x' is not a count"));
        assert!(text[3].contains("row rifle, column total: 1.5 is not a count"));
        assert!(text[4].starts_with("tables[2]: table nope: not a table"));
        // Consistent in shape but not in sums: the check names the cell.
        let sums = r#"{"tables": [{"id": "persons_by_sex", "columns": ["female", "male", "other", "not_recorded", "total"],
             "rows": [{"key": "licensees", "values": [3, 2, 0, 0, 4]}]}]}"#;
        let problems = from_json(sums.as_bytes()).unwrap_err();
        assert_eq!(
            problems[0].to_string(),
            "check: table persons_by_sex, row licensees, column total: 4 is not female + male + other + not_recorded = 3 + 2 + 0 + 0 = 5"
        );
        assert!(
            from_json(b"[1,2").unwrap_err()[0]
                .message
                .starts_with("not JSON")
        );
        assert!(
            from_json(b"{}").unwrap_err()[0]
                .message
                .contains("list of tables")
        );
    }

    #[test]
    fn xlsx_reads_back_with_another_library() {
        use calamine::{Data, Reader, Xlsx};
        let q = sample();
        let bytes = to_xlsx(&q).unwrap();
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            wb.sheet_names(),
            q.tables.iter().map(|t| t.id.clone()).collect::<Vec<_>>()
        );
        let mut compared = 0;
        for t in &q.tables {
            let range = wb.worksheet_range(&t.id).unwrap();
            let cell = |r: u32, c: u32| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);
            assert_eq!(cell(0, 0), Data::String(t.title.clone()));
            for (i, c) in t.columns.iter().enumerate() {
                assert_eq!(cell(4, 2 + i as u32), Data::String(c.key.clone()));
            }
            for (j, r) in t.rows.iter().enumerate() {
                assert_eq!(cell(5 + j as u32, 1), Data::String(r.key.clone()));
                for (i, v) in r.values.iter().enumerate() {
                    let want = match v {
                        Some(v) => Data::Float(*v as f64),
                        None => Data::String(NOT_RECORDED.into()),
                    };
                    assert_eq!(
                        cell(5 + j as u32, 2 + i as u32),
                        want,
                        "{} {} {i}",
                        t.id,
                        r.key
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 100);
        // And one figure by name, for the reader of this test.
        let arms = wb.worksheet_range(q::ARMS_BY_TYPE).unwrap();
        assert_eq!(arms.get_value((5 + 8, 2 + 5)), Some(&Data::Float(3.0)));
    }

    proptest::proptest! {
        /// Outside input never panics: any bytes are read or refused with named problems.
        #[test]
        fn any_bytes_are_read_or_refused(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = from_csv(&bytes);
            let _ = from_json(&bytes);
        }

        /// Any single changed cell of a consistent table is caught, naming that table.
        #[test]
        fn a_changed_cell_is_caught(t in 0usize..5, r in 0usize..9, c in 0usize..6, delta in 1u64..5) {
            let mut q = sample();
            let table = &mut q.tables[t];
            let r = r % table.rows.len();
            let c = c % table.columns.len();
            let Some(v) = table.rows[r].values[c] else { return Ok(()) };
            table.rows[r].values[c] = Some(v + delta);
            let id = table.id.clone();
            let problems = q::check(&q);
            let caught = problems.iter().any(|p| p.table == id);
            // A table with no sums (international traces) has nothing to break but the
            // answered-received rule.
            if id != q::INTERNATIONAL_TRACES {
                proptest::prop_assert!(caught, "{id} row {r} column {c}: {problems:?}");
            }
        }
    }
}
