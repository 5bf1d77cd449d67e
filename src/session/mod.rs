//! `session`: the services the screens bind to, between `sync` and `ui`. A [`Session`] owns the
//! signed-in person's live inbox (sync loop, status, receipts, typing, paging, invites, the
//! outbox, the inbox kept on the device); an [`Ehr`] their view of the clinic's EHR. Both are
//! generic over transport, store and platform, so they run natively in tests; [`browser`] binds
//! them to a browser tab. Screens get domain types and plain views, never protocol content.

mod attachments;
mod audit;
#[cfg(target_arch = "wasm32")]
pub mod browser;
mod change;
mod chart;
mod corrections;
mod ehr;
mod labels;
mod push;
mod service;
mod signin;

pub use crate::api::encode;
pub use crate::fhir::schedule::Step as ChangeStep;
pub use crate::fhir::FhirError;
pub use crate::provision::RosterEntry;
pub use crate::sync::outbox::{QueueError, Refusal};
pub use crate::sync::{Command, SyncStatus};
pub use audit::HistoryFile;
pub use change::Change;
pub use chart::filed_notice;
pub use ehr::{announcement, Column, Ehr, FreeTime, HalfDone, Outcome, PatientMatch, PatientRecord, Visit};
pub use labels::Labels;
pub use push::{urgent_rule, PushGateway, WebPushSubscription, URGENT_RULE};
pub use service::{OpenProblem, Session, Start, LONG_POLL, SYNC_RECEIVED};
pub use signin::{resume, sign_in, sign_in_answered, sign_in_with_token, to_keep, SignInError};
