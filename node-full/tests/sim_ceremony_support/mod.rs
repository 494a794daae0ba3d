//! A seeded, single-process simulation of whole ceremonies: every node is a real
//! [`Driver`] (state machine, signatures, DKG), the network is a message queue delivered in a
//! seeded random order on a virtual clock, and nodes can be offline, restarted from their
//! persisted state, or partitioned. Same seed, same run. `SIM_DEBUG=1` prints every delivered
//! message and every warning of the drivers.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet, VecDeque};

use drand_lite::Scheme;
use drand_node::ceremony::driver::{
    Action, Command, Completion, Driver, DriverConfig, DriverError, Event, ExecuteWhen,
    InitOptions, ReshareOptions, SignedPacket,
};
use drand_node::ceremony::{DkgState, Participant, Status, Timestamp};
use drand_node::crypto::SecretKey;
use drand_node::dkg::Bundle;
use drand_node::files::{Group, Identity, KeyShare};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// Virtual start time (ms).
pub const T0: u64 = 1_800_000_000_000;
/// A proposal deadline far enough for every scenario but the expiry ones.
pub const HOUR_MS: u64 = 3_600_000;

/// The seed of a test: `SIM_SEED` when set, else `default`; printed so a failure can be
/// replayed.
pub fn seed(default: u64) -> u64 {
    let seed = std::env::var("SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    eprintln!("simulation seed {seed} (SIM_SEED={seed} replays it)");
    seed
}

/// What travels between nodes.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A gossip packet.
    Packet(SignedPacket),
    /// A joined notice.
    Joined(SignedPacket),
    /// A DKG bundle.
    Bundle(Bundle),
}

/// One simulated node.
pub struct SimNode {
    pub address: String,
    pub secret: SecretKey,
    pub me: Participant,
    pub driver: Driver,
    pub online: bool,
    pub saved_current: Option<DkgState>,
    pub saved_finished: Option<DkgState>,
    pub completions: Vec<Completion>,
    pub left_at: Option<u64>,
    pub refused: Vec<String>,
    /// The node's group file and share as the daemon would have written them.
    pub group: Option<Group>,
    pub share: Option<KeyShare>,
    pub bytes_sent: u64,
}

/// The whole simulated network.
pub struct Sim {
    pub now: u64,
    pub nodes: Vec<SimNode>,
    pub scheme: Scheme,
    pub phase_timeout_ms: u64,
    queue: VecDeque<(usize, usize, Msg)>,
    rng: ChaCha20Rng,
    /// Links that drop everything: (from, to).
    pub cut: HashSet<(usize, usize)>,
    by_address: BTreeMap<String, usize>,
    pub delivered: u64,
}

fn approx_len(msg: &Msg) -> u64 {
    match msg {
        Msg::Packet(p) | Msg::Joined(p) => 200 + p.signature.len() as u64,
        Msg::Bundle(b) => match b {
            Bundle::Deal(d) => {
                (d.commits.iter().map(Vec::len).sum::<usize>()
                    + d.deals
                        .iter()
                        .map(|x| x.encrypted_share.len() + 6)
                        .sum::<usize>()
                    + d.signature.len()
                    + 48) as u64
            }
            Bundle::Response(r) => (r.responses.len() * 4 + r.signature.len() + 48) as u64,
            Bundle::Justification(j) => {
                (j.justifications.len() * 40 + j.signature.len() + 48) as u64
            }
        },
    }
}

impl Sim {
    /// `n` nodes with fresh keys for `scheme`.
    pub fn new(seed: u64, scheme: Scheme, n: usize) -> Sim {
        let mut sim = Sim {
            now: T0,
            nodes: Vec::new(),
            scheme,
            phase_timeout_ms: 10_000,
            queue: VecDeque::new(),
            rng: ChaCha20Rng::seed_from_u64(seed),
            cut: HashSet::new(),
            by_address: BTreeMap::new(),
            delivered: 0,
        };
        for _ in 0..n {
            sim.add_node();
        }
        sim
    }

