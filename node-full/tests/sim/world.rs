//! The simulated world: nodes, clock, network, sync service, and the invariants checked as it
//! runs.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::sync::Arc;

use drand_lite::{Beacon, ChainInfo, Scheme};
use drand_node::crypto::{Share, deal};
use drand_node::engine::{
    Engine, EngineConfig, Event, Output, PartialPacket, RejectReason, RoundClock, ShareCrypto,
};
use drand_node::store::StoredBeacon;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};

use super::byzantine::{self, Attack};
use super::network::Network;
use super::rng;

/// Genesis of every simulated chain (Unix seconds).
pub const GENESIS_SECS: u64 = 1_700_000_000;

/// The shape of a run.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The scheme.
    pub scheme: Scheme,
    /// Group size.
    pub n: usize,
    /// Threshold.
    pub t: usize,
    /// The seed of everything random.
    pub seed: u64,
    /// Round period.
    pub period_secs: u32,
    /// Catch-up period.
    pub catchup_ms: u64,
    /// Gossip delay range.
    pub delay_ms: (u64, u64),
    /// The engines' per-signer cache limit.
    pub max_partials_per_node: usize,
}

impl SimConfig {
    /// A group of `n` with threshold `t`, 3 s rounds, 1 s catch-up, 5–80 ms delays.
    pub fn new(scheme: Scheme, n: usize, t: usize, seed: u64) -> Self {
        SimConfig {
            scheme,
            n,
            t,
            seed,
            period_secs: 3,
            catchup_ms: 1000,
            delay_ms: (5, 80),
            max_partials_per_node: EngineConfig::DEFAULT_MAX_PARTIALS_PER_NODE,
        }
    }
}

/// What the round checks expect of the group right now.
#[derive(Debug, Clone)]
pub enum Expect {
    /// Only safety is checked.
    Free,
    /// Every listed running node has stored the current round, or at most `max_lag` fewer,
    /// half a period into the round.
    Live {
        /// Rounds a node may be behind.
        max_lag: u64,
        /// The nodes checked.
        nodes: Vec<usize>,
    },
    /// No round above `max_round` is produced anywhere.
    Halted {
        /// The highest round allowed.
        max_round: u64,
    },
}

/// One simulated node.
pub struct Node {
    /// Share index.
    pub index: u32,
    /// Its address, as peers see it in rejections.
    pub addr: String,
    /// The running engine (`None` while crashed).
    pub engine: Option<Engine>,
    /// The durable store: every round from 0, contiguous.
    pub chain: Vec<StoredBeacon>,
    /// Local clock minus true time.
    pub skew_ms: i64,
    /// Byzantine behaviour (no honest engine then).
    pub attacks: Vec<Attack>,
    /// The node's share.
    pub share: Share,
    crypto: Arc<ShareCrypto>,
    syncing: bool,
    /// Packets a byzantine node received (for replays), bounded.
    pub seen: VecDeque<PartialPacket>,
}

impl Node {
    /// The last stored round.
    pub fn last_round(&self) -> u64 {
        self.chain.last().map_or(0, |b| b.round)
    }
}

enum Job {
    Deliver {
        from: usize,
        to: usize,
        packet: PartialPacket,
    },
    SyncDone {
        node: usize,
        to_round: u64,
    },
    ByzTick {
        node: usize,
    },
}

