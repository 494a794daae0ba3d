//! End-to-end tests for every scheme: deal, partial-sign, verify partials, recover, and check
//! the result as a drand beacon with the verifier core.

use drand_lite::{Beacon, ChainInfo, Scheme};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use super::*;

const N: u32 = 7;
const T: u32 = 4;
const GENESIS_SEED: [u8; 32] = [0x5e; 32];

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn dealing(scheme: Scheme, seed: u64) -> Dealing {
    deal(scheme, N, T, &mut rng(seed)).unwrap()
}

fn partials(d: &Dealing, digest: &[u8]) -> Vec<Vec<u8>> {
    d.shares.iter().map(|s| s.partial_sign(digest)).collect()
}

/// Flips one bit of the signature part of a partial.
fn flip(partial: &[u8], byte: usize) -> Vec<u8> {
    let mut out = partial.to_vec();
    out[INDEX_BYTES + byte] ^= 0x01;
    out
}

/// A well-formed partial that claims `index` but carries another signer's signature.
fn relabel(partial: &[u8], index: u16) -> Vec<u8> {
    let mut out = partial.to_vec();
    out[..2].copy_from_slice(&index.to_be_bytes());
    out
}

#[test]
fn every_share_partial_signs_and_verifies() {
    for (k, scheme) in Scheme::ALL.into_iter().enumerate() {
        let d = dealing(scheme, 10 + k as u64);
        assert_eq!(d.public.threshold(), T as usize);
        assert_eq!(d.public.scheme(), scheme);
        assert_eq!(d.shares.len(), N as usize);
        let digest = scheme.digest(42, Some(&[7u8; 96]));
        for (i, share) in d.shares.iter().enumerate() {
            assert_eq!(share.index(), i as u32);
            assert_eq!(share.public_key(), d.public.eval(share.index()), "{scheme}");
            d.public.check_share(share).unwrap();
            let partial = share.partial_sign(&digest);
            assert_eq!(partial.len(), scheme.signature_len() + 2);
            assert_eq!(partial_index(scheme, &partial).unwrap(), i as u16);
            assert_eq!(
                d.public.verify_partial(&digest, &partial).unwrap(),
                i as u16
            );
        }
    }
}

#[test]
fn recovered_signatures_are_drand_beacons() {
    for (k, scheme) in Scheme::ALL.into_iter().enumerate() {
        let mut r = rng(100 + k as u64);
        let d = deal(scheme, N, T, &mut r).unwrap();
        let info = ChainInfo::new(
            scheme,
            &d.public.public_key(),
            3,
            1_700_000_000,
            GENESIS_SEED,
            "id",
        )
        .unwrap();
        let mut previous: Vec<u8> = GENESIS_SEED.to_vec();
        for round in 1..=2u64 {
            let prev = scheme.is_chained().then(|| previous.clone());
            let digest = scheme.digest(round, prev.as_deref());
            let all = partials(&d, &digest);

            let first = d.public.recover(&digest, &all[..4], 4).unwrap();
            let last = d.public.recover(&digest, &all[3..], 4).unwrap();
            let mut subset = all.clone();
            for i in (1..subset.len()).rev() {
                let j = (r.next_u32() as usize) % (i + 1);
                subset.swap(i, j);
            }
            let random = d.public.recover(&digest, &subset[..4], 4).unwrap();
            assert_eq!(first, last, "{scheme}");
            assert_eq!(first, random, "{scheme}");
            assert_eq!(
                d.public.recover_verified(&digest, &all[2..6], 4).unwrap(),
                first
            );
            // Unchecked interpolation of valid partials is the same signature; of too few, an
            // error; of a bad one, a different (invalid) signature, never a panic.
            assert_eq!(
                d.public.interpolate_unchecked(&all[1..5], 4).unwrap(),
                first
            );
            assert!(d.public.interpolate_unchecked(&all[..3], 4).is_err());
            let mut bent = all[..4].to_vec();
            bent[0] = all[4].clone();
            bent[0][..2].copy_from_slice(&all[0][..2]);
            assert_ne!(
                d.public.interpolate_unchecked(&bent, 4).ok(),
                Some(first.clone())
            );
            // More partials than needed, and a higher threshold, give the same signature.
            assert_eq!(d.public.recover(&digest, &all, 5).unwrap(), first);

            // Invalid, malformed and duplicate partials mixed in are skipped.
            let mixed = vec![
                relabel(&all[6], 0), // well-formed, wrong signer
                all[1].clone(),
                all[1].clone(),   // duplicate
                flip(&all[2], 5), // corrupted
                vec![0u8; 3],     // garbage
                all[3].clone(),
                d.shares[4].partial_sign(b"another digest"),
                all[5].clone(),
                all[6].clone(),
            ];
            assert_eq!(
                d.public.recover(&digest, &mixed, 4).unwrap(),
                first,
                "{scheme}"
            );
            // recover_verified skips repeated indices (the first occurrence wins).
            let repeated: Vec<Vec<u8>> = [0, 0, 2, 2, 4, 6].map(|i| all[i].clone()).to_vec();
            assert_eq!(
                d.public.recover_verified(&digest, &repeated, 4).unwrap(),
                first
            );

            let beacon = Beacon {
                round,
                signature: first.clone(),
                previous_signature: prev,
                randomness: None,
            };
            let verified = drand_lite::verify(&info, &beacon).unwrap();
            assert_eq!(verified.signature(), first.as_slice());
            verify_signature(scheme, &d.public.public_key(), &digest, &first).unwrap();
            previous = first;
        }
    }
}

