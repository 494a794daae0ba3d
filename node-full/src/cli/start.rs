//! `drand-node start`: runs the daemon. The listener's transport is explicit: TLS with the
//! node's certificate (the default), or plaintext only with `--plaintext-behind-proxy` when a
//! reverse proxy terminates TLS. Peers are dialed over TLS unless the whole group is a plaintext
//! local network (`--plaintext-group`); one never falls back to the other.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::Failure;
use crate::daemon::{self, DaemonConfig};
use crate::net::server::ListenMode;
use crate::net::tls::server_config_from_files;

/// Flags of `drand-node start`.
#[derive(clap::Args)]
pub struct Args {
    /// The node's folder.
    #[arg(long, env = "DRAND_FOLDER", default_value = ".drand")]
    folder: PathBuf,
    /// Run only this beacon ID.
    #[arg(long)]
    id: Option<String>,
    /// gRPC listener for the other nodes (HOST:PORT).
    #[arg(long, env = "DRAND_PRIVATE_LISTEN")]
    private_listen: SocketAddr,
    /// Public HTTP API listener (HOST:PORT).
    #[arg(long, env = "DRAND_PUBLIC_LISTEN")]
    public_listen: Option<SocketAddr>,
    /// Control API listener (loopback only).
    #[arg(long, env = "DRAND_CONTROL", default_value = "127.0.0.1:8888")]
    control: SocketAddr,
    /// Prometheus metrics listener (HOST:PORT).
    #[arg(long, env = "DRAND_METRICS")]
    metrics: Option<SocketAddr>,
    /// The node's TLS certificate chain (PEM) for the gRPC listener.
    #[arg(long, env = "DRAND_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// The node's TLS private key (PEM).
    #[arg(long, env = "DRAND_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// Trust this CA (PEM) for the peers' certificates instead of the public web roots.
    #[arg(long, env = "DRAND_TLS_CA")]
    tls_ca: Option<PathBuf>,
    /// Listen in plaintext because a reverse proxy terminates TLS in front of this listener.
    #[arg(long)]
    plaintext_behind_proxy: bool,
    /// Dial peers in plaintext: only for a group created as a plaintext local network.
    #[arg(long)]
    plaintext_group: bool,
    /// Serve this demo page directory at `/` of the public API (the npm package at `/pkg/`).
    #[arg(long)]
    www: Option<PathBuf>,
    /// Log as JSON lines.
    #[arg(long)]
    json: bool,
}

/// Runs the daemon until it stops.
pub fn run(args: Args) -> Result<(), Failure> {
    init_logging(args.json);
    let listen_mode = match (&args.tls_cert, &args.tls_key, args.plaintext_behind_proxy) {
        (Some(cert), Some(key), false) => {
            ListenMode::Tls(server_config_from_files(cert, key).map_err(Failure::usage)?)
        }
        (None, None, true) => {
            tracing::warn!(
                "the gRPC listener speaks plaintext: a reverse proxy must terminate TLS in front of it"
            );
            ListenMode::PlaintextBehindProxy
        }
        (_, _, true) => {
            return Err(Failure::usage(
                "--plaintext-behind-proxy and --tls-cert/--tls-key exclude each other",
            ));
        }
        _ => {
            return Err(Failure::usage(
                "the gRPC listener needs --tls-cert and --tls-key (or, behind a TLS-terminating \
                 reverse proxy, --plaintext-behind-proxy)",
            ));
        }
    };
    let transport = super::transport_mode(
        args.plaintext_group,
        "--plaintext-group",
        args.tls_ca.as_deref(),
    )?;
    let config = DaemonConfig {
        folder: args.folder,
        beacon_id: args.id,
        private_listen: args.private_listen,
        listen_mode,
        transport,
        public_listen: args.public_listen,
        control: args.control,
        metrics: args.metrics,
        www: args.www,
    };
    super::runtime()?
        .block_on(daemon::run(config))
        .map_err(Failure::failed)
}

/// Structured logs on stderr (`RUST_LOG` filters; info by default).
fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    if json {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}
