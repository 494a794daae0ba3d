//! The light client: fetches beacons from HTTP relays and returns only verified ones.
//!
//! A client is built from relay URLs and a pinned chain (the chain hash is required and the
//! served `/info` is recomputed against it). Requests have a timeout, fail over to the next
//! relay on error, timeout, 5xx or an invalid beacon, retry whole rounds of relays with
//! exponential backoff, and rank relays by a rolling window of recent latencies. Rounds come
//! from the clock ([`crate::round_at`]); a relay's idea of "latest" is never trusted.

pub mod api;
pub mod cache;
pub mod error;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod platform;
pub mod presets;
pub mod relay;
pub mod watch;

use core::time::Duration;
use std::sync::{Mutex, MutexGuard};

pub use api::ApiVersion;
pub use error::ClientError;
pub use platform::{HttpResponse, Platform, TransportError};
pub use presets::Preset;
pub use relay::RelayEvent;
pub use watch::Watch;

use crate::batch::verify_batch;
use crate::beacon::Beacon;
use crate::chain::{ChainHash, ChainInfo};
use crate::time::{round_at, round_time};
use crate::verify::{VerifiedBeacon, verify_round};
use cache::BeaconCache;
use relay::RelaySet;

/// Most rounds one [`Client::range`] call fetches.
pub const MAX_RANGE: u64 = 10_000;

/// Tuning of a client; the defaults suit public relays.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Per-request timeout.
    pub timeout: Duration,
    /// How many passes over all relays before giving up.
    pub attempts: u32,
    /// Pause before the second pass; doubled for each further pass.
    pub backoff: Duration,
    /// Verified beacons kept in memory.
    pub cache_size: usize,
    /// Relay API version.
    pub api: ApiVersion,
    /// Concurrent requests in [`Client::range`].
    pub concurrency: usize,
    /// How far the local clock may lag the network's (a round due this much in the future is
    /// still asked for).
    pub clock_skew: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(5),
            attempts: 3,
            backoff: Duration::from_millis(250),
            cache_size: 1024,
            api: ApiVersion::V1,
            concurrency: 8,
            clock_skew: Duration::from_secs(1),
        }
    }
}

/// A verifying drand light client over an environment `P`.
#[derive(Debug)]
pub struct Client<P: Platform> {
    platform: P,
    info: ChainInfo,
    relays: Mutex<RelaySet>,
    cache: Mutex<BeaconCache>,
    options: ClientOptions,
}

/// What one fetch from one relay produced.
enum Fetched {
    Beacon(Beacon),
    NotYet,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these structures inconsistent.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn check_urls(urls: &[String]) -> Result<(), ClientError> {
    if urls.is_empty() {
        return Err(ClientError::NoRelays);
    }
    for url in urls {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ClientError::BadUrl(url.clone()));
        }
    }
    Ok(())
}

impl<P: Platform> Client<P> {
    /// Connects to relays for the chain pinned by `chain_hash`: fetches `/info` (failing over
    /// between relays) and keeps it only if it recomputes to `chain_hash`.
    pub async fn connect(
        platform: P,
        urls: &[String],
        chain_hash: ChainHash,
        options: ClientOptions,
    ) -> Result<Client<P>, ClientError> {
        check_urls(urls)?;
        let relays = RelaySet::new(urls);
        let mut failures = Vec::new();
        let mut last_chain_error = None;
        for index in relays.ranked(platform.now_ms()) {
            let base = relays.url(index).to_owned();
            let url = api::info_url(&base, &chain_hash, options.api);
            match platform.get(&url, options.timeout).await {
                Ok(resp) if resp.status == 200 => {
                    let parsed = ChainInfo::from_json(&resp.body)
                        .and_then(|info| info.check_pin(&chain_hash).map(|()| info));
                    match parsed {
                        Ok(info) => {
                            let client = Client::with_info(platform, urls, info, options)?;
                            lock(&client.relays).success(index, 0);
                            return Ok(client);
                        }
                        Err(e) => {
                            failures.push(format!("{base}: {e}"));
                            last_chain_error = Some(e);
                        }
                    }
                }
                Ok(resp) => failures.push(format!("{base}: HTTP {}", resp.status)),
                Err(e) => failures.push(format!("{base}: {e}")),
            }
        }
        Err(match (last_chain_error, failures.len()) {
            (Some(e), 1) => ClientError::ChainInfo(e),
            _ => ClientError::AllRelaysFailed {
                what: format!("chain info of {chain_hash}"),
                failures,
            },
        })
    }

    /// A client for a chain whose info the caller already trusts (pinned or a preset); no
    /// request is made.
    pub fn with_info(
        platform: P,
        urls: &[String],
        info: ChainInfo,
        options: ClientOptions,
    ) -> Result<Client<P>, ClientError> {
        check_urls(urls)?;
        Ok(Client {
            platform,
            relays: Mutex::new(RelaySet::new(urls)),
            cache: Mutex::new(BeaconCache::new(options.cache_size)),
            info,
            options,
        })
    }

