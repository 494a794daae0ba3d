//! gRPC transport between nodes (tonic + prost, rustls).
//!
//! - Services and messages are drand's (`crate::proto`), so Go nodes interoperate.
//! - Outgoing calls use one explicit [`TransportMode`] per group: TLS, or plaintext only for
//!   groups created as local networks. There is never a fallback from one to the other; when a
//!   peer speaks the other protocol (or HTTP/1.1) the [`NetError`] says so in words.
//! - The node listener terminates TLS itself ([`ListenMode::Tls`]) unless the operator states
//!   that a reverse proxy does ([`ListenMode::PlaintextBehindProxy`]); the control API listens
//!   on loopback only.
//! - [`check::check_addresses`] is `util check`: identity, TLS and version of each address.

pub mod address;
pub mod check;
pub mod client;
pub mod client_dkg;
mod connector;
pub mod dkg_shape;
pub mod errors;
pub mod probe;
pub mod server;
mod server_dkg;
pub mod service;
pub mod tls;
pub mod version;

pub use address::PeerAddress;
pub use check::{CheckReport, CheckedIdentity, check_addresses};
pub use client::{BeaconStream, BeaconTarget, ControlClient, PeerClient, PeerPool, TransportMode};
pub use connector::ConnectionInfo;
pub use errors::{Dialed, NetError, PeerSpeaks, ServeError};
pub use server::{ListenMode, ServerLimits, serve_control, serve_node};
pub use service::{
    BeaconRoute, BoxStream, Caller, ControlService, DkgControlService, DkgPublicService,
    NodeService,
};
pub use tls::{DevnetCa, NodeCert, TlsError, TrustRoots, generate_devnet_ca, issue_node_cert};
