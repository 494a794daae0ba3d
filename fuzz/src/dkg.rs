//! Fixtures for the `dkg_packets` target: a 4-node first ceremony of one scheme, prepared once
//! (keys, the leader's signed proposal and Execute packet, a joiner's Joined state), from which
//! each input gets a fresh ceremony driver — waiting for execution, or with its DKG running.

use std::sync::OnceLock;

use drand_lite::Scheme;
use drand_node::ceremony::driver::{
    Action, Command, Driver, DriverConfig, Event, ExecuteWhen, InitOptions, SignedPacket,
};
use drand_node::ceremony::{DkgState, GossipBody, Participant, Timestamp};
use drand_node::crypto::SecretKey;
use drand_node::daemon::dkg_wire;
use drand_node::files::Identity;
use drand_node::proto::dkg as pb;
use prost::Message;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// Virtual time of the fixture (ms).
const NOW: u64 = 1_800_000_000_000;

/// The prepared ceremony.
pub struct CeremonyFixture {
    config: DriverConfig,
    secret: SecretKey,
    joined: DkgState,
    execute: SignedPacket,
    kickoff_ms: u64,
}

fn build() -> CeremonyFixture {
    let scheme = Scheme::BlsUnchainedG1Rfc9380;
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut nodes = Vec::new();
    for i in 0..4 {
        let secret = SecretKey::generate(scheme, &mut rng);
        let identity =
            Identity::new_signed(&secret, &format!("127.0.0.1:{}", 20_000 + i)).expect("identity");
        nodes.push((secret, Participant::from_identity(&identity)));
    }
    let config = |i: usize| DriverConfig::new("default", scheme, nodes[i].1.clone());
    let (mut leader, _) = Driver::new(config(0), nodes[0].0.clone(), None, None);
    let joining: Vec<Participant> = nodes.iter().map(|n| n.1.clone()).collect();
    leader
        .handle(
            NOW,
            Event::Command(Command::Init(InitOptions {
                threshold: 3,
                period_secs: 3,
                catchup_period_secs: 1,
                scheme,
                genesis_time: Timestamp::from_secs((NOW / 1000 + 120) as i64),
                timeout: Timestamp::from_unix_millis(NOW + 3_600_000),
                joining,
            })),
            &mut rng,
        )
        .expect("init");
    let proposal = leader.live_proposal(NOW).expect("proposal");
    let (mut node, _) = Driver::new(config(1), nodes[1].0.clone(), None, None);
    node.handle(NOW, Event::Packet(proposal), &mut rng)
        .expect("proposal applies");
    node.handle(
        NOW,
        Event::Command(Command::Join {
            previous_group: None,
        }),
        &mut rng,
    )
    .expect("join");
    let actions = leader
        .handle(
            NOW,
            Event::Command(Command::Execute {
                when: ExecuteWhen::Now,
                kickoff_delay_ms: 1_000,
            }),
            &mut rng,
        )
        .expect("execute");
    let execute = actions
        .into_iter()
        .find_map(|a| match a {
            Action::Gossip { packet, .. } if matches!(packet.body, GossipBody::Execute { .. }) => {
                Some(packet)
            }
            _ => None,
        })
        .expect("an Execute packet");
    CeremonyFixture {
        config: config(1),
        secret: nodes[1].0.clone(),
        joined: node.current().clone(),
        execute,
        kickoff_ms: NOW + 1_000,
    }
}

/// The fixture, built on first use.
pub fn ceremony() -> &'static CeremonyFixture {
    static FIXTURE: OnceLock<CeremonyFixture> = OnceLock::new();
    FIXTURE.get_or_init(build)
}

impl CeremonyFixture {
    /// A joiner's driver waiting for execution, or (`running`) with its DKG started.
    pub fn driver(&self, running: bool) -> (Driver, u64) {
        let (mut driver, _) = Driver::new(
            self.config.clone(),
            self.secret.clone(),
            Some(self.joined.clone()),
            None,
        );
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        if running {
            driver
                .handle(NOW, Event::Packet(self.execute.clone()), &mut rng)
                .expect("execute applies");
            driver
                .handle(self.kickoff_ms, Event::Tick, &mut rng)
                .expect("the DKG starts");
            return (driver, self.kickoff_ms);
        }
        (driver, NOW)
    }
}

/// Decodes `bytes` as each DKG wire message and feeds whatever decodes to `driver` at `now`;
/// then ticks it far in the future (phase timeouts). Nothing may panic.
pub fn feed(driver: &mut Driver, now: u64, bytes: &[u8]) {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let terms = driver.current().terms();
    if let Ok(packet) = pb::GossipPacket::decode(bytes) {
        if let Ok(p) = dkg_wire::gossip_from_proto(&packet) {
            let _ = driver.handle(now, Event::Packet(p), &mut rng);
        }
        if let Ok(p) = dkg_wire::joined_from_proto(&packet, terms.as_ref()) {
            let _ = driver.handle(now, Event::Joined(p), &mut rng);
        }
    }
    if let Ok(packet) = pb::DkgPacket::decode(bytes)
        && let Ok(bundle) = dkg_wire::bundle_from_proto(&packet)
    {
        let _ = driver.handle(now, Event::Bundle(bundle), &mut rng);
    }
    if let Ok(command) = pb::DkgCommand::decode(bytes)
        && let Ok(command) = dkg_wire::command_from_proto(&command)
    {
        let _ = driver.handle(now, Event::Command(command), &mut rng);
    }
    for later in [10_000, 20_000, 40_000] {
        let _ = driver.handle(now + later, Event::Tick, &mut rng);
    }
    // Whatever happened, the state still serialises and reads back.
    let text = driver.current().to_toml();
    let back = DkgState::from_toml(&text).expect("a state the driver made reads back");
    assert_eq!(back.to_toml(), text, "the stored state round-trips");
}
