//! The verifier checklist (style-and-testing.md §3.4, items 1–20), one test per item.
//!
//! Every test shows the bad input rejected with the *right* typed error, through the public
//! entry points only: public keys through `ChainInfo::new` and `ChainInfo::from_json`,
//! signatures through `verify` (and, where the path differs, `Beacon::from_json` and
//! `verify_batch`). Bad points are real: x with no square root, points on the curve outside the
//! prime-order subgroup (searched with blstrs' unchecked decompression), `x + p` encodings of
//! genuine points, and so on. Signatures for other framings and DSTs are produced with `blst`
//! secret keys on synthetic chains, so each negative case has a positive control next to it.

mod common;

use common::{DST_G1, DST_G2, sha256};

use blstrs::{Bls12, G1Affine, G1Projective, G2Affine, G2Prepared, G2Projective, Gt};
use drand_lite::{
    Beacon, ChainInfo, ChainInfoError, DecodeError, Field, Scheme, TimeError, VerifyError,
    check_round_due, round_at, round_time, verify, verify_batch, verify_round,
};
use group::prime::PrimeCurveAffine;
use group::{Curve, Group};
use pairing::{MillerLoopResult, MultiMillerLoop};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------------------------------------
// Independent constants and helpers (deliberately not taken from the crate under test).
// ---------------------------------------------------------------------------------------------

/// The BLS12-381 base-field modulus p, big-endian (from the curve specification).
const P: [u8; 48] = [
    0x1a, 0x01, 0x11, 0xea, 0x39, 0x7f, 0xe6, 0x9a, 0x4b, 0x1b, 0xa7, 0xb6, 0x43, 0x4b, 0xac, 0xd7,
    0x64, 0x77, 0x4b, 0x84, 0xf3, 0x85, 0x12, 0xbf, 0x67, 0x30, 0xd2, 0xa0, 0xf6, 0xb0, 0xf6, 0x24,
    0x1e, 0xab, 0xff, 0xfe, 0xb1, 0x53, 0xff, 0xff, 0xb9, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xaa, 0xab,
];
const QUICKNET: &str = "bls-unchained-g1-rfc9380";
const FASTNET: &str = "bls-unchained-on-g1";
const CHAINED: &str = "pedersen-bls-chained";
const UNCHAINED: &str = "pedersen-bls-unchained";

fn hx(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    assert!(
        text.len().is_multiple_of(2),
        "test vector hex has odd length"
    );
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("test vector hex"))
        .collect()
}

/// Big-endian `a + b` over 48 bytes; `None` on carry out of the top byte.
fn add_be(a: &[u8], b: &[u8; 48]) -> Option<[u8; 48]> {
    let mut out = [0u8; 48];
    let mut carry = 0u16;
    for i in (0..48).rev() {
        let s = u16::from(a[i]) + u16::from(b[i]) + carry;
        out[i] = (s & 0xff) as u8;
        carry = s >> 8;
    }
    (carry == 0).then_some(out)
}

fn scheme(id: &str) -> Scheme {
    Scheme::from_id(id).unwrap()
}

fn vector_file(name: &str) -> common::ChainFile {
    common::chain_files()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("vector file {name} missing"))
}

fn chain_json(file: &common::ChainFile) -> String {
    file.chain.to_string()
}

/// A v1 chain info document for `scheme_id` with the given public key hex and no served hash.
fn info_json_with_key(scheme_id: &str, public_key_hex: &str) -> String {
    json!({
        "public_key": public_key_hex,
        "period": 3,
        "genesis_time": 1_700_000_000u64,
        "groupHash": hx(&[9u8; 32]),
        "schemeID": scheme_id,
        "metadata": {"beaconID": "checklist"},
    })
    .to_string()
}

fn new_info(scheme_id: &str, pk: &[u8]) -> Result<ChainInfo, ChainInfoError> {
    ChainInfo::new(
        scheme(scheme_id),
        pk,
        3,
        1_700_000_000,
        [9u8; 32],
        "checklist",
    )
}

/// The key is rejected with `expected` through both `ChainInfo::new` and `ChainInfo::from_json`.
fn assert_key_rejected(scheme_id: &str, pk: &[u8], expected: DecodeError) {
    assert_eq!(
        new_info(scheme_id, pk).unwrap_err(),
        ChainInfoError::Decode(expected.clone()),
        "ChainInfo::new({scheme_id}, {})",
        hx(pk)
    );
    assert_eq!(
        ChainInfo::from_json(&info_json_with_key(scheme_id, &hx(pk))).unwrap_err(),
        ChainInfoError::Decode(expected),
        "ChainInfo::from_json({scheme_id}, {})",
        hx(pk)
    );
}

fn assert_key_accepted(scheme_id: &str, pk: &[u8]) {
    new_info(scheme_id, pk).unwrap();
    ChainInfo::from_json(&info_json_with_key(scheme_id, &hx(pk))).unwrap();
}

/// The beacon is rejected with `expected` by `verify`, by `verify` after a JSON round trip, and
/// by `verify_batch` (which must name it with the same error).
fn assert_beacon_rejected(info: &ChainInfo, beacon: &Beacon, expected: VerifyError) {
    assert_eq!(
        verify(info, beacon).unwrap_err(),
        expected,
        "verify round {}",
        beacon.round
    );
    let reparsed = Beacon::from_json(&beacon.to_json()).unwrap();
    assert_eq!(&reparsed, beacon, "JSON round trip changed the beacon");
    assert_eq!(
        verify(info, &reparsed).unwrap_err(),
        expected,
        "verify(JSON)"
    );
    let batch = verify_batch(info, std::slice::from_ref(beacon)).unwrap_err();
    assert_eq!(batch.invalid.len(), 1);
    assert_eq!(batch.invalid[0].index, 0);
    assert_eq!(batch.invalid[0].error, expected, "verify_batch");
    assert!(batch.valid.is_empty());
}

fn unchained_beacon(round: u64, signature: Vec<u8>) -> Beacon {
    Beacon {
        round,
        randomness: Some(sha256(&[&signature])),
        signature,
        previous_signature: None,
    }
}

/// A real unchained chain with signatures on G1 (mainnet quicknet) and one of its beacons.
fn quicknet() -> (ChainInfo, Vec<Beacon>) {
    let file = vector_file("mainnet-quicknet.json");
    (
        file.info(),
        file.beacons.iter().map(common::beacon).collect(),
    )
}

/// A real unchained chain with signatures on G2 (testnet-unchained-3s).
fn unchained_g2() -> (ChainInfo, Vec<Beacon>) {
    let file = vector_file("testnet-unchained-3s.json");
    (
        file.info(),
        file.beacons.iter().map(common::beacon).collect(),
    )
}

/// The real chained chain (mainnet default), signatures on G2.
fn mainnet_default() -> (ChainInfo, Vec<Beacon>) {
    let file = vector_file("mainnet-default.json");
    (
        file.info(),
        file.beacons.iter().map(common::beacon).collect(),
    )
}

fn err_scheme(info: &ChainInfo) -> &'static str {
    info.scheme().id()
}

fn invalid_sig(info: &ChainInfo, round: u64) -> VerifyError {
    VerifyError::InvalidSignature {
        round,
        scheme: err_scheme(info),
    }
}

// ---------------------------------------------------------------------------------------------
// Synthetic chains signed with blst secret keys.
// ---------------------------------------------------------------------------------------------

enum SecretKey {
    /// min_pk: key on G1, signatures on G2.
    KeyOnG1(blst::min_pk::SecretKey),
    /// min_sig: key on G2, signatures on G1.
    KeyOnG2(blst::min_sig::SecretKey),
}

struct Synthetic {
    scheme: Scheme,
    sk: SecretKey,
    pk: Vec<u8>,
    seed: [u8; 32],
    info: ChainInfo,
}

impl Synthetic {
    fn new(scheme_id: &str, tag: u8) -> Synthetic {
        let scheme = scheme(scheme_id);
        let ikm = [tag; 32];
        let (sk, pk) = match scheme_id {
            CHAINED | UNCHAINED => {
                let sk = blst::min_pk::SecretKey::key_gen(&ikm, &[]).unwrap();
                let pk = sk.sk_to_pk().compress().to_vec();
                (SecretKey::KeyOnG1(sk), pk)
            }
            QUICKNET | FASTNET => {
                let sk = blst::min_sig::SecretKey::key_gen(&ikm, &[]).unwrap();
                let pk = sk.sk_to_pk().compress().to_vec();
                (SecretKey::KeyOnG2(sk), pk)
            }
            other => panic!("no synthetic chain for {other}"),
        };
        let seed = sha256(&[b"synthetic genesis seed", &[tag]]);
        let info = ChainInfo::new(scheme, &pk, 3, 1_700_000_000, seed, "synthetic").unwrap();
        Synthetic {
            scheme,
            sk,
            pk,
            seed,
            info,
        }
    }

    /// The DST drand uses for this scheme (independently of `Scheme::dst`).
    fn dst(&self) -> &'static [u8] {
        if self.scheme.id() == QUICKNET {
            DST_G1
        } else {
            DST_G2
        }
    }

    fn sign_raw(&self, msg: &[u8], dst: &[u8]) -> Vec<u8> {
        match &self.sk {
            SecretKey::KeyOnG1(sk) => sk.sign(msg, dst, &[]).compress().to_vec(),
            SecretKey::KeyOnG2(sk) => sk.sign(msg, dst, &[]).compress().to_vec(),
        }
    }

    /// drand's message: sha256(prev ‖ BE64(round)) for chained, sha256(BE64(round)) otherwise.
    fn message(&self, round: u64, prev: Option<&[u8]>) -> [u8; 32] {
        match prev {
            Some(prev) if self.scheme.is_chained() => sha256(&[prev, &round.to_be_bytes()]),
            _ => sha256(&[&round.to_be_bytes()]),
        }
    }

    fn beacon_with(&self, round: u64, prev: Option<Vec<u8>>, signature: Vec<u8>) -> Beacon {
        Beacon {
            round,
            randomness: Some(sha256(&[&signature])),
            signature,
            previous_signature: prev,
        }
    }

    /// A genuine beacon for `round` (chained: linked to `prev`).
    fn beacon(&self, round: u64, prev: Option<Vec<u8>>) -> Beacon {
        let msg = self.message(round, prev.as_deref());
        let sig = self.sign_raw(&msg, self.dst());
        self.beacon_with(round, prev, sig)
    }

    /// A genuine beacon for `round` with whatever previous signature the scheme needs.
    fn genuine(&self, round: u64) -> Beacon {
        if !self.scheme.is_chained() {
            return self.beacon(round, None);
        }
        if round == 1 {
            return self.beacon(1, Some(self.seed.to_vec()));
        }
        // The previous signature of a chained round > 1 is the signature of round − 1, which
        // itself signs some earlier signature; any 96-byte value stands in for it here.
        let earlier = self.beacon(round - 1, Some(vec![0x42; 96]));
        self.beacon(round, Some(earlier.signature))
    }
}

