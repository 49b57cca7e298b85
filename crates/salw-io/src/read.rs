//! Reading CSV and JSON Lines into staged records.

use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use salw_core::{LifecycleEvent, Person, Weapon};
use salw_store::{EventDraft, Record, RecordRef, RowError, Staged};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::fields;
use salw_store::ids;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    /// From a file name: `.csv` is CSV, `.jsonl`/`.ndjson`/`.json` is JSON Lines.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Weapon,
    Person,
    Event,
}

impl RecordKind {
    pub fn parse(text: &str) -> Option<RecordKind> {
        match text.trim().to_ascii_lowercase().as_str() {
            "weapon" | "weapons" => Some(RecordKind::Weapon),
            "person" | "persons" | "organisation" => Some(RecordKind::Person),
            "event" | "events" => Some(RecordKind::Event),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Weapon => "weapon",
            RecordKind::Person => "person",
            RecordKind::Event => "event",
        }
    }

    pub fn with_article(self) -> &'static str {
        match self {
            RecordKind::Weapon => "a weapon",
            RecordKind::Person => "a person",
            RecordKind::Event => "an event",
        }
    }
}

/// Guesses a file's kind from its name: `weapons.csv`, `events-2024.jsonl`, `person_list.csv`
/// (the word, singular or plural, then nothing or a non-letter; `personnel.csv` tells nothing).
pub fn read_file_kind(path: &std::path::Path) -> Option<RecordKind> {
    let stem = path.file_stem()?.to_str()?.to_ascii_lowercase();
    ["weapon", "person", "event"].iter().find_map(|word| {
        let rest = stem.strip_prefix(word)?;
        let rest = rest.strip_prefix('s').unwrap_or(rest);
        rest.chars()
            .next()
            .is_none_or(|c| !c.is_alphabetic())
            .then(|| RecordKind::parse(word))
            .flatten()
    })
}

enum Source<R: Read> {
    Csv {
        reader: csv::Reader<R>,
        header: Vec<String>,
        header_checked: bool,
        /// Added to the csv crate's line numbers: 1 in a file whose lines end in CR LF (as
        /// Excel writes them), where the crate counts each record's line before it has read
        /// the LF of the line before (BurntSushi/rust-csv#395), so every row was named one
        /// line too early.
        line_offset: u64,
    },
    Jsonl {
        reader: BufReader<R>,
        line: u64,
        buffer: String,
    },
}

/// The rows of one file, as staged records or errors, in order.
pub struct Rows<R: Read> {
    source: Source<R>,
    file: String,
    kind: Option<RecordKind>,
    bytes: Arc<AtomicU64>,
    pending: std::collections::VecDeque<RowError>,
    done: bool,
    /// The CSV record read into (`next_csv`).
    record: csv::StringRecord,
}

impl<R: Read> Rows<R> {
    /// `kind` fixes the record kind of every row; without it each row says (column or key
    /// `record`), or the CSV header tells.
    pub fn new(input: R, format: Format, file: &str, kind: Option<RecordKind>) -> Self {
        let source = match format {
            Format::Csv => Source::Csv {
                reader: csv::ReaderBuilder::new()
                    .flexible(false)
                    .trim(csv::Trim::None)
                    .from_reader(input),
                header: Vec::new(),
                header_checked: false,
                line_offset: 0,
            },
            Format::Jsonl => Source::Jsonl {
                reader: BufReader::new(input),
                line: 0,
                buffer: String::new(),
            },
        };
        Rows {
            source,
            file: file.to_owned(),
            kind,
            bytes: Arc::new(AtomicU64::new(0)),
            pending: Default::default(),
            done: false,
            record: csv::StringRecord::new(),
        }
    }

    /// Bytes read so far, for a progress bar.
    pub fn bytes_read(&self) -> Arc<AtomicU64> {
        self.bytes.clone()
    }

    fn error(&self, line: u64, field: &str, reason: impl Into<String>) -> RowError {
        RowError {
            file: self.file.clone(),
            line,
            field: field.to_owned(),
            reason: reason.into(),
        }
    }

