//! A bounded least-recently-used cache of verified beacons. Only [`VerifiedBeacon`]s go in, so
//! nothing unverified can ever come out.

use std::collections::{HashMap, VecDeque};

use crate::verify::VerifiedBeacon;

/// A bounded LRU map from round to verified beacon.
#[derive(Debug)]
pub struct BeaconCache {
    capacity: usize,
    entries: HashMap<u64, VerifiedBeacon>,
    /// Rounds from least to most recently used.
    order: VecDeque<u64>,
}

impl BeaconCache {
    /// A cache holding at most `capacity` beacons (0 disables caching).
    pub fn new(capacity: usize) -> BeaconCache {
        BeaconCache {
            capacity,
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// The cached beacon of `round`, marking it recently used.
    pub fn get(&mut self, round: u64) -> Option<VerifiedBeacon> {
        let hit = self.entries.get(&round).cloned()?;
        self.touch(round);
        Some(hit)
    }

    /// Stores a verified beacon, evicting the least recently used beyond capacity.
    pub fn put(&mut self, beacon: VerifiedBeacon) {
        if self.capacity == 0 {
            return;
        }
        let round = beacon.round();
        if self.entries.insert(round, beacon).is_some() {
            self.touch(round);
            return;
        }
        self.order.push_back(round);
        while self.entries.len() > self.capacity {
            match self.order.pop_front() {
                Some(old) => {
                    self.entries.remove(&old);
                }
                None => break,
            }
        }
    }

    /// Number of cached beacons.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn touch(&mut self, round: u64) {
        if let Some(pos) = self.order.iter().position(|&r| r == round) {
            self.order.remove(pos);
        }
        self.order.push_back(round);
    }
}
