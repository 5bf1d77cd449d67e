//! Why the local store could not do something, in words staff can act on.

use std::fmt;

/// A failure of the local (IndexedDB) store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// IndexedDB or WebCrypto cannot be used here (private browsing, disabled storage, an old
    /// browser, another tab blocking an upgrade).
    Unavailable(String),
    /// The browser's storage quota is used up.
    QuotaExceeded,
    /// Encryption or decryption failed (a wrong key or damaged data).
    Crypto(String),
    /// Any other IndexedDB failure.
    Failed(String),
}

impl StoreError {
    /// Classifies an IndexedDB error by the DOMException name inside its message.
    pub fn from_idb(context: &str, message: &str) -> StoreError {
        if message.contains("QuotaExceeded") {
            StoreError::QuotaExceeded
        } else if message.contains("InvalidStateError")
            || message.contains("SecurityError")
            || message.contains("NotFound")
        {
            StoreError::Unavailable(format!("{context}: {message}"))
        } else {
            StoreError::Failed(format!("{context}: {message}"))
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Unavailable(detail) => write!(
                f,
                "This browser does not let Rounds save drafts and unsent messages on this device ({detail}). \
                 Private browsing blocks it; use a normal window."
            ),
            StoreError::QuotaExceeded => write!(
                f,
                "This device is out of storage space for Rounds: drafts and unsent messages cannot be saved. \
                 Free some space and reload."
            ),
            StoreError::Crypto(detail) => write!(f, "Local encryption failed: {detail}"),
            StoreError::Failed(detail) => write!(f, "Saving on this device failed: {detail}"),
        }
    }
}

impl std::error::Error for StoreError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_dom_exceptions() {
        assert_eq!(
            StoreError::from_idb("x", "QuotaExceededError: full"),
            StoreError::QuotaExceeded
        );
        assert!(matches!(
            StoreError::from_idb("x", "InvalidStateError"),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(StoreError::from_idb("x", "DataError"), StoreError::Failed(_)));
        assert!(StoreError::QuotaExceeded.to_string().contains("out of storage"));
    }
}
