//! The §1.4 transition table (every cell, through the table and through the transition
//! methods) and drand's `TestProposalValidation` cases (§1.6), plus our extra checks.

mod ceremony_support;

use ceremony_support::*;
use drand_node::ceremony::{
    CeremonyError, DkgState, ProposalTerms, Status, Timestamp, is_valid_transition,
    validate_proposal,
};

// ---------------------------------------------------------------------------------------
// §1.4, cell by cell. Columns: Proposing Proposed Accepted Rejected Joined Executing
// Complete Aborted TimedOut Left Failed ('Y' = allowed), exactly as in the reference table.

const COLUMNS: [Status; 11] = [
    Status::Proposing,
    Status::Proposed,
    Status::Accepted,
    Status::Rejected,
    Status::Joined,
    Status::Executing,
    Status::Complete,
    Status::Aborted,
    Status::TimedOut,
    Status::Left,
    Status::Failed,
];

const TABLE: [(Status, &str); 12] = [
    (Status::Fresh, "YY........."),
    (Status::Proposing, ".....Y.YY.."),
    (Status::Proposed, "..YYY..YYY."),
    (Status::Accepted, ".....Y.YY.."),
    (Status::Rejected, ".......YY.."),
    (Status::Joined, ".....Y.YYY."),
    (Status::Executing, "......Y.Y.Y"),
    (Status::Complete, "YY........."),
    (Status::Aborted, "YY........."),
    (Status::TimedOut, "YY.....Y..."),
    (Status::Left, ".Y..Y..Y..."),
    (Status::Failed, "YY.....Y.Y."),
];

fn allowed(from: Status, to: Status) -> bool {
    let (_, row) = TABLE.iter().find(|(s, _)| *s == from).unwrap();
    match COLUMNS.iter().position(|c| *c == to) {
        Some(i) => row.as_bytes()[i] == b'Y',
        None => false, // nothing goes to Fresh
    }
}

#[test]
fn transition_table_every_cell() {
    for from in Status::ALL {
        for to in Status::ALL {
            assert_eq!(
                is_valid_transition(from, to),
                allowed(from, to),
                "{from} -> {to}"
            );
        }
    }
}

/// A state in `from` where every check but the transition passes: leader alice, remainers
/// alice and bob, leaver carol, joiner dave, group {alice, bob, carol}.
fn base(from: Status) -> DkgState {
    with(complete_entry(from, &alice(), &[bob()]), |s| {
        s.remaining = vec![alice(), bob()];
        s.leaving = vec![carol()];
        s.joining = vec![dave()];
        s.final_group = Some(group_of(&[alice(), bob(), carol()], 2));
    })
}

fn epoch2_terms() -> ProposalTerms {
    terms_with(valid_proposal(2, &alice(), &[bob()]), |t| {
        t.remaining = vec![alice(), bob()];
        t.leaving = vec![carol()];
        t.joining = vec![dave()];
    })
}

/// Applies the method that leads to `to` on a state in `from`.
fn apply(from: Status, to: Status) -> Result<DkgState, CeremonyError> {
    let s = base(from);
    let kickoff = Timestamp::from_secs(NOW.secs + 5);
    match to {
        Status::Proposing if from == Status::Fresh => {
            DkgState::fresh(BEACON).proposing(&alice(), initial_proposal(&alice(), &[bob()]), NOW)
        }
        Status::Proposed if from == Status::Fresh => DkgState::fresh(BEACON).proposed(
            &bob(),
            initial_proposal(&alice(), &[bob()]),
            &alice().address,
            NOW,
        ),
        Status::Proposing => s.proposing(&alice(), epoch2_terms(), NOW),
        Status::Proposed => s.proposed(&bob(), epoch2_terms(), &alice().address, NOW),
        Status::Accepted => s.accepted(&bob(), NOW),
        Status::Rejected => s.rejected(&bob(), NOW),
        Status::Joined => {
            let group = s.final_group.clone();
            s.joined(&dave(), group, NOW)
        }
        Status::Executing => s.executing(&bob(), &alice().address, kickoff, NOW),
        Status::Complete => {
            let (group, share) = dealt_group(&[alice(), bob(), dave()], 2, 1);
            s.complete(group, Some(share), NOW)
        }
        Status::Aborted => s.aborted(&alice().address),
        Status::TimedOut => s.timed_out(),
        Status::Left => s.left(&carol(), NOW),
        Status::Failed => s.failed(),
        Status::Fresh => unreachable!(),
    }
}