    fn check_header(&mut self) {
        let Source::Csv {
            reader,
            header,
            header_checked,
            line_offset,
        } = &mut self.source
        else {
            return;
        };
        *header_checked = true;
        let read = reader.headers().cloned();
        // Past a header line ended by LF the reader stands on line 2; by CR LF, still on
        // line 1, the LF unread.
        *line_offset = u64::from(reader.position().line() == 1);
        match read {
            Ok(h) => {
                *header = h
                    .iter()
                    .map(|c| c.trim().trim_start_matches('\u{feff}').to_owned())
                    .collect()
            }
            Err(e) => {
                let reason = format!("the header cannot be read: {e}");
                self.pending.push_back(RowError {
                    file: self.file.clone(),
                    line: 1,
                    field: "header".into(),
                    reason,
                });
                self.done = true;
                return;
            }
        }
        let header = header.clone();
        if header.iter().any(|c| c == "record") {
            // Each row says what it is: that wins over --kind and the file's name.
            self.kind = None;
        } else if self.kind.is_none() {
            let has = |c: &str| header.iter().any(|h| h == c);
            self.kind = if has("category") {
                Some(RecordKind::Weapon)
            } else if has("weapon") && has("kind") {
                Some(RecordKind::Event)
            } else if has("name") {
                Some(RecordKind::Person)
            } else {
                None
            };
            if self.kind.is_none() {
                self.pending.push_back(self.error(1, "header", "cannot tell what the rows are: give a 'record' column (weapon, person or event), or the columns of one kind (weapons have 'category', events 'weapon' and 'kind', persons 'name')"));
                self.done = true;
                return;
            }
        }
        let mut seen = std::collections::HashSet::new();
        for column in &header {
            if !seen.insert(column.as_str()) {
                self.pending
                    .push_back(self.error(1, column, "this column appears twice"));
            }
            let known = column == "record"
                || match self.kind {
                    Some(kind) => fields::columns(kind).iter().any(|(c, _)| c == column),
                    None => [fields::WEAPON, fields::PERSON, fields::EVENT]
                        .iter()
                        .any(|cols| cols.iter().any(|(c, _)| c == column)),
                };
            if !known {
                let known_list = self
                    .kind
                    .map(|k| {
                        fields::columns(k)
                            .iter()
                            .map(|(c, _)| *c)
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_else(|| "see docs/formats.md".into());
                self.pending.push_back(self.error(
                    1,
                    column,
                    format!("not a column of this file's records; known: {known_list}"),
                ));
            }
        }
    }

    fn next_csv(&mut self) -> Option<Result<Staged, RowError>> {
        // One record's buffers, filled again for each row.
        let mut record = std::mem::take(&mut self.record);
        let row = self.next_csv_into(&mut record);
        self.record = record;
        row
    }

    fn next_csv_into(
        &mut self,
        record: &mut csv::StringRecord,
    ) -> Option<Result<Staged, RowError>> {
        let Source::Csv {
            reader,
            header,
            line_offset,
            ..
        } = &mut self.source
        else {
            return None;
        };
        let result = reader.read_record(record);
        self.bytes
            .store(reader.position().byte(), Ordering::Relaxed);
        let line = record.position().map(|p| p.line()).unwrap_or(0) + *line_offset;
        match result {
            Ok(false) => None,
            Err(e) => {
                let line = e
                    .position()
                    .map(|p| p.line() + *line_offset)
                    .unwrap_or(line);
                // A malformed CSV cannot be resynchronised reliably: report and stop.
                self.done = true;
                let reason = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!("has {len} cells where the header has {expected_len}")
                    }
                    csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8 text".to_owned(),
                    _ => format!("cannot be read as CSV ({e})"),
                };
                Some(Err(self.error(line, "row", reason)))
            }
            Ok(true) => {
                let kind = match self.kind {
                    Some(kind) => kind,
                    None => {
                        let cell = header
                            .iter()
                            .position(|c| c == "record")
                            .and_then(|i| record.get(i))
                            .unwrap_or("");
                        match RecordKind::parse(cell) {
                            Some(kind) => kind,
                            None => {
                                return Some(Err(self.error(
                                    line,
                                    "record",
                                    format!("'{cell}' is not weapon, person or event"),
                                )));
                            }
                        }
                    }
                };
                // A NUL character is no part of any marking or name, and a database (PostgreSQL)
                // cannot keep it: refused here, naming the column.
                if let Some(name) = header
                    .iter()
                    .zip(record.iter())
                    .find(|(_, text)| text.contains('\0'))
                    .map(|(name, _)| name.clone())
                {
                    return Some(Err(self.error(line, &name, NUL_REFUSED)));
                }
                if kind == RecordKind::Weapon {
                    // The bulk path: weapons straight from the cells, without a JSON object between.
                    let file = self.file.clone();
                    return Some(match weapon_from_cells(header, record) {
                        Ok((weapon, given_id)) => Ok(weapon_with_id(weapon, given_id, file, line)),
                        Err((field, reason)) => Err(RowError {
                            file,
                            line,
                            field,
                            reason,
                        }),
                    });
                }
                let columns = fields::columns(kind);
                let mut object = Map::new();
                let mut problem = None;
                for (name, text) in header.iter().zip(record.iter()) {
                    if name == "record" {
                        continue;
                    }
                    let Some((_, cell)) = columns.iter().find(|(c, _)| c == name) else {
                        if !text.trim().is_empty() {
                            problem.get_or_insert((
                                name.clone(),
                                format!("not a field of {}", kind.with_article()),
                            ));
                        }
                        continue;
                    };
                    match fields::parse_cell(*cell, text) {
                        Ok(Some(value)) => {
                            object.insert(name.clone(), value);
                        }
                        Ok(None) => {}
                        Err(reason) => {
                            problem.get_or_insert((name.clone(), reason));
                        }
                    }
                }
                let file = self.file.clone();
                Some(match problem {
                    Some((field, reason)) => Err(RowError {
                        file,
                        line,
                        field,
                        reason,
                    }),
                    None => to_record(kind, object, &file, line),
                })
            }
        }
    }

