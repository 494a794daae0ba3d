//! Incoming gRPC: `drand.Protocol`, `drand.Public`, `dkg.DKGPublic` and `drandlite.Ceremony` on
//! the node listener (TLS by default, plaintext only when the operator says a reverse proxy
//! terminates TLS), and `drand.Control` + `dkg.DKGControl` on a separate loopback listener.
//! The DKG handlers live in `server_dkg`.
//!
//! Every request passes the version gate and is routed by chain hash or beacon ID before the
//! [`NodeService`] sees it; response metadata is filled here. Request sizes, concurrent streams,
//! pending TLS handshakes and handler time are bounded.

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};
use tonic::transport::Server;
use tonic::{Request, Response, Status};

use super::errors::ServeError;
use super::service::{
    BeaconRoute, BoxStream, Caller, ControlService, DkgControlService, DkgPublicService,
    NodeService,
};
use super::version;
use crate::proto::control_server::{Control, ControlServer};
use crate::proto::dkg::dkg_control_server::DkgControlServer;
use crate::proto::dkg::dkg_public_server::DkgPublicServer;
use crate::proto::drandlite::ceremony_server::CeremonyServer;
use crate::proto::protocol_server::{Protocol, ProtocolServer};
use crate::proto::public_server::{Public, PublicServer};
use crate::proto::{
    BeaconPacket, ChainInfoPacket, ChainInfoRequest, Empty, GroupPacket, GroupRequest,
    IdentityRequest, IdentityResponse, ListBeaconIDsRequest, ListBeaconIDsResponse, Metadata,
    PartialBeaconPacket, Ping, Pong, PublicKeyRequest, PublicKeyResponse, PublicRandRequest,
    PublicRandResponse, ShutdownRequest, ShutdownResponse, StatusRequest, StatusResponse,
    SyncRequest,
};

/// How the node listener speaks, chosen explicitly by the operator.
#[derive(Clone, Debug)]
pub enum ListenMode {
    /// The node terminates TLS itself (the default); see [`super::tls::server_config_from_files`].
    Tls(Arc<rustls::ServerConfig>),
    /// Plaintext HTTP/2, only because the operator said a reverse proxy terminates TLS in
    /// front of this listener.
    PlaintextBehindProxy,
}

/// Bounds on what one listener accepts.
#[derive(Clone, Debug)]
pub struct ServerLimits {
    /// Largest `drand.Protocol` request (a partial is ~200 bytes).
    pub max_protocol_request: usize,
    /// Largest `drand.Public` request.
    pub max_public_request: usize,
    /// Largest `drand.Control` request.
    pub max_control_request: usize,
    /// Largest `dkg.DKGPublic` / `drandlite.Ceremony` / `dkg.DKGControl` request (a proposal
    /// or a deal bundle grows with the group: about 250 KB for 1000 nodes).
    pub max_dkg_request: usize,
    /// Largest response encoded (group files can be large).
    pub max_response: usize,
    /// Concurrent HTTP/2 streams per connection.
    pub max_concurrent_streams: u32,
    /// Requests handled at once per connection.
    pub concurrency_per_connection: usize,
    /// Time a handler may take to answer (streams are not cut once they started).
    pub request_timeout: Duration,
    /// Time a client may take to complete the TLS handshake.
    pub handshake_timeout: Duration,
    /// TLS handshakes in progress at once; further connections are dropped.
    pub max_pending_handshakes: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_protocol_request: 64 << 10,
            max_public_request: 16 << 10,
            max_control_request: 64 << 10,
            max_dkg_request: 4 << 20,
            max_response: 16 << 20,
            max_concurrent_streams: 128,
            concurrency_per_connection: 64,
            request_timeout: Duration::from_secs(70),
            handshake_timeout: Duration::from_secs(10),
            max_pending_handshakes: 256,
        }
    }
}

/// The beacon ID an empty one stands for.
pub const DEFAULT_BEACON_ID: &str = "default";

pub(super) fn clip(text: &str) -> String {
    text.chars().take(64).collect()
}

