//! The public HTTP API route by route: exact JSON against the real drand vectors, status
//! codes, `Cache-Control` strings, CORS and chain selection.

mod http_support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use drand_node::http::{ApiError, ApiState, router};
use http_support::*;
use serde_json::{Value, json};

const IMMUTABLE: &str = "public, max-age=604800, immutable";
const NO_CACHE: &str = "must-revalidate, no-cache, max-age=0";

/// Quicknet up to round 1004, the clock 1.5 s into round 1004 (1005 is due in 1.5 s).
fn quicknet() -> (TestChain, TestClock) {
    let chain = TestChain::load("mainnet-quicknet.json", 1004);
    let clock = TestClock::at(chain.due_ms(1004) + 1500);
    (chain, clock)
}

fn assert_common(a: &Answer) {
    assert_eq!(a.header("access-control-allow-origin"), "*", "{a:?}");
}

fn assert_json(a: &Answer) {
    assert_common(a);
    assert_eq!(a.header("content-type"), "application/json", "{a:?}");
}

fn assert_error(a: &Answer, status: StatusCode) {
    assert_eq!(a.status, status, "{a:?}");
    assert_common(a);
    assert_eq!(a.cache(), NO_CACHE, "{a:?}");
    assert!(a.header("content-type").starts_with("text/plain"), "{a:?}");
    assert!(!a.body.trim().is_empty());
}

