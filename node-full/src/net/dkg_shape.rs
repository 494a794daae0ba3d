//! Shape checks of incoming DKG messages, done by the server before any service sees them.
//!
//! drand's fuzzing found panics on packets without metadata and on nil entries in arrays
//! (`TestPacketWithoutMetadata`, `TestDKGPacketWithoutMetadata`, `TestDKGPacketWithNilInArray`).
//! Protobuf has no nil entries, but a nil written by Go arrives as an empty message; so every
//! required sub-message must be present and no list entry may be empty. Failures are
//! `InvalidArgument` naming the field. Signatures and ceremony rules are checked later, by the
//! ceremony; this only guarantees that the typed values it reads exist.

use prost_types::Timestamp;
use tonic::Status;

use crate::proto::dkg::{
    DkgCommand, DkgPacket, GossipPacket, Participant, ProposalTerms, dkg_command, gossip_packet,
    packet,
};

/// drand ignores packets whose hex signature is shorter than 8 characters.
pub const MIN_GOSSIP_SIGNATURE_BYTES: usize = 4;
/// Longest address we accept in a participant (`host:port`; DNS names are at most 253).
const MAX_ADDRESS_CHARS: usize = 300;
/// Earliest and latest instants a protobuf Timestamp may hold (years 1 to 9999).
const MIN_TIMESTAMP_SECS: i64 = -62_135_596_800;
const MAX_TIMESTAMP_SECS: i64 = 253_402_300_799;

fn bad(what: String) -> Status {
    Status::invalid_argument(what)
}

/// A participant entry: address and key present (the self-signature may be empty: drand's v1
/// migration path has remainers and leavers without one; the ceremony checks joiners').
pub fn participant(field: &str, p: Option<&Participant>) -> Result<(), Status> {
    let Some(p) = p else {
        return Err(bad(format!("{field} is missing")));
    };
    if p.address.is_empty() {
        return Err(bad(format!(
            "{field} has no address (an empty or nil entry)"
        )));
    }
    if p.address.chars().count() > MAX_ADDRESS_CHARS {
        return Err(bad(format!(
            "{field} has an address longer than {MAX_ADDRESS_CHARS} characters"
        )));
    }
    if p.key.is_empty() {
        return Err(bad(format!(
            "{field} ({}) has no key",
            super::server::clip(&p.address)
        )));
    }
    Ok(())
}

fn participants(field: &str, list: &[Participant]) -> Result<(), Status> {
    for (i, p) in list.iter().enumerate() {
        participant(&format!("{field}[{i}]"), Some(p))?;
    }
    Ok(())
}

/// A timestamp that must be present and representable (nanoseconds below one second, a year
/// between 1 and 9999).
pub fn timestamp(field: &str, t: Option<&Timestamp>) -> Result<(), Status> {
    let Some(t) = t else {
        return Err(bad(format!("{field} is missing")));
    };
    if !(0..1_000_000_000).contains(&t.nanos) {
        return Err(bad(format!("{field} has {} nanoseconds", t.nanos)));
    }
    if !(MIN_TIMESTAMP_SECS..=MAX_TIMESTAMP_SECS).contains(&t.seconds) {
        return Err(bad(format!("{field} is out of range ({} s)", t.seconds)));
    }
    Ok(())
}

fn terms(t: &ProposalTerms) -> Result<(), Status> {
    participant("proposal.leader", t.leader.as_ref())?;
    timestamp("proposal.timeout", t.timeout.as_ref())?;
    timestamp("proposal.genesis_time", t.genesis_time.as_ref())?;
    participants("proposal.joining", &t.joining)?;
    participants("proposal.remaining", &t.remaining)?;
    participants("proposal.leaving", &t.leaving)
}

/// Gossip metadata: present, with a sender address and a signature of at least
/// [`MIN_GOSSIP_SIGNATURE_BYTES`] bytes.
fn gossip_metadata(packet: &GossipPacket) -> Result<(), Status> {
    let Some(md) = packet.metadata.as_ref() else {
        return Err(bad("gossip packet without metadata".to_owned()));
    };
    if md.address.is_empty() {
        return Err(bad(
            "gossip packet metadata has no sender address".to_owned()
        ));
    }
    if md.signature.len() < MIN_GOSSIP_SIGNATURE_BYTES {
        return Err(bad(format!(
            "gossip packet signature is {} bytes, too short to be a signature",
            md.signature.len()
        )));
    }
    Ok(())
}

