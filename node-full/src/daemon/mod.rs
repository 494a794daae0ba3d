//! The daemon: the only place that wires the pure protocol (engine) to I/O. It loads every
//! beacon ID of the node's folder, serves gRPC to peers (TLS, or plaintext only when the
//! operator says a reverse proxy terminates TLS), the control API on loopback, the public HTTP
//! API and Prometheus metrics, runs each beacon's engine loop, and stops cleanly on a control
//! `Shutdown`, Ctrl-C or SIGTERM.

pub mod beacon;
pub mod ceremony;
pub mod clock;
mod dkg_service;
pub mod dkg_wire;
pub mod inbox;
pub mod metrics;
pub mod peers;
pub mod process;
pub mod service;
pub mod sync;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::files::layout::{BeaconPaths, list_beacon_ids};
use crate::net::server::{ListenMode, ServerLimits, serve_control, serve_node};
use crate::net::{PeerPool, TransportMode};
use process::BeaconProcess;

/// Why the daemon could not start or stopped with an error.
#[derive(Debug, Error)]
pub enum DaemonError {
    /// A beacon ID's files or store are unusable.
    #[error("beacon {beacon_id:?}: {reason}")]
    Beacon {
        /// The beacon ID.
        beacon_id: String,
        /// What was wrong.
        reason: String,
    },
    /// Nothing to run.
    #[error(
        "no keypair under {0}: run `drand-node generate-keypair` first (or use `drand-node devnet`)"
    )]
    NothingToRun(PathBuf),
    /// A listener could not be opened.
    #[error("cannot listen on {address} ({what}): {error}")]
    Listen {
        /// Which listener.
        what: &'static str,
        /// The address.
        address: SocketAddr,
        /// The OS error.
        error: std::io::Error,
    },
    /// The node folder could not be read.
    #[error("{0}")]
    Folder(String),
    /// A server failed while running.
    #[error("{what} server failed: {error}")]
    Serve {
        /// Which server.
        what: &'static str,
        /// The error.
        error: String,
    },
}

/// How `drand-node start` was configured.
pub struct DaemonConfig {
    /// The node's folder (`multibeacon/<id>/...` inside).
    pub folder: PathBuf,
    /// Only this beacon ID (all with a group and share when `None`).
    pub beacon_id: Option<String>,
    /// gRPC listener for peers.
    pub private_listen: SocketAddr,
    /// How the gRPC listener speaks.
    pub listen_mode: ListenMode,
    /// How peers are dialed (TLS unless the group is an explicitly plaintext local network).
    pub transport: TransportMode,
    /// Public HTTP API.
    pub public_listen: Option<SocketAddr>,
    /// Control API (loopback only).
    pub control: SocketAddr,
    /// Prometheus metrics.
    pub metrics: Option<SocketAddr>,
    /// The demo page to serve at `/` of the public API (with the npm package at `/pkg/` from
    /// the sibling `pkg/` directory).
    pub www: Option<PathBuf>,
}

/// A beacon ID's long-term keypair, loaded at start: the node's identity for it, answered to
/// `GetIdentity` before any group exists, and the key the DKG and ceremony sign with.
pub struct NodeKeys {
    /// Where the beacon's files live.
    pub paths: BeaconPaths,
    /// The self-signed public identity.
    pub identity: crate::files::Identity,
    /// The long-term secret.
    pub secret: crate::crypto::SecretKey,
}

/// The running daemon's shared state (what the gRPC services answer from).
pub struct Daemon {
    /// Running chains, by beacon ID (a beacon ID's chain starts when its first DKG completes).
    beacons: RwLock<BTreeMap<String, Arc<BeaconProcess>>>,
    /// Every beacon ID with a keypair.
    keys: BTreeMap<String, Arc<NodeKeys>>,
    /// The ceremony task of each beacon ID with a keypair.
    ceremonies: BTreeMap<String, ceremony::CeremonyHandle>,
    pool: Arc<PeerPool>,
    transport: TransportMode,
    tls: bool,
    shutdown: watch::Sender<bool>,
    /// Slots for chain streams (see [`service::MAX_CHAIN_STREAMS`]).
    streams: Arc<tokio::sync::Semaphore>,
    /// The public HTTP API's chains (chains started later are added to it).
    api: crate::http::ApiState,
    /// The engine loops, awaited at shutdown.
    loops: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// Beacon IDs stopped over the control port (and not started again since).
    stopped: std::sync::Mutex<std::collections::BTreeSet<String>>,
}

impl Daemon {
    /// The running beacon processes.
    pub fn beacon_list(&self) -> Vec<Arc<BeaconProcess>> {
        match self.beacons.read() {
            Ok(b) => b.values().cloned().collect(),
            Err(poisoned) => poisoned.into_inner().values().cloned().collect(),
        }
    }