#[test]
fn interpolation_is_exact() {
    for (k, scheme) in Scheme::ALL.into_iter().enumerate() {
        let d = dealing(scheme, 200 + k as u64);
        let secret = recover_secret(&d.shares[2..6], 4).unwrap();
        let other = recover_secret(&d.shares[..4], 4).unwrap();
        assert_eq!(secret, other);
        assert_eq!(secret.public_key(), d.public.public_key(), "{scheme}");
        let digest = scheme.digest(9, Some(&GENESIS_SEED));
        let recovered = d
            .public
            .recover(&digest, &partials(&d, &digest)[1..5], 4)
            .unwrap();
        assert_eq!(secret.sign(&digest), recovered, "{scheme}");
        // Three shares do not determine the secret.
        let wrong = recover_secret(&d.shares[..3], 3).unwrap();
        assert_ne!(wrong.public_key(), d.public.public_key());
        assert!(matches!(
            recover_secret(&d.shares[..3], 4),
            Err(CryptoError::NotEnoughPartials { have: 3, need: 4 })
        ));
    }
}

#[test]
fn too_few_partials_fail() {
    for (k, scheme) in Scheme::ALL.into_iter().enumerate() {
        let d = dealing(scheme, 300 + k as u64);
        let digest = scheme.digest(3, Some(&GENESIS_SEED));
        let all = partials(&d, &digest);
        let three = &all[..3];
        assert_eq!(
            d.public.recover(&digest, three, 4),
            Err(CryptoError::NotEnoughPartials { have: 3, need: 4 })
        );
        assert_eq!(
            d.public.recover_verified(&digest, three, 4),
            Err(CryptoError::NotEnoughPartials { have: 3, need: 4 })
        );
        // Duplicates do not count twice; invalid ones do not count at all.
        let padded = vec![
            all[0].clone(),
            all[0].clone(),
            all[1].clone(),
            relabel(&all[2], 3),
        ];
        assert_eq!(
            d.public.recover(&digest, &padded, 4),
            Err(CryptoError::NotEnoughPartials { have: 2, need: 4 })
        );
        // A threshold below the polynomial's degree + 1 cannot be right.
        assert!(matches!(
            d.public.recover(&digest, &all, 3),
            Err(CryptoError::BadThreshold { threshold: 3, .. })
        ));
        assert!(matches!(
            d.public.recover(&digest, &all, 0),
            Err(CryptoError::BadThreshold { threshold: 0, .. })
        ));
        // recover_verified trusts its input: a bad partial makes the result fail.
        let bad = vec![
            all[0].clone(),
            all[1].clone(),
            all[2].clone(),
            relabel(&all[4], 3),
        ];
        assert_eq!(
            d.public.recover_verified(&digest, &bad, 4),
            Err(CryptoError::InvalidRecovered)
        );
    }
}

