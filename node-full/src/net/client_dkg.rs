//! Outgoing DKG gRPC: `dkg.DKGPublic` and `drandlite.Ceremony` on [`PeerClient`],
//! `dkg.DKGControl` on [`ControlClient`].

use std::time::Duration;

use tonic::transport::Channel;

use super::client::{
    BeaconTarget, CALL_TIMEOUT, ControlClient, MAX_RESPONSE_BYTES, PeerClient, request,
};
use super::errors::NetError;
use crate::proto::dkg::dkg_control_client::DkgControlClient;
use crate::proto::dkg::dkg_public_client::DkgPublicClient;
use crate::proto::dkg::{
    CommandMetadata, DkgCommand, DkgPacket, DkgStatusRequest, DkgStatusResponse, GossipPacket,
    dkg_command,
};
use crate::proto::drandlite::PullProposalRequest;
use crate::proto::drandlite::ceremony_client::CeremonyClient;

/// Time budget of a DKG control command: a proposal is gossiped to every participant (with
/// retries) before the daemon answers.
pub const DKG_COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// Largest `DKGStatus` answer accepted (two entries listing the whole group).
pub const MAX_DKG_STATUS_BYTES: usize = 16 << 20;

impl PeerClient {
    fn dkg_public(&self) -> DkgPublicClient<Channel> {
        DkgPublicClient::new(self.channel()).max_decoding_message_size(MAX_RESPONSE_BYTES)
    }

    fn ceremony(&self) -> CeremonyClient<Channel> {
        CeremonyClient::new(self.channel()).max_decoding_message_size(MAX_RESPONSE_BYTES)
    }

    /// `DKGPublic.Packet`: a signed ceremony packet, sent as it is (its gossip metadata names
    /// the beacon, the sender and the signature).
    pub async fn dkg_packet(&self, packet: GossipPacket) -> Result<(), NetError> {
        let mut client = self.dkg_public();
        let call = client.packet(request(packet, CALL_TIMEOUT));
        self.unary("DKGPublic.Packet", CALL_TIMEOUT, call)
            .await
            .map(drop)
    }

    /// `DKGPublic.BroadcastDKG`: a DKG bundle; its `drand.Metadata` is set from `target`.
    pub async fn broadcast_dkg(
        &self,
        target: &BeaconTarget,
        mut packet: DkgPacket,
    ) -> Result<(), NetError> {
        if let Some(inner) = packet.dkg.as_mut() {
            inner.metadata = Some(target.metadata());
        }
        let mut client = self.dkg_public();
        let call = client.broadcast_dkg(request(packet, CALL_TIMEOUT));
        self.unary("DKGPublic.BroadcastDKG", CALL_TIMEOUT, call)
            .await
            .map(drop)
    }

    /// `drandlite.Ceremony.PullProposal`: the peer's current signed proposal packet. `None`
    /// when it has none, and also when the peer does not know the service (a Go node answers
    /// `Unimplemented`): the caller then relies on drand's push gossip only.
    pub async fn pull_proposal(
        &self,
        target: &BeaconTarget,
    ) -> Result<Option<GossipPacket>, NetError> {
        let req = PullProposalRequest {
            metadata: Some(target.metadata()),
        };
        let mut client = self.ceremony();
        let call = client.pull_proposal(request(req, CALL_TIMEOUT));
        match self
            .unary("Ceremony.PullProposal", CALL_TIMEOUT, call)
            .await
        {
            Ok(answer) => Ok(answer.packet),
            Err(e) if e.rpc_code() == Some(tonic::Code::Unimplemented) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `drandlite.Ceremony.Joined`: our signed joined notice. A Go peer answers
    /// `Unimplemented` (a [`NetError::Rpc`] with that code), which callers may ignore.
    pub async fn joined(&self, packet: GossipPacket) -> Result<(), NetError> {
        let mut client = self.ceremony();
        let call = client.joined(request(packet, CALL_TIMEOUT));
        self.unary("Ceremony.Joined", CALL_TIMEOUT, call)
            .await
            .map(drop)
    }
}

impl ControlClient {
    fn dkg_control(&self) -> DkgControlClient<Channel> {
        DkgControlClient::new(self.peer.channel()).max_decoding_message_size(MAX_DKG_STATUS_BYTES)
    }

    /// `DKGControl.Command` for `beacon_id` (empty means `default`).
    pub async fn dkg_command(
        &self,
        beacon_id: &str,
        command: dkg_command::Command,
    ) -> Result<(), NetError> {
        let req = DkgCommand {
            metadata: Some(CommandMetadata {
                beacon_id: beacon_id.to_owned(),
            }),
            command: Some(command),
        };
        let mut client = self.dkg_control();
        let call = client.command(request(req, DKG_COMMAND_TIMEOUT));
        self.peer
            .unary("DKGControl.Command", DKG_COMMAND_TIMEOUT, call)
            .await
            .map(drop)
    }

    /// `DKGControl.DKGStatus` of `beacon_id` (empty means `default`).
    pub async fn dkg_status(&self, beacon_id: &str) -> Result<DkgStatusResponse, NetError> {
        let req = DkgStatusRequest {
            beacon_id: beacon_id.to_owned(),
        };
        let mut client = self.dkg_control();
        let call = client.dkg_status(request(req, CALL_TIMEOUT));
        self.peer
            .unary("DKGControl.DKGStatus", CALL_TIMEOUT, call)
            .await
    }
}
