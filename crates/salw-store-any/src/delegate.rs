//! Every storage trait implemented for `AnyBackend` by handing each call to the backend it
//! holds. The lists below are the traits' signatures: the compiler checks each against its
//! trait. A method with a default body must be listed too, or the default would answer for a
//! backend that overrides it (`defer_weapon_indexes`, `destruction_block`…).

use salw_core::lifecycle::WeaponState;
use salw_core::{LifecycleEvent, Person, Weapon};
use salw_store::access::{AccessBackend, Account, ApiToken, AuditFilter, AuditRecord};
use salw_store::alerts::{
    AlertBackend, AlertHit, LostStolen, PartnerAlert, Recovery as AlertRecovery, SharedAlert,
};
use salw_store::assessments::{AssessBackend, AssistanceRecord, StoredEntry};
use salw_store::backend::{
    PeriodEventCounts, PeriodRecovery, PeriodTransfer, Recovery, Result, SearchRow, SerialRow,
    WeaponFilter,
};
use salw_store::federation::{FederationBackend, InboxMessage, OutboxMessage, PeerRecord};
use salw_store::reports::{Release, ReportAnswer};

use salw_store::stockpile::{HeldWeapon, StockBackend, StockRecord};
use salw_store::traces::{TraceBackend, TraceRecord, TraceStep};
use salw_store::{
    Backend, Clash, Hash, JournalEntry, PhotoRecord, SignedHead, StoredEvent, StoredPhoto,
    StoredWeapon, Summary,
};
use uuid::Uuid;

use crate::AnyBackend;

