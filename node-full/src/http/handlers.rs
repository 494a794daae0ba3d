//! The request handlers: one function per kind of answer (info, health, latest, a round, the
//! next round, lists), shared by the v1 and v2 routes that differ only in how they name the
//! chain and in the beacon JSON dialect.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{RawPathParams, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use drand_lite::round_time;

use super::response::{
    CACHE_CHAINS, CACHE_IMMUTABLE, CACHE_NONE, Version, beacon_json, cache_for, error, http_date,
    json,
};
use super::state::{ApiState, ChainHandle, Selector};
use super::timing::{Health, RoundPlan, due_ms, plan_round, secs_until_next};
use crate::store::StoredBeacon;

/// How a route names its chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// No name: the default chain.
    Default,
    /// The `{chainhash}` parameter.
    Hash,
    /// The `{id}` parameter (a beacon ID).
    BeaconId,
}

/// What a route answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Info,
    Health,
    Latest,
    Round,
    Next,
}

/// The longest round parameter accepted (`u64::MAX` has 20 digits).
const MAX_ROUND_DIGITS: usize = 20;

/// The handler behind every per-chain route.
pub(crate) async fn dispatch(
    state: ApiState,
    params: Result<RawPathParams, RawPathParamsRejection>,
    scope: Scope,
    action: Action,
    version: Version,
) -> Response {
    let params: Vec<(String, String)> = match params {
        Ok(p) => p
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        Err(RawPathParamsRejection::MissingPathParams(_)) => Vec::new(),
        Err(_) => return error(StatusCode::BAD_REQUEST, "the path is not valid UTF-8"),
    };
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let selector = match scope {
        Scope::Default => Selector::Default,
        Scope::Hash => Selector::Hash(param("chainhash")),
        Scope::BeaconId => Selector::BeaconId(param("id")),
    };
    let chain = match state.find(selector) {
        Ok(chain) => chain,
        Err(why) => return error(StatusCode::NOT_FOUND, why),
    };
    match action {
        Action::Info => info(&chain, version),
        Action::Health => health(&state, &chain),
        Action::Latest => latest(&state, &chain, version),
        Action::Round => match parse_round(param("round")) {
            Some(round) => round_answer(&state, &chain, round, version).await,
            None => error(
                StatusCode::BAD_REQUEST,
                "the round must be a decimal number from 0 to 18446744073709551615 (0 = latest)",
            ),
        },
        Action::Next => next(&state, &chain, version).await,
    }
}

fn parse_round(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > MAX_ROUND_DIGITS || !text.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    text.parse().ok()
}

fn info(chain: &ChainHandle, version: Version) -> Response {
    let body = match version {
        Version::V1 => chain.info.to_v1_json(),
        Version::V2 => chain.info.to_v2_json(),
    };
    let modified = http_date(chain.info.genesis_time()).map(|d| (header::LAST_MODIFIED, d));
    json(StatusCode::OK, body, CACHE_IMMUTABLE, modified)
}

fn store_failed(e: crate::store::StoreError) -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

fn health(state: &ApiState, chain: &ChainHandle) -> Response {
    let current = match chain.store.last() {
        Ok(b) => b.round,
        Err(e) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("cannot read the last stored round: {e}"),
            );
        }
    };
    let now = state.now_ms();
    let health = Health::at(&chain.info, current, now);
    let body = format!(
        r#"{{"current":{},"expected":{}}}"#,
        health.current, health.expected
    );
    if health.is_healthy() {
        let secs = secs_until_next(&chain.info, health.expected, now);
        json(StatusCode::OK, body, &cache_for(secs), None)
    } else {
        json(StatusCode::SERVICE_UNAVAILABLE, body, CACHE_NONE, None)
    }
}

fn latest(state: &ApiState, chain: &ChainHandle, version: Version) -> Response {
    let last = match chain.store.last() {
        Ok(b) => b,
        Err(e) => return store_failed(e),
    };
    if last.round == 0 {
        return error(StatusCode::NOT_FOUND, "no beacon has been produced yet");
    }
    latest_response(state, chain, &last, version)
}

/// The latest beacon, cacheable until the next round is due.
fn latest_response(
    state: &ApiState,
    chain: &ChainHandle,
    last: &StoredBeacon,
    version: Version,
) -> Response {
    let now = state.now_ms();
    let info = &chain.info;
    let secs = secs_until_next(info, last.round, now);
    let mut extra: Vec<(HeaderName, HeaderValue)> = Vec::new();
    if let Some(d) = round_time(info, last.round.saturating_add(1))
        .ok()
        .and_then(http_date)
    {
        extra.push((header::EXPIRES, d));
    }
    if let Some(d) = round_time(info, last.round).ok().and_then(http_date) {
        extra.push((header::LAST_MODIFIED, d));
    }
    let body = beacon_json(last, info.scheme(), version);
    json(StatusCode::OK, body, &cache_for(secs), extra)
}

/// A past beacon: immutable.
fn stored_response(chain: &ChainHandle, beacon: &StoredBeacon, version: Version) -> Response {
    let modified = round_time(&chain.info, beacon.round)
        .ok()
        .and_then(http_date)
        .map(|d| (header::LAST_MODIFIED, d));
    let body = beacon_json(beacon, chain.info.scheme(), version);
    json(StatusCode::OK, body, CACHE_IMMUTABLE, modified)
}

