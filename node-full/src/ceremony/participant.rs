//! Ceremony participants (drand's `dkg.Participant`) and the DKG order of §1.12.

use crate::files::{GroupNode, Identity};

use super::ProposalTerms;

/// A node named in a proposal: where to reach it, its long-term key and its self-signature.
///
/// Equality compares all three fields, like drand's `util.EqualParticipant`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Participant {
    /// The `host:port` peers dial (and the `address` in the packets it signs).
    pub address: String,
    /// Its long-term public key, in the scheme's key group.
    pub key: Vec<u8>,
    /// Its self-signature over `schemeName || blake2b256(key)` (empty for v1-migrated nodes).
    pub signature: Vec<u8>,
}

impl Participant {
    /// The participant for a node identity.
    pub fn from_identity(identity: &Identity) -> Participant {
        Participant {
            address: identity.address.clone(),
            key: identity.key.clone(),
            signature: identity.signature.clone(),
        }
    }

    /// The participant for a group member.
    pub fn from_group_node(node: &GroupNode) -> Participant {
        Participant {
            address: node.address.clone(),
            key: node.key.clone(),
            signature: node.signature.clone(),
        }
    }
}

/// Whether `list` holds a participant equal (address, key and signature) to `who`: drand's
/// `util.Contains`.
pub(crate) fn contains(list: &[Participant], who: &Participant) -> bool {
    list.iter().any(|p| p == who)
}

/// The participant at `address` in `list`.
pub(crate) fn find_address<'a>(list: &'a [Participant], address: &str) -> Option<&'a Participant> {
    list.iter().find(|p| p.address == address)
}

/// The members of the new group in DKG order (§1.12): remaining ∪ joining, sorted by the raw
/// bytes of their public keys; a member's DKG index is its position in this list. The order
/// is stable, so two entries with the same key (which validation refuses) keep their order.
pub fn sorted_participants(terms: &ProposalTerms) -> Vec<(u32, Participant)> {
    let mut all: Vec<Participant> = terms
        .remaining
        .iter()
        .chain(terms.joining.iter())
        .cloned()
        .collect();
    all.sort_by(|a, b| a.key.cmp(&b.key));
    (0u32..).zip(all).collect()
}
