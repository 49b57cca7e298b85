//! The search over a registry (DESIGN.md "Marking search", step 4): the persisted index for
//! what it covers, a delta read from the store for weapons registered since, tiers of cost,
//! filters, then the ranking. Also the brute-force scan that measures the index's recall.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use salw_core::key::fold;
use salw_core::lifecycle::WeaponStatus;
use salw_store::{Backend, SearchRow, StoreError};
use serde::Serialize;
use uuid::Uuid;

use crate::confusion::{FULL, TRANSPOSE, canonical};
use crate::index::{IndexBuilder, IndexError, IndexMeta, NO_MAKE, OTHER_MAKE, SearchIndex};
use crate::matcher::Matcher;
use crate::normalise::normalise;
use crate::query::{Element, MAX_PATTERN, Pattern, Query, parse};
use crate::rank::{UNKNOWN, align};

/// Above this many weapons registered since the index was built, it is rebuilt before searching
/// (below, they are searched one by one: cheap for a few thousand).
pub const DELTA_LIMIT: usize = 50_000;
/// At most this many candidates are read from the registry and ranked per query; more with
/// filters, which leave out most of what is read.
const MAX_CANDIDATES: usize = 400;
const MAX_FILTERED_CANDIDATES: usize = 4000;
/// How many unknown characters a leading `*` of `*1234*` is first read as, in stages: each
/// stage walks every key prefix of that length (at four, some 1.7 million steps and 250 ms
/// over 10 M weapons; at two, a few thousand).
const INFIX_FRONTS: [usize; 3] = [2, 3, 4];
/// A query with a `*` needs this many known characters before edits are allowed around them.
const MIN_FIXED_FOR_EDITS: usize = 6;
/// A `*1234*` query with a make filter reads the serials of that make's weapons, when there
/// are at most so many, instead of walking every key of the index (seconds at 10 M weapons).
const MOST_OF_A_MAKE: usize = 20_000;
/// At most so many, they are read before the stages of `INFIX_FRONTS` are tried.
const MOST_READ_FIRST: usize = 2_000;
/// How like a known manufacturer (Jaro-Winkler, 0 to 1) a make filter that matches none must
/// be for that one to be offered instead.
const NEAR_MAKE: f64 = 0.8;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Query(#[from] crate::query::QueryError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What else is known about the weapon: each given filter must agree (compared without case,
/// spaces and dashes; make, model, calibre and type match on a part: "Zastava" finds
/// "Zastava Arms").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub make: Option<String>,
    pub model: Option<String>,
    pub calibre: Option<String>,
    pub country: Option<String>,
    /// Category ("assault rifle") or UNODC type ("rifle").
    pub kind: Option<String>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self == &Filters::default()
    }

    fn admit(&self, weapon: &SearchRow) -> bool {
        self.admit_make(weapon.manufacturer.as_deref())
            && part(&self.model, &[weapon.model.as_deref()])
            && self.admit_calibre(weapon.calibre.as_deref())
            && self.country.as_ref().is_none_or(|c| {
                weapon
                    .country
                    .as_deref()
                    .is_some_and(|w| w.eq_ignore_ascii_case(c.trim()))
            })
            && part(
                &self.kind,
                &[Some(weapon.category.as_str()), weapon.unodc_type.as_deref()],
            )
    }

    /// The make filter alone, on a manufacturer as recorded.
    fn admit_make(&self, manufacturer: Option<&str>) -> bool {
        part(&self.make, &[manufacturer])
    }

    /// A part of the calibre as recorded or of its canonical name ("9x19" finds "9mm Luger"),
    /// or a name with the same canonical one ("9mm Para" finds "9x19mm" and "9mm Luger").
    fn admit_calibre(&self, calibre: Option<&str>) -> bool {
        // What registration derives from the calibre (`Weapon::calibre_canonical`).
        let canonical = calibre.and_then(salw_core::calibre::canonical);
        part(&self.calibre, &[calibre, canonical])
            || self
                .calibre
                .as_deref()
                .and_then(salw_core::calibre::canonical)
                .is_some_and(|wanted| canonical == Some(wanted))
    }
}

