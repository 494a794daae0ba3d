//! JS values in and out: chain info and beacons as objects or JSON text, rounds as integral
//! numbers or bigints. Fields are read straight from JS objects (JSON text is parsed by the JS
//! engine), so the verifier-only build carries no JSON parser of its own.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::errors::{bad_argument, coded};
use crate::beacon::{Beacon, BeaconFields, MAX_BEACON_JSON_BYTES};
use crate::chain::{ChainHash, ChainInfo, ChainInfoFields, MAX_CHAIN_INFO_BYTES};
use crate::hex;
use crate::verify::VerifiedBeacon;

/// Largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// The object behind a JS value: objects as they are, JSON text parsed (after a size cap).
fn object_of(value: &JsValue, what: &str, limit: usize, code: &str) -> Result<JsValue, JsValue> {
    if let Some(text) = value.as_string() {
        if text.len() > limit {
            return Err(coded(
                "TOO_LARGE",
                &format!(
                    "{what} is {} bytes, over the {limit}-byte limit",
                    text.len()
                ),
            ));
        }
        let parsed = js_sys::JSON::parse(&text)
            .map_err(|_| coded(code, &format!("{what} is not valid JSON")))?;
        return if parsed.is_object() && !js_sys::Array::is_array(&parsed) {
            Ok(parsed)
        } else {
            Err(coded(code, &format!("{what} must be a JSON object")))
        };
    }
    if value.is_object() && !js_sys::Array::is_array(value) {
        return Ok(value.clone());
    }
    Err(bad_argument(&format!(
        "{what} must be an object or a JSON string"
    )))
}

