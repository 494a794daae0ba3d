//! DKG benchmark with real processes (printed figures, not a test): for each group size n it
//! starts n `drand-node start` processes on loopback with TLS, runs the first DKG (epoch 1,
//! threshold n/2+1) over the control ports exactly as `dkg init/join/execute` do, then a
//! reshare of the same group (everybody remains, the threshold changes), and prints per
//! ceremony
//!   - the wall time from the leader's execute order to every node Complete, and that minus
//!     the kickoff delay (the grace the leader gives before the first DKG phase), i.e. the DKG
//!     itself; plus the slowest node's own `dkg_ms` (from its `DKG_COMPLETE` log line, measured
//!     from the kickoff time);
//!   - the bytes each node sent (`dkg_bytes_sent_total` from its metrics endpoint: ceremony
//!     packets and DKG bundles, retries included), mean and max over the nodes, counted from
//!     the execute order and over the whole ceremony (proposal gossip included).
//!
//! It also says whether n = 16 completes within the 10 s target.
//!
//! Run it through `scripts/bench-dkg` (which builds `drand-node` and the examples in release
//! mode first); it finds the `drand-node` binary next to itself (`target/release/`).
//!
//! ```text
//! bench_dkg [--nodes 4,16] [--scheme bls-unchained-g1-rfc9380] [--period 3]
//!           [--kickoff-delay-ms 1000] [--no-reshare] [--dir PATH] [--keep] [--bin PATH]
//! ```

use std::fs;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use drand_lite::Scheme;
use drand_node::files::Identity;
use drand_node::files::keys::{ForceConfirm, generate_keypair};
use drand_node::net::{ControlClient, tls};
use drand_node::proto::dkg::{self as pb, DkgStatusResponse, dkg_command::Command as C};
use rand_core::OsRng;

const BEACON_ID: &str = "default";
/// drand's `Complete` state number.
const COMPLETE: u32 = 7;
/// drand's `Proposed` state number.
const PROPOSED: u32 = 1;
/// The target: a 16-node DKG within 10 s.
const TARGET_N: usize = 16;
const TARGET_MS: u128 = 10_000;
/// How long any one step may take before the benchmark gives up.
const STEP_TIMEOUT: Duration = Duration::from_secs(120);

type Res<T> = Result<T, String>;

struct Opts {
    nodes: Vec<usize>,
    scheme: Scheme,
    period: u32,
    kickoff_ms: u64,
    reshare: bool,
    dir: PathBuf,
    keep: bool,
    exe: PathBuf,
}

/// One measured ceremony.
struct Row {
    n: usize,
    kind: &'static str,
    threshold: u32,
    kickoff_ms: u64,
    wall_ms: u128,
    log_dkg_ms: Option<u64>,
    bytes_exec_mean: u64,
    bytes_exec_max: u64,
    bytes_total_mean: u64,
}

