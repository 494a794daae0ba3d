//! Shared helpers of the `cli_*` tests: run the real `drand-node` binary with a deadline, and
//! a `drand-node devnet` on loopback with real TLS whose every process is killed on drop (also
//! when the test fails).

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub const NODE: &str = env!("CARGO_BIN_EXE_drand-node");

/// What a finished command printed.
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Both streams, for assertion messages.
    pub fn both(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code(),
            self.stdout,
            self.stderr
        )
    }

    /// Failed with `code`, said something, and did not panic.
    #[track_caller]
    pub fn assert_fails(&self, code: i32) {
        assert_eq!(self.code(), Some(code), "{}", self.both());
        assert_no_panic(&self.stderr);
        assert!(
            self.stderr.contains("error"),
            "no error message: {}",
            self.both()
        );
    }

    #[track_caller]
    pub fn assert_ok(&self) {
        assert_eq!(self.code(), Some(0), "{}", self.both());
        assert_no_panic(&self.stderr);
    }
}

#[track_caller]
pub fn assert_no_panic(stderr: &str) {
    assert!(
        !stderr.contains("panicked"),
        "the process panicked:\n{stderr}"
    );
    assert!(
        !stderr.contains("stack backtrace"),
        "the process printed a backtrace:\n{stderr}"
    );
}

/// Runs `drand-node ARGS` with `stdin` as its input; kills it after `within`.
pub fn run_with_stdin(args: &[&str], stdin: &str, within: Duration) -> Output {
    let mut child = Command::new(NODE)
        .args(args)
        .env("RUST_LOG", "info")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn drand-node");
    if let Some(mut input) = child.stdin.take() {
        use std::io::Write as _;
        let _ = input.write_all(stdin.as_bytes());
    }
    wait_output(child, within, &args.join(" "))
}

/// Runs `drand-node ARGS` (no input); kills it after `within`.
pub fn run(args: &[&str], within: Duration) -> Output {
    run_with_stdin(args, "", within)
}

/// Waits for `child` (whose stdout/stderr are piped) and collects its output; kills it and
/// fails the test after `within`.
pub fn wait_output(mut child: Child, within: Duration, what: &str) -> Output {
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + within;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = err_reader.join().unwrap_or_default();
            panic!("`drand-node {what}` did not finish within {within:?}; stderr:\n{stderr}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    }
}

/// Polls `f` every 100 ms until it returns `Some`, failing the test after `within`.
#[track_caller]
pub fn wait_for<T>(what: &str, within: Duration, f: impl FnMut() -> Option<T>) -> T {
    wait_for_or(what, within, f, String::new)
}

/// [`wait_for`], adding `context()` (e.g. a log) to the failure message.
#[track_caller]
pub fn wait_for_or<T>(
    what: &str,
    within: Duration,
    mut f: impl FnMut() -> Option<T>,
    context: impl FnOnce() -> String,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = f() {
            return v;
        }
        if Instant::now() > deadline {
            panic!("{what}: not within {within:?}\n{}", context());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// GET `url`: status and body.
pub fn http_get(url: &str) -> Option<(u16, String)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    rt.block_on(async {
        let response = reqwest::Client::new()
            .get(url)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .ok()?;
        let status = response.status().as_u16();
        Some((status, response.text().await.ok()?))
    })
}

/// One gauge of a node's Prometheus metrics (`name{beacon_id="default"}`).
pub fn metric(metrics_base: &str, name: &str) -> Option<u64> {
    let (status, body) = http_get(&format!("{metrics_base}/metrics"))?;
    if status != 200 {
        return None;
    }
    let prefix = format!("{name}{{beacon_id=\"default\"}} ");
    body.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .and_then(|v| v.trim().parse().ok())
}

/// One node as devnet.json describes it.
#[derive(Clone, Debug)]
pub struct NodeInfo {
    pub pid: u32,
    pub address: String,
    pub control: String,
    pub folder: PathBuf,
    pub public: String,
    pub metrics: String,
    pub start: Vec<String>,
}

impl NodeInfo {
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.folder.join("node.log")).unwrap_or_default()
    }

    /// `drand-node status --control C --json`'s last stored round.
    pub fn last_stored(&self) -> Option<u64> {
        let out = run(
            &["status", "--control", &self.control, "--json"],
            Duration::from_secs(20),
        );
        if out.code() != Some(0) {
            return None;
        }
        let doc: serde_json::Value = serde_json::from_str(out.stdout.trim()).ok()?;
        doc["last_stored"].as_u64()
    }
}

