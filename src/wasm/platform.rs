//! The light client's environment in any JS runtime (browsers, workers, Node, Deno, workerd):
//! the global `fetch` with an `AbortController` timeout, `setTimeout`, and `Date.now`.

use core::time::Duration;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::client::platform::{HttpResponse, MAX_BODY_BYTES, Platform, TransportError};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &web_sys::RequestInit) -> js_sys::Promise;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// `fetch` + `setTimeout` + `Date.now`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WasmPlatform;

fn describe(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "fetch failed".into())
}

/// Clears a pending timer and aborts its request when dropped, so a request or sleep whose
/// future is dropped (a cancelled watch) leaves nothing behind in the JS event loop.
struct Pending {
    timer: JsValue,
    controller: Option<web_sys::AbortController>,
    _callback: Option<Closure<dyn FnMut()>>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
        if let Some(controller) = &self.controller {
            controller.abort();
        }
    }
}

impl Platform for WasmPlatform {
    async fn get(&self, url: &str, timeout: Duration) -> Result<HttpResponse, TransportError> {
        let controller =
            web_sys::AbortController::new().map_err(|e| TransportError::Other(describe(&e)))?;
        let init = web_sys::RequestInit::new();
        init.set_method("GET");
        init.set_signal(Some(&controller.signal()));
        let aborter = controller.clone();
        let on_timeout = Closure::once(move || aborter.abort());
        let timer = set_timeout(
            on_timeout.as_ref().unchecked_ref(),
            timeout.as_millis() as f64,
        );
        let signal = controller.signal();
        let guard = Pending {
            timer,
            controller: Some(controller),
            _callback: Some(on_timeout),
        };
        let outcome = async {
            let response: web_sys::Response =
                JsFuture::from(global_fetch(url, &init)).await?.dyn_into()?;
            let status = response.status();
            let body = JsFuture::from(response.text()?).await?;
            Ok::<_, JsValue>((status, body.as_string().unwrap_or_default()))
        }
        .await;
        let timed_out = signal.aborted();
        drop(guard);
        match outcome {
            Ok((_, body)) if body.len() > MAX_BODY_BYTES => Err(TransportError::BodyTooLarge),
            Ok((status, body)) => Ok(HttpResponse { status, body }),
            Err(_) if timed_out => Err(TransportError::Timeout(timeout)),
            Err(e) => Err(TransportError::Connect(describe(&e))),
        }
    }

    async fn sleep(&self, duration: Duration) {
        let ms = duration.as_millis() as f64;
        let mut timer = JsValue::UNDEFINED;
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            timer = set_timeout(&resolve, ms);
        });
        let _guard = Pending {
            timer,
            controller: None,
            _callback: None,
        };
        // A timer promise never rejects.
        let _ = JsFuture::from(promise).await;
    }

    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
}