    fn next_jsonl(&mut self) -> Option<Result<Staged, RowError>> {
        loop {
            let Source::Jsonl {
                reader,
                line,
                buffer,
            } = &mut self.source
            else {
                return None;
            };
            buffer.clear();
            let read = reader.read_line(buffer);
            *line += 1;
            let n = *line;
            match read {
                Ok(0) => return None,
                Ok(len) => {
                    self.bytes.fetch_add(len as u64, Ordering::Relaxed);
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(self.error(n, "line", format!("cannot be read: {e}"))));
                }
            }
            let text = buffer.trim();
            if text.is_empty() {
                continue;
            }
            // JSON writes a NUL only as the escape \u0000 (see the CSV side).
            if text.to_ascii_lowercase().contains("\\u0000") {
                return Some(Err(self.error(n, "line", NUL_REFUSED)));
            }
            let object = match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => map,
                Ok(_) => return Some(Err(self.error(n, "line", "not a JSON object"))),
                Err(e) => {
                    return Some(Err(self.error(
                        n,
                        "line",
                        format!(
                            "not valid JSON: {} (column {})",
                            without_position(&e.to_string()),
                            e.column()
                        ),
                    )));
                }
            };
            let mut object = object;
            let declared = object.remove("record");
            let kind = match (
                self.kind,
                declared
                    .as_ref()
                    .and_then(Value::as_str)
                    .and_then(RecordKind::parse),
            ) {
                (_, Some(kind)) => kind,
                (Some(kind), None) if declared.is_none() => kind,
                _ => {
                    return Some(Err(self.error(
                        n,
                        "record",
                        "each line needs \"record\": \"weapon\", \"person\" or \"event\"",
                    )));
                }
            };
            return Some(to_record(kind, object, &self.file.clone(), n));
        }
    }
}

