//! The light client against scripted relays with virtual time: failover, lying relays,
//! too-early rounds, ranges and watch — deterministic, no sockets, no waiting.

mod common;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::Duration;

use common::*;
use drand_lite::client::{
    Client, ClientError, ClientOptions, HttpResponse, Platform, RelayEvent, TransportError,
};
use drand_lite::round_time;
use serde_json::Value;

/// How a scripted relay answers.
#[derive(Clone, Debug)]
enum Behaviour {
    Honest,
    Status(u16),
    Refused,
    Slow,
    BadSignature,
    WrongRound,
    BadRandomness,
    WrongChainInfo,
    /// Refuses connections until the virtual clock reaches this time, then is honest.
    DownUntil(u64),
}

/// Relays keyed by base URL, serving beacons of one real chain; time is virtual.
#[derive(Debug)]
struct FakeNet {
    info_json: String,
    beacons: HashMap<u64, Value>,
    relays: RefCell<HashMap<String, Behaviour>>,
    now_ms: Cell<u64>,
    requests: RefCell<Vec<String>>,
}

impl FakeNet {
    fn new(file: &ChainFile, now_round: u64) -> FakeNet {
        let info = file.info();
        let beacons = file
            .beacons
            .iter()
            .map(|b| (b["round"].as_u64().unwrap(), b.clone()))
            .collect();
        FakeNet {
            info_json: file.chain.to_string(),
            beacons,
            relays: RefCell::new(HashMap::new()),
            now_ms: Cell::new(round_time(&info, now_round).unwrap() * 1000 + 500),
            requests: RefCell::new(Vec::new()),
        }
    }

    fn relay(&self, url: &str, b: Behaviour) {
        self.relays.borrow_mut().insert(url.into(), b);
    }

    fn answer(&self, url: &str, timeout: Duration) -> Result<HttpResponse, TransportError> {
        self.requests.borrow_mut().push(url.to_owned());
        let (base, path) = url.split_at(
            url.find("/v")
                .or_else(|| url[8..].find('/').map(|i| i + 8))
                .unwrap(),
        );
        let behaviour = self
            .relays
            .borrow()
            .get(base)
            .cloned()
            .unwrap_or(Behaviour::Refused);
        let ok = |body: String| Ok(HttpResponse { status: 200, body });
        if path.ends_with("/info") {
            return match behaviour {
                Behaviour::WrongChainInfo => {
                    let mut v: Value = serde_json::from_str(&self.info_json).unwrap();
                    v["period"] = (v["period"].as_u64().unwrap() + 1).into();
                    v.as_object_mut().unwrap().remove("hash");
                    ok(v.to_string())
                }
                Behaviour::Refused => Err(TransportError::Connect("refused".into())),
                _ => ok(self.info_json.clone()),
            };
        }
        let round: u64 = path.rsplit('/').next().unwrap().parse().unwrap();
        let Some(beacon) = self.beacons.get(&round) else {
            return Ok(HttpResponse {
                status: 404,
                body: String::new(),
            });
        };
        let mut beacon = beacon.clone();
        let behaviour = match behaviour {
            Behaviour::DownUntil(t) if self.now_ms.get() >= t => Behaviour::Honest,
            Behaviour::DownUntil(_) => Behaviour::Refused,
            other => other,
        };
        match behaviour {
            Behaviour::Honest | Behaviour::WrongChainInfo => {}
            Behaviour::Status(status) => {
                return Ok(HttpResponse {
                    status,
                    body: "x".into(),
                });
            }
            Behaviour::Refused => return Err(TransportError::Connect("refused".into())),
            Behaviour::Slow => {
                self.now_ms
                    .set(self.now_ms.get() + timeout.as_millis() as u64);
                return Err(TransportError::Timeout(timeout));
            }
            Behaviour::BadSignature => {
                let sig = beacon["signature"].as_str().unwrap().to_owned();
                let flipped = if sig.ends_with('0') { "1" } else { "0" };
                beacon["signature"] = format!("{}{flipped}", &sig[..sig.len() - 1]).into();
                beacon.as_object_mut().unwrap().remove("randomness");
            }
            Behaviour::WrongRound => beacon["round"] = (round + 1).into(),
            Behaviour::BadRandomness => beacon["randomness"] = "00".repeat(32).into(),
            Behaviour::DownUntil(_) => unreachable!(),
        }
        ok(beacon_json(&beacon))
    }
}