// ---------------------------------------------------------------------------------------------
// Crafted points.
// ---------------------------------------------------------------------------------------------

fn g1_identity() -> Vec<u8> {
    let mut b = vec![0u8; 48];
    b[0] = 0xc0;
    b
}

fn g2_identity() -> Vec<u8> {
    let mut b = vec![0u8; 96];
    b[0] = 0xc0;
    b
}

/// A compressed G1 encoding (canonical flags, x < p) whose x has no square root for y.
fn g1_not_on_curve() -> Vec<u8> {
    for k in 1u16.. {
        let mut b = [0u8; 48];
        b[0] = 0x80;
        b[46..].copy_from_slice(&k.to_be_bytes());
        if Option::<G1Affine>::from(G1Affine::from_compressed_unchecked(&b)).is_none() {
            return b.to_vec();
        }
    }
    unreachable!()
}

/// A compressed G2 encoding (x = k·1 + 0·u) that is no point of the curve.
fn g2_not_on_curve() -> Vec<u8> {
    for k in 1u16.. {
        let mut b = [0u8; 96];
        b[0] = 0x80;
        b[94..].copy_from_slice(&k.to_be_bytes());
        if Option::<G2Affine>::from(G2Affine::from_compressed_unchecked(&b)).is_none() {
            return b.to_vec();
        }
    }
    unreachable!()
}

/// A canonical compressed G1 encoding of a point on the curve outside the order-r subgroup.
fn g1_outside_subgroup() -> Vec<u8> {
    for k in 0u16.. {
        let mut b = [0u8; 48];
        b[0] = 0x80;
        b[46..].copy_from_slice(&k.to_be_bytes());
        if let Some(p) = Option::<G1Affine>::from(G1Affine::from_compressed_unchecked(&b))
            && bool::from(p.is_on_curve())
            && !bool::from(p.is_torsion_free())
            && !bool::from(p.is_identity())
        {
            assert_eq!(p.to_compressed(), b, "crafted point must be canonical");
            return b.to_vec();
        }
    }
    unreachable!()
}

/// A canonical compressed G2 encoding of a point on the twist outside the order-r subgroup.
fn g2_outside_subgroup() -> Vec<u8> {
    for k in 0u16.. {
        let mut b = [0u8; 96];
        b[0] = 0x80;
        b[94..].copy_from_slice(&k.to_be_bytes());
        if let Some(p) = Option::<G2Affine>::from(G2Affine::from_compressed_unchecked(&b))
            && bool::from(p.is_on_curve())
            && !bool::from(p.is_torsion_free())
            && !bool::from(p.is_identity())
        {
            assert_eq!(p.to_compressed(), b, "crafted point must be canonical");
            return b.to_vec();
        }
    }
    unreachable!()
}

/// Adds p to the first coordinate limb of a compressed encoding (keeping its flags), if the
/// result still fits in the 381 bits below the flags: a second encoding of the same point.
fn plus_p_first_limb(encoding: &[u8]) -> Option<Vec<u8>> {
    let flags = encoding[0] & 0xe0;
    let mut x = [0u8; 48];
    x.copy_from_slice(&encoding[..48]);
    x[0] &= 0x1f;
    let sum = add_be(&x, &P)?;
    if sum[0] & 0xe0 != 0 {
        return None;
    }
    let mut out = encoding.to_vec();
    out[..48].copy_from_slice(&sum);
    out[0] |= flags;
    Some(out)
}

/// Adds p to x.c0 (the second limb of a G2 encoding); always fits in 48 bytes.
fn plus_p_second_limb(encoding: &[u8]) -> Vec<u8> {
    let sum = add_be(&encoding[48..96], &P).expect("c0 + p < 2^384");
    let mut out = encoding.to_vec();
    out[48..].copy_from_slice(&sum);
    out
}

fn with_first_limb(encoding_len: usize, flags: u8, limb: &[u8; 48]) -> Vec<u8> {
    let mut out = vec![0u8; encoding_len];
    out[..48].copy_from_slice(limb);
    out[0] |= flags;
    out
}

// =============================================================================================
// Item 1 — wrong length.
// =============================================================================================

#[test]
fn item_01_wrong_length_is_rejected() {
    // Public keys: G1 (48) for pedersen schemes, G2 (96) for the G1-signature schemes.
    let g1_pk = unhex(
        vector_file("testnet-unchained-3s.json").chain["public_key"]
            .as_str()
            .unwrap(),
    );
    let g2_pk = unhex(
        vector_file("mainnet-quicknet.json").chain["public_key"]
            .as_str()
            .unwrap(),
    );
    for (id, pk) in [
        (UNCHAINED, &g1_pk),
        (CHAINED, &g1_pk),
        (QUICKNET, &g2_pk),
        (FASTNET, &g2_pk),
    ] {
        let expected = pk.len();
        assert_key_accepted(id, pk);
        for len in [0, 1, 47, 49, 95, 97] {
            let mut bad = pk.clone();
            bad.resize(len, 0);
            if len == expected {
                continue;
            }
            let length = DecodeError::Length {
                field: Field::PublicKey,
                expected,
                actual: len,
            };
            assert_eq!(
                new_info(id, &bad).unwrap_err(),
                ChainInfoError::Decode(length.clone()),
                "{id} {len}"
            );
            // From JSON, anything longer than the key size is cut off by the hex size cap first.
            let from_json = ChainInfo::from_json(&info_json_with_key(id, &hx(&bad))).unwrap_err();
            let want = if len > expected {
                DecodeError::TooLong {
                    field: Field::PublicKey,
                    limit: expected,
                    actual: len,
                }
            } else {
                length
            };
            assert_eq!(from_json, ChainInfoError::Decode(want), "{id} {len} (JSON)");
        }
    }

    // Signatures: G2 (96) and G1 (48).
    for (info, beacons) in [unchained_g2(), quicknet()] {
        let good = beacons[0].clone();
        verify(&info, &good).unwrap();
        let expected = good.signature.len();
        for len in [0, 1, 47, 49, 95, 97, 192] {
            let mut sig = good.signature.clone();
            sig.resize(len, 0x11);
            let bad = unchained_beacon(good.round, sig);
            assert_beacon_rejected(
                &info,
                &bad,
                VerifyError::Decode(DecodeError::Length {
                    field: Field::Signature,
                    expected,
                    actual: len,
                }),
            );
        }
    }

    // Previous signature of a chained round > 1: neither 96 bytes nor a 32-byte seed.
    let (info, beacons) = mainnet_default();
    let good = beacons.iter().find(|b| b.round == 2).unwrap().clone();
    verify(&info, &good).unwrap();
    for len in [1, 31, 33, 95, 97, 192] {
        let mut bad = good.clone();
        let mut prev = good.previous_signature.clone().unwrap();
        prev.resize(len, 0x22);
        bad.previous_signature = Some(prev);
        assert_beacon_rejected(
            &info,
            &bad,
            VerifyError::Decode(DecodeError::Length {
                field: Field::PreviousSignature,
                expected: 96,
                actual: len,
            }),
        );
    }
}

// =============================================================================================
// Item 2 — uncompressed encodings.
// =============================================================================================

#[test]
fn item_02_uncompressed_encoding_is_rejected() {
    // Keys: the same genuine keys, serialized uncompressed (96-byte G1, 192-byte G2), and their
    // x-only halves (right size, compression bit clear).
    let g1_pk = unhex(
        vector_file("testnet-unchained-3s.json").chain["public_key"]
            .as_str()
            .unwrap(),
    );
    let g2_pk = unhex(
        vector_file("mainnet-quicknet.json").chain["public_key"]
            .as_str()
            .unwrap(),
    );
    let g1_point = Option::<G1Affine>::from(G1Affine::from_compressed(
        &g1_pk.clone().try_into().unwrap(),
    ))
    .unwrap();
    let g2_point = Option::<G2Affine>::from(G2Affine::from_compressed(
        &g2_pk.clone().try_into().unwrap(),
    ))
    .unwrap();
    let g1_uncompressed = g1_point.to_uncompressed().to_vec();
    let g2_uncompressed = g2_point.to_uncompressed().to_vec();
    assert_eq!(
        g1_uncompressed[0] & 0xe0,
        0,
        "uncompressed serialization has no flags"
    );

    for (id, pk, uncompressed) in [
        (UNCHAINED, &g1_pk, &g1_uncompressed),
        (QUICKNET, &g2_pk, &g2_uncompressed),
    ] {
        let n = pk.len();
        assert_eq!(
            new_info(id, uncompressed).unwrap_err(),
            ChainInfoError::Decode(DecodeError::Length {
                field: Field::PublicKey,
                expected: n,
                actual: 2 * n
            })
        );
        assert_eq!(
            ChainInfo::from_json(&info_json_with_key(id, &hx(uncompressed))).unwrap_err(),
            ChainInfoError::Decode(DecodeError::TooLong {
                field: Field::PublicKey,
                limit: n,
                actual: 2 * n
            })
        );
        // The right length with the compression bit cleared.
        let mut cleared = pk.clone();
        cleared[0] &= 0x7f;
        assert_key_rejected(
            id,
            &cleared,
            DecodeError::NotCompressed {
                field: Field::PublicKey,
            },
        );
        // The first half of the uncompressed form (x with no flags) is not a compressed point.
        assert_key_rejected(
            id,
            &uncompressed[..n],
            DecodeError::NotCompressed {
                field: Field::PublicKey,
            },
        );
    }
    // A 96-byte uncompressed G1 key has exactly a G2 key's size: it must not pass as one.
    assert_key_rejected(
        QUICKNET,
        &g1_uncompressed,
        DecodeError::NotCompressed {
            field: Field::PublicKey,
        },
    );

    // Signatures.
    for (info, beacons) in [unchained_g2(), quicknet()] {
        let good = beacons[0].clone();
        let n = good.signature.len();
        let uncompressed = if n == 96 {
            let p = Option::<G2Affine>::from(G2Affine::from_compressed(
                &good.signature.clone().try_into().unwrap(),
            ))
            .unwrap();
            p.to_uncompressed().to_vec()
        } else {
            let p = Option::<G1Affine>::from(G1Affine::from_compressed(
                &good.signature.clone().try_into().unwrap(),
            ))
            .unwrap();
            p.to_uncompressed().to_vec()
        };
        assert_beacon_rejected(
            &info,
            &unchained_beacon(good.round, uncompressed.clone()),
            VerifyError::Decode(DecodeError::Length {
                field: Field::Signature,
                expected: n,
                actual: 2 * n,
            }),
        );
        let mut cleared = good.signature.clone();
        cleared[0] &= 0x7f;
        assert_beacon_rejected(
            &info,
            &unchained_beacon(good.round, cleared),
            VerifyError::Decode(DecodeError::NotCompressed {
                field: Field::Signature,
            }),
        );
        assert_beacon_rejected(
            &info,
            &unchained_beacon(good.round, uncompressed[..n].to_vec()),
            VerifyError::Decode(DecodeError::NotCompressed {
                field: Field::Signature,
            }),
        );
    }
    // A 96-byte uncompressed G1 signature has a G2 signature's size.
    let (info, _) = unchained_g2();
    let (_, q) = quicknet();
    let g1_sig = Option::<G1Affine>::from(G1Affine::from_compressed(
        &q[0].signature.clone().try_into().unwrap(),
    ))
    .unwrap();
    assert_beacon_rejected(
        &info,
        &unchained_beacon(1, g1_sig.to_uncompressed().to_vec()),
        VerifyError::Decode(DecodeError::NotCompressed {
            field: Field::Signature,
        }),
    );
}

