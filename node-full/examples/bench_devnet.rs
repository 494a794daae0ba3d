//! Node benchmark (printed figures, not a test): per-round latency, CPU and memory of a local
//! TLS devnet, and the sync throughput of a fresh node catching up a long stored chain.
//!
//! Run it through `scripts/bench-node` (which builds `drand-node` and this example in release
//! mode first); it finds the `drand-node` binary next to itself (`target/release/`).
//!
//! 1. Devnet: `drand-node devnet` with `BENCH_NODES` nodes (threshold `BENCH_THRESHOLD`, default
//!    nodes/2+1), period `BENCH_PERIOD` s; once beacons flow it measures `BENCH_ROUNDS` rounds.
//!    Latency per round per node is the `time_discrepancy_ms` of the node's `NEW_BEACON_STORED`
//!    log line: wall time when the beacon was stored minus the round's time. CPU (utime+stime)
//!    and memory (VmRSS sampled every second, VmHWM at the end) come from `/proc/<pid>`.
//! 2. Sync: a 1-of-1 group whose genesis is `BENCH_SYNC_ROUNDS` periods ago; this program signs
//!    every round with the group secret, stores them in the node's store, starts that node
//!    alone and times `drand-node sync --up-to BENCH_SYNC_ROUNDS` into a fresh folder, then
//!    checks the fresh store holds every round.
//!
//! Settings (environment): `BENCH_SCHEME` (comma-separated scheme IDs, default
//! `bls-unchained-g1-rfc9380`), `BENCH_NODES` (7), `BENCH_THRESHOLD`, `BENCH_PERIOD` (1),
//! `BENCH_ROUNDS` (60), `BENCH_SYNC_ROUNDS` (10000; 0 skips the sync part), `BENCH_DEVNET`
//! (0 skips the devnet part), `BENCH_DIR` (work folder; a fresh temporary one by default),
//! `BENCH_KEEP` (1 keeps the work folder), `BENCH_NODE_BIN` (the `drand-node` binary).

use std::collections::BTreeMap;
use std::fs;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use drand_lite::{ChainInfo, Scheme};
use drand_node::crypto;
use drand_node::files::keys::{ForceConfirm, generate_keypair};
use drand_node::files::{BeaconPaths, Group, GroupNode, KeyShare};
use drand_node::net::tls;
use drand_node::store::{BeaconStore, RedbStore, StoredBeacon};
use rand_core::OsRng;

/// The issue's targets.
const TARGET_P99_MS: i64 = 50;
const TARGET_SYNC_PER_SEC: f64 = 2000.0;
const TARGET_RSS_MB: f64 = 50.0;
const BEACON_ID: &str = "default";

type Res<T> = Result<T, String>;

