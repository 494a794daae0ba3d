//! Go time encoding vectors, the deterministic transition time, the stored TOML form of the
//! state, the migration from a group file and the terms builders.

mod ceremony_support;

use ceremony_support::*;
use drand_lite::Scheme;
use drand_node::ceremony::{
    CeremonyError, DkgState, FirstProposal, Reshare, Status, Timestamp, first_proposal_terms,
    migrate_from_group, reshare_terms, transition_time,
};

fn hex(b: &[u8]) -> String {
    drand_lite::hex::encode(b)
}

// --- Go MarshalBinary ---------------------------------------------------------------------

#[test]
fn go_time_encoding_vectors() {
    // 0x01 ‖ BE64(unix + 62135596800) ‖ BE32(nanos) ‖ 0xFFFF; 62135596800 = 0xE7791F700.
    let vectors = [
        (0, 0, "010000000e7791f70000000000ffff"),
        (1, 1, "010000000e7791f70100000001ffff"),
        // 2024-02-21T00:00:00.123456789Z: 1708473600 + 62135596800 = 0x0EDD673400.
        (1_708_473_600, 123_456_789, "010000000edd673400075bcd15ffff"),
        // 0001-01-01T00:00:00Z: Go's zero second.
        (-62_135_596_800, 0, "01000000000000000000000000ffff"),
        // 9999-12-31T23:59:59.999999999Z.
        (
            253_402_300_799,
            999_999_999,
            "01000000497786387f3b9ac9ffffff",
        ),
    ];
    for (secs, nanos, expected) in vectors {
        let t = Timestamp::new(secs, nanos).unwrap();
        assert_eq!(hex(&t.go_binary()), expected, "{t}");
        assert_eq!(Timestamp::from_go_binary(&t.go_binary()), Ok(t));
    }
}

#[test]
fn bad_go_times_and_timestamps_are_refused() {
    let good = Timestamp::from_secs(5).go_binary();
    assert!(Timestamp::from_go_binary(&good[..14]).is_err());
    let mut v2 = good;
    v2[0] = 2;
    assert!(Timestamp::from_go_binary(&v2).is_err());
    let mut zoned = good;
    zoned[14] = 0;
    assert!(Timestamp::from_go_binary(&zoned).is_err());
    let mut nanos = good;
    nanos[9..13].copy_from_slice(&1_000_000_000u32.to_be_bytes());
    assert!(Timestamp::from_go_binary(&nanos).is_err());
    assert!(Timestamp::new(0, 1_000_000_000).is_err());
    assert!(Timestamp::new(253_402_300_800, 0).is_err());
    assert!(Timestamp::new(-62_135_596_801, 0).is_err());
    assert!(Timestamp::from_proto(0, -1).is_err());
    assert_eq!(
        Timestamp::from_proto(3, 4),
        Ok(Timestamp { secs: 3, nanos: 4 })
    );
}

#[test]
fn timestamps_print_as_rfc3339() {
    assert_eq!(Timestamp::from_secs(0).to_string(), "1970-01-01T00:00:00Z");
    assert_eq!(
        Timestamp::new(1_708_473_600, 120_000_000)
            .unwrap()
            .to_string(),
        "2024-02-21T00:00:00.120000000Z"
    );
    assert_eq!(
        Timestamp::from_secs(-62_135_596_800).to_string(),
        "0001-01-01T00:00:00Z"
    );
    assert_eq!(
        Timestamp::from_unix_millis(1_500).plus_millis(600),
        Timestamp::new(2, 100_000_000).unwrap()
    );
    assert_eq!(Timestamp::new(2, 100_000_000).unwrap().unix_millis(), 2_100);
}

// --- Transition time ----------------------------------------------------------------------

