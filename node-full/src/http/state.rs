//! The chains the API serves and the settings it runs with. Chains can be added and removed
//! while the server runs (a daemon starts a beacon ID when its first DKG completes).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use drand_lite::{ChainHash, ChainInfo};
use thiserror::Error;
use tokio::sync::{Semaphore, watch};

use crate::store::BeaconStore;

/// The beacon ID that drand's un-prefixed v1 routes (`/info`, `/public/latest`) serve.
pub const DEFAULT_BEACON_ID: &str = "default";
/// Default extra wait for a long-polled round beyond its due time.
pub const DEFAULT_LONG_POLL_GRACE: Duration = Duration::from_secs(5);
/// Default cap on concurrent long-polls (each holds a watch receiver and a timer).
pub const DEFAULT_MAX_LONG_POLLS: usize = 4096;

/// Unix time in milliseconds; injected so tests control time.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The system clock as a [`Clock`].
pub fn system_clock() -> Clock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    })
}

/// One chain served by the API.
#[derive(Clone)]
pub struct ChainHandle {
    /// The chain's public parameters.
    pub info: ChainInfo,
    /// Its stored beacons.
    pub store: Arc<dyn BeaconStore>,
    /// The last stored round, advanced by the daemon after each successful store; long-polls
    /// wait on it.
    pub latest: watch::Receiver<u64>,
}

impl std::fmt::Debug for ChainHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainHandle")
            .field("hash", &self.info.hash().to_hex())
            .field("beacon_id", &self.info.beacon_id())
            .finish_non_exhaustive()
    }
}

impl ChainHandle {
    /// The beacon ID under which the chain is served: legacy chains with an empty ID are
    /// `"default"` (the chain hash treats both the same).
    pub fn beacon_id(&self) -> &str {
        normalize_id(self.info.beacon_id())
    }
}

fn normalize_id(id: &str) -> &str {
    if id.is_empty() { DEFAULT_BEACON_ID } else { id }
}

/// Why a chain could not be added (the caller's configuration is inconsistent).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ApiError {
    /// Another served chain has the same chain hash.
    #[error("chain {0} is already served")]
    DuplicateChain(String),
    /// Another served chain has the same beacon ID.
    #[error("beacon ID {0:?} is already served by another chain")]
    DuplicateBeaconId(String),
}

/// Everything the HTTP handlers share. Cheap to clone: clones share the same chains.
#[derive(Clone)]
pub struct ApiState {
    pub(crate) chains: Arc<RwLock<Vec<Arc<ChainHandle>>>>,
    pub(crate) clock: Clock,
    pub(crate) long_poll_grace: Duration,
    pub(crate) long_polls: Arc<Semaphore>,
    pub(crate) static_dir: Option<PathBuf>,
}

impl std::fmt::Debug for ApiState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiState")
            .field("chains", &self.chain_list().len())
            .field("long_poll_grace", &self.long_poll_grace)
            .field("static_dir", &self.static_dir)
            .finish_non_exhaustive()
    }
}

/// Which chain a route names.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Selector<'a> {
    /// Drand's un-prefixed v1 routes.
    Default,
    /// `/{chainhash}/…` and `/v2/chains/{chainhash}/…`.
    Hash(&'a str),
    /// `/v2/beacons/{id}/…`.
    BeaconId(&'a str),
}

impl ApiState {
    /// An API with no chains yet, using `clock` for every time decision.
    pub fn new(clock: Clock) -> ApiState {
        ApiState {
            chains: Arc::new(RwLock::new(Vec::new())),
            clock,
            long_poll_grace: DEFAULT_LONG_POLL_GRACE,
            long_polls: Arc::new(Semaphore::new(DEFAULT_MAX_LONG_POLLS)),
            static_dir: None,
        }
    }

    /// Serves files from `dir` for paths that are not API routes (e.g. a demo page).
    pub fn with_static_dir(mut self, dir: PathBuf) -> ApiState {
        self.static_dir = Some(dir);
        self
    }

    /// Sets how long past its due time a long-polled round is waited for.
    pub fn with_long_poll_grace(mut self, grace: Duration) -> ApiState {
        self.long_poll_grace = grace;
        self
    }

    /// Sets how many long-polls may wait at once; more get 503 with `Retry-After`.
    pub fn with_max_long_polls(mut self, max: usize) -> ApiState {
        self.long_polls = Arc::new(Semaphore::new(max));
        self
    }

    /// Starts serving `chain`; refused if its hash or beacon ID is already served.
    pub fn add_chain(&self, chain: ChainHandle) -> Result<(), ApiError> {
        let mut chains = self.chains.write().unwrap_or_else(|p| p.into_inner());
        if chains.iter().any(|c| c.info.hash() == chain.info.hash()) {
            return Err(ApiError::DuplicateChain(chain.info.hash().to_hex()));
        }
        if chains.iter().any(|c| c.beacon_id() == chain.beacon_id()) {
            return Err(ApiError::DuplicateBeaconId(chain.beacon_id().to_owned()));
        }
        chains.push(Arc::new(chain));
        Ok(())
    }

    /// Stops serving the chain with beacon ID `id`; returns whether one was served.
    pub fn remove_chain(&self, id: &str) -> bool {
        let mut chains = self.chains.write().unwrap_or_else(|p| p.into_inner());
        let before = chains.len();
        chains.retain(|c| c.beacon_id() != normalize_id(id));
        chains.len() != before
    }

    /// The served chains, in the order they were added.
    pub fn chain_list(&self) -> Vec<Arc<ChainHandle>> {
        self.chains
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Unix milliseconds now, by the injected clock.
    pub(crate) fn now_ms(&self) -> u64 {
        (self.clock)()
    }

    /// Finds the chain a route names, or says why there is none.
    pub(crate) fn find(&self, selector: Selector<'_>) -> Result<Arc<ChainHandle>, String> {
        let chains = self.chain_list();
        match selector {
            Selector::Default => {
                if let Some(c) = chains.iter().find(|c| c.beacon_id() == DEFAULT_BEACON_ID) {
                    return Ok(c.clone());
                }
                match chains.as_slice() {
                    [only] => Ok(only.clone()),
                    [] => Err("this node serves no chain yet".into()),
                    _ => Err(format!(
                        "this node serves {} chains and none has beacon ID \"default\": use \
                         /{{chainhash}}/... (see /chains) or /v2/beacons/{{id}}/...",
                        chains.len()
                    )),
                }
            }
            Selector::Hash(text) => {
                // drand's Go servers accept either case.
                let hash = ChainHash::parse(&text.to_ascii_lowercase())
                    .map_err(|_| "not a chain hash (64 hex digits); see /chains".to_owned())?;
                chains
                    .iter()
                    .find(|c| c.info.hash() == hash)
                    .cloned()
                    .ok_or_else(|| "unknown chain hash; see /chains".to_owned())
            }
            Selector::BeaconId(id) => chains
                .iter()
                .find(|c| c.beacon_id() == normalize_id(id))
                .cloned()
                .ok_or_else(|| "unknown beacon ID; see /v2/beacons".to_owned()),
        }
    }
}
