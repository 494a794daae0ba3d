//! What a beacon engine needs to know about its group and its limits.

use std::collections::BTreeSet;

use drand_lite::ChainInfo;
use thiserror::Error;

/// Configuration of one node's beacon engine for one beacon ID.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The chain: scheme, group public key, genesis time and seed, period.
    pub info: ChainInfo,
    /// This node's share index.
    pub own_index: u32,
    /// Partials needed to recover a beacon.
    pub threshold: usize,
    /// Every share index of the group, this node's included.
    pub nodes: Vec<u32>,
    /// Pause between two rounds while catching up (drand's group `catchup_period`).
    pub catchup_period_ms: u64,
    /// Rounds ahead of the last stored one whose partials are cached (drand's
    /// `partialCacheStoreLimit`, 3): partials for `last < round <= last + window + 1` are kept.
    pub partial_window: u64,
    /// Cached partials per signer index; the oldest is evicted (drand's `MaxPartialsPerNode`).
    pub max_partials_per_node: usize,
    /// The first round this group signs (its transition round after a reshare; 0 for the
    /// epoch-1 group). Earlier rounds belong to the previous group: this node syncs them.
    pub active_from: u64,
    /// The last round this group signs (`u64::MAX` until a reshare removes this node).
    pub active_until: u64,
}

/// A configuration the engine cannot run with (the operator's or the caller's fault).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// The threshold is 0 or larger than the group.
    #[error("threshold {threshold} is not within 1..={nodes} (group size)")]
    BadThreshold {
        /// The configured threshold.
        threshold: usize,
        /// The number of group members.
        nodes: usize,
    },
    /// This node's index is not a group member.
    #[error("own index {0} is not in the group")]
    OwnIndexMissing(u32),
    /// A share index appears twice in the group.
    #[error("share index {0} appears twice in the group")]
    DuplicateIndex(u32),
    /// A share index does not fit the 16-bit index prefix of a partial signature.
    #[error("share index {0} does not fit in 16 bits")]
    IndexTooLarge(u32),
    /// A cache limit of zero would drop every partial.
    #[error("max_partials_per_node must be at least 1")]
    ZeroPartialLimit,
    /// A transition to a group of another chain (the chain never changes across a reshare).
    #[error("the new group belongs to another chain ({0}); a reshare keeps the chain")]
    OtherChain(String),
    /// A transition round that is already stored.
    #[error("transition round {round} is not after the last stored round {last}")]
    TransitionInPast {
        /// The requested transition round.
        round: u64,
        /// The last stored round.
        last: u64,
    },
}

impl EngineConfig {
    /// drand's `partialCacheStoreLimit`.
    pub const DEFAULT_PARTIAL_WINDOW: u64 = 3;
    /// drand's `MaxPartialsPerNode`.
    pub const DEFAULT_MAX_PARTIALS_PER_NODE: usize = 100;

    /// A configuration with drand's cache limits and a catch-up period of half the round
    /// period (set `catchup_period_ms` from the group file when it states one).
    pub fn new(info: ChainInfo, own_index: u32, threshold: usize, nodes: Vec<u32>) -> Self {
        let catchup_period_ms = u64::from(info.period()).saturating_mul(500);
        EngineConfig {
            info,
            own_index,
            threshold,
            nodes,
            catchup_period_ms,
            partial_window: Self::DEFAULT_PARTIAL_WINDOW,
            max_partials_per_node: Self::DEFAULT_MAX_PARTIALS_PER_NODE,
            active_from: 0,
            active_until: u64::MAX,
        }
    }

    /// Whether this group signs `round`.
    pub fn signs(&self, round: u64) -> bool {
        round >= self.active_from && round <= self.active_until
    }

    /// Checks the group description: threshold within the group, own index a member, indices
    /// unique and 16-bit, a non-zero cache limit.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut seen = BTreeSet::new();
        for &index in &self.nodes {
            if index > u32::from(u16::MAX) {
                return Err(ConfigError::IndexTooLarge(index));
            }
            if !seen.insert(index) {
                return Err(ConfigError::DuplicateIndex(index));
            }
        }
        if self.threshold == 0 || self.threshold > self.nodes.len() {
            return Err(ConfigError::BadThreshold {
                threshold: self.threshold,
                nodes: self.nodes.len(),
            });
        }
        if !seen.contains(&self.own_index) {
            return Err(ConfigError::OwnIndexMissing(self.own_index));
        }
        if self.max_partials_per_node == 0 {
            return Err(ConfigError::ZeroPartialLimit);
        }
        Ok(())
    }
}
