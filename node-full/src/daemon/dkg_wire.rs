//! drand's `dkg` protobuf messages ⇄ the ceremony's and the DKG's own types. Decoding is
//! strict: a missing field, a bad timestamp or an unknown scheme is an error naming the field
//! (the net layer has already refused packets of the wrong shape).

use drand_lite::Scheme;
use prost_types::Timestamp as ProtoTime;

use crate::ceremony::driver::{Command, ExecuteWhen, InitOptions, ReshareOptions, SignedPacket};
use crate::ceremony::{DkgState, GossipBody, Participant, ProposalTerms, Timestamp};
use crate::dkg::{
    Bundle, Deal, DealBundle, Justification, JustificationBundle, Response, ResponseBundle,
};
use crate::files::Group;
use crate::proto::dkg as pb;

/// A field that does not decode, named.
#[derive(Debug, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct WireError {
    /// The field.
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

fn err(field: &'static str, reason: impl std::fmt::Display) -> WireError {
    WireError {
        field,
        reason: reason.to_string(),
    }
}

/// A timestamp to protobuf.
pub fn time_to_proto(t: Timestamp) -> ProtoTime {
    ProtoTime {
        seconds: t.secs,
        nanos: i32::try_from(t.nanos).unwrap_or(0),
    }
}

/// A protobuf timestamp, required.
pub fn time_from_proto(field: &'static str, t: Option<&ProtoTime>) -> Result<Timestamp, WireError> {
    let t = t.ok_or_else(|| err(field, "missing"))?;
    Timestamp::from_proto(t.seconds, t.nanos).map_err(|e| err(field, e))
}

/// A participant to protobuf.
pub fn participant_to_proto(p: &Participant) -> pb::Participant {
    pb::Participant {
        address: p.address.clone(),
        key: p.key.clone(),
        signature: p.signature.clone(),
    }
}

/// A protobuf participant.
pub fn participant_from_proto(p: &pb::Participant) -> Participant {
    Participant {
        address: p.address.clone(),
        key: p.key.clone(),
        signature: p.signature.clone(),
    }
}

fn participants(list: &[pb::Participant]) -> Vec<Participant> {
    list.iter().map(participant_from_proto).collect()
}

fn participants_to_proto(list: &[Participant]) -> Vec<pb::Participant> {
    list.iter().map(participant_to_proto).collect()
}

/// Proposal terms to protobuf.
pub fn terms_to_proto(t: &ProposalTerms) -> pb::ProposalTerms {
    pb::ProposalTerms {
        beacon_id: t.beacon_id.clone(),
        epoch: t.epoch,
        leader: Some(participant_to_proto(&t.leader)),
        threshold: t.threshold,
        timeout: Some(time_to_proto(t.timeout)),
        catchup_period_seconds: t.catchup_period_secs,
        beacon_period_seconds: t.beacon_period_secs,
        scheme_id: t.scheme_id.clone(),
        genesis_time: Some(time_to_proto(t.genesis_time)),
        genesis_seed: t.genesis_seed.clone(),
        joining: participants_to_proto(&t.joining),
        remaining: participants_to_proto(&t.remaining),
        leaving: participants_to_proto(&t.leaving),
    }
}

/// Protobuf proposal terms.
pub fn terms_from_proto(t: &pb::ProposalTerms) -> Result<ProposalTerms, WireError> {
    Ok(ProposalTerms {
        beacon_id: t.beacon_id.clone(),
        epoch: t.epoch,
        leader: participant_from_proto(
            t.leader
                .as_ref()
                .ok_or_else(|| err("proposal.leader", "missing"))?,
        ),
        threshold: t.threshold,
        timeout: time_from_proto("proposal.timeout", t.timeout.as_ref())?,
        catchup_period_secs: t.catchup_period_seconds,
        beacon_period_secs: t.beacon_period_seconds,
        scheme_id: t.scheme_id.clone(),
        genesis_time: time_from_proto("proposal.genesis_time", t.genesis_time.as_ref())?,
        genesis_seed: t.genesis_seed.clone(),
        joining: participants(&t.joining),
        remaining: participants(&t.remaining),
        leaving: participants(&t.leaving),
    })
}