    /// Adds a node (a future joiner); returns its index.
    pub fn add_node(&mut self) -> usize {
        let i = self.nodes.len();
        let address = format!("127.0.0.1:{}", 20_000 + i);
        let secret = SecretKey::generate(self.scheme, &mut self.rng);
        let identity = Identity::new_signed(&secret, &address).unwrap();
        let me = Participant::from_identity(&identity);
        let mut config = DriverConfig::new("default", self.scheme, me.clone());
        config.phase_timeout_ms = self.phase_timeout_ms;
        let (driver, actions) = Driver::new(config, secret.clone(), None, None);
        self.by_address.insert(address.clone(), i);
        self.nodes.push(SimNode {
            address,
            secret,
            me,
            driver,
            online: true,
            saved_current: None,
            saved_finished: None,
            completions: Vec::new(),
            left_at: None,
            refused: Vec::new(),
            group: None,
            share: None,
            bytes_sent: 0,
        });
        self.dispatch(i, actions);
        i
    }

    /// Participants of these nodes.
    pub fn participants(&self, ids: &[usize]) -> Vec<Participant> {
        ids.iter().map(|&i| self.nodes[i].me.clone()).collect()
    }

    /// Runs an operator command on node `i`.
    pub fn command(&mut self, i: usize, command: Command) -> Result<(), DriverError> {
        let now = self.now;
        let actions = self.nodes[i]
            .driver
            .handle(now, Event::Command(command), &mut self.rng)?;
        self.dispatch(i, actions);
        Ok(())
    }

    /// `dkg init` on `leader` with `ids` joining.
    pub fn init(
        &mut self,
        leader: usize,
        ids: &[usize],
        threshold: u32,
    ) -> Result<(), DriverError> {
        let joining = self.participants(ids);
        let now = self.now;
        self.command(
            leader,
            Command::Init(InitOptions {
                threshold,
                period_secs: 3,
                catchup_period_secs: 1,
                scheme: self.scheme,
                genesis_time: Timestamp::from_secs(((now + 120_000) / 1000) as i64),
                timeout: Timestamp::from_unix_millis(now + HOUR_MS),
                joining,
            }),
        )
    }

    /// `dkg reshare` on `leader`.
    pub fn reshare(
        &mut self,
        leader: usize,
        remaining: &[usize],
        joining: &[usize],
        leaving: &[usize],
        threshold: u32,
        timeout_ms: u64,
    ) -> Result<(), DriverError> {
        let options = ReshareOptions {
            threshold,
            catchup_period_secs: None,
            timeout: Timestamp::from_unix_millis(self.now + timeout_ms),
            joining: self.participants(joining),
            remaining: self.participants(remaining),
            leaving: self.participants(leaving),
        };
        self.command(leader, Command::Reshare(options))
    }

    /// `dkg execute` now (1 s kickoff delay).
    pub fn execute(&mut self, leader: usize) -> Result<(), DriverError> {
        self.command(
            leader,
            Command::Execute {
                when: ExecuteWhen::Now,
                kickoff_delay_ms: 1_000,
            },
        )
    }

