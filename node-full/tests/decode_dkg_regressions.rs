//! Arbitrary and mutated bytes as every DKG wire message a node receives (ceremony packets,
//! DKG bundles, joined notices, operator commands), decoded with prost and pushed through the
//! wire conversions into live ceremony drivers — one in the proposal phase, one running its DKG.
//! Nothing may panic, and the ceremony must still complete afterwards: garbage is refused
//! without disturbing the honest run. Seeded (`SIM_SEED` replays); the same body runs under
//! libFuzzer as `fuzz/fuzz_targets/dkg_packets.rs`.

mod sim_ceremony_support;

use drand_lite::Scheme;
use drand_node::ceremony::Status;
use drand_node::ceremony::driver::{Command, Event};
use drand_node::ceremony::driver_dkg::dkg_config;
use drand_node::daemon::dkg_wire;
use drand_node::dkg::{Dkg, DkgOutput};
use drand_node::proto::dkg as pb;
use prost::Message;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use sim_ceremony_support::{HOUR_MS, Sim, seed};

fn mutate(rng: &mut ChaCha20Rng, valid: &[u8]) -> Vec<u8> {
    let mut bytes = valid.to_vec();
    match rng.next_u32() % 4 {
        0 => {
            // Flip a few bits.
            for _ in 0..1 + rng.next_u32() % 4 {
                if !bytes.is_empty() {
                    let i = rng.next_u32() as usize % bytes.len();
                    bytes[i] ^= 1 << (rng.next_u32() % 8);
                }
            }
        }
        1 => bytes.truncate(rng.next_u32() as usize % (bytes.len() + 1)),
        2 => {
            let extra = rng.next_u32() as usize % 64;
            bytes.extend((0..extra).map(|_| rng.next_u32() as u8));
        }
        _ => {
            let len = rng.next_u32() as usize % 512;
            bytes = (0..len).map(|_| rng.next_u32() as u8).collect();
        }
    }
    bytes
}

/// Decodes `bytes` as each message type and feeds whatever decodes to `node`'s driver.
fn feed(sim: &mut Sim, node: usize, bytes: &[u8], rng: &mut ChaCha20Rng) {
    let now = sim.now;
    let terms = sim.nodes[node].driver.current().terms();
    let driver = &mut sim.nodes[node].driver;
    if let Ok(packet) = pb::GossipPacket::decode(bytes) {
        if let Ok(p) = dkg_wire::gossip_from_proto(&packet) {
            let _ = driver.handle(now, Event::Packet(p), rng);
        }
        if let Ok(p) = dkg_wire::joined_from_proto(&packet, terms.as_ref()) {
            let _ = driver.handle(now, Event::Joined(p), rng);
        }
    }
    if let Ok(packet) = pb::DkgPacket::decode(bytes)
        && let Ok(bundle) = dkg_wire::bundle_from_proto(&packet)
    {
        let _ = driver.handle(now, Event::Bundle(bundle), rng);
    }
    if let Ok(command) = pb::DkgCommand::decode(bytes) {
        // Operator commands go to a bystander only (a garbage `abort` is a real abort).
        let _ = dkg_wire::command_from_proto(&command);
    }
}

#[test]
fn garbage_dkg_messages_never_panic_nor_stop_an_honest_ceremony() {
    let seed = seed(77);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut sim = Sim::new(seed, Scheme::PedersenBlsChained, 4);
    let all = [0, 1, 2, 3];
    sim.init(0, &all, 3).unwrap();
    sim.wait(100);
    for i in 1..4 {
        sim.command(
            i,
            Command::Join {
                previous_group: None,
            },
        )
        .unwrap();
    }
    sim.wait(100);
    // Messages to mutate: the leader's proposal, and a well-formed deal bundle of another
    // session (a second valid deal of THIS session would be an equivocating dealer, which is
    // the DKG's byzantine tests' business, with relays delivered).
    let proposal = sim.nodes[0].driver.live_proposal(sim.now).unwrap();
    let proposal = dkg_wire::gossip_to_proto("default", &proposal).encode_to_vec();
    let node = &sim.nodes[1];
    let config = dkg_config(
        node.driver.config(),
        &node.secret,
        node.driver.current(),
        node.driver.finished(),
    )
    .unwrap();
    let mut config = config;
    config.nonce[0] ^= 1;
    let (_, outputs) = Dkg::new(config, sim.now, &mut rng).unwrap();
    let deal = outputs
        .iter()
        .find_map(|o| match o {
            DkgOutput::Broadcast(b) => Some(dkg_wire::bundle_to_proto(b).encode_to_vec()),
            _ => None,
        })
        .unwrap();
    for round in 0..1500 {
        let valid = if round % 2 == 0 { &proposal } else { &deal };
        let bytes = mutate(&mut rng, valid);
        feed(&mut sim, 1 + round % 3, &bytes, &mut rng);
    }
    // Honest run continues: execute, and garbage keeps coming while the DKG runs.
    sim.execute(0).unwrap();
    sim.wait(1_200);
    for round in 0..600 {
        let bytes = mutate(&mut rng, &deal);
        feed(&mut sim, 1 + round % 3, &bytes, &mut rng);
    }
    assert!(
        sim.run_until_complete(&all, 1, 60_000),
        "garbage disturbed the DKG"
    );
    sim.check_group(&all);
    assert_eq!(sim.status(2), Status::Complete);
    let _ = HOUR_MS;
}