struct Scheduled {
    at: u64,
    seq: u64,
    job: Job,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// A rejection seen by a node.
#[derive(Debug, Clone)]
pub struct Rejection {
    /// The node that rejected.
    pub at_node: usize,
    /// The claimed sender address.
    pub from: String,
    /// The round of the packet.
    pub round: u64,
    /// Why.
    pub reason: RejectReason,
}

/// The whole simulation.
pub struct World {
    /// The run's shape.
    pub cfg: SimConfig,
    /// The chain.
    pub info: ChainInfo,
    /// Round arithmetic.
    pub clock: RoundClock,
    /// True time (ms).
    pub now: u64,
    /// The network model.
    pub net: Network,
    /// The nodes.
    pub nodes: Vec<Node>,
    /// The expectation checked at each round.
    pub expect: Expect,
    /// The one signature every node agreed on, per round.
    pub agreed: BTreeMap<u64, Vec<u8>>,
    /// When each round was first stored (true time).
    pub first_stored_at: BTreeMap<u64, u64>,
    /// Every rejection.
    pub rejections: Vec<Rejection>,
    /// Most partials cached by one engine at a round check.
    pub max_cached: usize,
    /// Beacons appended by aggregation, and by sync.
    pub stored_by_aggregation: usize,
    /// Beacons appended by sync.
    pub stored_by_sync: usize,
    /// Whether a beacon may be stored before its true time (a majority with fast clocks).
    pub allow_early: bool,
    rng: ChaCha8Rng,
    queue: BinaryHeap<Reverse<Scheduled>>,
    seq: u64,
    trace: Sha256,
    next_check_round: u64,
}

impl World {
    /// Deals shares and builds the group; true time starts one second before genesis.
    pub fn new(cfg: SimConfig) -> World {
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let dealing = deal(cfg.scheme, cfg.n as u32, cfg.t as u32, &mut rng).unwrap();
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let info = ChainInfo::new(
            cfg.scheme,
            &dealing.public.public_key(),
            cfg.period_secs,
            GENESIS_SECS,
            seed,
            "default",
        )
        .unwrap();
        let genesis = StoredBeacon {
            round: 0,
            signature: seed.to_vec(),
            previous_signature: None,
        };
        let nodes = dealing
            .shares
            .iter()
            .map(|share| {
                let crypto =
                    Arc::new(ShareCrypto::new(share.clone(), dealing.public.clone()).unwrap());
                Node {
                    index: share.index(),
                    addr: format!("node{}:4444", share.index()),
                    engine: None,
                    chain: vec![genesis.clone()],
                    skew_ms: 0,
                    attacks: Vec::new(),
                    share: share.clone(),
                    crypto,
                    syncing: false,
                    seen: VecDeque::new(),
                }
            })
            .collect();
        let mut world = World {
            clock: RoundClock::new(&info),
            now: GENESIS_SECS * 1000 - 1000,
            net: Network::new(cfg.delay_ms.0, cfg.delay_ms.1),
            nodes,
            expect: Expect::Free,
            agreed: BTreeMap::new(),
            first_stored_at: BTreeMap::new(),
            rejections: Vec::new(),
            max_cached: 0,
            stored_by_aggregation: 0,
            stored_by_sync: 0,
            allow_early: false,
            rng,
            queue: BinaryHeap::new(),
            seq: 0,
            trace: Sha256::new(),
            next_check_round: 1,
            info,
            cfg,
        };
        for i in 0..world.nodes.len() {
            world.start(i);
        }
        world
    }

    fn engine_config(&self) -> EngineConfig {
        let mut config = EngineConfig::new(
            self.info.clone(),
            0,
            self.cfg.t,
            (0..self.cfg.n as u32).collect(),
        );
        config.catchup_period_ms = self.cfg.catchup_ms;
        config.max_partials_per_node = self.cfg.max_partials_per_node;
        config
    }

    fn start(&mut self, i: usize) {
        let mut config = self.engine_config();
        config.own_index = self.nodes[i].index;
        let node = &mut self.nodes[i];
        let last = node.chain.last().unwrap().clone();
        node.engine = Some(Engine::new(config, node.crypto.clone(), last).unwrap());
    }

    /// Stops node `i` (its store survives).
    pub fn crash(&mut self, i: usize) {
        self.nodes[i].engine = None;
        self.nodes[i].syncing = false;
    }

    /// Restarts node `i` from its store.
    pub fn restart(&mut self, i: usize) {
        assert!(self.nodes[i].attacks.is_empty());
        self.start(i);
    }

    /// Turns node `i` byzantine: its engine stops and it runs `attacks` every round.
    pub fn make_byzantine(&mut self, i: usize, attacks: Vec<Attack>) {
        self.crash(i);
        self.nodes[i].attacks = attacks;
        let at = self.now;
        self.schedule(at, Job::ByzTick { node: i });
    }

    /// Sets node `i`'s clock offset.
    pub fn set_skew(&mut self, i: usize, skew_ms: i64) {
        self.nodes[i].skew_ms = skew_ms;
    }

    /// The addresses of nodes.
    pub fn addr(&self, i: usize) -> String {
        self.nodes[i].addr.clone()
    }

    /// The start of `round` in true time.
    pub fn round_start(&self, round: u64) -> u64 {
        self.clock.round_start_ms(round)
    }

    /// The round in progress (true time).
    pub fn current_round(&self) -> u64 {
        self.clock.current_round(self.now)
    }

    /// The highest round stored anywhere.
    pub fn head(&self) -> u64 {
        self.agreed.keys().next_back().copied().unwrap_or(0)
    }

    /// A digest of everything every engine output, in order.
    pub fn trace_hash(&self) -> String {
        drand_lite::hex::encode(&self.trace.clone().finalize())
    }

    fn local(&self, i: usize) -> u64 {
        (self.now as i64 + self.nodes[i].skew_ms).max(0) as u64
    }

    fn schedule(&mut self, at: u64, job: Job) {
        self.seq += 1;
        self.queue.push(Reverse(Scheduled {
            at,
            seq: self.seq,
            job,
        }));
    }