fn served(routes: &[BeaconRoute]) -> String {
    if routes.is_empty() {
        return "no beacon yet".to_owned();
    }
    routes
        .iter()
        .map(|r| r.beacon_id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Finds the beacon a request is about: by chain hash when given (a beacon ID given too must
/// agree), else by beacon ID (empty means `default`). An unknown chain hash is accepted only
/// for a named beacon whose chain does not exist yet (before its first DKG), as drand does.
pub fn route(routes: &[BeaconRoute], metadata: Option<&Metadata>) -> Result<BeaconRoute, Status> {
    let given_id = metadata.map_or("", |m| m.beacon_id.as_str());
    let id = if given_id.is_empty() {
        DEFAULT_BEACON_ID
    } else {
        given_id
    };
    let hash = metadata.map_or(&[][..], |m| m.chain_hash.as_slice());
    if !hash.is_empty() {
        if let Some(found) = routes
            .iter()
            .find(|r| r.chain_hash.as_deref() == Some(hash))
        {
            if !given_id.is_empty() && found.beacon_id != id {
                return Err(Status::invalid_argument(format!(
                    "chain hash {} belongs to beacon {:?}, but the request names beacon {:?}",
                    drand_lite::hex::encode(hash),
                    found.beacon_id,
                    clip(id)
                )));
            }
            return Ok(found.clone());
        }
        if let Some(pending) = routes
            .iter()
            .find(|r| r.beacon_id == id && r.chain_hash.is_none())
        {
            return Ok(pending.clone());
        }
        let shown = hash.get(..32).unwrap_or(hash);
        return Err(Status::not_found(format!(
            "unknown chain hash {}; this node serves: {}",
            drand_lite::hex::encode(shown),
            served(routes)
        )));
    }
    routes
        .iter()
        .find(|r| r.beacon_id == id)
        .cloned()
        .ok_or_else(|| {
            Status::not_found(format!(
                "beacon {:?} is not running on this node; it serves: {}",
                clip(id),
                served(routes)
            ))
        })
}

/// Refuses a request from an incompatible version (drand's rule), with `PermissionDenied`.
pub fn version_gate(metadata: Option<&Metadata>) -> Result<(), Status> {
    match metadata.and_then(|m| m.node_version.as_ref()) {
        Some(theirs) if !version::is_compatible(theirs) => Err(Status::permission_denied(format!(
            "incompatible node version: this node runs {}, the request comes from {} (the major \
             version must match and the minor may differ by at most one)",
            version::display(&version::ours()),
            clip(&version::display(theirs))
        ))),
        _ => Ok(()),
    }
}

pub(super) fn reply_metadata(route: &BeaconRoute) -> Option<Metadata> {
    Some(Metadata {
        node_version: Some(version::ours()),
        beacon_id: route.beacon_id.clone(),
        chain_hash: route.chain_hash.clone().unwrap_or_default(),
    })
}

fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unique_local()
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| v4.is_loopback() || v4.is_private())
        }
    }
}

pub(super) fn caller<T>(req: &Request<T>) -> Caller {
    let remote = req.remote_addr();
    let forwarded_ip = remote.filter(|r| is_private(r.ip())).and_then(|_| {
        let headers = req.metadata();
        let real = headers.get("x-real-ip").and_then(|v| v.to_str().ok());
        let fwd = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next());
        real.or(fwd)
            .and_then(|text| text.trim().parse::<IpAddr>().ok())
    });
    Caller {
        remote,
        forwarded_ip,
    }
}

/// The generated service traits, implemented over a [`NodeService`].
pub(super) struct Api<S>(pub(super) Arc<S>);

impl<S: NodeService> Api<S> {
    pub(super) fn admit(&self, metadata: Option<&Metadata>) -> Result<BeaconRoute, Status> {
        version_gate(metadata)?;
        route(&self.0.beacons(), metadata)
    }
}

#[tonic::async_trait]
impl<S: NodeService> Protocol for Api<S> {
    async fn get_identity(
        &self,
        req: Request<IdentityRequest>,
    ) -> Result<Response<IdentityResponse>, Status> {
        let route = self.admit(req.get_ref().metadata.as_ref())?;
        let mut out = self.0.identity(&route.beacon_id).await?;
        out.metadata = reply_metadata(&route);
        Ok(Response::new(out))
    }

    async fn partial_beacon(
        &self,
        req: Request<PartialBeaconPacket>,
    ) -> Result<Response<Empty>, Status> {
        let route = self.admit(req.get_ref().metadata.as_ref())?;
        let from = caller(&req);
        self.0
            .partial_beacon(&route.beacon_id, from, req.into_inner())
            .await?;
        Ok(Response::new(Empty {
            metadata: reply_metadata(&route),
        }))
    }

