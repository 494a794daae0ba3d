//! `WasmClient` and `WasmWatch`: the light client for JS, returning promises.

use core::time::Duration;
use std::cell::RefCell;
use std::rc::Rc;

use futures_util::future::{AbortHandle, Abortable, Aborted};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::{info_out, load_chain, round_arg, round_out};
use super::errors::{JsResult, bad_argument, coded};
use super::platform::WasmPlatform;
use crate::chain::{ChainHash, ChainInfo};
use crate::client::{ApiVersion, Client, ClientError, ClientOptions, Preset, RelayEvent, Watch};
use crate::verify::VerifiedBeacon;

type Inner = Rc<Client<WasmPlatform>>;

fn client_error(e: &ClientError) -> JsValue {
    coded(e.code(), e)
}

fn beacon_out(v: &VerifiedBeacon) -> JsResult {
    Ok(super::convert::beacon_out(v))
}

fn get_key(object: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(object, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn number_option(object: &JsValue, key: &str) -> Result<Option<u64>, JsValue> {
    get_key(object, key).map(|v| round_arg(&v, key)).transpose()
}

/// `{timeoutMs, attempts, backoffMs, cacheSize, api: "v1"|"v2", concurrency}`.
fn options(value: &JsValue) -> Result<ClientOptions, JsValue> {
    let mut o = ClientOptions::default();
    if value.is_undefined() || value.is_null() {
        return Ok(o);
    }
    if !value.is_object() {
        return Err(bad_argument("options must be an object"));
    }
    if let Some(ms) = number_option(value, "timeoutMs")? {
        o.timeout = Duration::from_millis(ms);
    }
    if let Some(n) = number_option(value, "attempts")? {
        o.attempts = u32::try_from(n).map_err(|_| bad_argument("attempts is too large"))?;
    }
    if let Some(ms) = number_option(value, "backoffMs")? {
        o.backoff = Duration::from_millis(ms);
    }
    if let Some(n) = number_option(value, "cacheSize")? {
        o.cache_size = usize::try_from(n).map_err(|_| bad_argument("cacheSize is too large"))?;
    }
    if let Some(n) = number_option(value, "concurrency")? {
        o.concurrency = usize::try_from(n).map_err(|_| bad_argument("concurrency is too large"))?;
    }
    if let Some(api) = get_key(value, "api") {
        o.api = match api.as_string().as_deref() {
            Some("v1") => ApiVersion::V1,
            Some("v2") => ApiVersion::V2,
            _ => return Err(bad_argument("api must be \"v1\" or \"v2\"")),
        };
    }
    Ok(o)
}

fn url_list(value: &JsValue) -> Result<Vec<String>, JsValue> {
    let array = value
        .dyn_ref::<js_sys::Array>()
        .ok_or_else(|| bad_argument("urls must be an array of strings"))?;
    array
        .iter()
        .map(|u| {
            u.as_string()
                .ok_or_else(|| bad_argument("urls must be strings"))
        })
        .collect()
}

fn parse_pin(chain_hash: &str) -> Result<ChainHash, JsValue> {
    ChainHash::parse(chain_hash).map_err(|e| bad_argument(&format!("chainHash: {e}")))
}

/// A verifying light client over HTTP relays.
#[wasm_bindgen]
pub struct WasmClient {
    inner: Inner,
}

#[wasm_bindgen]
impl WasmClient {
    /// Fetches `/info` from the relays and pins it to `chainHash`.
    pub async fn connect(
        urls: JsValue,
        chain_hash: String,
        options_value: JsValue,
    ) -> Result<WasmClient, JsValue> {
        let urls = url_list(&urls)?;
        let pin = parse_pin(&chain_hash)?;
        let client = Client::connect(WasmPlatform, &urls, pin, options(&options_value)?)
            .await
            .map_err(|e| client_error(&e))?;
        Ok(WasmClient {
            inner: Rc::new(client),
        })
    }

    /// A client for chain info the caller holds, which must hash to `chainHash`.
    #[wasm_bindgen(js_name = withInfo)]
    pub fn with_info(
        urls: JsValue,
        info: JsValue,
        chain_hash: String,
        options_value: JsValue,
    ) -> Result<WasmClient, JsValue> {
        let urls = url_list(&urls)?;
        let info = load_chain(&info, Some(chain_hash.as_str()))?;
        let client = Client::with_info(
            WasmPlatform,
            &urls,
            ChainInfo::clone(&info),
            options(&options_value)?,
        )
        .map_err(|e| client_error(&e))?;
        Ok(WasmClient {
            inner: Rc::new(client),
        })
    }

    /// A client for a known chain (`quicknet`, `default`, `quicknet-t`, ...), optionally with
    /// other relay URLs.
    pub fn preset(
        name: &str,
        urls: JsValue,
        options_value: JsValue,
    ) -> Result<WasmClient, JsValue> {
        let preset = Preset::from_name(name)
            .ok_or_else(|| bad_argument(&format!("unknown preset {name:?}")))?;
        let urls = if urls.is_undefined() || urls.is_null() {
            preset.urls().iter().map(|u| u.to_string()).collect()
        } else {
            url_list(&urls)?
        };
        let info = preset.info().map_err(|e| coded(e.code(), &e))?;
        let client = Client::with_info(WasmPlatform, &urls, info, options(&options_value)?)
            .map_err(|e| client_error(&e))?;
        Ok(WasmClient {
            inner: Rc::new(client),
        })
    }

    /// The pinned chain info (v2 field names).
    pub fn info(&self) -> JsResult {
        Ok(info_out(self.inner.info()))
    }

    /// The round that should be the latest by the local clock.
    #[wasm_bindgen(js_name = currentRound)]
    pub fn current_round(&self) -> JsResult {
        let round = self.inner.current_round().map_err(|e| client_error(&e))?;
        Ok(round_out(round))
    }

    /// The verified beacon of `round`.
    pub fn get(&self, round: JsValue) -> Result<js_sys::Promise, JsValue> {
        let round = round_arg(&round, "round")?;
        let inner = self.inner.clone();
        Ok(future_to_promise(async move {
            let v = inner.get(round).await.map_err(|e| client_error(&e))?;
            beacon_out(&v)
        }))
    }

    /// The latest beacon by the clock.
    pub fn latest(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let v = inner.latest().await.map_err(|e| client_error(&e))?;
            beacon_out(&v)
        })
    }

    /// The beacon that was the latest at `unixMs`.
    #[wasm_bindgen(js_name = getByTime)]
    pub fn get_by_time(&self, unix_ms: JsValue) -> Result<js_sys::Promise, JsValue> {
        let ms = round_arg(&unix_ms, "unixMs")?;
        let inner = self.inner.clone();
        Ok(future_to_promise(async move {
            let v = inner
                .get_by_time(ms / 1000)
                .await
                .map_err(|e| client_error(&e))?;
            beacon_out(&v)
        }))
    }

    /// Every beacon of `from..=to`, batch-verified, in order.
    pub fn range(&self, from: JsValue, to: JsValue) -> Result<js_sys::Promise, JsValue> {
        let from = round_arg(&from, "from")?;
        let to = round_arg(&to, "to")?;
        let inner = self.inner.clone();
        Ok(future_to_promise(async move {
            let all = inner.range(from, to).await.map_err(|e| client_error(&e))?;
            let array = js_sys::Array::new();
            for v in &all {
                array.push(&beacon_out(v)?);
            }
            Ok(array.into())
        }))
    }

    /// Relay events since the last call: `[{kind, relay, round?, reason}]`.
    #[wasm_bindgen(js_name = takeEvents)]
    pub fn take_events(&self) -> JsResult {
        let array = js_sys::Array::new();
        for event in self.inner.take_events() {
            let object = js_sys::Object::new();
            let (kind, relay, round, reason) = match event {
                RelayEvent::Failed { relay, reason } => ("failed", relay, None, reason),
                RelayEvent::Invalid {
                    relay,
                    round,
                    reason,
                } => ("invalid", relay, Some(round), reason),
            };
            let set =
                |k: &str, v: JsValue| js_sys::Reflect::set(&object, &JsValue::from_str(k), &v);
            set("kind", JsValue::from_str(kind))?;
            set("relay", JsValue::from_str(&relay))?;
            if let Some(round) = round {
                set("round", round_out(round))?;
            }
            set("reason", JsValue::from_str(&reason))?;
            array.push(&object);
        }
        Ok(array.into())
    }

    /// A stream of every round from the latest on, each once and in order.
    pub fn watch(&self) -> WasmWatch {
        WasmWatch {
            inner: Rc::new(RefCell::new(Some(Watch::new(self.inner.clone())))),
            pending: RefCell::new(None),
            cancelled: Rc::new(core::cell::Cell::new(false)),
        }
    }
}

