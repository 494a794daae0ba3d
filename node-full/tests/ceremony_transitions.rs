//! The transition methods (§1.6) as drand's state-machine tests exercise them (one test per
//! drand case, named after it), our additions (joined notices, kickoff, lazy TimedOut,
//! §1.5 fallback) and the post-mortem regressions.

mod ceremony_support;

use ceremony_support::*;
use drand_node::ceremony::{
    CeremonyError, DkgState, GossipBody, Participant, ProposalTerms, Status, Timestamp, dkg_nonce,
    packet_digest, proposal_digest, state_to_apply_to,
};

type Transition = fn(&DkgState) -> Result<DkgState, CeremonyError>;

/// `start.<transition>` must give exactly `expected`.
macro_rules! ok_cases {
    ($($name:ident: $start:expr, $f:expr => $expected:expr;)*) => {$(
        #[test]
        fn $name() {
            let start: DkgState = $start;
            let f: Transition = $f;
            let expected: DkgState = $expected;
            assert_eq!(f(&start), Ok(expected));
        }
    )*};
}

/// `start.<transition>` must fail with an error matching the pattern.
macro_rules! err_cases {
    ($($name:ident: $start:expr, $f:expr => $expected:pat,)*) => {$(
        #[test]
        fn $name() {
            let start: DkgState = $start;
            let f: Transition = $f;
            let result = f(&start);
            assert!(matches!(result, Err($expected)), "got {result:?}");
        }
    )*};
}

/// The state Proposing/Proposed build from terms.
fn from_terms(terms: &ProposalTerms, status: Status) -> DkgState {
    DkgState {
        beacon_id: terms.beacon_id.clone(),
        epoch: terms.epoch,
        status,
        threshold: terms.threshold,
        timeout: terms.timeout,
        scheme_id: terms.scheme_id.clone(),
        genesis_time: terms.genesis_time,
        genesis_seed: terms.genesis_seed.clone(),
        catchup_period_secs: terms.catchup_period_secs,
        beacon_period_secs: terms.beacon_period_secs,
        leader: Some(terms.leader.clone()),
        remaining: terms.remaining.clone(),
        joining: terms.joining.clone(),
        leaving: terms.leaving.clone(),
        proposal_digest: Some(proposal_digest(terms)),
        ..DkgState::fresh(&terms.beacon_id)
    }
}

fn kickoff() -> Timestamp {
    Timestamp::from_secs(NOW.secs + 5)
}

fn invalid(from: Status, to: Status) -> CeremonyError {
    CeremonyError::InvalidTransition { from, to }
}

// --- TestTimeoutCanOnlyBeCalledFromValidState ------------------------------------------

fn timed_out(status: Status) -> Result<DkgState, CeremonyError> {
    complete_entry(status, &alice(), &[bob()]).timed_out()
}

#[test]
fn timeout_can_only_be_called_from_valid_state() {
    let cases = [
        ("fresh state cannot time out", Status::Fresh, false),
        ("complete state cannot time out", Status::Complete, false),
        ("timed out state cannot time out", Status::TimedOut, false),
        ("aborted state cannot time out", Status::Aborted, false),
        ("left state cannot time out", Status::Left, false),
        ("joined state can time out", Status::Joined, true),
        ("proposed state can time out", Status::Proposed, true),
        ("proposing state can time out", Status::Proposing, true),
        ("executing state can time out", Status::Executing, true),
        ("accepted state can time out", Status::Accepted, true),
        ("rejected state can time out", Status::Rejected, true),
    ];
    for (name, from, ok) in cases {
        let result = timed_out(from);
        if ok {
            assert_eq!(
                result,
                Ok(complete_entry(Status::TimedOut, &alice(), &[bob()])),
                "{name}"
            );
        } else {
            assert_eq!(result, Err(invalid(from, Status::TimedOut)), "{name}");
        }
    }
}

// --- TestAbortCanOnlyBeCalledFromValidState --------------------------------------------

#[test]
fn abort_can_only_be_called_from_valid_state() {
    let cases = [
        ("fresh state cannot be aborted", Status::Fresh, false),
        ("complete state cannot be aborted", Status::Complete, false),
        ("timed out state can be aborted", Status::TimedOut, true),
        ("aborted state cannot be aborted", Status::Aborted, false),
        ("left state can be aborted", Status::Left, true),
        ("joined state can be aborted", Status::Joined, true),
        ("proposed state can be aborted", Status::Proposed, true),
        ("proposing state can be aborted", Status::Proposing, true),
        (
            "executing state cannot be aborted",
            Status::Executing,
            false,
        ),
        ("accepted state can be aborted", Status::Accepted, true),
        ("rejected state can be aborted", Status::Rejected, true),
    ];
    for (name, from, ok) in cases {
        let start = complete_entry(from, &alice(), &[bob()]);
        for result in [start.aborted(&alice().address), start.start_abort()] {
            if ok {
                assert_eq!(
                    result,
                    Ok(complete_entry(Status::Aborted, &alice(), &[bob()])),
                    "{name}"
                );
            } else {
                assert_eq!(result, Err(invalid(from, Status::Aborted)), "{name}");
            }
        }
    }
}

err_cases! {
    non_leader_cannot_abort:
        complete_entry(Status::Proposing, &alice(), &[bob()]),
        |s| s.aborted(&bob().address)
        => CeremonyError::OnlyLeaderCanAbort { .. },
}

#[test]
fn anyone_can_abort_locally() {
    let s = complete_entry(Status::Accepted, &alice(), &[bob()]);
    assert_eq!(s.start_abort().unwrap().status, Status::Aborted);
}

// --- TestJoiningADKGFromProposal --------------------------------------------------------

