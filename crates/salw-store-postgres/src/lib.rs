//! The PostgreSQL backend: for a national node that serves many stations at once and wants the
//! replication and backups its administrators already run (DESIGN.md "Shape", "Records").
//!
//! The same projections as the SQLite backend: weapon, person and event rows hold what is
//! looked up; the records themselves are read from the journal entry that wrote them (`seq`).
//! Triggers refuse UPDATE and DELETE on the journal and the workflow tables.
//!
//! Several processes may write at once (several servers, a CLI import beside them): every
//! write transaction first takes one advisory lock (`WRITE_LOCK`), so the journal's head is
//! read and extended by one writer at a time and the chain never forks. Reads take no lock.

#![allow(unused_variables, unused_imports)]

mod access;
mod alerts;
mod assessments;
mod federation;
mod migrations;
mod stockpile;
mod traces;

use postgres::{Client, NoTls};
use salw_core::lifecycle::{WeaponState, WeaponStatus};
use salw_core::{LifecycleEvent, Person, Weapon};
use salw_store::backend::{
    PeriodEventCounts, PeriodRecovery, PeriodTransfer, Recovery, Result, WeaponFilter,
};
use salw_store::reports::{Release, ReportAnswer};
use salw_store::{
    Backend, Clash, Hash, JournalEntry, PhotoRecord, SignedHead, StoreError, StoredEvent,
    StoredPhoto, StoredWeapon, Summary,
};
use uuid::Uuid;

/// The advisory lock every write transaction holds (an arbitrary constant: "salw" in ASCII).
pub const WRITE_LOCK: i64 = 0x7361_6c77;

pub struct PgBackend {
    client: Client,
    /// Whether a transaction is open (`begin` .. `commit`/`rollback`).
    in_transaction: bool,
}

pub(crate) fn db(e: postgres::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

pub(crate) fn hash32(bytes: Vec<u8>) -> Result<Hash> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a journal hash is not 32 bytes".into()))
}

/// Whether a database location names a PostgreSQL server rather than a file.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

impl PgBackend {
    /// Connects to the database the URL names (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB`,
    /// with libpq's parameters such as `?options=-csearch_path%3Dsalw`) and applies pending
    /// migrations. With `create` false, a database without a registry schema is refused.
    pub fn open(url: &str, create: bool) -> Result<Self> {
        let mut client = Client::connect(url, NoTls).map_err(|e| {
            StoreError::Invalid(format!(
                "cannot connect to the PostgreSQL registry {}: {e}",
                redact(url)
            ))
        })?;
        if !create && !migrations::has_schema(&mut client)? {
            return Err(StoreError::Invalid(format!(
                "no registry in {}; create one with `salw --db {} init`",
                redact(url),
                redact(url)
            )));
        }
        migrations::apply(&mut client)?;
        Ok(PgBackend {
            client,
            in_transaction: false,
        })
    }

    /// The client, for tests that tamper with the database behind the program's back.
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// The URL without its password, for messages (secrets are never printed).
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}{tail}")
            } else {
                format!("{scheme}://{user}@{host}{tail}")
            }
        }
        None => url.to_owned(),
    }
}

