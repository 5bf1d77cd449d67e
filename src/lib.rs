//! Rounds: care team messaging for clinics, on Matrix.
//!
//! Layers (see `docs/ARCHITECTURE.md`): [`api`] is the typed Matrix client (and [`fhir`] the
//! FHIR one), [`domain`] the pure care-team model, [`store`] what the device keeps, [`sync`] the
//! sync engine and the outbox, [`session`] the services the screens bind to, [`provision`] sets
//! up clinics through the client, `escalate` and `watch` are the escalation service's and the
//! EHR watch's work (native only), and `ui` (browser only) is the Leptos app.

pub mod api;
pub mod branding;
pub mod domain;
#[cfg(not(target_arch = "wasm32"))]
pub mod escalate;
pub mod fhir;
pub mod provision;
pub mod session;
pub mod store;
pub mod sync;
#[cfg(not(target_arch = "wasm32"))]
pub mod watch;

#[cfg(target_arch = "wasm32")]
pub mod ui;

// Measurement only (#24): an end-to-end encryption library linked in and run once at start-up.
#[cfg(all(target_arch = "wasm32", any(feature = "e2ee-vodozemac", feature = "e2ee-sdk-crypto")))]
pub mod e2ee_probe;