// =============================================================================================
// Item 3 — infinity flag with payload, infinity + sort flag.
// =============================================================================================

#[test]
fn item_03_infinity_with_payload_or_sort_flag_is_rejected() {
    for (len, key_scheme) in [(48, UNCHAINED), (96, QUICKNET)] {
        let mut cases: Vec<(Vec<u8>, DecodeError)> = Vec::new();
        let field = Field::PublicKey;
        // 0xe0 + zeros: infinity with the sort flag.
        let mut e0 = vec![0u8; len];
        e0[0] = 0xe0;
        cases.push((e0, DecodeError::BadFlags { field }));
        // 0xc0 with a payload in the last byte, in the first byte's low bits, in the middle,
        // and (for G2) in the second limb only.
        for at in [len - 1, 0, len / 2, 48] {
            if at >= len {
                continue;
            }
            let mut b = vec![0u8; len];
            b[0] = 0xc0;
            b[at] |= 1;
            cases.push((b, DecodeError::BadFlags { field }));
        }
        // 0xe0 with a payload too.
        let mut e0p = vec![0u8; len];
        e0p[0] = 0xe0;
        e0p[len - 1] = 7;
        cases.push((e0p, DecodeError::BadFlags { field }));
        // Infinity flag without the compression flag.
        let mut b40 = vec![0u8; len];
        b40[0] = 0x40;
        cases.push((b40, DecodeError::NotCompressed { field }));
        for (bytes, err) in &cases {
            assert_key_rejected(key_scheme, bytes, err.clone());
        }

        // The same encodings as signatures (on the chain whose signatures have this size).
        let (info, beacons) = if len == 96 {
            unchained_g2()
        } else {
            quicknet()
        };
        for (bytes, err) in cases {
            let err = match err {
                DecodeError::BadFlags { .. } => DecodeError::BadFlags {
                    field: Field::Signature,
                },
                DecodeError::NotCompressed { .. } => DecodeError::NotCompressed {
                    field: Field::Signature,
                },
                other => other,
            };
            assert_beacon_rejected(
                &info,
                &unchained_beacon(beacons[0].round, bytes),
                VerifyError::Decode(err),
            );
        }
    }
}

// =============================================================================================
// Item 4 — sort flag on an uncompressed point, stray high bits.
// =============================================================================================

#[test]
fn item_04_sort_flag_or_high_bits_without_compression_is_rejected() {
    let (_, q) = quicknet();
    let (_, u) = unchained_g2();
    let g1_sig = q[0].signature.clone();
    let g2_sig = u[0].signature.clone();
    let g1_point = Option::<G1Affine>::from(G1Affine::from_compressed(
        &g1_sig.clone().try_into().unwrap(),
    ))
    .unwrap();
    let g2_point = Option::<G2Affine>::from(G2Affine::from_compressed(
        &g2_sig.clone().try_into().unwrap(),
    ))
    .unwrap();

    for (len, key_scheme, sig_info) in [
        (48, UNCHAINED, quicknet().0),
        (96, QUICKNET, unchained_g2().0),
    ] {
        let genuine = if len == 48 {
            g1_sig.clone()
        } else {
            g2_sig.clone()
        };
        // Uncompressed-style first byte with the sort flag (0x20) or sort + infinity (0x60):
        // the compression flag is what is missing, whatever else is set.
        for flags in [0x20u8, 0x60, 0x00] {
            let mut b = genuine.clone();
            b[0] = (b[0] & 0x1f) | flags;
            assert_key_rejected(
                key_scheme,
                &b,
                DecodeError::NotCompressed {
                    field: Field::PublicKey,
                },
            );
            assert_beacon_rejected(
                &sig_info,
                &unchained_beacon(1, b),
                VerifyError::Decode(DecodeError::NotCompressed {
                    field: Field::Signature,
                }),
            );
        }
    }

    // Full uncompressed serializations with the sort flag set, or with stray high bits in the
    // y limb(s): still uncompressed, still the wrong size.
    let mut g1_unc = g1_point.to_uncompressed().to_vec();
    g1_unc[0] |= 0x20;
    g1_unc[48] |= 0xe0;
    let mut g2_unc = g2_point.to_uncompressed().to_vec();
    g2_unc[0] |= 0x20;
    g2_unc[48] |= 0xe0;
    g2_unc[96] |= 0xe0;
    g2_unc[144] |= 0xe0;
    let (qi, _) = quicknet();
    let (ui, _) = unchained_g2();
    assert_beacon_rejected(
        &qi,
        &unchained_beacon(1, g1_unc.clone()),
        VerifyError::Decode(DecodeError::Length {
            field: Field::Signature,
            expected: 48,
            actual: 96,
        }),
    );
    assert_beacon_rejected(
        &ui,
        &unchained_beacon(1, g2_unc.clone()),
        VerifyError::Decode(DecodeError::Length {
            field: Field::Signature,
            expected: 96,
            actual: 192,
        }),
    );
    // The 96-byte G1 one has the size of a G2 point, but its compression bit is clear.
    assert_beacon_rejected(
        &ui,
        &unchained_beacon(1, g1_unc.clone()),
        VerifyError::Decode(DecodeError::NotCompressed {
            field: Field::Signature,
        }),
    );
    assert_key_rejected(
        QUICKNET,
        &g1_unc,
        DecodeError::NotCompressed {
            field: Field::PublicKey,
        },
    );
    assert_eq!(
        new_info(UNCHAINED, &g1_unc).unwrap_err(),
        ChainInfoError::Decode(DecodeError::Length {
            field: Field::PublicKey,
            expected: 48,
            actual: 96
        })
    );
    assert_eq!(
        new_info(QUICKNET, &g2_unc).unwrap_err(),
        ChainInfoError::Decode(DecodeError::Length {
            field: Field::PublicKey,
            expected: 96,
            actual: 192
        })
    );
}

// =============================================================================================
// Item 5 — field elements >= p.
// =============================================================================================

#[test]
fn item_05_field_element_ge_p_is_rejected() {
    assert_eq!(
        P,
        drand_lite::encoding::MODULUS,
        "the crate's modulus constant is p"
    );
    let mut p_plus_1 = P;
    p_plus_1[47] += 1;
    let mut all_ones = [0xffu8; 48];
    all_ones[0] = 0x1f; // 2^381 − 1, the largest value below the flag bits
    let limbs = [P, p_plus_1, all_ones];

    // G1 keys and signatures: x = p, p + 1, 2^381 − 1 (with and without the sort flag).
    let (qi, _) = quicknet();
    for limb in &limbs {
        for flags in [0x80u8, 0xa0] {
            let b = with_first_limb(48, flags, limb);
            assert_key_rejected(
                UNCHAINED,
                &b,
                DecodeError::NonCanonicalField {
                    field: Field::PublicKey,
                },
            );
            assert_beacon_rejected(
                &qi,
                &unchained_beacon(1, b),
                VerifyError::Decode(DecodeError::NonCanonicalField {
                    field: Field::Signature,
                }),
            );
        }
    }
    // G2: x.c1 (first limb) or x.c0 (second limb) out of range, the other one zero or valid.
    let (ui, u) = unchained_g2();
    let genuine_g2 = u[0].signature.clone();
    for limb in &limbs {
        let mut c1_bad = with_first_limb(96, 0x80, limb);
        c1_bad[48..].copy_from_slice(&genuine_g2[48..]);
        let mut c0_bad = genuine_g2.clone();
        c0_bad[48..].copy_from_slice(limb);
        let mut c0_bad_zero_c1 = vec![0u8; 96];
        c0_bad_zero_c1[0] = 0x80;
        c0_bad_zero_c1[48..].copy_from_slice(limb);
        for b in [c1_bad, c0_bad, c0_bad_zero_c1] {
            assert_key_rejected(
                QUICKNET,
                &b,
                DecodeError::NonCanonicalField {
                    field: Field::PublicKey,
                },
            );
            assert_beacon_rejected(
                &ui,
                &unchained_beacon(u[0].round, b),
                VerifyError::Decode(DecodeError::NonCanonicalField {
                    field: Field::Signature,
                }),
            );
        }
    }
    // c0 = 0xff…ff (no flags apply to the second limb).
    let mut c0_max = genuine_g2.clone();
    c0_max[48..].fill(0xff);
    assert_beacon_rejected(
        &ui,
        &unchained_beacon(u[0].round, c0_max),
        VerifyError::Decode(DecodeError::NonCanonicalField {
            field: Field::Signature,
        }),
    );

    // "Becomes a valid point after reduction": x + p for genuine keys and genuine signatures.
    // Keys: find synthetic keys whose x leaves room for + p below the flag bits.
    let mut g1_done = false;
    let mut g2_c1_done = false;
    let mut g2_c0_done = false;
    for tag in 1u8..=255 {
        if !g1_done {
            let s = Synthetic::new(UNCHAINED, tag);
            if let Some(bad) = plus_p_first_limb(&s.pk) {
                assert_key_accepted(UNCHAINED, &s.pk);
                assert_key_rejected(
                    UNCHAINED,
                    &bad,
                    DecodeError::NonCanonicalField {
                        field: Field::PublicKey,
                    },
                );
                // And a genuine signature with x + p, under this chain.
                for round in 1..200 {
                    let b = s.genuine(round);
                    verify(&s.info, &b).unwrap();
                    if let Some(sig) = plus_p_first_limb(&b.signature) {
                        assert_beacon_rejected(
                            &s.info,
                            &s.beacon_with(round, None, sig),
                            VerifyError::Decode(DecodeError::NonCanonicalField {
                                field: Field::Signature,
                            }),
                        );
                        let c0 = plus_p_second_limb(&b.signature);
                        assert_beacon_rejected(
                            &s.info,
                            &s.beacon_with(round, None, c0),
                            VerifyError::Decode(DecodeError::NonCanonicalField {
                                field: Field::Signature,
                            }),
                        );
                        g1_done = true;
                        break;
                    }
                }
            }
        }
        if !g2_c1_done || !g2_c0_done {
            let s = Synthetic::new(QUICKNET, tag);
            if !g2_c0_done {
                assert_key_rejected(
                    QUICKNET,
                    &plus_p_second_limb(&s.pk),
                    DecodeError::NonCanonicalField {
                        field: Field::PublicKey,
                    },
                );
                g2_c0_done = true;
            }
            if let Some(bad) = plus_p_first_limb(&s.pk) {
                assert_key_accepted(QUICKNET, &s.pk);
                assert_key_rejected(
                    QUICKNET,
                    &bad,
                    DecodeError::NonCanonicalField {
                        field: Field::PublicKey,
                    },
                );
                for round in 1..200 {
                    let b = s.genuine(round);
                    verify(&s.info, &b).unwrap();
                    if let Some(sig) = plus_p_first_limb(&b.signature) {
                        assert_beacon_rejected(
                            &s.info,
                            &s.beacon_with(round, None, sig),
                            VerifyError::Decode(DecodeError::NonCanonicalField {
                                field: Field::Signature,
                            }),
                        );
                        g2_c1_done = true;
                        break;
                    }
                }
            }
        }
        if g1_done && g2_c1_done && g2_c0_done {
            break;
        }
    }
    assert!(
        g1_done && g2_c1_done && g2_c0_done,
        "no suitable synthetic keys found"
    );
}

