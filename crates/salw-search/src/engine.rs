//! The search over a registry (DESIGN.md "Marking search", step 4): the persisted index for
//! what it covers, a delta read from the store for weapons registered since, tiers of cost,
//! filters, then the ranking. Also the brute-force scan that measures the index's recall.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use salw_core::key::fold;
use salw_core::lifecycle::WeaponStatus;
use salw_store::{Backend, StoreError, StoredWeapon};
use serde::Serialize;
use uuid::Uuid;

use crate::confusion::{FULL, TRANSPOSE, canonical};
use crate::index::{IndexError, IndexMeta, SearchIndex};
use crate::matcher::Matcher;
use crate::normalise::normalise;
use crate::query::{Element, Pattern, Query, parse};
use crate::rank::align;

/// Above this many weapons registered since the index was built, it is rebuilt before searching
/// (below, they are searched one by one: cheap for a few thousand).
pub const DELTA_LIMIT: usize = 50_000;
/// At most this many candidates are read from the registry and ranked per query.
const MAX_CANDIDATES: usize = 400;
/// A weapon reported lost or stolen ranks up by this much: it is what a seizure most often is.
const WANTED_BONUS: u32 = 3;

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

    fn admit(&self, w: &StoredWeapon) -> bool {
        let part = |wanted: &Option<String>, values: &[Option<&str>]| match wanted {
            None => true,
            Some(wanted) => {
                let wanted = fold(wanted);
                values.iter().flatten().any(|v| fold(v).contains(&wanted))
            }
        };
        let weapon = &w.weapon;
        part(&self.make, &[weapon.manufacturer.as_deref()])
            && part(&self.model, &[weapon.model.as_deref()])
            && part(
                &self.calibre,
                &[
                    weapon.calibre.as_deref(),
                    weapon.calibre_canonical.as_deref(),
                ],
            )
            && self.country.as_ref().is_none_or(|c| {
                weapon
                    .country
                    .as_deref()
                    .is_some_and(|w| w.eq_ignore_ascii_case(c.trim()))
            })
            && part(
                &self.kind,
                &[
                    Some(weapon.category.as_str()),
                    weapon.unodc_type.map(|t| t.as_str()),
                ],
            )
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
    /// Weapons registered since the index was built: (ordinal, canonical key).
    delta: Vec<(i64, Vec<u8>)>,
}

/// Where the index of the registry file `db` lives: beside it.
pub fn index_dir(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".search");
    PathBuf::from(name)
}