impl<R: Read> Iterator for Rows<R> {
    type Item = Result<Staged, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Source::Csv {
            header_checked: false,
            ..
        } = self.source
        {
            self.check_header();
        }
        if let Some(e) = self.pending.pop_front() {
            return Some(Err(e));
        }
        if self.done {
            return None;
        }
        match self.source {
            Source::Csv { .. } => self.next_csv(),
            Source::Jsonl { .. } => self.next_jsonl(),
        }
    }
}

fn deserialize<T: serde::de::DeserializeOwned>(
    object: Map<String, Value>,
    file: &str,
    line: u64,
) -> Result<T, RowError> {
    serde_path_to_error::deserialize(Value::Object(object)).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        // "missing field `x`" and "unknown field `x`" name their field in the message.
        let field = if path == "." || path.is_empty() {
            message.split('`').nth(1).unwrap_or("record").to_owned()
        } else {
            path
        };
        // The field is named apart: "missing field `x`" says no more than "required".
        let missing = message.starts_with("missing field");
        let mut reason = if missing {
            "required".to_owned()
        } else {
            without_position(&message).to_owned()
        };
        if matches!(field.as_str(), "occurred_on") {
            reason.push_str(if missing {
                " (a date as YYYY-MM-DD)"
            } else {
                " (expected a date as YYYY-MM-DD)"
            });
        }
        RowError {
            file: file.to_owned(),
            line,
            field,
            reason,
        }
    })
}

/// serde_json's messages end with "at line L column C" of the value it was given, which is not
/// the user's line: the caller says where.
fn without_position(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

/// A weapon from a CSV row, field by field, with the same messages as the JSON path. Returns
/// whether the row gave its own id.
fn weapon_from_cells(
    header: &[String],
    record: &csv::StringRecord,
) -> Result<(Weapon, bool), (String, String)> {
    fn word<T: std::str::FromStr<Err = String>>(text: &str) -> Result<Option<T>, String> {
        text.parse().map(Some)
    }
    fn flag(text: &str) -> Result<bool, String> {
        match fields::parse_cell(fields::Cell::Boolean, text)? {
            Some(Value::Bool(b)) => Ok(b),
            _ => Err(format!("'{text}' is not true or false")),
        }
    }
    fn json_list<T: serde::de::DeserializeOwned>(
        column: &str,
        text: &str,
    ) -> Result<Vec<T>, (String, String)> {
        // Tracking the path costs three times the parse itself (a fifth of reading a row):
        // it is tracked only to name the place of an error.
        if let Ok(list) = serde_json::from_str(text) {
            return Ok(list);
        }
        let mut de = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." || path.is_empty() {
                column.to_owned()
            } else {
                format!(
                    "{column}{}",
                    if path.starts_with('[') {
                        path
                    } else {
                        format!(".{path}")
                    }
                )
            };
            (field, without_position(&e.inner().to_string()).to_owned())
        })
    }
    let mut weapon = Weapon::new(Uuid::nil(), String::new());
    let mut given_id = false;
    for (name, text) in header.iter().zip(record.iter()) {
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let fail = |reason: String| (name.clone(), reason);
        let owned = || Some(text.to_owned());
        match name.as_str() {
            "id" => {
                weapon.id = Uuid::parse_str(text)
                    .map_err(|e| fail(format!("'{text}' is not a UUID: {e}")))?;
                given_id = true;
            }
            "reference" => weapon.reference = owned(),
            "category" => weapon.category = text.to_owned(),
            "unodc_type" => weapon.unodc_type = word(text).map_err(fail)?,
            "manufacturer" => weapon.manufacturer = owned(),
            "country" => weapon.country = owned(),
            "model" => weapon.model = owned(),
            "serial" => weapon.serial = owned(),
            "calibre" => weapon.calibre = owned(),
            "calibre_canonical" => weapon.calibre_canonical = owned(),
            "year" => {
                weapon.year = Some(
                    text.parse()
                        .map_err(|_| fail(format!("'{text}' is not a whole number")))?,
                )
            }
            "marking_form" => weapon.marking_form = word(text).map_err(fail)?,
            "symbol_code" => weapon.symbol_code = owned(),
            "antique" => weapon.antique = flag(text).map_err(fail)?,
            "inadequately_marked" => weapon.inadequately_marked = flag(text).map_err(fail)?,
            "follow_up" => weapon.follow_up = word(text).map_err(fail)?,
            "marks" => weapon.marks = json_list("marks", text)?,
            "components" => weapon.components = json_list("components", text)?,
            "notes" => weapon.notes = owned(),
            "record" => {}
            other => return Err((other.to_owned(), "not a field of a weapon".to_owned())),
        }
    }
    Ok((weapon, given_id))
}