struct Settings {
    schemes: Vec<Scheme>,
    nodes: u32,
    threshold: u32,
    period: u32,
    rounds: u64,
    sync_rounds: u64,
    devnet: bool,
    dir: PathBuf,
    keep: bool,
    exe: PathBuf,
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            println!("\nsome targets were MISSED (see above)");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench_devnet: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Res<bool> {
    let settings = settings()?;
    if !settings.exe.is_file() {
        return Err(format!(
            "{} not found; build it first (scripts/bench-node does: cargo build --release -p drand-node --bins --examples)",
            settings.exe.display()
        ));
    }
    fs::create_dir_all(&settings.dir)
        .map_err(|e| format!("cannot create {}: {e}", settings.dir.display()))?;
    println!("drand-node benchmark");
    println!("  binary: {}", settings.exe.display());
    println!("  work folder: {}", settings.dir.display());
    println!(
        "  machine: {} cores, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let mut all_ok = true;
    for &scheme in &settings.schemes {
        println!("\n=== scheme {} ===", scheme.id());
        if settings.devnet {
            all_ok &= devnet_bench(&settings, scheme)?;
        }
        if settings.sync_rounds > 0 {
            all_ok &= sync_bench(&settings, scheme)?;
        }
    }
    println!("\nload average at the end: {}", load_average());
    if settings.keep {
        println!("work folder kept: {}", settings.dir.display());
    } else if let Err(e) = fs::remove_dir_all(&settings.dir) {
        eprintln!("cannot remove {}: {e}", settings.dir.display());
    }
    Ok(all_ok)
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Res<T> {
    match std::env::var(name) {
        Ok(text) if !text.trim().is_empty() => text
            .trim()
            .parse()
            .map_err(|_| format!("{name}={text:?} is not a valid value")),
        _ => Ok(default),
    }
}

fn settings() -> Res<Settings> {
    let schemes = std::env::var("BENCH_SCHEME")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "bls-unchained-g1-rfc9380".to_owned());
    let schemes = schemes
        .split(',')
        .map(|id| {
            Scheme::from_id(id.trim()).ok_or_else(|| {
                format!(
                    "BENCH_SCHEME: unknown scheme {id:?}; known: {}",
                    Scheme::ALL.map(|s| s.id()).join(", ")
                )
            })
        })
        .collect::<Res<Vec<_>>>()?;
    let nodes: u32 = env_or("BENCH_NODES", 7)?;
    let threshold = env_or("BENCH_THRESHOLD", nodes / 2 + 1)?;
    let period: u32 = env_or("BENCH_PERIOD", 1)?;
    if period == 0 {
        return Err("BENCH_PERIOD must be at least 1".into());
    }
    let rounds: u64 = env_or("BENCH_ROUNDS", 60)?;
    if rounds == 0 {
        return Err("BENCH_ROUNDS must be at least 1".into());
    }
    let exe = match std::env::var_os("BENCH_NODE_BIN") {
        Some(path) => PathBuf::from(path),
        None => {
            let me =
                std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
            // target/<profile>/examples/bench_devnet -> target/<profile>/drand-node
            me.parent()
                .and_then(Path::parent)
                .map(|dir| dir.join("drand-node"))
                .ok_or("cannot find target/<profile>/ from this program's path")?
        }
    };
    let dir = match std::env::var_os("BENCH_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::temp_dir().join(format!(
            "drand-bench-{}-{}",
            std::process::id(),
            unix_ms() / 1000
        )),
    };
    Ok(Settings {
        schemes,
        nodes,
        threshold,
        period,
        rounds,
        sync_rounds: env_or("BENCH_SYNC_ROUNDS", 10_000)?,
        devnet: env_or::<u8>("BENCH_DEVNET", 1)? != 0,
        dir,
        keep: env_or::<u8>("BENCH_KEEP", 0)? != 0,
        exe,
    })
}

// ---------------------------------------------------------------------------------------------
// Processes and /proc.

/// A child process that is stopped (SIGTERM, then SIGKILL after a grace period) when dropped.
struct Guard {
    child: Child,
    grace: Duration,
}

