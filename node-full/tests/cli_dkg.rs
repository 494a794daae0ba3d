//! `drand-node dkg ...` as an operator runs it: argument errors, commands reaching a fake
//! control server, `status --json`'s shape, `nuke` (refuses while the node holds the store,
//! a declined prompt changes nothing, `--yes` backs everything up) and `generate-proposal`
//! against fake nodes over real TLS (an offline leaver does not matter, a wrong address does).

mod cli_support;
mod net_support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use cli_support::{Output, run, run_with_stdin};
use drand_lite::Scheme;
use drand_node::crypto::SecretKey;
use drand_node::files::keys::KeyPairFiles;
use drand_node::files::{BeaconPaths, Group, GroupNode, Identity, ProposalFile};
use drand_node::proto::IdentityResponse;
use drand_node::proto::dkg::{DkgEntry, DkgStatusResponse, Participant, dkg_command};
use drand_node::store::DkgStore;
use net_support::*;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

const WITHIN: Duration = Duration::from_secs(60);
const SCHEME: Scheme = Scheme::BlsUnchainedG1Rfc9380;

/// Runs the binary off the async runtime (the fake servers live on it).
async fn node(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&refs, WITHIN)
    })
    .await
    .unwrap()
}

#[test]
fn argument_errors_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let missing = missing.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["dkg", "init"], "--proposal"),
        (vec!["dkg", "init", "--proposal", missing], "missing.toml"),
        (
            vec!["dkg", "reshare", "--proposal", missing, "--period", "3s"],
            "--period",
        ),
        (
            vec!["dkg", "execute", "--when-ready", "--at", "1700000000"],
            "--at",
        ),
        (vec!["dkg", "execute", "--quorum", "3"], "--when-ready"),
        (
            vec!["dkg", "execute", "--kickoff-delay", "soon"],
            "--kickoff-delay",
        ),
        (vec!["dkg", "nuke", "--folder", "x"], "--id"),
        (
            vec!["dkg", "generate-proposal", "--out", "p.toml"],
            "--joiner",
        ),
    ];
    for (args, want) in cases {
        let out = run(&args, WITHIN);
        out.assert_fails(2);
        assert!(out.stderr.contains(want), "{args:?}: {}", out.both());
    }
    // Missing required values are named together.
    let p = dir.path().join("p.toml");
    std::fs::write(
        &p,
        "[[Joining]]\nAddress = \"a.example:443\"\nKey = \"ab\"\nSignature = \"cd\"\n",
    )
    .unwrap();
    let out = run(
        &[
            "dkg",
            "init",
            "--proposal",
            p.to_str().unwrap(),
            "--threshold",
            "1",
        ],
        WITHIN,
    );
    out.assert_fails(2);
    for want in ["--period", "--catchup-period", "--scheme", "--genesis-time"] {
        assert!(out.stderr.contains(want), "{want}: {}", out.both());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_and_status_over_the_control_port() {
    let fake = Arc::new(Fake::default());
    let control = start_control(fake.clone()).await;
    let addr = control.addr.as_str();

    node(&["dkg", "accept", "--control", addr, "--id", "quicknet"])
        .await
        .assert_ok();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.toml");
    std::fs::write(
        &p,
        "Threshold = 2\nPeriod = \"3s\"\nCatchupPeriod = \"1s\"\nScheme = \"bls-unchained-g1-rfc9380\"\n\
         [[Joining]]\nAddress = \"a.example:443\"\nKey = \"ab\"\nSignature = \"cd\"\n\
         [[Joining]]\nAddress = \"b.example:443\"\nKey = \"ef\"\nSignature = \"01\"\n",
    )
    .unwrap();
    let out = node(&[
        "dkg",
        "init",
        "--control",
        addr,
        "--proposal",
        p.to_str().unwrap(),
        "--genesis-delay",
        "1m",
        "--timeout",
        "2h",
    ])
    .await;
    out.assert_ok();
    node(&[
        "dkg",
        "execute",
        "--control",
        addr,
        "--when-ready",
        "--quorum",
        "2",
        "--kickoff-delay",
        "3s",
    ])
    .await
    .assert_ok();
    {
        let commands = fake.commands.lock().unwrap();
        assert_eq!(commands.len(), 3);
        assert_eq!(commands[0].0, "quicknet");
        assert!(matches!(
            commands[0].1.command,
            Some(dkg_command::Command::Accept(_))
        ));
        let Some(dkg_command::Command::Initial(init)) = &commands[1].1.command else {
            panic!("not an init: {:?}", commands[1].1);
        };
        assert_eq!(init.threshold, 2);
        assert_eq!(init.joining.len(), 2);
        assert_eq!(init.joining[1].key, vec![0xef]);
        let genesis = init.genesis_time.unwrap().seconds;
        let timeout = init.timeout.unwrap().seconds;
        assert!(
            (7100..=7300).contains(&(timeout - genesis)),
            "{genesis} {timeout}"
        );
        let Some(dkg_command::Command::Execute(exec)) = &commands[2].1.command else {
            panic!("not an execute");
        };
        assert!(exec.when_ready);
        assert_eq!((exec.quorum, exec.kickoff_delay_ms), (2, 3000));
    }

    let who = |a: &str| Participant {
        address: a.into(),
        key: vec![1],
        signature: vec![2],
    };
    *fake.dkg_status.lock().unwrap() = DkgStatusResponse {
        complete: None,
        current: Some(DkgEntry {
            beacon_id: "default".into(),
            state: 2,
            epoch: 1,
            threshold: 2,
            leader: Some(who("a.example:443")),
            joining: vec![
                who("a.example:443"),
                who("b.example:443"),
                who("c.example:443"),
            ],
            joined: vec![who("b.example:443")],
            ..Default::default()
        }),
    };
    let out = node(&["dkg", "status", "--control", addr, "--json"]).await;
    out.assert_ok();
    let v: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(v.as_object().unwrap().len(), 2, "{v}");
    assert_eq!(v["complete"], serde_json::Value::Null);
    assert_eq!(v["current"]["state"], "Proposing");
    assert_eq!(v["current"]["joined"], serde_json::json!(["b.example:443"]));
    assert_eq!(v["current"]["leader"], "a.example:443");

    let out = node(&["dkg", "status", "--control", addr]).await;
    out.assert_ok();
    let line = |addr: &str| {
        out.stdout
            .lines()
            .find(|l| l.trim_start().starts_with(addr))
            .unwrap_or_else(|| panic!("{addr} missing: {}", out.stdout))
            .to_owned()
    };
    assert!(line("a.example:443").ends_with("leader"));
    assert!(line("b.example:443").ends_with("joined"));
    assert!(line("c.example:443").ends_with("silent"));
    assert!(out.stdout.contains("last complete: none"), "{}", out.stdout);

    // An unknown beacon is the daemon's answer, exit 1.
    let out = node(&["dkg", "status", "--control", addr, "--id", "nope"]).await;
    out.assert_fails(1);
    assert!(out.stderr.contains("NotFound"), "{}", out.both());
}

/// A node folder with a DKG state, a group file, a share and a beacon database.
fn node_folder(root: &Path) -> BeaconPaths {
    let paths = BeaconPaths::new(root, "default").unwrap();
    paths.ensure_dirs().unwrap();
    std::fs::write(paths.group_file(), "group").unwrap();
    std::fs::write(paths.share_file(), "share").unwrap();
    std::fs::write(paths.db_dir().join("drand.redb"), "beacons").unwrap();
    let store = DkgStore::open(root).unwrap();
    store.save_finished("default", b"complete").unwrap();
    store.save_current("other", b"other beacon").unwrap();
    paths
}

fn backups(dir: &Path, prefix: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix) && n.len() > prefix.len())
        .collect()
}

