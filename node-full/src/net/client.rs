//! Outgoing gRPC: one lazily connected, reused channel per peer, in the group's transport only.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::{Stream, StreamExt as _};
use rustls::ClientConfig;
use tonic::Status;
use tonic::transport::{Channel, Endpoint};

use super::address::PeerAddress;
use super::connector::{ConnectionInfo, Dialer, InfoSlot};
use super::errors::{Dialed, NetError, PeerSpeaks, error_chain};
use super::probe::probe;
use super::tls::{TlsError, TrustRoots, client_config};
use super::version;
use crate::proto::control_client::ControlClient as RawControl;
use crate::proto::protocol_client::ProtocolClient;
use crate::proto::public_client::PublicClient;
use crate::proto::{
    BeaconPacket, ChainInfoPacket, ChainInfoRequest, GroupPacket, GroupRequest, IdentityRequest,
    IdentityResponse, ListBeaconIDsRequest, ListBeaconIDsResponse, Metadata, PartialBeaconPacket,
    Ping, PublicKeyRequest, PublicKeyResponse, PublicRandRequest, PublicRandResponse,
    ShutdownRequest, StatusRequest, StatusResponse, SyncRequest,
};

/// Time budget of a `PartialBeacon` call (drand uses 5 s).
pub const PARTIAL_TIMEOUT: Duration = Duration::from_secs(5);
/// Time budget of other unary calls and of opening a stream.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Time budget of `PublicRand`, which may wait up to a period for the next round.
pub const PUBLIC_RAND_TIMEOUT: Duration = Duration::from_secs(65);
/// Time budget of the diagnostic probe run after a plaintext call failed.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// Largest response accepted from a peer.
pub const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// How this node dials peers, fixed per group: TLS unless the whole group was explicitly
/// created as a plaintext local network. Never switched, never retried in the other mode.
#[derive(Clone, Debug)]
pub enum TransportMode {
    /// gRPC over TLS 1.2+ with ALPN `h2`, certificates verified against the configured roots.
    Tls {
        /// The rustls client configuration (see [`super::tls::client_config`]).
        config: Arc<ClientConfig>,
    },
    /// Plaintext HTTP/2: only for groups explicitly created as local/devnet networks.
    Plaintext,
}

impl TransportMode {
    /// TLS trusting `roots`.
    pub fn tls(roots: &TrustRoots) -> Result<Self, TlsError> {
        Ok(Self::Tls {
            config: client_config(roots)?,
        })
    }

    /// Which transport this is, for messages.
    pub fn dialed(&self) -> Dialed {
        match self {
            Self::Tls { .. } => Dialed::Tls,
            Self::Plaintext => Dialed::Plaintext,
        }
    }
}

/// Which beacon a request is about: its ID (empty means `default`) and, when known, its chain
/// hash (which takes precedence on the server).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BeaconTarget {
    /// Beacon ID, e.g. `default`, `quicknet`.
    pub beacon_id: String,
    /// Chain hash (32 bytes) or empty.
    pub chain_hash: Vec<u8>,
}

impl BeaconTarget {
    /// A target by beacon ID only.
    pub fn id(beacon_id: impl Into<String>) -> Self {
        Self {
            beacon_id: beacon_id.into(),
            chain_hash: Vec::new(),
        }
    }

    /// The same target with its chain hash.
    pub fn with_chain_hash(mut self, chain_hash: impl Into<Vec<u8>>) -> Self {
        self.chain_hash = chain_hash.into();
        self
    }

    /// The request metadata for this target, carrying our version.
    pub fn metadata(&self) -> Metadata {
        Metadata {
            node_version: Some(version::ours()),
            beacon_id: self.beacon_id.clone(),
            chain_hash: self.chain_hash.clone(),
        }
    }
}

/// A stream of beacons from a peer.
pub type BeaconStream = Pin<Box<dyn Stream<Item = Result<BeaconPacket, NetError>> + Send>>;
/// A stream of public randomness from a peer.
pub type PublicRandStream =
    Pin<Box<dyn Stream<Item = Result<PublicRandResponse, NetError>> + Send>>;

/// A client for one peer. Cloning is cheap and shares the connection, which is opened on first
/// use and re-opened after a failure, always in the same transport.
#[derive(Clone, Debug)]
pub struct PeerClient {
    peer: PeerAddress,
    dialed: Dialed,
    channel: Channel,
    info: InfoSlot,
}