/// A `DKGPublic.Packet` request: metadata, a body, and a well-formed body.
pub fn gossip(packet: &GossipPacket) -> Result<(), Status> {
    gossip_metadata(packet)?;
    match packet.packet.as_ref() {
        None => Err(bad("gossip packet without a body".to_owned())),
        Some(gossip_packet::Packet::Proposal(t)) => terms(t),
        Some(gossip_packet::Packet::Accept(a)) => {
            participant("accept.acceptor", a.acceptor.as_ref())
        }
        Some(gossip_packet::Packet::Reject(r)) => {
            participant("reject.rejector", r.rejector.as_ref())
        }
        Some(gossip_packet::Packet::Execute(e)) => timestamp("execute.time", e.time.as_ref()),
        Some(gossip_packet::Packet::Abort(_)) => Ok(()),
        Some(gossip_packet::Packet::Dkg(d)) => dkg_packet(d),
    }
}

/// A `drandlite.Ceremony.Joined` notice: metadata and no body.
pub fn joined_notice(packet: &GossipPacket) -> Result<(), Status> {
    gossip_metadata(packet)?;
    if packet.packet.is_some() {
        return Err(bad("a joined notice carries no packet body".to_owned()));
    }
    Ok(())
}

fn nonempty(field: &str, bytes: &[u8]) -> Result<(), Status> {
    if bytes.is_empty() {
        return Err(bad(format!("{field} is empty")));
    }
    Ok(())
}

/// A `DKGPublic.BroadcastDKG` request: a bundle with metadata, session ID, signature and no
/// empty entries.
pub fn dkg_packet(packet: &DkgPacket) -> Result<(), Status> {
    let Some(inner) = packet.dkg.as_ref() else {
        return Err(bad("DKG packet without a bundle".to_owned()));
    };
    if inner.metadata.is_none() {
        return Err(bad("DKG packet without metadata".to_owned()));
    }
    match inner.bundle.as_ref() {
        None => Err(bad("DKG packet without a bundle".to_owned())),
        Some(packet::Bundle::Deal(d)) => {
            if d.commits.is_empty() {
                return Err(bad("deal bundle has no commitments".to_owned()));
            }
            for (i, c) in d.commits.iter().enumerate() {
                nonempty(&format!("deal.commits[{i}]"), c)?;
            }
            for (i, deal) in d.deals.iter().enumerate() {
                nonempty(
                    &format!("deal.deals[{i}].encrypted_share"),
                    &deal.encrypted_share,
                )?;
            }
            nonempty("deal.session_id", &d.session_id)?;
            nonempty("deal.signature", &d.signature)
        }
        Some(packet::Bundle::Response(r)) => {
            nonempty("response.session_id", &r.session_id)?;
            nonempty("response.signature", &r.signature)
        }
        Some(packet::Bundle::Justification(j)) => {
            for (i, just) in j.justifications.iter().enumerate() {
                nonempty(
                    &format!("justification.justifications[{i}].share"),
                    &just.share,
                )?;
            }
            nonempty("justification.session_id", &j.session_id)?;
            nonempty("justification.signature", &j.signature)
        }
    }
}

/// A `DKGControl.Command` request: metadata and a command, with well-formed options.
pub fn command(cmd: &DkgCommand) -> Result<(), Status> {
    if cmd.metadata.is_none() {
        return Err(bad("DKG command without metadata".to_owned()));
    }
    match cmd.command.as_ref() {
        None => Err(bad("DKG command without a command".to_owned())),
        Some(dkg_command::Command::Initial(o)) => {
            timestamp("initial.timeout", o.timeout.as_ref())?;
            timestamp("initial.genesis_time", o.genesis_time.as_ref())?;
            participants("initial.joining", &o.joining)
        }
        Some(dkg_command::Command::Resharing(o)) => {
            timestamp("resharing.timeout", o.timeout.as_ref())?;
            participants("resharing.joining", &o.joining)?;
            participants("resharing.remaining", &o.remaining)?;
            participants("resharing.leaving", &o.leaving)
        }
        Some(dkg_command::Command::Execute(o)) => match o.at.as_ref() {
            Some(at) => timestamp("execute.at", Some(at)),
            None => Ok(()),
        },
        Some(
            dkg_command::Command::Join(_)
            | dkg_command::Command::Accept(_)
            | dkg_command::Command::Reject(_)
            | dkg_command::Command::Abort(_),
        ) => Ok(()),
    }
}
