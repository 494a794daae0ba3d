//! Beacon storage: the append-only chain of a beacon ID behind one trait, so the embedded store
//! and later backends (Postgres) obey the same rules.
//!
//! Rules every implementation keeps: round 0 holds the genesis seed as its signature; a beacon
//! is appended only as `last + 1`; putting an identical stored beacon again is a no-op; a
//! different signature for a stored round is a [`StoreError::Conflict`].

use thiserror::Error;

/// A beacon as the node stores and serves it. For chained schemes `previous_signature` is the
/// signature of `round - 1` (the genesis seed for round 1); for unchained schemes it is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBeacon {
    /// The round number.
    pub round: u64,
    /// The aggregated threshold signature (or the genesis seed for round 0).
    pub signature: Vec<u8>,
    /// The previous round's signature (chained schemes only).
    pub previous_signature: Option<Vec<u8>>,
}

/// What a successful [`BeaconStore::put`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// The beacon was appended as the new last round.
    Appended,
    /// The identical beacon was already stored; nothing changed.
    AlreadyStored,
}

/// Why the store refused or failed an operation.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The beacon does not follow the last stored round (the caller's fault: sync first).
    #[error("round {round} does not follow the last stored round {last}")]
    NotNext {
        /// The round offered.
        round: u64,
        /// The last stored round.
        last: u64,
    },
    /// A different signature is already stored for this round: two valid beacons for one
    /// round must never happen, so this is logged loudly by the caller.
    #[error("round {round} is already stored with a different signature")]
    Conflict {
        /// The round offered.
        round: u64,
    },
    /// A chained beacon whose previous signature is not the stored signature of `round - 1`.
    #[error("round {round}: previous signature does not match the stored round {}", round - 1)]
    BrokenLink {
        /// The round offered.
        round: u64,
    },
    /// The store file is unreadable or inconsistent (the disk's or another program's fault).
    #[error("beacon store is corrupt: {0}")]
    Corrupt(String),
    /// The store could not be opened, read or written.
    #[error("beacon store I/O failed: {0}")]
    Io(String),
}

/// An append-only beacon chain for one beacon ID. Implementations are safe to share between
/// threads; every successful `put` is durable when it returns.
pub trait BeaconStore: Send + Sync {
    /// The highest stored round (round 0, the genesis seed, at least).
    fn last(&self) -> Result<StoredBeacon, StoreError>;
    /// The beacon of `round`, if stored.
    fn get(&self, round: u64) -> Result<Option<StoredBeacon>, StoreError>;
    /// Appends `beacon` as the next round (see the module rules).
    fn put(&self, beacon: &StoredBeacon) -> Result<PutOutcome, StoreError>;
    /// Up to `limit` consecutive stored beacons starting at `from` (fewer at the head).
    fn range(&self, from: u64, limit: usize) -> Result<Vec<StoredBeacon>, StoreError>;
}