/// Builds (or rebuilds) the index of everything in the registry.
pub fn rebuild<B: Backend>(
    backend: &mut B,
    dir: &Path,
    registry: &str,
) -> Result<IndexMeta, SearchError> {
    let mut serials = Vec::new();
    backend.scan_serials(0, &mut |ordinal, serial| serials.push((ordinal, serial)))?;
    Ok(SearchIndex::build(dir, registry, serials)?)
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
        let mut index = SearchIndex::open(dir)?;
        let stale = match &index {
            None => Some("no search index yet: building it"),
            Some(i) if !i.current() => {
                Some("the search index is from another version: rebuilding it")
            }
            Some(i) if i.meta.registry != registry => {
                Some("the search index belongs to another registry: rebuilding it")
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
        let mut delta = Vec::new();
        backend.scan_serials(index.meta.max_ordinal, &mut |ordinal, serial| {
            let key = canonical(&normalise(&serial));
            if !key.is_empty() {
                delta.push((ordinal, key));
            }
        })?;
        Ok(Searcher {
            index: Some(index),
            delta,
        })
    }

    /// A searcher without an index, over every serial in memory: the brute-force oracle.
    pub fn brute_force<B: Backend>(backend: &mut B) -> Result<Searcher, SearchError> {
        let mut delta = Vec::new();
        backend.scan_serials(0, &mut |ordinal, serial| {
            let key = canonical(&normalise(&serial));
            if !key.is_empty() {
                delta.push((ordinal, key));
            }
        })?;
        Ok(Searcher { index: None, delta })
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
    ) -> Result<Vec<Hit>, SearchError> {
        let query = parse(typed)?;
        let brute = self.index.is_none();
        // Tier 0: the marking as typed, up to a swap or a weak confusion (strong misreads, `?`
        // and `*` are free). When that finds the canonical key itself, a weapon differing by a
        // whole character more would rank below it anyway: the answer is in hand.
        if !brute {
            let near = self.candidates(&query, TRANSPOSE);
            if near.values().any(|&cost| cost == 0) {
                let hits = self.rank(backend, &query, filters, &near, limit)?;
                if !hits.is_empty() {
                    return Ok(hits);
                }
            }
        }
        // Tier 1: within one full edit. The oracle goes straight to two.
        let mut candidates = self.candidates(&query, if brute { 2 * FULL } else { FULL });
        let mut hits = self.rank(backend, &query, filters, &candidates, limit)?;
        // Tier 2: two edits, when the first found nothing (among the weapons the filters
        // leave); and the query as the end or the start of a serial whose other end was lost
        // without a `*` typed.
        if !brute && hits.is_empty() {
            let wider = self.candidates(&query, 2 * FULL);
            let affixes = affix_query(&query);
            for (ordinal, cost) in wider.into_iter().chain(
                affixes
                    .iter()
                    .flat_map(|q| self.candidates(q, FULL).into_iter()),
            ) {
                let entry = candidates.entry(ordinal).or_insert(cost);
                *entry = (*entry).min(cost);
            }
            hits = self.rank(backend, &query, filters, &candidates, limit)?;
        }
        Ok(hits)
    }

    /// Ordinal → lowest key cost, over every reading of the query.
    fn candidates(&self, query: &Query, budget: u8) -> HashMap<i64, u8> {
        let mut found: HashMap<i64, u8> = HashMap::new();
        for pattern in &query.patterns {
            let reversed = pattern.starts_with_run() && !pattern.ends_with_run();
            let matcher = Matcher::new(pattern, budget, reversed);
            let forward = Matcher::new(pattern, budget, false);
            if let Some(index) = &self.index {
                let (keys, _more) = index.walk(&matcher, reversed);
                for (key, ordinals) in keys {
                    let cost = forward.cost(&key).unwrap_or(budget);
                    for o in ordinals {
                        let e = found.entry(o).or_insert(cost);
                        *e = (*e).min(cost);
                    }
                }
            }
            for (ordinal, key) in &self.delta {
                if let Some(cost) = forward.cost(key) {
                    let e = found.entry(*ordinal).or_insert(cost);
                    *e = (*e).min(cost);
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
        candidates: &HashMap<i64, u8>,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        let mut order: Vec<(u8, i64)> = candidates.iter().map(|(&o, &c)| (c, o)).collect();
        order.sort_unstable();
        order.truncate(MAX_CANDIDATES);
        let mut hits: Vec<(u32, i64, Hit)> = Vec::new();
        // Read candidates from the registry cheapest key first, a few at a time, and stop once
        // `limit` hits are in hand and no later candidate can beat them: the ranking never
        // charges less than the key did (less the bonus of a wanted weapon).
        let mut fetched = Vec::new();
        for chunk in order.chunks(16) {
            if hits.len() >= limit {
                hits.sort_by_key(|(cost, ordinal, _)| (*cost, *ordinal));
                hits.truncate(limit);
                let worst = hits.last().map_or(u32::MAX, |h| h.0);
                if u32::from(chunk[0].0).saturating_sub(WANTED_BONUS) > worst {
                    break;
                }
            }
            let ordinals: Vec<i64> = chunk.iter().map(|&(_, o)| o).collect();
            fetched.clear();
            fetched.extend(backend.weapons_at(&ordinals)?);
            for (ordinal, stored) in fetched.drain(..) {
                if !filters.admit(&stored) {
                    continue;
                }
                let Some(serial) = stored.weapon.serial.clone() else {
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
                let wanted = matches!(stored.status, WeaponStatus::Lost | WeaponStatus::Stolen);
                if wanted {
                    explanation.push(format!("reported {}", stored.status.as_str()));
                }
                let rank_cost =
                    alignment
                        .cost
                        .saturating_sub(if wanted { WANTED_BONUS } else { 0 });
                let w = stored.weapon;
                hits.push((
                    rank_cost,
                    ordinal,
                    Hit {
                        weapon_id: w.id,
                        score: 100u32.saturating_sub(alignment.cost),
                        serial,
                        marked: alignment.marked,
                        explanation,
                        manufacturer: w.manufacturer,
                        model: w.model,
                        calibre: w.calibre,
                        country: w.country,
                        category: w.category,
                        status: stored.status,
                    },
                ));
            }
        }
        hits.sort_by_key(|(cost, ordinal, _)| (*cost, *ordinal));
        hits.truncate(limit);
        Ok(hits.into_iter().map(|(_, _, h)| h).collect())
    }
}

/// The query read as the end of a serial (`*` before) and as its start (`*` after), when the
/// user typed no `*`: a worn end of a serial is often not noticed.
fn affix_query(query: &Query) -> Vec<Query> {
    let mut out = Vec::new();
    for pattern in &query.patterns {
        if pattern.has_wildcards() || pattern.fixed_len() < 4 {
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
            });
        }
    }
    out
}
