//! The three signed DKG packets of drand/kyber's `share/dkg` (deal, response and justification
//! bundles), their canonical hashes (what the dealer or share holder signs with Schnorr) and
//! their protobuf size, for byte accounting.

use sha2::{Digest, Sha256};

/// One packet of the DKG protocol, as carried in drand's `dkg.Packet` oneof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bundle {
    /// A dealer's encrypted shares and polynomial commitments (phase 1).
    Deal(DealBundle),
    /// A share holder's verdict on every dealer (phase 2).
    Response(ResponseBundle),
    /// A dealer's plaintext shares for the holders that complained (phase 3).
    Justification(JustificationBundle),
}

/// A dealer's deals: commitments to its secret polynomial and one encrypted share per new node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealBundle {
    /// The dealer's index among the dealers (old nodes for a reshare, new nodes otherwise).
    pub dealer_index: u32,
    /// The commitments `a_k · G`, coefficient 0 first, in the scheme's key encoding.
    pub commits: Vec<Vec<u8>>,
    /// One encrypted share per share holder (the dealer's own share is not sent).
    pub deals: Vec<Deal>,
    /// The session ID (the DKG nonce).
    pub session_id: Vec<u8>,
    /// Schnorr signature of [`Bundle::hash`] by the dealer's long-term key.
    pub signature: Vec<u8>,
}

/// One encrypted share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deal {
    /// The recipient's index among the new nodes.
    pub share_index: u32,
    /// ECIES ciphertext: `R ‖ AES-256-GCM(32-byte big-endian share)`.
    pub encrypted_share: Vec<u8>,
}

/// A share holder's responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseBundle {
    /// The holder's index among the new nodes.
    pub share_index: u32,
    /// One verdict per dealer.
    pub responses: Vec<Response>,
    /// The session ID (the DKG nonce).
    pub session_id: Vec<u8>,
    /// Schnorr signature of [`Bundle::hash`] by the holder's long-term key.
    pub signature: Vec<u8>,
}

/// A verdict on one dealer's share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    /// The dealer's index.
    pub dealer_index: u32,
    /// `true` = success (the share verified), `false` = complaint.
    pub status: bool,
}

/// A dealer's answers to complaints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JustificationBundle {
    /// The dealer's index.
    pub dealer_index: u32,
    /// The revealed shares.
    pub justifications: Vec<Justification>,
    /// The session ID (the DKG nonce).
    pub session_id: Vec<u8>,
    /// Schnorr signature of [`Bundle::hash`] by the dealer's long-term key.
    pub signature: Vec<u8>,
}

/// One share revealed in plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Justification {
    /// The complaining holder's index.
    pub share_index: u32,
    /// The share, a 32-byte big-endian scalar.
    pub share: Vec<u8>,
}