#[test]
fn transition_time_is_the_first_round_after_three_phases_and_a_period() {
    let genesis = 1_000;
    // kickoff 2000.5 → 2001; + 3 × 10 s + 30 s = 2061; rounds start at 1000 + 30k → 2080.
    let kickoff = Timestamp::new(2_000, 500_000_000).unwrap();
    assert_eq!(transition_time(genesis, 30, kickoff, 10_000), 2_080);
    // Exactly on a round boundary: 1970 + 30 + 30 = 2030 = 1000 + 30 × 34 + 10 → 2050.
    assert_eq!(
        transition_time(genesis, 30, Timestamp::from_secs(1_970), 10_000),
        2_050
    );
    // 1990 + 30 + 30 = 2050: a round starts at 2050 exactly.
    assert_eq!(
        transition_time(genesis, 30, Timestamp::from_secs(1_990), 10_000),
        2_050
    );
    // Before genesis: the genesis time.
    assert_eq!(
        transition_time(genesis, 30, Timestamp::from_secs(0), 10_000),
        1_000
    );
    // Phase timeouts are rounded up to seconds: 3 × 1.5 s = 4.5 s → 5 s.
    assert_eq!(transition_time(0, 1, Timestamp::from_secs(10), 1_500), 16);
    // Degenerate inputs do not panic.
    assert_eq!(transition_time(0, 0, Timestamp::from_secs(10), 0), 10);
    assert_eq!(
        transition_time(u64::MAX, u32::MAX, Timestamp::from_secs(i64::MAX), u64::MAX),
        u64::MAX
    );
    assert_eq!(transition_time(5, 3, Timestamp::from_secs(-100), 0), 5);
}

#[test]
fn every_node_gets_the_same_transition_time_from_the_same_kickoff() {
    let kickoff = Timestamp::new(1_700_000_123, 987_654_321).unwrap();
    let t = transition_time(1_692_803_367, 3, kickoff, 10_000);
    assert_eq!(t, transition_time(1_692_803_367, 3, kickoff, 10_000));
    assert!(t >= 1_700_000_124 + 33);
    assert_eq!((t - 1_692_803_367) % 3, 0);
}

// --- TOML -----------------------------------------------------------------------------------

fn round_trip(state: &DkgState) {
    let text = state.to_toml();
    let back = DkgState::from_toml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(&back, state, "{text}");
    assert_eq!(back.to_toml(), text);
}

#[test]
fn toml_round_trips_every_field() {
    round_trip(&DkgState::fresh(BEACON));
    let (group, share) = dealt_group(&[alice(), bob(), carol()], 2, 1);
    let everything = with(complete_entry(Status::Complete, &alice(), &[bob()]), |s| {
        s.epoch = 4;
        s.timeout = Timestamp::new(2_549_084_715, 123_456_789).unwrap();
        s.genesis_time = Timestamp::new(1_669_718_523, 7).unwrap();
        s.joining = vec![carol()];
        s.leaving = vec![dave()];
        s.acceptors = vec![bob()];
        s.rejectors = vec![erin()];
        s.joined = vec![carol()];
        s.proposal_digest = Some([7; 32]);
        s.kickoff = Some(Timestamp::new(1_700_000_005, 42).unwrap());
        s.final_group = Some(group.clone());
        s.key_share = Some(share.clone());
        s.leader = Some(with_empty_signature(alice()));
    });
    round_trip(&everything);
    for status in Status::ALL {
        round_trip(&with(everything.clone(), |s| s.status = status));
    }
    // A joiner's state: the previous group without a share.
    round_trip(&with(everything, |s| {
        s.status = Status::Joined;
        s.key_share = None;
        s.final_group = Some(group_of(&[alice(), bob()], 2));
    }));
    // Every scheme's share reads back with the state's scheme.
    let migrated = migrate_from_group(&group, &share);
    round_trip(&migrated);
}

fn with_empty_signature(p: drand_node::ceremony::Participant) -> drand_node::ceremony::Participant {
    drand_node::ceremony::Participant {
        signature: Vec::new(),
        ..p
    }
}

#[test]
fn toml_is_strict() {
    let good = complete_entry(Status::Proposed, &alice(), &[bob()]).to_toml();
    assert!(DkgState::from_toml(&good).is_ok());
    let cases = [
        ("unknown field", format!("Extra = 1\n{good}")),
        (
            "unknown state",
            good.replace("State = \"Proposed\"", "State = \"Pending\""),
        ),
        ("missing field", good.replace("Threshold = 2\n", "")),
        (
            "negative epoch",
            good.replace("Epoch = 1\n", "Epoch = -1\n"),
        ),
        ("bad hex", good.replace(&hex(&SEED), "zz")),
        ("odd hex", good.replace(&hex(&SEED), "abc")),
        (
            "bad nanos",
            good.replace(
                "Timeout = [2549084715, 0]",
                "Timeout = [2549084715, 1000000000]",
            ),
        ),
        ("not toml", "BeaconID = ".to_string()),
        (
            "bad group",
            good.replace("\"\"\"\nThreshold = 2\n", "\"\"\"\nThreshold = 9\n"),
        ),
    ];
    for (name, text) in cases {
        assert_ne!(text, good, "{name}: the case did not change the text");
        let err = DkgState::from_toml(&text).unwrap_err();
        assert!(
            matches!(err, CeremonyError::StoredState { .. }),
            "{name}: {err:?}"
        );
    }
}

