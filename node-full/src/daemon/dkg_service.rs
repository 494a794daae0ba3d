//! The daemon's DKG gRPC services: peers' ceremony packets, DKG bundles, proposal pulls and
//! joined notices, and the operator's commands and status, each handed to the beacon ID's
//! ceremony task.

use tonic::Status;

use super::Daemon;
use super::ceremony::CeremonyHandle;
use crate::net::{Caller, DkgControlService, DkgPublicService};
use crate::proto::dkg::{DkgCommand, DkgPacket, DkgStatusResponse, GossipPacket};

impl Daemon {
    fn ceremony(&self, beacon_id: &str) -> Result<&CeremonyHandle, Status> {
        self.ceremonies.get(beacon_id).ok_or_else(|| {
            Status::not_found(format!(
                "no keypair for beacon {beacon_id:?} on this node: run `drand-node generate-keypair --id {beacon_id}` first"
            ))
        })
    }
}

#[tonic::async_trait]
impl DkgPublicService for Daemon {
    async fn packet(
        &self,
        beacon_id: &str,
        _caller: Caller,
        packet: GossipPacket,
    ) -> Result<(), Status> {
        self.ceremony(beacon_id)?.packet(packet).await
    }

    async fn broadcast_dkg(
        &self,
        beacon_id: &str,
        _caller: Caller,
        packet: DkgPacket,
    ) -> Result<(), Status> {
        self.ceremony(beacon_id)?.bundle(packet)
    }

    async fn pull_proposal(&self, beacon_id: &str) -> Result<Option<GossipPacket>, Status> {
        self.ceremony(beacon_id)?.pull().await
    }

    async fn joined(
        &self,
        beacon_id: &str,
        _caller: Caller,
        packet: GossipPacket,
    ) -> Result<(), Status> {
        self.ceremony(beacon_id)?.joined(packet).await
    }
}

#[tonic::async_trait]
impl DkgControlService for Daemon {
    async fn command(&self, beacon_id: &str, command: DkgCommand) -> Result<(), Status> {
        self.ceremony(beacon_id)?.command(command).await
    }

    async fn dkg_status(&self, beacon_id: &str) -> Result<DkgStatusResponse, Status> {
        self.ceremony(beacon_id)?.status().await
    }
}
