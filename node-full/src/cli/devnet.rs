//! `drand-node devnet`: a whole beacon network on loopback for development and demos. It makes a
//! throwaway CA and a TLS certificate per node, keypairs, a group dealt by a trusted dealer
//! (`--insecure-trusted-dealer`: refused for anything but this local devnet, and only until the
//! DKG lands), starts N real `drand-node start` processes, serves the public API and the `www/`
//! demo from node 0 at `--http`, writes `DIR/devnet.json` once beacons flow, and stops every
//! node cleanly on Ctrl-C.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use drand_lite::Scheme;

use super::Failure;

/// Flags of `drand-node devnet`.
#[derive(clap::Args)]
pub struct Args {
    /// Number of node processes.
    #[arg(long, default_value_t = 4)]
    nodes: u32,
    /// Partial signatures needed for a beacon (at least nodes/2+1).
    #[arg(long, default_value_t = 3)]
    threshold: u32,
    /// Seconds between rounds.
    #[arg(long, default_value_t = 3)]
    period: u32,
    /// Scheme ID (pedersen-bls-chained, pedersen-bls-unchained, bls-unchained-on-g1,
    /// bls-unchained-g1-rfc9380, bls-bn254-unchained-on-g1).
    #[arg(long, default_value = "bls-unchained-g1-rfc9380")]
    scheme: String,
    /// Beacon ID of the chain.
    #[arg(long, default_value = "default")]
    id: String,
    /// Directory for every node's folder, the CA and devnet.json (must be empty or absent).
    #[arg(long)]
    dir: PathBuf,
    /// Address of the public HTTP API and the demo page (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    http: SocketAddr,
    /// Seconds from the proposal to the genesis (round 1); the DKG runs in between.
    #[arg(long, default_value_t = 5)]
    genesis_delay: u64,
    /// The demo page directory (default: `www/` of the source tree, found from the binary).
    #[arg(long)]
    www: Option<PathBuf>,
    /// TEST ONLY: deal the group key with a trusted dealer instead of running the DKG (for
    /// tests that are not about the DKG). Exists nowhere else (`start` has none) and only for
    /// loopback addresses.
    #[arg(long, hide = true)]
    insecure_trusted_dealer: bool,
}

/// One node of the devnet as devnet.json describes it.
pub(crate) struct NodeSpec {
    pub(crate) folder: PathBuf,
    pub(crate) private: SocketAddr,
    pub(crate) control: SocketAddr,
    pub(crate) public: SocketAddr,
    pub(crate) metrics: SocketAddr,
}

