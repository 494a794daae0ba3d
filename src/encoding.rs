//! Structural checks on BLS12-381 point encodings, done before any curve arithmetic.
//!
//! drand uses the ZCash compressed encoding: the top three bits of the first byte are the
//! compression (`0x80`), infinity (`0x40`) and sort (`0x20`) flags, and the rest is the
//! big-endian x coordinate (for G2, `x.c1 ‖ x.c0`, each 48 bytes). A canonical encoding has
//! the compression flag set, infinity only with an all-zero payload and no sort flag, and every
//! coordinate below the field modulus `p`. Everything else is refused here, with a reason,
//! before the backend decompresses the point and checks the curve and subgroup.

use crate::error::{DecodeError, Field};

/// Size of one BLS12-381 base-field element.
pub const FP_BYTES: usize = 48;
/// Compressed size of a BLS12-381 G1 point.
pub const G1_COMPRESSED: usize = 48;
/// Compressed size of a BLS12-381 G2 point.
pub const G2_COMPRESSED: usize = 96;

const FLAG_COMPRESSED: u8 = 0x80;
const FLAG_INFINITY: u8 = 0x40;
const FLAG_SORT: u8 = 0x20;
const FLAG_MASK: u8 = FLAG_COMPRESSED | FLAG_INFINITY | FLAG_SORT;

/// The BLS12-381 base-field modulus, big-endian.
pub const MODULUS: [u8; FP_BYTES] = [
    0x1a, 0x01, 0x11, 0xea, 0x39, 0x7f, 0xe6, 0x9a, 0x4b, 0x1b, 0xa7, 0xb6, 0x43, 0x4b, 0xac, 0xd7,
    0x64, 0x77, 0x4b, 0x84, 0xf3, 0x85, 0x12, 0xbf, 0x67, 0x30, 0xd2, 0xa0, 0xf6, 0xb0, 0xf6, 0x24,
    0x1e, 0xab, 0xff, 0xfe, 0xb1, 0x53, 0xff, 0xff, 0xb9, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xaa, 0xab,
];

/// Checks that `bytes` is a canonical compressed encoding of a non-identity point of the
/// expected size (48 for G1, 96 for G2). Curve and subgroup membership are the backend's job.
pub fn check_compressed(
    field: Field,
    bytes: &[u8],
    expected_len: usize,
) -> Result<(), DecodeError> {
    if bytes.len() != expected_len {
        return Err(DecodeError::Length {
            field,
            expected: expected_len,
            actual: bytes.len(),
        });
    }
    let Some((&first, rest)) = bytes.split_first() else {
        return Err(DecodeError::Length {
            field,
            expected: expected_len,
            actual: 0,
        });
    };
    if first & FLAG_COMPRESSED == 0 {
        return Err(DecodeError::NotCompressed { field });
    }
    if first & FLAG_INFINITY != 0 {
        let payload_zero = first & !FLAG_MASK == 0 && rest.iter().all(|&b| b == 0);
        return if payload_zero && first & FLAG_SORT == 0 {
            Err(DecodeError::Identity { field })
        } else {
            Err(DecodeError::BadFlags { field })
        };
    }
    // Every coordinate (x for G1; x.c1 then x.c0 for G2) must be below p once flags are masked.
    for (i, limb) in bytes.chunks(FP_BYTES).enumerate() {
        let mut coordinate = [0u8; FP_BYTES];
        coordinate.copy_from_slice(limb);
        if i == 0
            && let Some(top) = coordinate.first_mut()
        {
            *top &= !FLAG_MASK;
        }
        if coordinate >= MODULUS {
            return Err(DecodeError::NonCanonicalField { field });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g1_with_x(x: &[u8; 48]) -> [u8; 48] {
        let mut out = *x;
        out[0] |= FLAG_COMPRESSED;
        out
    }

    #[test]
    fn rejects_wrong_lengths() {
        for len in [0, 1, 47, 49, 95, 97, 192] {
            let bytes = vec![0x80; len];
            assert!(matches!(
                check_compressed(Field::Signature, &bytes, 48),
                Err(DecodeError::Length { .. })
            ));
        }
    }

    #[test]
    fn rejects_uncompressed_flag() {
        let mut bytes = [0u8; 48];
        bytes[47] = 1;
        assert_eq!(
            check_compressed(Field::PublicKey, &bytes, 48),
            Err(DecodeError::NotCompressed {
                field: Field::PublicKey
            })
        );
    }

    #[test]
    fn identity_and_bad_infinity_encodings() {
        let mut inf = [0u8; 96];
        inf[0] = 0xc0;
        assert!(matches!(
            check_compressed(Field::Signature, &inf, 96),
            Err(DecodeError::Identity { .. })
        ));
        let mut with_sort = inf;
        with_sort[0] = 0xe0;
        assert!(matches!(
            check_compressed(Field::Signature, &with_sort, 96),
            Err(DecodeError::BadFlags { .. })
        ));
        let mut with_payload = inf;
        with_payload[95] = 1;
        assert!(matches!(
            check_compressed(Field::Signature, &with_payload, 96),
            Err(DecodeError::BadFlags { .. })
        ));
        let mut with_low_bits = inf;
        with_low_bits[0] = 0xc1;
        assert!(matches!(
            check_compressed(Field::Signature, &with_low_bits, 96),
            Err(DecodeError::BadFlags { .. })
        ));
    }

    #[test]
    fn rejects_coordinates_at_or_above_p() {
        assert!(matches!(
            check_compressed(Field::PublicKey, &g1_with_x(&MODULUS), 48),
            Err(DecodeError::NonCanonicalField { .. })
        ));
        let mut above = MODULUS;
        above[47] = 0xff;
        assert!(matches!(
            check_compressed(Field::PublicKey, &g1_with_x(&above), 48),
            Err(DecodeError::NonCanonicalField { .. })
        ));
        let mut below = MODULUS;
        below[47] -= 1;
        assert!(check_compressed(Field::PublicKey, &g1_with_x(&below), 48).is_ok());
        // G2: either half of x may be out of range.
        for half in 0..2 {
            let mut g2 = [0u8; 96];
            g2[half * 48..half * 48 + 48].copy_from_slice(&MODULUS);
            g2[0] |= FLAG_COMPRESSED;
            assert!(matches!(
                check_compressed(Field::Signature, &g2, 96),
                Err(DecodeError::NonCanonicalField { .. })
            ));
        }
    }
}
