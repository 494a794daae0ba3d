//! The public face of a DKG run: [`Dkg`] dispatches to the protocol machine of the scheme's
//! curve setting, and speaks in [`DkgOutput`]s.

use rand_core::{CryptoRng, RngCore};

use super::bundle::Bundle;
use super::cache::SharedCache;
use super::config::DkgConfig;
use super::error::DkgError;
use super::machine::Machine;
use crate::crypto::bls12_381::{KeyOnG1, KeyOnG2};
use crate::crypto::bn254::Bn254KeyOnG2;
use crate::crypto::suite::Kind;
use crate::crypto::{PublicPoly, Share};

/// The outcome of a successful DKG or reshare for this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkgResult {
    /// This node's new share; `None` for a node that only dealt (a leaver).
    pub share: Option<Share>,
    /// The new commitments; coefficient 0 is the group key (unchanged by a reshare).
    pub public: PublicPoly,
    /// The new-node indices that hold valid shares (the new group), ascending.
    pub qual: Vec<u32>,
}

/// What the caller must do after a call into [`Dkg`].
#[derive(Debug, Clone)]
pub enum DkgOutput {
    /// Our own bundle: send it to every other participant.
    Broadcast(Bundle),
    /// Echo broadcast: a first-seen, correctly signed bundle from someone else; send it on
    /// once to every other participant.
    Relay(Bundle),
    /// A bundle was dropped or a peer excluded (bad signature, wrong session, unknown index,
    /// equivocation, ...): for the logs.
    Rejected {
        /// What was wrong and whose fault it is.
        reason: String,
    },
    /// The run is over (emitted once); later calls return nothing.
    Finished(Result<DkgResult, DkgError>),
}

/// One DKG run (fresh or reshare), pure and sans-IO: time comes in as `now_ms`, randomness as
/// an RNG, messages as [`Bundle`]s, and everything to send comes out as [`DkgOutput`]s.
pub struct Dkg {
    inner: Inner,
}

/// The machine for the scheme's curve setting.
enum Inner {
    /// BLS12-381, keys on G1.
    G1(Box<Machine<KeyOnG1>>),
    /// BLS12-381, keys on G2.
    G2(Box<Machine<KeyOnG2>>),
    /// BN254, keys on G2.
    Bn254(Box<Machine<Bn254KeyOnG2>>),
}

impl core::fmt::Debug for Dkg {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Dkg")
            .field("phase", &self.phase())
            .finish_non_exhaustive()
    }
}

macro_rules! dispatch {
    ($self:expr, $m:ident => $body:expr) => {
        match $self {
            Inner::G1($m) => $body,
            Inner::G2($m) => $body,
            Inner::Bn254($m) => $body,
        }
    };
}

impl Dkg {
    /// Starts a run at `now_ms` (the kick-off time: phase deadlines count from it). A dealer's
    /// deal bundle comes back as [`DkgOutput::Broadcast`]. Fails on an unusable configuration
    /// (our key in neither list, duplicate indices, bad threshold, reshare data missing, ...).
    ///
    /// `rng` draws the secret polynomial and seeds the run's own generator, which later
    /// signatures, ECIES encryptions and batch-verification weights use (so that
    /// [`Dkg::tick`] needs no RNG); the RNG passed to [`Dkg::handle`] is not used.
    pub fn new<R: RngCore + CryptoRng>(
        config: DkgConfig,
        now_ms: u64,
        rng: &mut R,
    ) -> Result<(Dkg, Vec<DkgOutput>), DkgError> {
        Dkg::start(config, now_ms, rng, None)
    }

    /// [`Dkg::new`] sharing a cache of decoded keys and commitments and verified signatures
    /// with the other `Dkg`s of this process (one-process simulations): it changes nothing
    /// but speed.
    pub fn new_with_cache<R: RngCore + CryptoRng>(
        config: DkgConfig,
        now_ms: u64,
        rng: &mut R,
        cache: &SharedCache,
    ) -> Result<(Dkg, Vec<DkgOutput>), DkgError> {
        Dkg::start(config, now_ms, rng, Some(cache.clone()))
    }

    fn start<R: RngCore + CryptoRng>(
        config: DkgConfig,
        now_ms: u64,
        rng: &mut R,
        cache: Option<SharedCache>,
    ) -> Result<(Dkg, Vec<DkgOutput>), DkgError> {
        let kind = Kind::of(config.scheme).map_err(|_| DkgError::UnsupportedScheme {
            scheme: config.scheme.id(),
        })?;
        let (inner, out) = match kind {
            Kind::KeyOnG1 => {
                let (m, out) = Machine::<KeyOnG1>::new(config, now_ms, rng, cache)?;
                (Inner::G1(Box::new(m)), out)
            }
            Kind::KeyOnG2 => {
                let (m, out) = Machine::<KeyOnG2>::new(config, now_ms, rng, cache)?;
                (Inner::G2(Box::new(m)), out)
            }
            Kind::Bn254 => {
                let (m, out) = Machine::<Bn254KeyOnG2>::new(config, now_ms, rng, cache)?;
                (Inner::Bn254(Box::new(m)), out)
            }
        };
        Ok((Dkg { inner }, out))
    }

    /// Takes a bundle received from the network (or relayed by a peer). Duplicates are
    /// ignored; a new, correctly signed bundle of this session is relayed once and processed;
    /// anything else is reported as [`DkgOutput::Rejected`]. Bundles for a later phase are
    /// kept until this node gets there.
    pub fn handle<R: RngCore + CryptoRng>(
        &mut self,
        now_ms: u64,
        bundle: Bundle,
        rng: &mut R,
    ) -> Vec<DkgOutput> {
        dispatch!(&mut self.inner, m => m.handle(now_ms, bundle, rng))
    }

    /// Applies the phase timeouts that are due at `now_ms`.
    pub fn tick(&mut self, now_ms: u64) -> Vec<DkgOutput> {
        dispatch!(&mut self.inner, m => m.tick(now_ms))
    }

    /// When [`Dkg::tick`] next has something to do; `None` once finished.
    pub fn next_wakeup(&self) -> Option<u64> {
        dispatch!(&self.inner, m => m.next_wakeup())
    }

    /// Whether [`DkgOutput::Finished`] was emitted.
    pub fn is_finished(&self) -> bool {
        self.next_wakeup().is_none()
    }

    /// The current phase: "deal", "response", "justification" or "finished".
    pub fn phase(&self) -> &'static str {
        dispatch!(&self.inner, m => m.phase_name())
    }
}
