//! Beacons as relays serve them: v1 JSON (`round`, `randomness`, `signature`,
//! `previous_signature`) and v2 JSON (no `randomness`; it is derived from the signature).
//!
//! A [`Beacon`] is only parsed, never trusted: [`crate::verify`] turns it into a
//! [`crate::VerifiedBeacon`].

use serde::Deserialize;

use crate::error::{Field, VerifyError};
use crate::hex;

/// Largest beacon JSON document accepted (real ones are under 512 bytes).
pub const MAX_BEACON_JSON_BYTES: usize = 4 * 1024;
/// Largest signature or previous signature accepted before decoding.
pub const MAX_SIGNATURE_BYTES: usize = 256;

/// An unverified beacon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beacon {
    /// The round number.
    pub round: u64,
    /// The signature bytes, as sent.
    pub signature: Vec<u8>,
    /// The previous signature, as sent (chained schemes only).
    pub previous_signature: Option<Vec<u8>>,
    /// The `randomness` field, if the relay sent one (v1).
    pub randomness: Option<[u8; 32]>,
}

/// The fields of v1 or v2 beacon JSON, before validation: what a JSON parser (or a JS object,
/// in WebAssembly) supplies to [`Beacon::from_fields`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct BeaconFields {
    /// `round`.
    pub round: Option<u64>,
    /// `signature` (hex).
    pub signature: Option<String>,
    /// `previous_signature` (hex; empty or absent on unchained schemes).
    pub previous_signature: Option<String>,
    /// `randomness` (hex; absent in v2).
    pub randomness: Option<String>,
}

impl Beacon {
    /// Parses v1 or v2 beacon JSON with size caps and strict lowercase hex. An empty
    /// `previous_signature` is treated as absent, as drand's JSON omits it.
    pub fn from_json(json: &str) -> Result<Beacon, VerifyError> {
        if json.len() > MAX_BEACON_JSON_BYTES {
            return Err(VerifyError::Malformed(format!(
                "beacon JSON is {} bytes, over the {MAX_BEACON_JSON_BYTES}-byte limit",
                json.len()
            )));
        }
        let raw: BeaconFields =
            serde_json::from_str(json).map_err(|e| VerifyError::Malformed(e.to_string()))?;
        Beacon::from_fields(raw)
    }

    /// Validates beacon fields (see [`Beacon::from_json`]).
    pub fn from_fields(raw: BeaconFields) -> Result<Beacon, VerifyError> {
        let round = raw
            .round
            .ok_or_else(|| VerifyError::Malformed("missing `round`".into()))?;
        let signature = raw
            .signature
            .ok_or_else(|| VerifyError::Malformed("missing `signature`".into()))?;
        let signature = hex::decode(Field::Signature, &signature, MAX_SIGNATURE_BYTES)?;
        let previous_signature = match raw.previous_signature.as_deref() {
            None | Some("") => None,
            Some(text) => Some(hex::decode(
                Field::PreviousSignature,
                text,
                MAX_SIGNATURE_BYTES,
            )?),
        };
        let randomness = raw
            .randomness
            .map(|text| hex::decode_array::<32>(Field::Randomness, &text))
            .transpose()?;
        Ok(Beacon {
            round,
            signature,
            previous_signature,
            randomness,
        })
    }

    /// Serializes as v1 JSON in drand's field order (with whatever `randomness` the beacon
    /// carries; v2 JSON is the same without it).
    pub fn to_json(&self) -> String {
        #[derive(serde::Serialize)]
        struct Out {
            round: u64,
            #[serde(skip_serializing_if = "Option::is_none")]
            randomness: Option<String>,
            signature: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            previous_signature: Option<String>,
        }
        let out = Out {
            round: self.round,
            randomness: self.randomness.as_ref().map(|r| hex::encode(r)),
            signature: hex::encode(&self.signature),
            previous_signature: self.previous_signature.as_deref().map(hex::encode),
        };
        serde_json::to_string(&out).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_v1_and_v2() {
        let v1 = Beacon::from_json(
            r#"{"round":5,"randomness":"0000000000000000000000000000000000000000000000000000000000000001","signature":"abcd","previous_signature":"ef"}"#,
        )
        .unwrap();
        assert_eq!(v1.round, 5);
        assert_eq!(v1.signature, vec![0xab, 0xcd]);
        assert_eq!(v1.previous_signature, Some(vec![0xef]));
        assert!(v1.randomness.is_some());
        let v2 = Beacon::from_json(r#"{"round":5,"signature":"abcd"}"#).unwrap();
        assert_eq!(v2.randomness, None);
        assert_eq!(v2.previous_signature, None);
    }

    #[test]
    fn to_json_round_trips_in_drand_field_order() {
        let json = r#"{"round":5,"randomness":"0000000000000000000000000000000000000000000000000000000000000001","signature":"abcd","previous_signature":"ef"}"#;
        assert_eq!(Beacon::from_json(json).unwrap().to_json(), json);
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "[]",
            r#"{"round":-1,"signature":"ab"}"#,
            r#"{"round":18446744073709551616,"signature":"ab"}"#,
            r#"{"round":1.5,"signature":"ab"}"#,
            r#"{"round":"1","signature":"ab"}"#,
            r#"{"signature":"ab"}"#,
            r#"{"round":1}"#,
            r#"{"round":1,"signature":"AB"}"#,
            r#"{"round":1,"signature":"0xab"}"#,
            r#"{"round":1,"signature":"ab","randomness":"00"}"#,
            r#"{"round":1,"round":2,"signature":"ab"}"#,
        ] {
            assert!(Beacon::from_json(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn caps_size_before_parsing() {
        let huge = format!(r#"{{"round":1,"signature":"{}"}}"#, "ab".repeat(5000));
        assert!(matches!(
            Beacon::from_json(&huge),
            Err(VerifyError::Malformed(_))
        ));
        let long_sig = format!(r#"{{"round":1,"signature":"{}"}}"#, "ab".repeat(300));
        assert!(matches!(
            Beacon::from_json(&long_sig),
            Err(VerifyError::Decode(_))
        ));
    }
}
