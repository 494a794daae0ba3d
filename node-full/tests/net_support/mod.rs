//! Shared test fixtures for the net tests: a fake node service, servers on 127.0.0.1 with a
//! real throwaway CA, and odd listeners (HTTP/1.1, TLS without h2).
#![allow(dead_code, missing_docs)]

pub mod raw;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use drand_node::net::{
    BeaconRoute, BoxStream, Caller, ControlService, DevnetCa, DkgControlService, DkgPublicService,
    ListenMode, NodeService, ServerLimits, TransportMode, serve_node,
};
use drand_node::proto::dkg::{
    DkgCommand, DkgEntry, DkgPacket, DkgStatusResponse, GossipMetadata, GossipPacket,
};
use drand_node::proto::{
    BeaconPacket, BeaconStatus, ChainInfoPacket, GroupPacket, IdentityResponse,
    PartialBeaconPacket, PublicKeyResponse, PublicRandResponse, StatusResponse,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tonic::Status;

pub const CHAIN_HASH: [u8; 32] = [7; 32];

/// A node service answering from constants and counting every call it handles.
#[derive(Default)]
pub struct Fake {
    pub address: Mutex<String>,
    pub calls: AtomicUsize,
    pub partials: Mutex<Vec<(String, Caller, PartialBeaconPacket)>>,
    pub shutdowns: Mutex<Vec<Option<String>>>,
    /// Ceremony packets received: (beacon ID, packet).
    pub gossip: Mutex<Vec<(String, GossipPacket)>>,
    /// DKG bundles received: (beacon ID, packet).
    pub bundles: Mutex<Vec<(String, DkgPacket)>>,
    /// Joined notices received: (beacon ID, packet).
    pub joined: Mutex<Vec<(String, GossipPacket)>>,
    /// DKG commands received: (beacon ID, command).
    pub commands: Mutex<Vec<(String, DkgCommand)>>,
    /// What `PullProposal` answers.
    pub proposal: Mutex<Option<GossipPacket>>,
    /// What `GetIdentity` answers instead of the constant identity (e.g. a real, self-signed one).
    pub identity_override: Mutex<Option<IdentityResponse>>,
    /// Beacons served besides `default` and `quicknet` (e.g. one with keys but no chain yet).
    pub extra_routes: Mutex<Vec<BeaconRoute>>,
    /// What `DKGStatus` answers.
    pub dkg_status: Mutex<DkgStatusResponse>,
}

impl Fake {
    fn hit(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

pub fn beacon(round: u64) -> BeaconPacket {
    BeaconPacket {
        previous_signature: vec![(round.wrapping_sub(1) % 251) as u8; 96],
        round,
        signature: vec![(round % 251) as u8; 96],
        metadata: None,
    }
}

#[tonic::async_trait]
impl NodeService for Fake {
    fn beacons(&self) -> Vec<BeaconRoute> {
        vec![
            BeaconRoute {
                beacon_id: "default".into(),
                chain_hash: Some(CHAIN_HASH.to_vec()),
            },
            BeaconRoute {
                beacon_id: "quicknet".into(),
                chain_hash: Some(vec![8; 32]),
            },
        ]
        .into_iter()
        .chain(self.extra_routes.lock().unwrap().iter().cloned())
        .collect()
    }

    async fn identity(&self, beacon_id: &str) -> Result<IdentityResponse, Status> {
        self.hit();
        if let Some(id) = self.identity_override.lock().unwrap().clone() {
            return Ok(id);
        }
        Ok(IdentityResponse {
            address: self.address.lock().unwrap().clone(),
            key: vec![0xab; 48],
            signature: vec![0xcd; 96],
            scheme_name: format!("scheme-of-{beacon_id}"),
            ..Default::default()
        })
    }

    async fn partial_beacon(
        &self,
        beacon_id: &str,
        caller: Caller,
        packet: PartialBeaconPacket,
    ) -> Result<(), Status> {
        self.hit();
        self.partials
            .lock()
            .unwrap()
            .push((beacon_id.to_owned(), caller, packet));
        Ok(())
    }

    async fn sync_chain(
        &self,
        _beacon_id: &str,
        _caller: Caller,
        from_round: u64,
    ) -> Result<BoxStream<BeaconPacket>, Status> {
        self.hit();
        if from_round > 1000 {
            return Err(Status::invalid_argument(
                "from_round is beyond the last stored round",
            ));
        }
        let items: Vec<Result<BeaconPacket, Status>> = (from_round..from_round + 5)
            .map(|r| Ok(beacon(r)))
            .collect();
        Ok(Box::pin(futures_util::stream::iter(items)))
    }

    async fn status(
        &self,
        _beacon_id: &str,
        check_conn: Vec<String>,
    ) -> Result<StatusResponse, Status> {
        self.hit();
        Ok(StatusResponse {
            epoch: 3,
            beacon: Some(BeaconStatus {
                is_running: true,
                ..Default::default()
            }),
            connections: check_conn.into_iter().map(|a| (a, true)).collect(),
            ..Default::default()
        })
    }

    async fn public_rand(
        &self,
        _beacon_id: &str,
        round: u64,
    ) -> Result<PublicRandResponse, Status> {
        self.hit();
        if round > 1000 {
            return Err(Status::not_found(format!(
                "round {round} does not exist yet"
            )));
        }
        let b = beacon(if round == 0 { 1000 } else { round });
        Ok(PublicRandResponse {
            round: b.round,
            signature: b.signature,
            previous_signature: b.previous_signature,
            ..Default::default()
        })
    }

    async fn public_rand_stream(
        &self,
        _beacon_id: &str,
    ) -> Result<BoxStream<PublicRandResponse>, Status> {
        self.hit();
        let items: Vec<Result<PublicRandResponse, Status>> = (1001..1004)
            .map(|r| {
                Ok(PublicRandResponse {
                    round: r,
                    signature: beacon(r).signature,
                    ..Default::default()
                })
            })
            .collect();
        Ok(Box::pin(futures_util::stream::iter(items)))
    }

    async fn chain_info(&self, _beacon_id: &str) -> Result<ChainInfoPacket, Status> {
        self.hit();
        Ok(ChainInfoPacket {
            public_key: vec![1; 48],
            period: 3,
            genesis_time: 1_700_000_000,
            hash: CHAIN_HASH.to_vec(),
            scheme_id: "pedersen-bls-chained".into(),
            ..Default::default()
        })
    }
}

#[tonic::async_trait]
impl ControlService for Fake {
    async fn public_key(&self, _beacon_id: &str) -> Result<PublicKeyResponse, Status> {
        self.hit();
        Ok(PublicKeyResponse {
            pub_key: vec![0xab; 48],
            addr: self.address.lock().unwrap().clone(),
            ..Default::default()
        })
    }

    async fn group_file(&self, _beacon_id: &str) -> Result<GroupPacket, Status> {
        self.hit();
        Ok(GroupPacket {
            threshold: 2,
            period: 3,
            ..Default::default()
        })
    }

    async fn shutdown(&self, beacon_id: Option<&str>) -> Result<(), Status> {
        self.hit();
        self.shutdowns
            .lock()
            .unwrap()
            .push(beacon_id.map(str::to_owned));
        Ok(())
    }
}

/// A server running on 127.0.0.1 until dropped.
pub struct Running {
    pub addr: String,
    pub fake: Arc<Fake>,
    stop: Option<oneshot::Sender<()>>,
    pub task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub async fn start(mode: ListenMode) -> Running {
    start_with(mode, ServerLimits::default()).await
}

pub async fn start_with(mode: ListenMode, limits: ServerLimits) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let fake = Arc::new(Fake::default());
    *fake.address.lock().unwrap() = addr.clone();
    let (tx, rx) = oneshot::channel();
    let svc = fake.clone();
    let task = tokio::spawn(async move {
        serve_node(listener, mode, svc, limits, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    Running {
        addr,
        fake,
        stop: Some(tx),
        task,
    }
}

/// A devnet CA, a TLS server using a certificate it issued for 127.0.0.1, and a TLS client mode
/// trusting that CA.
pub struct TlsSetup {
    pub ca: DevnetCa,
    pub server: ListenMode,
    pub client: TransportMode,
}

pub fn tls_setup() -> TlsSetup {
    let ca = DevnetCa::generate().unwrap();
    let node = ca.issue_node_cert(&["127.0.0.1", "localhost"]).unwrap();
    let server = ListenMode::Tls(node.server_config().unwrap());
    let client = TransportMode::tls(&ca.trust_roots()).unwrap();
    TlsSetup { ca, server, client }
}

/// A raw listener answering every connection with an HTTP/1.1 400 and closing, counting them.
pub async fn http1_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                let _ = tokio::time::timeout(std::time::Duration::from_secs(2), tcp.read(&mut buf))
                    .await;
                let _ = tcp.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
                let _ = tcp.shutdown().await;
            });
        }
    });
    (addr, seen)
}

