//! Gossip signatures (§1.10): the exact signed bytes, a property test that a packet signed by
//! a node verifies under its key as listed in the terms and fails when any signed field
//! changes (three schemes), and the digests used for dedupe and the DKG nonce.

mod ceremony_support;

use ceremony_support::*;
use drand_lite::Scheme;
use drand_node::ceremony::{
    CeremonyError, GossipBody, Participant, ProposalTerms, Timestamp, dkg_nonce,
    message_for_signing, packet_digest, proposal_digest, sign_packet, sorted_participants,
    verify_packet,
};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use sha2::{Digest, Sha256};

fn p(address: &str, key: &[u8], sig: &[u8]) -> Participant {
    Participant {
        address: address.into(),
        key: key.to_vec(),
        signature: sig.to_vec(),
    }
}

fn small_terms() -> ProposalTerms {
    ProposalTerms {
        beacon_id: "default".into(),
        epoch: 2,
        leader: p("a:1", &[1], &[0xAA]),
        threshold: 3,
        timeout: Timestamp {
            secs: 1_708_473_600,
            nanos: 123_456_789,
        },
        catchup_period_secs: 5,
        beacon_period_secs: 30,
        scheme_id: "pedersen-bls-chained".into(),
        genesis_time: Timestamp::from_secs(0),
        genesis_seed: vec![9; 32],
        joining: vec![p("c:3", &[3], &[0xCC])],
        remaining: vec![p("a:1", &[1], &[0xAA]), p("b:2", &[2], &[0xBB])],
        leaving: vec![p("d:4", &[4], &[0xDD, 0xDE])],
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The terms part of §1.10, spelled out by hand for `small_terms()`.
fn small_terms_frame() -> Vec<u8> {
    [
        b"Proposal:\ndefault\n".to_vec(),
        vec![2, 0, 0, 0],
        b"\nLeader:a:1\n".to_vec(),
        vec![0xAA],
        vec![3, 0, 0, 0],
        hex("010000000edd673400075bcd15ffff"), // 2024-02-21T00:00:00.123456789Z
        vec![5, 0, 0, 0],
        vec![30, 0, 0, 0],
        b"\nScheme: pedersen-bls-chained\n".to_vec(),
        hex("010000000e7791f70000000000ffff"), // Unix 0
        b"\nJoiner:c:3\nSig:".to_vec(),
        vec![0xCC],
        b"\nRemainer:a:1\nSig:".to_vec(),
        vec![0xAA],
        b"\nRemainer:b:2\nSig:".to_vec(),
        vec![0xBB],
        b"\nLeaver:d:4\nSig:".to_vec(),
        vec![0xDD, 0xDE],
    ]
    .concat()
}

#[test]
fn signed_bytes_are_drands_for_every_body() {
    let terms = small_terms();
    let frame = small_terms_frame();
    let cases: Vec<(GossipBody, Vec<u8>)> = vec![
        (
            GossipBody::Proposal(terms.clone()),
            [
                b"Proposal:default\n".to_vec(),
                vec![2, 0, 0, 0],
                b"\nLeader:a:1\n".to_vec(),
                vec![0xAA],
            ]
            .concat(),
        ),
        (
            GossipBody::Accept(p("b:2", &[2], &[])),
            b"Accepted:b:2\n".to_vec(),
        ),
        (
            GossipBody::Reject(p("b:2", &[2], &[])),
            b"Rejected:b:2\n".to_vec(),
        ),
        (
            GossipBody::Abort {
                reason: "none".into(),
            },
            b"Aborted:none\n".to_vec(),
        ),
        (
            GossipBody::Execute {
                time: Timestamp::from_secs(1),
            },
            [b"Execute:".to_vec(), hex("010000000e7791f70100000000ffff")].concat(),
        ),
        (GossipBody::Dkg, b"Gossip packet".to_vec()),
        (
            GossipBody::Joined(p("c:3", &[3], &[])),
            b"Joined:c:3\n".to_vec(),
        ),
    ];
    for (body, part) in cases {
        let expected = [b"beaconID:default\n".to_vec(), part, frame.clone()].concat();
        assert_eq!(
            message_for_signing("default", &body, &terms),
            expected,
            "{}",
            body.kind()
        );
    }
}

#[test]
fn keys_and_genesis_seed_are_not_signed_but_are_digested() {
    let terms = small_terms();
    let mut other = terms.clone();
    other.genesis_seed = vec![8; 32];
    other.remaining[1].key = vec![7];
    let body = GossipBody::Dkg;
    assert_eq!(
        message_for_signing("default", &body, &terms),
        message_for_signing("default", &body, &other)
    );
    assert_ne!(proposal_digest(&terms), proposal_digest(&other));
    assert_ne!(
        packet_digest("default", &body, &terms, "a:1"),
        packet_digest("default", &body, &other, "a:1")
    );
}

// --- Property: sign / verify / tamper, three schemes ------------------------------------

const SCHEMES: [Scheme; 3] = [
    Scheme::PedersenBlsChained,
    Scheme::BlsUnchainedG1Rfc9380,
    Scheme::BlsBn254UnchainedOnG1,
];

fn arb_participant() -> impl Strategy<Value = Participant> {
    (
        "[a-z]{1,8}\\.[a-z]{2,3}:[0-9]{2,4}",
        prop::collection::vec(any::<u8>(), 1..64),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(address, key, signature)| Participant {
            address,
            key,
            signature,
        })
}

fn arb_time() -> impl Strategy<Value = Timestamp> {
    (0i64..4_000_000_000, 0u32..1_000_000_000).prop_map(|(secs, nanos)| Timestamp { secs, nanos })
}

prop_compose! {
    fn arb_terms()(
        beacon_id in "[a-z]{0,10}",
        epoch in any::<u32>(),
        leader in arb_participant(),
        threshold in any::<u32>(),
        timeout in arb_time(),
        catchup in any::<u32>(),
        period in any::<u32>(),
        scheme_id in "[a-z-]{0,20}",
        genesis_time in arb_time(),
        genesis_seed in prop::collection::vec(any::<u8>(), 0..33),
        joining in prop::collection::vec(arb_participant(), 0..4),
        remaining in prop::collection::vec(arb_participant(), 0..4),
        leaving in prop::collection::vec(arb_participant(), 0..3),
    ) -> ProposalTerms {
        ProposalTerms {
            beacon_id, epoch, leader, threshold, timeout,
            catchup_period_secs: catchup, beacon_period_secs: period, scheme_id,
            genesis_time, genesis_seed, joining, remaining, leaving,
        }
    }
}

fn arb_body() -> impl Strategy<Value = GossipBody> {
    prop_oneof![
        arb_terms().prop_map(GossipBody::Proposal),
        arb_participant().prop_map(GossipBody::Accept),
        arb_participant().prop_map(GossipBody::Reject),
        arb_time().prop_map(|time| GossipBody::Execute { time }),
        "[ -~]{0,20}".prop_map(|reason| GossipBody::Abort { reason }),
        Just(GossipBody::Dkg),
        arb_participant().prop_map(GossipBody::Joined),
    ]
}

/// Every way of changing one signed field of the body or the terms (each must break the
/// signature). Each mutation is a real change (never a no-op).
fn mutations(body: &GossipBody, terms: &ProposalTerms) -> Vec<(String, GossipBody, ProposalTerms)> {
    let mut out = Vec::new();
    let mut t = |name: &str, f: &dyn Fn(&mut ProposalTerms)| {
        let mut m = terms.clone();
        f(&mut m);
        out.push((name.to_owned(), body.clone(), m));
    };
    t("beacon_id", &|m| m.beacon_id.push('x'));
    t("epoch", &|m| m.epoch ^= 1);
    t("leader.address", &|m| m.leader.address.push('x'));
    t("leader.signature", &|m| m.leader.signature.push(1));
    t("threshold", &|m| m.threshold ^= 1 << 7);
    t("timeout.nanos", &|m| m.timeout.nanos ^= 1);
    t("timeout.secs", &|m| m.timeout.secs += 1);
    t("catchup", &|m| m.catchup_period_secs ^= 1);
    t("period", &|m| m.beacon_period_secs ^= 1);
    t("scheme_id", &|m| m.scheme_id.push('x'));
    t("genesis_time", &|m| m.genesis_time.secs += 1);
    t("genesis_time.nanos", &|m| m.genesis_time.nanos ^= 1);
    t("joining+", &|m| m.joining.push(m.leader.clone()));
    t("leaving+", &|m| m.leaving.push(m.leader.clone()));
    t("remaining.signature", &|m| m.remaining[0].signature.push(2));
    t("remaining.address", &|m| m.remaining[0].address.push('y'));
    t("signer's key", &|m| {
        m.remaining[0].key = m.leader.key.clone()
    });
    let mut b = |name: &str, nb: GossipBody| out.push((name.to_owned(), nb, terms.clone()));
    match body {
        GossipBody::Proposal(p) => {
            let mut q = p.clone();
            q.epoch ^= 1;
            b("proposal.epoch", GossipBody::Proposal(q));
            let mut q = p.clone();
            q.leader.signature.push(3);
            b("proposal.leader.signature", GossipBody::Proposal(q));
            let mut q = p.clone();
            q.beacon_id.push('z');
            b("proposal.beacon_id", GossipBody::Proposal(q));
            b("type", GossipBody::Dkg);
        }
        GossipBody::Accept(a) => {
            let mut q = a.clone();
            q.address.push('z');
            b("acceptor", GossipBody::Accept(q));
            b("type", GossipBody::Reject(a.clone()));
        }
        GossipBody::Reject(a) => {
            let mut q = a.clone();
            q.address.push('z');
            b("rejector", GossipBody::Reject(q));
            b("type", GossipBody::Joined(a.clone()));
        }
        GossipBody::Joined(a) => {
            let mut q = a.clone();
            q.address.push('z');
            b("joiner", GossipBody::Joined(q));
            b("type", GossipBody::Accept(a.clone()));
        }
        GossipBody::Execute { time } => {
            let mut q = *time;
            q.nanos ^= 1;
            b("execute.time", GossipBody::Execute { time: q });
        }
        GossipBody::Abort { reason } => {
            b(
                "abort.reason",
                GossipBody::Abort {
                    reason: format!("{reason}!"),
                },
            );
        }
        GossipBody::Dkg => b(
            "type",
            GossipBody::Abort {
                reason: String::new(),
            },
        ),
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 8,
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(0x6365_7265_6d6f_6e79),
        ..ProptestConfig::default()
    })]

    #[test]
    fn signed_packets_verify_under_the_listed_key_and_fail_when_anything_changes(
        body in arb_body(),
        terms in arb_terms(),
    ) {
        for scheme in SCHEMES {
            let signer = node_with(scheme, "signer.example:443");
            let mut terms = terms.clone();
            // The signer is a remainer, listed first so the "signer's key" mutation hits it.
            terms.remaining.retain(|p| p.address != signer.me.address);
            terms.joining.retain(|p| p.address != signer.me.address);
            terms.remaining.insert(0, signer.me.clone());
            let beacon = terms.beacon_id.clone();
            let sender = signer.me.address.clone();
            let sig = sign_packet(&signer.secret, &beacon, &body, &terms);
            prop_assert_eq!(verify_packet(scheme, &beacon, &body, &terms, &sender, &sig), Ok(()));

            for (name, b, t) in mutations(&body, &terms) {
                let result = verify_packet(scheme, &t.beacon_id, &b, &t, &sender, &sig);
                prop_assert!(result.is_err(), "{}: changing {} still verifies", scheme.id(), name);
            }
            // Another beacon ID in the frame, a damaged signature, an unknown sender.
            prop_assert!(verify_packet(scheme, "other", &body, &terms, &sender, &sig).is_err());
            let mut bad = sig.clone();
            if let Some(last) = bad.last_mut() {
                *last ^= 1;
            }
            prop_assert!(verify_packet(scheme, &beacon, &body, &terms, &sender, &bad).is_err());
            let unknown = verify_packet(scheme, &beacon, &body, &terms, "nobody:1", &sig);
            prop_assert!(
                matches!(unknown, Err(CeremonyError::UnknownSigner { .. })),
                "{:?}",
                unknown
            );
        }
    }

    #[test]
    fn packet_digest_changes_with_type_sender_and_every_term(
        body in arb_body(),
        terms in arb_terms(),
    ) {
        let mut terms = terms;
        // A remainer whose key differs from the leader's (keys are at most 63 bytes).
        terms.remaining.insert(0, p("s:1", &[0xEE; 70], &[]));
        let d = packet_digest(&terms.beacon_id, &body, &terms, "s:1");
        prop_assert_eq!(d, packet_digest(&terms.beacon_id, &body.clone(), &terms.clone(), "s:1"));
        prop_assert_ne!(d, packet_digest(&terms.beacon_id, &body, &terms, "t:1"));
        for (name, b, t) in mutations(&body, &terms) {
            prop_assert_ne!(d, packet_digest(&terms.beacon_id, &b, &t, "s:1"), "{}", name);
        }
        let mut seed = terms.clone();
        seed.genesis_seed.push(0);
        prop_assert_ne!(d, packet_digest(&terms.beacon_id, &body, &seed, "s:1"));
        let mut key = terms.clone();
        key.remaining[0].key.push(0);
        prop_assert_ne!(d, packet_digest(&terms.beacon_id, &body, &key, "s:1"));
    }
}

