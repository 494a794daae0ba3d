//! `drand-node sync` from a running devnet node over real TLS: it fills a fresh store up to
//! `--up-to` with verified beacons (checked by opening the store afterwards), resumes from the
//! stored round, and refuses a wrong chain hash, a malformed one, and an untrusted certificate
//! without writing anything.

mod cli_support;

use std::time::Duration;

use cli_support::{Devnet, run, wait_for};
use drand_lite::ChainInfo;
use drand_node::store::{BeaconStore, RedbStore};

const WITHIN: Duration = Duration::from_secs(60);

fn sync_args<'a>(
    folder: &'a str,
    node: &'a str,
    hash: &'a str,
    ca: &'a str,
    up_to: &'a str,
) -> Vec<&'a str> {
    vec![
        "sync",
        "--folder",
        folder,
        "--id",
        "default",
        "--sync-nodes",
        node,
        "--chain-hash",
        hash,
        "--tls-ca",
        ca,
        "--up-to",
        up_to,
    ]
}

/// Opens the store `sync` wrote and checks every beacon 1..=last against the chain.
fn check_store(folder: &std::path::Path, info: &ChainInfo) -> u64 {
    let path = folder.join("multibeacon/default/db/drand.redb");
    let store = RedbStore::open(&path, info.scheme().is_chained(), info.genesis_seed()).unwrap();
    let last = store.last().unwrap().round;
    for round in 1..=last {
        let stored = store
            .get(round)
            .unwrap()
            .unwrap_or_else(|| panic!("round {round} missing"));
        let beacon = stored.to_beacon();
        drand_lite::verify(info, &beacon).unwrap_or_else(|e| panic!("round {round}: {e}"));
    }
    last
}

#[test]
fn sync_fills_a_fresh_store_and_refuses_another_chain() {
    let devnet = Devnet::start(3, 2, "bls-unchained-g1-rfc9380");
    let source = devnet.nodes[0].clone();
    let hash = devnet.chain_hash.clone();
    let ca = devnet.ca().to_owned();
    let (_, info_json) = cli_support::http_get(&format!("{}/info", source.public)).unwrap();
    let info = ChainInfo::pinned(&info_json, &hash).unwrap();
    wait_for(
        "the devnet reaches round 6",
        Duration::from_secs(30),
        || source.last_stored().filter(|r| *r >= 6),
    );

    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("new");
    let folder_s = folder.to_str().unwrap();

    // A fresh folder synced up to round 4.
    let out = run(
        &sync_args(folder_s, &source.address, &hash, &ca, "4"),
        WITHIN,
    );
    out.assert_ok();
    assert!(out.stdout.contains("synced up to round "), "{}", out.both());
    assert!(
        out.stdout.contains(&source.address),
        "names its source: {}",
        out.both()
    );
    let last = check_store(&folder, &info);
    assert!(last >= 4, "stored up to {last}");

    // Again with a higher target: it resumes from the stored round.
    let out = run(
        &sync_args(folder_s, &source.address, &hash.to_uppercase(), &ca, "6"),
        WITHIN,
    );
    out.assert_ok();
    let resumed = check_store(&folder, &info);
    assert!(resumed >= 6, "stored up to {resumed}");

    // A chain hash the node does not serve: refused in words, nothing written.
    let other = work.path().join("other");
    let mut wrong = hash.clone().into_bytes();
    wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
    let wrong = String::from_utf8(wrong).unwrap();
    let out = run(
        &sync_args(other.to_str().unwrap(), &source.address, &wrong, &ca, "3"),
        WITHIN,
    );
    out.assert_fails(1);
    assert!(
        out.stderr.contains(&wrong),
        "names the hash: {}",
        out.both()
    );
    assert!(out.stderr.contains("unknown chain hash"), "{}", out.both());
    assert!(
        !other.join("multibeacon/default/db/drand.redb").exists(),
        "no store for a refused chain"
    );

    // A malformed chain hash is a usage error.
    let out = run(
        &sync_args(other.to_str().unwrap(), &source.address, "abcd", &ca, "3"),
        WITHIN,
    );
    out.assert_fails(2);
    assert!(out.stderr.contains("--chain-hash"), "{}", out.both());

    // Without the devnet's CA the node's certificate is refused (no fallback to anything).
    let out = run(
        &[
            "sync",
            "--folder",
            other.to_str().unwrap(),
            "--sync-nodes",
            &source.address,
            "--chain-hash",
            &hash,
            "--up-to",
            "3",
        ],
        WITHIN,
    );
    out.assert_fails(1);
    assert!(out.stderr.contains("certificate"), "{}", out.both());
    assert!(!other.join("multibeacon/default/db/drand.redb").exists());

    // The first sync node fails, the second serves: sync goes on to the next.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let nodes = format!("{closed},{}", devnet.nodes[1].address);
    let third = work.path().join("third");
    let out = run(
        &sync_args(third.to_str().unwrap(), &nodes, &hash, &ca, "3"),
        WITHIN,
    );
    out.assert_ok();
    assert!(
        out.stderr.contains(&closed),
        "reports the failed node: {}",
        out.both()
    );
    assert!(check_store(&third, &info) >= 3);
}
