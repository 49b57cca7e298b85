//! The persisted index (DESIGN.md "Marking search", step 3): two finite-state transducers
//! keyed by canonical serial, forwards and reversed (for a lost prefix), each key mapped to the
//! weapon's row ordinal, or, when several weapons share the key, to a list in `postings`.
//! Beside them, each ordinal's manufacturer as a two-byte code into a dictionary (`makes.bin`,
//! `makes.json`), so that a search with a make filter leaves out the other makes' weapons
//! without reading them from the registry.
//! Written to a new directory and swapped in by rename, so that a reader never sees half an
//! index; opened by memory-mapping, so that a registry of millions opens at once.
//!
//! Invariant: everything here is derived from the registry and can be rebuilt from it.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use fst::{IntoStreamer, Map, MapBuilder, Streamer};
use memmap2::Mmap;
use serde::{Deserialize, Serialize};

use salw_store::SerialRow;

use crate::confusion::canonical;
use crate::matcher::Matcher;
use crate::normalise::{NORMALISER_VERSION, normalise};

/// Bump when the files' layout changes (2: the make codes; postings of four bytes).
pub const FORMAT_VERSION: u32 = 2;
/// What a build says of a registry whose ordinals do not fit the postings' four bytes.
const TOO_MANY: &str = "a weapon row ordinal above 4,294,967,295 (the index holds four bytes)";
/// A value with this bit set is an offset into `postings`, not an ordinal.
const SHARED: u64 = 1 << 63;
/// The most keys one automaton walk hands back (a query like `*1*` would match everything).
pub const MAX_KEYS: usize = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search index at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("search index at {path}: {reason}")]
    Broken { path: PathBuf, reason: String },
}

/// What an index was built from, and when: kept in `meta.json` beside the files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexMeta {
    pub format: u32,
    pub normaliser: u32,
    /// Identifies the registry (the node's public key): an index of another registry is stale.
    pub registry: String,
    /// The highest weapon row ordinal indexed: later rows are the delta.
    pub max_ordinal: i64,
    pub weapons: u64,
    pub keys: u64,
    pub bytes: u64,
    pub build_seconds: f64,
    /// Each file's name, length and BLAKE3 hash, checked on open: an FST reader trusts its
    /// bytes, so a file cut short by a crash must be caught before it is read.
    pub files: Vec<IndexFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexFile {
    pub name: String,
    pub len: u64,
    pub blake3: String,
}

const FILES: [&str; 5] = [
    "forward.fst",
    "reverse.fst",
    "postings.bin",
    "makes.bin",
    "makes.json",
];
/// The make code of a weapon with no manufacturer recorded.
pub const NO_MAKE: u16 = 0;
/// The make code of a manufacturer past the dictionary's room: the registry must be read.
pub const OTHER_MAKE: u16 = u16::MAX;
/// Ordinals are dense in practice (one per weapon); a registry whose ordinals are far sparser
/// than its weapons (many rolled-back imports on PostgreSQL) gets no make codes rather than a
/// mostly empty array: its filtered searches read the registry, as without the codes.
fn make_codes_fit(max_ordinal: i64, weapons: u64) -> bool {
    u64::try_from(max_ordinal).is_ok_and(|m| m <= 4 * weapons + (1 << 20))
}
/// The file in the index directory naming the build in use; replaced by rename, so that a
/// reader finds either the old build or the new one, whole.
const CURRENT: &str = "current";

/// A key the matcher accepted (forwards) and the ordinals under it.
pub type KeyHit = (Vec<u8>, Vec<i64>);

pub struct SearchIndex {
    forward: Map<Mmap>,
    reverse: Map<Mmap>,
    postings: Mmap,
    /// Little-endian u16 per ordinal, from 0: the make code.
    makes: Mmap,
    /// The manufacturer of each code (`NO_MAKE` is "").
    make_names: Vec<String>,
    pub meta: IndexMeta,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> IndexError + '_ {
    move |source| IndexError::Io {
        path: path.to_owned(),
        source,
    }
}