#[test]
fn nuke_refuses_while_the_node_runs_and_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let paths = node_folder(dir.path());
    let folder = dir.path().to_str().unwrap();
    let args = [
        "dkg", "nuke", "--folder", folder, "--id", "default", "--yes",
    ];

    // The "running node" holds the store.
    let held = DkgStore::open(dir.path()).unwrap();
    let out = run(&args, WITHIN);
    out.assert_fails(1);
    assert!(
        out.stderr.contains("in use by a running node"),
        "{}",
        out.both()
    );
    assert!(out.stderr.contains("nothing was changed"), "{}", out.both());
    assert!(paths.group_file().exists() && paths.db_dir().exists());
    drop(held);

    // Declined: nothing changes.
    for answer in ["n\n", "\n", ""] {
        let out = run_with_stdin(&args[..6], answer, WITHIN);
        out.assert_fails(1);
        assert!(out.stderr.contains("[y/N]"), "{}", out.both());
        assert!(out.stderr.contains("not confirmed"), "{}", out.both());
    }
    assert!(paths.group_file().exists() && paths.share_file().exists());
    assert!(paths.db_dir().join("drand.redb").exists());
    {
        let store = DkgStore::open(dir.path()).unwrap();
        assert!(store.finished("default").unwrap().is_some());
    }

    // Confirmed at the prompt.
    let out = run_with_stdin(&args[..6], "y\n", WITHIN);
    out.assert_ok();
    assert!(
        out.stdout.contains("Deleted the DKG state"),
        "{}",
        out.both()
    );
    assert!(!paths.group_file().exists() && !paths.share_file().exists());
    assert!(!paths.db_dir().exists());
    assert_eq!(backups(&paths.group_dir(), "drand_group.toml.").len(), 1);
    assert_eq!(backups(&paths.group_dir(), "dist_key.private.").len(), 1);
    let db_backup = backups(&paths.beacon_dir(), "db.");
    assert_eq!(db_backup.len(), 1);
    assert!(
        paths
            .beacon_dir()
            .join(&db_backup[0])
            .join("drand.redb")
            .exists()
    );
    let store = DkgStore::open(dir.path()).unwrap();
    assert_eq!(store.current("default").unwrap(), None);
    assert_eq!(store.finished("default").unwrap(), None);
    assert!(
        store.current("other").unwrap().is_some(),
        "other beacons are kept"
    );
}

