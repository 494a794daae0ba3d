//! Helpers of `process_dkg.rs`: a `drand-node devnet` (real DKG, or the hidden trusted dealer
//! for tests that start from a dealt group) whose every process is killed on drop, and the
//! `drand-node dkg ...` commands run against it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use drand_lite::{Beacon, ChainInfo};
use drand_node::files::{BeaconPaths, Group};

use crate::cli_support::{NODE, NodeInfo, Output, http_get, process_gone, run, wait_for_or};

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

/// A running devnet (period 1 s); the devnet, its nodes and every extra process are killed
/// on drop, also when the test fails.
pub struct Net {
    pub dir: tempfile::TempDir,
    child: Child,
    node_pids: Vec<u32>,
    extra: Vec<Child>,
    pub chain_hash: String,
    pub http: String,
    pub info: ChainInfo,
    pub nodes: Vec<NodeInfo>,
}

/// The pids whose parent is `parent` (the devnet's nodes, before devnet.json lists them).
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    let (_, rest) = stat.rsplit_once(") ")?;
                    rest.split(' ').nth(1)?.parse::<u32>().ok()
                })
                == Some(parent)
        })
        .collect()
}

fn signal(sig: &str, pid: u32) {
    let _ = Command::new("kill")
        .args([sig, &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

impl Net {
    /// Starts `drand-node devnet` with `nodes` nodes and threshold `threshold` and waits for
    /// its devnet.json (written once a beacon verified).
    pub fn start(nodes: u32, threshold: u32, setup: Setup) -> Net {
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("devnet.log")).unwrap();
        let mut command = Command::new(NODE);
        command
            .args(["devnet", "--nodes", &nodes.to_string()])
            .args(["--threshold", &threshold.to_string()])
            .args(["--period", "1", "--scheme", "bls-unchained-g1-rfc9380"])
            .args(["--genesis-delay", "3", "--http", "127.0.0.1:0", "--dir"])
            .arg(dir.path().join("net"));
        if setup == Setup::TrustedDealer {
            command.arg("--insecure-trusted-dealer");
        }
        let child = command
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start the devnet");
        let mut net = Net {
            dir,
            child,
            node_pids: Vec::new(),
            extra: Vec::new(),
            chain_hash: String::new(),
            http: String::new(),
            info: ChainInfo::from_json(include_str!("../../../examples/quicknet/info.json"))
                .unwrap(),
            nodes: Vec::new(),
        };
        let path = net.dir.path().join("net/devnet.json");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !path.exists() {
            assert!(
                Instant::now() < deadline,
                "devnet.json was not written in 60 s:\n{}",
                net.logs()
            );
            assert!(
                matches!(net.child.try_wait(), Ok(None)),
                "the devnet exited before writing devnet.json:\n{}",
                net.logs()
            );
            // Remember the node pids early so a failing start-up still kills them.
            net.node_pids = children_of(net.child.id());
            std::thread::sleep(Duration::from_millis(100));
        }
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        net.chain_hash = doc["chain_hash"].as_str().unwrap().to_owned();
        net.http = doc["http"].as_str().unwrap().to_owned();
        net.nodes = doc["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| NodeInfo {
                pid: u32::try_from(n["pid"].as_u64().unwrap()).unwrap(),
                address: n["address"].as_str().unwrap().to_owned(),
                control: n["control"].as_str().unwrap().to_owned(),
                folder: PathBuf::from(n["folder"].as_str().unwrap()),
                public: n["public"].as_str().unwrap().to_owned(),
                metrics: n["metrics"].as_str().unwrap().to_owned(),
                start: n["start"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_owned())
                    .collect(),
            })
            .collect();
        net.node_pids = net.nodes.iter().map(|n| n.pid).collect();
        let (status, info) = http_get(&format!("{}/info", net.http)).unwrap();
        assert_eq!(status, 200, "{info}");
        net.info = ChainInfo::pinned(&info, &net.chain_hash)
            .expect("the served chain info has the announced hash");
        net
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

    /// Starts `drand-node ARGS` as an extra process (killed on drop), logging to `log`.
    pub fn spawn_extra(&mut self, args: &[String], log: &Path) -> u32 {
        let log = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(log)
            .unwrap();
        let child = Command::new(NODE)
            .args(args)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        let pid = child.id();
        self.extra.push(child);
        pid
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

    /// Ctrl-C to the devnet, then kills whatever is left and waits for the nodes to go.
    pub fn stop(&mut self) {
        signal("-INT", self.child.id());
        let deadline = Instant::now() + Duration::from_secs(15);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        for child in &mut self.extra {
            let _ = child.kill();
            let _ = child.wait();
        }
        for pid in &self.node_pids {
            if !process_gone(*pid) {
                signal("-9", *pid);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.node_pids.iter().all(|p| process_gone(*p)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        self.stop();
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
