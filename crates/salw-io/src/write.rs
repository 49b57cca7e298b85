//! Writing records out, in the same formats that are read: an export imported into a new
//! registry gives back the same records (ids included).

use std::io::{self, Write};
use std::path::Path;

use salw_core::{LifecycleEvent, Person, Weapon};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::fields::{self, Cell};
use crate::read::RecordKind;

fn object<T: Serialize>(record: &T) -> io::Result<Map<String, Value>> {
    match serde_json::to_value(record).map_err(io::Error::other)? {
        Value::Object(map) => Ok(map),
        _ => Err(io::Error::other("a record did not serialise to an object")),
    }
}

/// Events name their weapon under `weapon`, as in the files people write.
fn event_object(event: &LifecycleEvent) -> io::Result<Map<String, Value>> {
    let mut map = object(event)?;
    if let Some(id) = map.remove("weapon_id") {
        map.insert("weapon".into(), id);
    }
    Ok(map)
}

/// One JSON object a line, each with `"record"`.
pub struct JsonlExport<W: Write> {
    out: W,
}

impl<W: Write> JsonlExport<W> {
    pub fn new(out: W) -> Self {
        JsonlExport { out }
    }

    fn line(&mut self, kind: RecordKind, mut map: Map<String, Value>) -> io::Result<()> {
        map.insert("record".into(), Value::String(kind.as_str().into()));
        serde_json::to_writer(&mut self.out, &map).map_err(io::Error::other)?;
        self.out.write_all(b"\n")
    }

    pub fn person(&mut self, p: &Person) -> io::Result<()> {
        let map = object(p)?;
        self.line(RecordKind::Person, map)
    }

    pub fn weapon(&mut self, w: &Weapon) -> io::Result<()> {
        let map = object(w)?;
        self.line(RecordKind::Weapon, map)
    }

    pub fn event(&mut self, e: &LifecycleEvent) -> io::Result<()> {
        let map = event_object(e)?;
        self.line(RecordKind::Event, map)
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Three CSV files in a folder: persons.csv, weapons.csv, events.csv (imported in that order).
pub struct CsvExport {
    persons: csv::Writer<std::fs::File>,
    weapons: csv::Writer<std::fs::File>,
    events: csv::Writer<std::fs::File>,
}

fn writer(
    dir: &Path,
    name: &str,
    columns: &[(&str, Cell)],
) -> io::Result<csv::Writer<std::fs::File>> {
    let mut w = csv::Writer::from_path(dir.join(name)).map_err(io::Error::other)?;
    w.write_record(columns.iter().map(|(c, _)| *c))
        .map_err(io::Error::other)?;
    Ok(w)
}

fn row(
    w: &mut csv::Writer<std::fs::File>,
    columns: &[(&str, Cell)],
    map: &Map<String, Value>,
) -> io::Result<()> {
    w.write_record(
        columns
            .iter()
            .map(|(c, cell)| fields::write_cell(*cell, map.get(*c))),
    )
    .map_err(io::Error::other)
}

impl CsvExport {
    pub const FILES: [&'static str; 3] = ["persons.csv", "weapons.csv", "events.csv"];

    pub fn create(dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(CsvExport {
            persons: writer(dir, "persons.csv", fields::PERSON)?,
            weapons: writer(dir, "weapons.csv", fields::WEAPON)?,
            events: writer(dir, "events.csv", fields::EVENT)?,
        })
    }

    pub fn person(&mut self, p: &Person) -> io::Result<()> {
        row(&mut self.persons, fields::PERSON, &object(p)?)
    }

    pub fn weapon(&mut self, w: &Weapon) -> io::Result<()> {
        row(&mut self.weapons, fields::WEAPON, &object(w)?)
    }

    pub fn event(&mut self, e: &LifecycleEvent) -> io::Result<()> {
        row(&mut self.events, fields::EVENT, &event_object(e)?)
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.persons.flush()?;
        self.weapons.flush()?;
        self.events.flush()
    }
}
