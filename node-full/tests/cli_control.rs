//! The control-port commands against a running devnet (3 nodes, t = 2, real TLS between them):
//! `status` (text and JSON) shows the last stored round; `show chain-info` prints v2 JSON with
//! devnet.json's chain hash (`--hash` prints just it); `show group` prints the group TOML, whose
//! hash (`show group --hash`) is the chain's genesis seed (epoch 1); `stop --control` stops one
//! node (exit 0 within seconds) while the others go on.

mod cli_support;

use std::time::Duration;

use cli_support::{Devnet, process_gone, run, wait_for, wait_for_or};
use drand_node::files::Group;

const WITHIN: Duration = Duration::from_secs(30);

#[test]
fn status_show_and_stop_over_the_control_port() {
    let mut devnet = Devnet::start(3, 2, "bls-unchained-g1-rfc9380");
    let node = devnet.nodes[1].clone();
    let control = node.control.as_str();

    // status: text and JSON, with a last stored round that advances.
    let text = run(&["status", "--control", control], WITHIN);
    text.assert_ok();
    assert!(
        text.stdout
            .starts_with("beacon default: last stored round "),
        "{}",
        text.both()
    );
    let first = wait_for("node 1 stores round 2", Duration::from_secs(20), || {
        node.last_stored().filter(|r| *r >= 2)
    });
    let json = run(&["status", "--control", control, "--json"], WITHIN);
    json.assert_ok();
    let doc: serde_json::Value =
        serde_json::from_str(json.stdout.trim()).expect("status --json is JSON");
    assert_eq!(doc["beacon_id"], "default");
    assert_eq!(doc["epoch"], 1);
    assert_eq!(doc["running"], true, "{doc}");
    let last = doc["last_stored"].as_u64().unwrap();
    assert!(last >= first, "{doc}");
    assert!(doc["expected_last"].as_u64().unwrap() + 1 >= last, "{doc}");
    let unknown = run(&["status", "--control", control, "--id", "nope"], WITHIN);
    unknown.assert_fails(1);
    assert!(
        unknown.stderr.contains("nope"),
        "names the unknown beacon: {}",
        unknown.both()
    );

    // show chain-info: v2 JSON pinned by devnet.json's chain hash.
    let info = run(&["show", "chain-info", "--control", control], WITHIN);
    info.assert_ok();
    let info_json: serde_json::Value = serde_json::from_str(info.stdout.trim()).unwrap();
    assert_eq!(
        info_json["chain_hash"].as_str(),
        Some(devnet.chain_hash.as_str()),
        "{}",
        info.stdout
    );
    assert_eq!(info_json["scheme"], "bls-unchained-g1-rfc9380");
    assert_eq!(info_json["period"], 1);
    assert_eq!(info_json["beacon_id"], "default");
    assert_eq!(info_json["genesis_time"], devnet.doc["genesis_time"]);
    let chain = drand_lite::ChainInfo::pinned(info.stdout.trim(), &devnet.chain_hash)
        .expect("the printed chain info hashes to devnet.json's chain hash");
    let hash = run(
        &["show", "chain-info", "--control", control, "--hash"],
        WITHIN,
    );
    hash.assert_ok();
    assert_eq!(hash.stdout.trim(), devnet.chain_hash);

    // show group: the group file's TOML; its hash is the genesis seed (epoch 1).
    let group_out = run(&["show", "group", "--control", control], WITHIN);
    group_out.assert_ok();
    let on_disk = std::fs::read_to_string(
        node.folder
            .join("multibeacon/default/groups/drand_group.toml"),
    )
    .unwrap();
    assert_eq!(
        group_out.stdout, on_disk,
        "show group prints the group file byte for byte"
    );
    let group = Group::from_toml(&group_out.stdout).expect("show group prints a valid group file");
    let group_hash = run(&["show", "group", "--control", control, "--hash"], WITHIN);
    group_hash.assert_ok();
    let seed = info_json["genesis_seed"].as_str().unwrap();
    assert_eq!(
        group_hash.stdout.trim(),
        drand_lite::hex::encode(&group.hash())
    );
    assert_eq!(
        group_hash.stdout.trim(),
        seed,
        "epoch 1: the genesis seed is the group hash"
    );
    assert_eq!(drand_lite::hex::encode(chain.genesis_seed()), seed);
    assert_eq!(
        drand_lite::hex::encode(&group.genesis_seed),
        seed,
        "the file's GenesisSeed"
    );
    // Every node reports the same group.
    for other in [&devnet.nodes[0], &devnet.nodes[2]] {
        let out = run(
            &["show", "group", "--control", &other.control, "--hash"],
            WITHIN,
        );
        out.assert_ok();
        assert_eq!(out.stdout.trim(), seed);
    }

    // A control address nobody listens on: a clear error, not a hang.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let nobody = run(&["status", "--control", &closed], WITHIN);
    nobody.assert_fails(1);
    assert!(nobody.stderr.contains(&closed), "{}", nobody.both());

    // stop --control: node 2 runs as this test's child (restarted from its devnet.json start
    // line) so its exit status is visible; the other two (t = 2) go on without it.
    let victim = devnet.nodes[2].clone();
    assert!(
        std::process::Command::new("kill")
            .args(["-9", &victim.pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    wait_for("node 2 killed", Duration::from_secs(10), || {
        process_gone(victim.pid).then_some(())
    });
    let log = devnet.dir.path().join("restarted-node2.log");
    devnet.spawn_extra(&victim.start, &log);
    let seen = std::cell::Cell::new(None);
    wait_for_or(
        "the restarted node 2 answers status",
        Duration::from_secs(20),
        || {
            seen.set(victim.last_stored());
            if seen.get().is_none() && devnet.extra[0].try_wait().unwrap().is_some() {
                panic!(
                    "the restarted node 2 exited:\n{}",
                    std::fs::read_to_string(&log).unwrap()
                );
            }
            seen.get().filter(|r| *r >= first)
        },
        || {
            format!(
                "last status: {:?}; log:\n{}",
                seen.get(),
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        },
    );
    // stop --id: only that beacon stops; the daemon goes on answering.
    let unknown = run(
        &["stop", "--control", &victim.control, "--id", "nope"],
        WITHIN,
    );
    unknown.assert_fails(1);
    assert!(unknown.stderr.contains("nope"), "{}", unknown.both());
    let one = run(
        &["stop", "--control", &victim.control, "--id", "default"],
        WITHIN,
    );
    one.assert_ok();
    assert!(one.stdout.contains("goes on"), "{}", one.both());
    let again = run(
        &["stop", "--control", &victim.control, "--id", "default"],
        WITHIN,
    );
    again.assert_fails(1);
    assert!(again.stderr.contains("not running"), "{}", again.both());
    assert!(
        devnet.extra[0].try_wait().unwrap().is_none(),
        "the daemon exited on a one-beacon stop"
    );
    let stopped = run(&["status", "--control", &victim.control], WITHIN);
    stopped.assert_fails(1);
    assert!(stopped.stderr.contains("was stopped"), "{}", stopped.both());

    let stop = run(&["stop", "--control", &victim.control], WITHIN);
    stop.assert_ok();
    assert!(stop.stdout.contains("stopping"), "{}", stop.both());
    let status = wait_for("node 2 exits after stop", Duration::from_secs(10), || {
        devnet.extra[0].try_wait().unwrap()
    });
    assert!(
        status.success(),
        "node 2 exit status {status}; log:\n{}",
        std::fs::read_to_string(&log).unwrap()
    );
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("drand-node stopped")
    );
    let down = run(&["status", "--control", &victim.control], WITHIN);
    down.assert_fails(1);

    let at_stop = devnet.nodes[0].last_stored().unwrap();
    wait_for(
        "the chain goes on with 2 of 3 nodes",
        Duration::from_secs(15),
        || devnet.nodes[0].last_stored().filter(|r| *r >= at_stop + 3),
    );
    wait_for("node 1 follows", Duration::from_secs(15), || {
        devnet.nodes[1].last_stored().filter(|r| *r >= at_stop + 3)
    });
}
