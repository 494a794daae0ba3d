//! A deterministic simulation of a drand group in one process: n nodes, each with its own
//! beacon [`Engine`](drand_node::engine::Engine), on a simulated clock and network (delay,
//! loss, partitions, clock skew), with a sync service, crashes and restarts, and byzantine
//! members. Every run is driven by one seed (printed; override with `SIM_SEED`).

#![allow(dead_code, unused_imports)]

pub mod byzantine;
pub mod network;
pub mod rng;
pub mod world;

pub use byzantine::Attack;
pub use world::{Expect, SimConfig, World};

/// The seed of a run: `SIM_SEED` if set, else `default`; printed so a failure can be replayed.
pub fn seed(name: &str, default: u64) -> u64 {
    let seed = std::env::var("SIM_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(default);
    println!("sim {name}: seed {seed} (replay with SIM_SEED={seed})");
    seed
}
