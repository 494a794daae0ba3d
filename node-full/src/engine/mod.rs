//! The beacon round engine (reference §3.2–3.6), pure and sans-IO.
//!
//! The shell (daemon) owns the clock, the network and the store. It calls
//! [`Engine::handle`] with the current time (milliseconds since the Unix epoch) for every
//! [`Event`] — a tick when [`Engine::next_wakeup`] has come, a partial from a peer, or beacons
//! stored by sync — and carries out the returned [`Output`]s in order: broadcast a partial,
//! store a beacon, sync from peers, log a rejected partial or an alert.
//!
//! Threshold cryptography is behind [`ThresholdCrypto`]; [`ShareCrypto`] implements it with
//! this node's share and the group's public polynomial.

mod cache;
mod clock;
mod config;
mod machine;
mod messages;
mod share_crypto;
mod threshold;

pub use cache::{Bucket, BucketKey, PartialCache};
pub use clock::RoundClock;
pub use config::{ConfigError, EngineConfig};
pub use machine::Engine;
pub use messages::{Alert, Event, Output, PartialPacket, RejectReason};
pub use share_crypto::ShareCrypto;
pub use threshold::{ThresholdCrypto, ThresholdError};

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;
