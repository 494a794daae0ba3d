//! Whole ceremonies in the seeded simulation (real drivers, signatures and DKG on a virtual
//! clock): the operator flows, the post-mortem regressions and the asynchronous additions.

mod sim_ceremony_support;

use drand_lite::Scheme;
use drand_node::ceremony::Status;
use drand_node::ceremony::driver::{Command, ExecuteWhen};
use sim_ceremony_support::{HOUR_MS, Sim, seed};

const SCHEME: Scheme = Scheme::BlsUnchainedG1Rfc9380;

/// Epoch 1 with `n` nodes: init, join, execute; returns the sim.
fn first_epoch(seed: u64, n: usize, threshold: u32) -> Sim {
    let mut sim = Sim::new(seed, SCHEME, n);
    let all: Vec<usize> = (0..n).collect();
    sim.init(0, &all, threshold).unwrap();
    sim.wait(100);
    for i in 1..n {
        assert_eq!(sim.status(i), Status::Proposed, "node {i}");
        sim.command(
            i,
            Command::Join {
                previous_group: None,
            },
        )
        .unwrap();
    }
    sim.wait(100);
    sim.execute(0).unwrap();
    assert!(
        sim.run_until_complete(&all, 1, 60_000),
        "epoch 1 did not complete"
    );
    sim
}

#[test]
fn first_ceremony_of_four_nodes_completes() {
    let sim = first_epoch(seed(1), 4, 3);
    let group = sim.check_group(&[0, 1, 2, 3]);
    assert_eq!(group.nodes.len(), 4);
    assert_eq!(group.threshold, 3);
    assert_eq!(group.transition_time, group.genesis_time);
    // The leader saw every joiner's signed notice.
    assert_eq!(sim.nodes[0].driver.current().joined.len(), 3);
}

/// The README's worked example: 4 nodes, then a reshare that adds one node, removes one and
/// changes the threshold; the group key (so the chain) stays.
#[test]
fn reshare_adds_one_removes_one_and_changes_threshold() {
    let mut sim = first_epoch(seed(2), 4, 3);
    let before = sim.check_group(&[0, 1, 2, 3]);
    let joiner = sim.add_node();
    sim.reshare(0, &[0, 1, 2], &[joiner], &[3], 4, HOUR_MS)
        .unwrap();
    sim.wait(100);
    for i in [1, 2] {
        sim.command(i, Command::Accept).unwrap();
    }
    sim.command(
        joiner,
        Command::Join {
            previous_group: Some(Box::new(before.clone())),
        },
    )
    .unwrap();
    sim.wait(100);
    sim.execute(0).unwrap();
    assert!(sim.run_until_complete(&[0, 1, 2, joiner], 2, 60_000));
    let after = sim.check_group(&[0, 1, 2, joiner]);
    assert_eq!(after.threshold, 4);
    assert_eq!(after.nodes.len(), 4);
    assert_eq!(
        after.chain_info().unwrap().hash(),
        before.chain_info().unwrap().hash(),
        "a reshare keeps the chain"
    );
    assert!(after.transition_time >= after.genesis_time);
    assert_eq!(sim.status(3), Status::Left);
    assert!(sim.nodes[3].left_at.is_some());
}

/// Post-mortem: abort after a proposal, then a new proposal with a CHANGED participant set
/// succeeds with no nuke (drand#1318).
#[test]
fn abort_then_new_proposal_with_changed_participants_succeeds_without_nuke() {
    let mut sim = first_epoch(seed(3), 4, 3);
    let group = sim.check_group(&[0, 1, 2, 3]);
    let joiner = sim.add_node();
    sim.reshare(0, &[0, 1, 2, 3], &[joiner], &[], 3, HOUR_MS)
        .unwrap();
    sim.wait(100);
    sim.command(1, Command::Accept).unwrap();
    sim.wait(100);
    sim.command(0, Command::Abort).unwrap();
    sim.wait(100);
    for i in 0..4 {
        assert_eq!(sim.status(i), Status::Aborted, "node {i}");
    }
    // Another set: node 3 leaves, no joiner.
    sim.reshare(0, &[0, 1, 2], &[], &[3], 2, HOUR_MS).unwrap();
    sim.wait(100);
    for i in [1, 2] {
        sim.command(i, Command::Accept).unwrap();
    }
    sim.wait(100);
    sim.execute(0).unwrap();
    assert!(sim.run_until_complete(&[0, 1, 2], 2, 60_000));
    let after = sim.check_group(&[0, 1, 2]);
    assert_eq!(after.public_key(), group.public_key());
}