/// A filter on a part: each given value is compared without case, spaces and dashes.
fn part(wanted: &Option<String>, values: &[Option<&str>]) -> bool {
    match wanted {
        None => true,
        Some(wanted) => {
            let wanted = fold(wanted);
            values.iter().flatten().any(|v| fold(v).contains(&wanted))
        }
    }
}

/// Which candidates the make filter leaves, known before any is read from the registry: the
/// filter applied once to each manufacturer the index knows, then looked up by make code.
/// Never stricter than `Filters::admit`, which still decides on what is read.
struct MakeScope<'a> {
    /// By make code; `None` when there is no make filter.
    admitted: Option<Vec<bool>>,
    filters: &'a Filters,
}

impl Searcher {
    fn make_scope<'a>(&self, filters: &'a Filters) -> MakeScope<'a> {
        let admitted = match (&filters.make, &self.index) {
            (Some(_), Some(index)) => Some(
                index
                    .make_names()
                    .iter()
                    .enumerate()
                    .map(|(code, name)| {
                        code != usize::from(NO_MAKE) && filters.admit_make(Some(name))
                    })
                    .collect(),
            ),
            _ => None,
        };
        MakeScope { admitted, filters }
    }

    /// Whether the weapon at `ordinal` may pass the make filter (false only when it surely
    /// does not).
    fn may_admit(&self, scope: &MakeScope, ordinal: i64) -> bool {
        if scope.filters.make.is_none() {
            return true;
        }
        if let Ok(at) = self.delta.binary_search_by_key(&ordinal, |d| d.ordinal) {
            return scope
                .filters
                .admit_make(self.delta[at].manufacturer.as_deref());
        }
        let (Some(index), Some(admitted)) = (&self.index, &scope.admitted) else {
            return true;
        };
        match index.make_code(ordinal) {
            Some(code) => admitted.get(usize::from(code)).copied().unwrap_or(true),
            None => true,
        }
    }
}

/// One candidate weapon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub weapon_id: Uuid,
    /// 100 for the marking exactly as recorded; each difference costs (a strong misread 1, a
    /// weak confusion 4, a swap 6, a wrong, missing or extra character 10).
    pub score: u32,
    /// The serial as recorded.
    pub serial: String,
    /// Characters of the normalised serial (0-based) that were read differently or unknown.
    pub marked: Vec<usize>,
    pub explanation: Vec<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub calibre: Option<String>,
    pub country: Option<String>,
    pub category: String,
    pub status: WeaponStatus,
}

/// The index of one registry, ready to search.
pub struct Searcher {
    index: Option<SearchIndex>,
    /// Weapons registered since the index was built, in ordinal order.
    delta: Vec<DeltaWeapon>,
}

/// A weapon the persisted index does not hold yet.
struct DeltaWeapon {
    ordinal: i64,
    /// The canonical key of its serial.
    key: Vec<u8>,
    manufacturer: Option<String>,
}

/// Where the index of the registry file `db` lives: beside it.
pub fn index_dir(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".search");
    PathBuf::from(name)
}

/// The canonical keys of the weapons with an ordinal above `after` (what the index does not
/// hold, or everything for the brute-force scan).
fn keys_after<B: Backend>(backend: &mut B, after: i64) -> Result<Vec<DeltaWeapon>, SearchError> {
    let mut keys = Vec::new();
    backend.scan_serials(after, &mut |row| {
        let key = canonical(&normalise(&row.serial));
        if !key.is_empty() {
            keys.push(DeltaWeapon {
                ordinal: row.ordinal,
                key,
                manufacturer: row.manufacturer,
            });
        }
    })?;
    Ok(keys)
}

/// Builds (or rebuilds) the index of everything in the registry.
pub fn rebuild<B: Backend>(
    backend: &mut B,
    dir: &Path,
    registry: &str,
) -> Result<IndexMeta, SearchError> {
    // Each row goes into the builder as it is read: a registry of millions is never held
    // whole in memory, only its keys.
    let mut builder = IndexBuilder::new();
    backend.scan_serials(0, &mut |row| builder.add(row))?;
    Ok(builder.finish(dir, registry)?)
}