/// The state of a watch; `None` while a `next()` is pending.
type WatchSlot = Rc<RefCell<Option<Watch<WasmPlatform, Inner>>>>;

/// An in-order stream of verified beacons; call `next()` again only after it settles, and
/// `cancel()` (or `free()`) to stop it: a pending `next()` then rejects with `ABORTED` and no
/// timer or request of it stays alive.
#[wasm_bindgen]
pub struct WasmWatch {
    inner: WatchSlot,
    pending: RefCell<Option<AbortHandle>>,
    cancelled: Rc<core::cell::Cell<bool>>,
}

fn aborted() -> JsValue {
    coded("ABORTED", &"the watch was cancelled")
}

#[wasm_bindgen]
impl WasmWatch {
    /// The next beacon.
    pub fn next(&self) -> js_sys::Promise {
        let slot = self.inner.clone();
        let cancelled = self.cancelled.clone();
        let (handle, registration) = AbortHandle::new_pair();
        *self.pending.borrow_mut() = Some(handle);
        future_to_promise(async move {
            if cancelled.get() {
                return Err(aborted());
            }
            let taken = slot.borrow_mut().take();
            let mut watch = taken
                .ok_or_else(|| bad_argument("watch.next() called while another is pending"))?;
            let result = Abortable::new(watch.next(), registration).await;
            *slot.borrow_mut() = Some(watch);
            match result {
                Ok(beacon) => beacon_out(&beacon.map_err(|e| client_error(&e))?),
                Err(Aborted) => Err(aborted()),
            }
        })
    }

    /// Stops the watch: a pending `next()` rejects with `ABORTED`, and so does every later one.
    pub fn cancel(&self) {
        self.cancelled.set(true);
        if let Some(handle) = self.pending.borrow_mut().take() {
            handle.abort();
        }
    }
}

impl Drop for WasmWatch {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// The known chains: `[{name, chainHash, urls, info}]`.
#[wasm_bindgen]
pub fn presets() -> JsResult {
    let array = js_sys::Array::new();
    for p in Preset::ALL {
        let object = js_sys::Object::new();
        let set = |k: &str, v: JsValue| js_sys::Reflect::set(&object, &JsValue::from_str(k), &v);
        set("name", JsValue::from_str(p.name()))?;
        set("chainHash", JsValue::from_str(p.chain_hash()))?;
        let urls = js_sys::Array::new();
        for u in p.urls() {
            urls.push(&JsValue::from_str(u));
        }
        set("urls", urls.into())?;
        set("info", js_sys::JSON::parse(p.info_json())?)?;
        array.push(&object);
    }
    Ok(array.into())
}
