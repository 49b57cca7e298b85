//! The audit trail writer. Every search and every view of a person's data is written before
//! the answer leaves (DESIGN.md: the audit invariant); a request waits for its line to commit.
//! One thread owns the writing connection and commits the lines of all waiting requests at
//! once (group commit), so that the cost of a durable commit is shared under load.

use std::sync::mpsc;

use salw_store::{AuditDraft, append_audit};
use salw_store_any::Location;
use tokio::sync::oneshot;

use crate::auth::Caller;

/// Lines committed at most in one transaction.
const MAX_BATCH: usize = 1024;

type Reply = oneshot::Sender<Result<(), String>>;

#[derive(Clone)]
pub struct AuditSink {
    queue: mpsc::Sender<(AuditDraft, Reply)>,
}

impl AuditSink {
    pub fn start(db: &Location) -> anyhow::Result<AuditSink> {
        let mut backend = db.open(false)?;
        let (queue, lines) = mpsc::channel::<(AuditDraft, Reply)>();
        std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || {
                while let Ok(first) = lines.recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match lines.try_recv() {
                            Ok(next) => batch.push(next),
                            Err(_) => break,
                        }
                    }
                    let drafts: Vec<AuditDraft> = batch.iter().map(|(d, _)| d.clone()).collect();
                    let result = append_audit(&mut backend, &drafts)
                        .map(|_| ())
                        .map_err(|e| e.to_string());
                    if let Err(e) = &result {
                        tracing::error!("the audit trail cannot be written: {e}");
                    }
                    for (_, reply) in batch {
                        let _ = reply.send(result.clone());
                    }
                }
            })?;
        Ok(AuditSink { queue })
    }

    /// Writes one line and waits for its commit.
    pub async fn record(
        &self,
        who: &Caller,
        action: &str,
        asked: impl Into<String>,
        shown: impl Into<String>,
    ) -> Result<(), String> {
        self.record_as(&who.name, who.role.as_str(), action, asked, shown)
            .await
    }

    pub async fn record_as(
        &self,
        actor: &str,
        role: &str,
        action: &str,
        asked: impl Into<String>,
        shown: impl Into<String>,
    ) -> Result<(), String> {
        let draft = AuditDraft {
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            actor: actor.to_owned(),
            role: role.to_owned(),
            action: action.to_owned(),
            asked: asked.into(),
            shown: shown.into(),
        };
        let (reply, done) = oneshot::channel();
        self.queue
            .send((draft, reply))
            .map_err(|_| "the audit writer has stopped".to_owned())?;
        done.await
            .map_err(|_| "the audit writer has stopped".to_owned())?
    }
}