impl Backend for PgBackend {
    fn begin(&mut self) -> Result<()> {
        unimplemented!()
    }
    fn commit(&mut self) -> Result<()> {
        unimplemented!()
    }
    fn rollback(&mut self) -> Result<()> {
        unimplemented!()
    }
    fn meta(&mut self, key: &str) -> Result<Option<String>> {
        unimplemented!()
    }
    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        unimplemented!()
    }
    fn journal_head(&mut self) -> Result<Option<(i64, Hash)>> {
        unimplemented!()
    }
    fn append(&mut self, entry: &JournalEntry) -> Result<()> {
        unimplemented!()
    }
    fn scan_journal(&mut self, visit: &mut dyn FnMut(JournalEntry) -> Result<()>) -> Result<()> {
        unimplemented!()
    }
    fn put_signed_head(&mut self, head: &SignedHead) -> Result<()> {
        unimplemented!()
    }
    fn last_signed_head(&mut self) -> Result<Option<SignedHead>> {
        unimplemented!()
    }
    fn weapon(&mut self, id: Uuid) -> Result<Option<StoredWeapon>> {
        unimplemented!()
    }
    fn weapon_id_by_key(&mut self, key: &str) -> Result<Option<Uuid>> {
        unimplemented!()
    }
    fn weapon_id_by_reference(&mut self, reference: &str) -> Result<Option<Uuid>> {
        unimplemented!()
    }
    fn insert_weapon(
        &mut self,
        weapon: &Weapon,
        key: Option<&str>,
        state: &WeaponState,
        seq: i64,
    ) -> Result<Option<Clash>> {
        unimplemented!()
    }
    fn update_weapon_state(&mut self, id: Uuid, state: &WeaponState) -> Result<()> {
        unimplemented!()
    }
    fn scan_serials(&mut self, after: i64, visit: &mut dyn FnMut(i64, String)) -> Result<()> {
        unimplemented!()
    }
    fn weapons_at(&mut self, ordinals: &[i64]) -> Result<Vec<(i64, StoredWeapon)>> {
        unimplemented!()
    }
    fn list_weapons(&mut self, filter: &WeaponFilter) -> Result<Vec<StoredWeapon>> {
        unimplemented!()
    }
    fn person(&mut self, id: Uuid) -> Result<Option<Person>> {
        unimplemented!()
    }
    fn person_id_by_reference(&mut self, reference: &str) -> Result<Option<Uuid>> {
        unimplemented!()
    }
    fn insert_person(&mut self, person: &Person, seq: i64) -> Result<Option<Clash>> {
        unimplemented!()
    }
    fn event(&mut self, id: Uuid) -> Result<Option<LifecycleEvent>> {
        unimplemented!()
    }
    fn events_of(&mut self, weapon: Uuid) -> Result<Vec<StoredEvent>> {
        unimplemented!()
    }
    fn insert_event(&mut self, event: &LifecycleEvent, seq: i64) -> Result<()> {
        unimplemented!()
    }
    fn recent_events(&mut self, limit: u64) -> Result<Vec<StoredEvent>> {
        unimplemented!()
    }
    fn recoveries(
        &mut self,
        from: &str,
        to: &str,
        visit: &mut dyn FnMut(Recovery) -> Result<()>,
    ) -> Result<()> {
        unimplemented!()
    }
    fn period_recoveries(
        &mut self,
        from: &str,
        to: &str,
        visit: &mut dyn FnMut(PeriodRecovery) -> Result<()>,
    ) -> Result<()> {
        unimplemented!()
    }
    fn licensees_by_sex(&mut self) -> Result<Vec<(Option<String>, u64)>> {
        unimplemented!()
    }
    fn marking_counts(&mut self) -> Result<(u64, u64)> {
        unimplemented!()
    }
    fn period_transfers(
        &mut self,
        from: &str,
        to: &str,
        visit: &mut dyn FnMut(PeriodTransfer) -> Result<()>,
    ) -> Result<()> {
        unimplemented!()
    }
    fn period_event_counts(&mut self, from: &str, to: &str) -> Result<PeriodEventCounts> {
        unimplemented!()
    }
    fn releases(
        &mut self,
        indicator: &str,
        period: Option<(&str, &str)>,
        profile: Option<&str>,
    ) -> Result<Vec<salw_store::reports::Release>> {
        unimplemented!()
    }
    fn insert_release(&mut self, release: &salw_store::reports::Release) -> Result<i64> {
        unimplemented!()
    }
    fn report_answers(&mut self, template: &str) -> Result<Vec<salw_store::reports::ReportAnswer>> {
        unimplemented!()
    }
    fn insert_report_answer(&mut self, answer: &salw_store::reports::ReportAnswer) -> Result<i64> {
        unimplemented!()
    }
    fn put_blob(&mut self, hash: &str, media_type: &str, bytes: &[u8]) -> Result<()> {
        unimplemented!()
    }
    fn blob(&mut self, hash: &str) -> Result<Option<(String, Vec<u8>)>> {
        unimplemented!()
    }
    fn insert_photo(&mut self, photo: &PhotoRecord, seq: i64) -> Result<bool> {
        unimplemented!()
    }
    fn photos_of(&mut self, weapon: Uuid) -> Result<Vec<StoredPhoto>> {
        unimplemented!()
    }
    fn photo_hashes(&mut self) -> Result<Vec<String>> {
        unimplemented!()
    }
    fn summary(&mut self) -> Result<Summary> {
        unimplemented!()
    }
    fn scan_persons(&mut self, visit: &mut dyn FnMut(Person) -> Result<()>) -> Result<()> {
        unimplemented!()
    }
    fn scan_weapons(&mut self, visit: &mut dyn FnMut(Weapon) -> Result<()>) -> Result<()> {
        unimplemented!()
    }
    fn scan_events(&mut self, visit: &mut dyn FnMut(LifecycleEvent) -> Result<()>) -> Result<()> {
        unimplemented!()
    }
}

/// For tests: a fresh, empty schema in the database `SALW_TEST_POSTGRES` names, as a URL whose
/// connections use it (`options=-csearch_path=…`). `None` when the variable is not set, unless
/// `SALW_REQUIRE_POSTGRES` is set too (as `.ci/run` does): then a missing server fails the
/// test instead of leaving it untried.
pub fn fresh_test_database(label: &str) -> Option<String> {
    let base = match std::env::var("SALW_TEST_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            assert!(
                std::env::var_os("SALW_REQUIRE_POSTGRES").is_none(),
                "SALW_REQUIRE_POSTGRES is set but SALW_TEST_POSTGRES names no database"
            );
            eprintln!("{label}: SALW_TEST_POSTGRES is not set; PostgreSQL not tried");
            return None;
        }
    };
    let schema = format!(
        "t_{}_{}",
        label
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            })
            .take(30)
            .collect::<String>(),
        Uuid::now_v7().simple()
    );
    let mut client = Client::connect(&base, NoTls)
        .unwrap_or_else(|e| panic!("SALW_TEST_POSTGRES {}: {e}", redact(&base)));
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .unwrap_or_else(|e| panic!("creating schema {schema}: {e}"));
    let separator = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{separator}options=-csearch_path%3D{schema}"))
}
