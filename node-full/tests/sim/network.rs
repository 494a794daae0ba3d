//! The simulated network: per-link delay and loss, and partitions.

use std::collections::BTreeSet;

use rand_chacha::ChaCha8Rng;

use super::rng;

/// Link behaviour, the same for every link unless partitioned.
#[derive(Debug, Clone)]
pub struct Network {
    /// Smallest one-way delay (ms).
    pub delay_min_ms: u64,
    /// Largest one-way delay (ms).
    pub delay_max_ms: u64,
    /// Probability a gossip message is lost.
    pub loss: f64,
    /// Directed links that are cut, `(from, to)`.
    cut: BTreeSet<(usize, usize)>,
}

impl Network {
    /// A network with delays in `min..=max` ms and no loss.
    pub fn new(delay_min_ms: u64, delay_max_ms: u64) -> Self {
        Network {
            delay_min_ms,
            delay_max_ms,
            loss: 0.0,
            cut: BTreeSet::new(),
        }
    }

    /// Splits the nodes into groups that cannot reach each other.
    pub fn partition(&mut self, n: usize, groups: &[&[usize]]) {
        self.cut.clear();
        let group_of = |i: usize| groups.iter().position(|g| g.contains(&i));
        for a in 0..n {
            for b in 0..n {
                if a != b && group_of(a) != group_of(b) {
                    self.cut.insert((a, b));
                }
            }
        }
    }

    /// Removes every partition.
    pub fn heal(&mut self) {
        self.cut.clear();
    }

    /// Whether `from` can reach `to` at all.
    pub fn connected(&self, from: usize, to: usize) -> bool {
        !self.cut.contains(&(from, to))
    }

    /// The delay of one gossip message, or `None` if it is lost or the link is cut.
    pub fn gossip_delay(&self, rng: &mut ChaCha8Rng, from: usize, to: usize) -> Option<u64> {
        // Draw both numbers every time so the random stream does not depend on the outcome.
        let lost = rng::chance(rng, self.loss);
        let delay = rng::range(rng, self.delay_min_ms, self.delay_max_ms);
        (self.connected(from, to) && !lost).then_some(delay)
    }
}