#[test]
fn bad_partials_are_rejected_with_the_right_error() {
    for (k, scheme) in Scheme::ALL.into_iter().enumerate() {
        let d = dealing(scheme, 400 + k as u64);
        let digest = scheme.digest(5, Some(&GENESIS_SEED));
        let good = d.shares[2].partial_sign(&digest);
        let len = scheme.signature_len() + 2;

        assert_eq!(
            d.public.verify_partial(&digest, &relabel(&good, 3)),
            Err(CryptoError::InvalidPartial { index: 3 })
        );
        assert_eq!(
            d.public.verify_partial(b"other digest", &good),
            Err(CryptoError::InvalidPartial { index: 2 })
        );
        assert_eq!(
            d.public.verify_partial(&digest, &relabel(&good, u16::MAX)),
            Err(CryptoError::UnknownIndex(u16::MAX))
        );
        for wrong in [0, 1, 2, len - 1, len + 1, 2 * len] {
            let bytes = vec![0x80; wrong];
            let expected = CryptoError::BadPartialLength {
                expected: len,
                got: wrong,
            };
            assert_eq!(
                d.public.verify_partial(&digest, &bytes),
                Err(expected.clone())
            );
            assert_eq!(partial_index(scheme, &bytes), Err(expected));
        }
        // Flipping any single bit of the signature is caught, by decoding or by the pairing.
        for byte in [0, 1, 17, scheme.signature_len() - 1] {
            for bit in [0x01u8, 0x20, 0x80] {
                let mut bad = good.clone();
                bad[2 + byte] ^= bit;
                let err = d.public.verify_partial(&digest, &bad).unwrap_err();
                assert!(
                    matches!(
                        err,
                        CryptoError::BadPoint { .. } | CryptoError::InvalidPartial { index: 2 }
                    ),
                    "{scheme} byte {byte} bit {bit:#x}: {err:?}"
                );
            }
        }
        // An identity signature never verifies.
        let identity = match scheme.layout() {
            drand_lite::scheme::Layout::Bn254KeyOnG2 => vec![0u8; 64],
            _ => {
                let mut b = vec![0u8; scheme.signature_len()];
                b[0] = 0xc0;
                b
            }
        };
        let mut partial = vec![0, 2];
        partial.extend_from_slice(&identity);
        assert!(matches!(
            d.public.verify_partial(&digest, &partial),
            Err(CryptoError::BadPoint { .. })
        ));
    }
}

#[test]
fn secret_key_decoding_is_strict() {
    // The group orders, big-endian.
    let bls_r = drand_lite::hex::decode_array::<32>(
        drand_lite::Field::Json,
        "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001",
    )
    .unwrap();
    let bn_r = drand_lite::hex::decode_array::<32>(
        drand_lite::Field::Json,
        "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001",
    )
    .unwrap();
    for scheme in Scheme::ALL {
        let r = if scheme == Scheme::BlsBn254UnchainedOnG1 {
            bn_r
        } else {
            bls_r
        };
        let reject = |bytes: &[u8]| {
            assert!(
                matches!(
                    SecretKey::from_bytes(scheme, bytes),
                    Err(CryptoError::BadScalar { .. })
                ),
                "{scheme} accepted {bytes:?}"
            )
        };
        reject(&[0u8; 32]);
        reject(&r);
        reject(&[0xff; 32]);
        reject(&[1u8; 31]);
        reject(&[1u8; 33]);
        reject(&[]);
        let mut below = r;
        below[31] -= 1;
        let top = SecretKey::from_bytes(scheme, &below).unwrap();
        assert_eq!(top.to_bytes(), below);
        let mut one = [0u8; 32];
        one[31] = 1;
        assert_eq!(SecretKey::from_bytes(scheme, &one).unwrap().to_bytes(), one);

        let sk = SecretKey::generate(scheme, &mut rng(500));
        let copy = SecretKey::from_bytes(scheme, &sk.to_bytes()).unwrap();
        assert_eq!(sk.clone(), copy);
        assert_eq!(sk.scheme(), scheme);
        // Debug never shows the secret.
        let hex = drand_lite::hex::encode(&sk.to_bytes());
        let shown = format!("{sk:?} {:?}", Share::new(0, sk.clone()));
        assert!(!shown.contains(&hex[..16]), "{shown}");
    }
}