#[test]
fn fresh_state_can_join_with_a_valid_proposal() {
    let terms = initial_proposal(&alice(), &[bob()]);
    let proposed = DkgState::fresh(BEACON)
        .proposed(&bob(), terms.clone(), &alice().address, NOW)
        .unwrap();
    let joined = proposed.joined(&alice(), None, NOW).unwrap();
    assert_eq!(joined, from_terms(&terms, Status::Joined));
}

err_cases! {
    fresh_state_join_fails_if_self_not_present_in_joining:
        complete_entry(Status::Proposed, &alice(), &[bob()]),
        |s| s.joined(&alice(), None, NOW)
        => CeremonyError::NotAJoiner { .. },
    joining_after_first_epoch_without_group_file_fails:
        with(complete_entry(Status::Proposed, &alice(), &[]), |s| {
            s.epoch = 2;
            s.joining = vec![bob()];
        }),
        |s| s.joined(&bob(), None, NOW)
        => CeremonyError::GroupFileRequired { epoch: 2 },
    joining_with_a_group_file_of_another_genesis_time_fails:
        with(complete_entry(Status::Proposed, &alice(), &[]), |s| {
            s.epoch = 2;
            s.joining = vec![bob()];
        }),
        |s| s.joined(&bob(), Some(with_group(|g| g.genesis_time += 1)), NOW)
        => CeremonyError::GroupGenesisTimeMismatch { .. },
    joining_with_a_group_file_of_another_genesis_seed_fails:
        with(complete_entry(Status::Proposed, &alice(), &[]), |s| {
            s.epoch = 2;
            s.joining = vec![bob()];
        }),
        |s| s.joined(&bob(), Some(with_group(|g| g.genesis_seed = vec![1; 32])), NOW)
        => CeremonyError::GroupGenesisSeedMismatch,
    joining_with_a_group_file_whose_members_differ_from_the_remainers_fails:
        with(complete_entry(Status::Proposed, &alice(), &[carol()]), |s| {
            s.epoch = 2;
            s.joining = vec![bob()];
        }),
        |s| s.joined(&bob(), Some(group_of(&[alice()], 1)), NOW)
        => CeremonyError::NotInCurrentGroup { .. },
    joining_with_a_group_file_listing_a_member_the_proposal_forgot_fails:
        with(complete_entry(Status::Proposed, &alice(), &[]), |s| {
            s.epoch = 2;
            s.joining = vec![bob()];
        }),
        |s| s.joined(&bob(), Some(group_of(&[alice(), carol()], 2)), NOW)
        => CeremonyError::MissingFromProposal { .. },
    joining_with_a_group_file_where_a_remainer_has_another_key_fails:
        with(complete_entry(Status::Proposed, &alice(), &[]), |s| {
            s.epoch = 2;
            s.joining = vec![bob()];
        }),
        |s| {
            let mut g = group_of(&[alice()], 1);
            g.nodes[0].key = carol().key;
            s.joined(&bob(), Some(g), NOW)
        }
        => CeremonyError::RemainerKeyChanged { .. },
    joining_after_the_timeout_fails:
        past_timeout(with(complete_entry(Status::Proposed, &alice(), &[]), |s| s.joining = vec![bob()])),
        |s| s.joined(&bob(), None, NOW)
        => CeremonyError::TimeoutReached { .. },
}

fn with_group(f: impl FnOnce(&mut drand_node::files::Group)) -> drand_node::files::Group {
    let mut g = group_of(&[alice()], 1);
    f(&mut g);
    g
}

#[test]
fn joining_after_first_epoch_keeps_the_previous_group() {
    let start = with(complete_entry(Status::Proposed, &alice(), &[]), |s| {
        s.epoch = 2;
        s.joining = vec![bob()];
    });
    let group = group_of(&[alice()], 1);
    let joined = start.joined(&bob(), Some(group.clone()), NOW).unwrap();
    assert_eq!(joined.status, Status::Joined);
    assert_eq!(joined.final_group, Some(group));
}

// --- TestProposingDKGFromFresh ----------------------------------------------------------

ok_cases! {
    proposing_a_valid_dkg_changes_state_to_proposing:
        DkgState::fresh(BEACON),
        |s| s.proposing(&alice(), initial_proposal(&alice(), &[bob()]), NOW)
        => from_terms(&initial_proposal(&alice(), &[bob()]), Status::Proposing);
}

err_cases! {
    proposing_an_invalid_dkg_returns_an_error:
        DkgState::fresh(BEACON),
        |s| s.proposing(&alice(), valid_proposal(0, &alice(), &[bob()]), NOW)
        => CeremonyError::EpochInUse { proposed: 0, .. },
    proposing_a_dkg_as_non_leader_returns_an_error:
        DkgState::fresh(BEACON),
        |s| s.proposing(&alice(), initial_proposal(&stranger("somebody-that-isnt-me.com"), &[]), NOW)
        => CeremonyError::NotLeader { .. },
    proposing_a_dkg_with_epoch_above_1_when_fresh_state_returns_an_error:
        DkgState::fresh(BEACON),
        |s| s.proposing(&alice(), valid_proposal(2, &alice(), &[bob()]), NOW)
        => CeremonyError::ReshareFromFresh { proposed: 2 },
}

// --- TestProposingDKGFromNonFresh -------------------------------------------------------