/// A TLS listener that offers no ALPN (an HTTP/1.1-only TLS proxy) and answers HTTP/1.1.
pub async fn tls_http1_server(ca: &DevnetCa) -> String {
    let node = ca.issue_node_cert(&["127.0.0.1"]).unwrap();
    let certs = drand_node::net::tls::parse_certificates(node.cert_pem.as_bytes(), "cert").unwrap();
    let key = rustls_pemfile::private_key(&mut node.key_pem.as_bytes())
        .unwrap()
        .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let _ = tls.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    addr
}

#[tonic::async_trait]
impl DkgPublicService for Fake {
    async fn packet(
        &self,
        beacon_id: &str,
        _caller: Caller,
        packet: GossipPacket,
    ) -> Result<(), Status> {
        self.hit();
        self.gossip
            .lock()
            .unwrap()
            .push((beacon_id.to_owned(), packet));
        Ok(())
    }

    async fn broadcast_dkg(
        &self,
        beacon_id: &str,
        _caller: Caller,
        packet: DkgPacket,
    ) -> Result<(), Status> {
        self.hit();
        self.bundles
            .lock()
            .unwrap()
            .push((beacon_id.to_owned(), packet));
        Ok(())
    }

    async fn pull_proposal(&self, _beacon_id: &str) -> Result<Option<GossipPacket>, Status> {
        self.hit();
        Ok(self.proposal.lock().unwrap().clone())
    }

