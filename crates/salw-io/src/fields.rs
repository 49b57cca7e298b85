//! The columns of each record kind and how a CSV cell is typed.

use crate::read::RecordKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Text,
    Integer,
    Boolean,
    /// A JSON value in the cell (marks, components).
    Json,
    /// A list written with `|` between items (roles).
    List,
}

pub const WEAPON: &[(&str, Cell)] = &[
    ("id", Cell::Text),
    ("reference", Cell::Text),
    ("category", Cell::Text),
    ("unodc_type", Cell::Text),
    ("manufacturer", Cell::Text),
    ("country", Cell::Text),
    ("model", Cell::Text),
    ("serial", Cell::Text),
    ("calibre", Cell::Text),
    ("calibre_canonical", Cell::Text),
    ("year", Cell::Integer),
    ("marking_form", Cell::Text),
    ("symbol_code", Cell::Text),
    ("antique", Cell::Boolean),
    ("inadequately_marked", Cell::Boolean),
    ("follow_up", Cell::Text),
    ("marks", Cell::Json),
    ("components", Cell::Json),
    ("notes", Cell::Text),
];

pub const PERSON: &[(&str, Cell)] = &[
    ("id", Cell::Text),
    ("reference", Cell::Text),
    ("kind", Cell::Text),
    ("name", Cell::Text),
    ("sex", Cell::Text),
    ("roles", Cell::List),
    ("country", Cell::Text),
    ("identifier", Cell::Text),
    ("notes", Cell::Text),
];

/// `weapon`, `from_holder` and `to_holder` take an id or an outside reference.
pub const EVENT: &[(&str, Cell)] = &[
    ("id", Cell::Text),
    ("weapon", Cell::Text),
    ("kind", Cell::Text),
    ("occurred_on", Cell::Text),
    ("place", Cell::Text),
    ("agency", Cell::Text),
    ("officer", Cell::Text),
    ("legal_basis", Cell::Text),
    ("document", Cell::Text),
    ("source", Cell::Text),
    ("from_holder", Cell::Text),
    ("to_holder", Cell::Text),
    ("country", Cell::Text),
    ("seizure_basis", Cell::Text),
    ("criminal_context", Cell::Text),
    ("acquisition", Cell::Text),
    ("reactivated", Cell::Boolean),
    ("campaign", Cell::Text),
    ("amnesty", Cell::Boolean),
    ("ddr", Cell::Boolean),
    ("temporary", Cell::Boolean),
    ("assigned_serial", Cell::Text),
    ("marking_occasion", Cell::Text),
    ("mark_text", Cell::Text),
    ("method", Cell::Text),
    ("witnesses", Cell::Text),
    ("certificate", Cell::Text),
    ("standard", Cell::Text),
    ("parts_treated", Cell::Text),
    ("verifier", Cell::Text),
    ("trace_ref", Cell::Text),
    ("trace_outcome", Cell::Text),
    ("due_on", Cell::Text),
    ("reason", Cell::Text),
    ("supersedes", Cell::Text),
    ("notes", Cell::Text),
];

pub fn columns(kind: RecordKind) -> &'static [(&'static str, Cell)] {
    match kind {
        RecordKind::Weapon => WEAPON,
        RecordKind::Person => PERSON,
        RecordKind::Event => EVENT,
    }
}

/// Types one CSV cell; an empty cell is absent.
pub fn parse_cell(cell: Cell, text: &str) -> Result<Option<serde_json::Value>, String> {
    use serde_json::Value;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    Ok(Some(match cell {
        Cell::Text => Value::String(text.to_owned()),
        Cell::Integer => Value::from(
            text.parse::<i64>()
                .map_err(|_| format!("'{text}' is not a whole number"))?,
        ),
        Cell::Boolean => Value::Bool(match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => true,
            "false" | "no" | "n" | "0" => false,
            _ => return Err(format!("'{text}' is not true or false")),
        }),
        Cell::Json => serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?,
        Cell::List => Value::Array(
            text.split('|')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ),
    }))
}

/// Writes one field of a record as a CSV cell.
pub fn write_cell(cell: Cell, value: Option<&serde_json::Value>) -> String {
    use serde_json::Value;
    match (cell, value) {
        (_, None | Some(Value::Null)) => String::new(),
        (_, Some(Value::String(s))) => s.clone(),
        (Cell::List, Some(Value::Array(items))) => items
            .iter()
            .filter_map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join("|"),
        (Cell::Json, Some(Value::Array(items))) if items.is_empty() => String::new(),
        (_, Some(other)) => other.to_string(),
    }
}
