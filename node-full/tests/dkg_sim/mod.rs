//! A tiny in-process network for seeded DKG simulations: `Dkg` instances exchange bundles
//! through a FIFO message bus under a virtual clock (jumping to the next phase deadline when
//! the bus is idle), with optional echo-broadcast relaying and a hook that lets byzantine
//! participants rewrite what they send. Also group builders and the end-to-end check: the
//! shares of a result must recover a beacon signature that `drand_lite::verify` accepts.
#![allow(dead_code)]

use std::collections::VecDeque;

use drand_lite::{Beacon, ChainInfo, Scheme};
use drand_node::crypto::{SecretKey, Share};
use drand_node::dkg::{
    Bundle, Dkg, DkgConfig, DkgError, DkgNode, DkgOutput, DkgResult, ReshareConfig, schnorr,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// drand's phase timeout.
pub const PHASE_MS: u64 = 10_000;

/// The seed for a test: `DKG_SEED` if set, else `default`; printed for replay.
pub fn seed(test: &str, default: u64) -> u64 {
    let seed = std::env::var("DKG_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    println!("{test}: seed {seed} (replay with DKG_SEED={seed})");
    seed
}

/// One scheme per curve setting.
pub const SETTINGS: [Scheme; 3] = [
    Scheme::PedersenBlsUnchained,
    Scheme::BlsUnchainedG1Rfc9380,
    Scheme::BlsBn254UnchainedOnG1,
];

/// drand's default threshold for `n` nodes.
pub fn default_threshold(n: usize) -> u32 {
    (n / 2 + 1) as u32
}

/// `n` long-term keys, sorted by public-key bytes (as the ceremony assigns indices).
pub fn keys(scheme: Scheme, n: usize, seed: u64) -> Vec<SecretKey> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed ^ 0x6b65_7973);
    let mut keys: Vec<SecretKey> = (0..n)
        .map(|_| SecretKey::generate(scheme, &mut rng))
        .collect();
    keys.sort_by_key(|k| k.public_key());
    keys
}

/// The nodes list for keys whose index is their position.
pub fn nodes(keys: &[SecretKey]) -> Vec<DkgNode> {
    keys.iter()
        .enumerate()
        .map(|(i, k)| DkgNode {
            index: i as u32,
            public_key: k.public_key(),
        })
        .collect()
}

/// A session nonce derived from a label.
pub fn nonce(label: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[..8].copy_from_slice(&label.to_be_bytes());
    out[31] = 0x4e;
    out
}

/// Fresh-DKG configurations, one per key.
pub fn fresh_configs(
    scheme: Scheme,
    keys: &[SecretKey],
    threshold: u32,
    label: u64,
) -> Vec<DkgConfig> {
    let new_nodes = nodes(keys);
    keys.iter()
        .map(|k| DkgConfig {
            scheme,
            longterm: k.clone(),
            new_nodes: new_nodes.clone(),
            threshold,
            nonce: nonce(label),
            reshare: None,
            phase_timeout_ms: PHASE_MS,
        })
        .collect()
}

/// A rewrite of a bundle a byzantine participant sends: `(sender, recipient, bundle)` →
/// what is actually sent (`None` drops it).
pub type Tamper = Box<dyn FnMut(usize, usize, &Bundle) -> Option<Bundle>>;

/// The simulated network.
pub struct Sim {
    /// Virtual time, ms.
    pub now: u64,
    /// The participants (`None` = offline).
    pub nodes: Vec<Option<Dkg>>,
    /// Each participant's outcome.
    pub results: Vec<Option<Result<DkgResult, DkgError>>>,
    /// Bytes each participant sent (protobuf size of every copy of every bundle it sent).
    pub bytes_sent: Vec<usize>,
    /// Each participant's rejection log.
    pub rejected: Vec<Vec<String>>,
    /// Whether relays are forwarded (echo broadcast) or only counted.
    pub relay: bool,
    /// How many relays were emitted.
    pub relays: usize,
    /// Deliveries so far.
    pub delivered: usize,
    queue: VecDeque<(usize, usize, Bundle)>,
    tamper: Option<Tamper>,
    rng: ChaCha20Rng,
}