/// Gives a weapon read without an id the one derived from what identifies it.
fn weapon_with_id(mut weapon: Weapon, given_id: bool, file: String, line: u64) -> Staged {
    if !given_id {
        weapon.id = match (&weapon.reference, weapon.identity_key()) {
            (Some(reference), _) => ids::derived("weapon-reference", &[reference.trim()]),
            (None, Some(key)) => ids::derived("weapon-key", &[&key]),
            // Nothing identifies the row but its content and place in the file.
            (None, None) => ids::derived(
                "weapon-row",
                &[
                    &line.to_string(),
                    &serde_json::to_string(&weapon).unwrap_or_default(),
                ],
            ),
        };
    }
    Staged {
        file,
        line,
        record: Record::Weapon(weapon),
    }
}

fn take_ref(
    object: &mut Map<String, Value>,
    key: &str,
    file: &str,
    line: u64,
) -> Result<Option<RecordRef>, RowError> {
    match object.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(RecordRef::parse(&text)),
        Some(_) => Err(RowError {
            file: file.into(),
            line,
            field: key.into(),
            reason: "expected an id or a reference (text)".into(),
        }),
    }
}

const NUL_REFUSED: &str = "holds a NUL character (\\0), which no field may hold";

/// The first string in `value` (nested) holding a NUL character, by its key.
fn nul_field(object: &Map<String, Value>) -> Option<String> {
    fn holds_nul(value: &Value) -> bool {
        match value {
            Value::String(s) => s.contains('\0'),
            Value::Array(items) => items.iter().any(holds_nul),
            Value::Object(map) => map.values().any(holds_nul),
            _ => false,
        }
    }
    object
        .iter()
        .find(|(key, value)| key.contains('\0') || holds_nul(value))
        .map(|(key, _)| key.replace('\0', "\\0"))
}

fn has_id(object: &Map<String, Value>) -> bool {
    object.get("id").is_some_and(|v| !v.is_null())
}

/// One record from a JSON object (the fields of docs/formats.md), as a row of a file would give.
/// Without an `id`, one is derived from what identifies the record.
pub fn to_record(
    kind: RecordKind,
    mut object: Map<String, Value>,
    file: &str,
    line: u64,
) -> Result<Staged, RowError> {
    let staged = |record| Staged {
        file: file.to_owned(),
        line,
        record,
    };
    if let Some(field) = nul_field(&object) {
        return Err(RowError {
            file: file.to_owned(),
            line,
            field,
            reason: NUL_REFUSED.into(),
        });
    }
    let given_id = has_id(&object);
    if !given_id {
        object.insert("id".into(), Value::String(Uuid::nil().to_string()));
    }
    match kind {
        RecordKind::Weapon => {
            let weapon: Weapon = deserialize(object, file, line)?;
            Ok(weapon_with_id(weapon, given_id, file.to_owned(), line))
        }
        RecordKind::Person => {
            let content = Value::Object(object.clone()).to_string();
            let mut person: Person = deserialize(object, file, line)?;
            if !given_id {
                person.id = match (&person.reference, &person.identifier) {
                    (Some(reference), _) => ids::derived("person-reference", &[reference.trim()]),
                    (None, Some(identifier)) => ids::derived(
                        "person-identifier",
                        &[person.kind.as_str(), identifier.trim()],
                    ),
                    (None, None) => ids::derived("person-row", &[&content, &line.to_string()]),
                };
            }
            Ok(staged(Record::Person(person)))
        }
        RecordKind::Event => {
            let weapon = take_ref(&mut object, "weapon", file, line)?;
            let weapon = match weapon {
                Some(w) => Some(w),
                None => take_ref(&mut object, "weapon_id", file, line)?,
            };
            let Some(weapon) = weapon else {
                return Err(RowError {
                    file: file.into(),
                    line,
                    field: "weapon".into(),
                    reason: "required: the weapon's id or reference".into(),
                });
            };
            let from_holder = take_ref(&mut object, "from_holder", file, line)?;
            let to_holder = take_ref(&mut object, "to_holder", file, line)?;
            object.insert("weapon_id".into(), Value::String(Uuid::nil().to_string()));
            let event: LifecycleEvent = deserialize(object, file, line)?;
            // Without an id, the registry derives one once the weapon and holders are resolved.
            let derive_id = !given_id;
            Ok(staged(Record::Event(Box::new(EventDraft {
                event,
                weapon,
                from_holder,
                to_holder,
                derive_id,
            }))))
        }
    }
}

