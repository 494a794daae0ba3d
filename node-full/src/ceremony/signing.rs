//! The bytes a gossip packet's signature covers (§1.10, byte-exact with drand's
//! `messageForSigning`), and signing/verifying them with a node's long-term key.

use drand_lite::Scheme;

use crate::crypto::{SecretKey, verify_signature};

use super::participant::find_address;
use super::{CeremonyError, Participant, ProposalTerms, Timestamp};

/// The payload of a ceremony gossip packet (drand's `GossipPacket` oneof, plus our
/// `Joined`, which travels only in our own `drandlite.Ceremony` service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GossipBody {
    /// The leader's proposal.
    Proposal(ProposalTerms),
    /// A remainer accepted.
    Accept(Participant),
    /// A remainer rejected.
    Reject(Participant),
    /// The leader started execution; the DKG starts at `time` (the kickoff).
    Execute {
        /// The kickoff time.
        time: Timestamp,
    },
    /// The leader aborted.
    Abort {
        /// Why (drand sends `"none"`).
        reason: String,
    },
    /// A DKG protocol packet (its content is not signed here).
    Dkg,
    /// Ours: a joiner ran `dkg join`.
    Joined(Participant),
}

impl GossipBody {
    /// A short name of the packet type, for logs and errors.
    pub fn kind(&self) -> &'static str {
        match self {
            GossipBody::Proposal(_) => "proposal",
            GossipBody::Accept(_) => "accept",
            GossipBody::Reject(_) => "reject",
            GossipBody::Execute { .. } => "execute",
            GossipBody::Abort { .. } => "abort",
            GossipBody::Dkg => "dkg",
            GossipBody::Joined(_) => "joined",
        }
    }
}

/// The exact bytes drand signs for a gossip packet: `"beaconID:" + id + "\n"`, then the
/// body's part, then the terms (`terms` = the terms of the state *after* applying the
/// packet). Participants' keys and the genesis seed are not covered (drand's choice; our
/// [`proposal_digest`](super::proposal_digest) covers them). Our `Joined` body is
/// `"Joined:" + address + "\n"` in the same frame.
pub fn message_for_signing(beacon_id: &str, body: &GossipBody, terms: &ProposalTerms) -> Vec<u8> {
    let mut m = Vec::with_capacity(512);
    let s = |m: &mut Vec<u8>, text: &str| m.extend_from_slice(text.as_bytes());
    s(&mut m, "beaconID:");
    s(&mut m, beacon_id);
    s(&mut m, "\n");
    match body {
        GossipBody::Proposal(p) => {
            s(&mut m, "Proposal:");
            s(&mut m, &p.beacon_id);
            s(&mut m, "\n");
            m.extend_from_slice(&p.epoch.to_le_bytes());
            s(&mut m, "\nLeader:");
            s(&mut m, &p.leader.address);
            s(&mut m, "\n");
            m.extend_from_slice(&p.leader.signature);
        }
        GossipBody::Accept(p) => {
            s(&mut m, "Accepted:");
            s(&mut m, &p.address);
            s(&mut m, "\n");
        }
        GossipBody::Reject(p) => {
            s(&mut m, "Rejected:");
            s(&mut m, &p.address);
            s(&mut m, "\n");
        }
        GossipBody::Abort { reason } => {
            s(&mut m, "Aborted:");
            s(&mut m, reason);
            s(&mut m, "\n");
        }
        GossipBody::Execute { time } => {
            s(&mut m, "Execute:");
            m.extend_from_slice(&time.go_binary());
        }
        GossipBody::Dkg => s(&mut m, "Gossip packet"),
        GossipBody::Joined(p) => {
            s(&mut m, "Joined:");
            s(&mut m, &p.address);
            s(&mut m, "\n");
        }
    }
    s(&mut m, "Proposal:\n");
    s(&mut m, &terms.beacon_id);
    s(&mut m, "\n");
    m.extend_from_slice(&terms.epoch.to_le_bytes());
    s(&mut m, "\nLeader:");
    s(&mut m, &terms.leader.address);
    s(&mut m, "\n");
    m.extend_from_slice(&terms.leader.signature);
    m.extend_from_slice(&terms.threshold.to_le_bytes());
    m.extend_from_slice(&terms.timeout.go_binary());
    m.extend_from_slice(&terms.catchup_period_secs.to_le_bytes());
    m.extend_from_slice(&terms.beacon_period_secs.to_le_bytes());
    s(&mut m, "\nScheme: ");
    s(&mut m, &terms.scheme_id);
    s(&mut m, "\n");
    m.extend_from_slice(&terms.genesis_time.go_binary());
    for (label, list) in [
        ("\nJoiner:", &terms.joining),
        ("\nRemainer:", &terms.remaining),
        ("\nLeaver:", &terms.leaving),
    ] {
        for p in list {
            s(&mut m, label);
            s(&mut m, &p.address);
            s(&mut m, "\nSig:");
            m.extend_from_slice(&p.signature);
        }
    }
    m
}

/// Signs a packet with this node's long-term key (plain BLS in the scheme's signature
/// group, like the identity self-signature).
pub fn sign_packet(
    secret: &SecretKey,
    beacon_id: &str,
    body: &GossipBody,
    terms: &ProposalTerms,
) -> Vec<u8> {
    secret.sign(&message_for_signing(beacon_id, body, terms))
}

/// Verifies a packet as drand does: the alleged `sender` is looked up by address among the
/// terms' remainers and joiners, and the signature must verify under its listed key. On
/// failure the error carries the hex of the signed bytes (for comparison with Go's logs).
pub fn verify_packet(
    scheme: Scheme,
    beacon_id: &str,
    body: &GossipBody,
    terms: &ProposalTerms,
    sender: &str,
    signature: &[u8],
) -> Result<(), CeremonyError> {
    let signer = find_address(&terms.remaining, sender)
        .or_else(|| find_address(&terms.joining, sender))
        .ok_or_else(|| CeremonyError::UnknownSigner {
            sender: sender.to_owned(),
        })?;
    let message = message_for_signing(beacon_id, body, terms);
    verify_signature(scheme, &signer.key, &message, signature).map_err(|e| {
        CeremonyError::BadPacketSignature {
            packet: body.kind(),
            sender: sender.to_owned(),
            reason: e.to_string(),
            message: drand_lite::hex::encode(&message),
        }
    })
}
