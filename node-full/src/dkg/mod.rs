//! A pure, sans-IO Pedersen DKG compatible with drand/kyber's `share/dkg` (fast-sync mode):
//! fresh key generation and resharing, in the scheme's key group, for every drand scheme.
//!
//! One run is a [`Dkg`]: [`Dkg::new`] deals (if this node is a dealer) and returns the deal
//! bundle to broadcast; [`Dkg::handle`] takes every bundle received (echo broadcast: a
//! first-seen, correctly signed bundle is returned once as [`DkgOutput::Relay`]);
//! [`Dkg::tick`] applies the phase timeouts (`start + k · phase_timeout` for the response,
//! justification and finish phases, as kyber's time phaser); [`DkgOutput::Finished`] carries
//! the result. Shares are sent with ECIES ([`ecies`]), bundles are signed with kyber's
//! Schnorr ([`schnorr`]) over [`Bundle::hash`].
//!
//! Phases (kyber fast sync): deals; as soon as deals from every dealer are in (or at the
//! first timeout) each holder sends a response per dealer (success, or complaint for a bad or
//! missing share); when every holder responded (or at the second timeout) the DKG finishes at
//! once if every response is a success, else dealers justify complaints with the plain share;
//! it finishes when every expected justification is in (or at the third timeout).

mod bundle;
mod config;
pub mod ecies;
mod error;
mod machine;
mod outcome;
mod phases;
mod protocol;
pub mod schnorr;

pub use bundle::{
    Bundle, Deal, DealBundle, Justification, JustificationBundle, Response, ResponseBundle,
};
pub use config::{DkgConfig, DkgNode, ReshareConfig};
pub use error::DkgError;
pub use protocol::{Dkg, DkgOutput, DkgResult};