/// A signed ceremony packet to drand's `GossipPacket`.
pub fn gossip_to_proto(beacon_id: &str, packet: &SignedPacket) -> pb::GossipPacket {
    use pb::gossip_packet::Packet as P;
    let body = match &packet.body {
        GossipBody::Proposal(t) => Some(P::Proposal(terms_to_proto(t))),
        GossipBody::Accept(p) => Some(P::Accept(pb::AcceptProposal {
            acceptor: Some(participant_to_proto(p)),
        })),
        GossipBody::Reject(p) => Some(P::Reject(pb::RejectProposal {
            rejector: Some(participant_to_proto(p)),
            ..Default::default()
        })),
        GossipBody::Execute { time } => Some(P::Execute(pb::StartExecution {
            time: Some(time_to_proto(*time)),
        })),
        GossipBody::Abort { reason } => Some(P::Abort(pb::AbortDkg {
            reason: reason.clone(),
        })),
        // A joined notice is its metadata alone (the joiner is the sender).
        GossipBody::Dkg | GossipBody::Joined(_) => None,
    };
    pb::GossipPacket {
        metadata: Some(pb::GossipMetadata {
            beacon_id: beacon_id.to_owned(),
            address: packet.sender.clone(),
            signature: packet.signature.clone(),
        }),
        packet: body,
    }
}

/// drand's `GossipPacket` (not a DKG bundle) to a signed ceremony packet.
pub fn gossip_from_proto(packet: &pb::GossipPacket) -> Result<SignedPacket, WireError> {
    use pb::gossip_packet::Packet as P;
    let md = packet
        .metadata
        .as_ref()
        .ok_or_else(|| err("metadata", "missing"))?;
    let body = match packet.packet.as_ref() {
        Some(P::Proposal(t)) => GossipBody::Proposal(terms_from_proto(t)?),
        Some(P::Accept(a)) => GossipBody::Accept(participant_from_proto(
            a.acceptor
                .as_ref()
                .ok_or_else(|| err("accept.acceptor", "missing"))?,
        )),
        Some(P::Reject(r)) => GossipBody::Reject(participant_from_proto(
            r.rejector
                .as_ref()
                .ok_or_else(|| err("reject.rejector", "missing"))?,
        )),
        Some(P::Execute(e)) => GossipBody::Execute {
            time: time_from_proto("execute.time", e.time.as_ref())?,
        },
        Some(P::Abort(a)) => GossipBody::Abort {
            reason: a.reason.clone(),
        },
        Some(P::Dkg(_)) => return Err(err("packet", "a DKG bundle is not a ceremony packet")),
        None => return Err(err("packet", "missing")),
    };
    Ok(SignedPacket {
        sender: md.address.clone(),
        body,
        signature: md.signature.clone(),
    })
}

/// A joined notice (metadata only): the joiner is looked up by its address in `terms`.
pub fn joined_from_proto(
    packet: &pb::GossipPacket,
    terms: Option<&ProposalTerms>,
) -> Result<SignedPacket, WireError> {
    let md = packet
        .metadata
        .as_ref()
        .ok_or_else(|| err("metadata", "missing"))?;
    let joiner = terms
        .and_then(|t| t.joining.iter().find(|p| p.address == md.address))
        .ok_or_else(|| {
            err(
                "metadata.address",
                format!(
                    "{} is not a joiner of the proposal this node has",
                    md.address
                ),
            )
        })?;
    Ok(SignedPacket {
        sender: md.address.clone(),
        body: GossipBody::Joined(joiner.clone()),
        signature: md.signature.clone(),
    })
}

/// A DKG bundle to drand's `DKGPacket` (metadata is set by the client).
pub fn bundle_to_proto(bundle: &Bundle) -> pb::DkgPacket {
    use pb::packet::Bundle as B;
    let inner = match bundle {
        Bundle::Deal(d) => B::Deal(pb::DealBundle {
            dealer_index: d.dealer_index,
            commits: d.commits.clone(),
            deals: d
                .deals
                .iter()
                .map(|x| pb::Deal {
                    share_index: x.share_index,
                    encrypted_share: x.encrypted_share.clone(),
                })
                .collect(),
            session_id: d.session_id.clone(),
            signature: d.signature.clone(),
        }),
        Bundle::Response(r) => B::Response(pb::ResponseBundle {
            share_index: r.share_index,
            responses: r
                .responses
                .iter()
                .map(|x| pb::Response {
                    dealer_index: x.dealer_index,
                    status: x.status,
                })
                .collect(),
            session_id: r.session_id.clone(),
            signature: r.signature.clone(),
        }),
        Bundle::Justification(j) => B::Justification(pb::JustificationBundle {
            dealer_index: j.dealer_index,
            justifications: j
                .justifications
                .iter()
                .map(|x| pb::Justification {
                    share_index: x.share_index,
                    share: x.share.clone(),
                })
                .collect(),
            session_id: j.session_id.clone(),
            signature: j.signature.clone(),
        }),
    };
    pb::DkgPacket {
        dkg: Some(pb::Packet {
            bundle: Some(inner),
            metadata: None,
        }),
    }
}