ok_cases! {
    proposing_a_valid_dkg_from_complete_changes_state_to_proposing:
        complete_entry(Status::Complete, &alice(), &[bob()]),
        |s| s.proposing(&alice(), valid_proposal(2, &alice(), &[bob()]), NOW)
        => from_terms(&valid_proposal(2, &alice(), &[bob()]), Status::Proposing);
    proposing_a_valid_dkg_from_aborted_changes_state_to_proposing:
        complete_entry(Status::Aborted, &alice(), &[bob()]),
        |s| s.proposing(&alice(), valid_proposal(2, &alice(), &[bob()]), NOW)
        => from_terms(&valid_proposal(2, &alice(), &[bob()]), Status::Proposing);
    proposing_a_valid_dkg_after_timeout_changes_state_to_proposing:
        complete_entry(Status::TimedOut, &alice(), &[bob()]),
        |s| s.proposing(&alice(), valid_proposal(2, &alice(), &[bob()]), NOW)
        => from_terms(&valid_proposal(2, &alice(), &[bob()]), Status::Proposing);
    proposing_a_dkg_without_accepted_nodes_from_prior_epoch_who_didnt_make_the_final_group_file_succeeds:
        with(complete_entry(Status::Complete, &alice(), &[bob(), carol()]), |s| {
            // carol was in the proposal but not in the final group (not in QUAL)
            s.final_group = Some(group_of(&[bob(), alice()], 2));
        }),
        |s| s.proposing(&alice(), valid_proposal(2, &alice(), &[bob()]), NOW)
        => from_terms(&valid_proposal(2, &alice(), &[bob()]), Status::Proposing);
}

err_cases! {
    cannot_propose_a_dkg_when_already_joined:
        complete_entry(Status::Joined, &alice(), &[bob()]),
        |s| s.proposing(&alice(), valid_proposal(2, &alice(), &[bob()]), NOW)
        => CeremonyError::InvalidTransition { from: Status::Joined, to: Status::Proposing },
    proposing_a_dkg_when_leaving_returns_error:
        complete_entry(Status::Left, &alice(), &[bob()]),
        |s| s.proposing(&alice(), valid_proposal(2, &alice(), &[bob()]), NOW)
        => CeremonyError::InvalidTransition { from: Status::Left, to: Status::Proposing },
    proposing_a_dkg_when_already_proposing_returns_an_error:
        complete_entry(Status::Proposing, &alice(), &[bob()]),
        |s| s.proposing(&alice(), valid_proposal(2, &alice(), &[bob()]), NOW)
        => CeremonyError::InvalidTransition { from: Status::Proposing, to: Status::Proposing },
    proposing_a_dkg_when_one_has_already_been_proposed_returns_an_error:
        complete_entry(Status::Proposed, &alice(), &[bob()]),
        |s| s.proposing(&alice(), valid_proposal(2, &alice(), &[bob()]), NOW)
        => CeremonyError::InvalidTransition { from: Status::Proposed, to: Status::Proposing },
    proposing_a_dkg_during_execution_returns_an_error:
        complete_entry(Status::Executing, &alice(), &[bob()]),
        |s| s.proposing(&alice(), valid_proposal(2, &alice(), &[bob()]), NOW)
        => CeremonyError::InvalidTransition { from: Status::Executing, to: Status::Proposing },
    proposing_a_dkg_after_acceptance_returns_an_error:
        complete_entry(Status::Accepted, &alice(), &[bob()]),
        |s| s.proposing(&alice(), valid_proposal(2, &alice(), &[bob()]), NOW)
        => CeremonyError::InvalidTransition { from: Status::Accepted, to: Status::Proposing },
    proposing_a_dkg_after_rejection_returns_an_error:
        complete_entry(Status::Rejected, &alice(), &[bob()]),
        |s| s.proposing(&alice(), valid_proposal(2, &alice(), &[bob()]), NOW)
        => CeremonyError::InvalidTransition { from: Status::Rejected, to: Status::Proposing },
}

// --- TestProposedDKG --------------------------------------------------------------------

ok_cases! {
    being_proposed_a_valid_dkg_from_complete_changes_state_to_proposed:
        complete_entry(Status::Complete, &alice(), &[bob()]),
        |s| s.proposed(&bob(), valid_proposal(2, &alice(), &[bob()]), &alice().address, NOW)
        => from_terms(&valid_proposal(2, &alice(), &[bob()]), Status::Proposed);
    being_proposed_a_valid_dkg_with_epoch_1_from_fresh_state_changes_state_to_proposed:
        DkgState::fresh(BEACON),
        |s| s.proposed(&bob(), initial_proposal(&alice(), &[bob()]), &alice().address, NOW)
        => from_terms(&initial_proposal(&alice(), &[bob()]), Status::Proposed);
    being_proposed_a_valid_dkg_with_epoch_above_1_from_fresh_state_changes_state_to_proposed:
        DkgState::fresh(BEACON),
        |s| s.proposed(&bob(), valid_proposal(2, &alice(), &[bob()]), &alice().address, NOW)
        => from_terms(&valid_proposal(2, &alice(), &[bob()]), Status::Proposed);
}

err_cases! {
    being_proposed_a_valid_dkg_but_without_me_included_in_some_way_returns_an_error:
        DkgState::fresh(BEACON),
        |s| s.proposed(&bob(), initial_proposal(&alice(), &[carol()]), &alice().address, NOW)
        => CeremonyError::SelfMissingFromProposal { .. },
    being_proposed_a_valid_dkg_from_state_executing_returns_an_error:
        complete_entry(Status::Executing, &alice(), &[bob()]),
        |s| s.proposed(&bob(), valid_proposal(2, &alice(), &[bob()]), &alice().address, NOW)
        => CeremonyError::InvalidTransition { from: Status::Executing, to: Status::Proposed },
    being_proposed_a_dkg_by_somebody_who_isnt_the_leader_returns_an_error:
        complete_entry(Status::Aborted, &alice(), &[bob()]),
        |s| s.proposed(&bob(), valid_proposal(2, &alice(), &[bob()]), &carol().address, NOW)
        => CeremonyError::NotLeader { .. },
    being_proposed_an_otherwise_invalid_dkg_returns_an_error:
        complete_entry(Status::Aborted, &alice(), &[bob()]),
        |s| s.proposed(&bob(), valid_proposal(0, &alice(), &[bob()]), &alice().address, NOW)
        => CeremonyError::EpochBehind { .. },
}