/// Runs the devnet until Ctrl-C.
pub fn run(args: Args) -> Result<(), Failure> {
    let scheme = Scheme::from_id(&args.scheme).ok_or_else(|| {
        Failure::usage(format!(
            "unknown scheme {:?}; known: {}",
            args.scheme,
            Scheme::ALL.map(|s| s.id()).join(", ")
        ))
    })?;
    if !args.http.ip().is_loopback() {
        return Err(Failure::usage(format!(
            "the devnet is for loopback only; --http {} is not a loopback address",
            args.http
        )));
    }
    check_group_size(args.nodes, args.threshold)?;
    if args.period == 0 {
        return Err(Failure::usage("--period must be at least 1 second"));
    }
    prepare_dir(&args.dir)?;
    // Every port stays bound until just before the nodes start: no two of them coincide.
    let mut ports = Ports::default();
    let http = ports.reserve(args.http)?;
    let mut specs = Vec::new();
    for i in 0..args.nodes {
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        specs.push(NodeSpec {
            folder: args.dir.join(format!("node{i}")),
            private: ports.reserve(loopback)?,
            control: ports.reserve(loopback)?,
            public: if i == 0 {
                http
            } else {
                ports.reserve(loopback)?
            },
            metrics: ports.reserve(loopback)?,
        });
    }
    let now = unix_now()?;
    let genesis = now + args.genesis_delay.max(1);
    let setup = super::devnet_setup::setup(
        &args.dir,
        &specs,
        scheme,
        &args.id,
        args.threshold,
        args.period,
        genesis,
        args.insecure_trusted_dealer,
    )?;
    let www = args.www.clone().or_else(find_www);
    let exe = std::env::current_exe()
        .map_err(|e| Failure::failed(format!("cannot find this program's path: {e}")))?;
    drop(ports);
    let mut children = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let mut command = Command::new(&exe);
        command.args(start_args(
            spec,
            &setup.ca_pem,
            www.as_deref().filter(|_| i == 0),
        ));
        let log = std::fs::File::create(spec.folder.join("node.log"))
            .map_err(|e| Failure::failed(format!("cannot create the node log: {e}")))?;
        let err_log = log
            .try_clone()
            .map_err(|e| Failure::failed(format!("cannot create the node log: {e}")))?;
        command
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(err_log))
            .stdin(Stdio::null());
        match command.spawn() {
            Ok(child) => children.push(child),
            Err(e) => {
                stop_all(&specs, &mut children);
                return Err(Failure::failed(format!("cannot start node {i}: {e}")));
            }
        }
    }
    let outcome = super::runtime().and_then(|rt| {
        rt.block_on(async {
            let info = match &setup.info {
                Some(info) => info.clone(),
                None => {
                    println!(
                        "devnet: {} nodes started; running the DKG (node 0 leads)",
                        specs.len()
                    );
                    let ceremony = super::devnet_dkg::Ceremony {
                        beacon_id: &args.id,
                        scheme,
                        threshold: args.threshold,
                        period: args.period,
                        genesis: unix_now()? + args.genesis_delay.max(2),
                        identities: &setup.identities,
                    };
                    let mut nodes = super::devnet_dkg::Nodes {
                        specs: &specs,
                        children: &mut children,
                    };
                    let info = super::devnet_dkg::run(&mut nodes, &ceremony).await?;
                    println!("devnet: DKG complete: chain {}", info.hash().to_hex());
                    info
                }
            };
            super::devnet_setup::supervise(
                &args.dir,
                &specs,
                &mut children,
                &setup,
                &info,
                http,
                www.is_some(),
            )
            .await
        })
    });
    stop_all(&specs, &mut children);
    outcome
}

/// The `drand-node start` arguments of one node.
pub(crate) fn start_args(spec: &NodeSpec, ca_pem: &Path, www: Option<&Path>) -> Vec<String> {
    let mut args = vec![
        "start".to_owned(),
        "--folder".to_owned(),
        spec.folder.display().to_string(),
        "--private-listen".to_owned(),
        spec.private.to_string(),
        "--public-listen".to_owned(),
        spec.public.to_string(),
        "--control".to_owned(),
        spec.control.to_string(),
        "--metrics".to_owned(),
        spec.metrics.to_string(),
        "--tls-cert".to_owned(),
        spec.folder.join("tls/node.pem").display().to_string(),
        "--tls-key".to_owned(),
        spec.folder.join("tls/node.key").display().to_string(),
        "--tls-ca".to_owned(),
        ca_pem.display().to_string(),
    ];
    if let Some(www) = www {
        args.push("--www".to_owned());
        args.push(www.display().to_string());
    }
    args
}

fn check_group_size(nodes: u32, threshold: u32) -> Result<(), Failure> {
    if nodes == 0 || nodes > 64 {
        return Err(Failure::usage("--nodes must be between 1 and 64"));
    }
    let minimum = nodes / 2 + 1;
    if threshold < minimum || threshold > nodes {
        return Err(Failure::usage(format!(
            "--threshold must be between {minimum} (nodes/2+1) and {nodes}"
        )));
    }
    Ok(())
}

/// The devnet directory must be new or empty: a devnet never reuses another's keys.
fn prepare_dir(dir: &Path) -> Result<(), Failure> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Failure::usage(format!(
                    "{} is not empty; give a new or empty directory for the devnet",
                    dir.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir_all(dir)
            .map_err(|e| Failure::failed(format!("cannot create {}: {e}", dir.display()))),
        Err(e) => Err(Failure::failed(format!(
            "cannot read {}: {e}",
            dir.display()
        ))),
    }
}

/// The ports picked for the nodes, held bound until the nodes start.
#[derive(Default)]
struct Ports {
    held: Vec<TcpListener>,
}

