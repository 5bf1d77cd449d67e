//! `fhir`: the typed FHIR R4 client for patient context and scheduling (beside `api`, on the
//! same transport), and the scheduling changes Rounds makes through it.

#[cfg(not(target_arch = "wasm32"))]
pub mod backend;
pub mod chart;
mod client;
pub mod id_token;
pub mod instant;
pub mod resources;
pub mod schedule;
pub mod smart;

pub use client::{FhirClient, FhirError, RenewToken, Versioned};
pub use resources::{
    Appointment, Bundle, OperationOutcome, Patient, Practitioner, Reference, Resource, Schedule, ServiceRequest, Slot,
};