/// Post-mortem: a failed first epoch recovers (a joiner vanishes during execution; the retry
/// swaps it out) without a nuke.
#[test]
fn failed_first_epoch_recovers() {
    let mut sim = Sim::new(seed(4), SCHEME, 5);
    sim.init(0, &[0, 1, 2, 3], 3).unwrap();
    sim.wait(100);
    for i in 1..4 {
        sim.command(
            i,
            Command::Join {
                previous_group: None,
            },
        )
        .unwrap();
    }
    sim.wait(100);
    sim.execute(0).unwrap();
    // Nodes 2 and 3 die right after the Execute packet: fewer than the threshold deal.
    sim.wait(10);
    sim.go_offline(2);
    sim.go_offline(3);
    sim.wait(60_000);
    assert_eq!(sim.status(0), Status::Failed);
    assert!(sim.nodes[0].driver.finished().is_none());
    // Retry epoch 1 with node 4 instead of 3; node 2 is back.
    sim.restart(2);
    sim.init(0, &[0, 1, 2, 4], 3).unwrap();
    sim.wait(100);
    for i in [1, 2, 4] {
        sim.command(
            i,
            Command::Join {
                previous_group: None,
            },
        )
        .unwrap();
    }
    sim.wait(100);
    sim.execute(0).unwrap();
    assert!(sim.run_until_complete(&[0, 1, 2, 4], 1, 60_000));
    sim.check_group(&[0, 1, 2, 4]);
}

/// Async: a joiner offline when the proposal went out gets it by the leader's re-gossip and
/// joins; the leader executes when everyone is ready.
#[test]
fn offline_at_proposal_time_joins_via_regossip_and_execution_waits_for_readiness() {
    let mut sim = Sim::new(seed(5), SCHEME, 4);
    sim.go_offline(3);
    sim.init(0, &[0, 1, 2, 3], 3).unwrap();
    sim.command(
        0,
        Command::Execute {
            when: ExecuteWhen::WhenReady { quorum: None },
            kickoff_delay_ms: 1_000,
        },
    )
    .unwrap();
    sim.wait(100);
    for i in [1, 2] {
        sim.command(
            i,
            Command::Join {
                previous_group: None,
            },
        )
        .unwrap();
    }
    sim.wait(30_000);
    assert_eq!(sim.status(0), Status::Proposing, "must wait for node 3");
    sim.restart(3);
    assert!(sim.run(30_000, |s| s.status(3) == Status::Proposed));
    sim.command(
        3,
        Command::Join {
            previous_group: None,
        },
    )
    .unwrap();
    assert!(sim.run_until_complete(&[0, 1, 2, 3], 1, 60_000));
    sim.check_group(&[0, 1, 2, 3]);
}

/// Async: a remainer that restarts during the proposal phase pulls the proposal from its
/// group at start.
#[test]
fn restarted_remainer_pulls_the_live_proposal() {
    let mut sim = first_epoch(seed(6), 4, 3);
    sim.go_offline(2);
    sim.reshare(0, &[0, 1, 2, 3], &[], &[], 3, HOUR_MS).unwrap();
    sim.wait(100);
    assert_ne!(sim.status(2), Status::Proposed);
    sim.restart(2);
    sim.wait(100);
    assert_eq!(sim.status(2), Status::Proposed, "pulled at start");
}

/// A proposal past its deadline reads as TimedOut and the next proposal is accepted.
#[test]
fn proposal_past_its_deadline_times_out_and_the_next_is_accepted() {
    let mut sim = first_epoch(seed(7), 4, 3);
    sim.reshare(0, &[0, 1, 2, 3], &[], &[], 3, 60_000).unwrap();
    sim.wait(100);
    assert_eq!(sim.status(1), Status::Proposed);
    sim.wait(61_000);
    for i in 0..4 {
        assert_eq!(sim.status(i), Status::TimedOut, "node {i}");
    }
    assert!(sim.command(1, Command::Accept).is_err());
    sim.reshare(0, &[0, 1, 2, 3], &[], &[], 4, HOUR_MS).unwrap();
    sim.wait(100);
    for i in 1..4 {
        sim.command(i, Command::Accept).unwrap();
    }
    sim.wait(100);
    sim.execute(0).unwrap();
    assert!(sim.run_until_complete(&[0, 1, 2, 3], 2, 60_000));
    assert_eq!(sim.check_group(&[0, 1, 2, 3]).threshold, 4);
}

/// A leaver stays offline: it blocks neither the proposal nor the execution.
#[test]
fn offline_leaver_blocks_nothing() {
    let mut sim = first_epoch(seed(8), 4, 3);
    sim.go_offline(3);
    sim.reshare(0, &[0, 1, 2], &[], &[3], 2, HOUR_MS).unwrap();
    sim.wait(100);
    for i in [1, 2] {
        sim.command(i, Command::Accept).unwrap();
    }
    sim.wait(100);
    sim.execute(0).unwrap();
    assert!(sim.run_until_complete(&[0, 1, 2], 2, 60_000));
    sim.check_group(&[0, 1, 2]);
}

