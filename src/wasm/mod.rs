//! The WebAssembly facade: wasm-bindgen exports over [`crate::verify`] and [`crate::client`],
//! with JS values in and out and errors as `Error` objects carrying a stable `code`. Nothing
//! else lives here; the npm package's hand-written JS wraps these raw exports.

#[cfg(feature = "wasm-client")]
mod client;
mod convert;
mod errors;
#[cfg(feature = "wasm-client")]
mod platform;

use wasm_bindgen::prelude::*;

use crate::batch::verify_batch;
use crate::time::{round_at, round_time};
use convert::{beacon_list, beacon_out, load_chain, parse_beacon, round_arg, round_out};
use errors::{JsResult, bad_argument, batch_error, coded};

/// Verifies one beacon against chain info (object or JSON, v1 or v2), optionally pinned to a
/// chain hash. Returns `{round, randomness, signature, previous_signature?}`.
#[wasm_bindgen(js_name = verifyBeacon)]
pub fn verify_beacon(info: JsValue, beacon: JsValue, chain_hash: Option<String>) -> JsResult {
    let info = load_chain(&info, chain_hash.as_deref())?;
    let beacon = parse_beacon(&beacon)?;
    let verified = crate::verify(&info, &beacon).map_err(|e| coded(e.code(), &e))?;
    Ok(beacon_out(&verified))
}

/// Verifies many beacons of one chain in one batch. Throws `INVALID_BEACONS` listing the bad
/// rounds (`err.rounds`) and each failure (`err.invalid`).
#[wasm_bindgen(js_name = verifyBeacons)]
pub fn verify_beacons(info: JsValue, beacons: JsValue, chain_hash: Option<String>) -> JsResult {
    let info = load_chain(&info, chain_hash.as_deref())?;
    let beacons = beacon_list(&beacons)?;
    match verify_batch(&info, &beacons) {
        Ok(all) => {
            let array = js_sys::Array::new();
            for v in &all {
                array.push(&beacon_out(v));
            }
            Ok(array.into())
        }
        Err(err) => Err(batch_error(&err)),
    }
}

/// The round that should be the latest at `unixMs` (round 1 is at genesis).
#[wasm_bindgen(js_name = roundAt)]
pub fn round_at_ms(info: JsValue, unix_ms: JsValue) -> JsResult {
    let info = load_chain(&info, None)?;
    let ms = round_arg(&unix_ms, "unixMs")?;
    let round = round_at(&info, ms / 1000).map_err(|e| coded(e.code(), &e))?;
    Ok(round_out(round))
}

/// The Unix time in milliseconds at which `round` is due.
#[wasm_bindgen(js_name = roundTime)]
pub fn round_time_ms(info: JsValue, round: JsValue) -> JsResult {
    let info = load_chain(&info, None)?;
    let round = round_arg(&round, "round")?;
    let secs = round_time(&info, round).map_err(|e| coded(e.code(), &e))?;
    let ms = secs
        .checked_mul(1000)
        .ok_or_else(|| bad_argument("round time does not fit in milliseconds"))?;
    Ok(round_out(ms))
}

/// Parses and checks chain info; returns its fields with the recomputed `chain_hash`.
#[wasm_bindgen(js_name = chainInfo)]
pub fn chain_info(info: JsValue, chain_hash: Option<String>) -> JsResult {
    let info = load_chain(&info, chain_hash.as_deref())?;
    Ok(convert::info_out(&info))
}