    /// Runs until the start of `round` plus `offset_ms` (true time).
    pub fn run_to_round(&mut self, round: u64, offset_ms: u64) {
        let until = self.round_start(round) + offset_ms;
        self.run_until(until);
    }

    /// Runs the world until true time `until`, checking the invariants at every round.
    pub fn run_until(&mut self, until: u64) {
        let mut steps_at_same_time = 0u32;
        let mut last_time = self.now;
        loop {
            let job_at = self.queue.peek().map(|s| s.0.at);
            let wake = (0..self.nodes.len())
                .filter_map(|i| {
                    let local = self.nodes[i].engine.as_ref()?.next_wakeup()?;
                    let true_at = (local as i64 - self.nodes[i].skew_ms).max(self.now as i64);
                    Some((true_at as u64, i))
                })
                .min();
            let check_at = self.round_start(self.next_check_round) + self.period_ms() / 2;
            let next = [job_at, wake.map(|w| w.0), Some(check_at)]
                .into_iter()
                .flatten()
                .min()
                .unwrap();
            if next > until {
                self.now = until;
                return;
            }
            self.now = next;
            if next == last_time {
                steps_at_same_time += 1;
                assert!(steps_at_same_time < 1_000_000, "livelock at {next}");
            } else {
                steps_at_same_time = 0;
                last_time = next;
            }
            if job_at == Some(next) {
                let job = self.queue.pop().unwrap().0.job;
                self.run_job(job);
            } else if let Some((_, i)) = wake.filter(|w| w.0 == next) {
                let local = self.local(i);
                let outs = self.nodes[i]
                    .engine
                    .as_mut()
                    .unwrap()
                    .handle(local, Event::Tick);
                self.process(i, outs);
            } else {
                self.check_round();
            }
        }
    }

    fn period_ms(&self) -> u64 {
        u64::from(self.cfg.period_secs) * 1000
    }

    fn run_job(&mut self, job: Job) {
        match job {
            Job::Deliver { from, to, packet } => {
                if !self.nodes[to].attacks.is_empty() {
                    let seen = &mut self.nodes[to].seen;
                    seen.push_back(packet);
                    if seen.len() > 32 {
                        seen.pop_front();
                    }
                    return;
                }
                let local = self.local(to);
                let from_addr = self.addr(from);
                let Some(engine) = self.nodes[to].engine.as_mut() else {
                    return;
                };
                let outs = engine.handle(
                    local,
                    Event::Partial {
                        from: from_addr,
                        packet,
                    },
                );
                self.process(to, outs);
            }
            Job::SyncDone { node, to_round } => self.sync(node, to_round),
            Job::ByzTick { node } => {
                let sends = byzantine::act(self, node);
                for (to, packet) in sends {
                    if let Some(delay) = self.net.gossip_delay(&mut self.rng, node, to) {
                        let at = self.now + delay;
                        self.schedule(
                            at,
                            Job::Deliver {
                                from: node,
                                to,
                                packet,
                            },
                        );
                    }
                }
                let next = self.round_start(self.current_round() + 1) + 1;
                self.schedule(next, Job::ByzTick { node });
            }
        }
    }

    fn process(&mut self, i: usize, outs: Vec<Output>) {
        for out in outs {
            self.trace
                .update(format!("{} {i} {out:?}\n", self.now).as_bytes());
            match out {
                Output::Broadcast(packet) => {
                    for j in 0..self.nodes.len() {
                        if j == i {
                            continue;
                        }
                        if let Some(delay) = self.net.gossip_delay(&mut self.rng, i, j) {
                            let at = self.now + delay;
                            self.schedule(
                                at,
                                Job::Deliver {
                                    from: i,
                                    to: j,
                                    packet: packet.clone(),
                                },
                            );
                        }
                    }
                }
                Output::Store(beacon) => {
                    self.stored_by_aggregation += 1;
                    self.append(i, beacon, true);
                }
                Output::Sync { to_round, .. } => {
                    if !self.nodes[i].syncing {
                        self.nodes[i].syncing = true;
                        let at = self.now + rng::range(&mut self.rng, 20, 80);
                        self.schedule(at, Job::SyncDone { node: i, to_round });
                    }
                }
                Output::Rejected {
                    from,
                    round,
                    reason,
                } => self.rejections.push(Rejection {
                    at_node: i,
                    from,
                    round,
                    reason,
                }),
                Output::Alert(alert) => panic!(
                    "seed {}: node {i} raised an alert: {alert:?}",
                    self.cfg.seed
                ),
            }
        }
    }

