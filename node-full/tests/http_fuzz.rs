//! Hostile paths: whatever the path, the API answers (no panic, no hang) with a documented
//! status, and never 500 (the store is healthy) — 503 only from a long-poll that timed out.

mod http_support;

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use drand_node::http::router;
use http_support::*;
use proptest::prelude::*;

const HASH: &str = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971";

/// Path segments that reach every route and parser branch, and some that break them.
fn segment() -> impl Strategy<Value = String> {
    let words = [
        "",
        "public",
        "latest",
        "next",
        "info",
        "health",
        "chains",
        "beacons",
        "rounds",
        "v2",
        HASH,
        "quicknet",
        "default",
        "0",
        "1",
        "1003",
        "1004",
        "1005",
        "1006",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999999999",
        "-1",
        "+1",
        "1e9",
        "0x1",
        "%00",
        "%FF",
        "%C3%A9",
        "%E2%80%AE",
        "..",
        "%2e%2e",
        ".",
        "%2F",
        "~",
        "*",
        "%20",
        "é",
        "日本",
    ];
    prop_oneof![
        4 => proptest::sample::select(words.to_vec()).prop_map(str::to_owned),
        1 => "[0-9]{1,40}",
        1 => "[a-f0-9]{60,70}",
        1 => any::<Vec<u8>>().prop_map(|bytes| {
            bytes.iter().map(|b| format!("%{b:02X}")).collect::<String>()
        }),
        1 => "\\PC{0,12}",
    ]
}

fn path() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(segment(), 0..7),
        proptest::option::of("[a-z0-9=&]{0,10}"),
    )
        .prop_map(|(segments, query)| {
            let mut p = format!("/{}", segments.join("/"));
            if let Some(q) = query {
                p.push('?');
                p.push_str(&q);
            }
            p
        })
}

fn app() -> (Router, TestChain) {
    let chain = TestChain::load("mainnet-quicknet.json", 1003);
    // Round 1004 is overdue, so a long-poll waits only the (zero) grace.
    let clock = TestClock::at(chain.due_ms(1004) + 10);
    let state = api(&[&chain], &clock).with_long_poll_grace(Duration::ZERO);
    (router(state), chain)
}

async fn check(app: &Router, path: &str) -> Result<(), TestCaseError> {
    let Ok(request) = Request::get(path).body(Body::empty()) else {
        return Ok(()); // not a valid request target: hyper would refuse it before us
    };
    let a = tokio::time::timeout(Duration::from_secs(5), send(app, request))
        .await
        .map_err(|_| TestCaseError::fail(format!("{path}: no answer in 5 s")))?;
    let allowed = [
        StatusCode::OK,
        StatusCode::BAD_REQUEST,
        StatusCode::NOT_FOUND,
        StatusCode::TOO_EARLY,
        StatusCode::SERVICE_UNAVAILABLE,
    ];
    prop_assert!(allowed.contains(&a.status), "{path}: {a:?}");
    if a.status == StatusCode::SERVICE_UNAVAILABLE {
        prop_assert!(a.body.contains("not produced"), "{path}: {a:?}");
    }
    prop_assert_eq!(
        a.headers
            .get("access-control-allow-origin")
            .map(|v| v.as_bytes()),
        Some(&b"*"[..]),
        "{}",
        path
    );
    if a.status == StatusCode::OK {
        prop_assert!(serde_json::from_str::<serde_json::Value>(&a.body).is_ok());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]
    #[test]
    fn any_path_gets_a_documented_answer(paths in proptest::collection::vec(path(), 1..8)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (app, _chain) = app();
            for p in &paths {
                check(&app, p).await?;
            }
            Ok::<(), TestCaseError>(())
        })?;
    }
}

#[tokio::test]
async fn known_nasty_paths() {
    let (app, _chain) = app();
    for p in [
        "/public/18446744073709551615",
        "/public/18446744073709551614",
        "/public/18446744073709551616",
        "/public/%FF%FE",
        "/%FF/info",
        "/v2/beacons/%FF/info",
        "/v2/beacons/%00/rounds/1",
        "/v2/chains/%C3%A9/rounds/latest",
        "/public/1004",
        "/v2/beacons/quicknet/rounds/next",
        "//public//1",
        "/public/1/",
        "/public/1?round=2",
        "/info?x=%FF",
    ] {
        check(&app, p).await.unwrap();
    }
    let long = format!("/public/{}", "9".repeat(10_000));
    check(&app, &long).await.unwrap();
}
