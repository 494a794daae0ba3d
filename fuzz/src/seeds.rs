//! The seed corpus, `fuzz/seeds/<target>/<name>`, derived from the fixtures: genuine chain info
//! and beacons, their raw keys and signatures, and a few classic near misses; for the node
//! targets, genuine gRPC messages of the dealt groups ([`crate::node`]), HTTP requests for every
//! route, and real and generated node files.
//!
//! The committed files are checked against this generator by its test; to rewrite them:
//!
//! ```sh
//! DRAND_FUZZ_WRITE_SEEDS=1 cargo test --manifest-path fuzz/Cargo.toml --lib
//! ```

use drand_lite::encoding::MODULUS;
use drand_lite::{Beacon, ChainInfo};

use crate::fixtures::{ALL, Fixture};

/// One seed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// The fuzz target whose corpus it seeds.
    pub target: &'static str,
    /// The file name.
    pub name: String,
    /// The content.
    pub bytes: Vec<u8>,
}

pub(crate) fn seed(
    target: &'static str,
    name: impl Into<String>,
    bytes: impl Into<Vec<u8>>,
) -> Seed {
    Seed {
        target,
        name: name.into(),
        bytes: bytes.into(),
    }
}

fn beacons(fixture: &Fixture) -> Vec<Beacon> {
    fixture
        .beacons
        .iter()
        .map(|json| Beacon::from_json(json).expect("fixture beacon parses"))
        .collect()
}

/// A compressed encoding of `len` bytes (48 or 96) with only the given first byte set.
fn flagged_zeros(first: u8, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    out[0] = first;
    out
}

/// A compressed encoding whose x coordinate (or x.c1, then x.c0 = 0) is exactly p.
fn x_equals_p(len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    out[..MODULUS.len()].copy_from_slice(&MODULUS);
    out[0] |= 0x80;
    out
}

/// Every seed, in a stable order.
pub fn all() -> Vec<Seed> {
    let mut out = Vec::new();
    for fixture in ALL {
        let name = fixture.name;
        let info =
            ChainInfo::pinned(fixture.chain_json, fixture.chain_hash).expect("fixture chain pins");
        let genuine = beacons(&fixture);
        let sig_len = info.scheme().signature_len();

        // beacon_json: genuine v1 beacons, then near misses of the first one.
        for (json, beacon) in fixture.beacons.iter().zip(&genuine) {
            out.push(seed(
                "beacon_json",
                format!("{name}-r{}", beacon.round),
                *json,
            ));
        }
        let first = &genuine[0];
        let v2 = Beacon {
            randomness: None,
            ..first.clone()
        };
        out.push(seed("beacon_json", format!("{name}-v2"), v2.to_json()));
        let round_zero = Beacon {
            round: 0,
            ..v2.clone()
        };
        out.push(seed(
            "beacon_json",
            format!("{name}-round0"),
            round_zero.to_json(),
        ));
        let identity = Beacon {
            signature: flagged_zeros(0xc0, sig_len),
            ..v2.clone()
        };
        out.push(seed(
            "beacon_json",
            format!("{name}-identity-sig"),
            identity.to_json(),
        ));
        let mut flipped = v2.clone();
        if let Some(last) = flipped.signature.last_mut() {
            *last ^= 1;
        }
        out.push(seed(
            "beacon_json",
            format!("{name}-flipped-sig"),
            flipped.to_json(),
        ));

        // chain_info_json: v1 as served, v2 as drand-lite writes it, and v1 with a pin.
        out.push(seed(
            "chain_info_json",
            format!("{name}-v1"),
            fixture.chain_json,
        ));
        out.push(seed(
            "chain_info_json",
            format!("{name}-v2"),
            info.to_v2_json(),
        ));
        out.push(seed(
            "chain_info_json",
            format!("{name}-pinned"),
            format!("{}\0{}", fixture.chain_json, fixture.chain_hash),
        ));

        // point_decoding: the raw public key and signatures.
        out.push(seed(
            "point_decoding",
            format!("{name}-public-key"),
            info.public_key(),
        ));
        for beacon in &genuine {
            out.push(seed(
                "point_decoding",
                format!("{name}-r{}-signature", beacon.round),
                beacon.signature.clone(),
            ));
        }
    }
    for (group, len) in [("g1", 48), ("g2", 96)] {
        out.push(seed(
            "point_decoding",
            format!("{group}-identity"),
            flagged_zeros(0xc0, len),
        ));
        out.push(seed(
            "point_decoding",
            format!("{group}-x-equals-p"),
            x_equals_p(len),
        ));
    }
    crate::node_seeds::grpc_messages(&mut out);
    crate::node_seeds::http_routes(&mut out);
    crate::node_seeds::node_files(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use super::*;

    const TARGETS: [&str; 6] = [
        "beacon_json",
        "chain_info_json",
        "point_decoding",
        "grpc_messages",
        "http_routes",
        "node_files",
    ];

    fn seeds_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds")
    }

    fn on_disk(target: &str) -> BTreeMap<String, Vec<u8>> {
        let dir = seeds_dir().join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return BTreeMap::new();
        };
        entries
            .map(|e| e.expect("readable seeds dir").path())
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&p).expect("readable seed"))
            })
            .collect()
    }

    #[test]
    fn committed_seeds_match_the_generator() {
        let seeds = all();
        if std::env::var_os("DRAND_FUZZ_WRITE_SEEDS").is_some() {
            for target in TARGETS {
                let dir = seeds_dir().join(target);
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir).unwrap();
            }
            for s in &seeds {
                std::fs::write(seeds_dir().join(s.target).join(&s.name), &s.bytes).unwrap();
            }
        }
        for target in TARGETS {
            let want: BTreeMap<String, Vec<u8>> = seeds
                .iter()
                .filter(|s| s.target == target)
                .map(|s| (s.name.clone(), s.bytes.clone()))
                .collect();
            assert!(!want.is_empty(), "no seeds for {target}");
            assert!(
                on_disk(target) == want,
                "fuzz/seeds/{target} is stale; rerun with DRAND_FUZZ_WRITE_SEEDS=1"
            );
        }
    }

    #[test]
    fn fixtures_verify() {
        for chain in crate::chains() {
            assert_eq!(chain.beacons.len(), 3, "{}", chain.name);
        }
    }
}