    /// The pinned chain.
    pub fn info(&self) -> &ChainInfo {
        &self.info
    }

    /// The environment.
    pub fn platform(&self) -> &P {
        &self.platform
    }

    /// Relay events since the last call (failures, demotions for invalid data).
    pub fn take_events(&self) -> Vec<RelayEvent> {
        lock(&self.relays).take_events()
    }

    /// The round that should be the latest by the local clock.
    pub fn current_round(&self) -> Result<u64, ClientError> {
        Ok(round_at(&self.info, self.platform.now_ms() / 1000)?)
    }

    /// The verified beacon of `round`.
    pub async fn get(&self, round: u64) -> Result<VerifiedBeacon, ClientError> {
        if let Some(hit) = lock(&self.cache).get(round) {
            return Ok(hit);
        }
        self.check_due(round)?;
        fetch_verified(self, round).await
    }

    /// The latest beacon by the clock: the current round, or the one before it if relays do
    /// not have the current one yet. A relay's own notion of latest is never used.
    pub async fn latest(&self) -> Result<VerifiedBeacon, ClientError> {
        let current = self.current_round()?;
        match self.get(current).await {
            Err(ClientError::TooEarly { .. }) if current > 1 => self.get(current - 1).await,
            other => other,
        }
    }

    /// The beacon that was the latest at Unix time `unix_secs`.
    pub async fn get_by_time(&self, unix_secs: u64) -> Result<VerifiedBeacon, ClientError> {
        self.get(round_at(&self.info, unix_secs)?).await
    }

    /// Every beacon of `from..=to`, fetched concurrently, batch-verified, in order; for chained
    /// schemes each links to its predecessor.
    pub async fn range(&self, from: u64, to: u64) -> Result<Vec<VerifiedBeacon>, ClientError> {
        if from == 0 || from > to || to - from >= MAX_RANGE {
            return Err(ClientError::BadRange { from, to });
        }
        self.check_due(to)?;
        let mut found: Vec<Option<VerifiedBeacon>> = {
            let mut cache = lock(&self.cache);
            (from..=to).map(|r| cache.get(r)).collect()
        };
        let missing: Vec<u64> = (from..=to)
            .zip(&found)
            .filter(|(_, hit)| hit.is_none())
            .map(|(r, _)| r)
            .collect();
        for chunk in missing.chunks(self.options.concurrency.max(1)) {
            let fetched = futures_util::future::join_all(
                chunk.iter().map(|&round| self.fetch_unverified(round)),
            )
            .await;
            let mut beacons = Vec::with_capacity(chunk.len());
            let mut sources = Vec::with_capacity(chunk.len());
            for result in fetched {
                let (beacon, source) = result?;
                beacons.push(beacon);
                sources.push(source);
            }
            let verified = match verify_batch(&self.info, &beacons) {
                Ok(all) => all,
                Err(err) => {
                    // Blame each relay that served a bad beacon, then fetch that round again
                    // with per-beacon verification and failover.
                    let mut all = err.valid;
                    for bad in &err.invalid {
                        if let Some(&source) = sources.get(bad.index) {
                            lock(&self.relays).invalid(
                                source,
                                self.platform.now_ms(),
                                bad.round,
                                bad.error.to_string(),
                            );
                        }
                        all.push(self.get(bad.round).await?);
                    }
                    all
                }
            };
            for v in verified {
                lock(&self.cache).put(v.clone());
                if let Some(slot) = v
                    .round()
                    .checked_sub(from)
                    .and_then(|i| found.get_mut(usize::try_from(i).ok()?))
                {
                    *slot = Some(v);
                }
            }
        }
        let all: Vec<VerifiedBeacon> = found.into_iter().flatten().collect();
        if all.len() as u64 != to - from + 1 {
            return Err(ClientError::AllRelaysFailed {
                what: format!("rounds {from}..={to}"),
                failures: vec!["some rounds could not be fetched".into()],
            });
        }
        if self.info.scheme().is_chained() {
            check_links(&all)?;
        }
        Ok(all)
    }

    /// A stream of every round from the latest on, each once and in order.
    pub fn watch(&self) -> Watch<P, &Client<P>> {
        Watch::new(self)
    }

    fn check_due(&self, round: u64) -> Result<(), ClientError> {
        let due = round_time(&self.info, round)?;
        let now_ms = self.platform.now_ms();
        let skew = u64::try_from(self.options.clock_skew.as_millis()).unwrap_or(u64::MAX);
        if due.saturating_mul(1000) > now_ms.saturating_add(skew) {
            return Err(ClientError::TooEarly { round, due });
        }
        Ok(())
    }