#[test]
fn nuke_with_yes_and_twice_in_a_row() {
    let dir = tempfile::tempdir().unwrap();
    let paths = node_folder(dir.path());
    let folder = dir.path().to_str().unwrap();
    let out = run(
        &[
            "dkg", "nuke", "--folder", folder, "--id", "default", "--yes",
        ],
        WITHIN,
    );
    out.assert_ok();
    assert!(out.stdout.contains("Moved"), "{}", out.both());
    assert!(!paths.group_file().exists());
    // A second nuke in the same second keeps both backups apart.
    std::fs::write(paths.group_file(), "group 2").unwrap();
    run(
        &[
            "dkg", "nuke", "--folder", folder, "--id", "default", "--yes",
        ],
        WITHIN,
    )
    .assert_ok();
    assert_eq!(backups(&paths.group_dir(), "drand_group.toml.").len(), 2);
    // Nothing left at all for an unknown beacon.
    let empty = tempfile::tempdir().unwrap();
    let out = run(
        &[
            "dkg",
            "nuke",
            "--folder",
            empty.path().to_str().unwrap(),
            "--id",
            "default",
            "--yes",
        ],
        WITHIN,
    );
    out.assert_fails(1);
    assert!(out.stderr.contains("nothing to nuke"), "{}", out.both());
    assert!(
        !empty.path().join("dkg.redb").exists(),
        "nuke created nothing"
    );
}

fn identity(seed: u64, address: &str) -> (SecretKey, Identity) {
    let secret = SecretKey::generate(SCHEME, &mut ChaCha8Rng::seed_from_u64(seed));
    let id = Identity::new_signed(&secret, address).unwrap();
    (secret, id)
}