    type SyncChainStream = BoxStream<BeaconPacket>;

    async fn sync_chain(
        &self,
        req: Request<SyncRequest>,
    ) -> Result<Response<Self::SyncChainStream>, Status> {
        let route = self.admit(req.get_ref().metadata.as_ref())?;
        let from = caller(&req);
        let stream = self
            .0
            .sync_chain(&route.beacon_id, from, req.get_ref().from_round)
            .await?;
        let meta = reply_metadata(&route);
        let stream = stream.map(move |item| {
            item.map(|mut b| {
                b.metadata.clone_from(&meta);
                b
            })
        });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn status(
        &self,
        req: Request<StatusRequest>,
    ) -> Result<Response<StatusResponse>, Status> {
        let route = self.admit(req.get_ref().metadata.as_ref())?;
        let check = req
            .into_inner()
            .check_conn
            .into_iter()
            .map(|a| a.address)
            .collect();
        Ok(Response::new(self.0.status(&route.beacon_id, check).await?))
    }
}

#[tonic::async_trait]
impl<S: NodeService> Public for Api<S> {
    async fn public_rand(
        &self,
        req: Request<PublicRandRequest>,
    ) -> Result<Response<PublicRandResponse>, Status> {
        let route = self.admit(req.get_ref().metadata.as_ref())?;
        let mut out = self
            .0
            .public_rand(&route.beacon_id, req.get_ref().round)
            .await?;
        out.metadata = reply_metadata(&route);
        Ok(Response::new(out))
    }

    type PublicRandStreamStream = BoxStream<PublicRandResponse>;

    async fn public_rand_stream(
        &self,
        req: Request<PublicRandRequest>,
    ) -> Result<Response<Self::PublicRandStreamStream>, Status> {
        let route = self.admit(req.get_ref().metadata.as_ref())?;
        let stream = self.0.public_rand_stream(&route.beacon_id).await?;
        let meta = reply_metadata(&route);
        let stream = stream.map(move |item| {
            item.map(|mut b| {
                b.metadata.clone_from(&meta);
                b
            })
        });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn chain_info(
        &self,
        req: Request<ChainInfoRequest>,
    ) -> Result<Response<ChainInfoPacket>, Status> {
        let route = self.admit(req.get_ref().metadata.as_ref())?;
        let mut out = self.0.chain_info(&route.beacon_id).await?;
        out.metadata = reply_metadata(&route);
        Ok(Response::new(out))
    }

    async fn list_beacon_i_ds(
        &self,
        _req: Request<ListBeaconIDsRequest>,
    ) -> Result<Response<ListBeaconIDsResponse>, Status> {
        let routes = self.0.beacons();
        Ok(Response::new(ListBeaconIDsResponse {
            ids: routes.iter().map(|r| r.beacon_id.clone()).collect(),
            metadatas: routes.iter().filter_map(reply_metadata).collect(),
        }))
    }
}

#[tonic::async_trait]
impl<S: ControlService> Control for Api<S> {
    async fn ping_pong(&self, _req: Request<Ping>) -> Result<Response<Pong>, Status> {
        let metadata = Metadata {
            node_version: Some(version::ours()),
            ..Default::default()
        };
        Ok(Response::new(Pong {
            metadata: Some(metadata),
        }))
    }

    async fn status(
        &self,
        req: Request<StatusRequest>,
    ) -> Result<Response<StatusResponse>, Status> {
        <Self as Protocol>::status(self, req).await
    }

    async fn public_key(
        &self,
        req: Request<PublicKeyRequest>,
    ) -> Result<Response<PublicKeyResponse>, Status> {
        let route = self.admit(req.get_ref().metadata.as_ref())?;
        let mut out = self.0.public_key(&route.beacon_id).await?;
        out.metadata = reply_metadata(&route);
        Ok(Response::new(out))
    }

    async fn chain_info(
        &self,
        req: Request<ChainInfoRequest>,
    ) -> Result<Response<ChainInfoPacket>, Status> {
        <Self as Public>::chain_info(self, req).await
    }