impl Searcher {
    /// Opens the index in `dir`, building it first when there is none, when it belongs to
    /// another registry or an older normaliser, or when too much was registered since;
    /// `note` hears why a build happens.
    pub fn open<B: Backend>(
        backend: &mut B,
        dir: &Path,
        registry: &str,
        note: &mut dyn FnMut(&str),
    ) -> Result<Searcher, SearchError> {
        let (mut index, unreadable) = match SearchIndex::open(dir) {
            Ok(index) => (index, None),
            // Derived data: what cannot be read is built again, not mended.
            Err(e) => (
                None,
                Some(format!(
                    "the search index cannot be read ({e}): rebuilding it"
                )),
            ),
        };
        let missing_last = match &index {
            Some(i) if i.meta.max_ordinal > 0 => {
                backend.search_rows_at(&[i.meta.max_ordinal])?.is_empty()
            }
            _ => false,
        };
        let stale = match &index {
            _ if unreadable.is_some() => unreadable.as_deref(),
            None => Some("no search index yet: building it"),
            Some(i) if !i.current() => {
                Some("the search index is from another version: rebuilding it")
            }
            Some(i) if i.meta.registry != registry => {
                Some("the search index belongs to another registry: rebuilding it")
            }
            // A registry restored from an older backup: the index knows weapons it has not.
            Some(_) if missing_last => {
                Some("the search index covers weapons this registry does not hold: rebuilding it")
            }
            Some(_) => None,
        };
        if let Some(why) = stale {
            note(why);
            index = None;
            rebuild(backend, dir, registry)?;
        }
        let mut searcher = Searcher::load(backend, dir, index)?;
        if searcher.delta.len() > DELTA_LIMIT {
            note("many weapons were registered since the search index was built: rebuilding it");
            rebuild(backend, dir, registry)?;
            searcher = Searcher::load(backend, dir, None)?;
        }
        Ok(searcher)
    }

    fn load<B: Backend>(
        backend: &mut B,
        dir: &Path,
        index: Option<SearchIndex>,
    ) -> Result<Searcher, SearchError> {
        let index = match index {
            Some(index) => index,
            None => SearchIndex::open(dir)?.ok_or_else(|| IndexError::Broken {
                path: dir.to_owned(),
                reason: "missing right after it was built".into(),
            })?,
        };
        let delta = keys_after(backend, index.meta.max_ordinal)?;
        Ok(Searcher {
            index: Some(index),
            delta,
        })
    }

    /// Reads the weapons registered since the last look (for a long-running server, after each
    /// write). Returns false when the delta has grown past what is searched one by one: then
    /// `open` again, which rebuilds.
    pub fn refresh<B: Backend>(&mut self, backend: &mut B) -> Result<bool, SearchError> {
        let last = self
            .delta
            .last()
            .map(|d| d.ordinal)
            .or_else(|| self.index.as_ref().map(|i| i.meta.max_ordinal))
            .unwrap_or(0);
        let new = keys_after(backend, last)?;
        self.delta.extend(new);
        Ok(self.delta.len() <= DELTA_LIMIT)
    }

    /// The last weapon row (ordinal) it searches.
    pub fn last_ordinal(&self) -> i64 {
        self.delta
            .last()
            .map(|d| d.ordinal)
            .or_else(|| self.index.as_ref().map(|i| i.meta.max_ordinal))
            .unwrap_or(0)
    }

    /// A searcher without an index, over every serial in memory: the brute-force oracle.
    pub fn brute_force<B: Backend>(backend: &mut B) -> Result<Searcher, SearchError> {
        Ok(Searcher {
            index: None,
            delta: keys_after(backend, 0)?,
        })
    }

    pub fn meta(&self) -> Option<&IndexMeta> {
        self.index.as_ref().map(|i| &i.meta)
    }

    /// Weapons registered since the index was built (searched one by one).
    pub fn delta_len(&self) -> usize {
        self.delta.len()
    }