fn check_row(from: Status) {
    for to in COLUMNS {
        let result = apply(from, to);
        if allowed(from, to) {
            let next = result.unwrap_or_else(|e| panic!("{from} -> {to} refused: {e}"));
            assert_eq!(next.status, to, "{from} -> {to}");
        } else {
            assert_eq!(
                result.map(|s| s.status),
                Err(CeremonyError::InvalidTransition { from, to }),
                "{from} -> {to}"
            );
        }
    }
}

macro_rules! rows {
    ($($name:ident: $from:expr;)*) => {$(
        #[test]
        fn $name() {
            check_row($from);
        }
    )*};
}

rows! {
    transitions_from_fresh: Status::Fresh;
    transitions_from_proposing: Status::Proposing;
    transitions_from_proposed: Status::Proposed;
    transitions_from_accepted: Status::Accepted;
    transitions_from_rejected: Status::Rejected;
    transitions_from_joined: Status::Joined;
    transitions_from_executing: Status::Executing;
    transitions_from_complete: Status::Complete;
    transitions_from_aborted: Status::Aborted;
    transitions_from_timed_out: Status::TimedOut;
    transitions_from_left: Status::Left;
    transitions_from_failed: Status::Failed;
}

#[test]
fn status_numbers_and_names_are_drands() {
    let expected = [
        "Fresh",
        "Proposed",
        "Proposing",
        "Accepted",
        "Rejected",
        "Aborted",
        "Executing",
        "Complete",
        "TimedOut",
        "Joined",
        "Left",
        "Failed",
    ];
    for (n, name) in (0u32..).zip(expected) {
        let s = Status::from_u32(n).unwrap();
        assert_eq!(s.as_u32(), n);
        assert_eq!(s.name(), name);
        assert_eq!(Status::from_name(name), Some(s));
    }
    assert_eq!(Status::from_u32(12), None);
    assert_eq!(Status::from_name("complete"), None);
}

// ---------------------------------------------------------------------------------------
// drand's TestProposalValidation, one test per case (named after drand's), same fixtures.

fn current() -> DkgState {
    complete_entry(Status::Complete, &alice(), &[bob()])
}

macro_rules! validation_cases {
    ($($name:ident: $state:expr, $terms:expr => $expected:pat,)*) => {$(
        #[test]
        fn $name() {
            let state: DkgState = $state;
            let terms: ProposalTerms = $terms;
            let result = validate_proposal(&state, &terms, NOW);
            assert!(matches!(result, $expected), "got {result:?}");
        }
    )*};
}

