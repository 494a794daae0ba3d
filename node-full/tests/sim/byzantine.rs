//! Byzantine group members: they hold a real share but send only attacks.

use drand_node::engine::PartialPacket;
use rand_core::RngCore;

use super::world::World;

/// One kind of misbehaviour, repeated every round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attack {
    /// A well-formed partial with the right index over the wrong message.
    InvalidPartial,
    /// A valid partial for a round three ahead of the clock.
    FutureRound,
    /// Its own signature under another member's index.
    WrongIndex,
    /// An index no member has.
    UnknownIndex,
    /// Everything it received lately, sent again.
    Replay,
    /// Many packets per round: valid partials over made-up previous signatures (chained) or
    /// repeats of its partial, and random bytes under its index.
    Flood(usize),
}

/// The packets byzantine node `b` sends this round, per target.
pub fn act(world: &mut World, b: usize) -> Vec<(usize, PartialPacket)> {
    let scheme = world.info.scheme();
    let n = world.nodes.len();
    let (last_round, last_sig) = match world.agreed.iter().next_back() {
        Some((r, s)) => (*r, s.clone()),
        None => (0, world.nodes[b].chain[0].signature.clone()),
    };
    let next = last_round + 1;
    let current = world.current_round();
    let share = world.nodes[b].share.clone();
    let own = share.index() as u16;
    let sign = |round: u64, prev: &[u8]| share.partial_sign(&scheme.digest(round, Some(prev)));
    let packet = |round: u64, prev: &[u8], partial: Vec<u8>| PartialPacket {
        round,
        previous_signature: prev.to_vec(),
        partial_sig: partial,
    };
    let attacks = world.nodes[b].attacks.clone();
    let seen: Vec<PartialPacket> = world.nodes[b].seen.iter().cloned().collect();
    let mut out = Vec::new();
    let targets: Vec<usize> = (0..n)
        .filter(|&j| j != b && world.nodes[j].attacks.is_empty())
        .collect();
    for to in targets {
        for attack in &attacks {
            match *attack {
                Attack::InvalidPartial => {
                    let mut p = sign(next + 1000, &last_sig);
                    p[..2].copy_from_slice(&own.to_be_bytes());
                    out.push((to, packet(next, &last_sig, p)));
                }
                Attack::FutureRound => {
                    let round = current + 3;
                    out.push((to, packet(round, &last_sig, sign(round, &last_sig))));
                }
                Attack::WrongIndex => {
                    let other = (0..n as u16)
                        .find(|&k| k != own && usize::from(k) != to)
                        .unwrap();
                    let mut p = sign(next, &last_sig);
                    p[..2].copy_from_slice(&other.to_be_bytes());
                    out.push((to, packet(next, &last_sig, p)));
                }
                Attack::UnknownIndex => {
                    let mut p = sign(next, &last_sig);
                    p[..2].copy_from_slice(&(n as u16 + 10).to_be_bytes());
                    out.push((to, packet(next, &last_sig, p)));
                }
                Attack::Replay => {
                    out.extend(seen.iter().map(|p| (to, p.clone())));
                }
                Attack::Flood(count) => {
                    for k in 0..count {
                        if scheme.is_chained() {
                            // Distinct buckets for the round after next, each a valid partial.
                            let mut prev = vec![0u8; scheme.signature_len()];
                            world.rng().fill_bytes(&mut prev);
                            out.push((to, packet(next + 1, &prev, sign(next + 1, &prev))));
                        } else if k % 2 == 0 {
                            out.push((to, packet(next, &last_sig, sign(next, &last_sig))));
                        } else {
                            let mut p = vec![0u8; scheme.signature_len() + 2];
                            world.rng().fill_bytes(&mut p);
                            p[..2].copy_from_slice(&own.to_be_bytes());
                            out.push((to, packet(next, &last_sig, p)));
                        }
                    }
                }
            }
        }
    }
    out
}
