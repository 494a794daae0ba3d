//! Multi-process test on loopback with real TLS: `drand-node devnet` with 4 nodes and t = 3
//! produces verified beacons; one node killed → the chain continues; two killed → it halts
//! without producing anything invalid; the two restarted → they catch up and the chain resumes;
//! Ctrl-C stops everything.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use drand_lite::{Beacon, ChainInfo};

mod cli_support;

use cli_support::{NODE, http_get as get};

struct Devnet {
    child: Child,
    doc: serde_json::Value,
    http: String,
    info: ChainInfo,
    extra: Vec<Child>,
}

impl Drop for Devnet {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        for child in &mut self.extra {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(nodes) = self.doc["nodes"].as_array() {
            for node in nodes {
                if let Some(pid) = node["pid"].as_u64() {
                    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
                }
            }
        }
    }
}

fn start_devnet(dir: &Path, nodes: u32, threshold: u32, scheme: &str) -> Devnet {
    let child = Command::new(NODE)
        .args([
            "devnet",
            "--nodes",
            &nodes.to_string(),
            "--threshold",
            &threshold.to_string(),
        ])
        .args(["--period", "1", "--scheme", scheme, "--genesis-delay", "2"])
        .args(["--http", "127.0.0.1:0", "--dir"])
        .arg(dir)
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the devnet");
    let path = dir.join("devnet.json");
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut devnet = Devnet {
        child,
        doc: serde_json::Value::Null,
        http: String::new(),
        info: ChainInfo::from_json(include_str!("../../examples/quicknet/info.json")).unwrap(),
        extra: Vec::new(),
    };
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "devnet.json was not written in 90 s"
        );
        assert!(
            matches!(devnet.child.try_wait(), Ok(None)),
            "the devnet exited before writing devnet.json"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    devnet.doc = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    devnet.http = devnet.doc["http"].as_str().unwrap().to_owned();
    let hash = devnet.doc["chain_hash"].as_str().unwrap().to_owned();
    let (status, info) = get(&format!("{}/info", devnet.http)).unwrap();
    assert_eq!(status, 200);
    devnet.info =
        ChainInfo::pinned(&info, &hash).expect("the served chain info has the pinned hash");
    devnet
}

/// The latest round served by `base`, verified.
fn latest(base: &str, info: &ChainInfo) -> Option<u64> {
    let (status, body) = get(&format!("{base}/public/latest"))?;
    if status != 200 {
        return None;
    }
    let beacon = Beacon::from_json(&body).ok()?;
    Some(
        drand_lite::verify(info, &beacon)
            .expect("served beacons verify")
            .round(),
    )
}

fn wait_round(base: &str, info: &ChainInfo, round: u64, within: Duration) -> u64 {
    let deadline = Instant::now() + within;
    loop {
        if let Some(r) = latest(base, info)
            && r >= round
        {
            return r;
        }
        assert!(
            Instant::now() < deadline,
            "round {round} not reached at {base} within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn kill(pid: u64) {
    assert!(
        Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

fn current_round(info: &ChainInfo) -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    drand_lite::round_at(info, now).unwrap()
}

/// Every round from 1 to `to` is served, verifies and (for chained schemes) links.
fn check_chain(base: &str, info: &ChainInfo, to: u64) {
    let mut previous: Option<Vec<u8>> = None;
    for round in 1..=to {
        let (status, body) = get(&format!("{base}/public/{round}")).unwrap();
        assert_eq!(status, 200, "round {round}: {body}");
        let beacon = Beacon::from_json(&body).unwrap();
        let verified = drand_lite::verify(info, &beacon).unwrap();
        if info.scheme().is_chained() && round > 1 {
            assert_eq!(
                verified.previous_signature(),
                previous.as_deref(),
                "round {round} links"
            );
        }
        previous = Some(verified.signature().to_vec());
    }
}

#[test]
fn four_nodes_continue_with_one_down_halt_with_two_and_catch_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut devnet = start_devnet(dir.path(), 4, 3, "bls-unchained-g1-rfc9380");
    let (http, info) = (devnet.http.clone(), devnet.info.clone());
    let first = wait_round(&http, &info, 2, Duration::from_secs(20));
    println!("beacons flow: round {first}");

    let nodes = devnet.doc["nodes"].as_array().unwrap().clone();
    kill(nodes[3]["pid"].as_u64().unwrap());
    let after_one = wait_round(
        &http,
        &info,
        current_round(&info) + 2,
        Duration::from_secs(10),
    );
    println!("one node down: the chain continues to round {after_one}");

    kill(nodes[2]["pid"].as_u64().unwrap());
    std::thread::sleep(Duration::from_millis(1500));
    let halted_at = latest(&http, &info).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let still = latest(&http, &info).unwrap();
    assert!(
        still <= halted_at + 1,
        "two of four down (t = 3): halted at {halted_at}, saw {still}"
    );
    println!("two nodes down: halted at round {still}");

    for node in &nodes[2..4] {
        let args: Vec<String> = node["start"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect();
        let log = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(Path::new(node["folder"].as_str().unwrap()).join("node.log"))
            .unwrap();
        let child = Command::new(NODE)
            .args(&args)
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        devnet.extra.push(child);
    }
    let target = current_round(&info);
    let resumed = wait_round(&http, &info, target, Duration::from_secs(30));
    println!("restarted: the chain resumed and caught up to round {resumed}");
    check_chain(&http, &info, resumed);
    // A restarted node synced the rounds it missed.
    let restarted = nodes[3]["public"].as_str().unwrap();
    wait_round(restarted, &info, resumed, Duration::from_secs(20));
    check_chain(restarted, &info, resumed);

    // Ctrl-C stops the devnet and every node it started.
    let devnet_pid = devnet.child.id();
    assert!(
        Command::new("kill")
            .args(["-INT", &devnet_pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = devnet.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the devnet did not stop within 15 s of Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "devnet exit status {status}");
    for node in &nodes[0..2] {
        let pid = node["pid"].as_u64().unwrap();
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists()
                || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .map(|s| s.contains(") Z "))
                    .unwrap_or(true),
            "node {pid} still runs after the devnet stopped"
        );
    }
}
