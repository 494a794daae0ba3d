//! An in-memory beacon store with exactly the rules of the embedded one (tests, simulations).

use std::sync::{Mutex, MutexGuard};

use super::rules::{self, ChainView};
use super::{BeaconStore, PutOutcome, StoreError, StoredBeacon};

/// A beacon chain held in memory: index `i` holds the signature of round `i`. Nothing survives
/// the process; use it where a file would only slow a test or simulation down.
#[derive(Debug)]
pub struct MemStore {
    chained: bool,
    signatures: Mutex<Vec<Vec<u8>>>,
}

/// The locked vector seen through the shared rules.
struct View<'a>(&'a [Vec<u8>]);

impl ChainView for View<'_> {
    fn last_round(&self) -> Result<u64, StoreError> {
        last_round(self.0)
    }

    fn signature(&self, round: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(usize::try_from(round)
            .ok()
            .and_then(|i| self.0.get(i))
            .cloned())
    }
}

fn last_round(signatures: &[Vec<u8>]) -> Result<u64, StoreError> {
    (signatures.len() as u64)
        .checked_sub(1)
        .ok_or_else(|| StoreError::Corrupt("in-memory store lost its round 0".into()))
}

impl MemStore {
    /// A new chain holding only round 0, whose signature is `genesis_seed`.
    pub fn new(scheme_chained: bool, genesis_seed: &[u8]) -> MemStore {
        MemStore {
            chained: scheme_chained,
            signatures: Mutex::new(vec![genesis_seed.to_vec()]),
        }
    }

    /// Deletes `round` and every later round (operator `del-beacon`). Round 0 is the genesis
    /// seed and is never deleted: `from == 0` deletes rounds 1.. instead. Returns how many
    /// rounds were deleted.
    pub fn delete_from(&self, round: u64) -> Result<u64, StoreError> {
        let mut signatures = self.lock();
        let keep = usize::try_from(round.max(1)).unwrap_or(usize::MAX);
        let before = signatures.len();
        signatures.truncate(keep);
        Ok(before.saturating_sub(signatures.len()) as u64)
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Vec<u8>>> {
        // A poisoned lock only means another thread panicked while holding it; every mutation
        // here completes before it can panic, so the data is consistent.
        self.signatures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn beacon_at(&self, signatures: &[Vec<u8>], round: u64) -> Option<StoredBeacon> {
        let i = usize::try_from(round).ok()?;
        let signature = signatures.get(i)?.clone();
        let prev = i.checked_sub(1).and_then(|p| signatures.get(p)).cloned();
        Some(rules::rebuild(self.chained, round, signature, prev))
    }
}

impl BeaconStore for MemStore {
    fn last(&self) -> Result<StoredBeacon, StoreError> {
        let signatures = self.lock();
        let last = last_round(&signatures)?;
        self.beacon_at(&signatures, last)
            .ok_or_else(|| rules::missing(last, last))
    }

    fn get(&self, round: u64) -> Result<Option<StoredBeacon>, StoreError> {
        Ok(self.beacon_at(&self.lock(), round))
    }

    fn put(&self, beacon: &StoredBeacon) -> Result<PutOutcome, StoreError> {
        self.put_many(std::slice::from_ref(beacon))
            .map(|appended| match appended {
                0 => PutOutcome::AlreadyStored,
                _ => PutOutcome::Appended,
            })
    }

    fn range(&self, from: u64, limit: usize) -> Result<Vec<StoredBeacon>, StoreError> {
        let signatures = self.lock();
        let mut out = Vec::new();
        let mut round = from;
        while out.len() < limit {
            let Some(beacon) = self.beacon_at(&signatures, round) else {
                break;
            };
            out.push(beacon);
            let Some(next) = round.checked_add(1) else {
                break;
            };
            round = next;
        }
        Ok(out)
    }

    fn put_many(&self, beacons: &[StoredBeacon]) -> Result<usize, StoreError> {
        let mut signatures = self.lock();
        let before = signatures.len();
        let mut appended = 0usize;
        for beacon in beacons {
            match rules::check_put(&View(&signatures), self.chained, beacon) {
                Ok(PutOutcome::Appended) => {
                    signatures.push(beacon.signature.clone());
                    appended = appended.saturating_add(1);
                }
                Ok(PutOutcome::AlreadyStored) => {}
                Err(err) => {
                    // All or nothing, like the embedded store's transaction.
                    signatures.truncate(before);
                    return Err(err);
                }
            }
        }
        Ok(appended)
    }

    fn len(&self) -> Result<u64, StoreError> {
        Ok(self.lock().len() as u64)
    }
}