/// Whether process `pid` is gone (or a zombie waiting for its parent).
pub fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
    }
}

/// The pids whose parent is `parent`.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .is_some_and(|stat| {
                    stat.rsplit_once(") ")
                        .and_then(|(_, rest)| rest.split(' ').nth(1)?.parse::<u32>().ok())
                        == Some(parent)
                })
        })
        .collect()
}

fn signal(sig: &str, pid: u32) {
    let _ = Command::new("kill")
        .args([sig, &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// A running `drand-node devnet` (period 1 s); every process it or the test started is killed
/// on drop.
pub struct Devnet {
    pub dir: tempfile::TempDir,
    child: Child,
    node_pids: Vec<u32>,
    pub extra: Vec<Child>,
    pub chain_hash: String,
    pub ca: PathBuf,
    pub nodes: Vec<NodeInfo>,
    pub doc: serde_json::Value,
}

impl Devnet {
    /// Starts `drand-node devnet` and waits for its devnet.json (written once a beacon verified).
    pub fn start(nodes: u32, threshold: u32, scheme: &str) -> Devnet {
        Devnet::start_with(nodes, threshold, scheme, &["--genesis-delay", "2"])
    }

    /// [`Devnet::start`] with more `drand-node devnet` arguments.
    pub fn start_with(nodes: u32, threshold: u32, scheme: &str, extra: &[&str]) -> Devnet {
        let dir = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(dir.path().join("devnet.log")).unwrap();
        let child = Command::new(NODE)
            .args([
                "devnet",
                "--nodes",
                &nodes.to_string(),
                "--threshold",
                &threshold.to_string(),
            ])
            .args(["--period", "1", "--scheme", scheme])
            .args(extra)
            .args(["--http", "127.0.0.1:0", "--dir"])
            .arg(dir.path().join("net"))
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start the devnet");
        let mut devnet = Devnet {
            ca: dir.path().join("net/ca/ca.pem"),
            dir,
            child,
            node_pids: Vec::new(),
            extra: Vec::new(),
            chain_hash: String::new(),
            nodes: Vec::new(),
            doc: serde_json::Value::Null,
        };
        let path = devnet.net().join("devnet.json");
        let deadline = Instant::now() + Duration::from_secs(90);
        while !path.exists() {
            let log =
                std::fs::read_to_string(devnet.dir.path().join("devnet.log")).unwrap_or_default();
            assert!(
                Instant::now() < deadline,
                "devnet.json was not written in 90 s:\n{log}"
            );
            assert!(
                matches!(devnet.child.try_wait(), Ok(None)),
                "the devnet exited before writing devnet.json:\n{log}"
            );
            // Remember the node pids early so a failing start-up still kills them.
            devnet.node_pids = children_of(devnet.child.id());
            std::thread::sleep(Duration::from_millis(100));
        }
        devnet.doc = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        devnet.chain_hash = devnet.doc["chain_hash"].as_str().unwrap().to_owned();
        devnet.nodes = devnet.doc["nodes"]
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
        devnet.node_pids = devnet.nodes.iter().map(|n| n.pid).collect();
        devnet
    }

    /// The devnet's directory (node folders, CA, devnet.json).
    pub fn net(&self) -> PathBuf {
        self.dir.path().join("net")
    }

    pub fn ca(&self) -> &str {
        self.ca.to_str().unwrap()
    }

    /// Starts `drand-node ARGS` as an extra process of this devnet, logging to `log`; it is
    /// killed on drop.
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

    /// Ctrl-C to the devnet, then waits for it to stop its nodes (killing what is left).
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
        // Wait until the nodes released their store files.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.node_pids.iter().all(|p| process_gone(*p)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        self.stop();
    }
}