// --- TestAcceptingDKG / TestRejectingDKG ------------------------------------------------

ok_cases! {
    valid_proposal_can_be_accepted:
        complete_entry(Status::Proposed, &alice(), &[bob()]),
        |s| s.accepted(&bob(), NOW)
        => with(complete_entry(Status::Accepted, &alice(), &[bob()]), |e| e.acceptors = vec![bob()]);
    valid_proposal_can_be_rejected:
        complete_entry(Status::Proposed, &alice(), &[bob()]),
        |s| s.rejected(&alice(), NOW)
        => with(complete_entry(Status::Rejected, &alice(), &[bob()]), |e| e.rejectors = vec![alice()]);
}

err_cases! {
    cannot_accept_a_fresh_proposal:
        DkgState::fresh(BEACON), |s| s.accepted(&alice(), NOW)
        => CeremonyError::InvalidTransition { from: Status::Fresh, to: Status::Accepted },
    cannot_accept_own_proposal:
        complete_entry(Status::Proposing, &alice(), &[]), |s| s.accepted(&alice(), NOW)
        => CeremonyError::InvalidTransition { from: Status::Proposing, to: Status::Accepted },
    cannot_accept_a_proposal_ive_already_rejected:
        complete_entry(Status::Rejected, &alice(), &[]), |s| s.accepted(&alice(), NOW)
        => CeremonyError::InvalidTransition { from: Status::Rejected, to: Status::Accepted },
    cannot_accept_a_proposal_that_has_already_timed_out:
        past_timeout(complete_entry(Status::Proposed, &alice(), &[])), |s| s.accepted(&alice(), NOW)
        => CeremonyError::TimeoutReached { .. },
    cannot_accept_a_proposal_where_i_am_leaving:
        with(complete_entry(Status::Proposed, &alice(), &[]), |s| s.leaving = vec![alice()]),
        |s| s.accepted(&alice(), NOW)
        => CeremonyError::LeaverCannotRespond { action: "accept" },
    cannot_accept_a_proposal_where_i_am_joining:
        with(complete_entry(Status::Proposed, &alice(), &[]), |s| s.joining = vec![alice()]),
        |s| s.accepted(&alice(), NOW)
        => CeremonyError::JoinerCannotRespond { action: "accept" },
    cannot_reject_a_fresh_proposal:
        DkgState::fresh(BEACON), |s| s.rejected(&alice(), NOW)
        => CeremonyError::InvalidTransition { from: Status::Fresh, to: Status::Rejected },
    cannot_reject_own_proposal:
        complete_entry(Status::Proposing, &alice(), &[]), |s| s.rejected(&alice(), NOW)
        => CeremonyError::InvalidTransition { from: Status::Proposing, to: Status::Rejected },
    cannot_reject_a_proposal_ive_already_accepted:
        complete_entry(Status::Accepted, &alice(), &[]), |s| s.rejected(&alice(), NOW)
        => CeremonyError::InvalidTransition { from: Status::Accepted, to: Status::Rejected },
    cannot_reject_a_proposal_that_has_already_timed_out:
        past_timeout(complete_entry(Status::Proposed, &alice(), &[])), |s| s.rejected(&alice(), NOW)
        => CeremonyError::TimeoutReached { .. },
    cannot_reject_a_proposal_where_i_am_leaving:
        with(complete_entry(Status::Proposed, &alice(), &[]), |s| s.leaving = vec![alice()]),
        |s| s.rejected(&alice(), NOW)
        => CeremonyError::LeaverCannotRespond { action: "reject" },
    cannot_reject_a_proposal_where_i_am_joining:
        with(complete_entry(Status::Proposed, &alice(), &[]), |s| s.joining = vec![alice()]),
        |s| s.rejected(&alice(), NOW)
        => CeremonyError::JoinerCannotRespond { action: "reject" },
}

// --- TestLeftDKG ------------------------------------------------------------------------

ok_cases! {
    can_leave_valid_proposal_that_contains_me_as_a_leaver:
        with(complete_entry(Status::Proposed, &alice(), &[]), |s| s.leaving = vec![alice()]),
        |s| s.left(&alice(), NOW)
        => with(complete_entry(Status::Left, &alice(), &[]), |s| s.leaving = vec![alice()]);
    can_leave_valid_proposal_immediately_if_i_have_just_joined_it:
        with(complete_entry(Status::Joined, &alice(), &[]), |s| s.joining = vec![alice()]),
        |s| s.left(&alice(), NOW)
        => with(complete_entry(Status::Left, &alice(), &[]), |s| s.joining = vec![alice()]);
}

err_cases! {
    trying_to_leave_if_not_a_leaver_returns_an_error:
        complete_entry(Status::Proposed, &alice(), &[bob()]), |s| s.left(&bob(), NOW)
        => CeremonyError::NotALeaver { .. },
    attempting_to_leave_if_timeout_has_been_reached_returns_an_error:
        past_timeout(with(complete_entry(Status::Proposed, &alice(), &[bob()]), |s| s.leaving = vec![bob()])),
        |s| s.left(&bob(), NOW)
        => CeremonyError::TimeoutReached { .. },
    cannot_leave_if_proposal_already_complete:
        with(complete_entry(Status::Complete, &alice(), &[bob()]), |s| s.leaving = vec![bob()]),
        |s| s.left(&bob(), NOW)
        => CeremonyError::InvalidTransition { from: Status::Complete, to: Status::Left },
}

// --- TestExecutingDKG (kickoff recorded: ours) ------------------------------------------

