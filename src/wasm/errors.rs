//! Rust errors as JS `Error`s with a stable `code` property.

use wasm_bindgen::prelude::*;

use crate::batch::BatchError;

/// What every export returns.
pub type JsResult = Result<JsValue, JsValue>;

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a property on a fresh Error or Object cannot fail.
    let _ = js_sys::Reflect::set(target, &JsValue::from_str(key), value);
}

/// An `Error` with `message` and `code`.
pub fn coded(code: &str, message: &dyn core::fmt::Display) -> JsValue {
    let error = js_sys::Error::new(&message.to_string());
    set(&error, "code", &JsValue::from_str(code));
    error.into()
}

/// A caller mistake (wrong type, non-integer round, ...).
pub fn bad_argument(message: &str) -> JsValue {
    coded("BAD_ARGUMENT", &message)
}

/// `INVALID_BEACONS` with `rounds` and per-beacon `invalid` details.
pub fn batch_error(err: &BatchError) -> JsValue {
    let error = coded("INVALID_BEACONS", err);
    let rounds = js_sys::Array::new();
    let invalid = js_sys::Array::new();
    for bad in &err.invalid {
        rounds.push(&super::convert::round_out(bad.round));
        let item = js_sys::Object::new();
        set(&item, "index", &JsValue::from_f64(bad.index as f64));
        set(&item, "round", &super::convert::round_out(bad.round));
        set(&item, "code", &JsValue::from_str(bad.error.code()));
        set(&item, "message", &JsValue::from_str(&bad.error.to_string()));
        invalid.push(&item);
    }
    set(&error, "rounds", &rounds);
    set(&error, "invalid", &invalid);
    error
}