// =============================================================================================
// Item 6 — x not on the curve.
// =============================================================================================

#[test]
fn item_06_x_not_on_curve_is_rejected() {
    let g1 = g1_not_on_curve();
    let g2 = g2_not_on_curve();
    assert_key_rejected(
        UNCHAINED,
        &g1,
        DecodeError::NotOnCurve {
            field: Field::PublicKey,
        },
    );
    assert_key_rejected(
        QUICKNET,
        &g2,
        DecodeError::NotOnCurve {
            field: Field::PublicKey,
        },
    );
    // With the sort flag too (the flag cannot make it a point).
    let mut g1s = g1.clone();
    g1s[0] |= 0x20;
    assert_key_rejected(
        CHAINED,
        &g1s,
        DecodeError::NotOnCurve {
            field: Field::PublicKey,
        },
    );
    let mut g2s = g2.clone();
    g2s[0] |= 0x20;
    assert_key_rejected(
        FASTNET,
        &g2s,
        DecodeError::NotOnCurve {
            field: Field::PublicKey,
        },
    );

    let (qi, q) = quicknet();
    let (ui, u) = unchained_g2();
    for sig in [g1, g1s] {
        assert_beacon_rejected(
            &qi,
            &unchained_beacon(q[0].round, sig),
            VerifyError::Decode(DecodeError::NotOnCurve {
                field: Field::Signature,
            }),
        );
    }
    for sig in [g2, g2s] {
        assert_beacon_rejected(
            &ui,
            &unchained_beacon(u[0].round, sig),
            VerifyError::Decode(DecodeError::NotOnCurve {
                field: Field::Signature,
            }),
        );
    }
}

// =============================================================================================
// Item 7 — on the curve, outside the prime-order subgroup.
// =============================================================================================

#[test]
fn item_07_point_outside_prime_order_subgroup_is_rejected() {
    let g1 = g1_outside_subgroup();
    let g2 = g2_outside_subgroup();
    assert_key_rejected(
        UNCHAINED,
        &g1,
        DecodeError::NotInSubgroup {
            field: Field::PublicKey,
        },
    );
    assert_key_rejected(
        CHAINED,
        &g1,
        DecodeError::NotInSubgroup {
            field: Field::PublicKey,
        },
    );
    assert_key_rejected(
        QUICKNET,
        &g2,
        DecodeError::NotInSubgroup {
            field: Field::PublicKey,
        },
    );
    assert_key_rejected(
        FASTNET,
        &g2,
        DecodeError::NotInSubgroup {
            field: Field::PublicKey,
        },
    );

    // Also a point that is the sum of a genuine key and a small-order component: on the
    // curve, outside the subgroup, and close to a real key.
    let g1_pk = unhex(
        vector_file("testnet-unchained-3s.json").chain["public_key"]
            .as_str()
            .unwrap(),
    );
    let real =
        Option::<G1Affine>::from(G1Affine::from_compressed(&g1_pk.try_into().unwrap())).unwrap();
    let torsion = Option::<G1Affine>::from(G1Affine::from_compressed_unchecked(
        &g1.clone().try_into().unwrap(),
    ))
    .unwrap();
    let mixed = (G1Projective::from(real) + G1Projective::from(torsion)).to_affine();
    assert!(bool::from(mixed.is_on_curve()) && !bool::from(mixed.is_torsion_free()));
    assert_key_rejected(
        UNCHAINED,
        &mixed.to_compressed(),
        DecodeError::NotInSubgroup {
            field: Field::PublicKey,
        },
    );

    let (qi, q) = quicknet();
    let (ui, u) = unchained_g2();
    assert_beacon_rejected(
        &qi,
        &unchained_beacon(q[0].round, g1.clone()),
        VerifyError::Decode(DecodeError::NotInSubgroup {
            field: Field::Signature,
        }),
    );
    assert_beacon_rejected(
        &ui,
        &unchained_beacon(u[0].round, g2.clone()),
        VerifyError::Decode(DecodeError::NotInSubgroup {
            field: Field::Signature,
        }),
    );
    // A genuine G1 signature plus a torsion component.
    let sig = Option::<G1Affine>::from(G1Affine::from_compressed(
        &q[0].signature.clone().try_into().unwrap(),
    ))
    .unwrap();
    let forged = (G1Projective::from(sig) + G1Projective::from(torsion)).to_affine();
    assert_beacon_rejected(
        &qi,
        &unchained_beacon(q[0].round, forged.to_compressed().to_vec()),
        VerifyError::Decode(DecodeError::NotInSubgroup {
            field: Field::Signature,
        }),
    );
    // A genuine G2 signature plus a torsion component.
    let g2_torsion =
        Option::<G2Affine>::from(G2Affine::from_compressed_unchecked(&g2.try_into().unwrap()))
            .unwrap();
    let sig2 = Option::<G2Affine>::from(G2Affine::from_compressed(
        &u[0].signature.clone().try_into().unwrap(),
    ))
    .unwrap();
    let forged2 = (G2Projective::from(sig2) + G2Projective::from(g2_torsion)).to_affine();
    assert!(bool::from(forged2.is_on_curve()) && !bool::from(forged2.is_torsion_free()));
    assert_beacon_rejected(
        &ui,
        &unchained_beacon(u[0].round, forged2.to_compressed().to_vec()),
        VerifyError::Decode(DecodeError::NotInSubgroup {
            field: Field::Signature,
        }),
    );
}

// =============================================================================================
// Item 8 — identity public key.
// =============================================================================================

#[test]
fn item_08_identity_public_key_is_rejected() {
    // Why it matters: with pk = O and σ = O the pairing equation holds for *every* message.
    let h: G2Affine = G2Projective::hash_to_curve(b"any message", DST_G2, &[]).to_affine();
    let gt: Gt = Bls12::multi_miller_loop(&[
        (
            &-G1Affine::generator(),
            &G2Prepared::from(G2Affine::identity()),
        ),
        (&G1Affine::identity(), &G2Prepared::from(h)),
    ])
    .final_exponentiation();
    assert!(
        bool::from(gt.is_identity()),
        "the identity-key forgery is real"
    );

    for id in [UNCHAINED, CHAINED] {
        assert_key_rejected(
            id,
            &g1_identity(),
            DecodeError::Identity {
                field: Field::PublicKey,
            },
        );
    }
    for id in [QUICKNET, FASTNET] {
        assert_key_rejected(
            id,
            &g2_identity(),
            DecodeError::Identity {
                field: Field::PublicKey,
            },
        );
    }
    // Also when served with a (correctly recomputed) chain hash, and when pinned.
    let json = info_json_with_key(QUICKNET, &hx(&g2_identity()));
    let mut doc: Value = serde_json::from_str(&json).unwrap();
    let hash = sha256(&[
        &3u32.to_be_bytes(),
        &1_700_000_000i64.to_be_bytes(),
        &g2_identity(),
        &[9u8; 32],
        b"checklist",
    ]);
    doc["hash"] = Value::String(hx(&hash));
    assert_eq!(
        ChainInfo::pinned(&doc.to_string(), &hx(&hash)).unwrap_err(),
        ChainInfoError::Decode(DecodeError::Identity {
            field: Field::PublicKey
        })
    );
}

// =============================================================================================
// Item 9 — identity signature.
// =============================================================================================

#[test]
fn item_09_identity_signature_is_rejected() {
    let (qi, q) = quicknet();
    let (ui, u) = unchained_g2();
    // With a randomness field that matches sha256(identity bytes), so only the point is wrong.
    assert_beacon_rejected(
        &qi,
        &unchained_beacon(q[0].round, g1_identity()),
        VerifyError::Decode(DecodeError::Identity {
            field: Field::Signature,
        }),
    );
    assert_beacon_rejected(
        &ui,
        &unchained_beacon(u[0].round, g2_identity()),
        VerifyError::Decode(DecodeError::Identity {
            field: Field::Signature,
        }),
    );
    // Chained too (previous signature well-formed).
    let (di, d) = mainnet_default();
    let mut b = d.iter().find(|b| b.round == 2).unwrap().clone();
    b.signature = g2_identity();
    b.randomness = Some(sha256(&[&b.signature]));
    assert_beacon_rejected(
        &di,
        &b,
        VerifyError::Decode(DecodeError::Identity {
            field: Field::Signature,
        }),
    );
}