macro_rules! delegate {
    ($(fn $name:ident(&mut self $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty;)*) => {
        $(
            fn $name(&mut self $(, $arg: $ty)*) -> $ret {
                match self {
                    AnyBackend::Sqlite(b) => b.$name($($arg),*),
                    AnyBackend::Postgres(b) => b.$name($($arg),*),
                }
            }
        )*
    };
}

impl Backend for AnyBackend {
    delegate! {
        fn begin(&mut self) -> Result<()>;
        fn commit(&mut self) -> Result<()>;
        fn rollback(&mut self) -> Result<()>;
        fn defer_weapon_indexes(&mut self) -> Result<bool>;
        fn build_deferred_indexes(&mut self) -> Result<()>;
        fn destruction_block(&mut self, weapon: Uuid) -> Result<Option<String>>;
        fn meta(&mut self, key: &str) -> Result<Option<String>>;
        fn set_meta(&mut self, key: &str, value: &str) -> Result<()>;
        fn meta_entries(&mut self) -> Result<Vec<(String, String)>>;
        fn journal_head(&mut self) -> Result<Option<(i64, Hash)>>;
        fn append(&mut self, entry: &JournalEntry) -> Result<()>;
        fn scan_journal(&mut self, visit: &mut dyn FnMut(JournalEntry) -> Result<()>) -> Result<()>;
        fn put_signed_head(&mut self, head: &SignedHead) -> Result<()>;
        fn last_signed_head(&mut self) -> Result<Option<SignedHead>>;
        fn scan_signed_heads(&mut self, _visit: &mut dyn FnMut(SignedHead) -> Result<()>) -> Result<()>;
        fn weapon(&mut self, id: Uuid) -> Result<Option<StoredWeapon>>;
        fn weapons_by_id(&mut self, ids: &[Uuid]) -> Result<Vec<StoredWeapon>>;
        fn weapon_id_by_key(&mut self, key: &str) -> Result<Option<Uuid>>;
        fn weapon_id_by_reference(&mut self, reference: &str) -> Result<Option<Uuid>>;
        fn insert_weapon(&mut self, weapon: &Weapon, key: Option<&str>, state: &WeaponState, seq: i64) -> Result<Option<Clash>>;
        fn update_weapon_state(&mut self, id: Uuid, state: &WeaponState) -> Result<()>;
        fn update_weapon_states(&mut self, states: &[(Uuid, WeaponState)]) -> Result<()>;
        fn scan_serials(&mut self, after: i64, visit: &mut dyn FnMut(SerialRow)) -> Result<()>;
        fn weapons_at(&mut self, ordinals: &[i64]) -> Result<Vec<(i64, StoredWeapon)>>;
        fn search_rows_at(&mut self, ordinals: &[i64]) -> Result<Vec<SearchRow>>;
        fn list_weapons(&mut self, filter: &WeaponFilter) -> Result<Vec<StoredWeapon>>;
        fn person(&mut self, id: Uuid) -> Result<Option<Person>>;
        fn person_id_by_reference(&mut self, reference: &str) -> Result<Option<Uuid>>;
        fn insert_person(&mut self, person: &Person, seq: i64) -> Result<Option<Clash>>;
        fn event(&mut self, id: Uuid) -> Result<Option<LifecycleEvent>>;
        fn events_of(&mut self, weapon: Uuid) -> Result<Vec<StoredEvent>>;
        fn weapons_with_events(&mut self, ids: &[Uuid]) -> Result<Vec<(StoredWeapon, Vec<StoredEvent>)>>;
        fn insert_event(&mut self, event: &LifecycleEvent, seq: i64) -> Result<()>;
        fn recent_events(&mut self, limit: u64) -> Result<Vec<StoredEvent>>;
        fn recoveries(&mut self, from: &str, to: &str, visit: &mut dyn FnMut(Recovery) -> Result<()>) -> Result<()>;
        fn period_recoveries(&mut self, from: &str, to: &str, visit: &mut dyn FnMut(PeriodRecovery) -> Result<()>) -> Result<()>;
        fn licensees_by_sex(&mut self) -> Result<Vec<(Option<String>, u64)>>;
        fn marking_counts(&mut self) -> Result<(u64, u64)>;
        fn period_transfers(&mut self, from: &str, to: &str, visit: &mut dyn FnMut(PeriodTransfer) -> Result<()>) -> Result<()>;
        fn period_event_counts(&mut self, from: &str, to: &str) -> Result<PeriodEventCounts>;
        fn releases(&mut self, indicator: &str, period: Option<(&str, &str)>, profile: Option<&str>) -> Result<Vec<Release>>;
        fn insert_release(&mut self, release: &Release) -> Result<i64>;
        fn all_releases(&mut self) -> Result<Vec<Release>>;
        fn report_answers(&mut self, template: &str) -> Result<Vec<ReportAnswer>>;
        fn insert_report_answer(&mut self, answer: &ReportAnswer) -> Result<i64>;
        fn all_report_answers(&mut self) -> Result<Vec<ReportAnswer>>;
        fn put_blob(&mut self, hash: &str, media_type: &str, bytes: &[u8]) -> Result<()>;
        fn blob(&mut self, hash: &str) -> Result<Option<(String, Vec<u8>)>>;
        fn insert_photo(&mut self, photo: &PhotoRecord, seq: i64) -> Result<bool>;
        fn photos_of(&mut self, weapon: Uuid) -> Result<Vec<StoredPhoto>>;
        fn photo_hashes(&mut self) -> Result<Vec<String>>;
        fn blob_hashes(&mut self) -> Result<Vec<String>>;
        fn summary(&mut self) -> Result<Summary>;
        fn scan_persons(&mut self, visit: &mut dyn FnMut(Person) -> Result<()>) -> Result<()>;
        fn scan_person_names(&mut self, visit: &mut salw_store::PersonNameVisit<'_>) -> Result<()>;
        fn scan_weapons(&mut self, visit: &mut dyn FnMut(Weapon) -> Result<()>) -> Result<()>;
        fn scan_events(&mut self, visit: &mut dyn FnMut(LifecycleEvent) -> Result<()>) -> Result<()>;
    }
}

impl AccessBackend for AnyBackend {
    delegate! {
        fn account(&mut self, name: &str) -> Result<Option<Account>>;
        fn accounts(&mut self) -> Result<Vec<Account>>;
        fn insert_account(&mut self, account: &Account) -> Result<bool>;
        fn update_account(&mut self, name: &str, role: Option<&str>, password_hash: Option<&str>, disabled: Option<bool>) -> Result<bool>;
        fn insert_token(&mut self, token: &ApiToken) -> Result<()>;
        fn token(&mut self, hash: &str) -> Result<Option<ApiToken>>;
        fn tokens_of(&mut self, account: &str) -> Result<Vec<ApiToken>>;
        fn revoke_token(&mut self, account: &str, prefix: &str) -> Result<bool>;
        fn audit_head(&mut self) -> Result<Option<(i64, Hash)>>;
        fn insert_audit(&mut self, record: &AuditRecord) -> Result<()>;
        fn audit(&mut self, filter: &AuditFilter) -> Result<Vec<AuditRecord>>;
        fn scan_audit(&mut self, visit: &mut dyn FnMut(AuditRecord) -> Result<()>) -> Result<()>;
    }
}

impl AlertBackend for AnyBackend {
    delegate! {
        fn lost_stolen_unshared(&mut self, partner: &str, after: i64, limit: u64) -> Result<Vec<(i64, LostStolen)>>;
        fn record_shared(&mut self, event_id: &str, partner: &str, message_id: &str) -> Result<()>;
        fn insert_partner_alert(&mut self, alert: &PartnerAlert) -> Result<bool>;
        fn partner_alerts_for(&mut self, identity_key: &str) -> Result<Vec<PartnerAlert>>;
        fn partner_alert_counts(&mut self) -> Result<Vec<(String, u64)>>;
        fn has_partner_alerts(&mut self) -> Result<bool>;
        fn recoveries_after(&mut self, after: i64, limit: u64) -> Result<Vec<AlertRecovery>>;
        fn shared_weapon(&mut self, message_id: &str) -> Result<Option<String>>;
        fn insert_alert_hit(&mut self, hit: &AlertHit) -> Result<bool>;
        fn alert_hits(&mut self) -> Result<Vec<AlertHit>>;
        fn hits_to_notify(&mut self) -> Result<Vec<AlertHit>>;
        fn record_notice(&mut self, seq: i64, message_id: &str) -> Result<()>;
        fn shared_alert_records(&mut self) -> Result<Vec<SharedAlert>>;
        fn partner_alert_records(&mut self) -> Result<Vec<PartnerAlert>>;
    }
}

impl AssessBackend for AnyBackend {
    delegate! {
        fn assessment_entries(&mut self, assessment: Option<&str>) -> Result<Vec<StoredEntry>>;
        fn insert_assessment_entry(&mut self, entry: &StoredEntry) -> Result<i64>;
        fn assistance_records(&mut self) -> Result<Vec<AssistanceRecord>>;
        fn insert_assistance_record(&mut self, record: &AssistanceRecord) -> Result<bool>;
        fn individuals_sex_recorded(&mut self) -> Result<(u64, u64)>;
        fn weapons_awaiting_mark(&mut self) -> Result<(u64, u64)>;
    }
}

impl FederationBackend for AnyBackend {
    delegate! {
        fn insert_peer(&mut self, peer: &PeerRecord) -> Result<i64>;
        fn peers(&mut self) -> Result<Vec<PeerRecord>>;
        fn peer_history(&mut self) -> Result<Vec<PeerRecord>>;
        fn enqueue(&mut self, message: &OutboxMessage) -> Result<bool>;
        fn due_messages(&mut self, now: &str, limit: u64) -> Result<Vec<OutboxMessage>>;
        fn record_attempt(&mut self, id: &str, attempts: i64, next_attempt_at: &str, error: &str) -> Result<()>;
        fn mark_delivered(&mut self, id: &str, at: &str, attempts: i64) -> Result<()>;
        fn abandon(&mut self, id: &str, why: &str) -> Result<()>;
        fn outbox(&mut self, limit: u64) -> Result<Vec<OutboxMessage>>;
        fn sent(&mut self, id: &str) -> Result<Option<OutboxMessage>>;
        fn next_due(&mut self) -> Result<Option<String>>;
        fn inbox_digest(&mut self, id: &str) -> Result<Option<String>>;
        fn insert_inbox(&mut self, message: &InboxMessage) -> Result<bool>;
        fn received(&mut self, id: &str) -> Result<Option<InboxMessage>>;
        fn mark_processed(&mut self, id: &str, at: &str) -> Result<()>;
        fn inbox(&mut self, limit: u64) -> Result<Vec<InboxMessage>>;
    }
}

impl TraceBackend for AnyBackend {
    delegate! {
        fn insert_trace(&mut self, trace: &TraceRecord) -> Result<()>;
        fn add_trace_step(&mut self, step: &TraceStep) -> Result<()>;
        fn traces(&mut self) -> Result<Vec<TraceRecord>>;
        fn trace(&mut self, id: &str) -> Result<Option<TraceRecord>>;
        fn trace_steps(&mut self, id: &str) -> Result<Vec<TraceStep>>;
        fn trace_of_request(&mut self, message_id: &str) -> Result<Option<TraceRecord>>;
    }
}

impl StockBackend for AnyBackend {
    delegate! {
        fn stock_records(&mut self, kind: &str, id: Option<&str>) -> Result<Vec<StockRecord>>;
        fn insert_stock_record(&mut self, record: &StockRecord) -> Result<bool>;
        fn weapons_held_by(&mut self, holder: Uuid) -> Result<Vec<HeldWeapon>>;
        fn holders(&mut self) -> Result<Vec<(Uuid, u64, u64)>>;
        fn deactivated_then_recovered(&mut self) -> Result<Vec<Uuid>>;
    }
}