ok_cases! {
    executing_valid_proposal_that_i_have_accepted_succeeds:
        complete_entry(Status::Accepted, &alice(), &[bob()]),
        |s| s.executing(&bob(), &alice().address, kickoff(), NOW)
        => with(complete_entry(Status::Executing, &alice(), &[bob()]), |s| s.kickoff = Some(kickoff()));
    executing_as_a_leaver_transitions_me_to_left:
        with(complete_entry(Status::Proposed, &alice(), &[bob()]), |s| s.leaving = vec![carol()]),
        |s| s.executing(&carol(), &alice().address, kickoff(), NOW)
        => with(complete_entry(Status::Left, &alice(), &[bob()]), |s| {
            s.leaving = vec![carol()];
            s.kickoff = Some(kickoff());
        });
    executing_as_a_joiner_who_joined_succeeds:
        with(complete_entry(Status::Joined, &alice(), &[bob()]), |s| s.joining = vec![carol()]),
        |s| s.executing(&carol(), &alice().address, kickoff(), NOW)
        => with(complete_entry(Status::Executing, &alice(), &[bob()]), |s| {
            s.joining = vec![carol()];
            s.kickoff = Some(kickoff());
        });
    leader_starting_execution_records_the_kickoff:
        complete_entry(Status::Proposing, &alice(), &[bob()]),
        |s| s.start_executing(&alice(), kickoff(), NOW)
        => with(complete_entry(Status::Executing, &alice(), &[bob()]), |s| s.kickoff = Some(kickoff()));
}

err_cases! {
    executing_a_valid_proposal_that_i_have_rejected_returns_an_error:
        complete_entry(Status::Rejected, &alice(), &[bob()]),
        |s| s.executing(&bob(), &alice().address, kickoff(), NOW)
        => CeremonyError::InvalidTransition { from: Status::Rejected, to: Status::Executing },
    executing_a_proposal_i_never_answered_returns_an_error:
        complete_entry(Status::Proposed, &alice(), &[bob()]),
        |s| s.executing(&bob(), &alice().address, kickoff(), NOW)
        => CeremonyError::InvalidTransition { from: Status::Proposed, to: Status::Executing },
    executing_a_proposal_after_time_out_returns_an_error:
        past_timeout(complete_entry(Status::Accepted, &alice(), &[bob()])),
        |s| s.executing(&bob(), &alice().address, kickoff(), NOW)
        => CeremonyError::TimeoutReached { .. },
    executing_a_valid_proposal_that_i_am_not_joining_or_remaining_in_returns_an_error:
        complete_entry(Status::Accepted, &alice(), &[bob()]),
        |s| s.executing(&carol(), &alice().address, kickoff(), NOW)
        => CeremonyError::NotJoinerOrRemainer { .. },
    a_non_leader_node_attempting_to_execute_the_proposal_returns_an_error:
        complete_entry(Status::Accepted, &alice(), &[bob()]),
        |s| s.executing(&bob(), &bob().address, kickoff(), NOW)
        => CeremonyError::OnlyLeaderCanExecute { .. },
    a_non_leader_cannot_start_execution:
        complete_entry(Status::Accepted, &alice(), &[bob()]),
        |s| s.start_executing(&bob(), kickoff(), NOW)
        => CeremonyError::OnlyLeaderCanExecute { .. },
}

// --- TestCompleteDKG / TestCompletion / TestFailed --------------------------------------

#[test]
fn completing_a_valid_executing_proposal_succeeds() {
    let (group, share) = dealt_group(&[alice(), bob()], 2, 0);
    let start = complete_entry(Status::Executing, &alice(), &[bob()]);
    let done = start
        .complete(group.clone(), Some(share.clone()), NOW)
        .unwrap();
    let expected = with(start, |s| {
        s.status = Status::Complete;
        s.genesis_seed = group.genesis_seed.clone();
        s.final_group = Some(group);
        s.key_share = Some(share);
    });
    assert_eq!(done, expected);
}

#[test]
fn completing_epoch_1_sets_the_genesis_seed_to_the_group_hash() {
    let (mut group, share) = dealt_group(&[alice(), bob()], 2, 0);
    group.genesis_seed = Vec::new();
    let start = with(complete_entry(Status::Executing, &alice(), &[bob()]), |s| {
        s.genesis_seed = Vec::new();
    });
    let done = start.complete(group.clone(), Some(share), NOW).unwrap();
    assert_eq!(done.genesis_seed, group.hash().to_vec());
    assert_eq!(
        done.final_group.unwrap().genesis_seed,
        group.hash().to_vec()
    );
}

err_cases! {
    completing_a_non_executing_proposal_returns_an_error:
        complete_entry(Status::Accepted, &alice(), &[bob()]),
        |s| { let (g, k) = dealt_group(&[alice(), bob()], 2, 0); s.complete(g, Some(k), NOW) }
        => CeremonyError::InvalidTransition { from: Status::Accepted, to: Status::Complete },
    completing_a_proposal_after_time_out_returns_an_error:
        past_timeout(complete_entry(Status::Executing, &alice(), &[bob()])),
        |s| { let (g, k) = dealt_group(&[alice(), bob()], 2, 0); s.complete(g, Some(k), NOW) }
        => CeremonyError::TimeoutReached { .. },
    empty_key_share_fails:
        complete_entry(Status::Executing, &alice(), &[bob()]),
        |s| s.complete(group_of(&[alice(), bob()], 2), None, NOW)
        => CeremonyError::KeyShareMissing,
    cant_call_failed_from_fresh:
        DkgState::fresh(BEACON), |s| s.failed()
        => CeremonyError::InvalidTransition { from: Status::Fresh, to: Status::Failed },
    cant_call_failed_from_complete:
        complete_entry(Status::Complete, &alice(), &[bob()]), |s| s.failed()
        => CeremonyError::InvalidTransition { from: Status::Complete, to: Status::Failed },
}