    async fn joined(
        &self,
        beacon_id: &str,
        _caller: Caller,
        packet: GossipPacket,
    ) -> Result<(), Status> {
        self.hit();
        self.joined
            .lock()
            .unwrap()
            .push((beacon_id.to_owned(), packet));
        Ok(())
    }
}

#[tonic::async_trait]
impl DkgControlService for Fake {
    async fn command(&self, beacon_id: &str, command: DkgCommand) -> Result<(), Status> {
        self.hit();
        self.commands
            .lock()
            .unwrap()
            .push((beacon_id.to_owned(), command));
        Ok(())
    }

    async fn dkg_status(&self, beacon_id: &str) -> Result<DkgStatusResponse, Status> {
        self.hit();
        let mut status = self.dkg_status.lock().unwrap().clone();
        if status.current.is_none() {
            status.current = Some(DkgEntry {
                beacon_id: beacon_id.to_owned(),
                ..Default::default()
            });
        }
        Ok(status)
    }
}

/// Gossip metadata for tests: beacon, sender, a 96-byte dummy signature.
pub fn gossip_metadata(beacon_id: &str, sender: &str) -> Option<GossipMetadata> {
    Some(GossipMetadata {
        beacon_id: beacon_id.to_owned(),
        address: sender.to_owned(),
        signature: vec![0x5a; 96],
    })
}

/// A control server (drand.Control + dkg.DKGControl) on 127.0.0.1 until dropped.
pub struct RunningControl {
    pub addr: String,
    pub fake: Arc<Fake>,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for RunningControl {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub async fn start_control(fake: Arc<Fake>) -> RunningControl {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (tx, rx) = oneshot::channel();
    let svc = fake.clone();
    tokio::spawn(async move {
        drand_node::net::serve_control(listener, svc, ServerLimits::default(), async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    RunningControl {
        addr,
        fake,
        stop: Some(tx),
    }
}