// =============================================================================================
// Item 10 — non-canonical hex.
// =============================================================================================

/// Spellings of `good` (lowercase hex of the right length) that are not the one accepted form,
/// all of the same length as `good` (so no size cap can pre-empt the hex check).
fn same_length_misspellings(good: &str) -> Vec<String> {
    let upper_one = {
        let i = good
            .find(|c: char| c.is_ascii_lowercase())
            .expect("has a letter");
        let mut s = good.to_owned();
        s.replace_range(i..=i, &good[i..=i].to_ascii_uppercase());
        s
    };
    vec![
        good.to_ascii_uppercase(),
        upper_one,
        format!("0x{}", &good[2..]),
        format!("0X{}", &good[2..]),
        format!(" {}", &good[1..]),
        format!("{}\n", &good[..good.len() - 1]),
        format!("{} {}", &good[..10], &good[11..]),
        format!("{}\t{}", &good[..10], &good[11..]),
        format!("{}g{}", &good[..10], &good[11..]),
        format!("{}é", &good[..good.len() - 2]),
    ]
}

#[test]
fn item_10_non_canonical_hex_is_rejected() {
    // Public key (from_json).
    for file in ["testnet-unchained-3s.json", "mainnet-quicknet.json"] {
        let f = vector_file(file);
        let id = f.scheme_id().to_owned();
        let good = f.chain["public_key"].as_str().unwrap().to_owned();
        ChainInfo::from_json(&info_json_with_key(&id, &good)).unwrap();
        for bad in same_length_misspellings(&good) {
            let err = ChainInfo::from_json(&info_json_with_key(&id, &bad)).unwrap_err();
            assert!(
                matches!(
                    err,
                    ChainInfoError::Decode(DecodeError::Hex {
                        field: Field::PublicKey,
                        ..
                    })
                ),
                "{bad:?}: {err:?}"
            );
        }
        // Odd length (one digit short): a hex error, not a length error.
        let err = ChainInfo::from_json(&info_json_with_key(&id, &good[1..])).unwrap_err();
        assert!(
            matches!(
                err,
                ChainInfoError::Decode(DecodeError::Hex {
                    field: Field::PublicKey,
                    ..
                })
            ),
            "{err:?}"
        );
        // A 0x prefix or padding on top of a full-length key trips the size cap first (the cap
        // is checked before any decoding, by design): still a typed rejection of the key field.
        for bad in [format!("0x{good}"), format!("{good} "), format!(" {good}")] {
            let err = ChainInfo::from_json(&info_json_with_key(&id, &bad)).unwrap_err();
            assert_eq!(
                err,
                ChainInfoError::Decode(DecodeError::TooLong {
                    field: Field::PublicKey,
                    limit: good.len() / 2,
                    actual: bad.len() / 2
                }),
                "{bad:?}"
            );
        }
    }

    // Genesis seed and served chain hash (32 bytes each).
    let f = vector_file("mainnet-quicknet.json");
    for (key, field) in [
        ("groupHash", Field::GenesisSeed),
        ("hash", Field::ChainHash),
    ] {
        let good = f.chain[key].as_str().unwrap().to_owned();
        for bad in same_length_misspellings(&good)
            .into_iter()
            .chain([good[1..].to_owned()])
        {
            let mut doc = f.chain.clone();
            doc[key] = Value::String(bad.clone());
            let err = ChainInfo::from_json(&doc.to_string()).unwrap_err();
            assert!(
                matches!(&err, ChainInfoError::Decode(DecodeError::Hex { field: f, .. }) if *f == field),
                "{key} {bad:?}: {err:?}"
            );
        }
    }
    // The pinned hash is typed by a person: either case is fine, a 0x prefix or inner
    // whitespace is not.
    let served = f.chain["hash"].as_str().unwrap().to_owned();
    ChainInfo::pinned(&chain_json(&f), &served.to_ascii_uppercase()).unwrap();
    for bad in [
        format!("0x{}", &served[2..]),
        format!("{} {}", &served[..10], &served[11..]),
    ] {
        let err = ChainInfo::pinned(&chain_json(&f), &bad).unwrap_err();
        assert!(
            matches!(
                err,
                ChainInfoError::Decode(DecodeError::Hex {
                    field: Field::ChainHash,
                    ..
                })
            ),
            "{bad:?}: {err:?}"
        );
    }

    // Beacon fields: signature, previous_signature, randomness.
    let d = vector_file("mainnet-default.json");
    let entry = d.beacons.iter().find(|b| b["round"] == 2).unwrap().clone();
    let info = d.info();
    verify(
        &info,
        &Beacon::from_json(&common::beacon_json(&entry)).unwrap(),
    )
    .unwrap();
    for (key, field) in [
        ("signature", Field::Signature),
        ("previous_signature", Field::PreviousSignature),
        ("randomness", Field::Randomness),
    ] {
        let good = entry[key].as_str().unwrap().to_owned();
        let mut spellings = same_length_misspellings(&good);
        spellings.push(good[1..].to_owned()); // odd length
        if key != "randomness" {
            // Under the 256-byte cap, so the prefix/padding itself is what is refused.
            spellings.push(format!("0x{good}"));
            spellings.push(format!("{good} "));
            spellings.push(format!("\n{good}"));
        }
        for bad in spellings {
            let mut e = entry.clone();
            e[key] = Value::String(bad.clone());
            let err = Beacon::from_json(&common::beacon_json(&e)).unwrap_err();
            assert!(
                matches!(&err, VerifyError::Decode(DecodeError::Hex { field: f, .. }) if *f == field),
                "{key} {bad:?}: {err:?}"
            );
        }
    }
}

// =============================================================================================
// Item 11 — one signature, one encoding, one randomness.
// =============================================================================================

#[test]
fn item_11_only_the_canonical_encoding_verifies_and_randomness_is_recomputed() {
    for file in common::chain_files()
        .into_iter()
        .filter(|f| !f.is_pending())
    {
        let info = file.info();
        for entry in &file.beacons {
            let b = common::beacon(entry);
            let v = verify(&info, &b).unwrap();
            assert_eq!(v.signature(), b.signature.as_slice(), "{}", file.name);
            assert_eq!(v.randomness(), &sha256(&[&b.signature]), "{}", file.name);
            // The canonical encoding is what blstrs re-encodes.
            match b.signature.len() {
                48 => {
                    let p = Option::<G1Affine>::from(G1Affine::from_compressed(
                        &b.signature.clone().try_into().unwrap(),
                    ))
                    .unwrap();
                    assert_eq!(p.to_compressed().as_slice(), b.signature.as_slice());
                }
                96 => {
                    let p = Option::<G2Affine>::from(G2Affine::from_compressed(
                        &b.signature.clone().try_into().unwrap(),
                    ))
                    .unwrap();
                    assert_eq!(p.to_compressed().as_slice(), b.signature.as_slice());
                }
                // BN254 (evmnet): uncompressed `x ‖ y` with no flags, so the only encoding is
                // the one whose coordinates are both below p, on the curve.
                64 => {
                    use ark_ff::{BigInteger, PrimeField};
                    let (x, y) = b.signature.split_at(32);
                    let x = ark_bn254::Fq::from_be_bytes_mod_order(x);
                    let y = ark_bn254::Fq::from_be_bytes_mod_order(y);
                    let mut again = x.into_bigint().to_bytes_be();
                    again.extend(y.into_bigint().to_bytes_be());
                    assert_eq!(again, b.signature);
                    assert!(ark_bn254::G1Affine::new_unchecked(x, y).is_on_curve());
                }
                n => panic!("unexpected signature size {n}"),
            }
        }
    }
    // Flipping the sort flag encodes −σ: a different, valid point — which must not verify.
    // (x + p encodings of the same σ are item 5.) A v2 beacon (no randomness) gets the
    // recomputed randomness.
    for (info, beacons) in [quicknet(), unchained_g2(), mainnet_default()] {
        let mut b = beacons.iter().find(|b| b.round > 1).unwrap().clone();
        b.randomness = None;
        let v = verify(&info, &b).unwrap();
        assert_eq!(v.randomness(), &sha256(&[&b.signature]));
        assert_eq!(v.randomness_hex(), hx(&sha256(&[&b.signature])));
        b.signature[0] ^= 0x20;
        b.randomness = Some(sha256(&[&b.signature]));
        assert_beacon_rejected(&info, &b, invalid_sig(&info, b.round));
    }
}

// =============================================================================================
// Item 12 — scheme confusion.
// =============================================================================================