    /// The ranked candidates for `typed`.
    pub fn search<B: Backend>(
        &self,
        backend: &mut B,
        typed: &str,
        filters: &Filters,
        limit: usize,
    ) -> Result<Found, SearchError> {
        let mut found = self.search_tiers(backend, typed, filters, limit)?;
        if found.hits.is_empty() {
            found.unknown_make = self.makes_near(filters);
        }
        found.reach = Reach::of(&parse(typed)?, self.index.is_none());
        Ok(found)
    }

    /// When the make filter matches no manufacturer of the weapons searched (a misspelt make
    /// gives no hit, and would read as "no such serial"): the manufacturers nearest to what
    /// was typed, at most three, perhaps none. `None` when some manufacturer matches, when
    /// there is no make filter, or when the search cannot list every manufacturer (no index,
    /// or a dictionary full).
    pub fn makes_near(&self, filters: &Filters) -> Option<Vec<String>> {
        let wanted = filters.make.as_deref()?;
        let names = self.index.as_ref()?.make_names();
        if names.len() >= usize::from(OTHER_MAKE) {
            return None;
        }
        let mut known: Vec<&str> = names
            .iter()
            .map(String::as_str)
            .chain(self.delta.iter().filter_map(|d| d.manufacturer.as_deref()))
            .filter(|n| !n.trim().is_empty())
            .collect();
        known.sort_unstable();
        known.dedup();
        if known.iter().any(|n| filters.admit_make(Some(n))) {
            return None;
        }
        // Similar to the whole name or to one of its words ("Glok" to "Glock", "Kalashnikof"
        // to "Izhevsk Mechanical Works (Izhmash / Kalashnikov)").
        let typed = fold(wanted);
        let likeness = |name: &str| -> f64 {
            std::iter::once(fold(name))
                .chain(
                    name.split(|c: char| !c.is_alphanumeric())
                        .filter(|w| !w.is_empty())
                        .map(fold),
                )
                .map(|part| strsim::jaro_winkler(&typed, &part))
                .fold(0.0, f64::max)
        };
        let mut near: Vec<(f64, &str)> = known
            .into_iter()
            .map(|n| (likeness(n), n))
            .filter(|(score, _)| *score >= NEAR_MAKE)
            .collect();
        near.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        Some(
            near.into_iter()
                .take(3)
                .map(|(_, n)| n.to_owned())
                .collect(),
        )
    }