fn get(object: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(object, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// An optional string field; any other type is an error.
fn string_field(object: &JsValue, key: &str, code: &str) -> Result<Option<String>, JsValue> {
    get(object, key)
        .map(|v| {
            v.as_string()
                .ok_or_else(|| coded(code, &format!("`{key}` must be a string")))
        })
        .transpose()
}

/// An optional integer field (a safe integral number or a bigint).
fn integer_field(object: &JsValue, key: &str, code: &str) -> Result<Option<i128>, JsValue> {
    let Some(v) = get(object, key) else {
        return Ok(None);
    };
    if let Some(n) = v.as_f64() {
        if n.fract() != 0.0 || n.abs() > MAX_SAFE_INTEGER {
            return Err(coded(code, &format!("`{key}` must be a safe integer")));
        }
        return Ok(Some(n as i128));
    }
    if v.is_bigint() {
        return i128::try_from(v)
            .map(Some)
            .map_err(|_| coded(code, &format!("`{key}` is out of range")));
    }
    Err(coded(code, &format!("`{key}` must be an integer")))
}

fn unsigned(value: Option<i128>, key: &str, code: &str) -> Result<Option<u64>, JsValue> {
    value
        .map(|v| u64::try_from(v).map_err(|_| coded(code, &format!("`{key}` is out of range"))))
        .transpose()
}

/// Reads v1/v2 chain info fields from an object or JSON text.
fn chain_fields(info: &JsValue) -> Result<ChainInfoFields, JsValue> {
    const CODE: &str = "MALFORMED_CHAIN_INFO";
    let o = object_of(info, "chain info", MAX_CHAIN_INFO_BYTES, CODE)?;
    let metadata_beacon_id = match get(&o, "metadata") {
        Some(m) if m.is_object() => string_field(&m, "beaconID", CODE)?,
        Some(_) => return Err(coded(CODE, &"`metadata` must be an object")),
        None => None,
    };
    let genesis_time = integer_field(&o, "genesis_time", CODE)?
        .map(|g| i64::try_from(g).map_err(|_| coded(CODE, &"`genesis_time` is out of range")))
        .transpose()?;
    Ok(ChainInfoFields {
        public_key: string_field(&o, "public_key", CODE)?,
        period: unsigned(integer_field(&o, "period", CODE)?, "period", CODE)?,
        genesis_time,
        hash: string_field(&o, "hash", CODE)?,
        group_hash: string_field(&o, "groupHash", CODE)?,
        scheme_id: string_field(&o, "schemeID", CODE)?,
        metadata_beacon_id,
        chain_hash: string_field(&o, "chain_hash", CODE)?,
        genesis_seed: string_field(&o, "genesis_seed", CODE)?,
        scheme: string_field(&o, "scheme", CODE)?,
        beacon_id: string_field(&o, "beacon_id", CODE)?,
    })
}

/// How many parsed chains are remembered between calls.
const CHAIN_CACHE: usize = 4;

thread_local! {
    /// Recently parsed chain info by its fields. Parsing validates the public key
    /// (decompression, subgroup check) and precomputes its pairing lines: a large part of one
    /// verification in wasm, and the same for every beacon of a chain. A `ChainInfo` is
    /// immutable, so reusing one for identical fields is exactly equivalent to parsing again.
    static CHAINS: RefCell<VecDeque<(ChainInfoFields, Rc<ChainInfo>)>> =
        const { RefCell::new(VecDeque::new()) };
}

/// Parses chain info (or reuses an identical recent one) and checks the optional pin.
pub fn load_chain(info: &JsValue, chain_hash: Option<&str>) -> Result<Rc<ChainInfo>, JsValue> {
    let fields = chain_fields(info)?;
    let cached =
        CHAINS.with_borrow(|c| c.iter().find(|(f, _)| *f == fields).map(|(_, i)| i.clone()));
    let info = match cached {
        Some(hit) => hit,
        None => {
            let info =
                Rc::new(ChainInfo::from_fields(fields.clone()).map_err(|e| coded(e.code(), &e))?);
            CHAINS.with_borrow_mut(|c| {
                if c.len() == CHAIN_CACHE {
                    c.pop_front();
                }
                c.push_back((fields, info.clone()));
            });
            info
        }
    };
    if let Some(pin) = chain_hash {
        let pin = ChainHash::parse(pin).map_err(|e| bad_argument(&format!("chainHash: {e}")))?;
        info.check_pin(&pin).map_err(|e| coded(e.code(), &e))?;
    }
    Ok(info)
}

/// Parses one beacon (object or JSON, v1 or v2).
pub fn parse_beacon(beacon: &JsValue) -> Result<Beacon, JsValue> {
    const CODE: &str = "MALFORMED";
    let o = object_of(beacon, "beacon", MAX_BEACON_JSON_BYTES, CODE)?;
    let fields = BeaconFields {
        round: unsigned(integer_field(&o, "round", CODE)?, "round", CODE)?,
        signature: string_field(&o, "signature", CODE)?,
        previous_signature: string_field(&o, "previous_signature", CODE)?,
        randomness: string_field(&o, "randomness", CODE)?,
    };
    Beacon::from_fields(fields).map_err(|e| coded(e.code(), &e))
}

/// Parses an array of beacons.
pub fn beacon_list(beacons: &JsValue) -> Result<Vec<Beacon>, JsValue> {
    let array = beacons
        .dyn_ref::<js_sys::Array>()
        .ok_or_else(|| bad_argument("beacons must be an array"))?;
    array.iter().map(|b| parse_beacon(&b)).collect()
}

/// A non-negative integer from a JS number (exactly representable) or bigint (fits in u64).
pub fn round_arg(value: &JsValue, what: &str) -> Result<u64, JsValue> {
    if let Some(n) = value.as_f64() {
        if n.fract() != 0.0 || !(0.0..=MAX_SAFE_INTEGER).contains(&n) {
            return Err(bad_argument(&format!(
                "{what} must be a non-negative safe integer"
            )));
        }
        return Ok(n as u64);
    }
    if value.is_bigint() {
        return u64::try_from(value.clone())
            .map_err(|_| bad_argument(&format!("{what} must fit in an unsigned 64-bit integer")));
    }
    Err(bad_argument(&format!(
        "{what} must be a number or a bigint"
    )))
}

/// A u64 for JS: a number when exact, a bigint beyond 2^53.
pub fn round_out(value: u64) -> JsValue {
    if value as f64 <= MAX_SAFE_INTEGER {
        JsValue::from_f64(value as f64)
    } else {
        JsValue::from(value)
    }
}

fn set(object: &js_sys::Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(object, &JsValue::from_str(key), value);
}

/// A verified beacon as `{round, randomness, signature, previous_signature?}`.
pub fn beacon_out(v: &VerifiedBeacon) -> JsValue {
    let o = js_sys::Object::new();
    set(&o, "round", &round_out(v.round()));
    set(&o, "randomness", &JsValue::from_str(&v.randomness_hex()));
    set(
        &o,
        "signature",
        &JsValue::from_str(&hex::encode(v.signature())),
    );
    if let Some(prev) = v.previous_signature() {
        set(
            &o,
            "previous_signature",
            &JsValue::from_str(&hex::encode(prev)),
        );
    }
    o.into()
}

/// Chain info as a plain object (v2 field names) with the recomputed hash.
pub fn info_out(info: &ChainInfo) -> JsValue {
    let o = js_sys::Object::new();
    set(
        &o,
        "public_key",
        &JsValue::from_str(&hex::encode(info.public_key())),
    );
    set(&o, "period", &JsValue::from_f64(f64::from(info.period())));
    set(&o, "genesis_time", &round_out(info.genesis_time()));
    set(
        &o,
        "genesis_seed",
        &JsValue::from_str(&hex::encode(info.genesis_seed())),
    );
    set(&o, "chain_hash", &JsValue::from_str(&info.hash().to_hex()));
    set(&o, "scheme", &JsValue::from_str(info.scheme().id()));
    set(&o, "beacon_id", &JsValue::from_str(info.beacon_id()));
    o.into()
}
