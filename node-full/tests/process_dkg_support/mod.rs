//! Helpers of `process_dkg.rs`: a `drand-node devnet` (real DKG, or the hidden trusted dealer
//! for tests that start from a dealt group) whose every process is killed on drop, and the
//! `drand-node dkg ...` commands run against it.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use drand_lite::{Beacon, ChainInfo};
use drand_node::files::{BeaconPaths, Group};

use crate::cli_support::{Devnet, Output, http_get, run, wait_for_or};

/// The beacon ID every devnet here runs.
pub const ID: &str = "default";

/// How the devnet gets its first group.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    /// `drand-node devnet` runs the DKG (node 0 leads).
    Dkg,
    /// `--insecure-trusted-dealer`: a dealt group and share, no DKG state (the v1 layout).
    TrustedDealer,
}

/// A running devnet (period 1 s; `cli_support::Devnet`, which kills the devnet, its nodes and
/// every extra process on drop, also when the test fails) with its chain pinned.
pub struct Net {
    devnet: Devnet,
    pub http: String,
    pub info: ChainInfo,
}

impl std::ops::Deref for Net {
    type Target = Devnet;
    fn deref(&self) -> &Devnet {
        &self.devnet
    }
}

impl std::ops::DerefMut for Net {
    fn deref_mut(&mut self) -> &mut Devnet {
        &mut self.devnet
    }
}

impl Net {
    /// Starts `drand-node devnet` with `nodes` nodes and threshold `threshold` and waits for
    /// its devnet.json (written once a beacon verified).
    pub fn start(nodes: u32, threshold: u32, setup: Setup) -> Net {
        let mut extra = vec!["--genesis-delay", "3"];
        if setup == Setup::TrustedDealer {
            extra.push("--insecure-trusted-dealer");
        }
        let devnet = Devnet::start_with(nodes, threshold, "bls-unchained-g1-rfc9380", &extra);
        let http = devnet.doc["http"].as_str().unwrap().to_owned();
        let (status, info) = http_get(&format!("{http}/info")).unwrap();
        assert_eq!(status, 200, "{info}");
        let info = ChainInfo::pinned(&info, &devnet.chain_hash)
            .expect("the served chain info has the announced hash");
        Net { devnet, http, info }
    }

    /// The devnet's test CA (for `generate-proposal --tls-ca`).
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("net/ca/ca.pem")
    }

    /// The tails of the devnet's log and of every node's (found in the folder, so this works
    /// before devnet.json too), for failure messages.
    pub fn logs(&self) -> String {
        fn tail(text: &str, n: usize) -> String {
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(n)..].join("\n")
        }
        let net = self.dir.path().join("net");
        let mut out = tail(
            &std::fs::read_to_string(self.dir.path().join("devnet.log")).unwrap_or_default(),
            20,
        );
        for i in 0.. {
            let folder = net.join(format!("node{i}"));
            if !folder.exists() {
                break;
            }
            let log = std::fs::read_to_string(folder.join("node.log")).unwrap_or_default();
            out.push_str(&format!("\n--- node{i}/node.log\n{}", tail(&log, 12)));
        }
        out
    }

    /// Node `i`'s group file as it is on disk now.
    pub fn group(&self, i: usize) -> Group {
        let paths = BeaconPaths::new(&self.nodes[i].folder, ID).unwrap();
        Group::read(&paths.group_file()).unwrap()
    }

    /// The latest round `base` serves, verified against the pinned chain.
    pub fn latest(&self, base: &str) -> Option<u64> {
        let (status, body) = http_get(&format!("{base}/public/latest"))?;
        if status != 200 {
            return None;
        }
        let beacon = Beacon::from_json(&body).ok()?;
        Some(
            drand_lite::verify(&self.info, &beacon)
                .expect("served beacons verify against the pinned chain")
                .round(),
        )
    }

    /// Waits until `base` serves round `round` or later.
    #[track_caller]
    pub fn wait_round(&self, base: &str, round: u64, within: Duration) -> u64 {
        wait_for_or(
            &format!("round {round} at {base}"),
            within,
            || self.latest(base).filter(|r| *r >= round),
            || self.logs(),
        )
    }

    /// Fetches rounds `from..=to` from `base` and verifies each against the pinned chain.
    #[track_caller]
    pub fn check_rounds(&self, base: &str, from: u64, to: u64) {
        for round in from..=to {
            let (status, body) = http_get(&format!("{base}/public/{round}")).unwrap();
            assert_eq!(status, 200, "round {round} at {base}: {body}");
            let beacon = Beacon::from_json(&body).unwrap();
            let verified = drand_lite::verify(&self.info, &beacon)
                .unwrap_or_else(|e| panic!("round {round} at {base} does not verify: {e}"));
            assert_eq!(verified.round(), round);
        }
    }
}

/// `drand-node dkg ARGS`, killed after 60 s.
pub fn dkg(args: &[&str]) -> Output {
    let mut all = vec!["dkg"];
    all.extend_from_slice(args);
    run(&all, Duration::from_secs(60))
}

/// `drand-node dkg ARGS`, which must succeed.
#[track_caller]
pub fn dkg_ok(args: &[&str]) -> Output {
    let out = dkg(args);
    out.assert_ok();
    out
}

/// `drand-node dkg status --json` of the node at `control`.
#[track_caller]
pub fn status_json(control: &str) -> serde_json::Value {
    let out = dkg_ok(&["status", "--control", control, "--json"]);
    serde_json::from_str(out.stdout.trim())
        .unwrap_or_else(|e| panic!("dkg status --json printed no JSON ({e}):\n{}", out.both()))
}
