//! Light-client errors: what went wrong, and with which relay.

use crate::error::{ChainInfoError, TimeError, VerifyError};

/// Why the light client could not return a verified beacon.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The client was given no relay URL.
    #[error("no relay URL given")]
    NoRelays,
    /// A relay URL is not an http(s) URL.
    #[error("invalid relay URL {0:?}: expected http:// or https://")]
    BadUrl(String),
    /// No relay served chain info that hashes to the pinned chain hash.
    #[error("no relay served valid chain info for the pinned chain: {0}")]
    ChainInfo(ChainInfoError),
    /// The chain info a relay served is not the pinned chain (scheme or key differ).
    #[error("relay {relay} serves chain info that differs from the pinned chain: {what}")]
    ChainMismatch {
        /// The relay.
        relay: String,
        /// What differed.
        what: String,
    },
    /// The round is not due yet by the clock, or no relay has it yet.
    #[error("round {round} is not available yet (due at Unix time {due})")]
    TooEarly {
        /// The round asked for.
        round: u64,
        /// When it is due (Unix seconds).
        due: u64,
    },
    /// A round/time computation failed.
    #[error(transparent)]
    Time(#[from] TimeError),
    /// A range was empty or reversed.
    #[error("invalid range {from}..={to}")]
    BadRange {
        /// First round.
        from: u64,
        /// Last round.
        to: u64,
    },
    /// Every relay failed; the last failure of each is listed.
    #[error("every relay failed for {what}: {}", failures.join("; "))]
    AllRelaysFailed {
        /// What was being fetched.
        what: String,
        /// `relay: reason` per failure.
        failures: Vec<String>,
    },
    /// A beacon the caller supplied (not a relay) is invalid.
    #[error(transparent)]
    Verify(#[from] VerifyError),
}

impl ClientError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::NoRelays | ClientError::BadUrl(_) | ClientError::BadRange { .. } => {
                "BAD_ARGUMENT"
            }
            ClientError::ChainInfo(e) => e.code(),
            ClientError::ChainMismatch { .. } => "CHAIN_HASH_MISMATCH",
            ClientError::TooEarly { .. } => "TOO_EARLY",
            ClientError::Time(e) => e.code(),
            ClientError::AllRelaysFailed { .. } => "ALL_RELAYS_FAILED",
            ClientError::Verify(e) => e.code(),
        }
    }
}