#[test]
fn plain_signatures_verify() {
    for (k, scheme) in Scheme::ALL.into_iter().enumerate() {
        let mut r = rng(600 + k as u64);
        let sk = SecretKey::generate(scheme, &mut r);
        let other = SecretKey::generate(scheme, &mut r);
        let pk = sk.public_key();
        assert_eq!(pk.len(), scheme.public_key_len());
        validate_public_key(scheme, &pk).unwrap();
        let sig = sk.sign(b"hello");
        assert_eq!(sig.len(), scheme.signature_len());
        verify_signature(scheme, &pk, b"hello", &sig).unwrap();
        assert_eq!(
            verify_signature(scheme, &pk, b"hellp", &sig),
            Err(CryptoError::InvalidSignature)
        );
        assert_eq!(
            verify_signature(scheme, &other.public_key(), b"hello", &sig),
            Err(CryptoError::InvalidSignature)
        );
        assert!(matches!(
            verify_signature(scheme, &pk[1..], b"hello", &sig),
            Err(CryptoError::BadPoint { .. })
        ));
        assert!(matches!(
            verify_signature(scheme, &pk, b"hello", &sig[1..]),
            Err(CryptoError::BadPoint { .. })
        ));
    }
}

#[test]
fn known_generator_encodings() {
    let mut one = [0u8; 32];
    one[31] = 1;
    let g1 = SecretKey::from_bytes(Scheme::PedersenBlsChained, &one)
        .unwrap()
        .public_key();
    assert_eq!(
        drand_lite::hex::encode(&g1),
        "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
    );
    let g2 = SecretKey::from_bytes(Scheme::BlsUnchainedG1Rfc9380, &one)
        .unwrap()
        .public_key();
    assert!(drand_lite::hex::encode(&g2).starts_with("93e02b6052719f607dacd3a088274f65"));
    // BN254 G2 generator, kyber order x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0.
    let bn = SecretKey::from_bytes(Scheme::BlsBn254UnchainedOnG1, &one)
        .unwrap()
        .public_key();
    assert_eq!(
        drand_lite::hex::encode(&bn[..32]),
        "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
    );
    assert_eq!(
        drand_lite::hex::encode(&bn[32..64]),
        "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
    );
}

