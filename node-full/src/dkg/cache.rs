//! An optional cache that several [`Dkg`](super::Dkg)s in one process can share: decoded
//! deal commitments and verified bundle signatures, keyed by digests of the exact bytes. Both
//! are deterministic functions of those bytes, so the cache only saves time (a one-process
//! simulation of n nodes would otherwise decode every commitment n times); a real node,
//! which runs one `Dkg`, does not need it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::crypto::suite::{Commitments, Suite};

/// Entries kept per table; beyond this, nothing new is cached.
const MAX_ENTRIES: usize = 1 << 20;

/// A shared cache of decoded commitments and verified signatures (cheap to clone; clones
/// share the same tables).
#[derive(Clone, Default)]
pub struct SharedCache {
    inner: Arc<Mutex<Tables>>,
}

impl core::fmt::Debug for SharedCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SharedCache")
    }
}

#[derive(Default)]
struct Tables {
    commits: HashMap<[u8; 32], Commitments>,
    verified: HashSet<[u8; 32]>,
}

impl SharedCache {
    /// An empty cache.
    pub fn new() -> SharedCache {
        SharedCache::default()
    }

    /// The key of a commitment list.
    pub(super) fn commits_key(commits: &[Vec<u8>]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"commits");
        for c in commits {
            h.update((c.len() as u64).to_be_bytes());
            h.update(c);
        }
        h.finalize().into()
    }

    /// The key of a (signer, message, signature) triple.
    pub(super) fn signature_key(signer: &[u8], message: &[u8], signature: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"schnorr");
        for part in [signer, message, signature] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        h.finalize().into()
    }

    /// Decoded commitments, if cached for this suite.
    pub(super) fn commits<S: Suite>(&self, key: &[u8; 32]) -> Option<Vec<S::Key>> {
        let tables = self.inner.lock().ok()?;
        S::commitments(tables.commits.get(key)?).map(<[S::Key]>::to_vec)
    }

    /// Caches decoded commitments.
    pub(super) fn store_commits<S: Suite>(&self, key: [u8; 32], points: &[S::Key]) {
        if let Ok(mut tables) = self.inner.lock()
            && tables.commits.len() < MAX_ENTRIES
        {
            tables.commits.insert(key, S::wrap(points.to_vec()));
        }
    }

    /// Whether this signature was verified before.
    pub(super) fn is_verified(&self, key: &[u8; 32]) -> bool {
        self.inner
            .lock()
            .map(|tables| tables.verified.contains(key))
            .unwrap_or(false)
    }

    /// Records a verified signature.
    pub(super) fn store_verified(&self, key: [u8; 32]) {
        if let Ok(mut tables) = self.inner.lock()
            && tables.verified.len() < MAX_ENTRIES
        {
            tables.verified.insert(key);
        }
    }
}
