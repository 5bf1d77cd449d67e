//! `domain`: the care-team model in pure Rust (no browser or protocol types).

pub mod clinic;
pub mod staff;

pub use clinic::{Category, ClinicPolicy, PolicyError, Role};
pub use staff::StaffView;
