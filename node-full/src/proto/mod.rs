//! The gRPC schema, generated at build time from `proto/**/*.proto`.
//!
//! Message, service and field names and numbers of packages `drand` and `dkg` are drand's, so
//! method paths such as `/drand.Protocol/PartialBeacon` or `/dkg.DKGPublic/Packet` and the
//! bytes on the wire match Go nodes. Package `drandlite` is our extension (Go nodes answer
//! `Unimplemented`). Only the generated modules are exempt from the crate's documentation and
//! lint rules.

/// Package `drand`: common messages and the `Protocol`, `Public` and `Control` services.
#[allow(missing_docs, clippy::all, clippy::pedantic, clippy::nursery)]
pub mod drand {
    tonic::include_proto!("drand");
}

/// Package `dkg`: the ceremony gossip (`DKGPublic`), the operator API (`DKGControl`) and the
/// DKG bundles.
#[allow(missing_docs, clippy::all, clippy::pedantic, clippy::nursery)]
pub mod dkg {
    tonic::include_proto!("dkg");
}

/// Package `drandlite`: our `Ceremony` extension (proposal pull, signed joined notices).
#[allow(missing_docs, clippy::all, clippy::pedantic, clippy::nursery)]
pub mod drandlite {
    tonic::include_proto!("drandlite");
}

pub use self::drand::*;