    /// Carries out a node's actions: persistence, sends, completions.
    fn dispatch(&mut self, from: usize, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::SaveCurrent(state) => self.nodes[from].saved_current = Some(*state),
                Action::SaveFinished(state) => {
                    self.nodes[from].saved_current = Some((*state).clone());
                    self.nodes[from].saved_finished = Some(*state);
                }
                Action::Gossip { packet, to } => self.send(from, &to, Msg::Packet(packet)),
                Action::AnnounceJoined { packet, to } => self.send(from, &to, Msg::Joined(packet)),
                Action::SendBundle { bundle, to } => self.send(from, &to, Msg::Bundle(*bundle)),
                Action::Pull { from: peers } => {
                    for peer in peers {
                        let Some(&j) = self.by_address.get(&peer) else {
                            continue;
                        };
                        if !self.nodes[j].online || self.cut.contains(&(j, from)) {
                            continue;
                        }
                        if let Some(p) = self.nodes[j].driver.live_proposal(self.now) {
                            self.queue.push_back((j, from, Msg::Packet(p)));
                        }
                    }
                }
                Action::Completed(c) => {
                    self.nodes[from].group = Some(c.group.clone());
                    self.nodes[from].share = Some(c.key_share.clone());
                    self.nodes[from].completions.push(*c);
                }
                Action::Left { transition_time } => {
                    self.nodes[from].left_at = Some(transition_time)
                }
                Action::Warn(w) => {
                    if std::env::var_os("SIM_DEBUG").is_some() {
                        eprintln!("[{} node {from}] {w}", self.now);
                    }
                }
            }
        }
    }

    fn send(&mut self, from: usize, to: &[String], msg: Msg) {
        let size = approx_len(&msg);
        for address in to {
            if let Some(&j) = self.by_address.get(address) {
                self.nodes[from].bytes_sent += size;
                self.queue.push_back((from, j, msg.clone()));
            }
        }
    }

    /// Queues a message as if `from` had sent it to `to` (a byzantine node's own packets).
    pub fn inject(&mut self, from: usize, to: usize, msg: Msg) {
        self.queue.push_back((from, to, msg));
    }

    /// Delivers one queued message: links are FIFO (as the daemon's per-peer queues are), and
    /// which link delivers next is a seeded random choice among the first few.
    fn deliver_one(&mut self) -> bool {
        if self.queue.is_empty() {
            return false;
        }
        let mut heads = Vec::new();
        let mut links = HashSet::new();
        for (i, (from, to, _)) in self.queue.iter().enumerate() {
            if links.insert((*from, *to)) {
                heads.push(i);
                if heads.len() == 8 {
                    break;
                }
            }
        }
        let pick = heads[(self.rng.next_u32() as usize) % heads.len()];
        let Some((from, to, msg)) = self.queue.remove(pick) else {
            return false;
        };
        if !self.nodes[to].online || !self.nodes[from].online || self.cut.contains(&(from, to)) {
            return true;
        }
        self.delivered += 1;
        if std::env::var_os("SIM_DEBUG").is_some() {
            let what = match &msg {
                Msg::Packet(p) => p.body.kind().to_owned(),
                Msg::Joined(_) => "joined".to_owned(),
                Msg::Bundle(b) => match b {
                    Bundle::Deal(d) => {
                        format!("deal d{} {:02x?}", d.dealer_index, &d.signature[..3])
                    }
                    Bundle::Response(r) => format!(
                        "response h{} {:?}",
                        r.share_index,
                        r.responses
                            .iter()
                            .map(|x| x.status as u8)
                            .collect::<Vec<_>>()
                    ),
                    Bundle::Justification(j) => format!("justification d{}", j.dealer_index),
                },
            };
            eprintln!("[{}] {from} -> {to}: {what}", self.now);
        }
        let event = match msg {
            Msg::Packet(p) => Event::Packet(p),
            Msg::Joined(p) => Event::Joined(p),
            Msg::Bundle(b) => Event::Bundle(b),
        };
        let now = self.now;
        match self.nodes[to].driver.handle(now, event, &mut self.rng) {
            Ok(actions) => self.dispatch(to, actions),
            Err(e) => self.nodes[to].refused.push(e.to_string()),
        }
        true
    }

    /// Delivers everything queued, then advances the clock to the next wake-up (at most
    /// `max_step_ms`) and ticks the nodes due; until `until(self)` or `deadline_ms` of
    /// virtual time from now. Returns whether `until` held.
    pub fn run(&mut self, deadline_ms: u64, mut until: impl FnMut(&Sim) -> bool) -> bool {
        let end = self.now + deadline_ms;
        loop {
            while self.deliver_one() {}
            if until(self) {
                return true;
            }
            if self.now >= end {
                return false;
            }
            let next = self
                .nodes
                .iter()
                .filter(|n| n.online)
                .filter_map(|n| n.driver.next_wakeup())
                .min()
                .unwrap_or(end)
                .clamp(self.now + 1, end);
            self.now = next;
            for i in 0..self.nodes.len() {
                if !self.nodes[i].online {
                    continue;
                }
                if self.nodes[i]
                    .driver
                    .next_wakeup()
                    .is_some_and(|w| w <= self.now)
                {
                    let now = self.now;
                    match self.nodes[i].driver.handle(now, Event::Tick, &mut self.rng) {
                        Ok(actions) => self.dispatch(i, actions),
                        Err(e) => self.nodes[i].refused.push(e.to_string()),
                    }
                }
            }
        }
    }

    /// Runs until every listed node completed `epoch` (false if not within `deadline_ms`).
    pub fn run_until_complete(&mut self, ids: &[usize], epoch: u32, deadline_ms: u64) -> bool {
        let ids = ids.to_vec();
        self.run(deadline_ms, move |sim| {
            ids.iter().all(|&i| {
                sim.nodes[i]
                    .driver
                    .finished()
                    .is_some_and(|f| f.epoch == epoch && f.status == Status::Complete)
            })
        })
    }

    /// Advances virtual time by `ms`, delivering and ticking as it goes.
    pub fn wait(&mut self, ms: u64) {
        self.run(ms, |_| false);
    }

    /// Stops a node: it drops everything sent to it until it comes back.
    pub fn go_offline(&mut self, i: usize) {
        self.nodes[i].online = false;
    }

    /// Restarts a node from what it persisted (its in-memory state is lost).
    pub fn restart(&mut self, i: usize) {
        let node = &self.nodes[i];
        let mut config = DriverConfig::new("default", self.scheme, node.me.clone());
        config.phase_timeout_ms = self.phase_timeout_ms;
        let (driver, actions) = Driver::new(
            config,
            node.secret.clone(),
            node.saved_current.clone(),
            node.saved_finished.clone(),
        );
        self.nodes[i].driver = driver;
        self.nodes[i].online = true;
        self.dispatch(i, actions);
    }

    /// The effective status of node `i` now.
    pub fn status(&self, i: usize) -> Status {
        self.nodes[i]
            .driver
            .current()
            .effective_status(Timestamp::from_unix_millis(self.now))
    }

    /// Checks the shares of `ids` for their last completed epoch: same group key and group
    /// file everywhere, and any threshold of them signs a beacon the verifier core accepts
    /// under the chain's key. Returns the group.
    pub fn check_group(&self, ids: &[usize]) -> Group {
        let group = self.nodes[ids[0]].group.clone().expect("completed");
        for &i in ids {
            let g = self.nodes[i].group.as_ref().expect("completed");
            assert_eq!(
                g.to_toml(),
                group.to_toml(),
                "node {i} wrote another group file"
            );
        }
        let info = group.chain_info().unwrap();
        let scheme = info.scheme();
        let digest = scheme.digest(7, Some(&[1u8; 96][..scheme.signature_len()]));
        let partials: Vec<Vec<u8>> = ids
            .iter()
            .take(group.threshold as usize)
            .map(|&i| {
                self.nodes[i]
                    .share
                    .as_ref()
                    .unwrap()
                    .share
                    .partial_sign(&digest)
            })
            .collect();
        let poly = group.public_poly().unwrap();
        let signature = poly
            .recover(&digest, &partials, group.threshold as usize)
            .unwrap();
        let beacon = drand_lite::Beacon {
            round: 7,
            signature,
            previous_signature: scheme
                .is_chained()
                .then(|| [1u8; 96][..scheme.signature_len()].to_vec()),
            randomness: None,
        };
        drand_lite::verify(&info, &beacon)
            .expect("a threshold of the new shares signs for the chain");
        group
    }
}