impl Row {
    fn dkg_ms(&self) -> u128 {
        self.wall_ms.saturating_sub(u128::from(self.kickoff_ms))
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_dkg: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> String {
    "usage: bench_dkg [--nodes 4,16] [--scheme ID] [--period SECS] [--kickoff-delay-ms MS] \
     [--no-reshare] [--dir PATH] [--keep] [--bin PATH]"
        .to_owned()
}

fn opts() -> Res<Opts> {
    let mut nodes = vec![4, 16];
    let mut scheme = Scheme::from_id("bls-unchained-g1-rfc9380").ok_or("no default scheme")?;
    let mut period = 3;
    let mut kickoff_ms = 1_000;
    let mut reshare = true;
    let mut dir = None;
    let mut keep = false;
    let mut exe = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or(format!("{name} needs a value; {}", usage()))
        };
        match arg.as_str() {
            "--nodes" => {
                nodes = value("--nodes")?
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| match s.trim().parse::<usize>() {
                        Ok(n) if n >= 2 => Ok(n),
                        _ => Err(format!("--nodes: {s:?} is not a group size (>= 2)")),
                    })
                    .collect::<Res<_>>()?;
            }
            "--scheme" => {
                let id = value("--scheme")?;
                scheme = Scheme::from_id(&id).ok_or_else(|| {
                    format!(
                        "--scheme: unknown {id:?}; known: {}",
                        Scheme::ALL.map(|s| s.id()).join(", ")
                    )
                })?;
            }
            "--period" => {
                period = value("--period")?
                    .parse()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or("--period: a whole number of seconds >= 1")?;
            }
            "--kickoff-delay-ms" => {
                kickoff_ms = value("--kickoff-delay-ms")?
                    .parse()
                    .ok()
                    .filter(|k| *k > 0)
                    .ok_or("--kickoff-delay-ms: milliseconds >= 1")?;
            }
            "--no-reshare" => reshare = false,
            "--dir" => dir = Some(PathBuf::from(value("--dir")?)),
            "--keep" => keep = true,
            "--bin" => exe = Some(PathBuf::from(value("--bin")?)),
            "-h" | "--help" => return Err(usage()),
            other => return Err(format!("unknown argument {other:?}; {}", usage())),
        }
    }
    if nodes.is_empty() {
        return Err("--nodes: give at least one group size".into());
    }
    let exe = match exe {
        Some(exe) => exe,
        None => {
            let me =
                std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
            // target/release/examples/bench_dkg -> target/release/drand-node
            me.parent()
                .and_then(Path::parent)
                .map(|d| d.join("drand-node"))
                .ok_or("cannot find the drand-node binary; pass --bin")?
        }
    };
    let dir = match dir {
        Some(dir) => dir,
        None => std::env::temp_dir().join(format!("drand-bench-dkg-{}", std::process::id())),
    };
    Ok(Opts {
        nodes,
        scheme,
        period,
        kickoff_ms,
        reshare,
        dir,
        keep,
        exe,
    })
}

fn run() -> Res<()> {
    let opts = opts()?;
    if !opts.exe.is_file() {
        return Err(format!(
            "{} not found; build it first (scripts/bench-dkg does: cargo build --release -p drand-node --bins --examples)",
            opts.exe.display()
        ));
    }
    if opts.dir.exists() {
        return Err(format!("{} exists; give a new --dir", opts.dir.display()));
    }
    fs::create_dir_all(&opts.dir).map_err(|e| format!("{}: {e}", opts.dir.display()))?;
    println!("drand-node DKG benchmark (real processes, TLS on loopback)");
    println!("  binary: {}", opts.exe.display());
    println!("  work folder: {}", opts.dir.display());
    println!(
        "  scheme {}, period {} s, kickoff delay {} ms",
        opts.scheme.id(),
        opts.period,
        opts.kickoff_ms
    );
    println!(
        "  machine: {} cores, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let mut rows = Vec::new();
    let mut failure = None;
    for &n in &opts.nodes {
        println!("\n=== n = {n} ===");
        let mut group = match Group::start(&opts, n) {
            Ok(g) => g,
            Err(e) => {
                failure = Some(format!("n = {n}: {e}"));
                break;
            }
        };
        let result = rt.block_on(bench_group(&opts, &mut group));
        group.stop();
        match result {
            Ok(mut r) => rows.append(&mut r),
            Err(e) => {
                failure = Some(format!(
                    "n = {n}: {e} (node logs in {})",
                    group.dir.display()
                ));
                break;
            }
        }
    }
    print_table(&rows);
    println!("\nload average at the end: {}", load_average());
    if let Some(e) = failure {
        println!("work folder kept: {}", opts.dir.display());
        return Err(e);
    }
    if opts.keep {
        println!("work folder kept: {}", opts.dir.display());
    } else if let Err(e) = fs::remove_dir_all(&opts.dir) {
        eprintln!("cannot remove {}: {e}", opts.dir.display());
    }
    Ok(())
}

fn print_table(rows: &[Row]) {
    if rows.is_empty() {
        return;
    }
    println!(
        "\n{:>4} {:<8} {:>3} {:>9} {:>14} {:>12} {:>14} {:>16} {:>16} {:>17}",
        "n",
        "ceremony",
        "t",
        "kickoff",
        "execute->all",
        "DKG",
        "dkg_ms (log)",
        "bytes/node mean",
        "bytes/node max",
        "ceremony mean"
    );
    for r in rows {
        println!(
            "{:>4} {:<8} {:>3} {:>7}ms {:>12}ms {:>10}ms {:>14} {:>16} {:>16} {:>17}",
            r.n,
            r.kind,
            r.threshold,
            r.kickoff_ms,
            r.wall_ms,
            r.dkg_ms(),
            r.log_dkg_ms.map_or("-".to_owned(), |m| format!("{m}ms")),
            r.bytes_exec_mean,
            r.bytes_exec_max,
            r.bytes_total_mean
        );
    }
    println!(
        "  execute->all: from the leader's execute order to every node Complete (polled every 50 ms);\n  \
         DKG = that minus the kickoff delay; dkg_ms: the slowest node's own figure from the kickoff;\n  \
         bytes/node: dkg_bytes_sent_total sent from the execute order on; ceremony mean: from the proposal on."
    );
    for r in rows.iter().filter(|r| r.n == TARGET_N) {
        println!(
            "target: n = {TARGET_N} {} completes in {} ms after the kickoff: {} (target < {TARGET_MS} ms)",
            r.kind,
            r.dkg_ms(),
            if r.dkg_ms() < TARGET_MS {
                "ok"
            } else {
                "MISSED"
            }
        );
    }
    if !rows.iter().any(|r| r.n == TARGET_N) {
        println!("target: n = {TARGET_N} was not measured (add it to --nodes)");
    }
}

/// The load average from /proc/loadavg (the figures mean little on a busy machine).
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A free loopback port; the listener is kept in `held` until every port is chosen, so the
/// same port is never handed out twice.
fn free_port(held: &mut Vec<TcpListener>) -> Res<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("cannot reserve a loopback port: {e}"))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot reserve a loopback port: {e}"))?;
    held.push(listener);
    Ok(address)
}

