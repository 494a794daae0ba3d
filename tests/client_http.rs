//! The native light client (reqwest + tokio) and the CLI against real HTTP relays on
//! 127.0.0.1 serving the real vectors — honest, lying, slow, failing and absent ones.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use common::*;
use drand_lite::client::native::NativePlatform;
use drand_lite::client::{Client, ClientError, ClientOptions, RelayEvent};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Honest,
    BadSignature,
    WrongRound,
    BadRandomness,
    WrongChainInfo,
    Slow,
    ServerError,
    TooEarly,
}

#[derive(Clone)]
struct Relay {
    mode: Mode,
    chain: Value,
    beacons: Vec<Value>,
}

async fn info(State(relay): State<Relay>, Path(_hash): Path<String>) -> (StatusCode, String) {
    let mut chain = relay.chain.clone();
    if relay.mode == Mode::WrongChainInfo {
        chain["genesis_time"] = (chain["genesis_time"].as_u64().unwrap() + 1).into();
        chain.as_object_mut().unwrap().remove("hash");
    }
    (StatusCode::OK, chain.to_string())
}

async fn round(
    State(relay): State<Relay>,
    Path((_hash, round)): Path<(String, String)>,
) -> (StatusCode, String) {
    let Ok(round) = round.parse::<u64>() else {
        return (StatusCode::BAD_REQUEST, "bad round".into());
    };
    match relay.mode {
        Mode::Slow => tokio::time::sleep(Duration::from_secs(5)).await,
        Mode::ServerError => return (StatusCode::INTERNAL_SERVER_ERROR, "boom".into()),
        Mode::TooEarly => return (StatusCode::TOO_EARLY, "too early".into()),
        _ => {}
    }
    let Some(mut beacon) = relay.beacons.iter().find(|b| b["round"] == round).cloned() else {
        return (StatusCode::NOT_FOUND, "no such round".into());
    };
    match relay.mode {
        Mode::BadSignature => {
            let other = relay.beacons.iter().find(|b| b["round"] != round).unwrap();
            beacon["signature"] = other["signature"].clone();
            beacon["randomness"] = other["randomness"].clone();
        }
        Mode::WrongRound => beacon["round"] = (round + 1).into(),
        Mode::BadRandomness => beacon["randomness"] = "11".repeat(32).into(),
        _ => {}
    }
    (StatusCode::OK, beacon_json(&beacon))
}

/// Serves one relay on 127.0.0.1 with a random port; returns its base URL.
async fn serve(file: &ChainFile, mode: Mode) -> String {
    let relay = Relay {
        mode,
        chain: file.chain.clone(),
        beacons: file.beacons.clone(),
    };
    let app = Router::new()
        .route("/{hash}/info", get(info))
        .route("/{hash}/public/{round}", get(round))
        .with_state(relay);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// A URL on which nothing listens.
async fn refused() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

fn options() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_millis(500),
        attempts: 2,
        backoff: Duration::from_millis(20),
        ..ClientOptions::default()
    }
}

fn quicknet() -> ChainFile {
    chain_files()
        .into_iter()
        .find(|f| f.name == "mainnet-quicknet.json")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fails_over_past_every_kind_of_bad_relay() {
    let file = quicknet();
    let mut urls = vec![refused().await];
    for mode in [
        Mode::Slow,
        Mode::ServerError,
        Mode::TooEarly,
        Mode::BadSignature,
        Mode::WrongRound,
        Mode::BadRandomness,
    ] {
        urls.push(serve(&file, mode).await);
    }
    urls.push(serve(&file, Mode::Honest).await);
    let client = Client::with_info(
        NativePlatform::new().unwrap(),
        &urls,
        file.info(),
        options(),
    )
    .unwrap();
    for entry in &file.beacons {
        let round = entry["round"].as_u64().unwrap();
        let got = client.get(round).await.unwrap();
        assert_eq!(got.randomness_hex(), entry["randomness"].as_str().unwrap());
    }
    let events = client.take_events();
    let invalid: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            RelayEvent::Invalid { relay, .. } => Some(relay.clone()),
            _ => None,
        })
        .collect();
    for liar in &urls[4..7] {
        assert!(invalid.contains(liar), "{liar} not reported: {events:?}");
    }
    for down in [&urls[0], &urls[1], &urls[2]] {
        assert!(
            events
                .iter()
                .any(|e| matches!(e, RelayEvent::Failed { relay, .. } if relay == down)),
            "{down} failure not reported"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_returns_an_unverified_beacon() {
    let file = quicknet();
    let urls = vec![
        serve(&file, Mode::BadSignature).await,
        serve(&file, Mode::BadRandomness).await,
        serve(&file, Mode::WrongRound).await,
    ];
    let client = Client::with_info(
        NativePlatform::new().unwrap(),
        &urls,
        file.info(),
        options(),
    )
    .unwrap();
    let round = file.beacons[3]["round"].as_u64().unwrap();
    assert!(matches!(
        client.get(round).await,
        Err(ClientError::AllRelaysFailed { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_rejects_chain_info_that_does_not_hash_to_the_pin() {
    let file = quicknet();
    let liar = serve(&file, Mode::WrongChainInfo).await;
    let honest = serve(&file, Mode::Honest).await;
    let hash = file.info().hash();
    let platform = NativePlatform::new().unwrap();
    let err = Client::connect(
        platform.clone(),
        std::slice::from_ref(&liar),
        hash,
        options(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ClientError::ChainInfo(_)), "{err}");
    let client = Client::connect(platform, &[liar, honest], hash, options())
        .await
        .unwrap();
    assert_eq!(client.info().hash(), hash);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn range_over_http_is_batch_verified() {
    let file = quicknet();
    let urls = vec![
        serve(&file, Mode::BadSignature).await,
        serve(&file, Mode::Honest).await,
    ];
    let client = Client::with_info(
        NativePlatform::new().unwrap(),
        &urls,
        file.info(),
        options(),
    )
    .unwrap();
    let got = client.range(1000, 1004).await.unwrap();
    assert_eq!(
        got.iter().map(|b| b.round()).collect::<Vec<_>>(),
        vec![1000, 1001, 1002, 1003, 1004]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_get_and_range_through_the_mock_relay() {
    let file = quicknet();
    let liar = serve(&file, Mode::BadSignature).await;
    let honest = serve(&file, Mode::Honest).await;
    let hash = file.chain["hash"].as_str().unwrap().to_owned();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_drand-lite"))
        .args([
            "get",
            "--url",
            &liar,
            "--url",
            &honest,
            "--chain-hash",
            &hash,
            "1000",
        ])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    let want = file.beacons.iter().find(|b| b["round"] == 1000).unwrap();
    assert_eq!(line["randomness"], want["randomness"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Invalid"),
        "the liar must be reported"
    );

    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_drand-lite"))
        .args([
            "range", "--url", &honest, "--chain", "quicknet", "1000", "1004",
        ])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 5);

    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_drand-lite"))
        .args(["get", "--url", &liar, "--chain", "quicknet", "1000"])
        .output()
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "only a liar: invalid, never a beacon"
    );
    assert!(out.stdout.is_empty());
}