#[test]
fn item_12_scheme_confusion_is_rejected() {
    // (a) The real cross-chain vectors (fastnet ↔ quicknet, quicknet ↔ quicknet-t).
    let mut cross = 0;
    for file in common::chain_files()
        .into_iter()
        .filter(|f| !f.is_pending())
    {
        let info = file.info();
        for entry in file
            .invalid
            .iter()
            .filter(|e| e["why"].as_str().unwrap_or("").starts_with("CROSS-CHAIN"))
        {
            let b = common::beacon(entry);
            assert_beacon_rejected(&info, &b, invalid_sig(&info, b.round));
            cross += 1;
        }
    }
    assert!(cross >= 9, "{cross} cross-chain vectors");

    // (b) Same key, same sizes, other scheme ID: a genuine fastnet beacon under a chain that
    // claims quicknet, and vice versa.
    for (from, to) in [
        ("mainnet-fastnet.json", QUICKNET),
        ("mainnet-quicknet.json", FASTNET),
    ] {
        let f = vector_file(from);
        let pk = unhex(f.chain["public_key"].as_str().unwrap());
        let relabelled = new_info(to, &pk).unwrap();
        for entry in f.beacons.iter().take(3) {
            let b = common::beacon(entry);
            verify(&f.info(), &b).unwrap();
            assert_beacon_rejected(&relabelled, &b, invalid_sig(&relabelled, b.round));
        }
        // The chain hash does not cover the scheme: relabelling the served info keeps its hash,
        // so the scheme must be pinned separately — but verification still refuses.
        let mut doc = f.chain.clone();
        doc["schemeID"] = Value::String(to.into());
        let info = ChainInfo::pinned(&doc.to_string(), f.chain["hash"].as_str().unwrap()).unwrap();
        assert_eq!(info.scheme().id(), to);
        let b = common::beacon(&f.beacons[0]);
        assert_beacon_rejected(&info, &b, invalid_sig(&info, b.round));
    }

    // (c) Chained beacon verified as unchained (same key): with its previous signature it is
    // refused for carrying one; without it the unchained message does not match.
    let d = vector_file("mainnet-default.json");
    let pk = unhex(d.chain["public_key"].as_str().unwrap());
    let as_unchained = new_info(UNCHAINED, &pk).unwrap();
    let b = common::beacon(d.beacons.iter().find(|e| e["round"] == 1337).unwrap());
    assert_beacon_rejected(
        &as_unchained,
        &b,
        VerifyError::UnexpectedPreviousSignature {
            round: 1337,
            scheme: UNCHAINED,
        },
    );
    let mut stripped = b.clone();
    stripped.previous_signature = None;
    assert_beacon_rejected(&as_unchained, &stripped, invalid_sig(&as_unchained, 1337));

    // (d) Unchained beacon verified as chained (same key).
    let u = vector_file("testnet-unchained-3s.json");
    let pk = unhex(u.chain["public_key"].as_str().unwrap());
    let as_chained = new_info(CHAINED, &pk).unwrap();
    let b = common::beacon(&u.beacons[1]);
    assert_beacon_rejected(
        &as_chained,
        &b,
        VerifyError::MissingPreviousSignature {
            round: b.round,
            scheme: CHAINED,
        },
    );

    // (e) Signature-group confusion: a 48-byte G1 signature on a G2-signature chain and the
    // reverse are length errors; keys likewise.
    let (qi, q) = quicknet();
    let (ui, uu) = unchained_g2();
    assert_beacon_rejected(
        &ui,
        &unchained_beacon(q[0].round, q[0].signature.clone()),
        VerifyError::Decode(DecodeError::Length {
            field: Field::Signature,
            expected: 96,
            actual: 48,
        }),
    );
    assert_beacon_rejected(
        &qi,
        &unchained_beacon(uu[0].round, uu[0].signature.clone()),
        VerifyError::Decode(DecodeError::Length {
            field: Field::Signature,
            expected: 48,
            actual: 96,
        }),
    );

    // (f) The scheme-only confusion vectors.
    for v in common::scheme_only().into_iter().filter(|v| !v.valid) {
        let Some(s) = Scheme::from_id(&v.scheme) else {
            continue;
        };
        let info = common::chain_for(s, v.entry["public_key"].as_str().unwrap()).unwrap();
        let b = common::beacon(&v.entry);
        let err = verify(&info, &b).unwrap_err();
        let why = v.entry["why"].as_str().unwrap_or_default();
        if b.previous_signature.is_some() && !s.is_chained() {
            assert_eq!(
                err,
                VerifyError::UnexpectedPreviousSignature {
                    round: b.round,
                    scheme: s.id()
                },
                "{why}"
            );
        } else {
            assert_eq!(err, invalid_sig(&info, b.round), "{why}");
        }
    }

    // (g) Unknown or absent scheme IDs are never defaulted.
    let f = vector_file("mainnet-quicknet.json");
    for bad in [
        "bls-unchained-g1",
        "BLS-UNCHAINED-G1-RFC9380",
        "",
        "bn254-unchained-on-g1",
    ] {
        let mut doc = f.chain.clone();
        doc["schemeID"] = Value::String(bad.into());
        assert_eq!(
            ChainInfo::from_json(&doc.to_string()).unwrap_err(),
            ChainInfoError::UnknownScheme(bad.into())
        );
    }
    let mut doc = f.chain.clone();
    doc.as_object_mut().unwrap().remove("schemeID");
    assert_eq!(
        ChainInfo::from_json(&doc.to_string()).unwrap_err(),
        ChainInfoError::MissingField("schemeID")
    );
}

// =============================================================================================
// Item 13 — wrong DST.
// =============================================================================================

#[test]
fn item_13_wrong_dst_is_rejected() {
    let wrong_dsts: [&[u8]; 6] = [
        DST_G1,
        DST_G2,
        b"",
        b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_",
        b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_",
        b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_NU_NUL_",
    ];
    for (id, tag) in [(CHAINED, 1u8), (UNCHAINED, 2), (FASTNET, 3), (QUICKNET, 4)] {
        let s = Synthetic::new(id, tag);
        for round in [1u64, 2, 1000] {
            let good = s.genuine(round);
            verify(&s.info, &good).unwrap();
            let msg = s.message(round, good.previous_signature.as_deref());
            for dst in wrong_dsts.iter().filter(|d| **d != s.dst()) {
                let sig = s.sign_raw(&msg, dst);
                let bad = s.beacon_with(round, good.previous_signature.clone(), sig);
                assert_beacon_rejected(&s.info, &bad, invalid_sig(&s.info, round));
            }
        }
    }
    // The real DST-confusion vectors.
    for v in common::scheme_only().into_iter().filter(|v| !v.valid) {
        if !v.entry["why"]
            .as_str()
            .unwrap_or_default()
            .starts_with("DST confusion")
        {
            continue;
        }
        let s = Scheme::from_id(&v.scheme).unwrap();
        let info = common::chain_for(s, v.entry["public_key"].as_str().unwrap()).unwrap();
        let b = common::beacon(&v.entry);
        assert_beacon_rejected(&info, &b, invalid_sig(&info, b.round));
    }
}

// =============================================================================================
// Item 14 — chain hash mismatch.
// =============================================================================================

/// The chain hash, computed independently from the A2 layout.
fn independent_chain_hash(chain: &Value) -> [u8; 32] {
    let period = u32::try_from(chain["period"].as_u64().unwrap()).unwrap();
    let genesis = chain["genesis_time"].as_i64().unwrap();
    let pk = unhex(chain["public_key"].as_str().unwrap());
    let seed = unhex(chain["groupHash"].as_str().unwrap());
    let id = chain["metadata"]["beaconID"].as_str().unwrap_or("");
    let mut h = Sha256::new();
    h.update(period.to_be_bytes());
    h.update(genesis.to_be_bytes());
    h.update(&pk);
    h.update(&seed);
    if !id.is_empty() && id != "default" {
        h.update(id.as_bytes());
    }
    h.finalize().into()
}

#[test]
fn item_14_chain_hash_mismatch_is_rejected() {
    for file in common::chain_files()
        .into_iter()
        .filter(|f| !f.is_pending())
    {
        let served = file.chain["hash"].as_str().unwrap().to_owned();
        assert_eq!(
            hx(&independent_chain_hash(&file.chain)),
            served,
            "{}",
            file.name
        );
        let info = ChainInfo::pinned(&chain_json(&file), &served).unwrap();
        assert_eq!(info.hash().to_hex(), served);

        // Pinned to another chain's hash.
        let mut other = unhex(&served);
        other[31] ^= 1;
        assert_eq!(
            ChainInfo::pinned(&chain_json(&file), &hx(&other)).unwrap_err(),
            ChainInfoError::PinnedHashMismatch {
                pinned: hx(&other),
                computed: served.clone()
            },
            "{}",
            file.name
        );

        // A served `hash` that disagrees with the contents.
        let mut doc = file.chain.clone();
        doc["hash"] = Value::String(hx(&other));
        assert_eq!(
            ChainInfo::from_json(&doc.to_string()).unwrap_err(),
            ChainInfoError::ServedHashMismatch {
                served: hx(&other),
                computed: served.clone()
            }
        );
        // Tampered contents under the genuine served hash: period, genesis, seed, beacon ID, key.
        let mut tampered: Vec<Value> = Vec::new();
        let mut t = file.chain.clone();
        t["period"] = json!(file.chain["period"].as_u64().unwrap() + 1);
        tampered.push(t);
        let mut t = file.chain.clone();
        t["genesis_time"] = json!(file.chain["genesis_time"].as_i64().unwrap() - 1);
        tampered.push(t);
        let mut t = file.chain.clone();
        let mut seed = unhex(file.chain["groupHash"].as_str().unwrap());
        seed[0] ^= 1;
        t["groupHash"] = Value::String(hx(&seed));
        tampered.push(t);
        let mut t = file.chain.clone();
        t["metadata"]["beaconID"] = Value::String("someone-else".into());
        tampered.push(t);
        let mut t = file.chain.clone();
        let other_key = match file.chain["public_key"].as_str().unwrap().len() {
            96 => Synthetic::new(UNCHAINED, 77).pk,
            // BN254 (evmnet): another valid BN254 key, from the scheme-only vectors.
            256 => common::scheme_only()
                .into_iter()
                .find(|v| v.valid && v.scheme == "bls-bn254-unchained-on-g1")
                .map(|v| unhex(v.entry["public_key"].as_str().unwrap()))
                .unwrap(),
            _ => Synthetic::new(QUICKNET, 77).pk,
        };
        t["public_key"] = Value::String(hx(&other_key));
        tampered.push(t);
        for t in tampered {
            let computed = hx(&independent_chain_hash(&t));
            assert_eq!(
                ChainInfo::from_json(&t.to_string()).unwrap_err(),
                ChainInfoError::ServedHashMismatch {
                    served: served.clone(),
                    computed: computed.clone()
                },
                "{}: {t}",
                file.name
            );
            // Without a served hash, the pin catches it.
            let mut unhashed = t.clone();
            unhashed.as_object_mut().unwrap().remove("hash");
            assert_eq!(
                ChainInfo::pinned(&unhashed.to_string(), &served).unwrap_err(),
                ChainInfoError::PinnedHashMismatch {
                    pinned: served.clone(),
                    computed
                },
                "{}",
                file.name
            );
        }

        // v2 spelling: `chain_hash` is checked the same way; v1 and v2 hashes must agree.
        let info = file.info();
        let v2: Value = serde_json::from_str(&info.to_v2_json()).unwrap();
        ChainInfo::pinned(&v2.to_string(), &served).unwrap();
        let mut bad_v2 = v2.clone();
        bad_v2["chain_hash"] = Value::String(hx(&other));
        assert_eq!(
            ChainInfo::from_json(&bad_v2.to_string()).unwrap_err(),
            ChainInfoError::ServedHashMismatch {
                served: hx(&other),
                computed: served.clone()
            }
        );
        let mut both = file.chain.clone();
        both["chain_hash"] = Value::String(hx(&other));
        assert!(matches!(
            ChainInfo::from_json(&both.to_string()).unwrap_err(),
            ChainInfoError::Json(_)
        ));
    }
}