/// drand's `DKGPacket` to a DKG bundle.
pub fn bundle_from_proto(packet: &pb::DkgPacket) -> Result<Bundle, WireError> {
    use pb::packet::Bundle as B;
    let inner = packet
        .dkg
        .as_ref()
        .and_then(|p| p.bundle.as_ref())
        .ok_or_else(|| err("dkg.bundle", "missing"))?;
    Ok(match inner {
        B::Deal(d) => Bundle::Deal(DealBundle {
            dealer_index: d.dealer_index,
            commits: d.commits.clone(),
            deals: d
                .deals
                .iter()
                .map(|x| Deal {
                    share_index: x.share_index,
                    encrypted_share: x.encrypted_share.clone(),
                })
                .collect(),
            session_id: d.session_id.clone(),
            signature: d.signature.clone(),
        }),
        B::Response(r) => Bundle::Response(ResponseBundle {
            share_index: r.share_index,
            responses: r
                .responses
                .iter()
                .map(|x| Response {
                    dealer_index: x.dealer_index,
                    status: x.status,
                })
                .collect(),
            session_id: r.session_id.clone(),
            signature: r.signature.clone(),
        }),
        B::Justification(j) => Bundle::Justification(JustificationBundle {
            dealer_index: j.dealer_index,
            justifications: j
                .justifications
                .iter()
                .map(|x| Justification {
                    share_index: x.share_index,
                    share: x.share.clone(),
                })
                .collect(),
            session_id: j.session_id.clone(),
            signature: j.signature.clone(),
        }),
    })
}

/// An operator command from the control API.
pub fn command_from_proto(cmd: &pb::DkgCommand) -> Result<Command, WireError> {
    use pb::dkg_command::Command as C;
    Ok(match cmd.command.as_ref() {
        Some(C::Initial(o)) => Command::Init(InitOptions {
            threshold: o.threshold,
            period_secs: o.period_seconds,
            catchup_period_secs: o.catchup_period_seconds,
            scheme: Scheme::from_id(&o.scheme)
                .ok_or_else(|| err("initial.scheme", format!("unknown scheme {:?}", o.scheme)))?,
            genesis_time: time_from_proto("initial.genesis_time", o.genesis_time.as_ref())?,
            timeout: time_from_proto("initial.timeout", o.timeout.as_ref())?,
            joining: participants(&o.joining),
        }),
        Some(C::Resharing(o)) => Command::Reshare(ReshareOptions {
            threshold: o.threshold,
            catchup_period_secs: (o.catchup_period_seconds > 0).then_some(o.catchup_period_seconds),
            timeout: time_from_proto("resharing.timeout", o.timeout.as_ref())?,
            joining: participants(&o.joining),
            remaining: participants(&o.remaining),
            leaving: participants(&o.leaving),
        }),
        Some(C::Join(o)) => Command::Join {
            previous_group: if o.group_file.is_empty() {
                None
            } else {
                let text = std::str::from_utf8(&o.group_file)
                    .map_err(|_| err("join.group_file", "not UTF-8 text"))?;
                Some(Box::new(
                    Group::from_toml(text).map_err(|e| err("join.group_file", e))?,
                ))
            },
        },
        Some(C::Accept(_)) => Command::Accept,
        Some(C::Reject(_)) => Command::Reject,
        Some(C::Execute(o)) => {
            let when = if let Some(at) = o.at.as_ref() {
                ExecuteWhen::At(time_from_proto("execute.at", Some(at))?)
            } else if o.when_ready {
                ExecuteWhen::WhenReady {
                    quorum: (o.quorum > 0).then_some(o.quorum),
                }
            } else {
                ExecuteWhen::Now
            };
            Command::Execute {
                when,
                kickoff_delay_ms: if o.kickoff_delay_ms == 0 {
                    crate::ceremony::driver::DEFAULT_KICKOFF_DELAY_MS
                } else {
                    o.kickoff_delay_ms
                },
            }
        }
        Some(C::Abort(_)) => Command::Abort,
        None => return Err(err("command", "missing")),
    })
}

/// A state for `dkg status`, with TimedOut derived at `now`.
pub fn entry_to_proto(state: &DkgState, now: Timestamp) -> pb::DkgEntry {
    pb::DkgEntry {
        beacon_id: state.beacon_id.clone(),
        state: state.effective_status(now) as u32,
        epoch: state.epoch,
        threshold: state.threshold,
        timeout: Some(time_to_proto(state.timeout)),
        genesis_time: Some(time_to_proto(state.genesis_time)),
        genesis_seed: state.genesis_seed.clone(),
        leader: state.leader.as_ref().map(participant_to_proto),
        remaining: participants_to_proto(&state.remaining),
        joining: participants_to_proto(&state.joining),
        leaving: participants_to_proto(&state.leaving),
        acceptors: participants_to_proto(&state.acceptors),
        rejectors: participants_to_proto(&state.rejectors),
        final_group: state
            .final_group
            .as_ref()
            .map(|g| g.nodes.iter().map(|n| n.address.clone()).collect())
            .unwrap_or_default(),
        joined: participants_to_proto(&state.joined),
    }
}