#[tokio::test]
async fn every_vector_beacon_and_info_is_served_exactly() {
    for file in [
        "mainnet-default.json",
        "mainnet-quicknet.json",
        "mainnet-fastnet.json",
        "mainnet-evmnet.json",
        "testnet-default.json",
        "testnet-g.json",
        "testnet-quicknet-t.json",
        "testnet-unchained-3s.json",
        "bn254-devnet-kevincharm.json",
    ] {
        let chain = TestChain::load(file, u64::MAX);
        let last = *chain.vectors.rounds().iter().max().unwrap();
        let clock = TestClock::at(chain.due_ms(last) + 100);
        let app = router(api(&[&chain], &clock));
        let hash = chain.hash();
        let id = chain.info.beacon_id().to_owned();

        // Info: v1 is the vector's chain JSON, in drand's field order; v2 renames fields.
        let v1 = get(&app, &format!("/{hash}/info")).await;
        assert_eq!(v1.status, StatusCode::OK);
        assert_json(&v1);
        assert_eq!(v1.cache(), IMMUTABLE);
        assert_eq!(v1.json(), chain.vectors.chain, "{file}");
        assert!(v1.body.starts_with(r#"{"public_key":"#));
        assert_eq!(get(&app, "/info").await.body, v1.body, "{file}: only chain");
        let v2 = get(&app, &format!("/v2/chains/{hash}/info")).await;
        assert_json(&v2);
        assert_eq!(v2.cache(), IMMUTABLE);
        let c = &chain.vectors.chain;
        assert_eq!(
            v2.json(),
            json!({
                "public_key": c["public_key"], "period": c["period"],
                "genesis_time": c["genesis_time"], "genesis_seed": c["groupHash"],
                "chain_hash": c["hash"], "scheme": c["schemeID"],
                "beacon_id": c["metadata"]["beaconID"],
            }),
            "{file}"
        );
        assert_eq!(
            get(&app, &format!("/v2/beacons/{id}/info")).await.body,
            v2.body
        );

        for entry in &chain.vectors.beacons {
            let round = entry["round"].as_u64().unwrap();
            let paths_v1 = [
                format!("/{hash}/public/{round}"),
                format!("/public/{round}"),
            ];
            for path in paths_v1 {
                let a = get(&app, &path).await;
                assert_eq!(a.status, StatusCode::OK, "{file} {path}");
                assert_json(&a);
                // A numbered round never changes, even when it is the latest.
                assert_eq!(a.cache(), IMMUTABLE, "{file} {path}");
                assert_eq!(a.json(), expected_v1(entry), "{file} {path}");
                assert!(
                    a.body
                        .starts_with(&format!(r#"{{"round":{round},"randomness":"#))
                );
            }
            let paths_v2 = [
                format!("/v2/chains/{hash}/rounds/{round}"),
                format!("/v2/beacons/{id}/rounds/{round}"),
            ];
            for path in paths_v2 {
                let a = get(&app, &path).await;
                assert_eq!(a.status, StatusCode::OK, "{file} {path}");
                assert_json(&a);
                assert_eq!(a.json(), expected_v2(entry), "{file} {path}");
                assert!(
                    a.body
                        .starts_with(&format!(r#"{{"round":{round},"signature":"#))
                );
            }
        }
    }
}

#[tokio::test]
async fn latest_is_cached_until_the_next_round_is_due() {
    let (chain, clock) = quicknet();
    let app = router(api(&[&chain], &clock));
    let hash = chain.hash();
    let expected = expected_v1(chain.vectors.beacon(1004));
    for path in [
        "/public/latest".to_owned(),
        "/public/0".to_owned(),
        format!("/{hash}/public/latest"),
        format!("/{hash}/public/0"),
    ] {
        let a = get(&app, &path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_json(&a);
        assert_eq!(a.json(), expected);
        // 1.5 s until round 1005 is due, rounded up.
        assert_eq!(a.cache(), "public, must-revalidate, max-age=2");
        assert_eq!(a.header("expires"), "Wed, 23 Aug 2023 15:59:39 GMT");
        assert_eq!(a.header("last-modified"), "Wed, 23 Aug 2023 15:59:36 GMT");
    }
    for path in [
        format!("/v2/chains/{hash}/rounds/latest"),
        format!("/v2/chains/{hash}/rounds/0"),
        "/v2/beacons/quicknet/rounds/latest".to_owned(),
    ] {
        let a = get(&app, &path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_eq!(a.json(), expected_v2(chain.vectors.beacon(1004)));
        assert_eq!(a.cache(), "public, must-revalidate, max-age=2");
    }
    // When the next round is overdue (this node is behind), latest may not be cached.
    clock.set(chain.due_ms(1006));
    let a = get(&app, "/public/latest").await;
    assert_eq!(a.cache(), "public, must-revalidate, max-age=0");
    // Exactly at a round boundary: a whole period.
    clock.set(chain.due_ms(1004));
    let a = get(&app, "/public/latest").await;
    assert_eq!(a.cache(), "public, must-revalidate, max-age=3");
}

#[test]
fn expected_dates_are_the_round_times() {
    // The fixed dates above: round 1004 of quicknet is due at genesis + 3 * 1003.
    let chain = TestChain::load("mainnet-quicknet.json", 3);
    assert_eq!(chain.due_ms(1004) / 1000, 1_692_803_367 + 3 * 1003);
    assert_eq!(
        httpdate::fmt_http_date(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_692_803_367 + 3 * 1003)
        ),
        "Wed, 23 Aug 2023 15:59:36 GMT"
    );
}

#[tokio::test]
async fn rounds_not_stored_too_early_or_malformed() {
    let (chain, clock) = quicknet();
    let app = router(api(&[&chain], &clock));
    let hash = chain.hash();
    let prefixes = [
        "/public".to_owned(),
        format!("/{hash}/public"),
        format!("/v2/chains/{hash}/rounds"),
        "/v2/beacons/quicknet/rounds".to_owned(),
    ];
    for p in &prefixes {
        // A past round this node does not have.
        let a = get(&app, &format!("{p}/500")).await;
        assert_error(&a, StatusCode::NOT_FOUND);
        assert!(a.body.contains("not stored"), "{a:?}");
        // Beyond the next round: Too Early, for v1 and v2 alike.
        for round in ["1006", "99999999", "18446744073709551615"] {
            let a = get(&app, &format!("{p}/{round}")).await;
            assert_error(&a, StatusCode::TOO_EARLY);
            assert!(a.body.contains("future"), "{a:?}");
        }
        // Not a round number.
        for bad in [
            "18446744073709551616",
            "99999999999999999999999999",
            "-1",
            "+5",
            "1e3",
            "0x10",
            "abc",
            "%20",
            "%E2%82%AC",
            "1.5",
            "%2F",
        ] {
            let a = get(&app, &format!("{p}/{bad}")).await;
            assert_error(&a, StatusCode::BAD_REQUEST);
        }
    }
    // Due by the clock but missing, and not the next round: this node is behind.
    clock.set(chain.due_ms(2000));
    for p in &prefixes {
        let a = get(&app, &format!("{p}/1006")).await;
        assert_error(&a, StatusCode::NOT_FOUND);
        assert!(a.body.contains("behind"), "{a:?}");
        let a = get(&app, &format!("{p}/2001")).await;
        assert_error(&a, StatusCode::TOO_EARLY);
    }
}

#[tokio::test]
async fn unknown_chains_and_paths_are_404_text() {
    let (chain, clock) = quicknet();
    let app = router(api(&[&chain], &clock));
    let other = "ab".repeat(32);
    for path in [
        format!("/{other}/info"),
        format!("/{other}/public/latest"),
        format!("/{other}/public/1"),
        format!("/v2/chains/{other}/info"),
        "/nothex/info".to_owned(),
        "/v2/chains/zz/rounds/1".to_owned(),
        "/v2/beacons/nope/info".to_owned(),
        "/v2/beacons/nope/rounds/next".to_owned(),
        "/".to_owned(),
        "/public".to_owned(),
        "/public/".to_owned(),
        "/v2".to_owned(),
        "/v2/chains/".to_owned(),
        "/favicon.ico".to_owned(),
        "/a/b/c/d/e/f".to_owned(),
    ] {
        let a = get(&app, &path).await;
        assert_error(&a, StatusCode::NOT_FOUND);
    }
    let a = get(&app, "/no/such/route").await;
    assert!(a.body.contains("/v2/beacons"), "{a:?}");
    let a = get(&app, &format!("/{other}/info")).await;
    assert!(a.body.contains("unknown chain hash"), "{a:?}");
    // Wrong method.
    let post = Request::builder()
        .method(Method::POST)
        .uri("/info")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&app, post).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn un_prefixed_routes_serve_default_else_the_only_chain() {
    let quick = TestChain::load("mainnet-quicknet.json", 3);
    let default = TestChain::load("mainnet-default.json", 4);
    let evm = TestChain::load("mainnet-evmnet.json", 1);
    let clock = TestClock::at(default.due_ms(4) + 1000);

    // No chain at all.
    let app = router(ApiState::new(clock.clock()));
    let a = get(&app, "/info").await;
    assert_error(&a, StatusCode::NOT_FOUND);
    assert!(a.body.contains("no chain"), "{a:?}");
    assert_eq!(get(&app, "/chains").await.body, "[]");

    // Several chains, one of them "default".
    let app = router(api(&[&quick, &default, &evm], &clock));
    assert_eq!(get(&app, "/info").await.json(), default.vectors.chain);
    assert_eq!(
        get(&app, "/public/2").await.json(),
        expected_v1(default.vectors.beacon(2))
    );
    assert_eq!(
        get(&app, "/v2/beacons/default/rounds/2").await.json(),
        expected_v2(default.vectors.beacon(2))
    );

    // Several chains, none "default": ambiguous.
    let app = router(api(&[&quick, &evm], &clock));
    for path in ["/info", "/health", "/public/latest", "/public/1"] {
        let a = get(&app, path).await;
        assert_error(&a, StatusCode::NOT_FOUND);
        assert!(a.body.contains("/chains"), "{a:?}");
    }
    assert_eq!(
        get(&app, &format!("/{}/info", quick.hash())).await.json(),
        quick.vectors.chain
    );
    let upper = quick.hash().to_ascii_uppercase();
    assert_eq!(
        get(&app, &format!("/v2/chains/{upper}/info")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn chain_and_beacon_lists() {
    let quick = TestChain::load("mainnet-quicknet.json", 3);
    let default = TestChain::load("mainnet-default.json", 4);
    let clock = TestClock::at(0);
    let state = api(&[&quick, &default], &clock);
    let app = router(state.clone());
    for path in ["/chains", "/v2/chains"] {
        let a = get(&app, path).await;
        assert_eq!(a.status, StatusCode::OK);
        assert_json(&a);
        assert_eq!(a.cache(), "public, max-age=300");
        assert_eq!(a.json(), json!([quick.hash(), default.hash()]));
    }
    let a = get(&app, "/v2/beacons").await;
    assert_json(&a);
    assert_eq!(a.json(), json!(["quicknet", "default"]));

    // The same chain twice, or the same beacon ID twice, is refused.
    assert_eq!(
        state.add_chain(quick.handle()),
        Err(ApiError::DuplicateChain(quick.hash()))
    );
    let testnet_default = TestChain::load("testnet-default.json", 0);
    assert_eq!(
        state.add_chain(testnet_default.handle()),
        Err(ApiError::DuplicateBeaconId("default".into()))
    );
    // Chains come and go while serving.
    assert!(state.remove_chain("default"));
    assert!(!state.remove_chain("default"));
    assert_eq!(get(&app, "/v2/beacons").await.json(), json!(["quicknet"]));
    state.add_chain(testnet_default.handle()).unwrap();
    assert_eq!(
        get(&app, "/info").await.json(),
        testnet_default.vectors.chain
    );
}

#[tokio::test]
async fn health_allows_one_round_of_lag() {
    let (chain, clock) = quicknet();
    let app = router(api(&[&chain], &clock));
    let hash = chain.hash();
    let paths = [
        "/health".to_owned(),
        format!("/{hash}/health"),
        format!("/v2/chains/{hash}/health"),
        "/v2/beacons/quicknet/health".to_owned(),
    ];
    for path in &paths {
        let a = get(&app, path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_json(&a);
        assert_eq!(a.body, r#"{"current":1004,"expected":1004}"#);
        assert_eq!(a.cache(), "public, must-revalidate, max-age=2");
    }
    clock.set(chain.due_ms(1005) + 100);
    for path in &paths {
        let a = get(&app, path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_eq!(a.body, r#"{"current":1004,"expected":1005}"#);
        assert_eq!(a.cache(), "public, must-revalidate, max-age=3");
    }
    clock.set(chain.due_ms(1006));
    for path in &paths {
        let a = get(&app, path).await;
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_json(&a);
        assert_eq!(a.body, r#"{"current":1004,"expected":1006}"#);
        assert_eq!(a.cache(), NO_CACHE);
    }
    // Before genesis nothing is expected yet.
    clock.set(0);
    let a = get(&app, "/health").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body, r#"{"current":1004,"expected":0}"#);
}

#[tokio::test]
async fn a_failing_store_is_reported_not_hidden() {
    let (chain, clock) = quicknet();
    let app = router(api(&[&chain], &clock));
    chain
        .store
        .fail
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let a = get(&app, "/public/1000").await;
    assert_error(&a, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(a.body.contains("disk on fire"), "{a:?}");
    assert_error(
        &get(&app, "/public/latest").await,
        StatusCode::INTERNAL_SERVER_ERROR,
    );
    assert_error(&get(&app, "/health").await, StatusCode::SERVICE_UNAVAILABLE);
    // Info does not need the store.
    assert_eq!(get(&app, "/info").await.status, StatusCode::OK);
}

#[tokio::test]
async fn no_beacon_yet() {
    let chain = TestChain::load("mainnet-quicknet.json", 0);
    let clock = TestClock::at(0);
    let app = router(api(&[&chain], &clock));
    for path in [
        "/public/latest",
        "/public/0",
        "/v2/beacons/quicknet/rounds/latest",
    ] {
        let a = get(&app, path).await;
        assert_error(&a, StatusCode::NOT_FOUND);
        assert!(a.body.contains("no beacon"), "{a:?}");
    }
    // Round 1, long before genesis: too early rather than a long wait.
    assert_error(&get(&app, "/public/1").await, StatusCode::TOO_EARLY);
    assert_error(
        &get(&app, "/v2/beacons/quicknet/rounds/next").await,
        StatusCode::TOO_EARLY,
    );
}

#[tokio::test]
async fn over_a_socket_cors_head_preflight_and_query_strings() {
    let (chain, clock) = quicknet();
    let base = listen(router(api(&[&chain], &clock))).await;
    let http = reqwest::Client::new();
    // Browsers send an Origin; drand-client adds a cache-busting query.
    let r = http
        .get(format!("{base}/public/1000?1692806377000"))
        .header("origin", "https://example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.headers()["cache-control"], IMMUTABLE);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, expected_v1(chain.vectors.beacon(1000)));
    // A CORS preflight.
    let r = http
        .request(reqwest::Method::OPTIONS, format!("{base}/public/latest"))
        .header("origin", "https://example.org")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{r:?}");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    // HEAD: headers, no body.
    let r = http.head(format!("{base}/info")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], IMMUTABLE);
    assert!(r.bytes().await.unwrap().is_empty());
    // Errors carry CORS too, so browsers can read them.
    let r = http
        .get(format!("{base}/public/99999999"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 425);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn static_dir_serves_other_paths() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<h1>demo</h1>").unwrap();
    std::fs::write(dir.path().join("app.js"), "let x = 1;").unwrap();
    let (chain, clock) = quicknet();
    let state = api(&[&chain], &clock).with_static_dir(dir.path().to_owned());
    let app = router(state);
    let a = get(&app, "/").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body, "<h1>demo</h1>");
    assert!(a.header("content-type").starts_with("text/html"));
    assert_common(&a);
    let a = get(&app, "/app.js").await;
    assert_eq!(a.body, "let x = 1;");
    // API routes win; other paths fall through to the 404 text.
    assert_eq!(get(&app, "/info").await.json(), chain.vectors.chain);
    let a = get(&app, "/missing.html").await;
    assert_error(&a, StatusCode::NOT_FOUND);
    let a = get(&app, "/../../etc/passwd").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
}
