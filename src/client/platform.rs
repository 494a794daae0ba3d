//! What the light client needs from its environment, behind one trait: an HTTP GET with a
//! timeout, a sleep, and a clock. Natively that is reqwest + tokio; in WebAssembly it is the
//! runtime's `fetch`, `setTimeout` and `Date.now`; in tests it is a scripted fake with virtual
//! time, so failover logic is tested without sockets or waiting.

use core::future::Future;
use core::time::Duration;

/// An HTTP response as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The body (capped by the platform at [`MAX_BODY_BYTES`]).
    pub body: String,
}

/// Largest response body read; drand responses are under 1 KiB.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Why an HTTP request produced no response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No answer within the timeout.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The connection could not be made or broke.
    #[error("connection failed: {0}")]
    Connect(String),
    /// The response body was larger than the cap.
    #[error("response body larger than {MAX_BODY_BYTES} bytes")]
    BodyTooLarge,
    /// Anything else the platform reported.
    #[error("{0}")]
    Other(String),
}

/// The environment of a light client.
pub trait Platform {
    /// GETs `url`, giving up after `timeout`.
    fn get(
        &self,
        url: &str,
        timeout: Duration,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>>;
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()>;
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}