struct Node {
    folder: PathBuf,
    private: SocketAddr,
    control: SocketAddr,
    metrics: SocketAddr,
    identity: Identity,
    child: Option<Child>,
}

/// n node processes of one benchmark group; killed on drop.
struct Group {
    dir: PathBuf,
    nodes: Vec<Node>,
}

impl Group {
    /// Makes a CA, certificates and keypairs and starts every node (no group yet: each waits
    /// for a DKG).
    fn start(opts: &Opts, n: usize) -> Res<Group> {
        let dir = opts.dir.join(format!("n{n}"));
        let ca_dir = dir.join("ca");
        fs::create_dir_all(&ca_dir).map_err(|e| format!("{}: {e}", ca_dir.display()))?;
        let ca = tls::generate_devnet_ca().map_err(|e| e.to_string())?;
        let (ca_pem, _) = ca.write(&ca_dir).map_err(|e| e.to_string())?;
        let mut group = Group {
            dir: dir.clone(),
            nodes: Vec::new(),
        };
        let mut held = Vec::new();
        for i in 0..n {
            let folder = dir.join(format!("node{i}"));
            let tls_dir = folder.join("tls");
            fs::create_dir_all(&tls_dir).map_err(|e| format!("{}: {e}", tls_dir.display()))?;
            ca.issue_node_cert(&["127.0.0.1", "localhost"])
                .and_then(|cert| cert.write(&tls_dir, "node"))
                .map_err(|e| e.to_string())?;
            let private = free_port(&mut held)?;
            let identity = generate_keypair(
                &folder,
                BEACON_ID,
                opts.scheme,
                &private.to_string(),
                ForceConfirm::None,
                &mut OsRng,
                unix_now(),
            )
            .map_err(|e| e.to_string())?
            .identity;
            group.nodes.push(Node {
                folder,
                private,
                control: free_port(&mut held)?,
                metrics: free_port(&mut held)?,
                identity,
                child: None,
            });
        }
        drop(held);
        for node in &mut group.nodes {
            let log = fs::File::create(node.folder.join("node.log"))
                .map_err(|e| format!("cannot create the node log: {e}"))?;
            let err_log = log.try_clone().map_err(|e| e.to_string())?;
            let child = Command::new(&opts.exe)
                .arg("start")
                .arg("--folder")
                .arg(&node.folder)
                .args(["--private-listen", &node.private.to_string()])
                .args(["--control", &node.control.to_string()])
                .args(["--metrics", &node.metrics.to_string()])
                .arg("--tls-cert")
                .arg(node.folder.join("tls/node.pem"))
                .arg("--tls-key")
                .arg(node.folder.join("tls/node.key"))
                .arg("--tls-ca")
                .arg(&ca_pem)
                .env("RUST_LOG", "info")
                .stdin(Stdio::null())
                .stdout(Stdio::from(log))
                .stderr(Stdio::from(err_log))
                .spawn()
                .map_err(|e| format!("cannot start {}: {e}", opts.exe.display()))?;
            node.child = Some(child);
        }
        Ok(group)
    }

