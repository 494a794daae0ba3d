//! Long-polls for the next round: they wake when the daemon advances the watch channel, give
//! up after a bounded wait, are capped in number, and release everything when they end or
//! their client goes away.

mod http_support;

use std::time::Duration;

use axum::http::StatusCode;
use drand_node::http::router;
use http_support::*;

/// Quicknet up to round 1003, the clock 500 ms before round 1004 is due.
fn waiting_for_1004() -> (TestChain, TestClock) {
    let chain = TestChain::load("mainnet-quicknet.json", 1003);
    let clock = TestClock::at(chain.due_ms(1004) - 500);
    (chain, clock)
}

/// Yields (1 ms at a time, at most 5 s) until `n` receivers watch the chain: the handle's own
/// plus one per waiting request.
async fn until_receivers(chain: &TestChain, n: usize) {
    for _ in 0..5000 {
        if chain.tx.receiver_count() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("expected {n} receivers, have {}", chain.tx.receiver_count());
}

#[tokio::test]
async fn the_next_round_wakes_waiting_requests() {
    let (chain, clock) = waiting_for_1004();
    let app = router(api(&[&chain], &clock));
    let hash = chain.hash();
    let paths = [
        "/public/1004".to_owned(),
        format!("/{hash}/public/1004"),
        format!("/v2/chains/{hash}/rounds/1004"),
        "/v2/beacons/quicknet/rounds/1004".to_owned(),
        format!("/v2/chains/{hash}/rounds/next"),
        "/v2/beacons/quicknet/rounds/next".to_owned(),
    ];
    let waiting: Vec<_> = paths
        .iter()
        .map(|p| {
            let (app, p) = (app.clone(), p.clone());
            tokio::spawn(async move { get(&app, &p).await })
        })
        .collect();
    until_receivers(&chain, 1 + paths.len()).await;
    // Round 1005 is still too early while they wait.
    assert_eq!(
        get(&app, "/public/1005").await.status,
        StatusCode::TOO_EARLY
    );
    chain.produce(1004);
    let entry = chain.vectors.beacon(1004);
    for (path, task) in paths.iter().zip(waiting) {
        let a = task.await.unwrap();
        assert_eq!(a.status, StatusCode::OK, "{path}: {a:?}");
        assert_eq!(a.header("access-control-allow-origin"), "*");
        if path.contains("/v2/") {
            assert_eq!(a.json(), expected_v2(entry), "{path}");
        } else {
            assert_eq!(a.json(), expected_v1(entry), "{path}");
        }
        let cache = if path.ends_with("next") {
            "must-revalidate, no-cache, max-age=0"
        } else {
            "public, max-age=604800, immutable"
        };
        assert_eq!(a.cache(), cache, "{path}");
    }
    assert_eq!(chain.tx.receiver_count(), 1, "every waiter let go");
}

#[tokio::test]
async fn a_jump_past_the_round_also_wakes() {
    // Sync can store several rounds at once: the watch jumps from 1003 to 1005.
    let chain = TestChain::load("mainnet-fastnet.json", 803);
    let clock = TestClock::at(chain.due_ms(804) - 100);
    let app = router(api(&[&chain], &clock));
    let task = {
        let app = app.clone();
        tokio::spawn(async move { get(&app, "/public/804").await })
    };
    until_receivers(&chain, 2).await;
    chain.store.insert(chain.vectors.stored(804));
    chain.store.insert(chain.vectors.stored(805));
    chain.tx.send_replace(805);
    let a = task.await.unwrap();
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json(), expected_v1(chain.vectors.beacon(804)));
}

#[tokio::test]
async fn a_stalled_chain_times_out_with_503() {
    let chain = TestChain::load("mainnet-quicknet.json", 1003);
    // Round 1004 is due in 30 ms; the grace is 20 ms: the wait ends after 50 ms.
    let clock = TestClock::at(chain.due_ms(1004) - 30);
    let state = api(&[&chain], &clock).with_long_poll_grace(Duration::from_millis(20));
    let app = router(state);
    let started = std::time::Instant::now();
    let a = get(&app, "/public/1004").await;
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(50), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{a:?}");
    assert_eq!(a.cache(), "must-revalidate, no-cache, max-age=0");
    assert_eq!(a.header("retry-after"), "1");
    assert!(a.body.contains("not produced within 50 ms"), "{a:?}");
    assert_eq!(chain.tx.receiver_count(), 1);
    // A node far behind the clock waits only the grace for its next round.
    clock.set(chain.due_ms(1100));
    let a = get(&app, "/v2/beacons/quicknet/rounds/next").await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(a.body.contains("not produced within 20 ms"), "{a:?}");
}

#[tokio::test]
async fn a_stopped_chain_ends_its_waiters() {
    let (chain, clock) = waiting_for_1004();
    let app = router(api(&[&chain], &clock));
    let task = {
        let app = app.clone();
        tokio::spawn(async move { get(&app, "/public/1004").await })
    };
    until_receivers(&chain, 2).await;
    // The daemon drops the sender when the beacon ID stops.
    drop(chain);
    let a = task.await.unwrap();
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE, "{a:?}");
    assert!(a.body.contains("shutting down"), "{a:?}");
}

#[tokio::test]
async fn long_polls_are_capped_and_released() {
    let (chain, clock) = waiting_for_1004();
    let app = router(api(&[&chain], &clock).with_max_long_polls(3));
    let waiting: Vec<_> = (0..3)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { get(&app, "/public/1004").await })
        })
        .collect();
    until_receivers(&chain, 4).await;
    // The fourth is turned away at once, without a receiver.
    let a = get(&app, "/v2/beacons/quicknet/rounds/next").await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(a.header("retry-after"), "1");
    assert!(a.body.contains("too many"), "{a:?}");
    // Clients that go away release their slot and receiver.
    for task in &waiting {
        task.abort();
    }
    for task in waiting {
        assert!(task.await.unwrap_err().is_cancelled());
    }
    assert_eq!(chain.tx.receiver_count(), 1);
    // Slots are free again; other requests were never blocked.
    assert_eq!(get(&app, "/public/1003").await.status, StatusCode::OK);
    let task = {
        let app = app.clone();
        tokio::spawn(async move { get(&app, "/public/1004").await })
    };
    until_receivers(&chain, 2).await;
    chain.produce(1004);
    assert_eq!(task.await.unwrap().status, StatusCode::OK);
}

#[tokio::test]
async fn a_disconnected_socket_releases_its_long_poll() {
    let (chain, clock) = waiting_for_1004();
    let base = listen(router(api(&[&chain], &clock))).await;
    let http = reqwest::Client::new();
    for _ in 0..20 {
        let request = http.get(format!("{base}/public/1004")).send();
        // The client gives up as soon as the server holds the request...
        let outcome = tokio::select! {
            r = request => Some(r),
            () = until_receivers(&chain, 2) => None,
        };
        assert!(outcome.is_none(), "answered early: {outcome:?}");
        // ...which closes its connection: the server lets go of the waiter.
        until_receivers(&chain, 1).await;
    }
}