impl Bundle {
    /// The canonical hash that the sender signs (drand/kyber `structs.go`): SHA-256 over the
    /// sender index (BE32), the contents with entries sorted by index, and the session ID.
    /// The signature itself is not covered.
    pub fn hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        match self {
            Bundle::Deal(b) => {
                h.update(b.dealer_index.to_be_bytes());
                for c in &b.commits {
                    h.update(c);
                }
                let mut deals: Vec<&Deal> = b.deals.iter().collect();
                deals.sort_by_key(|d| d.share_index);
                for d in deals {
                    h.update(d.share_index.to_be_bytes());
                    h.update(&d.encrypted_share);
                }
                h.update(&b.session_id);
            }
            Bundle::Response(b) => {
                h.update(b.share_index.to_be_bytes());
                let mut responses: Vec<&Response> = b.responses.iter().collect();
                responses.sort_by_key(|r| r.dealer_index);
                for r in responses {
                    h.update(r.dealer_index.to_be_bytes());
                    h.update([u8::from(r.status)]);
                }
                h.update(&b.session_id);
            }
            Bundle::Justification(b) => {
                h.update(b.dealer_index.to_be_bytes());
                let mut justifications: Vec<&Justification> = b.justifications.iter().collect();
                justifications.sort_by_key(|j| j.share_index);
                for j in justifications {
                    h.update(j.share_index.to_be_bytes());
                    h.update(&j.share);
                }
                h.update(&b.session_id);
            }
        }
        h.finalize().into()
    }

    /// The index of the signer: the dealer for deals and justifications, the share holder for
    /// responses.
    pub fn signer_index(&self) -> u32 {
        match self {
            Bundle::Deal(b) => b.dealer_index,
            Bundle::Response(b) => b.share_index,
            Bundle::Justification(b) => b.dealer_index,
        }
    }

    /// The session ID the bundle claims.
    pub fn session_id(&self) -> &[u8] {
        match self {
            Bundle::Deal(b) => &b.session_id,
            Bundle::Response(b) => &b.session_id,
            Bundle::Justification(b) => &b.session_id,
        }
    }

    /// The signature bytes.
    pub fn signature(&self) -> &[u8] {
        match self {
            Bundle::Deal(b) => &b.signature,
            Bundle::Response(b) => &b.signature,
            Bundle::Justification(b) => &b.signature,
        }
    }

    /// A short name of the packet kind, for logs and errors.
    pub fn kind(&self) -> &'static str {
        match self {
            Bundle::Deal(_) => "deal",
            Bundle::Response(_) => "response",
            Bundle::Justification(_) => "justification",
        }
    }

    /// The size in bytes of this bundle in drand's protobuf encoding, as the oneof field of a
    /// `dkg.Packet` (field tag and length prefix included; the packet's beacon-ID metadata
    /// and the gRPC framing are not counted). For bandwidth accounting.
    pub fn encoded_len(&self) -> usize {
        // Field numbers: DealBundle {1 dealer_index, 2 commits, 3 deals, 4 session_id,
        // 5 signature}, Deal {1 share_index, 2 encrypted_share}, ResponseBundle {1 share_index,
        // 2 responses, 3 session_id, 4 signature}, Response {1 dealer_index, 2 status},
        // JustificationBundle {1 dealer_index, 2 justifications, 3 session_id, 4 signature},
        // Justification {1 share_index, 2 share}; Packet {1 deal, 2 response, 3 justification}.
        let body = match self {
            Bundle::Deal(b) => {
                uint_field(b.dealer_index)
                    + b.commits.iter().map(|c| element(c.len())).sum::<usize>()
                    + b.deals
                        .iter()
                        .map(|d| {
                            element(
                                uint_field(d.share_index) + bytes_field(d.encrypted_share.len()),
                            )
                        })
                        .sum::<usize>()
                    + bytes_field(b.session_id.len())
                    + bytes_field(b.signature.len())
            }
            Bundle::Response(b) => {
                uint_field(b.share_index)
                    + b.responses
                        .iter()
                        .map(|r| element(uint_field(r.dealer_index) + if r.status { 2 } else { 0 }))
                        .sum::<usize>()
                    + bytes_field(b.session_id.len())
                    + bytes_field(b.signature.len())
            }
            Bundle::Justification(b) => {
                uint_field(b.dealer_index)
                    + b.justifications
                        .iter()
                        .map(|j| element(uint_field(j.share_index) + bytes_field(j.share.len())))
                        .sum::<usize>()
                    + bytes_field(b.session_id.len())
                    + bytes_field(b.signature.len())
            }
        };
        element(body)
    }
}

/// Length of a protobuf varint.
fn varint_len(value: usize) -> usize {
    let bits = usize::BITS - value.leading_zeros();
    (bits.max(1) as usize).div_ceil(7)
}

/// Size of a length-delimited field (one-byte tag) with `len` bytes of payload; proto3 omits
/// empty ones.
fn bytes_field(len: usize) -> usize {
    if len == 0 {
        0
    } else {
        1 + varint_len(len) + len
    }
}

/// Size of an element of a repeated field, or of a set oneof field: always encoded.
fn element(len: usize) -> usize {
    1 + varint_len(len) + len
}

/// Size of a `uint32` field (one-byte tag); proto3 omits zero.
fn uint_field(value: u32) -> usize {
    if value == 0 {
        0
    } else {
        1 + varint_len(value as usize)
    }
}