    fn search_tiers<B: Backend>(
        &self,
        backend: &mut B,
        typed: &str,
        filters: &Filters,
        limit: usize,
    ) -> Result<Found, SearchError> {
        let query = parse(typed)?;
        let brute = self.index.is_none();
        // Tier 0: the marking as typed, up to a swap or a weak confusion (strong misreads, `?`
        // and `*` are free). When that finds the canonical key itself, the weapons bearing it
        // are the answer: one differing by a whole character more is not looked for (that walk
        // costs ten times more; type the marking with `?` where it is in doubt).
        // Tier 0's candidates, and its answer when it ranked them: a short `*` query's tier 1
        // is the same walk (and, once ranked, the same answer).
        let mut tier0: Option<(Candidates, Option<Found>)> = None;
        // The make's weapons with their keys, read instead of walking every key.
        let mut scoped: Option<Vec<DeltaWeapon>> = None;
        if !brute {
            // A make filter that leaves few weapons: their serials are read and matched, and
            // no walk is needed at all.
            scoped = self.make_scoped(backend, &query, filters, MOST_READ_FIRST)?;
            // `*1234*`: a leading `*` makes the walk visit every key. Worn ends are short: try
            // up to two, three, then four unknown characters in front first. A key that needs
            // more in front than a stage allows costs at least one (`UNKNOWN`) for each, so a
            // full answer whose worst hit costs less than that is the answer.
            if scoped.is_none()
                && query
                    .patterns
                    .iter()
                    .any(|p| p.starts_with_run() && p.ends_with_run())
            {
                for front in INFIX_FRONTS {
                    let near = self.candidates_in(&query, TRANSPOSE, Some(front), None);
                    if !near.exact {
                        continue;
                    }
                    let mut found = self.rank(backend, &query, filters, &near, limit)?;
                    let worst = found.hits.last().map(|h| 100u32.saturating_sub(h.score));
                    let beyond = UNKNOWN * (front as u32 + 1);
                    let settled = found.hits.len() >= limit && worst.is_some_and(|w| w < beyond);
                    let last = Some(&front) == INFIX_FRONTS.last();
                    if settled {
                        return Ok(found);
                    }
                    if last && !found.hits.is_empty() {
                        // Serials with more characters in front were not looked at (every key
                        // of the index, seconds at 10 M weapons): say so.
                        found.incomplete = true;
                        return Ok(found);
                    }
                }
            }
            if scoped.is_none() {
                scoped = self.make_scoped(backend, &query, filters, MOST_OF_A_MAKE)?;
            }
            let near = self.candidates_in(&query, TRANSPOSE, None, scoped.as_deref());
            let mut ranked = None;
            if near.exact {
                let found = self.rank(backend, &query, filters, &near, limit)?;
                // The answer, unless a hit costs more than anything this walk left out could
                // (more than a swap: a `*` over nothing, or many characters under `*`); then the
                // next tier ranks them together. A short `*` query has no next tier: this stays.
                let worst = found.hits.last().map(|h| 100u32.saturating_sub(h.score));
                if worst.is_some_and(|w| w <= u32::from(TRANSPOSE)) {
                    return Ok(found);
                }
                ranked = Some(found);
            }
            tier0 = Some((near, ranked));
        }
        // A `*` with few known characters beside it matches a good part of any registry once a
        // whole edit is allowed: such a query gets no wider tier (the answer would be noise,
        // and slow). The user can add what else is known, or filters.
        let short_run = Reach::of(&query, brute) == Reach::AsTyped;
        let has_run = query.patterns.iter().any(Pattern::has_run);
        // Tier 1: within one full edit. The oracle goes straight to two.
        let mut candidates = if brute {
            self.candidates(&query, 2 * FULL)
        } else if short_run {
            match tier0 {
                // No wider tier follows a `*` query: this answer is the last.
                Some((_, Some(found))) => return Ok(found),
                Some((near, None)) => near,
                None => self.candidates(&query, TRANSPOSE),
            }
        } else {
            self.candidates_in(&query, FULL, None, scoped.as_deref())
        };
        let mut found = self.rank(backend, &query, filters, &candidates, limit)?;
        // Tier 2: two edits, when the first found nothing (among the weapons the filters
        // leave); and the query as the end or the start of a serial whose other end was lost
        // without a `*` typed, each lost character costing a whole one.
        if !brute && !has_run && found.hits.is_empty() {
            candidates.merge(self.candidates(&query, 2 * FULL));
            for affix in affix_query(&query) {
                candidates.merge(self.candidates(&affix, FULL));
            }
            found = self.rank(backend, &query, filters, &candidates, limit)?;
        }
        Ok(found)
    }

    /// Every weapon whose key is within `budget` of a reading of the query, with the cost.
    fn candidates(&self, query: &Query, budget: u8) -> Candidates {
        self.candidates_in(query, budget, None, None)
    }

    /// For a query whose walk visits every key of the index (a `*` in front, walked forwards)
    /// and a make filter: the indexed weapons the filter may leave, each with its key from the
    /// serial read from the registry, when there are at most `most`. `None`: walk.
    fn make_scoped<B: Backend>(
        &self,
        backend: &mut B,
        query: &Query,
        filters: &Filters,
        most: usize,
    ) -> Result<Option<Vec<DeltaWeapon>>, SearchError> {
        let Some(index) = &self.index else {
            return Ok(None);
        };
        let walks_every_key = query
            .patterns
            .iter()
            .any(|p| p.starts_with_run() && !walk_reversed(p));
        if !walks_every_key {
            return Ok(None);
        }
        let scope = self.make_scope(filters);
        let Some(admitted) = &scope.admitted else {
            return Ok(None);
        };
        let admit = |code: u16| admitted.get(usize::from(code)).copied().unwrap_or(true);
        let Some(ordinals) = index.ordinals_of_makes(&admit, most) else {
            return Ok(None);
        };
        let mut weapons = Vec::with_capacity(ordinals.len());
        for chunk in ordinals.chunks(512) {
            for row in backend.search_rows_at(chunk)? {
                let Some(serial) = row.serial else {
                    continue;
                };
                let key = canonical(&normalise(&serial));
                if !key.is_empty() {
                    weapons.push(DeltaWeapon {
                        ordinal: row.ordinal,
                        key,
                        manufacturer: row.manufacturer,
                    });
                }
            }
        }
        Ok(Some(weapons))
    }