impl Sim {
    /// Starts every configured participant at time 0 (`None` = offline from the start).
    pub fn start(
        configs: Vec<Option<DkgConfig>>,
        seed: u64,
        relay: bool,
        tamper: Option<Tamper>,
    ) -> Sim {
        let n = configs.len();
        let mut sim = Sim {
            now: 0,
            nodes: (0..n).map(|_| None).collect(),
            results: (0..n).map(|_| None).collect(),
            bytes_sent: vec![0; n],
            rejected: vec![Vec::new(); n],
            relay,
            relays: 0,
            delivered: 0,
            queue: VecDeque::new(),
            tamper,
            rng: ChaCha20Rng::seed_from_u64(seed),
        };
        let mut initial = Vec::new();
        for (i, config) in configs.into_iter().enumerate() {
            let Some(config) = config else { continue };
            match Dkg::new(config, 0, &mut sim.rng) {
                Ok((dkg, out)) => {
                    sim.nodes[i] = Some(dkg);
                    initial.push((i, out));
                }
                Err(e) => sim.results[i] = Some(Err(e)),
            }
        }
        for (i, out) in initial {
            sim.process(i, out);
        }
        sim
    }

    fn send(&mut self, from: usize, bundle: &Bundle, own: bool) {
        for to in 0..self.nodes.len() {
            if to == from || self.nodes[to].is_none() {
                continue;
            }
            let actual = match (&mut self.tamper, own) {
                (Some(tamper), true) => tamper(from, to, bundle),
                _ => Some(bundle.clone()),
            };
            if let Some(b) = actual {
                self.bytes_sent[from] += b.encoded_len();
                self.queue.push_back((from, to, b));
            }
        }
    }

    fn process(&mut self, i: usize, outputs: Vec<DkgOutput>) {
        for output in outputs {
            match output {
                DkgOutput::Broadcast(b) => self.send(i, &b, true),
                DkgOutput::Relay(b) => {
                    self.relays += 1;
                    if self.relay {
                        self.send(i, &b, false);
                    }
                }
                DkgOutput::Rejected { reason } => self.rejected[i].push(reason),
                DkgOutput::Finished(r) => {
                    assert!(self.results[i].is_none(), "node {i} finished twice");
                    self.results[i] = Some(r);
                }
            }
        }
    }

    /// Runs until every participant finished (or nothing is left to do).
    pub fn run(&mut self) {
        loop {
            while let Some((_, to, bundle)) = self.queue.pop_front() {
                self.delivered += 1;
                assert!(self.delivered < 50_000_000, "runaway simulation");
                let Some(dkg) = self.nodes[to].as_mut() else {
                    continue;
                };
                let out = dkg.handle(self.now, bundle, &mut self.rng);
                self.process(to, out);
            }
            let next = self
                .nodes
                .iter()
                .flatten()
                .filter_map(Dkg::next_wakeup)
                .min();
            let Some(next) = next else { break };
            assert!(
                next <= 4 * PHASE_MS,
                "deadline {next} beyond the DKG's three phases"
            );
            self.now = self.now.max(next);
            for i in 0..self.nodes.len() {
                if let Some(dkg) = self.nodes[i].as_mut() {
                    let out = dkg.tick(self.now);
                    self.process(i, out);
                }
            }
        }
        for (i, dkg) in self.nodes.iter().enumerate() {
            if let Some(dkg) = dkg {
                assert!(dkg.is_finished(), "node {i} did not finish");
                assert!(self.results[i].is_some(), "node {i} has no result");
            }
        }
    }

    /// The successful results of `members`, asserting that each succeeded.
    pub fn ok(&self, members: &[usize]) -> Vec<DkgResult> {
        members
            .iter()
            .map(|&i| match &self.results[i] {
                Some(Ok(r)) => r.clone(),
                other => panic!(
                    "node {i}: expected success, got {other:?}; log {:?}",
                    self.rejected[i]
                ),
            })
            .collect()
    }
}

/// Checks that `results` agree (same polynomial and QUAL), that QUAL is `expected_qual` if
/// given, and that their shares recover a beacon signature `drand_lite::verify` accepts.
pub fn check_group(results: &[DkgResult], threshold: u32, expected_qual: Option<&[u32]>) {
    let first = &results[0];
    for r in results {
        assert_eq!(
            r.public, first.public,
            "results disagree on the public polynomial"
        );
        assert_eq!(r.qual, first.qual, "results disagree on QUAL");
    }
    if let Some(q) = expected_qual {
        assert_eq!(first.qual, q, "unexpected QUAL");
    }
    assert_eq!(first.public.threshold(), threshold as usize);
    let shares: Vec<&Share> = results.iter().filter_map(|r| r.share.as_ref()).collect();
    for s in &shares {
        first.public.check_share(s).unwrap();
    }
    assert!(
        shares.len() >= threshold as usize,
        "only {} shares",
        shares.len()
    );
    beacon_verifies(&first.public, &shares, threshold);
}

