//! Multi-process DKG tests on loopback with real TLS, driven through the operator CLI:
//! - a dealt group with no DKG state (the v1 layout) is migrated to epoch 1 Complete, and a
//!   reshare through `dkg generate-proposal / reshare / accept / execute / wait` completes
//!   and the new group goes on with the same chain;
//! - `dkg status --json` has the documented shape after the devnet's real DKG;
//! - `dkg nuke` refuses while the node runs and, once stopped, resets it (with backups).

use std::time::Duration;

use drand_node::files::BeaconPaths;

mod cli_support;
mod process_dkg_support;

use cli_support::{process_gone, run, run_with_stdin, wait_for_or};
use process_dkg_support::{ID, Net, Setup, dkg, dkg_ok, status_json};

/// The addresses of a JSON list of participants.
fn addresses(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn dealt_group_migrates_to_epoch_1_then_reshares_through_the_cli() {
    let net = Net::start(4, 3, Setup::TrustedDealer);
    let all: Vec<String> = net.nodes.iter().map(|n| n.address.clone()).collect();

    // Every node turned its group file and share into epoch 1, Complete.
    for node in &net.nodes {
        let s = status_json(&node.control);
        assert_eq!(s["complete"]["epoch"], 1, "{} migrated: {s}", node.address);
        assert_eq!(s["complete"]["state"], "Complete", "{s}");
        assert_eq!(s["complete"]["threshold"], 3, "{s}");
        assert_eq!(s["current"]["epoch"], 1, "{s}");
        assert_eq!(s["current"]["state"], "Complete", "{s}");
    }

    // The leader (node 0) asks every remainer for its identity; nobody joins or leaves; the
    // threshold goes from 3 to 4.
    let proposal = net.dir.path().join("epoch2.toml");
    let ca = net.ca();
    let folder0 = net.nodes[0].folder.to_str().unwrap().to_owned();
    let mut args = vec![
        "generate-proposal",
        "--tls-ca",
        ca.to_str().unwrap(),
        "--folder",
        &folder0,
        "--out",
        proposal.to_str().unwrap(),
    ];
    for address in &all {
        args.extend(["--remainer", address.as_str()]);
    }
    dkg_ok(&args);
    let leader = net.nodes[0].control.as_str();
    dkg_ok(&[
        "reshare",
        "--control",
        leader,
        "--proposal",
        proposal.to_str().unwrap(),
        "--threshold",
        "4",
    ]);
    for node in &net.nodes[1..] {
        let c = node.control.as_str();
        dkg_ok(&[
            "wait",
            "--control",
            c,
            "--state",
            "Proposed",
            "--timeout",
            "20s",
        ]);
        dkg_ok(&["accept", "--control", c]);
    }
    dkg_ok(&[
        "execute",
        "--control",
        leader,
        "--when-ready",
        "--kickoff-delay",
        "1s",
    ]);
    for node in &net.nodes {
        let out = dkg(&[
            "wait",
            "--control",
            &node.control,
            "--epoch",
            "2",
            "--timeout",
            "40s",
        ]);
        assert_eq!(out.code(), Some(0), "{}\n{}", out.both(), net.logs());
    }

    // Every node has the epoch-2 group: same key, threshold 4, one transition time.
    let old = net.info.clone();
    let group = net.group(0);
    assert_eq!(group.threshold, 4);
    assert_eq!(group.nodes.len(), 4);
    let info = group.chain_info().unwrap();
    assert_eq!(info.hash(), old.hash(), "a reshare keeps the chain hash");
    for (i, node) in net.nodes.iter().enumerate() {
        let s = status_json(&node.control);
        assert_eq!(s["complete"]["epoch"], 2, "{s}");
        assert_eq!(s["complete"]["threshold"], 4, "{s}");
        assert_eq!(
            sorted(addresses(&s["complete"]["remaining"])),
            sorted(all.clone())
        );
        assert_eq!(
            net.group(i).transition_time,
            group.transition_time,
            "node {i} agrees on the transition time"
        );
    }
    let transition = group.transition_time;
    let genesis = group.genesis_time;
    let period = u64::from(group.period_secs);
    assert!(transition > genesis && (transition - genesis).is_multiple_of(period));
    let transition_round = (transition - genesis) / period + 1;

    // The new group signs from the transition round on, on the same chain: no gap.
    net.wait_round(&net.http, transition_round + 1, Duration::from_secs(50));
    net.check_rounds(&net.http, transition_round - 2, transition_round + 1);
    let (status, body) = cli_support::http_get(&format!("{}/info", net.http)).unwrap();
    assert_eq!(status, 200);
    drand_lite::ChainInfo::pinned(&body, &net.chain_hash).expect("/info still has the same hash");
}

#[test]
fn dkg_status_json_after_the_devnet_dkg() {
    let net = Net::start(4, 3, Setup::Dkg);
    let all = sorted(net.nodes.iter().map(|n| n.address.clone()).collect());
    let leader = net.nodes[0].address.clone();
    for node in &net.nodes {
        let s = status_json(&node.control);
        let obj = s.as_object().unwrap();
        assert_eq!(
            sorted(obj.keys().cloned().collect()),
            ["complete", "current"],
            "{s}"
        );
        for which in ["complete", "current"] {
            let e = &s[which];
            assert_eq!(e["beacon_id"], ID, "{which}: {s}");
            assert_eq!(e["epoch"], 1, "{which}: {s}");
            assert_eq!(e["state"], "Complete", "{which}: {s}");
            assert_eq!(e["threshold"], 3, "{which}: {s}");
            assert_eq!(e["leader"], leader.as_str(), "{which}: {s}");
            // Epoch 1: everybody joins; nobody remains or leaves.
            assert_eq!(sorted(addresses(&e["joining"])), all, "{which}: {s}");
            assert_eq!(
                addresses(&e["remaining"]),
                Vec::<String>::new(),
                "{which}: {s}"
            );
            assert_eq!(
                addresses(&e["leaving"]),
                Vec::<String>::new(),
                "{which}: {s}"
            );
            assert!(
                e["acceptors"].is_array() && e["rejectors"].is_array(),
                "{s}"
            );
            assert!(e["genesis_time"].as_u64().unwrap() > 0, "{s}");
        }
    }
    // The group the DKG made is the one served.
    assert_eq!(net.group(0).nodes.len(), 4);
    assert_eq!(net.group(0).chain_info().unwrap().hash(), net.info.hash());
    net.wait_round(&net.http, 2, Duration::from_secs(20));
}

#[test]
fn dkg_nuke_refuses_while_running_then_resets_a_stopped_node() {
    let mut net = Net::start(4, 3, Setup::TrustedDealer);
    let node = net.nodes[1].clone();
    let folder = node.folder.to_str().unwrap().to_owned();
    let paths = BeaconPaths::new(&node.folder, ID).unwrap();
    // The migration has written the DKG state by the time the status answers.
    assert_eq!(status_json(&node.control)["complete"]["epoch"], 1);

    // Running: the node holds the DKG store; nothing changes.
    let out = dkg(&["nuke", "--folder", &folder, "--id", ID, "--yes"]);
    out.assert_fails(1);
    assert!(
        out.stderr.contains("stopped"),
        "the refusal says the node must be stopped: {}",
        out.both()
    );
    assert!(paths.group_file().exists() && paths.share_file().exists());
    assert_eq!(status_json(&node.control)["complete"]["epoch"], 1);

    // Stopped.
    run(
        &["stop", "--control", &node.control],
        Duration::from_secs(20),
    )
    .assert_ok();
    wait_for_or(
        "the node exits after `stop`",
        Duration::from_secs(15),
        || process_gone(node.pid).then_some(()),
        || node.log(),
    );
    // Not confirmed: nothing changes.
    let out = run_with_stdin(
        &["dkg", "nuke", "--folder", &folder, "--id", ID],
        "n\n",
        Duration::from_secs(20),
    );
    assert_ne!(out.code(), Some(0), "{}", out.both());
    assert!(paths.group_file().exists() && paths.share_file().exists());

    // --yes: the group, share and database move aside; the DKG state is gone.
    let out = dkg(&["nuke", "--folder", &folder, "--id", ID, "--yes"]);
    out.assert_ok();
    assert!(!paths.group_file().exists(), "{}", out.both());
    assert!(!paths.share_file().exists(), "{}", out.both());
    let backups = |file: &std::path::Path| {
        let name = file.file_name().unwrap().to_str().unwrap().to_owned();
        std::fs::read_dir(file.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with(&format!("{name}.")))
            .count()
    };
    assert_eq!(
        backups(&paths.group_file()),
        1,
        "one group backup: {}",
        out.both()
    );
    assert_eq!(
        backups(&paths.share_file()),
        1,
        "one share backup: {}",
        out.both()
    );

    // Restarted, the node has only its keypair: Fresh, waiting for a DKG.
    let args = node.start.clone();
    net.spawn_extra(&args, &node.folder.join("node.log"));
    let s = wait_for_or(
        "the restarted node answers dkg status",
        Duration::from_secs(20),
        || {
            let out = run(
                &["dkg", "status", "--control", &node.control, "--json"],
                Duration::from_secs(10),
            );
            (out.code() == Some(0))
                .then(|| serde_json::from_str::<serde_json::Value>(out.stdout.trim()).ok())
                .flatten()
        },
        || node.log(),
    );
    assert!(s["complete"].is_null(), "nuked: no completed epoch: {s}");
    assert_eq!(s["current"]["state"], "Fresh", "{s}");
    // The others go on (3 of 4 suffice).
    let round = net.latest(&net.http).unwrap();
    net.wait_round(&net.http, round + 2, Duration::from_secs(10));
}