    async fn group_file(
        &self,
        req: Request<GroupRequest>,
    ) -> Result<Response<GroupPacket>, Status> {
        let route = self.admit(req.get_ref().metadata.as_ref())?;
        let mut out = self.0.group_file(&route.beacon_id).await?;
        out.metadata = reply_metadata(&route);
        Ok(Response::new(out))
    }

    async fn shutdown(
        &self,
        req: Request<ShutdownRequest>,
    ) -> Result<Response<ShutdownResponse>, Status> {
        let metadata = req.get_ref().metadata.as_ref();
        version_gate(metadata)?;
        let named = metadata.is_some_and(|m| !m.beacon_id.is_empty() || !m.chain_hash.is_empty());
        let target = if named {
            Some(route(&self.0.beacons(), metadata)?)
        } else {
            None
        };
        self.0
            .shutdown(target.as_ref().map(|r| r.beacon_id.as_str()))
            .await?;
        let reply = target.as_ref().and_then(reply_metadata).or_else(|| {
            Some(Metadata {
                node_version: Some(version::ours()),
                ..Default::default()
            })
        });
        Ok(Response::new(ShutdownResponse { metadata: reply }))
    }
}

fn builder(limits: &ServerLimits) -> Server {
    Server::builder()
        .max_concurrent_streams(limits.max_concurrent_streams)
        .concurrency_limit_per_connection(limits.concurrency_per_connection)
        .timeout(limits.request_timeout)
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(Duration::from_secs(10)))
}

/// Serves `drand.Protocol`, `drand.Public`, `dkg.DKGPublic` and `drandlite.Ceremony` on
/// `listener` until `shutdown` resolves.
pub async fn serve_node<S: NodeService + DkgPublicService>(
    listener: TcpListener,
    mode: ListenMode,
    service: Arc<S>,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let api = Arc::new(Api(service));
    let protocol = ProtocolServer::from_arc(api.clone())
        .max_decoding_message_size(limits.max_protocol_request)
        .max_encoding_message_size(limits.max_response);
    let public = PublicServer::from_arc(api.clone())
        .max_decoding_message_size(limits.max_public_request)
        .max_encoding_message_size(limits.max_response);
    let dkg = DkgPublicServer::from_arc(api.clone())
        .max_decoding_message_size(limits.max_dkg_request)
        .max_encoding_message_size(limits.max_response);
    let ceremony = CeremonyServer::from_arc(api)
        .max_decoding_message_size(limits.max_dkg_request)
        .max_encoding_message_size(limits.max_response);
    let router = builder(&limits)
        .add_service(protocol)
        .add_service(public)
        .add_service(dkg)
        .add_service(ceremony);
    match mode {
        ListenMode::Tls(config) => {
            let incoming = tls_incoming(listener, config, &limits);
            router
                .serve_with_incoming_shutdown(incoming, shutdown)
                .await?;
        }
        ListenMode::PlaintextBehindProxy => {
            router
                .serve_with_incoming_shutdown(plain_incoming(listener), shutdown)
                .await?;
        }
    }
    Ok(())
}

/// Serves `drand.Control` and `dkg.DKGControl` on a loopback `listener` (plaintext; refuses
/// any other address, since the control API has no authentication) until `shutdown` resolves.
pub async fn serve_control<S: ControlService + DkgControlService>(
    listener: TcpListener,
    service: Arc<S>,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let local = listener.local_addr()?;
    if !local.ip().is_loopback() {
        return Err(ServeError::ControlNotLoopback(local));
    }
    let api = Arc::new(Api(service));
    let control = ControlServer::from_arc(api.clone())
        .max_decoding_message_size(limits.max_control_request)
        .max_encoding_message_size(limits.max_response);
    let dkg = DkgControlServer::from_arc(api)
        .max_decoding_message_size(limits.max_dkg_request)
        .max_encoding_message_size(limits.max_response);
    builder(&limits)
        .add_service(control)
        .add_service(dkg)
        .serve_with_incoming_shutdown(plain_incoming(listener), shutdown)
        .await?;
    Ok(())
}

fn plain_incoming(
    listener: TcpListener,
) -> impl futures_util::Stream<Item = Result<TcpStream, std::io::Error>> + Send {
    TcpListenerStream::new(listener).map(|conn| {
        conn.inspect(|tcp| {
            let _ = tcp.set_nodelay(true);
        })
    })
}

type TlsConn = tokio_rustls::server::TlsStream<TcpStream>;

/// Accepts TCP connections and completes TLS handshakes concurrently, each bounded in time and
/// in number, yielding only established TLS connections. Stops when the server drops the stream.
fn tls_incoming(
    listener: TcpListener,
    config: Arc<rustls::ServerConfig>,
    limits: &ServerLimits,
) -> ReceiverStream<Result<TlsConn, std::io::Error>> {
    let (tx, rx) = mpsc::channel::<Result<TlsConn, std::io::Error>>(64);
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let permits = Arc::new(Semaphore::new(limits.max_pending_handshakes.max(1)));
    let timeout = limits.handshake_timeout;
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                () = tx.closed() => break,
                accepted = listener.accept() => accepted,
            };
            let (tcp, remote) = match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                tracing::warn!(%remote, "too many TLS handshakes in progress; dropping connection");
                continue;
            };
            let _ = tcp.set_nodelay(true);
            let (acceptor, tx) = (acceptor.clone(), tx.clone());
            tokio::spawn(async move {
                let _permit = permit;
                match tokio::time::timeout(timeout, acceptor.accept(tcp)).await {
                    Ok(Ok(tls)) => {
                        let _ = tx.send(Ok(tls)).await;
                    }
                    Ok(Err(e)) => tracing::debug!(
                        %remote,
                        error = %e,
                        "TLS handshake failed (a plaintext or HTTP/1.1 client gets this as corrupt data)"
                    ),
                    Err(_) => tracing::debug!(%remote, "TLS handshake timed out"),
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::NodeVersion;

    fn routes() -> Vec<BeaconRoute> {
        vec![
            BeaconRoute {
                beacon_id: "default".into(),
                chain_hash: Some(vec![1; 32]),
            },
            BeaconRoute {
                beacon_id: "quicknet".into(),
                chain_hash: Some(vec![2; 32]),
            },
            BeaconRoute {
                beacon_id: "fresh".into(),
                chain_hash: None,
            },
        ]
    }

    fn md(id: &str, hash: &[u8]) -> Metadata {
        Metadata {
            node_version: None,
            beacon_id: id.into(),
            chain_hash: hash.to_vec(),
        }
    }

    #[test]
    fn routes_like_drand() {
        let r = routes();
        assert_eq!(route(&r, None).unwrap().beacon_id, "default");
        assert_eq!(route(&r, Some(&md("", &[]))).unwrap().beacon_id, "default");
        assert_eq!(
            route(&r, Some(&md("quicknet", &[]))).unwrap().beacon_id,
            "quicknet"
        );
        assert_eq!(
            route(&r, Some(&md("", &[2; 32]))).unwrap().beacon_id,
            "quicknet"
        );
        assert_eq!(
            route(&r, Some(&md("quicknet", &[2; 32])))
                .unwrap()
                .beacon_id,
            "quicknet"
        );
        assert_eq!(
            route(&r, Some(&md("fresh", &[9; 32]))).unwrap().beacon_id,
            "fresh"
        );
        let e = route(&r, Some(&md("default", &[2; 32]))).unwrap_err();
        assert_eq!(e.code(), tonic::Code::InvalidArgument);
        let e = route(&r, Some(&md("", &[9; 32]))).unwrap_err();
        assert_eq!(e.code(), tonic::Code::NotFound);
        assert!(
            e.message().contains("unknown chain hash"),
            "{}",
            e.message()
        );
        let e = route(&r, Some(&md("nope", &[]))).unwrap_err();
        assert!(
            e.message().contains("default, quicknet, fresh"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn gate_rejects_incompatible_versions() {
        let with = |major, minor| Metadata {
            node_version: Some(NodeVersion {
                major,
                minor,
                patch: 0,
                prerelease: None,
            }),
            ..Default::default()
        };
        assert!(version_gate(None).is_ok());
        assert!(version_gate(Some(&Metadata::default())).is_ok());
        assert!(version_gate(Some(&with(2, 2))).is_ok());
        assert_eq!(
            version_gate(Some(&with(2, 3))).unwrap_err().code(),
            tonic::Code::PermissionDenied
        );
        assert_eq!(
            version_gate(Some(&with(1, 1))).unwrap_err().code(),
            tonic::Code::PermissionDenied
        );
    }
}
