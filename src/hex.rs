//! Strict hexadecimal decoding for wire data.
//!
//! drand relays emit lowercase hex without prefix. Accepting other spellings (`0x`, uppercase,
//! whitespace) would give one value several wire forms, so wire hex is lowercase only; the
//! length is checked against a cap *before* anything is decoded.

use crate::error::{DecodeError, Field};

/// Decodes lowercase, even-length, unprefixed hex of at most `max_bytes` bytes.
pub fn decode(field: Field, text: &str, max_bytes: usize) -> Result<Vec<u8>, DecodeError> {
    decode_capped(field, text, max_bytes, false)
}

/// Decodes hex typed by a person (a pinned chain hash on a command line): either case is
/// accepted, nothing else is.
pub fn decode_user(field: Field, text: &str, max_bytes: usize) -> Result<Vec<u8>, DecodeError> {
    decode_capped(field, text, max_bytes, true)
}

/// Refuses text longer than `max_bytes` of hex before decoding any of it.
fn decode_capped(
    field: Field,
    text: &str,
    max_bytes: usize,
    any_case: bool,
) -> Result<Vec<u8>, DecodeError> {
    if text.len() > max_bytes.saturating_mul(2) {
        return Err(DecodeError::TooLong {
            field,
            limit: max_bytes,
            actual: text.len() / 2,
        });
    }
    decode_unbounded(field, text, any_case)
}

/// Decodes exactly `N` bytes of lowercase hex.
pub fn decode_array<const N: usize>(field: Field, text: &str) -> Result<[u8; N], DecodeError> {
    let bytes = decode(field, text, N)?;
    <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| DecodeError::Length {
        field,
        expected: N,
        actual: bytes.len(),
    })
}

fn decode_unbounded(field: Field, text: &str, any_case: bool) -> Result<Vec<u8>, DecodeError> {
    let raw = text.as_bytes();
    if !raw.len().is_multiple_of(2) {
        return Err(DecodeError::Hex {
            field,
            reason: "odd number of hex digits",
        });
    }
    let mut out = Vec::with_capacity(raw.len() / 2);
    for pair in raw.chunks_exact(2) {
        let (hi, lo) = match pair {
            [hi, lo] => (nibble(*hi, any_case), nibble(*lo, any_case)),
            _ => (None, None),
        };
        match (hi, lo) {
            (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
            _ => {
                return Err(DecodeError::Hex {
                    field,
                    reason: if any_case {
                        "not a hex digit"
                    } else {
                        "not a lowercase hex digit (no 0x prefix, uppercase or whitespace)"
                    },
                });
            }
        }
    }
    Ok(out)
}

fn nibble(c: u8, any_case: bool) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' if any_case => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Encodes bytes as lowercase hex.
pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_lowercase() {
        let bytes = decode(Field::Signature, "00ff10ab", 8).unwrap();
        assert_eq!(bytes, vec![0x00, 0xff, 0x10, 0xab]);
        assert_eq!(encode(&bytes), "00ff10ab");
    }

    #[test]
    fn rejects_non_canonical_spellings() {
        for bad in [
            "0x00ff", "00FF", "00Ff", "0", "00 ff", " 00ff", "00ff\n", "zz", "ée",
        ] {
            assert!(
                matches!(
                    decode(Field::Signature, bad, 8),
                    Err(DecodeError::Hex { .. })
                ),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn user_hex_accepts_either_case_only() {
        assert_eq!(
            decode_user(Field::ChainHash, "00FF", 2).unwrap(),
            vec![0, 255]
        );
        assert!(decode_user(Field::ChainHash, "0x00", 2).is_err());
    }

    #[test]
    fn caps_length_before_decoding() {
        let long = "00".repeat(1000);
        assert!(matches!(
            decode(Field::Signature, &long, 96),
            Err(DecodeError::TooLong { limit: 96, .. })
        ));
    }

    #[test]
    fn array_requires_exact_length() {
        assert!(decode_array::<2>(Field::Randomness, "00").is_err());
        assert_eq!(
            decode_array::<2>(Field::Randomness, "0102").unwrap(),
            [1, 2]
        );
    }
}