    /// The running beacon process of `beacon_id`.
    pub fn beacon_process(&self, beacon_id: &str) -> Option<Arc<BeaconProcess>> {
        match self.beacons.read() {
            Ok(b) => b.get(beacon_id).cloned(),
            Err(poisoned) => poisoned.into_inner().get(beacon_id).cloned(),
        }
    }

    /// The keypair of `beacon_id`.
    pub fn node_keys(&self, beacon_id: &str) -> Option<&Arc<NodeKeys>> {
        self.keys.get(beacon_id)
    }

    /// The peer connection pool.
    pub fn pool(&self) -> &Arc<PeerPool> {
        &self.pool
    }

    /// Starts a beacon process: serves its chain over gRPC and HTTP and runs its engine loop
    /// until the daemon stops. Refused if the beacon ID already runs.
    pub fn launch(
        &self,
        process: Arc<BeaconProcess>,
        engine: crate::engine::Engine,
        inputs: tokio::sync::mpsc::Receiver<beacon::Input>,
    ) -> Result<(), DaemonError> {
        let id = process.beacon_id.clone();
        {
            let mut beacons = match self.beacons.write() {
                Ok(b) => b,
                Err(poisoned) => poisoned.into_inner(),
            };
            if beacons.contains_key(&id) {
                return Err(DaemonError::Beacon {
                    beacon_id: id,
                    reason: "already running".into(),
                });
            }
            beacons.insert(id.clone(), Arc::clone(&process));
        }
        self.stopped_ids().remove(&id);
        let group = process.group();
        tracing::info!(
            beacon_id = %id,
            chain_hash = %process.info.hash().to_hex(),
            scheme = process.info.scheme().id(),
            last_stored = *process.latest.borrow(),
            group_size = group.nodes.len(),
            threshold = group.threshold,
            "beacon started"
        );
        let handle = crate::http::ChainHandle {
            info: process.info.clone(),
            store: Arc::clone(&process.store),
            latest: process.latest.subscribe(),
        };
        if let Err(e) = self.api.add_chain(handle) {
            tracing::error!(beacon_id = %id, error = %e, "chain not served over HTTP");
        }
        tokio::spawn(self_check(Arc::clone(&process), self.transport.clone()));
        let ctx = process.loop_context(self.shutdown.subscribe());
        let handle = tokio::spawn(beacon::run(engine, inputs, ctx));
        match self.loops.lock() {
            Ok(mut l) => l.push(handle),
            Err(poisoned) => poisoned.into_inner().push(handle),
        }
        Ok(())
    }

    /// Stops one beacon process, as drand's `Shutdown` with a beacon ID does: its engine loop
    /// ends and its chain leaves the public API, while the daemon, the other beacons and the
    /// beacon ID's ceremony go on (a DKG that completes later starts it again). Returns whether
    /// the beacon was running.
    pub fn stop_beacon(&self, beacon_id: &str) -> bool {
        let removed = match self.beacons.write() {
            Ok(mut b) => b.remove(beacon_id),
            Err(poisoned) => poisoned.into_inner().remove(beacon_id),
        };
        let Some(process) = removed else {
            return false;
        };
        self.stopped_ids().insert(beacon_id.to_owned());
        self.api.remove_chain(beacon_id);
        // The stop queues behind the loop's pending control inputs; the control call does not
        // wait for it.
        let inputs = process.inputs.clone();
        tokio::spawn(async move {
            let _ = inputs.send(beacon::Input::Stop).await;
        });
        tracing::info!(beacon_id = %beacon_id, "beacon stopped");
        true
    }

    /// Whether `beacon_id` was stopped over the control port and has not started since.
    pub fn was_stopped(&self, beacon_id: &str) -> bool {
        self.stopped_ids().contains(beacon_id)
    }

