//! Incoming DKG gRPC: `dkg.DKGPublic` and `drandlite.Ceremony` on the node listener,
//! `dkg.DKGControl` on the control listener.
//!
//! Every request is shape-checked ([`super::dkg_shape`]), version-gated when it carries a
//! `drand.Metadata` (gossip metadata has no version field, as in drand), and routed by beacon
//! ID (empty means `default`) before the service sees it.

use tonic::{Request, Response, Status};

use super::dkg_shape;
use super::server::{Api, caller, route, version_gate};
use super::service::{
    BeaconRoute, ControlService, DkgControlService, DkgPublicService, NodeService,
};
use crate::proto::Metadata;
use crate::proto::dkg::dkg_control_server::DkgControl;
use crate::proto::dkg::dkg_public_server::DkgPublic;
use crate::proto::dkg::{
    CommandMetadata, DkgCommand, DkgPacket, DkgStatusRequest, DkgStatusResponse, EmptyDkgResponse,
    GossipPacket, gossip_packet,
};
use crate::proto::drandlite::ceremony_server::Ceremony;
use crate::proto::drandlite::{PullProposalRequest, PullProposalResponse};

/// Routes by a bare beacon ID (gossip and control messages carry no chain hash).
fn route_id<S: NodeService>(service: &S, beacon_id: &str) -> Result<BeaconRoute, Status> {
    let metadata = Metadata {
        beacon_id: beacon_id.to_owned(),
        ..Default::default()
    };
    route(&service.beacons(), Some(&metadata))
}

fn gossip_beacon(packet: &GossipPacket) -> &str {
    packet
        .metadata
        .as_ref()
        .map_or("", |m| m.beacon_id.as_str())
}

/// Gates and routes a checked DKG bundle by its `drand.Metadata` (beacon ID or chain hash).
fn admit_bundle<S: NodeService>(api: &Api<S>, packet: &DkgPacket) -> Result<BeaconRoute, Status> {
    let metadata = packet.dkg.as_ref().and_then(|p| p.metadata.as_ref());
    api.admit(metadata)
}

#[tonic::async_trait]
impl<S: NodeService + DkgPublicService> DkgPublic for Api<S> {
    async fn packet(
        &self,
        req: Request<GossipPacket>,
    ) -> Result<Response<EmptyDkgResponse>, Status> {
        dkg_shape::gossip(req.get_ref())?;
        let from = caller(&req);
        let route = route_id(&*self.0, gossip_beacon(req.get_ref()))?;
        let packet = req.into_inner();
        if let Some(gossip_packet::Packet::Dkg(bundle)) = packet.packet {
            // As drand: a bundle inside a gossip packet goes to the echo broadcast.
            version_gate(bundle.dkg.as_ref().and_then(|p| p.metadata.as_ref()))?;
            self.0.broadcast_dkg(&route.beacon_id, from, bundle).await?;
        } else {
            self.0.packet(&route.beacon_id, from, packet).await?;
        }
        Ok(Response::new(EmptyDkgResponse {}))
    }

    async fn broadcast_dkg(
        &self,
        req: Request<DkgPacket>,
    ) -> Result<Response<EmptyDkgResponse>, Status> {
        dkg_shape::dkg_packet(req.get_ref())?;
        let route = admit_bundle(self, req.get_ref())?;
        let from = caller(&req);
        self.0
            .broadcast_dkg(&route.beacon_id, from, req.into_inner())
            .await?;
        Ok(Response::new(EmptyDkgResponse {}))
    }
}

#[tonic::async_trait]
impl<S: NodeService + DkgPublicService> Ceremony for Api<S> {
    async fn pull_proposal(
        &self,
        req: Request<PullProposalRequest>,
    ) -> Result<Response<PullProposalResponse>, Status> {
        let Some(metadata) = req.get_ref().metadata.as_ref() else {
            return Err(Status::invalid_argument("proposal pull without metadata"));
        };
        let route = self.admit(Some(metadata))?;
        let packet = self.0.pull_proposal(&route.beacon_id).await?;
        Ok(Response::new(PullProposalResponse { packet }))
    }

    async fn joined(
        &self,
        req: Request<GossipPacket>,
    ) -> Result<Response<EmptyDkgResponse>, Status> {
        dkg_shape::joined_notice(req.get_ref())?;
        let from = caller(&req);
        let route = route_id(&*self.0, gossip_beacon(req.get_ref()))?;
        self.0
            .joined(&route.beacon_id, from, req.into_inner())
            .await?;
        Ok(Response::new(EmptyDkgResponse {}))
    }
}

#[tonic::async_trait]
impl<S: ControlService + DkgControlService> DkgControl for Api<S> {
    async fn command(
        &self,
        req: Request<DkgCommand>,
    ) -> Result<Response<EmptyDkgResponse>, Status> {
        dkg_shape::command(req.get_ref())?;
        let id = req
            .get_ref()
            .metadata
            .as_ref()
            .map_or("", |m| m.beacon_id.as_str());
        let route = route_id(&*self.0, id)?;
        let mut command = req.into_inner();
        command.metadata = Some(CommandMetadata {
            beacon_id: route.beacon_id.clone(),
        });
        self.0.command(&route.beacon_id, command).await?;
        Ok(Response::new(EmptyDkgResponse {}))
    }

    async fn dkg_status(
        &self,
        req: Request<DkgStatusRequest>,
    ) -> Result<Response<DkgStatusResponse>, Status> {
        let route = route_id(&*self.0, &req.get_ref().beacon_id)?;
        Ok(Response::new(self.0.dkg_status(&route.beacon_id).await?))
    }
}