ok_cases! {
    can_call_failed_from_executing:
        complete_entry(Status::Executing, &alice(), &[bob()]), |s| s.failed()
        => complete_entry(Status::Failed, &alice(), &[bob()]);
}

// --- TestReceivedAcceptance / TestReceivedRejection -------------------------------------

ok_cases! {
    receiving_a_valid_acceptance_for_a_proposal_adds_it_to_the_list_of_acceptors:
        complete_entry(Status::Proposing, &alice(), &[bob()]),
        |s| s.received_acceptance(&bob(), &bob().address)
        => with(complete_entry(Status::Proposing, &alice(), &[bob()]), |s| s.acceptors = vec![bob()]);
    acceptances_are_appended_to_acceptors:
        with(complete_entry(Status::Proposing, &alice(), &[bob(), carol()]), |s| s.acceptors = vec![carol()]),
        |s| s.received_acceptance(&bob(), &bob().address)
        => with(complete_entry(Status::Proposing, &alice(), &[bob(), carol()]), |s| {
            s.acceptors = vec![carol(), bob()]
        });
    if_a_party_has_rejected_and_they_send_an_acceptance_they_are_moved_into_acceptance:
        with(complete_entry(Status::Proposing, &alice(), &[bob()]), |s| s.rejectors = vec![bob()]),
        |s| s.received_acceptance(&bob(), &bob().address)
        => with(complete_entry(Status::Proposing, &alice(), &[bob()]), |s| s.acceptors = vec![bob()]);
    receiving_a_valid_rejection_for_a_proposal_i_made_adds_it_to_the_list_of_rejectors:
        complete_entry(Status::Proposing, &alice(), &[bob()]),
        |s| s.received_rejection(&bob(), &bob().address)
        => with(complete_entry(Status::Proposing, &alice(), &[bob()]), |s| s.rejectors = vec![bob()]);
    rejections_are_appended_to_rejectors:
        with(complete_entry(Status::Proposing, &alice(), &[bob(), carol()]), |s| s.rejectors = vec![carol()]),
        |s| s.received_rejection(&bob(), &bob().address)
        => with(complete_entry(Status::Proposing, &alice(), &[bob(), carol()]), |s| {
            s.rejectors = vec![carol(), bob()]
        });
    if_a_party_has_accepted_and_they_send_a_rejection_they_are_moved_into_rejectors:
        with(complete_entry(Status::Proposing, &alice(), &[bob()]), |s| s.acceptors = vec![bob()]),
        |s| s.received_rejection(&bob(), &bob().address)
        => with(complete_entry(Status::Proposing, &alice(), &[bob()]), |s| s.rejectors = vec![bob()]);
}

err_cases! {
    receiving_an_acceptance_for_a_proposal_who_isnt_the_person_who_makes_it_should_error:
        complete_entry(Status::Proposing, &alice(), &[bob()]),
        |s| s.received_acceptance(&bob(), &alice().address)
        => CeremonyError::SenderMismatch { .. },
    receiving_an_acceptance_from_somebody_who_isnt_a_remainer_returns_an_error:
        complete_entry(Status::Proposing, &alice(), &[bob()]),
        |s| s.received_acceptance(&carol(), &carol().address)
        => CeremonyError::NotARemainer { .. },
    receiving_acceptance_from_non_proposal_state_returns_an_error:
        complete_entry(Status::Executing, &alice(), &[bob()]),
        |s| s.received_acceptance(&bob(), &bob().address)
        => CeremonyError::NotInProposalPhase { status: Status::Executing, .. },
    duplicate_acceptance_returns_an_error:
        with(complete_entry(Status::Proposing, &alice(), &[bob()]), |s| s.acceptors = vec![bob()]),
        |s| s.received_acceptance(&bob(), &bob().address)
        => CeremonyError::DuplicateAcceptance { .. },
    receiving_a_rejection_from_a_person_who_didnt_send_it_returns_an_error:
        complete_entry(Status::Proposing, &alice(), &[bob()]),
        |s| s.received_rejection(&bob(), &alice().address)
        => CeremonyError::SenderMismatch { .. },
    receiving_a_rejection_from_somebody_who_isnt_a_remainer_returns_an_error:
        complete_entry(Status::Proposing, &alice(), &[bob()]),
        |s| s.received_rejection(&carol(), &carol().address)
        => CeremonyError::NotARemainer { .. },
    receiving_rejection_from_non_proposing_state_returns_an_error:
        complete_entry(Status::Complete, &alice(), &[bob()]),
        |s| s.received_rejection(&bob(), &bob().address)
        => CeremonyError::NotInProposalPhase { .. },
    duplicate_rejection_returns_an_error:
        with(complete_entry(Status::Proposing, &alice(), &[bob()]), |s| s.rejectors = vec![bob()]),
        |s| s.received_rejection(&bob(), &bob().address)
        => CeremonyError::DuplicateRejection { .. },
}

// --- Joined notices (ours) --------------------------------------------------------------

fn with_joiner(status: Status) -> DkgState {
    with(complete_entry(status, &alice(), &[bob()]), |s| {
        s.joining = vec![carol()]
    })
}

ok_cases! {
    a_joined_notice_from_a_joiner_is_recorded:
        with_joiner(Status::Proposing),
        |s| s.received_joined(&carol(), &carol().address)
        => with(with_joiner(Status::Proposing), |s| s.joined = vec![carol()]);
    a_repeated_joined_notice_is_ignored:
        with(with_joiner(Status::Proposing), |s| s.joined = vec![carol()]),
        |s| s.received_joined(&carol(), &carol().address)
        => with(with_joiner(Status::Proposing), |s| s.joined = vec![carol()]);
}

