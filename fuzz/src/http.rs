//! The node's HTTP API over two real chains (mainnet `default`, chained, and `quicknet`,
//! unchained), each with its genuine rounds 1–3 in the node's in-memory store, a fixed clock and
//! no long-poll grace, so that every request is answered at once.
//!
//! The clock stands 10 ms after quicknet's round 4 was due: quicknet is one round behind (its
//! next round is overdue, so a long-poll for it ends immediately with 503) and mainnet
//! `default` is far behind (its health is 503 and its next round overdue too).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use drand_lite::{Beacon, ChainInfo, round_time};
use drand_node::http::{ApiState, ChainHandle, router};
use drand_node::store::{BeaconStore, MemStore, StoredBeacon};
use tokio::runtime::Runtime;
use tokio::sync::watch;
use tower::ServiceExt;

use crate::fixtures::{Fixture, MAINNET_DEFAULT, MAINNET_QUICKNET};

/// The largest answer body the API may give (the longest is the route list of a 404).
pub const MAX_BODY: usize = 64 << 10;
/// How long one request may take before it counts as a hang.
pub const MAX_WAIT: Duration = Duration::from_secs(5);

/// The API under test and the runtime that drives it.
pub struct Api {
    /// The router (cloned for each request).
    pub router: Router,
    /// A current-thread runtime with timers.
    pub runtime: Runtime,
    /// Keeps the chains' "latest round" channels open (a closed one ends long-polls early).
    _senders: Vec<watch::Sender<u64>>,
}

fn chain(fixture: &Fixture) -> (ChainHandle, watch::Sender<u64>) {
    let info = ChainInfo::pinned(fixture.chain_json, fixture.chain_hash).expect("fixture chain");
    let store = MemStore::new(info.scheme().is_chained(), info.genesis_seed());
    for json in fixture.beacons {
        let b = Beacon::from_json(json).expect("fixture beacon");
        let stored = StoredBeacon {
            round: b.round,
            signature: b.signature,
            previous_signature: b.previous_signature,
        };
        store.put(&stored).expect("fixture rounds are consecutive");
    }
    let last = store.last().expect("last").round;
    let (tx, rx) = watch::channel(last);
    let handle = ChainHandle {
        info,
        store: Arc::new(store),
        latest: rx,
    };
    (handle, tx)
}

/// Unix milliseconds of the fixed clock.
pub fn now_ms() -> u64 {
    let info = ChainInfo::pinned(MAINNET_QUICKNET.chain_json, MAINNET_QUICKNET.chain_hash)
        .expect("fixture chain");
    round_time(&info, 4).expect("round time") * 1000 + 10
}

/// The API, built once.
pub fn api() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| {
        let now = now_ms();
        let state = ApiState::new(Arc::new(move || now))
            .with_long_poll_grace(Duration::ZERO)
            .with_max_long_polls(4);
        let mut senders = Vec::new();
        for fixture in [&MAINNET_DEFAULT, &MAINNET_QUICKNET] {
            let (handle, tx) = chain(fixture);
            state.add_chain(handle).expect("distinct chains");
            senders.push(tx);
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        Api {
            router: router(state),
            runtime,
            _senders: senders,
        }
    })
}

/// A request read from fuzz input: `METHOD TARGET` on the first line, then `name: value`
/// header lines, then (after an empty line) the body. `None` when the text is no valid request
/// (hyper would refuse it before the router sees it).
pub fn parse_request(data: &[u8]) -> Option<Request<Body>> {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &[][..]),
    };
    let mut lines = head.split(|&b| b == b'\n');
    let first = lines.next().unwrap_or_default();
    let (method, target) = match first.iter().position(|&b| b == b' ') {
        Some(i) => (&first[..i], &first[i + 1..]),
        None => (&b"GET"[..], first),
    };
    let mut builder = Request::builder()
        .method(Method::from_bytes(method).ok()?)
        .uri(target);
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = header::HeaderName::from_bytes(&line[..colon]).ok()?;
        let value = line[colon + 1..].trim_ascii_start();
        let value = header::HeaderValue::from_bytes(value).ok()?;
        builder = builder.header(name, value);
    }
    builder.body(Body::from(body.to_vec())).ok()
}

/// What the API answered.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// `Access-Control-Allow-Origin`, if sent.
    pub allow_origin: Option<Vec<u8>>,
    /// The body.
    pub body: Vec<u8>,
}

/// Sends `request` through the router and reads the whole answer; panics on a hang.
pub fn send(request: Request<Body>) -> Answer {
    let api = api();
    let what = format!("{} {}", request.method(), request.uri());
    api.runtime.block_on(async {
        let answer = tokio::time::timeout(MAX_WAIT, async {
            let response = api
                .router
                .clone()
                .oneshot(request)
                .await
                .expect("the router is infallible");
            let status = response.status();
            let allow_origin = response
                .headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .map(|v| v.as_bytes().to_vec());
            let body = axum::body::to_bytes(response.into_body(), MAX_BODY)
                .await
                .unwrap_or_else(|e| panic!("{what}: body over {MAX_BODY} bytes or broken: {e}"));
            Answer {
                status,
                allow_origin,
                body: body.to_vec(),
            }
        })
        .await;
        answer.unwrap_or_else(|_| panic!("{what}: no answer within {MAX_WAIT:?}"))
    })
}

/// Checks an answer against the documented ones: 200 (JSON for GET), 400, 404, 405, 425, and
/// 503 only from a health check or a long-poll (`not produced`, or too many waiting); never
/// 500 (the store is healthy); always `Access-Control-Allow-Origin: *`.
pub fn check_answer(method: &Method, path: &str, answer: &Answer) {
    let status = answer.status;
    let body = String::from_utf8_lossy(&answer.body);
    let context = || format!("{method} {path} -> {status}: {body}");
    match status {
        StatusCode::OK => {
            if method == Method::GET {
                assert!(
                    serde_json_valid(&answer.body),
                    "200 with a body that is not JSON: {}",
                    context()
                );
            }
        }
        StatusCode::BAD_REQUEST
        | StatusCode::NOT_FOUND
        | StatusCode::METHOD_NOT_ALLOWED
        | StatusCode::TOO_EARLY => {}
        StatusCode::SERVICE_UNAVAILABLE => assert!(
            body.starts_with("{\"current\":")
                || body.contains("not produced")
                || body.contains("too many requests are waiting")
                || (method == Method::HEAD && body.is_empty()),
            "undocumented 503: {}",
            context()
        ),
        _ => panic!("undocumented status: {}", context()),
    }
    assert_eq!(
        answer.allow_origin.as_deref(),
        Some(&b"*"[..]),
        "no CORS header: {}",
        context()
    );
}

fn serde_json_valid(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes).is_ok()
}