    /// Fails (with the node's last log line) when a node process has exited.
    fn check_alive(&mut self) -> Res<()> {
        for (i, node) in self.nodes.iter_mut().enumerate() {
            if let Some(child) = &mut node.child
                && let Ok(Some(status)) = child.try_wait()
            {
                let log = fs::read_to_string(node.folder.join("node.log")).unwrap_or_default();
                return Err(format!(
                    "node {i} exited ({status}): {}",
                    log.lines().last().unwrap_or("")
                ));
            }
        }
        Ok(())
    }

    /// Asks every node to stop (SIGTERM), then kills what is left.
    fn stop(&mut self) {
        for node in &mut self.nodes {
            if let Some(child) = &node.child {
                let _ = Command::new("kill")
                    .args(["-TERM", &child.id().to_string()])
                    .stderr(Stdio::null())
                    .status();
            }
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for node in &mut self.nodes {
            if let Some(mut child) = node.child.take() {
                while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(50));
                }
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    /// The largest `dkg_ms=Some(N)` of the `DKG_COMPLETE` lines of `epoch` in the node logs.
    fn log_dkg_ms(&self, epoch: u32) -> Option<u64> {
        self.nodes
            .iter()
            .filter_map(|node| {
                let log = fs::read_to_string(node.folder.join("node.log")).ok()?;
                log.lines()
                    .filter(|l| {
                        l.contains("DKG_COMPLETE") && l.contains(&format!("epoch={epoch} "))
                    })
                    .filter_map(|l| {
                        let rest = &l[l.find("dkg_ms=Some(")? + "dkg_ms=Some(".len()..];
                        rest[..rest.find(')')?].parse::<u64>().ok()
                    })
                    .next_back()
            })
            .max()
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.stop();
    }
}

fn participant(identity: &Identity) -> pb::Participant {
    pb::Participant {
        address: identity.address.clone(),
        key: identity.key.clone(),
        signature: identity.signature.clone(),
    }
}

fn timestamp(secs: u64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: i64::try_from(secs).unwrap_or(i64::MAX),
        nanos: 0,
    }
}

/// Polls `client` until `ok` holds for its DKG status.
async fn wait_status(
    client: &ControlClient,
    what: &str,
    within: Duration,
    ok: impl Fn(&DkgStatusResponse) -> bool,
) -> Res<DkgStatusResponse> {
    let deadline = Instant::now() + within;
    loop {
        let last = match client.dkg_status(BEACON_ID).await {
            Ok(s) if ok(&s) => return Ok(s),
            Ok(s) => format!(
                "state {} of epoch {}",
                s.current.as_ref().map_or(0, |c| c.state),
                s.current.as_ref().map_or(0, |c| c.epoch)
            ),
            Err(e) => e.to_string(),
        };
        if Instant::now() > deadline {
            return Err(format!("{what}: not within {within:?} (last: {last})"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn completed(s: &DkgStatusResponse, epoch: u32) -> bool {
    s.complete
        .as_ref()
        .is_some_and(|c| c.epoch == epoch && c.state == COMPLETE)
}

fn failed(s: &DkgStatusResponse, epoch: u32) -> Option<u32> {
    // Aborted 5, TimedOut 8, Failed 11.
    s.current
        .as_ref()
        .filter(|c| c.epoch == epoch && matches!(c.state, 5 | 8 | 11))
        .map(|c| c.state)
}

/// `dkg_bytes_sent_total{beacon_id="default"}` of every node.
async fn bytes_sent(http: &reqwest::Client, group: &Group) -> Res<Vec<u64>> {
    let mut out = Vec::new();
    for node in &group.nodes {
        let url = format!("http://{}/metrics", node.metrics);
        let body = http
            .get(&url)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| format!("{url}: {e}"))?
            .text()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let prefix = format!("dkg_bytes_sent_total{{beacon_id=\"{BEACON_ID}\"}} ");
        let value = body
            .lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or_else(|| format!("{url}: no dkg_bytes_sent_total"))?;
        out.push(value);
    }
    Ok(out)
}

fn mean(v: &[u64]) -> u64 {
    let n = u64::try_from(v.len()).unwrap_or(1).max(1);
    v.iter().sum::<u64>() / n
}

/// Executes the proposed ceremony `epoch` on the leader and times it to every node Complete.
async fn execute_and_time(
    opts: &Opts,
    group: &Group,
    clients: &[ControlClient],
    http: &reqwest::Client,
    epoch: u32,
) -> Res<(u128, Vec<u64>)> {
    let before = bytes_sent(http, group).await?;
    let leader = clients.first().ok_or("no nodes")?;
    let start = Instant::now();
    leader
        .dkg_command(
            BEACON_ID,
            C::Execute(pb::ExecutionOptions {
                kickoff_delay_ms: opts.kickoff_ms,
                ..Default::default()
            }),
        )
        .await
        .map_err(|e| format!("dkg execute on node 0: {e}"))?;
    let mut pending: Vec<usize> = (0..clients.len()).collect();
    let mut wall = 0;
    while !pending.is_empty() {
        let mut still = Vec::new();
        for &i in &pending {
            match clients[i].dkg_status(BEACON_ID).await {
                Ok(s) if completed(&s, epoch) => wall = start.elapsed().as_millis(),
                Ok(s) => {
                    if let Some(state) = failed(&s, epoch) {
                        return Err(format!(
                            "node {i}: epoch {epoch} ended in state {state} (see its node.log)"
                        ));
                    }
                    still.push(i);
                }
                Err(_) => still.push(i),
            }
        }
        pending = still;
        if start.elapsed() > STEP_TIMEOUT {
            return Err(format!(
                "epoch {epoch}: nodes {pending:?} not Complete within {STEP_TIMEOUT:?}"
            ));
        }
        if !pending.is_empty() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let after = bytes_sent(http, group).await?;
    let sent = after
        .iter()
        .zip(&before)
        .map(|(a, b)| a.saturating_sub(*b))
        .collect();
    Ok((wall, sent))
}

async fn bench_group(opts: &Opts, group: &mut Group) -> Res<Vec<Row>> {
    let n = group.nodes.len();
    let clients = group
        .nodes
        .iter()
        .map(|node| ControlClient::connect(&node.control.to_string()).map_err(|e| e.to_string()))
        .collect::<Res<Vec<_>>>()?;
    for (i, client) in clients.iter().enumerate() {
        group.check_alive()?;
        wait_status(
            client,
            &format!("node {i} answers on its control port"),
            Duration::from_secs(30),
            |_| true,
        )
        .await?;
    }
    let http = reqwest::Client::new();
    let everyone: Vec<pb::Participant> = group
        .nodes
        .iter()
        .map(|node| participant(&node.identity))
        .collect();
    let threshold = u32::try_from(n / 2 + 1).map_err(|e| e.to_string())?;
    let leader = clients.first().ok_or("no nodes")?;
    let mut rows = Vec::new();

    // Epoch 1: init on the leader, every other node joins once it sees the proposal.
    let now = unix_now();
    // The genesis leaves room for the DKG (and the beacons are not what is measured).
    let genesis = now + 10 + u64::try_from(n).unwrap_or(0);
    leader
        .dkg_command(
            BEACON_ID,
            C::Initial(pb::FirstProposalOptions {
                timeout: Some(timestamp(now + 3600)),
                threshold,
                period_seconds: opts.period,
                scheme: opts.scheme.id().to_owned(),
                catchup_period_seconds: opts.period.div_ceil(2),
                genesis_time: Some(timestamp(genesis)),
                joining: everyone.clone(),
            }),
        )
        .await
        .map_err(|e| format!("dkg init on node 0: {e}"))?;
    for (i, client) in clients.iter().enumerate().skip(1) {
        wait_status(
            client,
            &format!("node {i} receives the proposal"),
            STEP_TIMEOUT,
            |s| s.current.as_ref().is_some_and(|c| c.state == PROPOSED),
        )
        .await?;
        client
            .dkg_command(
                BEACON_ID,
                C::Join(pb::JoinOptions {
                    group_file: Vec::new(),
                }),
            )
            .await
            .map_err(|e| format!("dkg join on node {i}: {e}"))?;
    }
    // The joined notices reach the leader quickly; if they do not, execute anyway (the
    // joiners are ready either way).
    let _ = wait_status(
        leader,
        "the leader sees every joiner",
        Duration::from_secs(5),
        |s| s.current.as_ref().is_some_and(|c| c.joined.len() + 1 >= n),
    )
    .await;
    let (wall, sent) = execute_and_time(opts, group, &clients, &http, 1).await?;
    let total = bytes_sent(&http, group).await?;
    let row = Row {
        n,
        kind: "fresh",
        threshold,
        kickoff_ms: opts.kickoff_ms,
        wall_ms: wall,
        log_dkg_ms: group.log_dkg_ms(1),
        bytes_exec_mean: mean(&sent),
        bytes_exec_max: sent.iter().copied().max().unwrap_or(0),
        bytes_total_mean: mean(&total),
    };
    println!(
        "fresh DKG: every node Complete {} ms after the execute order ({} ms after the kickoff)",
        row.wall_ms,
        row.dkg_ms()
    );
    rows.push(row);
    if !opts.reshare {
        return Ok(rows);
    }

    // Epoch 2 reshares a running chain: wait for the genesis and one period.
    let live = genesis + u64::from(opts.period);
    if unix_now() < live {
        println!(
            "waiting {} s for the chain to start before the reshare",
            live - unix_now()
        );
        tokio::time::sleep(Duration::from_secs(live - unix_now())).await;
    }
    // Epoch 2: everybody remains, the threshold changes; every other node accepts.
    let new_threshold = if threshold < u32::try_from(n).unwrap_or(u32::MAX) {
        threshold + 1
    } else {
        threshold - 1
    };
    let base = bytes_sent(&http, group).await?;
    let now = unix_now();
    leader
        .dkg_command(
            BEACON_ID,
            C::Resharing(pb::ProposalOptions {
                timeout: Some(timestamp(now + 3600)),
                threshold: new_threshold,
                catchup_period_seconds: opts.period.div_ceil(2),
                joining: Vec::new(),
                leaving: Vec::new(),
                remaining: everyone.clone(),
            }),
        )
        .await
        .map_err(|e| format!("dkg reshare on node 0: {e}"))?;
    for (i, client) in clients.iter().enumerate().skip(1) {
        wait_status(
            client,
            &format!("node {i} receives the reshare proposal"),
            STEP_TIMEOUT,
            |s| {
                s.current
                    .as_ref()
                    .is_some_and(|c| c.epoch == 2 && c.state == PROPOSED)
            },
        )
        .await?;
        client
            .dkg_command(BEACON_ID, C::Accept(pb::AcceptOptions {}))
            .await
            .map_err(|e| format!("dkg accept on node {i}: {e}"))?;
    }
    wait_status(
        leader,
        "the leader sees every acceptance",
        STEP_TIMEOUT,
        |s| {
            s.current
                .as_ref()
                .is_some_and(|c| c.acceptors.len() + 1 >= n)
        },
    )
    .await?;
    let (wall, sent) = execute_and_time(opts, group, &clients, &http, 2).await?;
    let total = bytes_sent(&http, group).await?;
    let total: Vec<u64> = total
        .iter()
        .zip(&base)
        .map(|(a, b)| a.saturating_sub(*b))
        .collect();
    let row = Row {
        n,
        kind: "reshare",
        threshold: new_threshold,
        kickoff_ms: opts.kickoff_ms,
        wall_ms: wall,
        log_dkg_ms: group.log_dkg_ms(2),
        bytes_exec_mean: mean(&sent),
        bytes_exec_max: sent.iter().copied().max().unwrap_or(0),
        bytes_total_mean: mean(&total),
    };
    println!(
        "reshare (threshold {threshold} -> {new_threshold}): every node Complete {} ms after the execute order ({} ms after the kickoff)",
        row.wall_ms,
        row.dkg_ms()
    );
    rows.push(row);
    Ok(rows)
}
