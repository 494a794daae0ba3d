//! `verify_batch` must agree with `verify`, beacon by beacon, and name exactly the bad ones.
//!
//! Semantics tested (from `verify_batch`'s and `check_links`' documentation): every beacon gets
//! the error single verification gives it; in addition, for chained schemes, a beacon that
//! single verification accepts is blamed with `BrokenChain` when the beacon just before it *in
//! the slice* has the previous round, is itself still valid (links are checked left to right,
//! so a predecessor already blamed — for its signature or for its own broken link — is not
//! linked against), and its signature is not the beacon's `previous_signature`.
//!
//! Beacons come from synthetic chains signed with blst secret keys (all four schemes, chained
//! ranges built round by round from the genesis seed) and from the real vectors.

mod common;

use common::{DST_G1, DST_G2, sha256};

use std::sync::OnceLock;

use drand_lite::{
    Beacon, ChainInfo, DecodeError, Field, Scheme, VerifiedBeacon, VerifyError, verify,
    verify_batch,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Synthetic chains.
// ---------------------------------------------------------------------------------------------

enum SecretKey {
    KeyOnG1(blst::min_pk::SecretKey),
    KeyOnG2(blst::min_sig::SecretKey),
}

struct Synthetic {
    scheme: Scheme,
    sk: SecretKey,
    seed: [u8; 32],
    info: ChainInfo,
}

impl Synthetic {
    fn new(scheme: Scheme, tag: u8) -> Synthetic {
        let ikm = [tag; 32];
        let (sk, pk) = if scheme.public_key_len() == 48 {
            let sk = blst::min_pk::SecretKey::key_gen(&ikm, &[]).unwrap();
            let pk = sk.sk_to_pk().compress().to_vec();
            (SecretKey::KeyOnG1(sk), pk)
        } else {
            let sk = blst::min_sig::SecretKey::key_gen(&ikm, &[]).unwrap();
            let pk = sk.sk_to_pk().compress().to_vec();
            (SecretKey::KeyOnG2(sk), pk)
        };
        let seed = sha256(&[b"batch genesis seed", &[tag]]);
        let info = ChainInfo::new(scheme, &pk, 3, 1_700_000_000, seed, "batch-props").unwrap();
        Synthetic {
            scheme,
            sk,
            seed,
            info,
        }
    }

    fn dst(&self) -> &'static [u8] {
        if self.scheme == Scheme::BlsUnchainedG1Rfc9380 {
            DST_G1
        } else {
            DST_G2
        }
    }

    fn sign(&self, round: u64, prev: Option<&[u8]>) -> Vec<u8> {
        let msg = match prev {
            Some(p) if self.scheme.is_chained() => sha256(&[p, &round.to_be_bytes()]),
            _ => sha256(&[&round.to_be_bytes()]),
        };
        match &self.sk {
            SecretKey::KeyOnG1(sk) => sk.sign(&msg, self.dst(), &[]).compress().to_vec(),
            SecretKey::KeyOnG2(sk) => sk.sign(&msg, self.dst(), &[]).compress().to_vec(),
        }
    }

    fn beacon(&self, round: u64, prev: Option<Vec<u8>>) -> Beacon {
        let signature = self.sign(round, prev.as_deref());
        Beacon {
            round,
            randomness: Some(sha256(&[&signature])),
            signature,
            previous_signature: prev,
        }
    }

    /// Rounds `1..=n`: chained ones linked from the genesis seed, unchained ones independent.
    fn chain(&self, n: u64) -> Vec<Beacon> {
        let mut out: Vec<Beacon> = Vec::new();
        for round in 1..=n {
            let prev = if self.scheme.is_chained() {
                Some(
                    out.last()
                        .map_or(self.seed.to_vec(), |b: &Beacon| b.signature.clone()),
                )
            } else {
                None
            };
            out.push(self.beacon(round, prev));
        }
        out
    }
}