// =============================================================================================
// Item 15 — round mismatch, round 0, round u64::MAX.
// =============================================================================================

#[test]
fn item_15_round_mismatch_round_zero_and_u64_max() {
    let (qi, q) = quicknet();
    let b = q.iter().find(|b| b.round == 1000).unwrap().clone();
    verify_round(&qi, &b, 1000).unwrap();
    for asked in [0, 1, 999, 1001, u64::MAX] {
        assert_eq!(
            verify_round(&qi, &b, asked).unwrap_err(),
            VerifyError::RoundMismatch {
                expected: asked,
                actual: 1000
            }
        );
    }

    // Round 0: never a beacon, whatever the signature, on every scheme.
    for (info, beacons) in [quicknet(), unchained_g2(), mainnet_default()] {
        let mut zero = beacons[0].clone();
        zero.round = 0;
        assert_beacon_rejected(&info, &zero, VerifyError::RoundZero);
        assert_eq!(
            verify_round(&info, &zero, 0).unwrap_err(),
            VerifyError::RoundZero
        );
    }
    // Even a synthetic signature over round 0's message.
    for (id, tag) in [(QUICKNET, 5u8), (UNCHAINED, 6)] {
        let s = Synthetic::new(id, tag);
        let signed_zero = s.beacon(0, None);
        assert_beacon_rejected(&s.info, &signed_zero, VerifyError::RoundZero);
    }
    let s = Synthetic::new(CHAINED, 7);
    let signed_zero = s.beacon(0, Some(s.seed.to_vec()));
    assert_beacon_rejected(&s.info, &signed_zero, VerifyError::RoundZero);

    // Round u64::MAX: a real signature relabelled fails the pairing; a signature over that
    // round is a valid beacon to the clock-free core (item 16 is the light client's), and its
    // time is not representable.
    let mut max = b.clone();
    max.round = u64::MAX;
    assert_beacon_rejected(&qi, &max, invalid_sig(&qi, u64::MAX));
    for (id, tag) in [
        (QUICKNET, 8u8),
        (FASTNET, 9),
        (UNCHAINED, 10),
        (CHAINED, 11),
    ] {
        let s = Synthetic::new(id, tag);
        let last = s.genuine(u64::MAX);
        assert_eq!(
            verify_round(&s.info, &last, u64::MAX).unwrap().round(),
            u64::MAX
        );
        assert_eq!(
            round_time(&s.info, u64::MAX),
            Err(TimeError::Overflow { round: u64::MAX })
        );
    }

    // JSON rounds beyond u64 (or negative, fractional, stringly) are malformed.
    let sig = hx(&b.signature);
    for round in [
        "18446744073709551616",
        "-1",
        "1e3",
        "1000.0",
        "\"1000\"",
        "null",
    ] {
        let err =
            Beacon::from_json(&format!(r#"{{"round":{round},"signature":"{sig}"}}"#)).unwrap_err();
        assert!(matches!(err, VerifyError::Malformed(_)), "{round}: {err:?}");
    }
    let parsed = Beacon::from_json(&format!(
        r#"{{"round":18446744073709551615,"signature":"{sig}"}}"#
    ))
    .unwrap();
    assert_eq!(parsed.round, u64::MAX);
}

// =============================================================================================
// Item 16 — round from the future.
// =============================================================================================

/// Item 16 (a beacon for a round whose time has not come) needs a clock, so it belongs to the
/// light client, not to this clock-free core: `verify` accepts a validly signed future round
/// (item 15). What the core owes the light client is a consistent round ↔ time mapping, tested
/// here on every real chain (with `check_round_due`, the helper the client calls with its own
/// clock); `time_props.rs` has the property tests.
#[test]
fn item_16_round_time_consistency_for_the_light_clients_future_check() {
    for file in common::chain_files()
        .into_iter()
        .filter(|f| !f.is_pending())
    {
        let info = file.info();
        let g = info.genesis_time();
        let p = u64::from(info.period());
        assert_eq!(round_time(&info, 1), Ok(g));
        assert_eq!(round_at(&info, g), Ok(1));
        assert_eq!(round_at(&info, g + p - 1), Ok(1));
        assert_eq!(round_at(&info, g + p), Ok(2));
        assert_eq!(
            round_at(&info, g - 1),
            Err(TimeError::BeforeGenesis {
                time: g - 1,
                genesis: g
            })
        );
        assert_eq!(round_time(&info, 0), Err(TimeError::RoundZero));
        for entry in &file.beacons {
            let r = entry["round"].as_u64().unwrap();
            let t = round_time(&info, r).unwrap();
            assert_eq!(t, g + (r - 1) * p, "{} round {r}", file.name);
            assert_eq!(round_at(&info, t), Ok(r));
            assert_eq!(round_at(&info, t + p - 1), Ok(r));
            assert_eq!(round_at(&info, t + p), Ok(r + 1));
            if r > 1 {
                assert_eq!(round_at(&info, t - 1), Ok(r - 1));
            }
            // Due exactly at its time; one second early it is a future round unless the
            // allowance covers the skew.
            assert_eq!(check_round_due(&info, r, t, 0), Ok(()));
            assert_eq!(
                check_round_due(&info, r, t - 1, 0),
                Err(TimeError::FutureRound {
                    round: r,
                    due: t,
                    now: t - 1,
                    allowance: 0
                })
            );
            assert_eq!(check_round_due(&info, r, t - 1, 1), Ok(()));
            assert_eq!(check_round_due(&info, r, u64::MAX, u64::MAX), Ok(()));
        }
        assert_eq!(
            check_round_due(&info, 0, u64::MAX, 0),
            Err(TimeError::RoundZero)
        );
        assert_eq!(
            check_round_due(&info, u64::MAX, u64::MAX, u64::MAX),
            Err(TimeError::Overflow { round: u64::MAX })
        );
    }
}

// =============================================================================================
// Item 17 — randomness mismatch.
// =============================================================================================

#[test]
fn item_17_randomness_mismatch_is_rejected() {
    for (info, beacons) in [quicknet(), unchained_g2(), mainnet_default()] {
        let good = beacons.iter().find(|b| b.round > 1).unwrap().clone();
        let computed = sha256(&[&good.signature]);
        assert_eq!(good.randomness, Some(computed));
        for byte in [0usize, 15, 31] {
            let mut bad = good.clone();
            let mut r = computed;
            r[byte] ^= 0x01;
            bad.randomness = Some(r);
            assert_beacon_rejected(
                &info,
                &bad,
                VerifyError::RandomnessMismatch {
                    round: good.round,
                    given: hx(&r),
                    computed: hx(&computed),
                },
            );
        }
        // sha256 of something else that is close: the hex of the signature, the signature
        // without its flags, the previous signature.
        let mut decoys = vec![sha256(&[hx(&good.signature).as_bytes()])];
        let mut unflagged = good.signature.clone();
        unflagged[0] &= 0x1f;
        decoys.push(sha256(&[&unflagged]));
        if let Some(prev) = &good.previous_signature {
            decoys.push(sha256(&[prev]));
        }
        for r in decoys {
            let mut bad = good.clone();
            bad.randomness = Some(r);
            assert_beacon_rejected(
                &info,
                &bad,
                VerifyError::RandomnessMismatch {
                    round: good.round,
                    given: hx(&r),
                    computed: hx(&computed),
                },
            );
        }
    }
    // The real "randomness field altered" vectors.
    let mut n = 0;
    for file in common::chain_files()
        .into_iter()
        .filter(|f| !f.is_pending())
    {
        let info = file.info();
        for entry in file.invalid.iter().filter(|e| {
            e["why"]
                .as_str()
                .unwrap_or("")
                .contains("randomness field altered")
        }) {
            let b = common::beacon(entry);
            assert!(
                matches!(
                    verify(&info, &b),
                    Err(VerifyError::RandomnessMismatch { .. })
                ),
                "{}",
                file.name
            );
            n += 1;
        }
    }
    assert!(n >= 8);
    // A randomness field of the wrong size is a decode error of that field.
    let (_, q) = quicknet();
    let sig = hx(&q[0].signature);
    let short = format!(
        r#"{{"round":1,"signature":"{sig}","randomness":"{}"}}"#,
        "ab".repeat(31)
    );
    assert_eq!(
        Beacon::from_json(&short).unwrap_err(),
        VerifyError::Decode(DecodeError::Length {
            field: Field::Randomness,
            expected: 32,
            actual: 31
        })
    );
}

// =============================================================================================
// Item 18 — previous_signature rules.
// =============================================================================================

#[test]
fn item_18_previous_signature_rules() {
    let (info, beacons) = mainnet_default();
    let r1 = beacons.iter().find(|b| b.round == 1).unwrap().clone();
    let r2 = beacons.iter().find(|b| b.round == 2).unwrap().clone();
    let r1337 = beacons.iter().find(|b| b.round == 1337).unwrap().clone();
    for b in [&r1, &r2, &r1337] {
        verify(&info, b).unwrap();
    }
    assert_eq!(
        r1.previous_signature.as_deref(),
        Some(info.genesis_seed().as_slice())
    );

    // Missing on a chained beacon (also spelled as an empty string in JSON).
    for b in [&r1, &r2, &r1337] {
        let mut missing = b.clone();
        missing.previous_signature = None;
        assert_beacon_rejected(
            &info,
            &missing,
            VerifyError::MissingPreviousSignature {
                round: b.round,
                scheme: CHAINED,
            },
        );
        let json = missing
            .to_json()
            .replace('}', r#","previous_signature":""}"#);
        let parsed = Beacon::from_json(&json).unwrap();
        assert_eq!(
            verify(&info, &parsed).unwrap_err(),
            VerifyError::MissingPreviousSignature {
                round: b.round,
                scheme: CHAINED
            }
        );
    }
    // Wrong: one bit off, another round's signature, the genesis seed at round > 1.
    let mut flipped = r1337.clone();
    flipped.previous_signature.as_mut().unwrap()[95] ^= 1;
    assert_beacon_rejected(&info, &flipped, invalid_sig(&info, 1337));
    let mut other = r2.clone();
    other.previous_signature = Some(r2.signature.clone());
    assert_beacon_rejected(&info, &other, invalid_sig(&info, 2));
    let mut seed_later = r2.clone();
    seed_later.previous_signature = Some(info.genesis_seed().to_vec());
    assert_beacon_rejected(&info, &seed_later, invalid_sig(&info, 2));
    // Round 1 must link to the genesis seed: any other value, of any length, is refused.
    for prev in [vec![0u8; 96], vec![0u8; 32], r2.signature.clone(), {
        let mut s = info.genesis_seed().to_vec();
        s[0] ^= 1;
        s
    }] {
        let mut bad = r1.clone();
        bad.previous_signature = Some(prev);
        assert_beacon_rejected(&info, &bad, VerifyError::GenesisSeedMismatch);
    }
    // Even a *genuinely signed* round 1 over a different seed (synthetic chain).
    let s = Synthetic::new(CHAINED, 12);
    verify(&s.info, &s.genuine(1)).unwrap();
    let forged = s.beacon(1, Some(vec![0x55; 32]));
    assert_beacon_rejected(&s.info, &forged, VerifyError::GenesisSeedMismatch);

    // Present on unchained schemes, even when it is the "right" previous signature.
    for (info, beacons) in [quicknet(), unchained_g2()] {
        let mut extra = beacons[1].clone();
        extra.previous_signature = Some(beacons[0].signature.clone());
        assert_beacon_rejected(
            &info,
            &extra,
            VerifyError::UnexpectedPreviousSignature {
                round: extra.round,
                scheme: info.scheme().id(),
            },
        );
    }
    // An empty previous_signature in unchained JSON is drand's "absent".
    let (qi, q) = quicknet();
    let json = q[1].to_json().replace('}', r#","previous_signature":""}"#);
    verify(&qi, &Beacon::from_json(&json).unwrap()).unwrap();
}

// =============================================================================================
// Item 19 — oversized documents and fields fail fast with a size error.
// =============================================================================================

#[test]
fn item_19_oversized_inputs_fail_fast_with_size_errors() {
    use std::time::{Duration, Instant};
    let budget = Duration::from_millis(50);

    // Chain info: over 16 KiB is refused before parsing (even when it is not JSON at all).
    let f = vector_file("mainnet-quicknet.json");
    let mut doc = f.chain.clone();
    doc["padding"] = Value::String("x".repeat(16 * 1024));
    let text = doc.to_string();
    assert_eq!(
        ChainInfo::from_json(&text).unwrap_err(),
        ChainInfoError::TooLarge {
            limit: 16 * 1024,
            actual: text.len()
        }
    );
    let huge = "[".repeat(64 << 20);
    let start = Instant::now();
    let err = ChainInfo::from_json(&huge).unwrap_err();
    assert!(start.elapsed() < budget, "took {:?}", start.elapsed());
    assert_eq!(
        err,
        ChainInfoError::TooLarge {
            limit: 16 * 1024,
            actual: huge.len()
        }
    );
    let start = Instant::now();
    let err = ChainInfo::pinned(&huge, f.chain["hash"].as_str().unwrap()).unwrap_err();
    assert!(start.elapsed() < budget);
    assert!(matches!(err, ChainInfoError::TooLarge { .. }));

    // Beacon JSON over 4 KiB: refused before parsing. (There is no dedicated VerifyError size
    // variant; the size refusal is `Malformed` with the limit in its message.)
    let start = Instant::now();
    let err = Beacon::from_json(&huge).unwrap_err();
    assert!(start.elapsed() < budget);
    match err {
        VerifyError::Malformed(msg) => {
            assert!(
                msg.contains("4096") && msg.contains(&huge.len().to_string()),
                "{msg}"
            )
        }
        other => panic!("expected a size refusal, got {other:?}"),
    }

    // Fields under the document caps but over their own caps: typed TooLong for the field.
    let sig300 = "ab".repeat(300);
    assert_eq!(
        Beacon::from_json(&format!(r#"{{"round":1,"signature":"{sig300}"}}"#)).unwrap_err(),
        VerifyError::Decode(DecodeError::TooLong {
            field: Field::Signature,
            limit: 256,
            actual: 300
        })
    );
    assert_eq!(
        Beacon::from_json(&format!(
            r#"{{"round":2,"signature":"ab","previous_signature":"{sig300}"}}"#
        ))
        .unwrap_err(),
        VerifyError::Decode(DecodeError::TooLong {
            field: Field::PreviousSignature,
            limit: 256,
            actual: 300
        })
    );
    assert_eq!(
        Beacon::from_json(&format!(
            r#"{{"round":2,"signature":"ab","randomness":"{}"}}"#,
            "ab".repeat(33)
        ))
        .unwrap_err(),
        VerifyError::Decode(DecodeError::TooLong {
            field: Field::Randomness,
            limit: 32,
            actual: 33
        })
    );
    // The size cap comes before hex validity: 300 bytes of non-hex is a size error.
    assert_eq!(
        Beacon::from_json(&format!(
            r#"{{"round":1,"signature":"{}"}}"#,
            "zz".repeat(300)
        ))
        .unwrap_err(),
        VerifyError::Decode(DecodeError::TooLong {
            field: Field::Signature,
            limit: 256,
            actual: 300
        })
    );
    for (key, field, limit) in [
        ("public_key", Field::PublicKey, 96),
        ("groupHash", Field::GenesisSeed, 32),
        ("hash", Field::ChainHash, 32),
    ] {
        let mut doc = f.chain.clone();
        doc[key] = Value::String("zz".repeat(1000));
        assert_eq!(
            ChainInfo::from_json(&doc.to_string()).unwrap_err(),
            ChainInfoError::Decode(DecodeError::TooLong {
                field,
                limit,
                actual: 1000
            }),
            "{key}"
        );
    }
    // The raw hex decoder caps before touching the input.
    let big_hex = "zz".repeat(8 << 20);
    let start = Instant::now();
    let err = drand_lite::hex::decode(Field::Signature, &big_hex, 96).unwrap_err();
    assert!(start.elapsed() < budget);
    assert_eq!(
        err,
        DecodeError::TooLong {
            field: Field::Signature,
            limit: 96,
            actual: 8 << 20
        }
    );
    // A pinned hash typed as megabytes of text.
    let err = ChainInfo::pinned(&chain_json(&f), &"a".repeat(1 << 20)).unwrap_err();
    assert!(
        matches!(
            err,
            ChainInfoError::Decode(DecodeError::TooLong {
                field: Field::ChainHash,
                ..
            })
        ),
        "{err:?}"
    );
    // An over-long beacon ID (under the document cap) is refused. (Reported as `Json`, not as
    // a dedicated size variant.)
    let mut doc = f.chain.clone();
    doc.as_object_mut().unwrap().remove("hash");
    doc["metadata"]["beaconID"] = Value::String("b".repeat(257));
    assert!(
        matches!(ChainInfo::from_json(&doc.to_string()).unwrap_err(), ChainInfoError::Json(m) if m.contains("256"))
    );
    doc["metadata"]["beaconID"] = Value::String("b".repeat(256));
    ChainInfo::from_json(&doc.to_string()).unwrap();
}

// =============================================================================================
// Item 20 — signatures that verify only under another message framing.
// =============================================================================================

#[test]
fn item_20_other_message_framings_are_rejected() {
    for (id, tag) in [
        (CHAINED, 21u8),
        (UNCHAINED, 22),
        (FASTNET, 23),
        (QUICKNET, 24),
    ] {
        let s = Synthetic::new(id, tag);
        for round in [1u64, 2, 0x0102_0304_0506_0708, u64::MAX - 1] {
            let good = s.genuine(round);
            verify(&s.info, &good).unwrap();
            let prev = good.previous_signature.clone();
            let p: &[u8] = prev.as_deref().unwrap_or(&[]);
            let be = round.to_be_bytes();
            let le = round.to_le_bytes();
            let be32 = (round as u32).to_be_bytes();
            let mut framings: Vec<(&str, Vec<u8>)> = vec![
                ("sha256(LE64(round))", sha256(&[p, &le]).to_vec()),
                ("BE64(round), no sha256", [p, &be].concat()),
                ("LE64(round), no sha256", [p, &le].concat()),
                ("sha256(BE32(round))", sha256(&[p, &be32]).to_vec()),
                (
                    "sha256(decimal round)",
                    sha256(&[p, round.to_string().as_bytes()]).to_vec(),
                ),
                ("sha256(sha256(…))", sha256(&[&sha256(&[p, &be])]).to_vec()),
                ("sha256(…) as hex text", hx(&sha256(&[p, &be])).into_bytes()),
            ];
            if s.scheme.is_chained() {
                framings.push(("sha256(round ‖ prev)", sha256(&[&be, p]).to_vec()));
                framings.push((
                    "unchained framing on a chained scheme",
                    sha256(&[&be]).to_vec(),
                ));
                framings.push(("sha256(prev) only", sha256(&[p]).to_vec()));
                framings.push((
                    "sha256(sha256(prev) ‖ round)",
                    sha256(&[&sha256(&[p]), &be]).to_vec(),
                ));
            } else {
                // An unchained chain's beacon signed the chained way over some previous signature.
                framings.push((
                    "chained framing on an unchained scheme",
                    sha256(&[&[0x42; 96], &be]).to_vec(),
                ));
            }
            for (name, msg) in framings {
                let sig = s.sign_raw(&msg, s.dst());
                let bad = s.beacon_with(round, prev.clone(), sig);
                assert_eq!(
                    verify(&s.info, &bad).unwrap_err(),
                    invalid_sig(&s.info, round),
                    "{id} round {round}: {name}"
                );
            }
        }
    }
}

// =============================================================================================
// Extra: positive controls and sanity of the synthetic chains.
// =============================================================================================

#[test]
fn synthetic_chains_verify_and_every_real_beacon_verifies() {
    for (id, tag) in [
        (CHAINED, 31u8),
        (UNCHAINED, 32),
        (FASTNET, 33),
        (QUICKNET, 34),
    ] {
        let s = Synthetic::new(id, tag);
        assert_eq!(s.info.public_key(), s.pk.as_slice());
        let mut prev = s.seed.to_vec();
        for round in 1..=5 {
            let b = if s.scheme.is_chained() {
                s.beacon(round, Some(prev.clone()))
            } else {
                s.beacon(round, None)
            };
            let v = verify_round(&s.info, &b, round).unwrap();
            assert_eq!(v.randomness(), &sha256(&[&b.signature]));
            prev = b.signature.clone();
        }
    }
}