fn broken(path: &Path, reason: impl std::fmt::Display) -> IndexError {
    IndexError::Broken {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

/// A build another process may still be writing (it has not been named current yet): its
/// directory name holds the builder's process id.
fn in_progress(name: &str) -> bool {
    let pid = name
        .strip_prefix("build-")
        .and_then(|rest| rest.split('-').next())
        .and_then(|pid| pid.parse::<u32>().ok());
    match pid {
        Some(pid) if pid == std::process::id() => false,
        Some(pid) => Path::new(&format!("/proc/{pid}")).exists(),
        None => false,
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), IndexError> {
    let mut file = File::create(path).map_err(io(path))?;
    file.write_all(bytes).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

fn map_file(path: &Path) -> Result<Mmap, IndexError> {
    let file = File::open(path).map_err(io(path))?;
    // SAFETY: the index files are written once into a fresh directory and never modified in
    // place (a rebuild writes a new directory and renames it over the old one), so the mapped
    // bytes do not change under us.
    unsafe { Mmap::map(&file) }.map_err(io(path))
}

/// Keys with their ordinals, packed into one arena (tens of millions of small strings).
struct Keys {
    bytes: Vec<u8>,
    /// (offset, length, value)
    entries: Vec<(u32, u16, u64)>,
}

impl Keys {
    fn new() -> Keys {
        Keys {
            bytes: Vec::new(),
            entries: Vec::new(),
        }
    }
    fn push(&mut self, key: &[u8], value: u64) {
        let at = self.bytes.len() as u32;
        self.bytes.extend_from_slice(key);
        self.entries.push((at, key.len() as u16, value));
    }
    fn key(&self, (at, len, _): (u32, u16, u64)) -> &[u8] {
        &self.bytes[at as usize..at as usize + len as usize]
    }
    fn sort(&mut self) {
        let bytes = &self.bytes;
        let key = |&(at, len, _): &(u32, u16, u64)| &bytes[at as usize..at as usize + len as usize];
        self.entries
            .sort_unstable_by(|a, b| key(a).cmp(key(b)).then(a.2.cmp(&b.2)));
    }
}

impl SearchIndex {
    /// Builds the index of `rows` (what `Backend::scan_serials` gives) into `dir`, replacing
    /// what is there only once the new index is complete.
    pub fn build(
        dir: &Path,
        registry: &str,
        rows: impl IntoIterator<Item = SerialRow>,
    ) -> Result<IndexMeta, IndexError> {
        let mut builder = IndexBuilder::new();
        for row in rows {
            builder.add(row);
        }
        builder.finish(dir, registry)
    }
}

/// An index being built: rows are added one at a time as the registry is read (nothing of a
/// row is kept but its canonical key, its ordinal and its make code), then `finish` writes it.
pub struct IndexBuilder {
    started: std::time::Instant,
    keys: Keys,
    weapons: u64,
    max_ordinal: i64,
    make_names: Vec<String>,
    make_code: std::collections::HashMap<String, u16>,
    /// By ordinal; `None` once the ordinals proved too sparse for an array (`make_codes_fit`).
    codes: Option<Vec<u16>>,
    /// More than 4 GiB of keys: said by `finish`.
    overflow: bool,
}

impl Default for IndexBuilder {
    fn default() -> Self {
        IndexBuilder::new()
    }
}

impl IndexBuilder {
    pub fn new() -> IndexBuilder {
        IndexBuilder {
            started: std::time::Instant::now(),
            keys: Keys::new(),
            weapons: 0,
            max_ordinal: 0,
            make_names: vec![String::new()],
            make_code: Default::default(),
            codes: Some(Vec::new()),
            overflow: false,
        }
    }

    pub fn add(&mut self, row: SerialRow) {
        let ordinal = row.ordinal;
        self.max_ordinal = self.max_ordinal.max(ordinal);
        let key = canonical(&normalise(&row.serial));
        if key.is_empty() || key.len() > u16::MAX as usize || ordinal < 0 || self.overflow {
            return;
        }
        if self.keys.bytes.len() + key.len() > u32::MAX as usize {
            self.overflow = true;
            return;
        }
        self.keys.push(&key, ordinal as u64);
        self.weapons += 1;
        let code = match row.manufacturer {
            None => NO_MAKE,
            Some(make) => match self.make_code.get(&make) {
                Some(&code) => code,
                None if self.make_names.len() < usize::from(OTHER_MAKE) => {
                    let code = self.make_names.len() as u16;
                    self.make_names.push(make.clone());
                    self.make_code.insert(make, code);
                    code
                }
                None => OTHER_MAKE,
            },
        };
        if !make_codes_fit(ordinal, self.weapons) {
            self.codes = None;
        }
        if let Some(codes) = &mut self.codes {
            let at = ordinal as usize;
            if codes.len() <= at {
                codes.resize(at + 1, NO_MAKE);
            }
            codes[at] = code;
        }
    }

    /// Writes the index into `dir`, replacing what is there only once it is complete.
    pub fn finish(self, dir: &Path, registry: &str) -> Result<IndexMeta, IndexError> {
        let IndexBuilder {
            started,
            mut keys,
            weapons,
            max_ordinal,
            make_names,
            make_code,
            codes,
            overflow,
        } = self;
        if overflow {
            return Err(broken(dir, "more than 4 GiB of serials"));
        }
        drop(make_code);
        keys.sort();
        let makes: Vec<u8> = match codes {
            Some(codes) if make_codes_fit(max_ordinal, weapons) => {
                codes.iter().flat_map(|c| c.to_le_bytes()).collect()
            }
            _ => Vec::new(),
        };

        fs::create_dir_all(dir).map_err(io(dir))?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let build = format!("build-{}-{nanos}", std::process::id());
        let fresh = dir.join(&build);
        fs::create_dir_all(&fresh).map_err(io(&fresh))?;
        let file = |name: &str| -> Result<BufWriter<File>, IndexError> {
            let path = fresh.join(name);
            Ok(BufWriter::with_capacity(
                1 << 20,
                File::create(&path).map_err(io(&path))?,
            ))
        };

        // Forward keys; shared keys get a postings list. Reversed keys collected meanwhile.
        let mut forward = MapBuilder::new(file("forward.fst")?).map_err(|e| broken(&fresh, e))?;
        let mut postings = file("postings.bin")?;
        let mut postings_len = 0u64;
        let mut reversed = Keys::new();
        let mut distinct = 0u64;
        let mut i = 0;
        while i < keys.entries.len() {
            let key = keys.key(keys.entries[i]);
            let mut j = i + 1;
            while j < keys.entries.len() && keys.key(keys.entries[j]) == key {
                j += 1;
            }
            let value = if j - i == 1 {
                keys.entries[i].2
            } else {
                // A count, then the ordinals: four bytes each (checked below).
                let offset = postings_len;
                let word = |n: u64| u32::try_from(n).map_err(|_| broken(&fresh, TOO_MANY));
                postings
                    .write_all(&word((j - i) as u64)?.to_le_bytes())
                    .map_err(io(&fresh))?;
                for e in &keys.entries[i..j] {
                    postings
                        .write_all(&word(e.2)?.to_le_bytes())
                        .map_err(io(&fresh))?;
                }
                postings_len += 4 * (j - i + 1) as u64;
                SHARED | offset
            };
            forward.insert(key, value).map_err(|e| broken(&fresh, e))?;
            let back: Vec<u8> = key.iter().rev().copied().collect();
            reversed.push(&back, value);
            distinct += 1;
            i = j;
        }
        forward.finish().map_err(|e| broken(&fresh, e))?;
        postings.flush().map_err(io(&fresh))?;
        drop(keys);
        reversed.sort();
        let mut reverse = MapBuilder::new(file("reverse.fst")?).map_err(|e| broken(&fresh, e))?;
        for &e in &reversed.entries {
            reverse
                .insert(reversed.key(e), e.2)
                .map_err(|e| broken(&fresh, e))?;
        }
        reverse.finish().map_err(|e| broken(&fresh, e))?;
        write_synced(&fresh.join("makes.bin"), &makes)?;
        let names = serde_json::to_vec(&make_names).map_err(|e| broken(&fresh, e))?;
        write_synced(&fresh.join("makes.json"), &names)?;

        let mut files = Vec::new();
        for name in FILES {
            let path = fresh.join(name);
            // On disk before the build is named current.
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(io(&path))?;
            let bytes = fs::read(&path).map_err(io(&path))?;
            files.push(IndexFile {
                name: name.to_owned(),
                len: bytes.len() as u64,
                blake3: blake3::hash(&bytes).to_hex().to_string(),
            });
        }
        let meta = IndexMeta {
            format: FORMAT_VERSION,
            normaliser: NORMALISER_VERSION,
            registry: registry.to_owned(),
            max_ordinal,
            weapons,
            keys: distinct,
            bytes: files.iter().map(|f| f.len).sum(),
            build_seconds: started.elapsed().as_secs_f64(),
            files,
        };
        let meta_path = fresh.join("meta.json");
        let text = serde_json::to_string_pretty(&meta).map_err(|e| broken(&fresh, e))?;
        write_synced(&meta_path, text.as_bytes())?;

        // The swap: `current` names the new build (written aside, then renamed over).
        let pointer = dir.join(format!("{CURRENT}.{build}"));
        write_synced(&pointer, build.as_bytes())?;
        fs::rename(&pointer, dir.join(CURRENT)).map_err(io(dir))?;
        if let Ok(dirfile) = File::open(dir) {
            let _ = dirfile.sync_all();
        }
        // Older builds go; a reader that has one mapped keeps its pages until it closes.
        if let Ok(entries) = fs::read_dir(dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with("build-") && name != build.as_str() && !in_progress(&name) {
                    let _ = fs::remove_dir_all(entry.path());
                }
            }
        }
        Ok(meta)
    }
}

impl SearchIndex {
    /// Opens the index in `dir`; `None` when there is none. A file that does not match what
    /// the build recorded (cut short, changed) is an error, never a panic later.
    pub fn open(dir: &Path) -> Result<Option<SearchIndex>, IndexError> {
        let pointer = dir.join(CURRENT);
        let build = match fs::read_to_string(&pointer) {
            Ok(text) => text.trim().to_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&pointer)(e)),
        };
        if build.is_empty() || build.contains(['/', '\\']) || build.starts_with('.') {
            return Err(broken(&pointer, "does not name a build"));
        }
        let at = dir.join(&build);
        let meta_path = at.join("meta.json");
        let text = fs::read_to_string(&meta_path).map_err(io(&meta_path))?;
        let meta: IndexMeta = serde_json::from_str(&text).map_err(|e| broken(&meta_path, e))?;
        let mut maps = Vec::new();
        for name in FILES {
            let path = at.join(name);
            let bytes = map_file(&path)?;
            let recorded = meta
                .files
                .iter()
                .find(|f| f.name == name)
                .ok_or_else(|| broken(&meta_path, format!("{name} is not recorded")))?;
            if bytes.len() as u64 != recorded.len
                || blake3::hash(&bytes).to_hex().as_str() != recorded.blake3
            {
                return Err(broken(&path, "the file is not the one the build wrote"));
            }
            maps.push(bytes);
        }
        let names = maps.pop().ok_or_else(|| broken(&at, "no makes.json"))?;
        let make_names: Vec<String> =
            serde_json::from_slice(&names).map_err(|e| broken(&at.join("makes.json"), e))?;
        let makes = maps.pop().ok_or_else(|| broken(&at, "no makes.bin"))?;
        let postings = maps.pop().ok_or_else(|| broken(&at, "no postings"))?;
        let reverse = maps.pop().ok_or_else(|| broken(&at, "no reverse.fst"))?;
        let forward = maps.pop().ok_or_else(|| broken(&at, "no forward.fst"))?;
        let fst = |bytes: Mmap, name: &str| Map::new(bytes).map_err(|e| broken(&at.join(name), e));
        Ok(Some(SearchIndex {
            forward: fst(forward, "forward.fst")?,
            reverse: fst(reverse, "reverse.fst")?,
            postings,
            makes,
            make_names,
            meta,
        }))
    }

    /// The manufacturers the index knows, by code (`NO_MAKE` is "").
    pub fn make_names(&self) -> &[String] {
        &self.make_names
    }

    /// The make code of the weapon at `ordinal`; `None` when the index cannot say (a
    /// manufacturer past the dictionary, or no codes kept): then the registry says.
    pub fn make_code(&self, ordinal: i64) -> Option<u16> {
        let at = usize::try_from(ordinal).ok()?.checked_mul(2)?;
        let bytes = self.makes.get(at..at + 2)?;
        let code = u16::from_le_bytes([bytes[0], bytes[1]]);
        (code != OTHER_MAKE && usize::from(code) < self.make_names.len()).then_some(code)
    }

    /// The ordinals whose make `admit` accepts, with those whose make the index cannot tell
    /// (`OTHER_MAKE`): every indexed weapon a make filter may leave. `None` as soon as there
    /// are more than `most`, or when the index kept no make codes. One pass over the codes
    /// (20 MB at 10 M weapons).
    pub fn ordinals_of_makes(&self, admit: &dyn Fn(u16) -> bool, most: usize) -> Option<Vec<i64>> {
        if self.makes.is_empty() && self.meta.weapons > 0 {
            return None;
        }
        let mut found = Vec::new();
        for (ordinal, pair) in self.makes.chunks_exact(2).enumerate() {
            let code = u16::from_le_bytes([pair[0], pair[1]]);
            let told = code != OTHER_MAKE && usize::from(code) < self.make_names.len();
            if !told || admit(code) {
                if found.len() == most {
                    return None;
                }
                found.push(i64::try_from(ordinal).ok()?);
            }
        }
        Some(found)
    }

    /// Whether the index was built by this program's normaliser and layout.
    pub fn current(&self) -> bool {
        self.meta.format == FORMAT_VERSION && self.meta.normaliser == NORMALISER_VERSION
    }

    /// The ordinals under a canonical key, exactly.
    pub fn exact(&self, key: &[u8]) -> Vec<i64> {
        self.forward
            .get(key)
            .map(|v| self.ordinals(v))
            .unwrap_or_default()
    }

    /// Every key the matcher accepts (from the reversed index when `reversed`, keys handed
    /// back forwards), with its ordinals; at most `MAX_KEYS` keys, and whether there were more.
    pub fn walk(&self, matcher: &Matcher, reversed: bool) -> (Vec<KeyHit>, bool) {
        let map = if reversed {
            &self.reverse
        } else {
            &self.forward
        };
        let mut stream = map.search(matcher).into_stream();
        let mut found = Vec::new();
        while let Some((key, value)) = stream.next() {
            if found.len() == MAX_KEYS {
                return (found, true);
            }
            let mut key = key.to_vec();
            if reversed {
                key.reverse();
            }
            found.push((key, self.ordinals(value)));
        }
        (found, false)
    }

    fn ordinals(&self, value: u64) -> Vec<i64> {
        if value & SHARED == 0 {
            return vec![value as i64];
        }
        let at = (value & !SHARED) as usize;
        let word = |k: usize| -> Option<u64> {
            let bytes = self.postings.get(at + 4 * k..at + 4 * k + 4)?;
            Some(u64::from(u32::from_le_bytes(bytes.try_into().ok()?)))
        };
        // Bounded by what the file holds (it was checked on open, but an offset is only a number).
        let room = (self.postings.len().saturating_sub(at) / 4).saturating_sub(1);
        let n = (word(0).unwrap_or(0) as usize).min(room);
        (1..=n).filter_map(word).map(|v| v as i64).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse;

    fn row(ordinal: i64, serial: &str, make: Option<&str>) -> SerialRow {
        SerialRow {
            ordinal,
            serial: serial.to_owned(),
            manufacturer: make.map(str::to_owned),
        }
    }

    #[test]
    fn built_opened_and_walked_forwards_and_backwards() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("r.db.search");
        let serials = [
            (1, "52-01234"),
            (2, "52 01234"),
            (3, "AB-9876"),
            (4, "ТА1234"),
            (5, " - "),
        ];
        let meta = SearchIndex::build(
            &path,
            "r1",
            serials
                .iter()
                .map(|(o, s)| row(*o, s, (*o != 2).then_some("Zastava"))),
        )
        .expect("build");
        assert_eq!((meta.weapons, meta.keys, meta.max_ordinal), (4, 3, 5));
        let index = SearchIndex::open(&path).expect("open").expect("there");
        assert!(index.current());
        // Make codes by ordinal: one dictionary entry per manufacturer; none recorded is 0.
        assert_eq!(index.make_names(), ["", "Zastava"]);
        assert_eq!(index.make_code(1), Some(1));
        assert_eq!(index.make_code(2), Some(NO_MAKE));
        assert_eq!(index.make_code(4), Some(1));
        assert_eq!(index.make_code(6), None);
        assert_eq!(index.make_code(-1), None);
        // The ordinals of the makes a filter admits, or none past the bound.
        let zastava = |code: u16| code == 1;
        assert_eq!(index.ordinals_of_makes(&zastava, 3), Some(vec![1, 3, 4]));
        assert_eq!(index.ordinals_of_makes(&zastava, 2), None);
        assert_eq!(index.ordinals_of_makes(&|_| false, 0), Some(vec![]));
        assert_eq!(index.exact(&canonical("5201234")), vec![1, 2]);
        assert_eq!(index.exact(&canonical("TA1234")), vec![4]);
        let q = parse("*1234").expect("parse");
        let (mut keys, more) = index.walk(&Matcher::new(&q.patterns[0], 0, true), true);
        keys.sort();
        assert!(!more);
        let found: Vec<_> = keys.iter().flat_map(|(_, o)| o.clone()).collect();
        assert_eq!(found, vec![1, 2, 4]);
        // A rebuild replaces the index whole.
        SearchIndex::build(&path, "r1", [row(7, "X1", None)]).expect("rebuild");
        let index = SearchIndex::open(&path).expect("open").expect("there");
        assert_eq!(index.meta.weapons, 1);
        assert!(index.exact(&canonical("5201234")).is_empty());
        assert!(
            SearchIndex::open(&dir.path().join("none"))
                .expect("ok")
                .is_none()
        );
    }

    #[test]
    fn sparse_ordinals_get_no_make_codes_and_a_cut_file_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("r.db.search");
        // Two weapons at ordinals millions apart: no array of millions of empty codes.
        SearchIndex::build(
            &path,
            "r1",
            [row(1, "A1", Some("CZ")), row(50_000_000, "B2", Some("CZ"))],
        )
        .expect("build");
        let index = SearchIndex::open(&path).expect("open").expect("there");
        assert_eq!(index.make_code(1), None);
        assert_eq!(index.ordinals_of_makes(&|_| true, 10), None);
        assert_eq!(index.exact(b"A1"), vec![1]);
        // A make file cut short (a crash mid-write) is caught on open, not read.
        SearchIndex::build(&path, "r1", [row(1, "A1", Some("CZ"))]).expect("build");
        let build = fs::read_to_string(path.join(CURRENT)).expect("current");
        let makes = path.join(build.trim()).join("makes.bin");
        fs::write(&makes, [1u8]).expect("cut");
        let err = SearchIndex::open(&path).err().expect("refused");
        assert!(err.to_string().contains("makes.bin"), "{err}");
    }
}