/// A chain and genuine beacons of it, in an order where chained neighbours link.
struct Fixture {
    name: String,
    info: ChainInfo,
    beacons: Vec<Beacon>,
    /// Only for synthetic fixtures: the signer (to forge valid forks).
    signer: Option<Synthetic>,
}

const SYNTHETIC_ROUNDS: u64 = 24;

fn synthetic_fixtures() -> &'static [Fixture] {
    static F: OnceLock<Vec<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        [
            (Scheme::PedersenBlsChained, 1u8),
            (Scheme::PedersenBlsUnchained, 2),
            (Scheme::BlsUnchainedOnG1, 3),
            (Scheme::BlsUnchainedG1Rfc9380, 4),
        ]
        .into_iter()
        .map(|(scheme, tag)| {
            let s = Synthetic::new(scheme, tag);
            let beacons = s.chain(SYNTHETIC_ROUNDS);
            Fixture {
                name: format!("synthetic {}", scheme.id()),
                info: s.info.clone(),
                beacons,
                signer: Some(s),
            }
        })
        .collect()
    })
}

fn real_fixtures() -> &'static [Fixture] {
    static F: OnceLock<Vec<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        common::chain_files()
            .into_iter()
            .filter(|f| !f.is_pending() && f.beacons.len() >= 2)
            .map(|f| Fixture {
                name: f.name.clone(),
                info: f.info(),
                beacons: f.beacons.iter().map(common::beacon).collect(),
                signer: None,
            })
            .collect()
    })
}

// ---------------------------------------------------------------------------------------------
// Corruptions and the model.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Corruption {
    None,
    FlipSignatureBit(usize),
    WrongRound(u64),
    RoundZero,
    WrongRandomness(usize),
    SwapSignatureWith(usize),
    DropPrevious,
    ExtraPrevious(u8),
    TruncateSignature(usize),
    /// Chained only: a genuinely signed beacon for the same round over another previous
    /// signature — valid on its own, but not linked to its neighbours.
    Fork(u8),
}

fn corruption() -> impl Strategy<Value = Corruption> {
    prop_oneof![
        8 => Just(Corruption::None),
        1 => any::<usize>().prop_map(Corruption::FlipSignatureBit),
        1 => (1u64..5000).prop_map(Corruption::WrongRound),
        1 => Just(Corruption::RoundZero),
        1 => (0usize..32).prop_map(Corruption::WrongRandomness),
        1 => any::<usize>().prop_map(Corruption::SwapSignatureWith),
        1 => Just(Corruption::DropPrevious),
        1 => any::<u8>().prop_map(Corruption::ExtraPrevious),
        1 => any::<usize>().prop_map(Corruption::TruncateSignature),
        2 => any::<u8>().prop_map(Corruption::Fork),
    ]
}

fn refresh_randomness(b: &mut Beacon) {
    if b.randomness.is_some() {
        b.randomness = Some(sha256(&[&b.signature]));
    }
}