impl PeerClient {
    /// Prepares a client for `address` (`HOST:PORT`) in `mode`; connects lazily.
    pub fn connect(address: &str, mode: &TransportMode) -> Result<Self, NetError> {
        let peer = PeerAddress::parse(address)?;
        let bad = |reason: String| NetError::InvalidAddress {
            address: address.to_owned(),
            reason,
        };
        // tonic must not add TLS itself: the dialer does it, so the URI is http and the
        // `:scheme` sent is set separately through the origin.
        let endpoint = Endpoint::from_shared(format!("http://{peer}"))
            .map_err(|e| bad(e.to_string()))?
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_timeout(Duration::from_secs(10))
            .user_agent(format!("drand-node/{}", env!("CARGO_PKG_VERSION")))
            .map_err(|e| bad(e.to_string()))?;
        let (endpoint, tls) = match mode {
            TransportMode::Tls { config } => {
                let origin = format!("https://{peer}")
                    .parse()
                    .map_err(|e: http::uri::InvalidUri| bad(e.to_string()))?;
                (endpoint.origin(origin), Some(config.clone()))
            }
            TransportMode::Plaintext => (endpoint, None),
        };
        let info = InfoSlot::default();
        let dialer = Dialer {
            peer: peer.clone(),
            tls,
            info: info.clone(),
        };
        let channel = endpoint.connect_with_connector_lazy(dialer);
        Ok(Self {
            peer,
            dialed: mode.dialed(),
            channel,
            info,
        })
    }

    /// The peer's address.
    pub fn address(&self) -> &str {
        self.peer.as_str()
    }