impl Ports {
    /// Binds the address to fail early when it is taken; port 0 picks a free port. The socket
    /// stays open until `self` is dropped, then the node process binds the port.
    ///
    /// A port 0 is picked below the kernel's ephemeral range where there is room: a port from
    /// that range, free now, may be taken by any outgoing connection (the nodes' own, or other
    /// programs') in the moment between closing it here and the node binding it.
    fn reserve(&mut self, address: SocketAddr) -> Result<SocketAddr, Failure> {
        if address.port() == 0
            && let Some(listener) = below_ephemeral(address)
        {
            return self.hold(listener);
        }
        let listener = TcpListener::bind(address)
            .map_err(|e| Failure::failed(format!("cannot listen on {address}: {e}")))?;
        self.hold(listener)
    }

    fn hold(&mut self, listener: TcpListener) -> Result<SocketAddr, Failure> {
        let bound = listener
            .local_addr()
            .map_err(|e| Failure::failed(format!("cannot read the bound address: {e}")))?;
        self.held.push(listener);
        Ok(bound)
    }
}

/// The ports a devnet picks from: above the well-known and most registered services, below the
/// kernel's ephemeral range, and below the ports `scripts/dkg-example` picks in the tests
/// (20000 up), so that devnets and the worked example can run side by side.
const PICKED_PORTS: std::ops::Range<u16> = 10_000..20_000;

/// A listener on a random free port of [`PICKED_PORTS`] below the first ephemeral port (Linux's
/// `ip_local_port_range`); `None` where that range is unknown or leaves too little room.
fn below_ephemeral(address: SocketAddr) -> Option<TcpListener> {
    use rand_core::{OsRng, RngCore};
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let first_ephemeral: u16 = range.split_whitespace().next()?.parse().ok()?;
    let span = first_ephemeral
        .min(PICKED_PORTS.end)
        .checked_sub(PICKED_PORTS.start)?;
    if span < 1_000 {
        return None;
    }
    (0..200).find_map(|_| {
        let offset = u16::try_from(OsRng.next_u32() % u32::from(span)).ok()?;
        let mut candidate = address;
        candidate.set_port(PICKED_PORTS.start + offset);
        TcpListener::bind(candidate).ok()
    })
}

pub(crate) fn unix_now() -> Result<u64, Failure> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| Failure::failed("the system clock is before 1970"))
}

/// `www/` of the source tree, searched upwards from the binary (target/<profile>/drand-node)
/// and from the working directory.
fn find_www() -> Option<PathBuf> {
    let mut starts = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        starts.push(exe);
    }
    if let Ok(cwd) = std::env::current_dir() {
        starts.push(cwd.join("x"));
    }
    for start in starts {
        for dir in start.ancestors().skip(1) {
            let www = dir.join("www");
            if www.join("index.html").is_file() && dir.join("pkg").is_dir() {
                return Some(www);
            }
        }
    }
    None
}

/// Stops every node: a control-port shutdown first, then a kill after a grace period.
pub(crate) fn stop_all(specs: &[NodeSpec], children: &mut [Child]) {
    for (spec, child) in specs.iter().zip(children.iter_mut()) {
        if matches!(child.try_wait(), Ok(None)) {
            super::control::request_shutdown(spec.control);
        }
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    for child in children.iter_mut() {
        while matches!(child.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if matches!(child.try_wait(), Ok(None)) {
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picked_ports_are_distinct_and_below_the_ephemeral_range() {
        let mut ports = Ports::default();
        let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
        let picked: Vec<u16> = (0..40)
            .map(|_| ports.reserve(loopback).map(|a| a.port()))
            .collect::<Result<_, _>>()
            .expect("40 free loopback ports");
        let mut unique = picked.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), picked.len(), "{picked:?}");
        if below_ephemeral(loopback).is_some() {
            assert!(
                picked.iter().all(|p| PICKED_PORTS.contains(p)),
                "{picked:?}"
            );
        }
    }

    #[test]
    fn a_taken_port_is_refused_with_its_address() {
        let taken = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let address = taken.local_addr().expect("its address");
        let error = Ports::default().reserve(address).expect_err("taken");
        assert!(format!("{error:?}").contains(&address.to_string()));
    }
}
