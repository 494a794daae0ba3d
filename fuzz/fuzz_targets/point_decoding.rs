//! Arbitrary bytes as a compressed BLS12-381 point, through drand-lite's strict decoding on G1
//! (48 bytes) and G2 (96 bytes):
//! - as the public key of a `ChainInfo::new` for every scheme;
//! - as the signature of a genuine round of the real chain of every scheme.
//!
//! The whole input is tried, and so are its first 48 and 96 bytes when it is longer.
//!
//! Beyond "never panics", it checks that:
//! - drand-lite accepts a key exactly when blst's own validating decoder does (canonical
//!   compressed encoding, on the curve, in the subgroup, not the identity);
//! - a signature fails to decode exactly when blst rejects it, and otherwise fails only the
//!   pairing check;
//! - only the genuine signature verifies (BLS signatures are unique);
//! - `verify_batch` agrees with `verify` on a batch of the fuzzed and a genuine beacon.
#![no_main]

use drand_lite::{Beacon, ChainInfo, Scheme, VerifyError, hex, verify};
use drand_lite_fuzz::{blst_accepts_g1, blst_accepts_g2, chains, check_batch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut views = vec![data];
    for len in [48, 96] {
        if data.len() > len {
            views.push(&data[..len]);
        }
    }
    for bytes in views {
        check_point(bytes);
    }
});

fn check_point(bytes: &[u8]) {
    // What blst accepts as a point of the group whose encodings are `len` bytes long.
    let g1 = bytes.len() == 48 && blst_accepts_g1(bytes);
    let g2 = bytes.len() == 96 && blst_accepts_g2(bytes);
    let blst_accepts = |len: usize| match len {
        48 => g1,
        96 => g2,
        _ => unreachable!("BLS12-381 compressed points are 48 or 96 bytes"),
    };

    // BLS12-381 schemes only: blst is the oracle here, and BN254 (evmnet) keys are 128 bytes.
    for scheme in Scheme::ALL
        .into_iter()
        .filter(|s| matches!(s.public_key_len(), 48 | 96))
    {
        let info = ChainInfo::new(scheme, bytes, 3, 1_692_803_367, [0x5a; 32], "fuzz");
        assert_eq!(
            info.is_ok(),
            blst_accepts(scheme.public_key_len()),
            "{scheme} public key {}: drand-lite says {info:?}",
            hex::encode(bytes)
        );
        match info {
            Ok(info) => assert_eq!(info.public_key(), bytes),
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }

    for chain in chains() {
        let info = &chain.info;
        let scheme = info.scheme();
        let [(genuine, _), (other, other_result), ..] = chain.beacons.as_slice() else {
            unreachable!("every fixture has three genuine beacons");
        };
        let beacon = Beacon {
            signature: bytes.to_vec(),
            randomness: None,
            ..genuine.clone()
        };
        let result = verify(info, &beacon);
        assert_eq!(
            result.is_ok(),
            bytes == genuine.signature,
            "{}: round {} verified with signature {}: {result:?}",
            chain.name,
            beacon.round,
            hex::encode(bytes)
        );
        let decodes = blst_accepts(scheme.signature_len());
        if decodes {
            assert!(
                matches!(result, Ok(_) | Err(VerifyError::InvalidSignature { .. })),
                "{}: blst accepts signature {} but drand-lite says {result:?}",
                chain.name,
                hex::encode(bytes)
            );
            check_batch(
                info,
                &[beacon, other.clone()],
                &[result, other_result.clone()],
            );
        } else {
            assert!(
                matches!(result, Err(VerifyError::Decode(_))),
                "{}: blst rejects signature {} but drand-lite says {result:?}",
                chain.name,
                hex::encode(bytes)
            );
        }
    }
}