    /// What the last successful connection negotiated.
    pub fn connection_info(&self) -> Option<ConnectionInfo> {
        self.info
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The shared channel (for the other services' clients in this module tree).
    pub(super) fn channel(&self) -> Channel {
        self.channel.clone()
    }

    fn protocol(&self) -> ProtocolClient<Channel> {
        ProtocolClient::new(self.channel.clone()).max_decoding_message_size(MAX_RESPONSE_BYTES)
    }

    fn public(&self) -> PublicClient<Channel> {
        PublicClient::new(self.channel.clone()).max_decoding_message_size(MAX_RESPONSE_BYTES)
    }

    /// `Protocol.GetIdentity`: the peer's identity for a beacon.
    pub async fn get_identity(&self, target: &BeaconTarget) -> Result<IdentityResponse, NetError> {
        let req = IdentityRequest {
            metadata: Some(target.metadata()),
        };
        let op = "GetIdentity";
        self.unary(
            op,
            CALL_TIMEOUT,
            self.protocol().get_identity(request(req, CALL_TIMEOUT)),
        )
        .await
    }

    /// `Protocol.PartialBeacon` with a 5 s budget; `packet.metadata` is set from `target`.
    pub async fn partial_beacon(
        &self,
        target: &BeaconTarget,
        mut packet: PartialBeaconPacket,
    ) -> Result<(), NetError> {
        packet.metadata = Some(target.metadata());
        let op = "PartialBeacon";
        let mut client = self.protocol();
        let call = client.partial_beacon(request(packet, PARTIAL_TIMEOUT));
        self.unary(op, PARTIAL_TIMEOUT, call).await.map(drop)
    }

    /// `Protocol.SyncChain`: beacons from `from_round` on, then live ones until dropped.
    pub async fn sync_chain(
        &self,
        target: &BeaconTarget,
        from_round: u64,
    ) -> Result<BeaconStream, NetError> {
        let req = SyncRequest {
            from_round,
            metadata: Some(target.metadata()),
        };
        let op = "SyncChain";
        let stream = self
            .unary(op, CALL_TIMEOUT, self.protocol().sync_chain(req))
            .await?;
        Ok(self.map_stream(op, stream))
    }

    /// `Protocol.Status` of a beacon, asking the peer to check its connections to `check_conn`.
    pub async fn status(
        &self,
        target: &BeaconTarget,
        check_conn: &[String],
    ) -> Result<StatusResponse, NetError> {
        let req = StatusRequest {
            check_conn: check_conn
                .iter()
                .map(|a| crate::proto::Address {
                    address: a.clone(),
                    ..Default::default()
                })
                .collect(),
            metadata: Some(target.metadata()),
        };
        self.unary(
            "Status",
            CALL_TIMEOUT,
            self.protocol().status(request(req, CALL_TIMEOUT)),
        )
        .await
    }

    /// `Public.PublicRand`: one round (0 = latest).
    pub async fn public_rand(
        &self,
        target: &BeaconTarget,
        round: u64,
    ) -> Result<PublicRandResponse, NetError> {
        let req = PublicRandRequest {
            round,
            metadata: Some(target.metadata()),
        };
        let mut client = self.public();
        let call = client.public_rand(request(req, PUBLIC_RAND_TIMEOUT));
        self.unary("PublicRand", PUBLIC_RAND_TIMEOUT, call).await
    }

    /// `Public.PublicRandStream`: new beacons as they are produced.
    pub async fn public_rand_stream(
        &self,
        target: &BeaconTarget,
    ) -> Result<PublicRandStream, NetError> {
        let req = PublicRandRequest {
            round: 0,
            metadata: Some(target.metadata()),
        };
        let op = "PublicRandStream";
        let stream = self
            .unary(op, CALL_TIMEOUT, self.public().public_rand_stream(req))
            .await?;
        Ok(self.map_stream(op, stream))
    }

    /// `Public.ChainInfo` of a beacon.
    pub async fn chain_info(&self, target: &BeaconTarget) -> Result<ChainInfoPacket, NetError> {
        let req = ChainInfoRequest {
            metadata: Some(target.metadata()),
        };
        self.unary(
            "ChainInfo",
            CALL_TIMEOUT,
            self.public().chain_info(request(req, CALL_TIMEOUT)),
        )
        .await
    }

    /// `Public.ListBeaconIDs`.
    pub async fn list_beacon_ids(&self) -> Result<ListBeaconIDsResponse, NetError> {
        let mut client = self.public();
        let call = client.list_beacon_i_ds(request(ListBeaconIDsRequest {}, CALL_TIMEOUT));
        self.unary("ListBeaconIDs", CALL_TIMEOUT, call).await
    }

    fn map_stream<T: Send + 'static>(
        &self,
        operation: &'static str,
        stream: tonic::Streaming<T>,
    ) -> Pin<Box<dyn Stream<Item = Result<T, NetError>> + Send>> {
        let peer = self.peer.to_string();
        Box::pin(
            stream.map(move |item| item.map_err(|status| explain_now(&peer, operation, &status))),
        )
    }

    pub(super) async fn unary<T>(
        &self,
        operation: &'static str,
        budget: Duration,
        call: impl Future<Output = Result<tonic::Response<T>, Status>>,
    ) -> Result<T, NetError> {
        match tokio::time::timeout(budget, call).await {
            Err(_) => Err(NetError::Timeout {
                peer: self.peer.to_string(),
                operation,
                after: budget,
            }),
            Ok(Ok(response)) => Ok(response.into_inner()),
            Ok(Err(status)) => Err(self.explain(operation, &status).await),
        }
    }

    /// Names a failure. Errors raised by our dialer (TLS mismatch, certificate) are returned as
    /// they are; a plaintext connection that broke is probed to see whether the peer speaks TLS
    /// or HTTP/1.1; a status the peer sent is reported as its answer.
    async fn explain(&self, operation: &'static str, status: &Status) -> NetError {
        let peer = self.peer.to_string();
        if let Some(err) = find_in_chain(status) {
            return err;
        }
        if std::error::Error::source(status).is_some()
            && self.dialed == Dialed::Plaintext
            && let Some(
                speaks @ (PeerSpeaks::Tls | PeerSpeaks::TlsWithoutHttp2 | PeerSpeaks::Http1),
            ) = probe(&self.peer, PROBE_TIMEOUT).await
        {
            return NetError::ProtocolMismatch {
                peer,
                dialed: Dialed::Plaintext,
                peer_speaks: speaks,
            };
        }
        explain_now(&peer, operation, status)
    }
}

pub(super) fn request<T>(message: T, budget: Duration) -> tonic::Request<T> {
    let mut req = tonic::Request::new(message);
    req.set_timeout(budget);
    req
}

fn find_in_chain(status: &Status) -> Option<NetError> {
    let mut next = std::error::Error::source(status);
    let mut depth = 0;
    while let Some(err) = next {
        if let Some(net) = err.downcast_ref::<NetError>() {
            return Some(net.clone());
        }
        next = err.source();
        depth += 1;
        if depth > 16 {
            break;
        }
    }
    None
}

/// Names a failure without probing: our dialer's error, a broken connection, or the peer's answer.
fn explain_now(peer: &str, operation: &'static str, status: &Status) -> NetError {
    if let Some(err) = find_in_chain(status) {
        return err;
    }
    if std::error::Error::source(status).is_some() {
        return NetError::Transport {
            peer: peer.to_owned(),
            operation,
            detail: error_chain(status),
        };
    }
    NetError::Rpc {
        peer: peer.to_owned(),
        operation,
        code: status.code(),
        message: status.message().chars().take(500).collect(),
    }
}

/// One reused [`PeerClient`] per peer address, all in the group's transport.
#[derive(Debug)]
pub struct PeerPool {
    mode: TransportMode,
    peers: Mutex<HashMap<String, PeerClient>>,
}

impl PeerPool {
    /// An empty pool dialing in `mode`.
    pub fn new(mode: TransportMode) -> Self {
        Self {
            mode,
            peers: Mutex::new(HashMap::new()),
        }
    }