/// Recovers a round signature from `shares` and verifies it with the verifier core.
pub fn beacon_verifies(public: &drand_node::crypto::PublicPoly, shares: &[&Share], threshold: u32) {
    let scheme = public.scheme();
    let round = 7;
    let previous = scheme
        .is_chained()
        .then(|| vec![0x11; scheme.signature_len()]);
    let digest = scheme.digest(round, previous.as_deref());
    let partials: Vec<Vec<u8>> = shares.iter().map(|s| s.partial_sign(&digest)).collect();
    let signature = public
        .recover(&digest, &partials, threshold as usize)
        .unwrap();
    let info = ChainInfo::new(
        scheme,
        &public.public_key(),
        3,
        1_700_000_000,
        [0x5e; 32],
        "default",
    )
    .unwrap();
    let beacon = Beacon {
        round,
        signature,
        previous_signature: previous,
        randomness: None,
    };
    drand_lite::verify(&info, &beacon).unwrap();
}

/// Reshare configurations: `old` are the previous group's members (with their shares from
/// `old_results`), `new_keys` the new group (index = position). Participants are the union,
/// old first; returns the configs and, for each participant, its key.
pub struct Reshare {
    /// One config per participant.
    pub configs: Vec<DkgConfig>,
    /// Participant → position in the new group, if any.
    pub new_pos: Vec<Option<usize>>,
}

/// Builds a reshare from a previous group (`old_keys[i]` holds `old_results[i]`'s share, or
/// none) to `new_keys`.
pub fn reshare_configs(
    scheme: Scheme,
    old_keys: &[SecretKey],
    old_results: &[Option<DkgResult>],
    new_keys: &[SecretKey],
    threshold: u32,
    label: u64,
) -> Reshare {
    let template = old_results
        .iter()
        .flatten()
        .next()
        .expect("a previous result");
    let old_public = template.public.clone();
    let old_threshold = old_public.threshold() as u32;
    let old_nodes: Vec<DkgNode> = old_keys
        .iter()
        .zip(old_results)
        .filter_map(|(k, r)| {
            let share = r.as_ref()?.share.as_ref()?;
            Some(DkgNode {
                index: share.index(),
                public_key: k.public_key(),
            })
        })
        .collect();
    let new_nodes = nodes(new_keys);
    let mut participants: Vec<(SecretKey, Option<Share>)> = old_keys
        .iter()
        .zip(old_results)
        .map(|(k, r)| (k.clone(), r.as_ref().and_then(|r| r.share.clone())))
        .collect();
    for k in new_keys {
        if !old_keys.iter().any(|o| o.public_key() == k.public_key()) {
            participants.push((k.clone(), None));
        }
    }
    let new_pos = participants
        .iter()
        .map(|(k, _)| {
            new_keys
                .iter()
                .position(|n| n.public_key() == k.public_key())
        })
        .collect();
    let configs = participants
        .into_iter()
        .map(|(key, share)| DkgConfig {
            scheme,
            longterm: key,
            new_nodes: new_nodes.clone(),
            threshold,
            nonce: nonce(label),
            reshare: Some(ReshareConfig {
                old_nodes: old_nodes.clone(),
                old_public: old_public.clone(),
                old_threshold,
                share,
            }),
            phase_timeout_ms: PHASE_MS,
        })
        .collect();
    Reshare { configs, new_pos }
}

/// Re-signs a bundle with `key` (for byzantine rewrites).
pub fn resign(mut bundle: Bundle, key: &SecretKey, rng: &mut ChaCha20Rng) -> Bundle {
    let hash = bundle.hash();
    let signature = schnorr::sign(key, &hash, rng);
    match &mut bundle {
        Bundle::Deal(b) => b.signature = signature,
        Bundle::Response(b) => b.signature = signature,
        Bundle::Justification(b) => b.signature = signature,
    }
    bundle
}

/// Runs a fresh DKG of `keys` with everyone online and honest; returns the results.
pub fn fresh(
    scheme: Scheme,
    keys: &[SecretKey],
    threshold: u32,
    seed: u64,
) -> (Sim, Vec<DkgResult>) {
    let configs = fresh_configs(scheme, keys, threshold, seed);
    let mut sim = Sim::start(configs.into_iter().map(Some).collect(), seed, false, None);
    sim.run();
    let all: Vec<usize> = (0..keys.len()).collect();
    let results = sim.ok(&all);
    (sim, results)
}