    fn stopped_ids(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeSet<String>> {
        self.stopped.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Loads the keypair of every beacon ID that has one (with the group's scheme when a group
/// file exists, for keys written before scheme names).
fn load_keys(
    folder: &std::path::Path,
    ids: &[String],
) -> Result<BTreeMap<String, Arc<NodeKeys>>, DaemonError> {
    let mut keys = BTreeMap::new();
    for id in ids {
        let paths = BeaconPaths::new(folder, id).map_err(|e| DaemonError::Folder(e.to_string()))?;
        if !paths.private_key_file().exists() && !paths.public_key_file().exists() {
            continue;
        }
        let group_scheme = if paths.group_file().exists() {
            crate::files::Group::read(&paths.group_file())
                .map(|g| Some(g.scheme))
                .map_err(|e| DaemonError::Beacon {
                    beacon_id: id.clone(),
                    reason: format!("group file: {e}"),
                })?
        } else {
            None
        };
        let loaded = crate::files::keys::load_keypair(folder, id, group_scheme).map_err(|e| {
            DaemonError::Beacon {
                beacon_id: id.clone(),
                reason: format!("keypair: {e}"),
            }
        })?;
        keys.insert(
            id.clone(),
            Arc::new(NodeKeys {
                paths,
                identity: loaded.identity,
                secret: loaded.secret,
            }),
        );
    }
    Ok(keys)
}

async fn bind(what: &'static str, address: SocketAddr) -> Result<TcpListener, DaemonError> {
    TcpListener::bind(address)
        .await
        .map_err(|error| DaemonError::Listen {
            what,
            address,
            error,
        })
}

/// Runs the daemon until it is asked to stop.
pub async fn run(config: DaemonConfig) -> Result<(), DaemonError> {
    let ids = match &config.beacon_id {
        Some(id) => vec![id.clone()],
        None => list_beacon_ids(&config.folder).map_err(|e| DaemonError::Folder(e.to_string()))?,
    };
    let pool = Arc::new(PeerPool::new(config.transport.clone()));
    let keys = load_keys(&config.folder, &ids)?;
    if keys.is_empty() {
        return Err(DaemonError::NothingToRun(config.folder.clone()));
    }
    let mut engines = Vec::new();
    for id in keys.keys() {
        let paths =
            BeaconPaths::new(&config.folder, id).map_err(|e| DaemonError::Folder(e.to_string()))?;
        if !paths.group_file().exists() || !paths.share_file().exists() {
            tracing::info!(beacon_id = %id, "no group file or share yet: waiting for a DKG");
            continue;
        }
        engines.push(BeaconProcess::load(&paths, Arc::clone(&pool))?);
    }
    let dkg_store = Arc::new(
        crate::store::DkgStore::open(&config.folder)
            .map_err(|e| DaemonError::Folder(e.to_string()))?,
    );
    let mut ceremonies = BTreeMap::new();
    let mut pending = Vec::new();
    for id in keys.keys() {
        let (handle, rx) = ceremony::channel();
        ceremonies.insert(id.clone(), handle);
        pending.push((id.clone(), rx));
    }
    let (shutdown, _) = watch::channel(false);
    let mut api = crate::http::ApiState::new(crate::http::system_clock());
    if let Some(www) = &config.www {
        api = api.with_static_dir(www.clone());
    }
    let daemon = Arc::new(Daemon {
        beacons: RwLock::new(BTreeMap::new()),
        keys,
        ceremonies,
        pool,
        transport: config.transport.clone(),
        tls: matches!(config.listen_mode, ListenMode::Tls(_)),
        shutdown: shutdown.clone(),
        streams: Arc::new(tokio::sync::Semaphore::new(service::MAX_CHAIN_STREAMS)),
        api,
        loops: std::sync::Mutex::new(Vec::new()),
        stopped: std::sync::Mutex::default(),
    });
    let stop = {
        let shutdown = shutdown.clone();
        move || {
            let mut rx = shutdown.subscribe();
            async move {
                let _ = rx.wait_for(|s| *s).await;
            }
        }
    };

    let mut tasks = tokio::task::JoinSet::new();
    let private = bind("gRPC", config.private_listen).await?;
    let control = bind("control", config.control).await?;
    {
        let daemon = Arc::clone(&daemon);
        let mode = config.listen_mode.clone();
        let stop = stop();
        tasks.spawn(async move {
            serve_node(private, mode, daemon, ServerLimits::default(), stop)
                .await
                .map_err(|e| DaemonError::Serve {
                    what: "gRPC",
                    error: e.to_string(),
                })
        });
    }
    {
        let daemon = Arc::clone(&daemon);
        let stop = stop();
        tasks.spawn(async move {
            serve_control(control, daemon, ServerLimits::default(), stop)
                .await
                .map_err(|e| DaemonError::Serve {
                    what: "control",
                    error: e.to_string(),
                })
        });
    }
    if let Some(address) = config.public_listen {
        let router = public_router(&daemon, config.www.as_deref());
        serve_http(&mut tasks, "public HTTP", address, router, stop()).await?;
    }
    if let Some(address) = config.metrics {
        serve_http(
            &mut tasks,
            "metrics",
            address,
            metrics_router(&daemon),
            stop(),
        )
        .await?;
    }
    for (process, engine, inputs) in engines {
        daemon.launch(process, engine, inputs)?;
    }
    for (id, rx) in pending {
        ceremony::spawn(Arc::clone(&daemon), Arc::clone(&dkg_store), id.clone(), rx).map_err(
            |reason| DaemonError::Beacon {
                beacon_id: id,
                reason,
            },
        )?;
    }
    tracing::info!(
        private = %config.private_listen,
        control = %config.control,
        public = ?config.public_listen,
        metrics = ?config.metrics,
        "drand-node started"
    );

    // Stop on a control Shutdown, Ctrl-C or SIGTERM, or when a server fails.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| DaemonError::Serve {
            what: "signal",
            error: e.to_string(),
        })?;
    let mut failure = None;
    tokio::select! {
        () = stop() => {}
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted"),
        _ = term.recv() => tracing::info!("terminated"),
        Some(done) = tasks.join_next() => {
            if let Ok(Err(e)) = done {
                failure = Some(e);
            }
        }
    }
    shutdown.send_replace(true);
    for process in daemon.beacon_list() {
        // The loops watch `shutdown`; this only wakes one that is idle (never waits on a full
        // queue).
        let _ = process.inputs.try_send(beacon::Input::Stop);
    }
    let loops = match daemon.loops.lock() {
        Ok(mut l) => std::mem::take(&mut *l),
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    };
    for handle in loops {
        let _ = handle.await;
    }
    let grace = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while tasks.join_next().await.is_some() {}
    });
    let _ = grace.await;
    tracing::info!("drand-node stopped");
    failure.map_or(Ok(()), Err)
}

