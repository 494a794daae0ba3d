//! The daemon: the only place that wires the pure protocol (engine) to I/O. It loads every
//! beacon ID of the node's folder, serves gRPC to peers (TLS, or plaintext only when the
//! operator says a reverse proxy terminates TLS), the control API on loopback, the public HTTP
//! API and Prometheus metrics, runs each beacon's engine loop, and stops cleanly on a control
//! `Shutdown`, Ctrl-C or SIGTERM.

pub mod beacon;
pub mod clock;
mod dkg_service;
pub mod metrics;
pub mod peers;
pub mod process;
pub mod service;
pub mod sync;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

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
        "no beacon with a group file and a share under {0}; run a DKG first (or use `drand-node devnet`)"
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

/// The running daemon's shared state (what the gRPC services answer from).
pub struct Daemon {
    beacons: BTreeMap<String, Arc<BeaconProcess>>,
    pool: Arc<PeerPool>,
    tls: bool,
    shutdown: watch::Sender<bool>,
    /// Slots for chain streams (see [`service::MAX_CHAIN_STREAMS`]).
    streams: Arc<tokio::sync::Semaphore>,
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
    let mut beacons = BTreeMap::new();
    let mut engines = Vec::new();
    for id in ids {
        let paths = BeaconPaths::new(&config.folder, &id)
            .map_err(|e| DaemonError::Folder(e.to_string()))?;
        if !paths.group_file().exists() || !paths.share_file().exists() {
            tracing::info!(beacon_id = %id, "no group file or share yet; not started");
            continue;
        }
        let (process, engine, inputs) = BeaconProcess::load(&paths, Arc::clone(&pool))?;
        tracing::info!(
            beacon_id = %id,
            chain_hash = %process.info.hash().to_hex(),
            scheme = process.info.scheme().id(),
            last_stored = *process.latest.borrow(),
            group_size = process.group.nodes.len(),
            threshold = process.group.threshold,
            "beacon loaded"
        );
        engines.push((Arc::clone(&process), engine, inputs));
        beacons.insert(id, process);
    }
    if beacons.is_empty() {
        return Err(DaemonError::NothingToRun(config.folder.clone()));
    }
    let (shutdown, _) = watch::channel(false);
    let daemon = Arc::new(Daemon {
        beacons,
        pool,
        tls: matches!(config.listen_mode, ListenMode::Tls(_)),
        shutdown: shutdown.clone(),
        streams: Arc::new(tokio::sync::Semaphore::new(service::MAX_CHAIN_STREAMS)),
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
    for process in daemon.beacons.values() {
        tokio::spawn(self_check(Arc::clone(process), config.transport.clone()));
    }
    let mut loops = Vec::new();
    for (process, engine, inputs) in engines {
        let ctx = process.loop_context(shutdown.subscribe());
        loops.push(tokio::spawn(beacon::run(engine, inputs, ctx)));
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
    for process in daemon.beacons.values() {
        // The loops watch `shutdown`; this only wakes one that is idle (never waits on a full
        // queue).
        let _ = process.inputs.try_send(beacon::Input::Stop);
    }
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
    let mut state = crate::http::ApiState::new(crate::http::system_clock());
    if let Some(www) = www {
        state = state.with_static_dir(www.to_path_buf());
    }
    for p in daemon.beacons.values() {
        let handle = crate::http::ChainHandle {
            info: p.info.clone(),
            store: Arc::clone(&p.store),
            latest: p.latest.subscribe(),
        };
        if let Err(e) = state.add_chain(handle) {
            tracing::error!(beacon_id = %p.beacon_id, error = %e, "chain not served over HTTP");
        }
    }
    let router = crate::http::router(state);
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
                let beacons: Vec<(String, &metrics::BeaconMetrics)> = daemon
                    .beacons
                    .values()
                    .map(|p| (p.beacon_id.clone(), p.metrics.as_ref()))
                    .collect();
                (
                    [(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                    metrics::render(started, &beacons),
                )
            }
        }),
    )
}