/// A node that left is re-invited as a joiner of a later epoch.
#[test]
fn leaver_is_reinvited_in_a_later_epoch() {
    let mut sim = first_epoch(seed(9), 4, 3);
    sim.reshare(0, &[0, 1, 2], &[], &[3], 2, HOUR_MS).unwrap();
    sim.wait(100);
    for i in [1, 2] {
        sim.command(i, Command::Accept).unwrap();
    }
    sim.wait(100);
    sim.execute(0).unwrap();
    assert!(sim.run_until_complete(&[0, 1, 2], 2, 60_000));
    let epoch2 = sim.check_group(&[0, 1, 2]);
    assert_eq!(sim.status(3), Status::Left);
    sim.reshare(0, &[0, 1, 2], &[3], &[], 3, HOUR_MS).unwrap();
    sim.wait(100);
    for i in [1, 2] {
        sim.command(i, Command::Accept).unwrap();
    }
    sim.command(
        3,
        Command::Join {
            previous_group: Some(Box::new(epoch2)),
        },
    )
    .unwrap();
    sim.wait(100);
    sim.execute(0).unwrap();
    assert!(sim.run_until_complete(&[0, 1, 2, 3], 3, 60_000));
    sim.check_group(&[0, 1, 2, 3]);
}

/// drand's TestRunShitloadsOfDKGs: 20 reshares back to back, membership and threshold
/// changing, the group key never.
#[test]
fn twenty_back_to_back_reshares() {
    let mut sim = first_epoch(seed(10), 4, 3);
    let key = sim
        .check_group(&[0, 1, 2, 3])
        .public_key()
        .unwrap()
        .to_vec();
    let mut members: Vec<usize> = vec![0, 1, 2, 3];
    for epoch in 2..=21u32 {
        // Alternate: add a node, or drop the newest non-leader.
        let (joining, leaving): (Vec<usize>, Vec<usize>) = if members.len() < 5 {
            (vec![sim.add_node()], vec![])
        } else {
            (vec![], vec![*members.last().unwrap()])
        };
        let remaining: Vec<usize> = members
            .iter()
            .copied()
            .filter(|m| !leaving.contains(m))
            .collect();
        let n = remaining.len() + joining.len();
        let threshold = (n / 2 + 1 + (epoch as usize % 2)).min(n) as u32;
        let previous = sim.nodes[0].group.clone().unwrap();
        sim.reshare(0, &remaining, &joining, &leaving, threshold, HOUR_MS)
            .unwrap_or_else(|e| panic!("epoch {epoch}: {e}"));
        sim.wait(50);
        for &i in remaining.iter().skip(1) {
            sim.command(i, Command::Accept).unwrap();
        }
        for &j in &joining {
            sim.command(
                j,
                Command::Join {
                    previous_group: Some(Box::new(previous.clone())),
                },
            )
            .unwrap();
        }
        sim.wait(50);
        sim.execute(0).unwrap();
        members = remaining.iter().chain(&joining).copied().collect();
        assert!(
            sim.run_until_complete(&members, epoch, 60_000),
            "epoch {epoch}"
        );
        let group = sim.check_group(&members);
        assert_eq!(
            group.public_key().unwrap(),
            &key[..],
            "epoch {epoch} changed the group key"
        );
        assert_eq!(group.threshold, threshold);
    }
}

/// Packets of an aborted attempt replayed into the retry do nothing: the retry's DKG session
/// differs, and the gossip of the old proposal is refused.
#[test]
fn an_aborted_attempt_cannot_be_replayed_into_the_retry() {
    let mut sim = first_epoch(seed(11), 4, 3);
    sim.reshare(0, &[0, 1, 2, 3], &[], &[], 3, HOUR_MS).unwrap();
    sim.wait(100);
    let old = sim.nodes[1].driver.live_proposal(sim.now).unwrap();
    sim.command(0, Command::Abort).unwrap();
    sim.wait(100);
    sim.reshare(0, &[0, 1, 2, 3], &[], &[], 4, HOUR_MS).unwrap();
    sim.wait(100);
    let new_terms = sim.nodes[1].driver.current().terms().unwrap();
    let drand_node::ceremony::GossipBody::Proposal(old_terms) = &old.body else {
        panic!()
    };
    assert_ne!(
        drand_node::ceremony::driver::session_of(old_terms),
        drand_node::ceremony::driver::session_of(&new_terms)
    );
    // The old proposal replayed now changes nothing: a duplicate to a node that saw it, and
    // refused by one that restarted (and forgot what it saw).
    let now = sim.now;
    let _ = sim.nodes[2].driver.handle(
        now,
        drand_node::ceremony::driver::Event::Packet(old.clone()),
        &mut rand_core::OsRng,
    );
    assert_eq!(sim.status(2), Status::Proposed);
    assert_eq!(sim.nodes[2].driver.current().threshold, 4);
    sim.restart(2);
    sim.wait(100);
    let now = sim.now;
    let replay = sim.nodes[2].driver.handle(
        now,
        drand_node::ceremony::driver::Event::Packet(old),
        &mut rand_core::OsRng,
    );
    assert!(replay.is_err(), "{replay:?}");
    assert_eq!(sim.status(2), Status::Proposed);
    assert_eq!(sim.nodes[2].driver.current().threshold, 4);
}
