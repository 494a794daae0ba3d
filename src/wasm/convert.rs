//! JS values in and out: chain info and beacons as objects or JSON text, rounds as integral
//! numbers or bigints.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::errors::{JsResult, bad_argument, coded};
use crate::beacon::Beacon;
use crate::chain::{ChainHash, ChainInfo};

/// Largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// JSON text of a JS value: strings are taken as JSON already, objects are stringified.
pub fn json_text(value: &JsValue, what: &str) -> Result<String, JsValue> {
    if let Some(text) = value.as_string() {
        return Ok(text);
    }
    if value.is_object() {
        return js_sys::JSON::stringify(value)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| bad_argument(&format!("{what} cannot be serialized to JSON")));
    }
    Err(bad_argument(&format!(
        "{what} must be an object or a JSON string"
    )))
}

/// How many parsed chains are remembered between calls.
const CHAIN_CACHE: usize = 4;

thread_local! {
    /// Recently parsed chain info by its exact JSON text. Parsing validates the public key
    /// (decompression, subgroup check) and precomputes its pairing lines: a large part of one
    /// verification in wasm, and the same for every beacon of a chain. A `ChainInfo` is
    /// immutable, so reusing one for identical text is exactly equivalent to parsing again.
    static CHAINS: RefCell<VecDeque<(String, Rc<ChainInfo>)>> = const { RefCell::new(VecDeque::new()) };
}

fn parse_chain(text: String) -> Result<Rc<ChainInfo>, JsValue> {
    if let Some(hit) =
        CHAINS.with_borrow(|c| c.iter().find(|(t, _)| *t == text).map(|(_, i)| i.clone()))
    {
        return Ok(hit);
    }
    let info = Rc::new(ChainInfo::from_json(&text).map_err(|e| coded(e.code(), &e))?);
    CHAINS.with_borrow_mut(|c| {
        if c.len() == CHAIN_CACHE {
            c.pop_front();
        }
        c.push_back((text, info.clone()));
    });
    Ok(info)
}

/// Parses chain info (or reuses an identical recent one) and checks the optional pin.
pub fn load_chain(info: &JsValue, chain_hash: Option<&str>) -> Result<Rc<ChainInfo>, JsValue> {
    let text = json_text(info, "chain info")?;
    let info = parse_chain(text)?;
    if let Some(pin) = chain_hash {
        let pin = ChainHash::parse(pin).map_err(|e| bad_argument(&format!("chainHash: {e}")))?;
        info.check_pin(&pin).map_err(|e| coded(e.code(), &e))?;
    }
    Ok(info)
}

/// Parses one beacon (object or JSON).
pub fn parse_beacon(beacon: &JsValue) -> Result<Beacon, JsValue> {
    let text = json_text(beacon, "beacon")?;
    Beacon::from_json(&text).map_err(|e| coded(e.code(), &e))
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

/// Parses JSON produced by this crate into a JS value.
pub fn js_json(text: &str) -> JsResult {
    js_sys::JSON::parse(text)
}

/// Chain info as a plain object (v2 field names) with the recomputed hash.
pub fn info_out(info: &ChainInfo) -> JsResult {
    js_json(&info.to_v2_json())
}
