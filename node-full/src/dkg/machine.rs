//! The protocol machine, generic over the curve setting.

use core::marker::PhantomData;

use rand_core::{CryptoRng, RngCore};

use super::bundle::Bundle;
use super::config::DkgConfig;
use super::error::DkgError;
use super::protocol::DkgOutput;
use crate::crypto::suite::Suite;

/// Placeholder until the protocol lands.
pub(crate) struct Machine<S: Suite> {
    _suite: PhantomData<S>,
}

impl<S: Suite> Machine<S> {
    pub(crate) fn new<R: RngCore + CryptoRng>(
        _config: DkgConfig,
        _now_ms: u64,
        _rng: &mut R,
    ) -> Result<(Self, Vec<DkgOutput>), DkgError> {
        Err(DkgError::Config {
            reason: "not implemented yet".into(),
        })
    }

    pub(crate) fn handle<R: RngCore + CryptoRng>(
        &mut self,
        _now_ms: u64,
        _bundle: Bundle,
        _rng: &mut R,
    ) -> Vec<DkgOutput> {
        Vec::new()
    }

    pub(crate) fn tick(&mut self, _now_ms: u64) -> Vec<DkgOutput> {
        Vec::new()
    }

    pub(crate) fn next_wakeup(&self) -> Option<u64> {
        None
    }

    pub(crate) fn phase_name(&self) -> &'static str {
        "finished"
    }
}