    /// `front`: read a leading `*` of a forward walk as at most so many characters.
    /// `scoped`: the indexed weapons to look at, instead of walking the index (`make_scoped`).
    fn candidates_in(
        &self,
        query: &Query,
        budget: u8,
        front: Option<usize>,
        scoped: Option<&[DeltaWeapon]>,
    ) -> Candidates {
        let mut found = Candidates::default();
        for pattern in &query.patterns {
            let reversed = walk_reversed(pattern);
            let matcher = match front {
                Some(most) if !reversed => Matcher::bounded_front(pattern, budget, most),
                _ => Matcher::new(pattern, budget, reversed),
            };
            let forward = Matcher::new(pattern, budget, false);
            // A run added by `affix_query` stands for lost characters: charge them.
            let lost = |key: &[u8]| -> u8 {
                if query.affix {
                    let extra = key.len().saturating_sub(pattern.fixed_len());
                    u8::try_from(extra * usize::from(FULL)).unwrap_or(u8::MAX)
                } else {
                    0
                }
            };
            // The walk does not charge what `?` and `*` cover; the ranking does (1 a character).
            // A lower bound of that charge orders the reading, so that among the many keys a
            // wildcard query matches, those that can rank best are read first and the reading
            // stops sooner: each `?` covers one character (or is charged more), the runs at
            // least what the key has beyond the known characters.
            let ones = pattern
                .elements
                .iter()
                .filter(|e| matches!(e, Element::One { .. }))
                .count();
            let has_run = pattern.has_run();
            let order_cost = |key: &[u8], walked: u8| -> u8 {
                let charged = walked.saturating_add(lost(key));
                if query.affix {
                    return charged;
                }
                let extra = if has_run {
                    key.len().saturating_sub(pattern.fixed_len())
                } else {
                    0
                };
                // Each known character takes at most one key byte; a byte it leaves to a run
                // costs 1 there, or FULL if left out: at least 1 a byte either way.
                charged.max(u8::try_from(ones + extra).unwrap_or(u8::MAX))
            };
            if let Some(weapons) = scoped {
                for w in weapons {
                    if let Some(walked) = forward.cost(&w.key) {
                        found.exact |= walked == 0;
                        found.add(w.ordinal, order_cost(&w.key, walked));
                    }
                }
            } else if let Some(index) = &self.index {
                let (keys, more) = index.walk(&matcher, reversed);
                found.cut |= more;
                for (key, ordinals) in keys {
                    let walked = forward.cost(&key).unwrap_or(budget);
                    found.exact |= walked == 0;
                    let cost = order_cost(&key, walked);
                    for o in ordinals {
                        found.add(o, cost);
                    }
                }
            }
            for d in &self.delta {
                if let Some(walked) = forward.cost(&d.key) {
                    found.exact |= walked == 0;
                    found.add(d.ordinal, order_cost(&d.key, walked));
                }
            }
        }
        found
    }