#[test]
fn identity_and_non_canonical_public_keys_are_rejected() {
    for scheme in Scheme::ALL {
        let len = scheme.public_key_len();
        let mut bad: Vec<Vec<u8>> = vec![vec![], vec![0u8; len], vec![0xff; len]];
        if scheme == Scheme::BlsBn254UnchainedOnG1 {
            // A coordinate equal to p.
            let mut p = drand_lite::hex::decode(
                drand_lite::Field::Json,
                "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47",
                32,
            )
            .unwrap();
            p.resize(len, 0);
            bad.push(p);
        } else {
            let mut identity = vec![0u8; len];
            identity[0] = 0xc0;
            bad.push(identity);
            // The generator without its compression flag, and with the infinity flag added.
            let mut one = [0u8; 32];
            one[31] = 1;
            let pk = SecretKey::from_bytes(scheme, &one).unwrap().public_key();
            let mut uncompressed = pk.clone();
            uncompressed[0] &= 0x7f;
            bad.push(uncompressed);
            let mut infinity = pk.clone();
            infinity[0] |= 0x40;
            bad.push(infinity);
            // x = p (flag bits set, coordinate not canonical).
            let mut x_is_p = drand_lite::encoding::MODULUS.to_vec();
            x_is_p[0] |= 0x80;
            x_is_p.resize(len, 0);
            bad.push(x_is_p);
        }
        for key in &bad {
            assert!(
                matches!(
                    validate_public_key(scheme, key),
                    Err(CryptoError::BadPoint { .. })
                ),
                "{scheme} accepted {key:?}"
            );
            assert!(PublicPoly::from_bytes(scheme, std::slice::from_ref(key)).is_err());
        }
    }
}

#[test]
fn public_polynomials_round_trip_and_deal_checks_its_arguments() {
    for (k, scheme) in Scheme::ALL.into_iter().enumerate() {
        let d = dealing(scheme, 700 + k as u64);
        let bytes = d.public.to_bytes();
        assert_eq!(bytes.len(), T as usize);
        assert_eq!(bytes[0], d.public.public_key());
        let decoded = PublicPoly::from_bytes(scheme, &bytes).unwrap();
        assert_eq!(decoded, d.public);
        assert_eq!(decoded.eval(3), d.public.eval(3));
        assert_eq!(
            PublicPoly::from_bytes(scheme, &[]),
            Err(CryptoError::EmptyPolynomial)
        );
        assert!(PublicPoly::from_bytes(scheme, &[bytes[0].clone(), vec![1, 2, 3]]).is_err());

        let mut r = rng(1);
        assert!(matches!(
            deal(scheme, 3, 0, &mut r),
            Err(CryptoError::BadThreshold { .. })
        ));
        assert!(matches!(
            deal(scheme, 3, 4, &mut r),
            Err(CryptoError::BadThreshold { .. })
        ));
        assert!(deal(scheme, 1, 1, &mut r).is_ok());
    }
    // The same seed deals the same group.
    let a = dealing(Scheme::BlsUnchainedG1Rfc9380, 5);
    let b = dealing(Scheme::BlsUnchainedG1Rfc9380, 5);
    assert_eq!(a.public, b.public);
    // A share of another group does not pass the check.
    let c = dealing(Scheme::BlsUnchainedG1Rfc9380, 6);
    assert!(a.public.check_share(&c.shares[0]).is_err());
}

mod props {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn polys() -> &'static Vec<Dealing> {
        static POLYS: OnceLock<Vec<Dealing>> = OnceLock::new();
        POLYS.get_or_init(|| {
            Scheme::ALL
                .into_iter()
                .map(|s| deal(s, 3, 2, &mut rng(800)).unwrap())
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn random_bytes_never_panic(
            which in 0usize..5,
            bytes in prop::collection::vec(any::<u8>(), 0..200),
            fit in any::<bool>(),
        ) {
            let d = &polys()[which];
            let scheme = d.public.scheme();
            let mut bytes = bytes;
            if fit {
                bytes.resize(scheme.signature_len() + 2, 0x11);
            }
            let _ = partial_index(scheme, &bytes);
            let _ = d.public.verify_partial(b"digest", &bytes);
            let _ = d.public.recover(b"digest", &[bytes.clone(), bytes.clone()], 2);
            let _ = d.public.recover_verified(b"digest", &[bytes.clone()], 2);
            let _ = SecretKey::from_bytes(scheme, &bytes);
            let _ = SecretKey::from_bytes(scheme, bytes.get(..32).unwrap_or(&bytes));
            let _ = validate_public_key(scheme, &bytes);
            let _ = PublicPoly::from_bytes(scheme, &[bytes.clone()]);
            let _ = verify_signature(scheme, &bytes, b"m", &bytes);
        }
    }
}
