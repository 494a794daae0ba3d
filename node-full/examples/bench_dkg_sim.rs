//! One-process DKG simulation benchmark: fresh DKGs of n = 4, 16, 64 and 128 nodes and
//! reshares of 4, 16 and 64 (a quarter of the group leaves, as many join), printing the wall
//! time of the whole simulation (all n nodes run on one core, so a real node's share of it
//! is about 1/n) and the bytes each node sends (the protobuf size of every copy of every
//! bundle, echo-broadcast relays included when `--relay` is given).
//!
//! Run it optimized:
//!
//! ```text
//! cargo run --release -p drand-node --example bench_dkg_sim -- [--scheme ID] [--sizes 4,16,64,128] [--reshare 4,16,64] [--relay] [--seed N]
//! ```
//!
//! `--scheme` takes a drand scheme ID (default `pedersen-bls-unchained`; the others are
//! `pedersen-bls-chained`, `bls-unchained-on-g1`, `bls-unchained-g1-rfc9380` and
//! `bls-bn254-unchained-on-g1`).

#[path = "../tests/dkg_sim/mod.rs"]
mod dkg_sim;

use std::time::Instant;

use dkg_sim::{Sim, check_group, default_threshold, fresh_configs, keys, reshare_configs};
use drand_lite::Scheme;
use drand_node::crypto::SecretKey;

struct Options {
    scheme: Scheme,
    sizes: Vec<usize>,
    reshare: Vec<usize>,
    relay: bool,
    seed: u64,
}

fn parse_list(value: &str) -> Result<Vec<usize>, String> {
    value
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| format!("not a size: {s}")))
        .collect()
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        scheme: Scheme::PedersenBlsUnchained,
        sizes: vec![4, 16, 64, 128],
        reshare: vec![4, 16, 64],
        relay: false,
        seed: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--scheme" => {
                let id = value()?;
                o.scheme = Scheme::from_id(&id).ok_or(format!("unknown scheme {id}"))?;
            }
            "--sizes" => o.sizes = parse_list(&value()?)?,
            "--reshare" => o.reshare = parse_list(&value()?)?,
            "--seed" => o.seed = value()?.parse().map_err(|_| "bad seed".to_string())?,
            "--relay" => o.relay = true,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

fn report(kind: &str, n: usize, sim: &Sim, elapsed: std::time::Duration) {
    let senders: Vec<usize> = sim.bytes_sent.iter().copied().filter(|b| *b > 0).collect();
    let avg = senders.iter().sum::<usize>() / senders.len().max(1);
    let max = senders.iter().copied().max().unwrap_or(0);
    println!(
        "{kind:>8} n={n:<4} wall {:>9.3} s   bytes sent per node: avg {avg:>10} max {max:>10}   deliveries {}",
        elapsed.as_secs_f64(),
        sim.delivered
    );
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    println!(
        "scheme {}, relay {}, seed {} (times are for all n nodes in one process)",
        o.scheme, o.relay, o.seed
    );
    for &n in &o.sizes {
        let t = default_threshold(n);
        let keys = keys(o.scheme, n, o.seed);
        let configs = fresh_configs(o.scheme, &keys, t, o.seed);
        let start = Instant::now();
        let mut sim = Sim::start(
            configs.into_iter().map(Some).collect(),
            o.seed,
            o.relay,
            None,
        );
        sim.run();
        let elapsed = start.elapsed();
        let all: Vec<usize> = (0..n).collect();
        check_group(&sim.ok(&all), t, None);
        report("fresh", n, &sim, elapsed);
    }
    for &n in &o.reshare {
        let t = default_threshold(n);
        let old_keys = keys(o.scheme, n, o.seed);
        let configs = fresh_configs(o.scheme, &old_keys, t, o.seed);
        let mut sim = Sim::start(configs.into_iter().map(Some).collect(), o.seed, false, None);
        sim.run();
        let all: Vec<usize> = (0..n).collect();
        let old_results: Vec<_> = sim.ok(&all).into_iter().map(Some).collect();
        // A quarter leaves, as many join.
        let moved = (n / 4).max(1);
        let joiners = keys(o.scheme, moved, o.seed + 1000);
        let mut new_keys: Vec<_> = old_keys[moved..].to_vec();
        new_keys.extend(joiners);
        new_keys.sort_by_cached_key(SecretKey::public_key);
        let plan = reshare_configs(o.scheme, &old_keys, &old_results, &new_keys, t, o.seed + 1);
        let start = Instant::now();
        let mut sim = Sim::start(
            plan.configs.into_iter().map(Some).collect(),
            o.seed,
            o.relay,
            None,
        );
        sim.run();
        let elapsed = start.elapsed();
        let members: Vec<usize> = (0..plan.new_pos.len()).collect();
        let results = sim.ok(&members);
        let holders: Vec<_> = results
            .iter()
            .filter(|r| r.share.is_some())
            .cloned()
            .collect();
        check_group(&holders, t, None);
        assert_eq!(
            holders[0].public.public_key(),
            old_results[0]
                .as_ref()
                .map(|r| r.public.public_key())
                .unwrap_or_default()
        );
        report("reshare", n, &sim, elapsed);
    }
}
