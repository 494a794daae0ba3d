//! What the daemon implements to serve gRPC: small traits over the generated message types
//! ([`NodeService`], [`ControlService`], and for the DKG ceremony [`DkgPublicService`] and
//! [`DkgControlService`]).
//!
//! The server does the routing (chain hash or beacon ID → beacon), the version gate and the
//! response metadata; an implementation only answers for a beacon ID it listed in
//! [`NodeService::beacons`]. Errors are `tonic::Status` so the daemon chooses the code
//! (`NotFound` for a missing round, `InvalidArgument` for a bad partial, …).

use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;

use futures_util::Stream;
use tonic::Status;

use crate::proto::dkg::{DkgCommand, DkgPacket, DkgStatusResponse, GossipPacket};
use crate::proto::{
    BeaconPacket, ChainInfoPacket, GroupPacket, IdentityResponse, PartialBeaconPacket,
    PublicKeyResponse, PublicRandResponse, StatusResponse,
};

/// A stream of items a handler produces (e.g. beacons for `SyncChain`).
pub type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// A beacon this node serves and how requests find it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BeaconRoute {
    /// The beacon ID (`default` for the unnamed one).
    pub beacon_id: String,
    /// Its chain hash, once the chain exists (`None` before the first DKG completes).
    pub chain_hash: Option<Vec<u8>>,
}

/// Who sent a request, as seen by the listener.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caller {
    /// The TCP peer (a reverse proxy's address when behind one).
    pub remote: Option<SocketAddr>,
    /// The client IP from `x-real-ip`/`x-forwarded-for`, trusted only when the TCP peer is a
    /// loopback or private address (i.e. our own reverse proxy).
    pub forwarded_ip: Option<IpAddr>,
}

impl Caller {
    /// The best guess of the caller's IP: the forwarded one when trusted, else the TCP peer's.
    pub fn ip(&self) -> Option<IpAddr> {
        self.forwarded_ip.or(self.remote.map(|r| r.ip()))
    }
}

/// The peer-facing node: `drand.Protocol` and `drand.Public`.
#[tonic::async_trait]
pub trait NodeService: Send + Sync + 'static {
    /// The beacons currently served (used for routing and `ListBeaconIDs`).
    fn beacons(&self) -> Vec<BeaconRoute>;

    /// Our identity for `beacon_id` (address, key, self-signature, scheme name).
    async fn identity(&self, beacon_id: &str) -> Result<IdentityResponse, Status>;

    /// A partial signature from a group member; `Ok` once it is queued (not aggregated).
    async fn partial_beacon(
        &self,
        beacon_id: &str,
        caller: Caller,
        packet: PartialBeaconPacket,
    ) -> Result<(), Status>;

    /// Stored beacons from `from_round` on, then new ones as they are stored, until the caller
    /// goes away. Error if `from_round` is beyond the last stored round + 1.
    async fn sync_chain(
        &self,
        beacon_id: &str,
        caller: Caller,
        from_round: u64,
    ) -> Result<BoxStream<BeaconPacket>, Status>;

    /// Status of the beacon process; `check_conn` lists peers whose reachability to report.
    async fn status(
        &self,
        beacon_id: &str,
        check_conn: Vec<String>,
    ) -> Result<StatusResponse, Status>;

    /// One beacon (`round` 0 = latest; the next round may be awaited up to one period).
    async fn public_rand(&self, beacon_id: &str, round: u64) -> Result<PublicRandResponse, Status>;

    /// New beacons as they are stored.
    async fn public_rand_stream(
        &self,
        beacon_id: &str,
    ) -> Result<BoxStream<PublicRandResponse>, Status>;

    /// The chain info of the beacon.
    async fn chain_info(&self, beacon_id: &str) -> Result<ChainInfoPacket, Status>;
}

/// The local operator API (`drand.Control`), served only on a loopback listener. `Status` and
/// `ChainInfo` reuse the [`NodeService`] answers; `PingPong` is answered by the server.
#[tonic::async_trait]
pub trait ControlService: NodeService {
    /// Our public key and identity for `beacon_id`.
    async fn public_key(&self, beacon_id: &str) -> Result<PublicKeyResponse, Status>;

    /// The current group file of `beacon_id`.
    async fn group_file(&self, beacon_id: &str) -> Result<GroupPacket, Status>;

    /// Stops `beacon_id`, or the whole daemon when `None`. Answer first, stop after.
    async fn shutdown(&self, beacon_id: Option<&str>) -> Result<(), Status>;
}

/// The peer-facing DKG ceremony: drand's `dkg.DKGPublic` and our `drandlite.Ceremony`,
/// served on the node listener next to [`NodeService`].
///
/// The server checks the shape of every packet before calling these (metadata present, a
/// body present, no empty entries, a signature of at least 4 bytes), applies the version
/// gate where the message carries a version, and routes by beacon ID (empty means `default`)
/// to a beacon listed in [`NodeService::beacons`], which includes beacons with keys but no
/// chain yet. Signatures and ceremony rules are the implementation's job.
#[tonic::async_trait]
pub trait DkgPublicService: Send + Sync + 'static {
    /// `DKGPublic.Packet`: a signed ceremony packet (proposal, accept, reject, execute or
    /// abort). A packet carrying a DKG bundle (`dkg` variant) is not passed here: the server
    /// hands its bundle to [`DkgPublicService::broadcast_dkg`], as drand does.
    async fn packet(
        &self,
        beacon_id: &str,
        caller: Caller,
        packet: GossipPacket,
    ) -> Result<(), Status>;

    /// `DKGPublic.BroadcastDKG`: a deal, response or justification bundle (echo broadcast).
    async fn broadcast_dkg(
        &self,
        beacon_id: &str,
        caller: Caller,
        packet: DkgPacket,
    ) -> Result<(), Status>;

    /// `drandlite.Ceremony.PullProposal`: the leader's signed proposal packet of the ceremony
    /// in progress, or `None` when there is none.
    async fn pull_proposal(&self, beacon_id: &str) -> Result<Option<GossipPacket>, Status>;

    /// `drandlite.Ceremony.Joined`: a joiner's signed notice that it ran `dkg join`. The packet
    /// has metadata (beacon, joiner address, signature over `GossipBody::Joined`) and no body;
    /// the joiner's key and self-signature are looked up in the proposal's joiners.
    async fn joined(
        &self,
        beacon_id: &str,
        caller: Caller,
        packet: GossipPacket,
    ) -> Result<(), Status>;
}

/// The local DKG operator API (`dkg.DKGControl`), served only on the loopback control
/// listener next to [`ControlService`].
#[tonic::async_trait]
pub trait DkgControlService: Send + Sync + 'static {
    /// `DKGControl.Command` for `beacon_id` (the routed, canonical ID; `command.metadata`
    /// carries the same ID). The server has checked that a command variant is present and
    /// that no participant entry is empty.
    async fn command(&self, beacon_id: &str, command: DkgCommand) -> Result<(), Status>;

    /// `DKGControl.DKGStatus`: the last completed and the current ceremony of `beacon_id`.
    async fn dkg_status(&self, beacon_id: &str) -> Result<DkgStatusResponse, Status>;
}
