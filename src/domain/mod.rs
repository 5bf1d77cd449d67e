//! `domain`: the care-team model in pure Rust (no browser or protocol types).

pub mod attachment;
pub mod audit;
pub mod availability;
pub mod clinic;
pub mod clock;
pub mod compose;
pub mod corrections;
pub mod directory;
pub mod draft;
pub mod escalation;
pub mod ids;
pub mod inbox;
pub mod role_history;
pub mod staff;
pub mod thread;
pub mod watch;

pub use attachment::{Attachment, AttachmentRules, FileRefusal, StagedFile};
pub use audit::{current_messages, AuditEntry, AuditTrail, CurrentMessage, Happened, ReadMark};
pub use availability::Availability;
pub use clinic::{Category, ClinicPolicy, Escalation, PolicyError, Role};
pub use corrections::{may_edit, may_retract, retraction_deadline, Version, Versions};
pub use directory::{addressed_as, typed_mention, Addressee, Directory, Person};
pub use draft::{DraftProblem, ReadyThread, ThreadDraft};
pub use ids::{EventId, RoomId, ThreadId, ThreadKey};
pub use inbox::{
    CategoryCounts, Filter, Inbox, InboxChoices, InboxSnapshot, Incoming, PendingEdit, Touched, View, DIRECT,
};
pub use role_history::{render_role_history, RoleChange, RoleChangeKind};
pub use staff::StaffView;
pub use thread::{Body, Delivery, EhrClaim, Message, Patient, Priority, Status, Thread, ThreadInfo};
pub use watch::{WatchKind, WatchRule};