impl Platform for &FakeNet {
    async fn get(&self, url: &str, timeout: Duration) -> Result<HttpResponse, TransportError> {
        self.answer(url, timeout)
    }
    async fn sleep(&self, d: Duration) {
        self.now_ms.set(self.now_ms.get() + d.as_millis() as u64);
    }
    fn now_ms(&self) -> u64 {
        self.now_ms.get()
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn fastnet() -> ChainFile {
    chain_files()
        .into_iter()
        .find(|f| f.name == "mainnet-fastnet.json")
        .unwrap()
}

fn urls(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn opts() -> ClientOptions {
    ClientOptions {
        backoff: Duration::from_millis(10),
        ..ClientOptions::default()
    }
}

#[test]
fn lying_relays_are_skipped_demoted_and_reported() {
    let file = fastnet();
    let net = FakeNet::new(&file, 1000);
    let liars = [
        ("http://badsig", Behaviour::BadSignature),
        ("http://wronground", Behaviour::WrongRound),
        ("http://badrand", Behaviour::BadRandomness),
        ("http://slow", Behaviour::Slow),
        ("http://fivexx", Behaviour::Status(503)),
        ("http://refused", Behaviour::Refused),
    ];
    for (url, b) in &liars {
        net.relay(url, b.clone());
    }
    net.relay("http://honest", Behaviour::Honest);
    let mut all: Vec<&str> = liars.iter().map(|(u, _)| *u).collect();
    all.push("http://honest");
    let client = Client::with_info(&net, &urls(&all), file.info(), opts()).unwrap();
    let want = file.beacons.iter().find(|b| b["round"] == 1000).unwrap();
    let got = block_on(client.get(1000)).unwrap();
    assert_eq!(got.randomness_hex(), want["randomness"].as_str().unwrap());
    let events = client.take_events();
    for (url, _) in &liars[..3] {
        assert!(
            events
                .iter()
                .any(|e| matches!(e, RelayEvent::Invalid { relay, .. } if relay == url)),
            "{url} not reported as invalid: {events:?}"
        );
    }
    for (url, _) in &liars[3..] {
        assert!(
            events
                .iter()
                .any(|e| matches!(e, RelayEvent::Failed { relay, .. } if relay == url)),
            "{url} not reported as failed: {events:?}"
        );
    }
    // The next request goes to the honest relay first.
    net.requests.borrow_mut().clear();
    block_on(client.get(1001)).unwrap_err(); // not in the vectors: 404 everywhere
    assert!(net.requests.borrow()[0].starts_with("http://honest"));
}

#[test]
fn only_liars_means_an_error_never_an_unverified_beacon() {
    let file = fastnet();
    let net = FakeNet::new(&file, 1000);
    net.relay("http://a", Behaviour::BadSignature);
    net.relay("http://b", Behaviour::BadRandomness);
    net.relay("http://c", Behaviour::WrongRound);
    let client = Client::with_info(
        &net,
        &urls(&["http://a", "http://b", "http://c"]),
        file.info(),
        opts(),
    )
    .unwrap();
    assert!(matches!(
        block_on(client.get(1000)),
        Err(ClientError::AllRelaysFailed { .. })
    ));
    assert!(matches!(
        block_on(client.range(800, 810)),
        Err(ClientError::AllRelaysFailed { .. })
    ));
}

#[test]
fn connect_pins_the_recomputed_chain_hash() {
    let file = fastnet();
    let net = FakeNet::new(&file, 1000);
    net.relay("http://liar", Behaviour::WrongChainInfo);
    net.relay("http://honest", Behaviour::Honest);
    let hash = file.info().hash();
    let client = block_on(Client::connect(
        &net,
        &urls(&["http://liar", "http://honest"]),
        hash,
        opts(),
    ))
    .unwrap();
    assert_eq!(client.info().hash(), hash);
    let only_liar = block_on(Client::connect(&net, &urls(&["http://liar"]), hash, opts()));
    assert!(
        matches!(only_liar, Err(ClientError::ChainInfo(_))),
        "{only_liar:?}"
    );
}

#[test]
fn future_rounds_are_never_requested() {
    let file = fastnet();
    let net = FakeNet::new(&file, 1000);
    net.relay("http://a", Behaviour::Honest);
    let client = Client::with_info(&net, &urls(&["http://a"]), file.info(), opts()).unwrap();
    assert!(matches!(
        block_on(client.get(1005)),
        Err(ClientError::TooEarly { round: 1005, .. })
    ));
    assert!(net.requests.borrow().is_empty());
    // 425 from every relay is "too early", not a relay failure.
    let net = FakeNet::new(&file, 1000);
    net.relay("http://a", Behaviour::Status(425));
    let client = Client::with_info(&net, &urls(&["http://a"]), file.info(), opts()).unwrap();
    assert!(matches!(
        block_on(client.get(1000)),
        Err(ClientError::TooEarly { .. })
    ));
}

#[test]
fn latest_uses_the_clock_and_falls_back_one_round() {
    let file = fastnet();
    // The clock says 901 is current; the relays only have up to 900.
    let net = FakeNet::new(&file, 901);
    net.relay("http://a", Behaviour::Honest);
    let client = Client::with_info(&net, &urls(&["http://a"]), file.info(), opts()).unwrap();
    assert_eq!(block_on(client.latest()).unwrap().round(), 900);
}

#[test]
fn range_is_batch_verified_and_refetches_what_a_liar_served() {
    let file = fastnet();
    let net = FakeNet::new(&file, 1000);
    net.relay("http://liar", Behaviour::BadSignature);
    net.relay("http://honest", Behaviour::Honest);
    let client = Client::with_info(
        &net,
        &urls(&["http://liar", "http://honest"]),
        file.info(),
        opts(),
    )
    .unwrap();
    let got = block_on(client.range(800, 900)).unwrap();
    assert_eq!(got.len(), 101);
    for (i, b) in got.iter().enumerate() {
        assert_eq!(b.round(), 800 + i as u64);
        let want = &net.beacons[&b.round()];
        assert_eq!(b.randomness_hex(), want["randomness"].as_str().unwrap());
    }
    assert!(
        client
            .take_events()
            .iter()
            .any(|e| matches!(e, RelayEvent::Invalid { .. }))
    );
    assert!(matches!(
        block_on(client.range(5, 4)),
        Err(ClientError::BadRange { .. })
    ));
    assert!(matches!(
        block_on(client.range(0, 4)),
        Err(ClientError::BadRange { .. })
    ));
}

#[test]
fn watch_yields_each_round_once_in_order_across_relay_failure() {
    let file = fastnet();
    let net = FakeNet::new(&file, 800);
    net.relay("http://a", Behaviour::Honest);
    net.relay("http://b", Behaviour::Honest);
    let client =
        Client::with_info(&net, &urls(&["http://a", "http://b"]), file.info(), opts()).unwrap();
    let mut watch = client.watch();
    let mut seen = Vec::new();
    block_on(async {
        for i in 0..60 {
            if i == 10 {
                net.relay("http://a", Behaviour::Refused);
            }
            if i == 20 {
                // Both down for 20 s (several rounds), then one comes back: the missed rounds
                // are still yielded, in order.
                net.relay("http://b", Behaviour::Status(500));
                net.relay("http://a", Behaviour::DownUntil(net.now_ms.get() + 20_000));
            }
            seen.push(watch.next().await.unwrap().round());
        }
    });
    let expected: Vec<u64> = (800..860).collect();
    assert_eq!(seen, expected);
}

#[test]
fn chained_ranges_link() {
    let file = chain_files()
        .into_iter()
        .find(|f| f.name == "mainnet-default.json")
        .unwrap();
    let net = FakeNet::new(&file, 5);
    net.relay("http://a", Behaviour::Honest);
    let client = Client::with_info(&net, &urls(&["http://a"]), file.info(), opts()).unwrap();
    let got = block_on(client.range(1, 4)).unwrap();
    assert_eq!(
        got.iter().map(|b| b.round()).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
}

#[test]
fn bad_urls_are_refused() {
    let file = fastnet();
    let net = FakeNet::new(&file, 1000);
    assert!(matches!(
        Client::with_info(&net, &[], file.info(), opts()),
        Err(ClientError::NoRelays)
    ));
    assert!(matches!(
        Client::with_info(&net, &urls(&["ftp://x"]), file.info(), opts()),
        Err(ClientError::BadUrl(_))
    ));
}

#[test]
fn watch_survives_relays_that_are_down_when_it_starts() {
    let file = fastnet();
    let net = FakeNet::new(&file, 800);
    let back_at = net.now_ms.get() + 7_000;
    net.relay("http://a", Behaviour::DownUntil(back_at));
    let client = Client::with_info(&net, &urls(&["http://a"]), file.info(), opts()).unwrap();
    let mut watch = client.watch();
    let first = block_on(watch.next()).unwrap();
    // The relay came back 7 s (two 3-s rounds) later: the watch starts at the then-latest round.
    assert!(net.now_ms.get() >= back_at);
    assert!(first.round() >= 802, "{}", first.round());
    let second = block_on(watch.next()).unwrap();
    assert_eq!(second.round(), first.round() + 1);
}

#[test]
fn all_relays_failed_lists_each_relay_once() {
    let file = fastnet();
    let net = FakeNet::new(&file, 1000);
    net.relay("http://a", Behaviour::Status(500));
    net.relay("http://b", Behaviour::Refused);
    let client =
        Client::with_info(&net, &urls(&["http://a", "http://b"]), file.info(), opts()).unwrap();
    match block_on(client.get(1000)) {
        Err(ClientError::AllRelaysFailed { failures, .. }) => {
            assert_eq!(failures.len(), 2, "{failures:?}");
        }
        other => panic!("{other:?}"),
    }
}
