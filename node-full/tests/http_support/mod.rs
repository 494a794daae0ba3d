//! Shared by the `http_*` tests: an in-memory beacon store, chains loaded from the real drand
//! vectors, an injected clock, and helpers that send one request to the router.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use drand_lite::ChainInfo;
use drand_node::http::{ApiState, ChainHandle, Clock};
use drand_node::store::{BeaconStore, PutOutcome, StoreError, StoredBeacon};
use serde_json::Value;
use tokio::sync::watch;
use tower::ServiceExt;

/// A store that keeps any rounds it is given (vectors are sparse), in memory.
#[derive(Default)]
pub struct MemStore {
    beacons: Mutex<BTreeMap<u64, StoredBeacon>>,
    pub fail: std::sync::atomic::AtomicBool,
}

impl MemStore {
    pub fn with_genesis(seed: &[u8]) -> MemStore {
        let store = MemStore::default();
        store.insert(StoredBeacon {
            round: 0,
            signature: seed.to_vec(),
            previous_signature: None,
        });
        store
    }
    pub fn insert(&self, beacon: StoredBeacon) {
        self.beacons.lock().unwrap().insert(beacon.round, beacon);
    }
    fn check(&self) -> Result<(), StoreError> {
        if self.fail.load(Ordering::SeqCst) {
            Err(StoreError::Io("disk on fire (test)".into()))
        } else {
            Ok(())
        }
    }
}

impl BeaconStore for MemStore {
    fn last(&self) -> Result<StoredBeacon, StoreError> {
        self.check()?;
        let map = self.beacons.lock().unwrap();
        map.values()
            .next_back()
            .cloned()
            .ok_or_else(|| StoreError::Corrupt("empty".into()))
    }
    fn get(&self, round: u64) -> Result<Option<StoredBeacon>, StoreError> {
        self.check()?;
        Ok(self.beacons.lock().unwrap().get(&round).cloned())
    }
    fn put(&self, beacon: &StoredBeacon) -> Result<PutOutcome, StoreError> {
        self.check()?;
        self.insert(beacon.clone());
        Ok(PutOutcome::Appended)
    }
    fn range(&self, from: u64, limit: usize) -> Result<Vec<StoredBeacon>, StoreError> {
        self.check()?;
        let map = self.beacons.lock().unwrap();
        Ok(map
            .range(from..)
            .take(limit)
            .map(|(_, b)| b.clone())
            .collect())
    }
}

/// Where the shared vectors live: `$DRAND_VECTORS`, else `../../shared/vectors` from this crate.
pub fn vectors_dir() -> PathBuf {
    std::env::var_os("DRAND_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors"))
}

/// A vector file: its chain info JSON and its genuine beacons.
pub struct Vectors {
    pub chain: Value,
    pub beacons: Vec<Value>,
}

impl Vectors {
    pub fn load(name: &str) -> Vectors {
        let path = vectors_dir().join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {} (set DRAND_VECTORS): {e}", path.display()));
        let doc: Value = serde_json::from_str(&text).unwrap();
        Vectors {
            chain: doc["chain"].clone(),
            beacons: doc["beacons"].as_array().unwrap().clone(),
        }
    }
    pub fn info(&self) -> ChainInfo {
        ChainInfo::from_json(&self.chain.to_string()).unwrap()
    }
    /// The vector entry of `round`.
    pub fn beacon(&self, round: u64) -> &Value {
        self.beacons
            .iter()
            .find(|b| b["round"] == round)
            .unwrap_or_else(|| panic!("no vector for round {round}"))
    }
    pub fn stored(&self, round: u64) -> StoredBeacon {
        let b = self.beacon(round);
        let bytes = |v: &Value| {
            drand_lite::hex::decode(drand_lite::Field::Signature, v.as_str().unwrap(), 1024)
                .unwrap()
        };
        StoredBeacon {
            round,
            signature: bytes(&b["signature"]),
            previous_signature: b
                .get("previous_signature")
                .filter(|v| v.as_str() != Some(""))
                .map(bytes),
        }
    }
    pub fn rounds(&self) -> Vec<u64> {
        self.beacons
            .iter()
            .map(|b| b["round"].as_u64().unwrap())
            .collect()
    }
}

/// A chain under test: its store and the sender the daemon would advance.
pub struct TestChain {
    pub vectors: Vectors,
    pub info: ChainInfo,
    pub store: Arc<MemStore>,
    pub tx: watch::Sender<u64>,
}

impl TestChain {
    /// Serves the rounds of `file` that are `<= up_to`.
    pub fn load(file: &str, up_to: u64) -> TestChain {
        let vectors = Vectors::load(file);
        let info = vectors.info();
        let store = Arc::new(MemStore::with_genesis(info.genesis_seed()));
        for round in vectors.rounds() {
            if round <= up_to {
                store.insert(vectors.stored(round));
            }
        }
        let last = store.last().unwrap().round;
        let (tx, _) = watch::channel(last);
        TestChain {
            vectors,
            info,
            store,
            tx,
        }
    }
    pub fn handle(&self) -> ChainHandle {
        ChainHandle {
            info: self.info.clone(),
            store: self.store.clone(),
            latest: self.tx.subscribe(),
        }
    }
    /// Stores `round` from the vectors and advances the watch, as the daemon does.
    pub fn produce(&self, round: u64) {
        self.store.put(&self.vectors.stored(round)).unwrap();
        self.tx.send_replace(round);
    }
    pub fn hash(&self) -> String {
        self.info.hash().to_hex()
    }
    /// Unix ms at which `round` is due.
    pub fn due_ms(&self, round: u64) -> u64 {
        drand_lite::round_time(&self.info, round).unwrap() * 1000
    }
}

/// A clock the test moves by hand.
#[derive(Clone, Default)]
pub struct TestClock(pub Arc<AtomicU64>);

impl TestClock {
    pub fn at(ms: u64) -> TestClock {
        TestClock(Arc::new(AtomicU64::new(ms)))
    }
    pub fn set(&self, ms: u64) {
        self.0.store(ms, Ordering::SeqCst);
    }
    pub fn clock(&self) -> Clock {
        let t = self.0.clone();
        Arc::new(move || t.load(Ordering::SeqCst))
    }
}

/// An API over `chains` with the clock at `now_ms`.
pub fn api(chains: &[&TestChain], clock: &TestClock) -> ApiState {
    let state = ApiState::new(clock.clock());
    for c in chains {
        state.add_chain(c.handle()).unwrap();
    }
    state
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_else(|| panic!("no {name} header in {self:?}"))
    }
    pub fn cache(&self) -> &str {
        self.header("cache-control")
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// Sends `GET path` through the router (no socket).
pub async fn get(app: &Router, path: &str) -> Answer {
    let request = Request::get(path).body(Body::empty()).unwrap();
    send(app, request).await
}

pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Serves `app` on 127.0.0.1 with a random port; returns its base URL.
pub async fn listen(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// The vector's beacon fields as v1 JSON (`why` and other extras dropped).
pub fn expected_v1(entry: &Value) -> Value {
    let mut map = serde_json::Map::new();
    for key in ["round", "randomness", "signature", "previous_signature"] {
        if let Some(v) = entry.get(key) {
            map.insert(key.into(), v.clone());
        }
    }
    Value::Object(map)
}

/// The vector's beacon as v2 JSON: no randomness.
pub fn expected_v2(entry: &Value) -> Value {
    let mut v = expected_v1(entry);
    v.as_object_mut().unwrap().remove("randomness");
    v
}
