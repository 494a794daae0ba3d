//! The daemon's DKG gRPC services. Placeholders until the ceremony driver is wired in: every
//! call answers `Unimplemented`, so peers and the CLI get a clear answer instead of a hang.

use tonic::Status;

use super::Daemon;
use crate::net::{Caller, DkgControlService, DkgPublicService};
use crate::proto::dkg::{DkgCommand, DkgPacket, DkgStatusResponse, GossipPacket};

fn not_yet(what: &str) -> Status {
    Status::unimplemented(format!(
        "{what}: the DKG ceremony is not available on this node yet"
    ))
}

#[tonic::async_trait]
impl DkgPublicService for Daemon {
    async fn packet(
        &self,
        _beacon_id: &str,
        _caller: Caller,
        _packet: GossipPacket,
    ) -> Result<(), Status> {
        Err(not_yet("DKGPublic.Packet"))
    }

    async fn broadcast_dkg(
        &self,
        _beacon_id: &str,
        _caller: Caller,
        _packet: DkgPacket,
    ) -> Result<(), Status> {
        Err(not_yet("DKGPublic.BroadcastDKG"))
    }

    async fn pull_proposal(&self, _beacon_id: &str) -> Result<Option<GossipPacket>, Status> {
        Err(not_yet("Ceremony.PullProposal"))
    }

    async fn joined(
        &self,
        _beacon_id: &str,
        _caller: Caller,
        _packet: GossipPacket,
    ) -> Result<(), Status> {
        Err(not_yet("Ceremony.Joined"))
    }
}

#[tonic::async_trait]
impl DkgControlService for Daemon {
    async fn command(&self, _beacon_id: &str, _command: DkgCommand) -> Result<(), Status> {
        Err(not_yet("DKGControl.Command"))
    }

    async fn dkg_status(&self, _beacon_id: &str) -> Result<DkgStatusResponse, Status> {
        Err(not_yet("DKGControl.DKGStatus"))
    }
}