    /// One request for `round` to relay `index`.
    async fn fetch_from(&self, index: usize, round: u64) -> Result<Fetched, String> {
        let base = lock(&self.relays).url(index).to_owned();
        let url = api::round_url(&base, &self.info.hash(), round, self.options.api);
        let started = self.platform.now_ms();
        let outcome = self.platform.get(&url, self.options.timeout).await;
        let latency = self.platform.now_ms().saturating_sub(started);
        match outcome {
            Err(e) => {
                lock(&self.relays).failure(index, e.to_string());
                Err(format!("{base}: {e}"))
            }
            Ok(resp) if resp.status == 200 => match Beacon::from_json(&resp.body) {
                Ok(beacon) if beacon.round == round => {
                    lock(&self.relays).success(index, latency);
                    Ok(Fetched::Beacon(beacon))
                }
                Ok(beacon) => {
                    let reason = format!("asked for round {round}, got round {}", beacon.round);
                    lock(&self.relays).invalid(
                        index,
                        self.platform.now_ms(),
                        round,
                        reason.clone(),
                    );
                    Err(format!("{base}: {reason}"))
                }
                Err(e) => {
                    lock(&self.relays).invalid(index, self.platform.now_ms(), round, e.to_string());
                    Err(format!("{base}: {e}"))
                }
            },
            Ok(resp) if api::is_not_yet(resp.status) => {
                lock(&self.relays).success(index, latency);
                Ok(Fetched::NotYet)
            }
            Ok(resp) => {
                let reason = format!("HTTP {}", resp.status);
                lock(&self.relays).failure(index, reason.clone());
                Err(format!("{base}: {reason}"))
            }
        }
    }

    /// Fetches `round` with failover and retries, returning what `accept` makes of the first
    /// beacon it accepts (it gets the beacon and the index of the relay that served it).
    async fn fetch_with<T>(
        &self,
        round: u64,
        mut accept: impl FnMut(&Self, Beacon, usize) -> Result<T, String>,
    ) -> Result<T, ClientError> {
        let mut failures = Vec::new();
        let mut not_yet = false;
        for attempt in 0..self.options.attempts.max(1) {
            if attempt > 0 {
                let factor = 1u32 << (attempt - 1).min(16);
                self.platform.sleep(self.options.backoff * factor).await;
            }
            let order = lock(&self.relays).ranked(self.platform.now_ms());
            for index in order {
                match self.fetch_from(index, round).await {
                    Ok(Fetched::Beacon(beacon)) => match accept(self, beacon, index) {
                        Ok(done) => return Ok(done),
                        Err(reason) => failures.push(reason),
                    },
                    Ok(Fetched::NotYet) => not_yet = true,
                    Err(reason) => failures.push(reason),
                }
            }
        }
        // Several passes repeat the same reasons: keep the last one per relay, in order.
        let mut last: Vec<String> = Vec::new();
        for reason in failures.into_iter().rev() {
            let relay = reason.split(": ").next().unwrap_or_default().to_owned();
            if !last
                .iter()
                .any(|r| r.split(": ").next() == Some(relay.as_str()))
            {
                last.push(reason);
            }
        }
        last.reverse();
        let failures = last;
        if not_yet {
            return Err(ClientError::TooEarly {
                round,
                due: round_time(&self.info, round)?,
            });
        }
        Err(ClientError::AllRelaysFailed {
            what: format!("round {round}"),
            failures,
        })
    }

    async fn fetch_unverified(&self, round: u64) -> Result<(Beacon, usize), ClientError> {
        self.fetch_with(round, |_, beacon, index| Ok((beacon, index)))
            .await
    }
}

/// Fetches and verifies one round, demoting relays that serve invalid beacons.
async fn fetch_verified<P: Platform>(
    client: &Client<P>,
    round: u64,
) -> Result<VerifiedBeacon, ClientError> {
    client
        .fetch_with(round, |c, beacon, index| {
            match verify_round(&c.info, &beacon, round) {
                Ok(v) => {
                    lock(&c.cache).put(v.clone());
                    Ok(v)
                }
                Err(e) => {
                    let base = lock(&c.relays).url(index).to_owned();
                    lock(&c.relays).invalid(index, c.platform.now_ms(), round, e.to_string());
                    Err(format!("{base}: {e}"))
                }
            }
        })
        .await
}

/// Verified consecutive chained beacons must link; a break means the signers equivocated.
fn check_links(beacons: &[VerifiedBeacon]) -> Result<(), ClientError> {
    for pair in beacons.windows(2) {
        if let [prev, cur] = pair
            && cur.previous_signature() != Some(prev.signature())
        {
            return Err(ClientError::Verify(crate::VerifyError::BrokenChain {
                round: cur.round(),
            }));
        }
    }
    Ok(())
}