fn answer(id: &Identity) -> IdentityResponse {
    IdentityResponse {
        address: id.address.clone(),
        key: id.key.clone(),
        signature: id.signature.clone(),
        scheme_name: id.scheme.id().to_owned(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_proposal_asks_joiners_and_remainers_never_leavers() {
    let tls = tls_setup();
    let joiner = start(tls.server.clone()).await;
    let remainer = start(tls.server.clone()).await;
    // The leaver's address: a port nobody listens on.
    let leaver_addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let (_, joiner_id) = identity(1, &joiner.addr);
    let (_, remainer_id) = identity(2, &remainer.addr);
    let (_, leaver_id) = identity(3, &leaver_addr);
    *joiner.fake.identity_override.lock().unwrap() = Some(answer(&joiner_id));
    *remainer.fake.identity_override.lock().unwrap() = Some(answer(&remainer_id));

    let dir = tempfile::tempdir().unwrap();
    let (secret, me) = identity(4, "127.0.0.1:1");
    KeyPairFiles::new(dir.path(), "default")
        .unwrap()
        .write(&secret, &me)
        .unwrap();
    let group = Group {
        threshold: 2,
        period_secs: 3,
        catchup_period_secs: 1,
        genesis_time: 1_700_000_000,
        transition_time: 1_700_000_000,
        genesis_seed: vec![1; 32],
        scheme: SCHEME,
        beacon_id: "default".into(),
        nodes: [&remainer_id, &leaver_id]
            .iter()
            .enumerate()
            .map(|(i, id)| GroupNode {
                address: id.address.clone(),
                key: id.key.clone(),
                signature: id.signature.clone(),
                index: i as u32,
            })
            .collect(),
        public_coefficients: Vec::new(),
    };
    let paths = BeaconPaths::new(dir.path(), "default").unwrap();
    group.write(&paths.group_file()).unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, tls.ca.cert_pem()).unwrap();
    let out_file = dir.path().join("proposal.toml");
    let base = |out: &Path| -> Vec<String> {
        [
            "dkg",
            "generate-proposal",
            "--folder",
            dir.path().to_str().unwrap(),
            "--tls-ca",
            ca.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    };
    let with = |out: &Path, extra: &[&str]| -> Vec<String> {
        let mut v = base(out);
        v.extend(extra.iter().map(|s| (*s).to_owned()));
        v
    };
    let args = with(
        &out_file,
        &[
            "--joiner",
            &joiner.addr,
            "--remainer",
            &remainer.addr,
            "--leaver",
            &leaver_addr,
        ],
    );
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = node(&refs).await;
    out.assert_ok();
    let proposal = ProposalFile::load(&out_file).unwrap();
    assert_eq!(proposal.joining[0].address, joiner.addr);
    assert_eq!(proposal.joining[0].key, joiner_id.key);
    assert_eq!(proposal.remaining[0].signature, remainer_id.signature);
    assert_eq!(
        proposal.leaving[0].key, leaver_id.key,
        "from the group file"
    );
    assert_eq!(proposal.beacon_id.as_deref(), Some("default"));

    // A leaver that is not in the last group file.
    let other = dir.path().join("p2.toml");
    let args = with(
        &other,
        &["--remainer", &remainer.addr, "--leaver", "127.0.0.1:9"],
    );
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = node(&refs).await;
    out.assert_fails(1);
    assert!(
        out.stderr.contains("not a member of the last group"),
        "{}",
        out.both()
    );
    assert!(!other.exists());

    // A node advertising another address than the one asked.
    let (_, elsewhere) = identity(5, "somewhere.else:443");
    *joiner.fake.identity_override.lock().unwrap() = Some(answer(&elsewhere));
    let args = with(&other, &["--joiner", &joiner.addr]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = node(&refs).await;
    out.assert_fails(1);
    assert!(out.stderr.contains("somewhere.else:443"), "{}", out.both());
    assert!(
        out.stderr.contains("not the address asked"),
        "{}",
        out.both()
    );

    // A bad self-signature, and another scheme.
    let mut forged = answer(&joiner_id);
    forged.signature = remainer_id.signature.clone();
    *joiner.fake.identity_override.lock().unwrap() = Some(forged);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = node(&refs).await;
    out.assert_fails(1);
    assert!(out.stderr.contains("self-signature"), "{}", out.both());
    let mut foreign = answer(&joiner_id);
    foreign.scheme_name = "pedersen-bls-chained".into();
    *joiner.fake.identity_override.lock().unwrap() = Some(foreign);
    let out = node(&refs).await;
    out.assert_fails(1);
    assert!(out.stderr.contains("uses scheme"), "{}", out.both());

    // An existing output file is never overwritten.
    let args = with(&out_file, &["--remainer", &remainer.addr]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = node(&refs).await;
    out.assert_fails(2);
    assert!(out.stderr.contains("already exists"), "{}", out.both());
}
