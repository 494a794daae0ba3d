//! Digests of ceremony data: the proposal digest (all terms), the packet digest (duplicate
//! detection of gossip) and the DKG nonce.
//!
//! drand dedupes gossip by signature and uses `sha256(BE32(epoch))` as the DKG session ID,
//! so a re-proposal with identical terms is dropped and every retry of an epoch shares a
//! session ID (§1.7, §1.10). Ours: the packet digest covers the packet type, the sender and
//! the full terms, and the nonce covers the proposal digest, so a retry with different terms
//! is a different packet and a different DKG session.
//!
//! Encoding: SHA-256 over a domain tag, then each field in a fixed order; byte strings are
//! length-prefixed (BE64 length ‖ bytes), integers big-endian, lists count-prefixed, so no
//! two different values hash the same input.

use sha2::{Digest, Sha256};

use super::{GossipBody, Participant, ProposalTerms, Timestamp};

const PROPOSAL_TAG: &[u8] = b"drand-lite ceremony proposal v1";
const PACKET_TAG: &[u8] = b"drand-lite ceremony packet v1";

fn bytes(h: &mut Sha256, b: &[u8]) {
    h.update(u64::try_from(b.len()).unwrap_or(u64::MAX).to_be_bytes());
    h.update(b);
}

fn time(h: &mut Sha256, t: Timestamp) {
    h.update(t.secs.to_be_bytes());
    h.update(t.nanos.to_be_bytes());
}

fn participant(h: &mut Sha256, p: &Participant) {
    bytes(h, p.address.as_bytes());
    bytes(h, &p.key);
    bytes(h, &p.signature);
}

fn participants(h: &mut Sha256, list: &[Participant]) {
    h.update(u64::try_from(list.len()).unwrap_or(u64::MAX).to_be_bytes());
    for p in list {
        participant(h, p);
    }
}

/// A digest of every field of the terms, keys and genesis seed included: two proposals
/// have the same digest only if they are identical.
pub fn proposal_digest(terms: &ProposalTerms) -> [u8; 32] {
    let mut h = Sha256::new();
    bytes(&mut h, PROPOSAL_TAG);
    bytes(&mut h, terms.beacon_id.as_bytes());
    h.update(terms.epoch.to_be_bytes());
    participant(&mut h, &terms.leader);
    h.update(terms.threshold.to_be_bytes());
    time(&mut h, terms.timeout);
    h.update(terms.catchup_period_secs.to_be_bytes());
    h.update(terms.beacon_period_secs.to_be_bytes());
    bytes(&mut h, terms.scheme_id.as_bytes());
    time(&mut h, terms.genesis_time);
    bytes(&mut h, &terms.genesis_seed);
    participants(&mut h, &terms.joining);
    participants(&mut h, &terms.remaining);
    participants(&mut h, &terms.leaving);
    h.finalize().into()
}

/// The duplicate-detection key of a gossip packet: its type and content, its sender and the
/// full terms it applies to. Identical re-gossip has the same digest; a re-proposal after an
/// abort with any changed term (or a different sender or packet type) does not.
pub fn packet_digest(
    beacon_id: &str,
    body: &GossipBody,
    terms: &ProposalTerms,
    sender: &str,
) -> [u8; 32] {
    let mut h = Sha256::new();
    bytes(&mut h, PACKET_TAG);
    bytes(&mut h, beacon_id.as_bytes());
    bytes(&mut h, body.kind().as_bytes());
    match body {
        GossipBody::Proposal(p) => h.update(proposal_digest(p)),
        GossipBody::Accept(p) | GossipBody::Reject(p) | GossipBody::Joined(p) => {
            participant(&mut h, p);
        }
        GossipBody::Execute { time: t } => time(&mut h, *t),
        GossipBody::Abort { reason } => bytes(&mut h, reason.as_bytes()),
        GossipBody::Dkg => {}
    }
    bytes(&mut h, sender.as_bytes());
    h.update(proposal_digest(terms));
    h.finalize().into()
}

/// The DKG session ID (kyber's nonce): `sha256(BE32(epoch) ‖ proposal_digest)`. Unlike
/// drand's `sha256(BE32(epoch))`, a retry of the same epoch with other terms gets a fresh
/// session, so replayed bundles of the failed attempt are rejected.
pub fn dkg_nonce(epoch: u32, proposal_digest: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(epoch.to_be_bytes());
    h.update(proposal_digest);
    h.finalize().into()
}