/// Applies the corruptions in order; returns the beacons and, per index, what was done to it.
fn corrupt(
    fixture: &Fixture,
    mut beacons: Vec<Beacon>,
    corruptions: &[Corruption],
) -> (Vec<Beacon>, Vec<Vec<Corruption>>) {
    let n = beacons.len();
    let chained = fixture.info.scheme().is_chained();
    let mut touched: Vec<Vec<Corruption>> = vec![Vec::new(); n];
    for (i, c) in corruptions.iter().enumerate().take(n) {
        let applied = match c {
            Corruption::None => false,
            Corruption::FlipSignatureBit(bit) => {
                let b = &mut beacons[i];
                if b.signature.is_empty() {
                    false
                } else {
                    let bit = bit % (b.signature.len() * 8);
                    b.signature[bit / 8] ^= 1 << (bit % 8);
                    refresh_randomness(b);
                    true
                }
            }
            Corruption::WrongRound(d) => {
                let b = &mut beacons[i];
                b.round = b.round.saturating_add(*d);
                true
            }
            Corruption::RoundZero => {
                beacons[i].round = 0;
                true
            }
            Corruption::WrongRandomness(byte) => {
                let b = &mut beacons[i];
                let mut r = sha256(&[&b.signature]);
                r[*byte] ^= 0x80;
                b.randomness = Some(r);
                true
            }
            Corruption::SwapSignatureWith(k) => {
                let j = k % n;
                if j != i && beacons[i].signature != beacons[j].signature {
                    let (si, sj) = (beacons[i].signature.clone(), beacons[j].signature.clone());
                    beacons[i].signature = sj;
                    beacons[j].signature = si;
                    refresh_randomness(&mut beacons[i]);
                    refresh_randomness(&mut beacons[j]);
                    touched[j].push(c.clone());
                    true
                } else {
                    false
                }
            }
            Corruption::DropPrevious => {
                if chained {
                    beacons[i].previous_signature = None;
                }
                chained
            }
            Corruption::ExtraPrevious(fill) => {
                let len = fixture.info.scheme().signature_len();
                beacons[i].previous_signature = Some(vec![*fill | 1; len]);
                true
            }
            Corruption::TruncateSignature(k) => {
                let b = &mut beacons[i];
                if b.signature.is_empty() {
                    false
                } else {
                    let cut = 1 + k % b.signature.len();
                    b.signature.truncate(b.signature.len() - cut);
                    refresh_randomness(b);
                    true
                }
            }
            Corruption::Fork(fill) => match &fixture.signer {
                Some(s) if chained => {
                    let round = beacons[i].round;
                    let prev = vec![*fill | 0x80; 96];
                    let had_randomness = beacons[i].randomness.is_some();
                    beacons[i] = s.beacon(round, Some(prev));
                    if !had_randomness {
                        beacons[i].randomness = None;
                    }
                    true
                }
                _ => false,
            },
        };
        if applied {
            touched[i].push(c.clone());
        }
    }
    (beacons, touched)
}

/// Per-beacon expected outcome of `verify_batch`: `verify`'s, then the link rule.
fn model(info: &ChainInfo, beacons: &[Beacon]) -> Vec<Result<VerifiedBeacon, VerifyError>> {
    let mut out: Vec<_> = beacons.iter().map(|b| verify(info, b)).collect();
    if info.scheme().is_chained() {
        for i in 1..beacons.len() {
            let (prev, cur) = (&beacons[i - 1], &beacons[i]);
            if out[i - 1].is_ok()
                && out[i].is_ok()
                && prev.round.checked_add(1) == Some(cur.round)
                && cur.previous_signature.as_deref() != Some(prev.signature.as_slice())
            {
                out[i] = Err(VerifyError::BrokenChain { round: cur.round });
            }
        }
    }
    out
}

/// Compares `verify_batch` with the model, exactly.
fn check_batch(info: &ChainInfo, beacons: &[Beacon]) -> Result<(), TestCaseError> {
    let expected = model(info, beacons);
    let want_valid: Vec<VerifiedBeacon> = expected.iter().filter_map(|r| r.clone().ok()).collect();
    let want_invalid: Vec<(usize, u64, VerifyError)> = expected
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.clone().err().map(|e| (i, beacons[i].round, e)))
        .collect();
    match verify_batch(info, beacons) {
        Ok(valid) => {
            prop_assert!(
                want_invalid.is_empty(),
                "batch accepted everything, expected {:?}",
                want_invalid
            );
            prop_assert_eq!(valid, want_valid);
        }
        Err(err) => {
            let got: Vec<(usize, u64, VerifyError)> = err
                .invalid
                .iter()
                .map(|i| (i.index, i.round, i.error.clone()))
                .collect();
            prop_assert_eq!(got, want_invalid);
            prop_assert_eq!(&err.valid, &want_valid);
            let rounds: Vec<u64> = err.invalid.iter().map(|i| i.round).collect();
            prop_assert_eq!(err.invalid_rounds(), rounds);
        }
    }
    Ok(())
}

