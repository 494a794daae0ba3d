//! What a DKG run needs to know: the scheme, this node's long-term key, the participants and
//! their indices, the threshold, the session nonce, the previous group for a reshare and the
//! phase timeout.

use drand_lite::Scheme;

use crate::crypto::{PublicPoly, SecretKey, Share};

/// A participant: its index in the protocol and its long-term public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkgNode {
    /// The index (position in the list sorted by key bytes for new nodes, the previous
    /// group's index for old nodes).
    pub index: u32,
    /// The long-term identity key in the scheme's key-group encoding.
    pub public_key: Vec<u8>,
}

/// The previous group, for a reshare.
#[derive(Debug, Clone)]
pub struct ReshareConfig {
    /// The previous group's members with their indices in that group (the dealers).
    pub old_nodes: Vec<DkgNode>,
    /// The previous group's commitments (coefficient 0 = the group key, kept by the reshare).
    pub old_public: PublicPoly,
    /// The previous group's threshold.
    pub old_threshold: u32,
    /// This node's share of the previous group, when it held one (then it deals).
    pub share: Option<Share>,
}

/// The configuration of one DKG run.
#[derive(Debug, Clone)]
pub struct DkgConfig {
    /// The scheme: the DKG runs in its key group.
    pub scheme: Scheme,
    /// This node's long-term identity secret.
    pub longterm: SecretKey,
    /// The new group (the share holders).
    pub new_nodes: Vec<DkgNode>,
    /// The new threshold (coefficients of the new polynomial).
    pub threshold: u32,
    /// The session ID that every bundle must carry.
    pub nonce: [u8; 32],
    /// The previous group for a reshare; `None` for a fresh DKG.
    pub reshare: Option<ReshareConfig>,
    /// The length of each phase (drand: 10 000 ms).
    pub phase_timeout_ms: u64,
}
