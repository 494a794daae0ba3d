//! The gRPC schema, generated at build time from `proto/drand/*.proto` (package `drand`).
//!
//! Message, service and field names and numbers are drand's, so method paths such as
//! `/drand.Protocol/PartialBeacon` and the bytes on the wire match Go nodes. Only the
//! generated module is exempt from the crate's documentation and lint rules.

/// Package `drand`: common messages and the `Protocol`, `Public` and `Control` services.
#[allow(missing_docs, clippy::all, clippy::pedantic, clippy::nursery)]
pub mod drand {
    tonic::include_proto!("drand");
}

pub use self::drand::*;
