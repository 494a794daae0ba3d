//! Arbitrary bytes as every DKG wire message a node receives — `dkg.GossipPacket` (proposal,
//! accept, reject, execute, abort; and as our joined notice), `dkg.DKGPacket` (deal, response,
//! justification bundles) and `dkg.DKGCommand` — decoded with prost, converted by the daemon's
//! wire module and applied to a real ceremony driver of a 4-node first ceremony: one waiting for
//! execution (selector byte even) or one whose DKG runs (odd), then ticked through the phase
//! timeouts. Nothing may panic, and the state must still serialise and read back.
#![no_main]

use drand_lite_fuzz::dkg::{ceremony, feed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((selector, bytes)) = data.split_first() else {
        return;
    };
    let (mut driver, now) = ceremony().driver(selector % 2 == 1);
    feed(&mut driver, now, bytes);
});