#[test]
fn a_real_proposal_packet_round_trips_for_each_scheme() {
    for scheme in SCHEMES {
        let leader = node_with(scheme, "alice.example:443");
        let bob = node_with(scheme, "bob.example:443");
        let terms = terms_with(
            valid_proposal(2, &leader.me, std::slice::from_ref(&bob.me)),
            |t| {
                t.scheme_id = scheme.id().into();
            },
        );
        let body = GossipBody::Proposal(terms.clone());
        let sig = sign_packet(&leader.secret, BEACON, &body, &terms);
        verify_packet(scheme, BEACON, &body, &terms, &leader.me.address, &sig).unwrap();
        // bob's signature is not alice's.
        let err = verify_packet(scheme, BEACON, &body, &terms, &bob.me.address, &sig).unwrap_err();
        match err {
            CeremonyError::BadPacketSignature { message, .. } => {
                let msg = drand_lite::hex::encode(&message_for_signing(BEACON, &body, &terms));
                assert_eq!(message, msg);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

// --- Digests and DKG order ---------------------------------------------------------------

#[test]
fn identical_regossip_is_a_duplicate_and_a_changed_reproposal_is_not() {
    let a = valid_proposal(2, &alice(), &[bob()]);
    let mut b = a.clone();
    b.timeout.secs += 1;
    let digest = |t: &ProposalTerms| {
        packet_digest(
            BEACON,
            &GossipBody::Proposal(t.clone()),
            t,
            &alice().address,
        )
    };
    assert_eq!(digest(&a), digest(&a.clone()));
    assert_ne!(digest(&a), digest(&b));
    // Same terms, other type / sender.
    let accept = packet_digest(BEACON, &GossipBody::Accept(bob()), &a, &bob().address);
    let reject = packet_digest(BEACON, &GossipBody::Reject(bob()), &a, &bob().address);
    assert_ne!(accept, reject);
    assert_ne!(
        accept,
        packet_digest(BEACON, &GossipBody::Accept(bob()), &a, &alice().address)
    );
}

#[test]
fn dkg_nonce_is_sha256_of_epoch_and_proposal_digest() {
    let terms = valid_proposal(7, &alice(), &[bob()]);
    let digest = proposal_digest(&terms);
    let mut h = Sha256::new();
    h.update([0, 0, 0, 7]);
    h.update(digest);
    let expected: [u8; 32] = h.finalize().into();
    assert_eq!(dkg_nonce(7, &digest), expected);
    assert_ne!(dkg_nonce(8, &digest), expected);
}

#[test]
fn sorted_participants_orders_remainers_and_joiners_by_key_bytes() {
    let mut terms = small_terms();
    terms.remaining = vec![p("r1", &[5, 0], &[]), p("r2", &[1, 9], &[])];
    terms.joining = vec![p("j1", &[3], &[]), p("j2", &[1, 2, 3], &[])];
    terms.leaving = vec![p("l1", &[0], &[])];
    let sorted: Vec<(u32, String)> = sorted_participants(&terms)
        .into_iter()
        .map(|(i, p)| (i, p.address))
        .collect();
    assert_eq!(
        sorted,
        vec![
            (0, "j2".to_string()),
            (1, "r2".to_string()),
            (2, "j1".to_string()),
            (3, "r1".to_string())
        ]
    );
}