/// Binds `address` and serves `router` on it in `tasks` until `stop` resolves.
async fn serve_http(
    tasks: &mut tokio::task::JoinSet<Result<(), DaemonError>>,
    what: &'static str,
    address: SocketAddr,
    router: axum::Router,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), DaemonError> {
    let listener = bind(what, address).await?;
    tasks.spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(stop)
            .await
            .map_err(|e| DaemonError::Serve {
                what,
                error: e.to_string(),
            })
    });
    Ok(())
}

/// Dials this node's own advertised address through the real client path, as a peer would, and
/// checks that it answers with this node's key: a wrong address, a proxy without HTTP/2 or a
/// TLS/plaintext mismatch shows up at start-up, in words, instead of as silent missing partials
/// (the 2024 testnet post-mortem). Retries for a few seconds while the listener comes up.
async fn self_check(process: Arc<BeaconProcess>, transport: TransportMode) {
    let address = process.identity.address.clone();
    let target = crate::net::BeaconTarget::id(&process.beacon_id);
    let mut last_error = String::new();
    for _ in 0..10 {
        let outcome = match crate::net::PeerClient::connect(&address, &transport) {
            Ok(client) => client
                .get_identity(&target)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match outcome {
            Ok(identity) if identity.key == process.identity.key => {
                tracing::info!(beacon_id = %process.beacon_id, %address, "self-check: our advertised address answers with our key");
                return;
            }
            Ok(_) => {
                tracing::error!(beacon_id = %process.beacon_id, %address, "self-check: our advertised address answers with ANOTHER node's key; peers cannot reach this node");
                return;
            }
            Err(e) => last_error = e,
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    tracing::error!(beacon_id = %process.beacon_id, %address, error = %last_error, "self-check: our advertised address is not reachable as peers dial it");
}

/// The public HTTP API over every beacon, plus the demo page when configured.
fn public_router(daemon: &Arc<Daemon>, www: Option<&std::path::Path>) -> axum::Router {
    let router = crate::http::router(daemon.api.clone());
    // The npm package beside the demo page (www/../pkg) at /pkg/.
    match www.and_then(|w| w.parent()).map(|root| root.join("pkg")) {
        Some(pkg) if pkg.is_dir() => {
            router.nest_service("/pkg", tower_http::services::ServeDir::new(pkg))
        }
        _ => router,
    }
}

/// `/metrics` in Prometheus' text format.
fn metrics_router(daemon: &Arc<Daemon>) -> axum::Router {
    let started = clock::unix_ms() / 1000;
    let daemon = Arc::clone(daemon);
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let daemon = Arc::clone(&daemon);
            async move {
                let processes = daemon.beacon_list();
                let beacons: Vec<(String, &metrics::BeaconMetrics)> = processes
                    .iter()
                    .map(|p| (p.beacon_id.clone(), p.metrics.as_ref()))
                    .collect();
                let mut text = metrics::render(started, &beacons);
                let ceremonies: Vec<metrics::CeremonyGauges> = daemon
                    .ceremonies
                    .iter()
                    .map(|(id, c)| {
                        let (state, epoch) = *c.state.borrow();
                        metrics::CeremonyGauges {
                            beacon_id: id.clone(),
                            state,
                            epoch,
                            bytes_sent: c.bytes_sent.load(std::sync::atomic::Ordering::Relaxed),
                        }
                    })
                    .collect();
                text.push_str(&metrics::render_ceremonies(&ceremonies));
                (
                    [(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                    text,
                )
            }
        }),
    )
}