    /// Appends a beacon to node `i`'s store, checking continuity, validity, agreement and
    /// (for aggregated beacons) that it is not early.
    fn append(&mut self, i: usize, beacon: StoredBeacon, aggregated: bool) {
        let seed = self.cfg.seed;
        let round = beacon.round;
        let last = self.nodes[i].chain.last().unwrap();
        assert_eq!(
            last.round + 1,
            round,
            "seed {seed}: node {i} stored round {round} after {}",
            last.round
        );
        let expected_prev = self
            .info
            .scheme()
            .is_chained()
            .then(|| last.signature.clone());
        assert_eq!(
            beacon.previous_signature, expected_prev,
            "seed {seed}: node {i} round {round} breaks the chain"
        );
        let start = self.round_start(round);
        if aggregated {
            assert!(
                self.local(i) >= start,
                "seed {seed}: node {i} produced round {round} before its local time"
            );
            assert!(
                self.allow_early || self.now >= start,
                "seed {seed}: node {i} produced round {round} {} ms early",
                start - self.now
            );
        }
        let as_beacon = beacon.to_beacon();
        if let Err(e) = drand_lite::verify(&self.info, &as_beacon) {
            panic!("seed {seed}: node {i} stored an invalid round {round}: {e}");
        }
        let agreed = self
            .agreed
            .entry(round)
            .or_insert_with(|| beacon.signature.clone());
        assert_eq!(
            agreed, &beacon.signature,
            "seed {seed}: two different beacons for round {round}"
        );
        let now = self.now;
        self.first_stored_at.entry(round).or_insert(now);
        self.nodes[i].chain.push(beacon);
    }

    /// The sync service: fetch the missing rounds from a random reachable running peer,
    /// batch-verify them, store them and tell the engine.
    fn sync(&mut self, i: usize, to_round: u64) {
        self.nodes[i].syncing = false;
        if self.nodes[i].engine.is_none() {
            return;
        }
        let mine = self.nodes[i].last_round();
        let mut peers: Vec<usize> = (0..self.nodes.len())
            .filter(|&j| {
                j != i
                    && self.nodes[j].engine.is_some()
                    && self.net.connected(i, j)
                    && self.net.connected(j, i)
            })
            .collect();
        rng::shuffle(&mut self.rng, &mut peers);
        let Some(peer) = peers
            .into_iter()
            .find(|&j| self.nodes[j].last_round() > mine)
        else {
            return;
        };
        let upto = to_round.min(self.nodes[peer].last_round());
        if upto <= mine {
            return;
        }
        let fetched: Vec<StoredBeacon> =
            self.nodes[peer].chain[(mine + 1) as usize..=upto as usize].to_vec();
        let beacons: Vec<Beacon> = fetched.iter().map(StoredBeacon::to_beacon).collect();
        if let Err(e) = drand_lite::verify_batch(&self.info, &beacons) {
            panic!(
                "seed {}: node {peer} serves invalid beacons: {e}",
                self.cfg.seed
            );
        }
        for b in fetched {
            self.stored_by_sync += 1;
            self.append(i, b, false);
        }
        let last = self.nodes[i].chain.last().unwrap().clone();
        let local = self.local(i);
        let outs = self.nodes[i]
            .engine
            .as_mut()
            .unwrap()
            .handle(local, Event::StoreAdvanced { last });
        self.process(i, outs);
    }

    /// Half a period into each round: bounded caches and the current expectation.
    fn check_round(&mut self) {
        let round = self.next_check_round;
        self.next_check_round += 1;
        let seed = self.cfg.seed;
        let bound = self.cfg.n * self.cfg.max_partials_per_node;
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(engine) = &node.engine {
                let cached = engine.cached_partials();
                assert!(cached <= bound, "seed {seed}: node {i} caches {cached}");
                self.max_cached = self.max_cached.max(cached);
                assert_eq!(engine.last().round, node.last_round());
            }
        }
        match &self.expect {
            Expect::Free => {}
            Expect::Live { max_lag, nodes } => {
                for &i in nodes {
                    let node = &self.nodes[i];
                    if node.engine.is_none() {
                        continue;
                    }
                    assert!(
                        node.last_round() + max_lag >= round,
                        "seed {seed}: node {i} is at round {} in round {round} (lag > {max_lag})",
                        node.last_round()
                    );
                }
            }
            Expect::Halted { max_round } => {
                assert!(
                    self.head() <= *max_round,
                    "seed {seed}: round {} produced while below threshold",
                    self.head()
                );
            }
        }
    }

    /// Indices of nodes with a running engine.
    pub fn running(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].engine.is_some())
            .collect()
    }

    /// Seeded randomness for scenario scripts.
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }
}
