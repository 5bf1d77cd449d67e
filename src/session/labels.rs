//! A portal's own names for the clinic's categories and roles (from its `config.json`).

use crate::domain::ClinicPolicy;
use std::collections::BTreeMap;

/// Labels replacing the policy's, by category id and role id (display only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Labels {
    /// Category id → label.
    pub categories: BTreeMap<String, String>,
    /// Role id → label.
    pub roles: BTreeMap<String, String>,
}

impl Labels {
    /// Renames what this portal renames in `policy`.
    pub fn apply(&self, policy: &mut ClinicPolicy) {
        for c in &mut policy.categories {
            if let Some(label) = self.categories.get(&c.id) {
                c.label = label.clone();
            }
        }
        for r in &mut policy.roles {
            if let Some(label) = self.roles.get(&r.id) {
                r.label = label.clone();
            }
        }
    }
}
