//! Shared fixtures of the ceremony tests: deterministic identities (alice, bob, carol,
//! dave, ...), drand's `NewCompleteDKGEntry` / `NewInitialProposal` / `NewValidProposal`
//! helpers, groups and shares. Times are fixed (no clock).
#![allow(dead_code)]

use std::sync::LazyLock;

use drand_lite::Scheme;
use drand_node::ceremony::{DkgState, Participant, ProposalTerms, Status, Timestamp};
use drand_node::crypto::{SecretKey, deal};
use drand_node::files::{Group, GroupNode, Identity, KeyShare};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sha2::{Digest, Sha256};

pub const BEACON: &str = "some-wonderful-beacon-id";
pub const SCHEME: Scheme = Scheme::PedersenBlsChained;
/// "Now" in every test.
pub const NOW: Timestamp = Timestamp {
    secs: 1_700_000_000,
    nanos: 0,
};
/// drand's test timeout (2050).
pub const TIMEOUT: Timestamp = Timestamp {
    secs: 2_549_084_715,
    nanos: 0,
};
pub const GENESIS: Timestamp = Timestamp {
    secs: 1_669_718_523,
    nanos: 0,
};
/// The chain's genesis seed in the fixtures.
pub const SEED: [u8; 32] = [0xde; 32];

/// A node: its secret and its participant entry.
pub struct Node {
    pub secret: SecretKey,
    pub me: Participant,
}

/// A deterministic node for `address` under `scheme` (seeded by the address).
pub fn node_with(scheme: Scheme, address: &str) -> Node {
    let seed: [u8; 32] = Sha256::digest(format!("{}|{address}", scheme.id())).into();
    let secret = SecretKey::generate(scheme, &mut ChaCha20Rng::from_seed(seed));
    let id = Identity::new_signed(&secret, address).unwrap();
    Node {
        secret,
        me: Participant::from_identity(&id),
    }
}

pub fn node(address: &str) -> Node {
    node_with(SCHEME, address)
}

static ALICE: LazyLock<Node> = LazyLock::new(|| node("alice.example:443"));
static BOB: LazyLock<Node> = LazyLock::new(|| node("bob.example:443"));
static CAROL: LazyLock<Node> = LazyLock::new(|| node("carol.example:443"));
static DAVE: LazyLock<Node> = LazyLock::new(|| node("dave.example:443"));
static ERIN: LazyLock<Node> = LazyLock::new(|| node("erin.example:443"));

pub fn alice() -> Participant {
    ALICE.me.clone()
}
pub fn bob() -> Participant {
    BOB.me.clone()
}
pub fn carol() -> Participant {
    CAROL.me.clone()
}
pub fn dave() -> Participant {
    DAVE.me.clone()
}
pub fn erin() -> Participant {
    ERIN.me.clone()
}
/// drand's `NewParticipant(name)`: a valid identity nobody else knows.
pub fn stranger(name: &str) -> Participant {
    node(&format!("{name}:443")).me
}

/// A group of these members (indices in order) with the fixtures' chain parameters.
pub fn group_of(members: &[Participant], threshold: u32) -> Group {
    Group {
        threshold,
        period_secs: 10,
        catchup_period_secs: 5,
        genesis_time: GENESIS.secs as u64,
        transition_time: 0,
        genesis_seed: SEED.to_vec(),
        scheme: SCHEME,
        beacon_id: BEACON.to_owned(),
        nodes: (0u32..)
            .zip(members)
            .map(|(index, p)| GroupNode {
                address: p.address.clone(),
                key: p.key.clone(),
                signature: p.signature.clone(),
                index,
            })
            .collect(),
        public_coefficients: Vec::new(),
    }
}

/// A valid group (with public coefficients) and the share of member `index`.
pub fn dealt_group(members: &[Participant], threshold: u32, index: usize) -> (Group, KeyShare) {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let dealing = deal(SCHEME, members.len() as u32, threshold, &mut rng).unwrap();
    let mut group = group_of(members, threshold);
    group.public_coefficients = dealing.public.to_bytes();
    let share = KeyShare::new(dealing.shares[index].clone(), dealing.public.clone()).unwrap();
    (group, share)
}

/// drand's `NewCompleteDKGEntry(status, leader, others...)`: epoch 1, threshold 2,
/// remaining = others + leader, and a final group of the remainers.
pub fn complete_entry(status: Status, leader: &Participant, others: &[Participant]) -> DkgState {
    let mut remaining = others.to_vec();
    remaining.push(leader.clone());
    DkgState {
        beacon_id: BEACON.to_owned(),
        epoch: 1,
        status,
        threshold: 2,
        timeout: TIMEOUT,
        scheme_id: SCHEME.id().to_owned(),
        genesis_time: GENESIS,
        genesis_seed: SEED.to_vec(),
        catchup_period_secs: 5,
        beacon_period_secs: 10,
        leader: Some(leader.clone()),
        final_group: Some(group_of(&remaining, 2)),
        remaining,
        ..DkgState::fresh(BEACON)
    }
}

/// drand's `NewInitialProposal(leader, others...)`: epoch 1, joining = leader + others.
pub fn initial_proposal(leader: &Participant, others: &[Participant]) -> ProposalTerms {
    let mut joining = vec![leader.clone()];
    joining.extend_from_slice(others);
    ProposalTerms {
        beacon_id: BEACON.to_owned(),
        epoch: 1,
        leader: leader.clone(),
        threshold: 2,
        timeout: TIMEOUT,
        catchup_period_secs: 5,
        beacon_period_secs: 10,
        scheme_id: SCHEME.id().to_owned(),
        genesis_time: GENESIS,
        genesis_seed: Vec::new(),
        joining,
        remaining: Vec::new(),
        leaving: Vec::new(),
    }
}

/// drand's `NewValidProposal(epoch, leader, others...)`: remaining = others + leader, the
/// fixtures' genesis seed.
pub fn valid_proposal(epoch: u32, leader: &Participant, others: &[Participant]) -> ProposalTerms {
    let mut remaining = others.to_vec();
    remaining.push(leader.clone());
    ProposalTerms {
        beacon_id: BEACON.to_owned(),
        epoch,
        leader: leader.clone(),
        threshold: 2,
        timeout: TIMEOUT,
        catchup_period_secs: 5,
        beacon_period_secs: 10,
        scheme_id: SCHEME.id().to_owned(),
        genesis_time: GENESIS,
        genesis_seed: SEED.to_vec(),
        joining: Vec::new(),
        remaining,
        leaving: Vec::new(),
    }
}

/// A copy of `state` with `f` applied.
pub fn with(state: DkgState, f: impl FnOnce(&mut DkgState)) -> DkgState {
    let mut s = state;
    f(&mut s);
    s
}

/// A copy of `terms` with `f` applied.
pub fn terms_with(terms: ProposalTerms, f: impl FnOnce(&mut ProposalTerms)) -> ProposalTerms {
    let mut t = terms;
    f(&mut t);
    t
}

/// drand's `PastTimeout`: the timeout a minute before [`NOW`].
pub fn past_timeout(state: DkgState) -> DkgState {
    with(state, |s| {
        s.timeout = Timestamp::from_secs(NOW.secs - 60);
    })
}