impl Guard {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    fn stop(&mut self) {
        if self.exited() {
            return;
        }
        signal(self.child.id(), "TERM");
        let deadline = Instant::now() + self.grace;
        while !self.exited() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if !self.exited() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Sends a signal to one process we started (`kill` keeps this program free of `unsafe`).
fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn spawn(exe: &Path, args: &[String], log: &Path, grace: Duration) -> Res<Guard> {
    let out = fs::File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let err = out
        .try_clone()
        .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    Ok(Guard { child, grace })
}

/// CPU ticks (utime + stime) of a process.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// A `kB` field of `/proc/<pid>/status`, in MB.
fn status_mb(pid: u32, field: &str) -> Option<f64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn free_port() -> Res<SocketAddr> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}

// ---------------------------------------------------------------------------------------------
// Part 1: the devnet.

struct NodeFigures {
    latencies: Vec<i64>,
    cpu_ticks: u64,
    total_ticks: u64,
    rss_max: f64,
    hwm: f64,
}

fn devnet_bench(s: &Settings, scheme: Scheme) -> Res<bool> {
    let dir = s.dir.join(format!("devnet-{}", scheme.id()));
    let log = s.dir.join(format!("devnet-{}.log", scheme.id()));
    let args: Vec<String> = [
        "devnet",
        "--nodes",
        &s.nodes.to_string(),
        "--threshold",
        &s.threshold.to_string(),
        "--period",
        &s.period.to_string(),
        "--scheme",
        scheme.id(),
        "--dir",
        &dir.display().to_string(),
        "--http",
        "127.0.0.1:0",
    ]
    .iter()
    .map(|a| (*a).to_owned())
    .collect();
    println!(
        "devnet: {} nodes, threshold {}, period {} s, TLS; measuring {} rounds once beacons flow",
        s.nodes, s.threshold, s.period, s.rounds
    );
    let mut devnet = spawn(&s.exe, &args, &log, Duration::from_secs(20))?;
    // devnet.json appears once node 0 serves a verified beacon.
    let json_path = dir.join("devnet.json");
    let deadline = Instant::now() + Duration::from_secs(90);
    while !json_path.is_file() {
        if devnet.exited() {
            let text = fs::read_to_string(&log).unwrap_or_default();
            return Err(format!("the devnet exited before beacons flowed:\n{text}"));
        }
        if Instant::now() > deadline {
            return Err(format!("no devnet.json after 90 s; see {}", log.display()));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let doc: serde_json::Value = fs::read_to_string(&json_path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        .map_err(|e| format!("cannot read {}: {e}", json_path.display()))?;
    let genesis = doc["genesis_time"]
        .as_u64()
        .ok_or("devnet.json: no genesis_time")?;
    let period = doc["period"].as_u64().ok_or("devnet.json: no period")?;
    let nodes: Vec<(u32, PathBuf)> = doc["nodes"]
        .as_array()
        .ok_or("devnet.json: no nodes")?
        .iter()
        .map(|n| {
            let pid = n["pid"].as_u64().and_then(|p| u32::try_from(p).ok());
            let folder = n["folder"].as_str().map(PathBuf::from);
            pid.zip(folder)
                .ok_or_else(|| "devnet.json: a node lacks pid or folder".to_owned())
        })
        .collect::<Res<_>>()?;
    let now_s = unix_ms() / 1000;
    let current = now_s.saturating_sub(genesis) / period + 1;
    let first = current + 1;
    let last = first + s.rounds - 1;
    let round_time_ms = |r: u64| (genesis + (r - 1) * period) * 1000;
    let end_ms = round_time_ms(last) + 3000;
    println!(
        "devnet: beacons flow (round {current}); measuring rounds {first}..={last} (about {} s)",
        (end_ms.saturating_sub(unix_ms())) / 1000
    );
    let load_start = load_average();
    let ticks_start: Vec<u64> = nodes
        .iter()
        .map(|(pid, _)| cpu_ticks(*pid).unwrap_or(0))
        .collect();
    let started = Instant::now();
    let mut rss_max = vec![0f64; nodes.len()];
    while unix_ms() < end_ms {
        if devnet.exited() {
            return Err(format!(
                "the devnet exited during the run; see {}",
                log.display()
            ));
        }
        for (i, (pid, _)) in nodes.iter().enumerate() {
            if let Some(mb) = status_mb(*pid, "VmRSS:") {
                rss_max[i] = rss_max[i].max(mb);
            }
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    let wall = started.elapsed().as_secs_f64();
    let mut figures = Vec::new();
    for (i, (pid, _)) in nodes.iter().enumerate() {
        let total = cpu_ticks(*pid).unwrap_or(0);
        figures.push(NodeFigures {
            latencies: Vec::new(),
            cpu_ticks: total.saturating_sub(ticks_start[i]),
            total_ticks: total,
            rss_max: rss_max[i],
            hwm: status_mb(*pid, "VmHWM:").unwrap_or(0.0),
        });
    }
    let load_end = load_average();
    devnet.stop();
    for ((_, folder), fig) in nodes.iter().zip(figures.iter_mut()) {
        let stored = stored_latencies(&folder.join("node.log"))?;
        fig.latencies = (first..=last)
            .filter_map(|r| stored.get(&r).copied())
            .collect();
    }
    Ok(print_devnet(s, &figures, wall, &load_start, &load_end))
}

/// `round -> time_discrepancy_ms` from a node's `NEW_BEACON_STORED` lines (text or JSON logs).
fn stored_latencies(log: &Path) -> Res<BTreeMap<u64, i64>> {
    let text =
        fs::read_to_string(log).map_err(|e| format!("cannot read {}: {e}", log.display()))?;
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| l.contains("NEW_BEACON_STORED")) {
        let field = |name: &str| -> Option<&str> {
            line.split(|c: char| c.is_whitespace() || c == ',' || c == '{' || c == '}')
                .find_map(|token| {
                    let token = token.trim_start_matches('"');
                    let value = token
                        .strip_prefix(name)?
                        .trim_start_matches('"')
                        .strip_prefix(|c| c == '=' || c == ':')?;
                    Some(value.trim_matches('"'))
                })
        };
        let round = field("round").and_then(|v| v.parse::<u64>().ok());
        let latency = field("time_discrepancy_ms").and_then(|v| v.parse::<i64>().ok());
        if let (Some(round), Some(latency)) = (round, latency) {
            out.insert(round, latency);
        }
    }
    Ok(out)
}

fn print_devnet(
    s: &Settings,
    figures: &[NodeFigures],
    wall: f64,
    load_start: &str,
    load_end: &str,
) -> bool {
    let hz = clock_ticks() as f64;
    println!(
        "devnet: {wall:.0} s measured; load average {load_start} at the start, {load_end} at the end"
    );
    println!(
        "  latency = stored time - round time (ms), from each node's NEW_BEACON_STORED log line"
    );
    println!(
        "  {:>4} {:>8} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8} {:>9}",
        "node", "stored", "p50", "p99", "max", "CPU s", "CPU %", "RSS max", "VmHWM MB"
    );
    let mut all = Vec::new();
    let mut worst_hwm = 0f64;
    let mut missing = 0u64;
    for (i, f) in figures.iter().enumerate() {
        let mut sorted = f.latencies.clone();
        sorted.sort_unstable();
        all.extend_from_slice(&sorted);
        let cpu = f.cpu_ticks as f64 / hz;
        worst_hwm = worst_hwm.max(f.hwm).max(f.rss_max);
        missing += s.rounds.saturating_sub(sorted.len() as u64);
        println!(
            "  {:>4} {:>8} {:>7} {:>7} {:>7} {:>7.2} {:>6.1}% {:>8.1} {:>9.1}",
            i,
            format!("{}/{}", sorted.len(), s.rounds),
            percentile(&sorted, 0.50),
            percentile(&sorted, 0.99),
            sorted.last().copied().unwrap_or(0),
            cpu,
            100.0 * cpu / wall.max(1e-3),
            f.rss_max,
            f.hwm,
        );
    }
    all.sort_unstable();
    let p99 = percentile(&all, 0.99);
    let total_cpu: f64 = figures.iter().map(|f| f.cpu_ticks as f64 / hz).sum();
    let lifetime_cpu: f64 = figures.iter().map(|f| f.total_ticks as f64 / hz).sum();
    println!(
        "  {:>4} {:>8} {:>7} {:>7} {:>7} {:>7.2} {:>6.1}%   (CPU over the nodes' whole life: {:.2} s)",
        "all",
        format!("{}/{}", all.len(), s.rounds * figures.len() as u64),
        percentile(&all, 0.50),
        p99,
        all.last().copied().unwrap_or(0),
        total_cpu,
        100.0 * total_cpu / wall.max(1e-3),
        lifetime_cpu,
    );
    let p99_ok = !all.is_empty() && p99 < TARGET_P99_MS;
    let rss_ok = worst_hwm < TARGET_RSS_MB;
    let complete = missing == 0;
    println!(
        "  targets: p99 < {TARGET_P99_MS} ms: {} (aggregate p99 {p99} ms over {} samples); \
         RSS < {TARGET_RSS_MB:.0} MB per node: {} (worst peak {worst_hwm:.1} MB); \
         every round stored by every node: {}{}",
        verdict(p99_ok),
        all.len(),
        verdict(rss_ok),
        verdict(complete),
        if complete {
            String::new()
        } else {
            format!(
                " ({missing} node-rounds without a NEW_BEACON_STORED line, e.g. stored by sync)"
            )
        },
    );
    p99_ok && rss_ok && complete
}

// ---------------------------------------------------------------------------------------------
// Part 2: sync throughput.

fn sync_bench(s: &Settings, scheme: Scheme) -> Res<bool> {
    let rounds = s.sync_rounds;
    let period = s.period;
    let dir = s.dir.join(format!("sync-{}", scheme.id()));
    let source = dir.join("source");
    let fresh = dir.join("fresh");
    let ca_dir = dir.join("ca");
    let tls_dir = source.join("tls");
    for d in [&ca_dir, &tls_dir, &fresh] {
        fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    let ca = tls::generate_devnet_ca().map_err(|e| e.to_string())?;
    let (ca_pem, _) = ca.write(&ca_dir).map_err(|e| e.to_string())?;
    let (cert, key) = ca
        .issue_node_cert(&["127.0.0.1", "localhost"])
        .and_then(|c| c.write(&tls_dir, "node"))
        .map_err(|e| e.to_string())?;
    let private = free_port()?;
    let control = free_port()?;
    let now = unix_ms() / 1000;
    let generated = generate_keypair(
        &source,
        BEACON_ID,
        scheme,
        &private.to_string(),
        ForceConfirm::None,
        &mut OsRng,
        now,
    )
    .map_err(|e| e.to_string())?;
    // A 1-of-1 group whose round `rounds` is the current one: the node has nothing to catch up
    // and serves the stored chain.
    let dealing = crypto::deal(scheme, 1, 1, &mut OsRng).map_err(|e| e.to_string())?;
    let genesis = now - (rounds - 1) * u64::from(period);
    let identity = generated.identity;
    let mut group = Group {
        threshold: 1,
        period_secs: period,
        catchup_period_secs: period.div_ceil(2),
        genesis_time: genesis,
        transition_time: genesis,
        genesis_seed: Vec::new(),
        scheme,
        beacon_id: BEACON_ID.to_owned(),
        nodes: vec![GroupNode {
            address: identity.address.clone(),
            key: identity.key.clone(),
            signature: identity.signature.clone(),
            index: 0,
        }],
        public_coefficients: dealing.public.to_bytes(),
    };
    group.genesis_seed = group.hash().to_vec();
    let info = group.chain_info().map_err(|e| e.to_string())?;
    let paths = BeaconPaths::new(&source, BEACON_ID).map_err(|e| e.to_string())?;
    paths.ensure_dirs().map_err(|e| e.to_string())?;
    group
        .write(&paths.group_file())
        .map_err(|e| e.to_string())?;
    let share = dealing.shares.first().ok_or("the dealer made no share")?;
    KeyShare::new(share.clone(), dealing.public.clone())
        .and_then(|k| k.write(&paths.share_file()))
        .map_err(|e| e.to_string())?;

    println!(
        "sync: signing {rounds} rounds with the group secret and storing them in the source node"
    );
    let started = Instant::now();
    let secret = crypto::recover_secret(&dealing.shares, 1).map_err(|e| e.to_string())?;
    let beacons = sign_chain(&secret, &info, rounds)?;
    let sign_secs = started.elapsed().as_secs_f64();
    check_sample(&info, &beacons)?;
    let started = Instant::now();
    let db = paths.db_dir();
    fs::create_dir_all(&db).map_err(|e| format!("cannot create {}: {e}", db.display()))?;
    {
        let store = RedbStore::open(
            &db.join("drand.redb"),
            scheme.is_chained(),
            info.genesis_seed(),
        )
        .map_err(|e| e.to_string())?;
        store.put_many(&beacons).map_err(|e| e.to_string())?;
    }
    println!(
        "sync: signed in {sign_secs:.1} s, stored in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let start_args: Vec<String> = [
        "start",
        "--folder",
        &source.display().to_string(),
        "--private-listen",
        &private.to_string(),
        "--control",
        &control.to_string(),
        "--tls-cert",
        &cert.display().to_string(),
        "--tls-key",
        &key.display().to_string(),
        "--tls-ca",
        &ca_pem.display().to_string(),
    ]
    .iter()
    .map(|a| (*a).to_owned())
    .collect();
    let mut node = spawn(
        &s.exe,
        &start_args,
        &source.join("node.log"),
        Duration::from_secs(10),
    )?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect_timeout(&private, Duration::from_millis(200)).is_err() {
        if node.exited() || Instant::now() > deadline {
            let text = fs::read_to_string(source.join("node.log")).unwrap_or_default();
            return Err(format!("the source node did not start listening:\n{text}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }

    let sync_args: Vec<String> = [
        "sync",
        "--folder",
        &fresh.display().to_string(),
        "--id",
        BEACON_ID,
        "--sync-nodes",
        &private.to_string(),
        "--chain-hash",
        &info.hash().to_hex(),
        "--tls-ca",
        &ca_pem.display().to_string(),
        "--up-to",
        &rounds.to_string(),
    ]
    .iter()
    .map(|a| (*a).to_owned())
    .collect();
    let sync_log = dir.join("sync.log");
    let load_start = load_average();
    let source_ticks = cpu_ticks(node.pid()).unwrap_or(0);
    let started = Instant::now();
    let mut sync = spawn(&s.exe, &sync_args, &sync_log, Duration::from_secs(5))?;
    let (mut sync_hwm, mut sync_ticks) = (0f64, 0u64);
    let status = loop {
        if let Ok(Some(status)) = sync.child.try_wait() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(600) {
            return Err(format!(
                "the sync took over 10 minutes; see {}",
                sync_log.display()
            ));
        }
        sync_hwm = sync_hwm.max(status_mb(sync.pid(), "VmHWM:").unwrap_or(0.0));
        sync_ticks = sync_ticks.max(cpu_ticks(sync.pid()).unwrap_or(0));
        std::thread::sleep(Duration::from_millis(20));
    };
    let secs = started.elapsed().as_secs_f64();
    let source_cpu = cpu_ticks(node.pid())
        .unwrap_or(0)
        .saturating_sub(source_ticks);
    let source_hwm = status_mb(node.pid(), "VmHWM:").unwrap_or(0.0);
    let load_end = load_average();
    node.stop();
    let output = fs::read_to_string(&sync_log).unwrap_or_default();
    if !status.success() {
        return Err(format!("drand-node sync failed ({status}):\n{output}"));
    }
    // The sync's own figure: the last "round N (R beacons/s)" line.
    let own_rate = output.lines().rev().find_map(|l| {
        l.split_once('(')?
            .1
            .strip_suffix(" beacons/s)")?
            .parse::<f64>()
            .ok()
    });

    let fresh_paths = BeaconPaths::new(&fresh, BEACON_ID).map_err(|e| e.to_string())?;
    let store = RedbStore::open(
        &fresh_paths.db_dir().join("drand.redb"),
        scheme.is_chained(),
        info.genesis_seed(),
    )
    .map_err(|e| format!("cannot open the synced store: {e}"))?;
    let last = store.last().map_err(|e| e.to_string())?;
    let expected_last = beacons.last().ok_or("no beacons")?;
    let complete = last.round == rounds
        && last.signature == expected_last.signature
        && store.len().map_err(|e| e.to_string())? == rounds + 1;
    let rate = rounds as f64 / secs;
    let hz = clock_ticks() as f64;
    println!(
        "sync: {rounds} rounds over TLS in {secs:.2} s (whole `drand-node sync` process) = \
         {rate:.0} beacons/s; the sync's own figure (from the stream's start): {}",
        own_rate.map_or("not printed".to_owned(), |r| format!("{r:.0} beacons/s"))
    );
    println!(
        "  sync process: CPU {:.2} s, peak RSS {sync_hwm:.1} MB; source node: CPU {:.2} s, \
         peak RSS {source_hwm:.1} MB; load average {load_start} -> {load_end}",
        sync_ticks as f64 / hz,
        source_cpu as f64 / hz,
    );
    let rate_ok = rate >= TARGET_SYNC_PER_SEC;
    println!(
        "  targets: sync >= {TARGET_SYNC_PER_SEC:.0} beacons/s: {}; fresh store holds rounds \
         0..={rounds} with the expected last signature: {}",
        verdict(rate_ok),
        verdict(complete)
    );
    Ok(rate_ok && complete)
}

/// Signs rounds `1..=rounds` with the group secret (chained schemes link each round to the
/// previous signature, round 1 to the genesis seed); unchained rounds are signed in parallel.
fn sign_chain(secret: &crypto::SecretKey, info: &ChainInfo, rounds: u64) -> Res<Vec<StoredBeacon>> {
    let scheme = info.scheme();
    if scheme.is_chained() {
        let mut out = Vec::with_capacity(usize::try_from(rounds).unwrap_or(0));
        let mut previous = info.genesis_seed().to_vec();
        for round in 1..=rounds {
            let signature = secret.sign(&scheme.digest(round, Some(&previous)));
            out.push(StoredBeacon {
                round,
                signature: signature.clone(),
                previous_signature: Some(std::mem::replace(&mut previous, signature)),
            });
        }
        return Ok(out);
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let chunk = rounds.div_ceil(threads).max(1);
    let parts: Vec<Vec<StoredBeacon>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let from = t * chunk + 1;
                let to = ((t + 1) * chunk).min(rounds);
                scope.spawn(move || {
                    (from..=to)
                        .map(|round| StoredBeacon {
                            round,
                            signature: secret.sign(&scheme.digest(round, None)),
                            previous_signature: None,
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let out: Vec<StoredBeacon> = parts.into_iter().flatten().collect();
    if out.len() as u64 != rounds {
        return Err("a signing thread failed".into());
    }
    Ok(out)
}

/// Verifies the first and last signed beacons with the verifier core before using the chain.
fn check_sample(info: &ChainInfo, beacons: &[StoredBeacon]) -> Res<()> {
    for b in [beacons.first(), beacons.last()].into_iter().flatten() {
        let beacon = b.to_beacon();
        drand_lite::verify(info, &beacon)
            .map_err(|e| format!("a signed beacon (round {}) does not verify: {e}", b.round))?;
    }
    Ok(())
}
