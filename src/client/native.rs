//! The native environment: reqwest (rustls) for HTTP, tokio for timers, the system clock.

use core::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use super::platform::{HttpResponse, MAX_BODY_BYTES, Platform, TransportError};

/// reqwest + tokio + `SystemTime`.
#[derive(Debug, Clone)]
pub struct NativePlatform {
    http: reqwest::Client,
}

impl NativePlatform {
    /// A platform with a fresh connection pool.
    pub fn new() -> Result<NativePlatform, TransportError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("drand-lite/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TransportError::Other(e.to_string()))?;
        Ok(NativePlatform { http })
    }
}

impl Platform for NativePlatform {
    async fn get(&self, url: &str, timeout: Duration) -> Result<HttpResponse, TransportError> {
        let request = async {
            let mut resp = self.http.get(url).send().await.map_err(|e| {
                if e.is_connect() {
                    TransportError::Connect(e.to_string())
                } else {
                    TransportError::Other(e.to_string())
                }
            })?;
            let status = resp.status().as_u16();
            let mut body = Vec::new();
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| TransportError::Other(e.to_string()))?
            {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(TransportError::BodyTooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            let body = String::from_utf8(body)
                .map_err(|_| TransportError::Other("response body is not UTF-8".into()))?;
            Ok(HttpResponse { status, body })
        };
        tokio::time::timeout(timeout, request)
            .await
            .map_err(|_| TransportError::Timeout(timeout))?
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }

    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}