    fn rank<B: Backend>(
        &self,
        backend: &mut B,
        query: &Query,
        filters: &Filters,
        candidates: &Candidates,
        limit: usize,
    ) -> Result<Found, SearchError> {
        // The make filter is decided from the index's make codes before anything is read.
        let scope = self.make_scope(filters);
        let mut order: Vec<(u8, i64)> = candidates
            .costs
            .iter()
            .filter(|&(&o, _)| self.may_admit(&scope, o))
            .map(|(&o, &c)| (c, o))
            .collect();
        order.sort_unstable();
        let most = if filters.is_empty() {
            MAX_CANDIDATES
        } else {
            MAX_FILTERED_CANDIDATES
        };
        // (rank cost, not wanted, ordinal, hit)
        let mut hits: Vec<(u32, bool, i64, Hit)> = Vec::new();
        let mut cut = candidates.cut;
        // Read candidates from the registry cheapest key first, a few at a time, and stop once
        // `limit` hits are in hand and no later candidate can beat them: the ranking never
        // charges less than the key did. The filters apply before anything is cut.
        let mut read = 0;
        for chunk in order.chunks(16) {
            if hits.len() >= limit {
                hits.sort_by_key(|h| (h.0, h.1, h.2));
                hits.truncate(limit);
                let worst = hits.last().map_or(u32::MAX, |h| h.0);
                let next = u32::from(chunk[0].0);
                if next > worst {
                    break;
                }
                if next == worst {
                    // What is left can at best tie with the last hit: the answer is full, but
                    // there are more weapons as good as it (told, not read: a `?` in a dense
                    // registry can tie thousands).
                    cut = true;
                    break;
                }
            }
            if read >= most {
                cut = true;
                break;
            }
            read += chunk.len();
            let ordinals: Vec<i64> = chunk.iter().map(|&(_, o)| o).collect();
            for row in backend.search_rows_at(&ordinals)? {
                if !filters.admit(&row) {
                    continue;
                }
                let Some(serial) = row.serial else {
                    continue;
                };
                let record = normalise(&serial);
                let Some((pattern, alignment)) = query
                    .patterns
                    .iter()
                    .map(|p| (p, align(p, &record)))
                    .min_by_key(|(_, a)| a.cost)
                else {
                    continue;
                };
                let mut explanation = crate::query::reinterpretations(&pattern.text);
                explanation.extend(alignment.explanation);
                let wanted = matches!(row.status, WeaponStatus::Lost | WeaponStatus::Stolen);
                if wanted {
                    explanation.push(format!("reported {}", row.status.as_str()));
                }
                hits.push((
                    alignment.cost,
                    !wanted,
                    row.ordinal,
                    Hit {
                        weapon_id: row.id,
                        score: 100u32.saturating_sub(alignment.cost),
                        serial,
                        marked: alignment.marked,
                        explanation,
                        manufacturer: row.manufacturer,
                        model: row.model,
                        calibre: row.calibre,
                        country: row.country,
                        category: row.category,
                        status: row.status,
                    },
                ));
            }
        }
        hits.sort_by_key(|h| (h.0, h.1, h.2));
        // Read but left out, and as good as the last hit shown: say so, as for those not read.
        if limit > 0 && hits.len() > limit && hits[limit].0 == hits[limit - 1].0 {
            cut = true;
        }
        hits.truncate(limit);
        Ok(Found {
            hits: hits.into_iter().map(|h| h.3).collect(),
            incomplete: cut,
            unknown_make: None,
            reach: Reach::default(),
        })
    }
}

/// Candidate weapons of one query: ordinal → the lowest key cost found.
#[derive(Debug, Default)]
struct Candidates {
    costs: HashMap<i64, u8>,
    /// Whether the walk stopped before the end (a query that matches too much).
    cut: bool,
    /// Whether some key matched the marking as typed, at no cost in the walk.
    exact: bool,
}

impl Candidates {
    fn add(&mut self, ordinal: i64, cost: u8) {
        let e = self.costs.entry(ordinal).or_insert(cost);
        *e = (*e).min(cost);
    }

