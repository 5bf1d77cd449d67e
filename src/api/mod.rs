//! `api`: the typed Matrix client-server API client.
//!
//! One function per endpoint on [`Client`], typed requests and responses, one [`Error`] type.
//! The HTTP transport is behind [`Transport`]: gloo-net in the browser
//! ([`BrowserTransport`]), ureq natively ([`NativeTransport`]).

mod account_data;
mod auth;
mod client;
mod error;
pub mod events;
mod media;
mod messages;
mod presence;
mod pushers;
mod rooms;
pub mod rounds;
mod sync;
mod transport;

#[cfg(not(target_arch = "wasm32"))]
mod synapse_admin;
#[cfg(target_arch = "wasm32")]
mod transport_browser;
#[cfg(not(target_arch = "wasm32"))]
mod transport_native;

pub use auth::{discover, IdentityProvider, LoginFlows, Versions, WellKnown, WellKnownHomeserver, WhoAmI};
#[cfg(target_arch = "wasm32")]
pub(crate) use client::not_signed_in;
pub use client::{encode, refresh_tokens, Client, Renew, Session, Tokens, DEFAULT_TIMEOUT};
pub use error::{Error, ServerError};
pub use media::{MediaId, ThumbnailSize};
pub use messages::{Direction, EventId, MessagesPage, RelationsPage, ThreadsInclude};
pub use presence::{PresenceContent, PresenceEvent, PresenceState};
pub use pushers::{hold_rule, urgent_rule, Pusher, PusherData, HOLD_RULE, URGENT_RULE};
pub use rooms::{CreateRoom, DirectoryUser, Hierarchy, HierarchyRoom, InitialState, JoinedMember, MemberContent};
pub use sync::{
    Filter, InvitedRoom, JoinedRoom, LeftRoom, Rooms, StrippedState, SyncRequest, SyncResponse, Timeline, UnreadCounts,
};
pub use transport::{Body, HttpRequest, HttpResponse, Method, Transport, TransportError, UploadWatch, MAX_BODY_BYTES};

#[cfg(target_arch = "wasm32")]
pub use transport_browser::BrowserTransport;
#[cfg(not(target_arch = "wasm32"))]
pub use transport_native::NativeTransport;