err_cases! {
    a_joined_notice_from_a_remainer_is_refused:
        with_joiner(Status::Proposing),
        |s| s.received_joined(&bob(), &bob().address)
        => CeremonyError::JoinedNoticeFromNonJoiner { .. },
    a_joined_notice_sent_by_someone_else_is_refused:
        with_joiner(Status::Proposing),
        |s| s.received_joined(&carol(), &bob().address)
        => CeremonyError::SenderMismatch { .. },
    a_joined_notice_outside_the_proposal_phase_is_refused:
        with_joiner(Status::Executing),
        |s| s.received_joined(&carol(), &carol().address)
        => CeremonyError::NotInProposalPhase { .. },
}

// --- Lazy TimedOut and §1.5 -------------------------------------------------------------

#[test]
fn effective_status_derives_timed_out_lazily() {
    let later = Timestamp::from_secs(TIMEOUT.secs);
    for status in Status::ALL {
        let s = complete_entry(status, &alice(), &[bob()]);
        assert_eq!(
            s.effective_status(NOW),
            status,
            "{status} before the timeout"
        );
        let expected = if status.is_proposal_phase() {
            Status::TimedOut
        } else {
            status
        };
        // `timeout <= now` counts as timed out.
        assert_eq!(
            s.effective_status(later),
            expected,
            "{status} at the timeout"
        );
    }
}

#[test]
fn state_to_apply_to_falls_back_to_the_last_complete_state() {
    let finished = complete_entry(Status::Complete, &alice(), &[bob()]);
    let fresh = DkgState::fresh(BEACON);
    for status in Status::ALL {
        let current = with(complete_entry(status, &alice(), &[bob()]), |s| s.epoch = 2);
        let with_finished = state_to_apply_to(&current, Some(&finished), NOW);
        let without = state_to_apply_to(&current, None, NOW);
        if status.is_terminal() {
            assert_eq!(with_finished, finished, "{status}");
            assert_eq!(without, fresh, "{status}");
        } else {
            assert_eq!(with_finished, current, "{status}");
            assert_eq!(without, current, "{status}");
        }
    }
    let expired = past_timeout(complete_entry(Status::Accepted, &alice(), &[bob()]));
    assert_eq!(state_to_apply_to(&expired, Some(&finished), NOW), finished);
    assert_eq!(state_to_apply_to(&expired, None, NOW), fresh);
}

// --- Post-mortem regressions ------------------------------------------------------------

/// Epoch 1 complete for {alice, bob, carol} (each node's own view).
fn epoch1() -> DkgState {
    with(
        complete_entry(Status::Complete, &alice(), &[bob(), carol()]),
        |s| {
            s.remaining = vec![alice(), bob(), carol()];
            s.final_group = Some(group_of(&[alice(), bob(), carol()], 2));
        },
    )
}

fn reshare(joining: Vec<Participant>, timeout: Timestamp) -> ProposalTerms {
    terms_with(valid_proposal(2, &alice(), &[]), |t| {
        t.remaining = vec![alice(), bob(), carol()];
        t.threshold = 3;
        t.joining = joining;
        t.timeout = timeout;
    })
}

#[test]
fn abort_then_new_proposal_with_changed_participants_succeeds_without_nuke() {
    let finished = epoch1();
    // Leader: propose epoch 2 with dave, then abort.
    let first = reshare(vec![dave()], TIMEOUT);
    let proposing = finished.proposing(&alice(), first.clone(), NOW).unwrap();
    let aborted = proposing.start_abort().unwrap();
    // Follower bob: proposed, accepted, then the leader's abort.
    let bob_state = finished
        .proposed(&bob(), first.clone(), &alice().address, NOW)
        .unwrap()
        .accepted(&bob(), NOW)
        .unwrap()
        .aborted(&alice().address)
        .unwrap();
    // The retry swaps dave for erin; same epoch (last complete + 1).
    let second = reshare(vec![erin()], TIMEOUT);
    let base = state_to_apply_to(&aborted, Some(&finished), NOW);
    let retried = base.proposing(&alice(), second.clone(), NOW).unwrap();
    assert_eq!((retried.status, retried.epoch), (Status::Proposing, 2));
    let bob_base = state_to_apply_to(&bob_state, Some(&finished), NOW);
    let bob_retried = bob_base
        .proposed(&bob(), second.clone(), &alice().address, NOW)
        .unwrap();
    assert_eq!(
        bob_retried.accepted(&bob(), NOW).unwrap().status,
        Status::Accepted
    );
    // Not a duplicate of the first proposal, and a different DKG session.
    let digest = |t: &ProposalTerms| {
        packet_digest(
            BEACON,
            &GossipBody::Proposal(t.clone()),
            t,
            &alice().address,
        )
    };
    assert_ne!(digest(&first), digest(&second));
    assert_ne!(
        dkg_nonce(2, &proposal_digest(&first)),
        dkg_nonce(2, &proposal_digest(&second))
    );
    // Without the fallback the aborted interim state would be the base: that also works
    // for the same epoch, but the last complete state is what §1.5 prescribes.
    assert_eq!(base, finished);
}