    fn merge(&mut self, other: Candidates) {
        self.cut |= other.cut;
        self.exact |= other.exact;
        for (ordinal, cost) in other.costs {
            self.add(ordinal, cost);
        }
    }
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found {
    pub hits: Vec<Hit>,
    /// Set when more weapons matched than were looked at: the hits are the best of those
    /// looked at, not necessarily of all. Narrow the query or add filters.
    pub incomplete: bool,
    /// With no hit, when the make filter matches no manufacturer of the weapons searched: the
    /// manufacturers nearest to what was typed (`Searcher::makes_near`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown_make: Option<Vec<String>>,
    /// How far the search looked: what to tell a user it found nothing within.
    #[serde(skip)]
    pub reach: Reach,
}

/// How far from the marking as typed a search looks for weapons (docs/search.md, the tiers).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Reach {
    /// Up to a swap or a similar-shape confusion: a `*` with fewer than six known characters
    /// beside it, where one whole difference would match a good part of any registry.
    AsTyped,
    /// Up to one whole difference: a `*` query with six known characters or more.
    OneDifference,
    /// Up to two: a query without `*` but with `?` or few known characters.
    TwoDifferences,
    /// Up to two, and as the start or end of a longer serial: a query of four known
    /// characters or more, without `?` or `*`.
    #[default]
    TwoDifferencesAndEnds,
    /// Up to two, in every serial: the brute-force scan, whatever the query.
    Scan,
}

impl Reach {
    fn of(query: &Query, brute: bool) -> Reach {
        if brute {
            Reach::Scan
        } else if !query.patterns.iter().any(Pattern::has_run) {
            if query.patterns.iter().any(affix_applies) {
                Reach::TwoDifferencesAndEnds
            } else {
                Reach::TwoDifferences
            }
        } else if query
            .patterns
            .iter()
            .any(|p| p.has_run() && p.fixed_len() < MIN_FIXED_FOR_EDITS)
        {
            Reach::AsTyped
        } else {
            Reach::OneDifference
        }
    }

    /// In words, after "no registered weapon comes close to the marking".
    pub fn describe(self) -> &'static str {
        match self {
            Reach::AsTyped => {
                "looked for it as typed, up to a swap or a similar-shape confusion; with a * and \
                 fewer than six known characters a wider search would match a good part of any \
                 registry: add what else can be read, or filters"
            }
            Reach::OneDifference => "looked for it up to one difference",
            Reach::TwoDifferences => "looked for it up to two differences",
            Reach::TwoDifferencesAndEnds => {
                "looked for it up to two differences, and as the start or end of a longer serial"
            }
            Reach::Scan => "looked through every serial, up to two differences",
        }
    }
}

/// Whether a pattern is walked over the index of reversed keys: when its end is better known
/// than its start (`*1234`, `??0402`, `0?0785`). A walk is narrow while it follows known
/// characters and fans out at each unknown one (every branch of the index there), so it should
/// meet the unknown ones as deep as it can. `*1234*` goes forwards, its front bounded.
fn walk_reversed(pattern: &Pattern) -> bool {
    let known = |elements: &mut dyn Iterator<Item = &Element>| {
        elements
            .take_while(|e| matches!(e, Element::Char { .. }))
            .count()
    };
    match (pattern.starts_with_run(), pattern.ends_with_run()) {
        (true, true) => false,
        (true, false) => true,
        (false, true) => false,
        (false, false) => {
            known(&mut pattern.elements.iter().rev()) > known(&mut pattern.elements.iter())
        }
    }
}

/// Whether `affix_query` reads a pattern as a worn serial's start or end: no wildcard, and
/// enough known characters for that to mean something.
fn affix_applies(pattern: &Pattern) -> bool {
    !pattern.has_wildcards() && pattern.fixed_len() >= 4 && pattern.elements.len() < MAX_PATTERN
}

/// The query read as the end of a serial (`*` before) and as its start (`*` after), when the
/// user typed no `*`: a worn end of a serial is often not noticed.
fn affix_query(query: &Query) -> Vec<Query> {
    let mut out = Vec::new();
    for pattern in &query.patterns {
        if !affix_applies(pattern) {
            continue;
        }
        for front in [true, false] {
            let mut p: Pattern = pattern.clone();
            if front {
                p.elements.insert(0, Element::Run { at: 0 });
            } else {
                p.elements.push(Element::Run {
                    at: query.typed.chars().count(),
                });
            }
            out.push(Query {
                typed: query.typed.clone(),
                patterns: vec![p],
                affix: true,
            });
        }
    }
    out
}