validation_cases! {
    valid_proposal_returns_no_error:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| t.remaining = vec![alice(), bob()])
        => Ok(()),
    timeout_in_the_past_returns_error:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| {
            t.timeout = Timestamp::from_secs(NOW.secs - 10 * 3600)
        })
        => Err(CeremonyError::ProposalExpired { .. }),
    non_matching_beacon_id_returns_error:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| {
            t.beacon_id = "some other beacon ID".into()
        })
        => Err(CeremonyError::BeaconIdMismatch { .. }),
    epoch_0_returns_an_error:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| t.epoch = 0)
        => Err(CeremonyError::EpochBehind { proposed: 0, current: 1 }),
    if_epoch_is_1_nodes_remaining_returns_an_error:
        DkgState::fresh(BEACON),
        terms_with(initial_proposal(&alice(), &[bob()]), |t| t.remaining = vec![stranger("somebody.com")])
        => Err(CeremonyError::FirstEpochOnlyJoiners),
    if_epoch_is_1_nodes_leaving_returns_an_error:
        DkgState::fresh(BEACON),
        terms_with(initial_proposal(&alice(), &[bob()]), |t| t.leaving = vec![stranger("somebody.com")])
        => Err(CeremonyError::FirstEpochOnlyJoiners),
    if_epoch_is_1_alice_not_joining_returns_an_error:
        DkgState::fresh(BEACON),
        terms_with(initial_proposal(&alice(), &[bob()]), |t| {
            t.joining = vec![stranger("somebody.com"), bob()]
        })
        => Err(CeremonyError::LeaderNotJoining { .. }),
    if_epoch_is_above_1_no_nodes_remaining_returns_an_error:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| {
            t.joining = vec![alice(), bob()];
            t.remaining = vec![];
        })
        => Err(CeremonyError::NoRemainers),
    if_epoch_is_above_1_alice_joining_returns_an_error:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| t.joining = vec![alice()])
        => Err(CeremonyError::LeaderJoiningReshare { .. }),
    if_epoch_is_above_1_alice_leaving_returns_an_error:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| t.leaving = vec![alice()])
        => Err(CeremonyError::LeaderNotRemaining { .. }),
    if_epoch_is_above_1_alice_not_remaining_returns_an_error:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| {
            t.remaining = vec![stranger("somebody.com"), bob()]
        })
        => Err(CeremonyError::LeaderNotRemaining { .. }),
    threshold_higher_than_the_number_of_remaining_and_joining_nodes_returns_an_error:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| {
            t.threshold = 2;
            t.remaining = vec![];
        })
        => Err(CeremonyError::ThresholdAboveNodeCount { threshold: 2, nodes: 0 }),
    threshold_too_low_returns_an_error:
        with(complete_entry(Status::Complete, &alice(), &[bob(), carol()]), |s| s.threshold = 3),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| {
            t.threshold = 1;
            t.remaining = vec![alice(), bob()];
            t.leaving = vec![carol()];
        })
        => Err(CeremonyError::ThresholdTooLow { threshold: 1, minimum: 2, nodes: 2 }),
    threshold_too_low_to_recover_secret_returns_error:
        with(complete_entry(Status::Complete, &alice(), &[bob(), carol()]), |s| s.threshold = 2),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| {
            t.threshold = 1;
            t.remaining = vec![alice(), bob()];
            t.leaving = vec![carol()];
        })
        => Err(CeremonyError::ThresholdTooLow { .. }),
    participants_remaining_who_werent_in_the_previous_epoch_returns_an_error:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| {
            t.remaining = vec![alice(), stranger("node-who-didnt-exist-last-time")]
        })
        => Err(CeremonyError::NotInCurrentGroup { .. }),
    participants_leaving_who_werent_in_the_previous_epoch_returns_an_error:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| {
            t.leaving = vec![stranger("node-who-didnt-exist-last-time")]
        })
        => Err(CeremonyError::NotInCurrentGroup { .. }),
    if_current_status_is_left_any_higher_epoch_value_is_valid:
        with(complete_entry(Status::Left, &alice(), &[bob()]), |s| s.epoch = 2),
        terms_with(valid_proposal(5, &alice(), &[bob()]), |t| t.remaining = vec![alice(), bob()])
        => Ok(()),
    if_current_status_is_not_left_a_proposed_epoch_of_1_higher_than_the_previous_epoch_succeeds:
        with(complete_entry(Status::Complete, &alice(), &[bob()]), |s| s.epoch = 2),
        valid_proposal(3, &alice(), &[bob()])
        => Ok(()),
    if_current_status_is_not_left_a_proposed_epoch_of_more_than_1_higher_returns_an_error:
        complete_entry(Status::Complete, &alice(), &[bob()]),
        valid_proposal(3, &alice(), &[bob()])
        => Err(CeremonyError::EpochGap { proposed: 3, current: 1 }),
    proposed_epoch_less_than_the_current_epoch_returns_an_error:
        with(complete_entry(Status::Complete, &alice(), &[bob()]), |s| s.epoch = 3),
        valid_proposal(2, &alice(), &[bob()])
        => Err(CeremonyError::EpochBehind { proposed: 2, current: 3 }),
    proposed_epoch_equal_to_the_current_epoch_returns_an_error:
        with(complete_entry(Status::Left, &alice(), &[bob()]), |s| s.epoch = 3),
        valid_proposal(3, &alice(), &[bob()])
        => Err(CeremonyError::EpochInUse { proposed: 3, status: Status::Left }),
    leaving_out_an_existing_node_in_a_proposal_returns_an_error:
        complete_entry(Status::Complete, &alice(), &[bob(), carol()]),
        valid_proposal(2, &alice(), &[carol()])
        => Err(CeremonyError::MissingFromProposal { .. }),
    proposing_a_remainer_who_doesnt_exist_in_the_current_epoch_returns_an_error:
        complete_entry(Status::Complete, &alice(), &[]),
        valid_proposal(2, &alice(), &[bob()])
        => Err(CeremonyError::NotInCurrentGroup { .. }),
    invalid_schemes_return_an_error:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| t.scheme_id = "something made up".into())
        => Err(CeremonyError::UnknownScheme { .. }),
    trying_to_change_the_genesis_time_after_the_first_epoch_returns_an_error:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| t.genesis_time = NOW)
        => Err(CeremonyError::GenesisTimeChanged { .. }),
    for_the_first_epoch_genesis_seed_cannot_be_provided:
        DkgState::fresh(BEACON),
        terms_with(valid_proposal(1, &alice(), &[bob()]), |t| t.genesis_seed = b"deadbeef".to_vec())
        => Err(CeremonyError::GenesisSeedAtFirstEpoch),
    for_non_fresh_after_first_epoch_genesis_seed_must_not_change:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| {
            t.genesis_seed = b"something-random".to_vec()
        })
        => Err(CeremonyError::GenesisSeedChanged),
    for_fresh_joining_after_first_epoch_genesis_seed_must_be_provided_but_can_be_anything:
        DkgState::fresh(BEACON),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| {
            t.genesis_seed = b"something-random".to_vec()
        })
        => Ok(()),

    // Ours.
    remainer_with_a_key_other_than_in_the_group_file_returns_an_error:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| {
            t.remaining = vec![alice(), with_key_of(bob(), &carol())]
        })
        => Err(CeremonyError::RemainerKeyChanged { .. }),
    joiner_with_a_bad_self_signature_returns_an_error:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| {
            let mut d = dave();
            d.signature = carol().signature;
            t.joining = vec![d];
        })
        => Err(CeremonyError::InvalidJoiner { .. }),
    joiner_of_another_scheme_returns_an_error:
        current(),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| {
            t.joining = vec![node_with(drand_lite::Scheme::BlsUnchainedG1Rfc9380, "x:443").me]
        })
        => Err(CeremonyError::InvalidJoiner { .. }),
    the_same_address_twice_returns_an_error:
        DkgState::fresh(BEACON),
        terms_with(initial_proposal(&alice(), &[bob()]), |t| {
            let mut twin = dave();
            twin.address = bob().address;
            t.joining.push(twin);
        })
        => Err(CeremonyError::DuplicateParticipant { what: "address", .. }),
    a_remainer_key_that_is_not_a_point_returns_an_error:
        DkgState::fresh(BEACON),
        terms_with(valid_proposal(2, &alice(), &[bob()]), |t| {
            t.remaining[0].key = vec![0xff; 48];
        })
        => Err(CeremonyError::InvalidRemainerKey { .. }),
    an_expired_proposal_in_progress_can_be_retried_at_the_same_epoch:
        with(complete_entry(Status::Proposed, &alice(), &[bob()]), |s| {
            s.epoch = 2;
            s.timeout = Timestamp::from_secs(NOW.secs - 1);
        }),
        valid_proposal(2, &alice(), &[bob()])
        => Ok(()),
    an_unexpired_proposal_in_progress_blocks_its_epoch:
        with(complete_entry(Status::Proposed, &alice(), &[bob()]), |s| s.epoch = 2),
        valid_proposal(2, &alice(), &[bob()])
        => Err(CeremonyError::EpochInUse { status: Status::Proposed, .. }),
    a_left_state_without_group_file_accepts_a_later_epoch:
        with(complete_entry(Status::Left, &alice(), &[bob()]), |s| {
            s.epoch = 2;
            s.final_group = None;
        }),
        terms_with(valid_proposal(4, &alice(), &[bob()]), |t| t.joining = vec![carol()])
        => Ok(()),
}

fn with_key_of(
    p: drand_node::ceremony::Participant,
    other: &drand_node::ceremony::Participant,
) -> drand_node::ceremony::Participant {
    drand_node::ceremony::Participant {
        key: other.key.clone(),
        ..p
    }
}

#[test]
fn errors_say_what_was_wrong() {
    let err = validate_proposal(
        &complete_entry(Status::Complete, &alice(), &[bob()]),
        &valid_proposal(3, &alice(), &[bob()]),
        NOW,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "proposal epoch 3 is more than one past the last complete epoch 1"
    );
    assert!(err.is_invalid_epoch());
}
