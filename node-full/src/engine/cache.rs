//! Verified partials waiting for a threshold, bounded: only a window of rounds is admitted (by
//! the engine) and each signer index holds at most a fixed number of partials here, the oldest
//! evicted first. Nothing grows with time or with a flooding peer.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Partials that can be combined: same round and, for chained schemes, same previous signature.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BucketKey {
    /// The round.
    pub round: u64,
    /// The previous signature signed over (chained schemes only).
    pub previous: Option<Vec<u8>>,
}

/// The partials of one bucket, by signer index.
#[derive(Debug, Default)]
pub struct Bucket {
    /// Partial signatures by signer index.
    pub partials: BTreeMap<u32, Vec<u8>>,
    /// Who sent each partial (for attribution when one turns out invalid).
    pub senders: BTreeMap<u32, String>,
    /// Indices whose partial was verified individually (or is our own).
    pub verified: BTreeSet<u32>,
    /// How many partials the last failed recovery had (retry only with more).
    pub tried_len: usize,
    /// Whether this bucket already triggered a sync request.
    pub sync_requested: bool,
}

/// The cache of one engine.
#[derive(Debug)]
pub struct PartialCache {
    buckets: BTreeMap<BucketKey, Bucket>,
    by_signer: BTreeMap<u32, VecDeque<BucketKey>>,
    max_per_signer: usize,
}

impl PartialCache {
    /// An empty cache holding at most `max_per_signer` partials per signer index.
    pub fn new(max_per_signer: usize) -> Self {
        PartialCache {
            buckets: BTreeMap::new(),
            by_signer: BTreeMap::new(),
            max_per_signer: max_per_signer.max(1),
        }
    }

    /// The partial of `index` in `key`'s bucket, if cached.
    pub fn get(&self, key: &BucketKey, index: u32) -> Option<&[u8]> {
        self.buckets
            .get(key)
            .and_then(|b| b.partials.get(&index))
            .map(Vec::as_slice)
    }

    /// The bucket of `key`, if any partial is cached for it.
    pub fn bucket(&self, key: &BucketKey) -> Option<&Bucket> {
        self.buckets.get(key)
    }

    /// The bucket of `key`, mutably.
    pub fn bucket_mut(&mut self, key: &BucketKey) -> Option<&mut Bucket> {
        self.buckets.get_mut(key)
    }

    /// Caches `partial` of `index` in `key`'s bucket (replacing nothing: callers check
    /// [`PartialCache::get`] first), evicting `index`'s oldest partial when at its limit.
    pub fn insert(
        &mut self,
        key: BucketKey,
        index: u32,
        partial: Vec<u8>,
        from: String,
        verified: bool,
    ) {
        let queue = self.by_signer.entry(index).or_default();
        while queue.len() >= self.max_per_signer {
            let Some(old) = queue.pop_front() else { break };
            if let Some(bucket) = self.buckets.get_mut(&old) {
                bucket.partials.remove(&index);
                bucket.senders.remove(&index);
                bucket.verified.remove(&index);
                if bucket.partials.is_empty() {
                    self.buckets.remove(&old);
                }
            }
        }
        queue.push_back(key.clone());
        let bucket = self.buckets.entry(key).or_default();
        bucket.partials.insert(index, partial);
        bucket.senders.insert(index, from);
        if verified {
            bucket.verified.insert(index);
        } else {
            bucket.verified.remove(&index);
        }
    }

    /// Removes `index`'s partial from `key`'s bucket (found invalid); returns who sent it.
    pub fn remove(&mut self, key: &BucketKey, index: u32) -> Option<String> {
        let bucket = self.buckets.get_mut(key)?;
        bucket.partials.remove(&index)?;
        bucket.verified.remove(&index);
        let from = bucket.senders.remove(&index);
        if let Some(queue) = self.by_signer.get_mut(&index) {
            queue.retain(|k| k != key);
        }
        from
    }

    /// Drops every bucket of a round `<= last` (those rounds are stored).
    pub fn prune_through(&mut self, last: u64) {
        self.buckets.retain(|key, _| key.round > last);
        for queue in self.by_signer.values_mut() {
            queue.retain(|key| key.round > last);
        }
        self.by_signer.retain(|_, queue| !queue.is_empty());
    }

    /// The number of cached partials (for metrics and tests).
    pub fn len(&self) -> usize {
        self.buckets.values().map(|b| b.partials.len()).sum()
    }
}