#[cfg(test)]
mod nul_tests {
    use super::*;

    fn first(text: &str, format: Format) -> RowError {
        Rows::new(text.as_bytes(), format, "f", Some(RecordKind::Weapon))
            .find_map(Result::err)
            .expect("refused")
    }

    #[test]
    fn a_nul_character_is_refused_naming_the_column_or_line() {
        let e = first(
            "category,manufacturer,country,serial\nrifle,FN,BE,A\0B\n",
            Format::Csv,
        );
        assert_eq!((e.line, e.field.as_str()), (2, "serial"), "{e:?}");
        assert!(e.reason.contains("NUL"), "{e:?}");
        let e = first(
            "{\"category\":\"rifle\",\"manufacturer\":\"FN\",\"country\":\"BE\",\"serial\":\"A\\u0000B\"}\n",
            Format::Jsonl,
        );
        assert_eq!((e.line, e.field.as_str()), (1, "line"), "{e:?}");
        let mut object = Map::new();
        object.insert("model".into(), Value::String("M\0".into()));
        let e = to_record(RecordKind::Weapon, object, "", 0).expect_err("refused");
        assert_eq!(e.field, "model");
    }
}

#[cfg(test)]
mod line_tests {
    use super::*;

    /// The line each row is named by, as a text editor numbers them.
    fn lines(text: &str) -> Vec<(u64, bool)> {
        Rows::new(text.as_bytes(), Format::Csv, "f", Some(RecordKind::Weapon))
            .map(|row| match row {
                Ok(staged) => (staged.line, true),
                Err(e) => (e.line, false),
            })
            .collect()
    }

    #[test]
    fn rows_are_named_by_their_line_whether_lines_end_in_lf_or_cr_lf() {
        // The third row holds a note over two lines; the last has a cell too many, which
        // ends the file's reading.
        let lf = "category,manufacturer,country,serial,notes\n\
                  rifle,FN,BE,A1,\n\
                  rifle,FN,BE,A2,\n\
                  rifle,FN,BE,A3,\"two\nlines\"\n\
                  rifle,FN,BE,A4,\n\
                  rifle,FN,BE,A5,,extra\n";
        let expected = vec![(2, true), (3, true), (4, true), (6, true), (7, false)];
        assert_eq!(lines(lf), expected);
        assert_eq!(lines(&lf.replace('\n', "\r\n")), expected);
    }

    #[test]
    fn a_missing_field_is_named_with_what_it_needs_not_in_serde_s_words() {
        let text = "{\"weapon\": \"R-1\", \"kind\": \"seized\"}\n";
        let errors: Vec<RowError> =
            Rows::new(text.as_bytes(), Format::Jsonl, "f", Some(RecordKind::Event))
                .filter_map(Result::err)
                .collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, "occurred_on");
        assert_eq!(errors[0].reason, "required (a date as YYYY-MM-DD)");
    }
}