/// The oracle itself must behave: untouched beacons verify, and a beacon hit by exactly one
/// corruption fails single verification with the error that corruption calls for.
fn check_oracle(
    info: &ChainInfo,
    beacons: &[Beacon],
    touched: &[Vec<Corruption>],
) -> Result<(), TestCaseError> {
    let scheme = info.scheme();
    for (b, t) in beacons.iter().zip(touched) {
        let single = verify(info, b);
        match t.as_slice() {
            [] => prop_assert!(single.is_ok(), "untouched beacon rejected: {:?}", single),
            [c] => {
                let round = b.round;
                let invalid = VerifyError::InvalidSignature {
                    round,
                    scheme: scheme.id(),
                };
                match c {
                    Corruption::FlipSignatureBit(_) => prop_assert!(
                        matches!(
                            single,
                            Err(VerifyError::Decode(_)) | Err(VerifyError::InvalidSignature { .. })
                        ),
                        "{:?}",
                        single
                    ),
                    Corruption::WrongRound(_) => prop_assert_eq!(single, Err(invalid)),
                    // The partner's signature may itself be corrupted (truncated, flipped, …).
                    Corruption::SwapSignatureWith(_) => prop_assert!(single.is_err()),
                    Corruption::RoundZero => prop_assert_eq!(single, Err(VerifyError::RoundZero)),
                    Corruption::WrongRandomness(_) => prop_assert!(
                        matches!(single, Err(VerifyError::RandomnessMismatch { .. })),
                        "{:?}",
                        single
                    ),
                    Corruption::DropPrevious => prop_assert_eq!(
                        single,
                        Err(VerifyError::MissingPreviousSignature {
                            round,
                            scheme: scheme.id()
                        })
                    ),
                    Corruption::ExtraPrevious(_) if !scheme.is_chained() => prop_assert_eq!(
                        single,
                        Err(VerifyError::UnexpectedPreviousSignature {
                            round,
                            scheme: scheme.id()
                        })
                    ),
                    Corruption::ExtraPrevious(_) | Corruption::Fork(_) if round == 1 => {
                        prop_assert_eq!(single, Err(VerifyError::GenesisSeedMismatch))
                    }
                    Corruption::ExtraPrevious(_) => prop_assert_eq!(single, Err(invalid)),
                    Corruption::TruncateSignature(_) => prop_assert!(
                        matches!(
                            single,
                            Err(VerifyError::Decode(DecodeError::Length {
                                field: Field::Signature,
                                ..
                            }))
                        ),
                        "{:?}",
                        single
                    ),
                    Corruption::Fork(_) => prop_assert!(single.is_ok(), "{:?}", single),
                    Corruption::None => unreachable!(),
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn window(fixture: &Fixture, start: usize, len: usize) -> Vec<Beacon> {
    let n = fixture.beacons.len();
    let start = start % n;
    let end = (start + len).min(n);
    fixture.beacons[start..end].to_vec()
}

fn strip_randomness(beacons: &mut [Beacon], v2: bool) {
    if v2 {
        for b in beacons {
            b.randomness = None;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Unchained schemes, keys on G1 and on G2: any window of rounds, corrupted at random.
    #[test]
    fn synthetic_unchained_batches_agree_with_verify(
        which in 1usize..4,
        start in 0usize..64,
        len in 1usize..=10,
        corruptions in proptest::collection::vec(corruption(), 10),
        v2 in any::<bool>(),
        shuffle in any::<bool>(),
    ) {
        let fixture = &synthetic_fixtures()[which];
        let mut beacons = window(fixture, start, len);
        if shuffle {
            beacons.reverse();
        }
        strip_randomness(&mut beacons, v2);
        let (beacons, touched) = corrupt(fixture, beacons, &corruptions);
        check_oracle(&fixture.info, &beacons, &touched)?;
        check_batch(&fixture.info, &beacons)?;
    }

    /// Chained scheme, consecutive ranges (including round 1 and its genesis-seed link).
    #[test]
    fn synthetic_chained_ranges_agree_with_verify(
        start in 0usize..64,
        len in 1usize..=10,
        corruptions in proptest::collection::vec(corruption(), 10),
        v2 in any::<bool>(),
    ) {
        let fixture = &synthetic_fixtures()[0];
        let mut beacons = window(fixture, start, len);
        strip_randomness(&mut beacons, v2);
        let (beacons, touched) = corrupt(fixture, beacons, &corruptions);
        check_oracle(&fixture.info, &beacons, &touched)?;
        check_batch(&fixture.info, &beacons)?;
    }

    /// The real vectors of every BLS12-381 chain (mainnet default has consecutive chained
    /// runs 1–4 and 3907446–3907447).
    #[test]
    fn real_vector_batches_agree_with_verify(
        which in 0usize..64,
        start in 0usize..512,
        len in 1usize..=8,
        corruptions in proptest::collection::vec(corruption(), 8),
        v2 in any::<bool>(),
    ) {
        let fixtures = real_fixtures();
        let fixture = &fixtures[which % fixtures.len()];
        let mut beacons = window(fixture, start, len);
        strip_randomness(&mut beacons, v2);
        let (beacons, touched) = corrupt(fixture, beacons, &corruptions);
        check_oracle(&fixture.info, &beacons, &touched)?;
        check_batch(&fixture.info, &beacons)?;
    }

    /// One bad beacon among many valid ones, anywhere: exactly it is named.
    #[test]
    fn a_single_bad_beacon_is_pinpointed(
        which in 0usize..4,
        bad in 0usize..SYNTHETIC_ROUNDS as usize,
        bit in 0usize..(48 * 8),
    ) {
        let fixture = &synthetic_fixtures()[which];
        let mut beacons = fixture.beacons.clone();
        // Flip a bit of x (not the flag bits) so the result is usually a point off the curve
        // or, when it decompresses, a wrong signature.
        let bit = 8 + bit % (fixture.beacons[0].signature.len() * 8 - 8);
        beacons[bad].signature[bit / 8] ^= 1 << (bit % 8);
        refresh_randomness(&mut beacons[bad]);
        let err = verify_batch(&fixture.info, &beacons).unwrap_err();
        let named: Vec<usize> = err.invalid.iter().map(|i| i.index).collect();
        // A chained successor still links (its previous_signature is the *original* signature
        // of `bad`), but its predecessor is now invalid, so it is not blamed.
        prop_assert_eq!(named, vec![bad]);
        prop_assert_eq!(err.valid.len(), beacons.len() - 1);
        check_batch(&fixture.info, &beacons)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Worked examples of the chained-link semantics.
// ---------------------------------------------------------------------------------------------

fn chained() -> &'static Fixture {
    &synthetic_fixtures()[0]
}

fn fork(round: u64, fill: u8) -> Beacon {
    chained()
        .signer
        .as_ref()
        .unwrap()
        .beacon(round, Some(vec![fill; 96]))
}

fn blamed(info: &ChainInfo, beacons: &[Beacon]) -> Vec<(usize, VerifyError)> {
    match verify_batch(info, beacons) {
        Ok(_) => Vec::new(),
        Err(e) => e.invalid.into_iter().map(|i| (i.index, i.error)).collect(),
    }
}

#[test]
fn empty_batch_is_ok() {
    for f in synthetic_fixtures() {
        assert_eq!(verify_batch(&f.info, &[]).unwrap(), Vec::new());
    }
}

#[test]
fn whole_chains_verify_in_one_batch() {
    for f in synthetic_fixtures().iter().chain(real_fixtures()) {
        let valid = verify_batch(&f.info, &f.beacons).unwrap_or_else(|e| panic!("{}: {e}", f.name));
        let singles: Vec<_> = f
            .beacons
            .iter()
            .map(|b| verify(&f.info, b).unwrap())
            .collect();
        assert_eq!(valid, singles, "{}", f.name);
    }
}

#[test]
fn a_valid_fork_in_a_chained_range_is_blamed_with_broken_chain() {
    let f = chained();
    let mut range = f.beacons[1..6].to_vec(); // rounds 2..=6
    let forked = fork(4, 0xaa);
    verify(&f.info, &forked).unwrap();
    range[2] = forked; // round 4
    // Round 4 (valid alone) does not link to round 3: BrokenChain. Round 5 links to the
    // *original* round 4, not to the fork — but its predecessor is already blamed, so no link
    // is checked and round 5 stays valid.
    assert_eq!(
        blamed(&f.info, &range),
        vec![(2, VerifyError::BrokenChain { round: 4 })]
    );
}

#[test]
fn a_valid_beacon_whose_replaced_predecessor_opens_the_slice_is_blamed() {
    // The replaced beacon has no predecessor in the slice, so nothing blames it; its valid
    // successor does not link to it and gets BrokenChain.
    let f = chained();
    let mut range = f.beacons[3..7].to_vec(); // rounds 4..=7
    range[0] = fork(4, 0xbb);
    assert_eq!(
        blamed(&f.info, &range),
        vec![(1, VerifyError::BrokenChain { round: 5 })]
    );
}

#[test]
fn a_corrupted_predecessor_does_not_blame_its_successor() {
    let f = chained();
    let mut range = f.beacons[0..5].to_vec(); // rounds 1..=5
    range[2].signature[10] ^= 0x40; // round 3
    refresh_randomness(&mut range[2]);
    let got = blamed(&f.info, &range);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, 2);
    assert_eq!(got[0].1, verify(&f.info, &range[2]).unwrap_err());
}

#[test]
fn links_are_only_checked_between_slice_neighbours_with_consecutive_rounds() {
    let f = chained();
    let b = &f.beacons;
    // Out of order, gaps and duplicates: no neighbours with consecutive rounds.
    for slice in [
        vec![b[3].clone(), b[2].clone(), b[1].clone()],
        vec![b[1].clone(), b[3].clone(), b[5].clone()],
        vec![b[4].clone(), b[4].clone()],
        vec![b[1].clone(), b[5].clone(), b[2].clone()],
    ] {
        assert_eq!(blamed(&f.info, &slice), Vec::new());
    }
    // A fork is fine as long as no consecutive neighbour contradicts it.
    let slice = vec![b[1].clone(), fork(5, 0xcc), b[7].clone()];
    assert_eq!(blamed(&f.info, &slice), Vec::new());
    // Two forks in a row: the first is blamed (vs. round 2), the second is not linked against
    // a blamed predecessor (even though it does not link to it either).
    // Round 5 after them links to the original round 4, and its predecessor (the second fork)
    // is still valid, so round 5 is blamed as well.
    let slice = vec![b[1].clone(), fork(3, 0x01), fork(4, 0x02), b[4].clone()];
    assert_eq!(
        blamed(&f.info, &slice),
        vec![
            (1, VerifyError::BrokenChain { round: 3 }),
            (3, VerifyError::BrokenChain { round: 5 })
        ]
    );
    // Unchained schemes never check links, even on consecutive rounds with stray bytes.
    for u in &synthetic_fixtures()[1..] {
        assert_eq!(blamed(&u.info, &u.beacons[..6]), Vec::new());
    }
}

#[test]
fn two_bad_signatures_that_cancel_in_a_plain_sum_are_both_named() {
    use blstrs::{G1Affine, G1Projective, G2Affine, G2Projective};
    use group::Curve;
    use group::prime::PrimeCurveAffine;
    for f in synthetic_fixtures() {
        let mut beacons = f.beacons[..8].to_vec();
        let (i, j) = (2, 5);
        // σᵢ + Δ and σⱼ − Δ: the unweighted sum of all signatures is unchanged, so a batch
        // check without (unpredictable) coefficients would accept both forgeries.
        if beacons[i].signature.len() == 96 {
            let d = G2Projective::from(G2Affine::generator());
            let si = G2Affine::from_compressed(&beacons[i].signature.clone().try_into().unwrap())
                .unwrap();
            let sj = G2Affine::from_compressed(&beacons[j].signature.clone().try_into().unwrap())
                .unwrap();
            beacons[i].signature = (G2Projective::from(si) + d)
                .to_affine()
                .to_compressed()
                .to_vec();
            beacons[j].signature = (G2Projective::from(sj) - d)
                .to_affine()
                .to_compressed()
                .to_vec();
        } else {
            let d = G1Projective::from(G1Affine::generator());
            let si = G1Affine::from_compressed(&beacons[i].signature.clone().try_into().unwrap())
                .unwrap();
            let sj = G1Affine::from_compressed(&beacons[j].signature.clone().try_into().unwrap())
                .unwrap();
            beacons[i].signature = (G1Projective::from(si) + d)
                .to_affine()
                .to_compressed()
                .to_vec();
            beacons[j].signature = (G1Projective::from(sj) - d)
                .to_affine()
                .to_compressed()
                .to_vec();
        }
        refresh_randomness(&mut beacons[i]);
        refresh_randomness(&mut beacons[j]);
        let invalid = |r| VerifyError::InvalidSignature {
            round: r,
            scheme: f.info.scheme().id(),
        };
        assert_eq!(
            verify(&f.info, &beacons[i]).unwrap_err(),
            invalid(beacons[i].round)
        );
        assert_eq!(
            verify(&f.info, &beacons[j]).unwrap_err(),
            invalid(beacons[j].round)
        );
        let got = blamed(&f.info, &beacons);
        let names: Vec<usize> = got.iter().map(|(k, _)| *k).collect();
        // Chained: the successors of i and j still link to the original signatures, but their
        // predecessors are invalid, so they are not blamed.
        assert_eq!(names, vec![i, j], "{}: {got:?}", f.name);
        // The pair alone, too.
        let pair = vec![beacons[i].clone(), beacons[j].clone()];
        assert_eq!(blamed(&f.info, &pair).len(), 2, "{}", f.name);
    }
}

#[test]
fn every_position_of_a_bad_beacon_is_found_in_a_large_batch() {
    for f in synthetic_fixtures() {
        let base = f.beacons.clone();
        for bad in 0..base.len() {
            let mut beacons = base.clone();
            beacons[bad].round += 1000; // wrong message
            let got = blamed(&f.info, &beacons);
            let expected_err = verify(&f.info, &beacons[bad]).unwrap_err();
            assert_eq!(got, vec![(bad, expected_err)], "{} position {bad}", f.name);
        }
        // All bad.
        let all: Vec<Beacon> = base
            .iter()
            .map(|b| {
                let mut b = b.clone();
                b.round += 1000;
                b
            })
            .collect();
        assert_eq!(blamed(&f.info, &all).len(), all.len(), "{}", f.name);
    }
}

/// blst's multi-scalar multiplication takes different paths by size (fewer than 32 points,
/// fewer points than CPUs, Pippenger above). A batch that mishandled one term could accept a
/// bad beacon at its edge; check first and last positions across the thresholds.
#[test]
fn bad_beacons_at_the_edges_are_found_for_every_msm_size() {
    for (scheme, tag) in [
        (Scheme::PedersenBlsUnchained, 40u8),
        (Scheme::BlsUnchainedG1Rfc9380, 41),
    ] {
        let s = Synthetic::new(scheme, tag);
        let chain = s.chain(65);
        for n in [2usize, 3, 31, 32, 33, 64, 65] {
            for bad in [0, n - 1] {
                let mut beacons = chain[..n].to_vec();
                beacons[bad].round += 7;
                let err = verify_batch(&s.info, &beacons).unwrap_err();
                let named: Vec<usize> = err.invalid.iter().map(|i| i.index).collect();
                assert_eq!(named, vec![bad], "{scheme} n={n}");
                assert_eq!(err.valid.len(), n - 1);
            }
        }
    }
}
