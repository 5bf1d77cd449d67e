//! Rounds: care team messaging for clinics, on Matrix.
//!
//! Layers (see `docs/ARCHITECTURE.md`): [`api`] is the typed Matrix client, [`domain`] the pure
//! care-team model, [`provision`] sets up clinics through the client, and `ui` (browser only)
//! is the Leptos app.

pub mod api;
pub mod branding;
pub mod domain;
pub mod fhir;
pub mod provision;
pub mod store;
pub mod sync;

#[cfg(target_arch = "wasm32")]
pub mod ui;