// --- Migration and terms builders ---------------------------------------------------------

#[test]
fn migrate_from_group_is_epoch_1_complete() {
    let (group, share) = dealt_group(&[alice(), bob(), carol()], 2, 0);
    let s = migrate_from_group(&group, &share);
    assert_eq!((s.status, s.epoch, s.threshold), (Status::Complete, 1, 2));
    assert_eq!(s.beacon_id, BEACON);
    assert_eq!(s.scheme_id, SCHEME.id());
    assert_eq!(s.genesis_time, GENESIS);
    assert_eq!(s.genesis_seed, SEED.to_vec());
    assert_eq!((s.beacon_period_secs, s.catchup_period_secs), (10, 5));
    assert_eq!(s.leader, Some(alice()));
    assert_eq!(s.joining, vec![alice(), bob(), carol()]);
    assert_eq!(s.final_group, Some(group));
    assert_eq!(s.key_share, Some(share));
    // It is a valid base for a reshare.
    let terms = reshare_terms(
        &s,
        Reshare {
            leader: alice(),
            threshold: 2,
            timeout: TIMEOUT,
            catchup_period_secs: None,
            joining: vec![],
            remaining: vec![alice(), bob()],
            leaving: vec![carol()],
        },
    )
    .unwrap();
    assert_eq!(
        s.proposing(&alice(), terms, NOW).unwrap().status,
        Status::Proposing
    );
}

#[test]
fn first_proposal_terms_are_a_valid_epoch_1_proposal() {
    let terms = first_proposal_terms(FirstProposal {
        beacon_id: BEACON.into(),
        leader: alice(),
        threshold: 2,
        timeout: TIMEOUT,
        catchup_period_secs: 5,
        beacon_period_secs: 10,
        scheme: Scheme::PedersenBlsChained,
        genesis_time: GENESIS,
        joining: vec![alice(), bob()],
    });
    assert_eq!(terms, initial_proposal(&alice(), &[bob()]));
    let s = DkgState::fresh(BEACON)
        .proposing(&alice(), terms, NOW)
        .unwrap();
    assert_eq!((s.status, s.epoch), (Status::Proposing, 1));
}

#[test]
fn reshare_terms_copy_the_chain_parameters_and_bump_the_epoch() {
    let last = with(complete_entry(Status::Complete, &alice(), &[bob()]), |s| {
        s.epoch = 3
    });
    let options = Reshare {
        leader: alice(),
        threshold: 2,
        timeout: TIMEOUT,
        catchup_period_secs: Some(7),
        joining: vec![carol()],
        remaining: vec![bob(), alice()],
        leaving: vec![],
    };
    let terms = reshare_terms(&last, options.clone()).unwrap();
    assert_eq!(terms.epoch, 4);
    assert_eq!(terms.catchup_period_secs, 7);
    assert_eq!(terms.beacon_period_secs, last.beacon_period_secs);
    assert_eq!(terms.scheme_id, last.scheme_id);
    assert_eq!(terms.genesis_time, last.genesis_time);
    assert_eq!(terms.genesis_seed, last.genesis_seed);
    assert_eq!(terms.beacon_id, last.beacon_id);
    assert!(last.proposing(&alice(), terms, NOW).is_ok());
    let kept = reshare_terms(
        &last,
        Reshare {
            catchup_period_secs: None,
            ..options.clone()
        },
    )
    .unwrap();
    assert_eq!(kept.catchup_period_secs, 5);
    // Only from a complete state.
    let aborted = with(last.clone(), |s| s.status = Status::Aborted);
    assert!(matches!(
        reshare_terms(&aborted, options.clone()),
        Err(CeremonyError::NoCompleteDkg {
            status: Status::Aborted
        })
    ));
    let maxed = with(last, |s| s.epoch = u32::MAX);
    assert_eq!(
        reshare_terms(&maxed, options),
        Err(CeremonyError::EpochOverflow)
    );
}