#[test]
fn failed_first_epoch_recovers() {
    let first = initial_proposal(&alice(), &[bob(), carol()]);
    let failed = DkgState::fresh(BEACON)
        .proposing(&alice(), first, NOW)
        .unwrap()
        .start_executing(&alice(), kickoff(), NOW)
        .unwrap()
        .failed()
        .unwrap();
    // No complete epoch: the retry applies to a fresh state; carol is swapped for dave.
    let base = state_to_apply_to(&failed, None, NOW);
    assert_eq!(base, DkgState::fresh(BEACON));
    let retry = initial_proposal(&alice(), &[bob(), dave()]);
    let proposing = base.proposing(&alice(), retry.clone(), NOW).unwrap();
    assert_eq!((proposing.status, proposing.epoch), (Status::Proposing, 1));
    // A follower that also failed accepts the retry as a joiner.
    let bob_failed = DkgState::fresh(BEACON)
        .proposed(
            &bob(),
            initial_proposal(&alice(), &[bob(), carol()]),
            &alice().address,
            NOW,
        )
        .unwrap()
        .joined(&bob(), None, NOW)
        .unwrap()
        .executing(&bob(), &alice().address, kickoff(), NOW)
        .unwrap()
        .failed()
        .unwrap();
    let bob_retry = state_to_apply_to(&bob_failed, None, NOW)
        .proposed(&bob(), retry, &alice().address, NOW)
        .unwrap()
        .joined(&bob(), None, NOW)
        .unwrap();
    assert_eq!(bob_retry.status, Status::Joined);
}

#[test]
fn timed_out_proposal_then_next_proposal_accepted() {
    let finished = epoch1();
    let soon = Timestamp::from_secs(NOW.secs + 60);
    let stale = finished
        .proposed(&bob(), reshare(vec![dave()], soon), &alice().address, NOW)
        .unwrap();
    let later = Timestamp::from_secs(NOW.secs + 3600);
    assert_eq!(stale.status, Status::Proposed);
    assert_eq!(stale.effective_status(later), Status::TimedOut);
    // drand would refuse "Proposed to Proposed" until a local abort; we do not.
    let next = reshare(vec![erin()], TIMEOUT);
    let base = state_to_apply_to(&stale, Some(&finished), later);
    let accepted = base
        .proposed(&bob(), next.clone(), &alice().address, later)
        .unwrap()
        .accepted(&bob(), later)
        .unwrap();
    assert_eq!((accepted.status, accepted.epoch), (Status::Accepted, 2));
    // Applying directly to the stale state works too (TimedOut -> Proposed).
    assert!(
        stale
            .proposed(&bob(), next, &alice().address, later)
            .is_ok()
    );
    // The leader's own stale Proposing can be replaced as well.
    let leader_stale = finished
        .proposing(&alice(), reshare(vec![dave()], soon), NOW)
        .unwrap();
    let base = state_to_apply_to(&leader_stale, Some(&finished), later);
    assert!(
        base.proposing(&alice(), reshare(vec![erin()], TIMEOUT), later)
            .is_ok()
    );
}

#[test]
fn leaver_reinvited_in_later_epoch() {
    let carol_finished = epoch1();
    // Epoch 2: carol leaves.
    let epoch2 = terms_with(valid_proposal(2, &alice(), &[]), |t| {
        t.remaining = vec![alice(), bob()];
        t.leaving = vec![carol()];
    });
    let left = carol_finished
        .proposed(&carol(), epoch2, &alice().address, NOW)
        .unwrap()
        .executing(&carol(), &alice().address, kickoff(), NOW)
        .unwrap();
    assert_eq!(left.status, Status::Left);
    assert!(left.final_group.is_none());
    // The group after epoch 2 (carol does not have it).
    let group2 = group_of(&[alice(), bob()], 2);
    // Epoch 3 (and, as Left accepts any later epoch, epoch 5): carol is invited back as a
    // joiner. drand dereferences the missing group here.
    for epoch in [3, 5] {
        let terms = terms_with(valid_proposal(epoch, &alice(), &[]), |t| {
            t.remaining = vec![alice(), bob()];
            t.joining = vec![carol()];
        });
        let base = state_to_apply_to(&left, Some(&carol_finished), NOW);
        assert_eq!(base.status, Status::Left);
        let executing = base
            .proposed(&carol(), terms, &alice().address, NOW)
            .unwrap()
            .joined(&carol(), Some(group2.clone()), NOW)
            .unwrap()
            .executing(&carol(), &alice().address, kickoff(), NOW)
            .unwrap();
        assert_eq!(
            (executing.status, executing.epoch),
            (Status::Executing, epoch)
        );
        let (group3, share) = dealt_group(&[alice(), bob(), carol()], 2, 2);
        let done = executing.complete(group3, Some(share), NOW).unwrap();
        assert_eq!(done.status, Status::Complete);
    }
}

#[test]
fn proposal_after_prior_epoch_nonmember_accepted() {
    // drand#1343: carol was in the epoch-1 proposal but not in the final group.
    let finished = with(epoch1(), |s| {
        s.final_group = Some(group_of(&[alice(), bob()], 2));
    });
    let terms = terms_with(valid_proposal(2, &alice(), &[]), |t| {
        t.remaining = vec![alice(), bob()];
        t.joining = vec![carol()];
    });
    let leader = finished.proposing(&alice(), terms.clone(), NOW).unwrap();
    assert_eq!(leader.status, Status::Proposing);
    let bob_state = finished
        .proposed(&bob(), terms.clone(), &alice().address, NOW)
        .unwrap()
        .accepted(&bob(), NOW)
        .unwrap();
    assert_eq!(bob_state.acceptors, vec![bob()]);
    // carol failed epoch 1 and has no complete state: she joins epoch 2 from Fresh.
    let carol_failed = with(finished.clone(), |s| {
        s.status = Status::Failed;
        s.final_group = None;
        s.key_share = None;
    });
    let joined = state_to_apply_to(&carol_failed, None, NOW)
        .proposed(&carol(), terms, &alice().address, NOW)
        .unwrap()
        .joined(&carol(), finished.final_group.clone(), NOW)
        .unwrap();
    assert_eq!(joined.status, Status::Joined);
    // Proposing with the remainers of the *proposal* (carol remaining) is refused.
    let stale_terms = reshare(vec![], TIMEOUT);
    assert!(matches!(
        finished.proposing(&alice(), stale_terms, NOW),
        Err(CeremonyError::NotInCurrentGroup { .. })
    ));
}
