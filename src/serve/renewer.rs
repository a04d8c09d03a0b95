//! Renews the served credentials before they expire: at the lease's renewal time, or at once
//! when a request found them stale; failures are retried with the tray's backoff.

use std::sync::Arc;

use keyhop_core::lease::{Lease, MIN_GAP, Margin, STALE};
use keyhop_core::schedule::RefreshFailure;
use keyhop_core::secrets::StsCredentials;
use keyhop_core::session::SessionId;
use keyhop_core::validate::{MfaCode, MfaDevice};
use keyhop_core::{Engine, Error, Result};
use time::OffsetDateTime;
use tokio::sync::{Notify, watch};
use tracing::Instrument;

use crate::saml_signin::{Mode, with_sign_in};

/// Asks the user for an MFA code (on a terminal); `None` when there is nobody to ask.
pub type AskMfa = fn(&str, &MfaDevice) -> Result<Option<MfaCode>>;

/// Timers sleep on the monotonic clock: waking at least this often notices a suspend.
const TICK: std::time::Duration = std::time::Duration::from_secs(60);

pub struct Renewer {
    pub engine: Arc<Engine>,
    pub id: SessionId,
    pub alias: String,
    pub margin: Margin,
    pub lease: watch::Sender<Arc<Lease>>,
    pub kick: Arc<Notify>,
    pub ask_mfa: AskMfa,
}

impl Renewer {
    /// Runs until dropped.
    pub async fn run(self) {
        let mut failure: Option<RefreshFailure> = None;
        let mut last_try: Option<OffsetDateTime> = None;
        loop {
            let lease = self.lease.borrow().clone();
            let now = OffsetDateTime::now_utc();
            // Before it turns stale, whatever the margin; but never sooner than MIN_GAP after
            // the last try, even for credentials that arrive with less than STALE left.
            let planned = lease.renew_at(self.margin).min(lease.expiration() - STALE);
            let planned = last_try.map_or(planned, |t| planned.max(t + MIN_GAP));
            let due = failure.map_or(planned, |f| f.retry_at.max(planned));
            if now < due {
                let wait = (due - now).unsigned_abs().min(TICK);
                tokio::select! {
                    () = tokio::time::sleep(wait) => continue,
                    () = self.kick.notified() => {
                        // A request found them stale: try at once, but not in a loop.
                        let now = OffsetDateTime::now_utc();
                        let recent = last_try.is_some_and(|t| now - t < MIN_GAP);
                        if lease.servable(now) || recent {
                            continue;
                        }
                    }
                }
            }
            last_try = Some(OffsetDateTime::now_utc());
            match self.renew().await {
                Ok(c) => {
                    failure = None;
                    let new = Lease::new(c, OffsetDateTime::now_utc());
                    tracing::info!(alias = %self.alias, expiration = %keyhop_core::engine::rfc3339(new.expiration()), "credentials renewed");
                    self.lease.send_replace(Arc::new(new));
                }
                Err(e) => {
                    let f = RefreshFailure::next(failure, OffsetDateTime::now_utc());
                    eprintln!(
                        "keyhop: renewing the credentials of {} failed: {e}; trying again at {} (the current ones expire at {})",
                        self.alias,
                        at(f.retry_at),
                        at(lease.expiration())
                    );
                    failure = Some(f);
                }
            }
        }
    }

    /// New credentials; when the chain needs an MFA code, asks for one on the terminal.
    async fn renew(&self) -> Result<StsCredentials> {
        match self.fetch(None).await {
            Err(Error::MfaRequired { alias, device }) => {
                eprintln!("keyhop: renewing the credentials of {} needs an MFA code", self.alias);
                let ask = self.ask_mfa;
                let (alias2, device2) = (alias.clone(), device.clone());
                let code = tokio::task::spawn_blocking(move || ask(&alias2, &device2))
                    .await
                    .expect("the MFA prompt does not panic")?;
                match code {
                    Some(code) => self.fetch(Some(code)).await,
                    None => Err(Error::MfaRequired { alias, device }),
                }
            }
            other => other,
        }
    }

    /// The engine's keyring and file calls block: they run on a blocking thread, so a keyring
    /// waiting on an unlock prompt (or a SAML sign-in) does not stop the server from answering.
    /// A SAML session signs in silently from the IdP's cookies: its window never shows here,
    /// and an IdP that wants the user fails this try (retried with the backoff).
    async fn fetch(&self, mfa: Option<MfaCode>) -> Result<StsCredentials> {
        let engine = Arc::clone(&self.engine);
        let id = self.id.clone();
        let handle = tokio::runtime::Handle::current();
        // The STS calls inside have spans of their own; this one says why they happen.
        let span = tracing::info_span!("serve.renew", alias = %self.alias);
        let renew = async move {
            with_sign_in(&engine, Mode::Silent, None, |saml| {
                engine.renewed_credentials(&id, mfa.clone(), saml)
            })
            .await
        };
        tokio::task::spawn_blocking(move || handle.block_on(renew.instrument(span)))
            .await
            .expect("engine task does not panic")
    }
}

/// A time for a message, to the second.
fn at(t: OffsetDateTime) -> String {
    keyhop_core::engine::rfc3339(t.replace_nanosecond(0).unwrap_or(t))
}