fn not_stored(round: u64) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!("round {round} is not stored on this node"),
    )
}

async fn round_answer(
    state: &ApiState,
    chain: &Arc<ChainHandle>,
    round: u64,
    version: Version,
) -> Response {
    let last = match chain.store.last() {
        Ok(b) => b,
        Err(e) => return store_failed(e),
    };
    let now = state.now_ms();
    let grace = millis(state.long_poll_grace);
    match plan_round(&chain.info, last.round, round, now, grace) {
        RoundPlan::Latest if last.round == 0 => {
            error(StatusCode::NOT_FOUND, "no beacon has been produced yet")
        }
        RoundPlan::Latest => latest_response(state, chain, &last, version),
        RoundPlan::Lookup if round == last.round => stored_response(chain, &last, version),
        RoundPlan::Lookup => match chain.store.get(round) {
            Ok(Some(beacon)) => stored_response(chain, &beacon, version),
            Ok(None) => not_stored(round),
            Err(e) => store_failed(e),
        },
        RoundPlan::Wait { limit_ms } => match wait_for(state, chain, round, limit_ms).await {
            Ok(beacon) => stored_response(chain, &beacon, version),
            Err(response) => response,
        },
        RoundPlan::Behind => error(
            StatusCode::NOT_FOUND,
            format!(
                "round {round} is due but not stored: this node is behind (last stored round {})",
                last.round
            ),
        ),
        RoundPlan::TooEarly => too_early(chain, round),
    }
}

fn too_early(chain: &ChainHandle, round: u64) -> Response {
    let due = due_ms(&chain.info, round) / 1000;
    error(
        StatusCode::TOO_EARLY,
        format!("round {round} is in the future (due at Unix time {due})"),
    )
}

async fn next(state: &ApiState, chain: &Arc<ChainHandle>, version: Version) -> Response {
    let last = match chain.store.last() {
        Ok(b) => b,
        Err(e) => return store_failed(e),
    };
    let round = last.round.saturating_add(1);
    let grace = millis(state.long_poll_grace);
    match plan_round(&chain.info, last.round, round, state.now_ms(), grace) {
        RoundPlan::Wait { limit_ms } => match wait_for(state, chain, round, limit_ms).await {
            Ok(beacon) => {
                let body = beacon_json(&beacon, chain.info.scheme(), version);
                json(StatusCode::OK, body, CACHE_NONE, None)
            }
            Err(response) => response,
        },
        RoundPlan::TooEarly | RoundPlan::Behind => too_early(chain, round),
        // Only when the last stored round is u64::MAX: there is no next round.
        RoundPlan::Latest | RoundPlan::Lookup => too_early(chain, round),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn unavailable(message: String) -> Response {
    let mut response = error(StatusCode::SERVICE_UNAVAILABLE, message);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// Long-polls for `round`: holds one watch receiver and one timer (and a permit that caps how
/// many wait at once), all released when the wait ends or the client goes away.
async fn wait_for(
    state: &ApiState,
    chain: &ChainHandle,
    round: u64,
    limit_ms: u64,
) -> Result<StoredBeacon, Response> {
    let Ok(_permit) = state.long_polls.clone().try_acquire_owned() else {
        return Err(unavailable(
            "too many requests are waiting for the next round; retry shortly".into(),
        ));
    };
    let mut latest = chain.latest.clone();
    let limit = Duration::from_millis(limit_ms);
    let waited = tokio::time::timeout(limit, async {
        latest.wait_for(|&stored| stored >= round).await.map(|_| ())
    })
    .await;
    match waited {
        Ok(Ok(())) => match chain.store.get(round) {
            Ok(Some(beacon)) => Ok(beacon),
            Ok(None) => Err(not_stored(round)),
            Err(e) => Err(store_failed(e)),
        },
        Ok(Err(_)) => Err(unavailable("this chain is shutting down".into())),
        Err(_) => Err(unavailable(format!(
            "round {round} was not produced within {limit_ms} ms; the chain may be stalled"
        ))),
    }
}

/// `/chains` and `/v2/chains`: the served chain hashes.
pub(crate) async fn chains(State(state): State<ApiState>) -> Response {
    let hashes: Vec<String> = state
        .chain_list()
        .iter()
        .map(|c| c.info.hash().to_hex())
        .collect();
    list(hashes)
}

/// `/v2/beacons`: the served beacon IDs.
pub(crate) async fn beacons(State(state): State<ApiState>) -> Response {
    let ids: Vec<String> = state
        .chain_list()
        .iter()
        .map(|c| c.beacon_id().to_owned())
        .collect();
    list(ids)
}

fn list(items: Vec<String>) -> Response {
    match serde_json::to_string(&items) {
        Ok(body) => json(StatusCode::OK, body, CACHE_CHAINS, None),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// Any other path.
pub(crate) async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "no such route. Routes: /chains, /info, /health, /public/latest, /public/{round}, \
         /{chainhash}/info|health|public/latest|public/{round}, /v2/chains, \
         /v2/chains/{chainhash}/info|health|rounds/latest|rounds/next|rounds/{round}, \
         /v2/beacons, /v2/beacons/{id}/info|health|rounds/latest|rounds/next|rounds/{round}",
    )
}
