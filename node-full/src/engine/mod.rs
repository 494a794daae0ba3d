//! The beacon round engine (reference §3.2–3.6), pure and sans-IO.
//!
//! The shell (daemon) owns the clock, the network and the store. It calls
//! [`Engine::handle`] with the current time (milliseconds since the Unix epoch) for every
//! [`Event`] — a tick when [`Engine::next_wakeup`] has come, a partial from a peer, or beacons
//! stored by sync — and carries out the returned [`Output`]s in order: broadcast a partial,
//! store a beacon, sync from peers, log a rejected partial or an alert.
//!
//! Contract with the shell:
//! - `Store(b)`: append `b` (always `last + 1`, verified). If the store refuses or fails, rebuild
//!   the engine from the store's last beacon with [`Engine::new`] (the engine has moved on).
//! - `Sync { from_round, to_round }`: fetch, batch-verify and store what peers have of those
//!   rounds, then send [`Event::StoreAdvanced`] with the new last beacon. Requests repeat every
//!   round while behind; the shell runs at most one sync at a time.
//! - `Rejected`: log and count per sender; [`RejectReason::is_benign`] ones (late, repeated or
//!   too-far-ahead partials) happen in healthy groups and belong at debug level.
//! - `Alert`: the group's public polynomial, the share or the chain info disagree: log loudly.
//! - Verifying a partial costs a pairing check (milliseconds): run `handle` off the async
//!   reactor, and rate-limit peers in the shell.
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
