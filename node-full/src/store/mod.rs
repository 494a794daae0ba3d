//! Beacon storage: the append-only chain of a beacon ID behind one trait, so the embedded store
//! and later backends (Postgres) obey the same rules.
//!
//! Rules every implementation keeps: round 0 holds the genesis seed as its signature; a beacon
//! is appended only as `last + 1`; putting an identical stored beacon again is a no-op; a
//! different signature for a stored round is a [`StoreError::Conflict`].
//!
//! The rules live in one place, [`rules`], and every backend calls them, so the embedded
//! [`RedbStore`] and the in-memory [`MemStore`] (tests, simulations) cannot drift apart.
//!
//! Chained schemes: `previous_signature` must be the stored signature of `round - 1` (`None` for
//! round 0), otherwise the put is a [`StoreError::BrokenLink`]; reads rebuild it from `round - 1`.
//! Unchained schemes: `previous_signature` is ignored on put (the signature does not cover it and
//! the trimmed format has no place for it) and is always `None` on read.

pub mod dkg_store;
mod mem;
mod redb_create;
mod redb_errors;
mod redb_store;
pub mod rules;

pub use dkg_store::{DkgStore, DkgStoreError};
pub use mem::MemStore;
pub use redb_store::RedbStore;

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

impl StoredBeacon {
    /// The beacon as the verifier core takes it (unverified; no randomness field).
    pub fn to_beacon(&self) -> drand_lite::Beacon {
        drand_lite::Beacon {
            round: self.round,
            signature: self.signature.clone(),
            previous_signature: self.previous_signature.clone(),
            randomness: None,
        }
    }
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
    #[error(
        "round {round}: previous signature does not match the stored round {}",
        round.saturating_sub(1)
    )]
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
    /// The store file was created for another chain (different genesis seed or scheme kind):
    /// the operator pointed the node at the wrong file or folder.
    #[error("beacon store {path} belongs to another chain: {reason}")]
    ForeignChain {
        /// The store file.
        path: String,
        /// What differs.
        reason: String,
    },
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

    /// Appends a batch of consecutive beacons (the sync path). Each beacon obeys the same rules
    /// as [`BeaconStore::put`]; identical already-stored beacons are skipped. Returns how many
    /// were appended. The backends here apply the batch in one transaction, all or nothing;
    /// this default (for backends without transactions) stops at the first error and keeps
    /// the beacons appended before it.
    fn put_many(&self, beacons: &[StoredBeacon]) -> Result<usize, StoreError> {
        let mut appended = 0usize;
        for beacon in beacons {
            if self.put(beacon)? == PutOutcome::Appended {
                appended = appended.saturating_add(1);
            }
        }
        Ok(appended)
    }

    /// How many rounds are stored, round 0 included (so `last().round + 1`).
    fn len(&self) -> Result<u64, StoreError> {
        Ok(self.last()?.round.saturating_add(1))
    }

    /// Whether no round is stored; never true for a healthy store, which always holds round 0.
    fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }
}
