//! Response bodies and headers: the v1/v2 beacon JSON, and the exact `Cache-Control` strings.

use std::time::{Duration, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use drand_lite::{Beacon, Scheme};
use sha2::{Digest, Sha256};

use crate::store::StoredBeacon;

/// Past rounds and chain info never change.
pub const CACHE_IMMUTABLE: &str = "public, max-age=604800, immutable";
/// Answers that may change at any moment (errors, long-polls, rounds not yet produced).
pub const CACHE_NONE: &str = "must-revalidate, no-cache, max-age=0";
/// The chain list changes only when a beacon ID is added.
pub const CACHE_CHAINS: &str = "public, max-age=300";

/// `Cache-Control` for an answer that stays true for `secs` more seconds (the latest round,
/// health): well-formed, unlike drand's `max-age:N, public`.
pub fn cache_for(secs: u64) -> String {
    format!("public, must-revalidate, max-age={secs}")
}

/// Which JSON dialect a route speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// drand's v1: beacons carry `randomness`.
    V1,
    /// The relay's v2: beacons carry no `randomness` (it is `sha256(signature)`).
    V2,
}

/// A stored beacon as v1 JSON `{"round","randomness","signature","previous_signature"?}` or
/// v2 JSON `{"round","signature","previous_signature"?}`; the previous signature only for
/// chained schemes. Randomness is recomputed as `sha256(signature)`.
pub fn beacon_json(beacon: &StoredBeacon, scheme: Scheme, version: Version) -> String {
    let randomness = match version {
        Version::V1 => Some(Sha256::digest(&beacon.signature).into()),
        Version::V2 => None,
    };
    let previous_signature = if scheme.is_chained() {
        beacon.previous_signature.clone()
    } else {
        None
    };
    Beacon {
        round: beacon.round,
        signature: beacon.signature.clone(),
        previous_signature,
        randomness,
    }
    .to_json()
}

/// An HTTP date (`Expires`, `Last-Modified`) for Unix seconds; `None` if out of range.
pub fn http_date(unix_secs: u64) -> Option<HeaderValue> {
    let time = UNIX_EPOCH.checked_add(Duration::from_secs(unix_secs))?;
    // httpdate only formats years up to 9999.
    if unix_secs >= 253_402_300_800 {
        return None;
    }
    HeaderValue::from_str(&httpdate::fmt_http_date(time)).ok()
}

/// A JSON response with a `Cache-Control` value and any extra headers.
pub fn json(
    status: StatusCode,
    body: String,
    cache: &str,
    extra: impl IntoIterator<Item = (HeaderName, HeaderValue)>,
) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    insert_cache(&mut headers, cache);
    headers.extend(extra.into_iter().map(|(k, v)| (Some(k), v)));
    (status, headers, body).into_response()
}

/// A plain-text error that says what was wrong; never cached.
pub fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    insert_cache(&mut headers, CACHE_NONE);
    let mut body: String = message.into();
    body.push('\n');
    (status, headers, body).into_response()
}

fn insert_cache(headers: &mut HeaderMap, cache: &str) {
    if let Ok(value) = HeaderValue::from_str(cache) {
        headers.insert(header::CACHE_CONTROL, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_are_imf_fixdate() {
        assert_eq!(http_date(0).unwrap(), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            http_date(1_692_803_367).unwrap(),
            "Wed, 23 Aug 2023 15:09:27 GMT"
        );
        assert!(http_date(u64::MAX).is_none());
        assert!(http_date(253_402_300_800).is_none());
        assert!(http_date(253_402_300_799).is_some());
    }

    #[test]
    fn cache_strings_are_well_formed() {
        assert_eq!(cache_for(3), "public, must-revalidate, max-age=3");
        assert_eq!(cache_for(0), "public, must-revalidate, max-age=0");
    }
}