    /// The client for `address`, created on first use.
    pub fn get(&self, address: &str) -> Result<PeerClient, NetError> {
        let mut peers = self.peers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = peers.get(address) {
            return Ok(client.clone());
        }
        let client = PeerClient::connect(address, &self.mode)?;
        peers.insert(address.to_owned(), client.clone());
        Ok(client)
    }

    /// Drops clients for addresses no longer in `keep` (after a group change).
    pub fn retain(&self, keep: &[String]) {
        self.peers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|a, _| keep.contains(a));
    }
}

/// Client of the local control API (plaintext, loopback only), used by the CLI.
#[derive(Clone, Debug)]
pub struct ControlClient {
    pub(super) peer: PeerClient,
}

impl ControlClient {
    /// A client for the daemon's control listener at `address` (e.g. `127.0.0.1:8888`).
    pub fn connect(address: &str) -> Result<Self, NetError> {
        Ok(Self {
            peer: PeerClient::connect(address, &TransportMode::Plaintext)?,
        })
    }

    fn raw(&self) -> RawControl<Channel> {
        RawControl::new(self.peer.channel.clone()).max_decoding_message_size(16 << 20)
    }

    /// `Control.PingPong`: is the daemon up?
    pub async fn ping(&self) -> Result<(), NetError> {
        let req = Ping {
            metadata: Some(BeaconTarget::default().metadata()),
        };
        self.peer
            .unary("PingPong", CALL_TIMEOUT, self.raw().ping_pong(req))
            .await
            .map(drop)
    }

    /// `Control.Status` of a beacon.
    pub async fn status(&self, target: &BeaconTarget) -> Result<StatusResponse, NetError> {
        let req = StatusRequest {
            check_conn: Vec::new(),
            metadata: Some(target.metadata()),
        };
        self.peer
            .unary("Status", CALL_TIMEOUT, self.raw().status(req))
            .await
    }

    /// `Control.PublicKey` of a beacon.
    pub async fn public_key(&self, target: &BeaconTarget) -> Result<PublicKeyResponse, NetError> {
        let req = PublicKeyRequest {
            metadata: Some(target.metadata()),
        };
        self.peer
            .unary("PublicKey", CALL_TIMEOUT, self.raw().public_key(req))
            .await
    }

    /// `Control.ChainInfo` of a beacon.
    pub async fn chain_info(&self, target: &BeaconTarget) -> Result<ChainInfoPacket, NetError> {
        let req = ChainInfoRequest {
            metadata: Some(target.metadata()),
        };
        self.peer
            .unary("ChainInfo", CALL_TIMEOUT, self.raw().chain_info(req))
            .await
    }

    /// `Control.GroupFile` of a beacon.
    pub async fn group_file(&self, target: &BeaconTarget) -> Result<GroupPacket, NetError> {
        let req = GroupRequest {
            metadata: Some(target.metadata()),
        };
        self.peer
            .unary("GroupFile", CALL_TIMEOUT, self.raw().group_file(req))
            .await
    }

    /// `Control.Shutdown`: stops one beacon, or the whole daemon when `beacon_id` is `None`.
    pub async fn shutdown(&self, beacon_id: Option<&str>) -> Result<(), NetError> {
        let target = BeaconTarget::id(beacon_id.unwrap_or_default());
        let req = ShutdownRequest {
            metadata: Some(target.metadata()),
        };
        self.peer
            .unary("Shutdown", CALL_TIMEOUT, self.raw().shutdown(req))
            .await
            .map(drop)
    }
}
