//! Deterministic stand-ins for the fuzz targets `grpc_messages`, `http_routes` and `node_files`
//! (fuzz/fuzz_targets/), so that `cargo test` covers their decoders without fuzzing: seeded
//! random and mutated bytes as every gRPC message, then through the engine, the store rules,
//! routing and the version gate; HTTP requests with any method and headers; Go durations.
//!
//! Random text for the file parsers is already covered by `files_*.rs`, hostile HTTP paths by
//! `http_fuzz.rs`, the store rules on their own by `store_rules.rs`, and malformed bytes at the
//! gRPC server by `net_bad_input.rs`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use drand_lite::{ChainInfo, Scheme, round_time};
use drand_node::crypto::deal;
use drand_node::engine::{
    Engine, EngineConfig, Event, Output, PartialPacket, RejectReason, ShareCrypto, ThresholdCrypto,
};
use drand_node::files::duration::{
    format_go_duration, parse_go_duration_nanos, parse_go_duration_secs,
};
use drand_node::http::{ApiState, ChainHandle, router};
use drand_node::net::BeaconRoute;
use drand_node::net::server::{route, version_gate};
use drand_node::net::version::is_compatible;
use drand_node::proto::{
    BeaconPacket, ChainInfoPacket, ChainInfoRequest, GroupPacket, IdentityRequest,
    IdentityResponse, ListBeaconIDsResponse, Metadata, NodeVersion, PartialBeaconPacket,
    PublicRandRequest, PublicRandResponse, StatusRequest, StatusResponse, SyncRequest,
};
use drand_node::store::{BeaconStore, MemStore, PutOutcome, StoreError, StoredBeacon};
use prost::Message;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use tower::ServiceExt;

const STORED: u64 = 2;

/// A dealt 2-of-3 group and rounds 0..=4 of its chain.
struct Fixture {
    info: ChainInfo,
    members: Vec<Arc<ShareCrypto>>,
    chain: Vec<StoredBeacon>,
}

impl Fixture {
    fn new(scheme: Scheme, seed: u64) -> Fixture {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let dealing = deal(scheme, 3, 2, &mut rng).unwrap();
        let mut genesis = [0u8; 32];
        rng.fill_bytes(&mut genesis);
        let info = ChainInfo::new(
            scheme,
            &dealing.public.public_key(),
            3,
            1_700_000_000,
            genesis,
            "default",
        )
        .unwrap();
        let members: Vec<Arc<ShareCrypto>> = dealing
            .shares
            .iter()
            .map(|s| Arc::new(ShareCrypto::new(s.clone(), dealing.public.clone()).unwrap()))
            .collect();
        let mut chain = vec![StoredBeacon {
            round: 0,
            signature: genesis.to_vec(),
            previous_signature: None,
        }];
        for round in 1..=4u64 {
            let prev = chain.last().unwrap().signature.clone();
            let digest = scheme.digest(round, Some(&prev));
            let partials: Vec<Vec<u8>> = members.iter().map(|m| m.sign_partial(&digest)).collect();
            chain.push(StoredBeacon {
                round,
                signature: members[0].recover(&digest, &partials, 2).unwrap(),
                previous_signature: scheme.is_chained().then_some(prev),
            });
        }
        Fixture {
            info,
            members,
            chain,
        }
    }

    fn chained(&self) -> bool {
        self.info.scheme().is_chained()
    }

    fn partial(&self, index: usize, round: u64) -> PartialPacket {
        let prev = self.chain[round as usize - 1].signature.clone();
        let digest = self.info.scheme().digest(round, Some(&prev));
        PartialPacket {
            round,
            previous_signature: prev,
            partial_sig: self.members[index].sign_partial(&digest),
        }
    }

    fn engine(&self) -> Engine {
        let config = EngineConfig::new(self.info.clone(), 0, 2, vec![0, 1, 2]);
        Engine::new(
            config,
            self.members[0].clone(),
            self.chain[STORED as usize].clone(),
        )
        .unwrap()
    }

    fn now_ms(&self) -> u64 {
        round_time(&self.info, STORED + 1).unwrap() * 1000 + 500
    }

    fn store(&self) -> MemStore {
        let store = MemStore::new(self.chained(), &self.chain[0].signature);
        store.put_many(&self.chain[1..=STORED as usize]).unwrap();
        store
    }
}

fn fixtures() -> Vec<Fixture> {
    [Scheme::PedersenBlsChained, Scheme::BlsUnchainedG1Rfc9380]
        .into_iter()
        .zip(1..)
        .map(|(s, seed)| Fixture::new(s, seed))
        .collect()
}

/// `bytes` with one to four random edits (bit flip, byte set, insert, delete, truncate).
fn mutate(rng: &mut ChaCha20Rng, bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..=rng.next_u32() % 4 {
        let at = |rng: &mut ChaCha20Rng, len: usize| (rng.next_u32() as usize) % len.max(1);
        match rng.next_u32() % 5 {
            0 if !out.is_empty() => {
                let i = at(rng, out.len());
                out[i] ^= 1 << (rng.next_u32() % 8);
            }
            1 if !out.is_empty() => {
                let i = at(rng, out.len());
                out[i] = rng.next_u32() as u8;
            }
            2 => {
                let i = at(rng, out.len() + 1);
                out.insert(i.min(out.len()), rng.next_u32() as u8);
            }
            3 if !out.is_empty() => {
                let i = at(rng, out.len());
                out.remove(i);
            }
            _ => out.truncate(at(rng, out.len() + 1)),
        }
    }
    out
}

fn random_bytes(rng: &mut ChaCha20Rng, max: usize) -> Vec<u8> {
    let mut out = vec![0u8; (rng.next_u32() as usize) % (max + 1)];
    rng.fill_bytes(&mut out);
    out
}

/// Decodes `bytes` as every message type; returns the metadata of those that decoded.
fn decode_all(bytes: &[u8]) -> Vec<Option<Metadata>> {
    let mut metadata = Vec::new();
    if let Ok(m) = PartialBeaconPacket::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = SyncRequest::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = PublicRandRequest::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = StatusRequest::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = IdentityRequest::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = ChainInfoRequest::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = BeaconPacket::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = PublicRandResponse::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = IdentityResponse::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = ChainInfoPacket::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = GroupPacket::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = ListBeaconIDsResponse::decode(bytes) {
        metadata.extend(m.metadatas.into_iter().map(Some));
    }
    let _ = StatusResponse::decode(bytes);
    metadata
}

/// Feeds a partial to a fresh engine (then a tick if it was kept): only the genuine next
/// beacon is ever stored, never an alert, a genuine partial is never called invalid.
fn check_engine(f: &Fixture, packet: PartialPacket) -> bool {
    let mut engine = f.engine();
    let now = f.now_ms();
    let mut outputs = engine.handle(
        now,
        Event::Partial {
            from: "peer".into(),
            packet: packet.clone(),
        },
    );
    let kept = !outputs.iter().any(|o| matches!(o, Output::Rejected { .. }));
    if kept {
        outputs.extend(engine.handle(now, Event::Tick));
    }
    let mut stored = false;
    for output in outputs {
        match output {
            Output::Store(b) => {
                assert_eq!(b, f.chain[STORED as usize + 1]);
                assert_eq!(f.store().put(&b).unwrap(), PutOutcome::Appended);
                stored = true;
            }
            Output::Alert(a) => panic!("alert from a partial: {a:?}"),
            Output::Rejected { round, reason, .. } => {
                assert_eq!(round, packet.round);
                if let RejectReason::InvalidSignature { index, .. } = &reason {
                    let genuine = *index < 3
                        && (1..=4).contains(&round)
                        && f.partial(*index as usize, round) == packet;
                    assert!(!genuine, "{reason:?}");
                }
            }
            Output::Sync { .. } | Output::Broadcast(_) => {}
        }
    }
    stored
}

/// Offers a beacon from the wire to a store holding rounds 0..=2: only the next round is
/// appended, and no stored round is ever lost or changed.
fn check_store(f: &Fixture, p: &BeaconPacket) {
    let chained = f.chained();
    let beacon = StoredBeacon {
        round: p.round,
        signature: p.signature.clone(),
        previous_signature: (chained && !p.previous_signature.is_empty())
            .then(|| p.previous_signature.clone()),
    };
    let store = f.store();
    match store.put(&beacon) {
        Ok(PutOutcome::Appended) => assert_eq!(beacon.round, STORED + 1),
        Ok(PutOutcome::AlreadyStored) => {
            assert_eq!(beacon.signature, f.chain[beacon.round as usize].signature)
        }
        Err(StoreError::Conflict { .. }) => assert!(beacon.round <= STORED),
        Err(StoreError::NotNext { .. }) => assert!(beacon.round > STORED + 1),
        Err(StoreError::BrokenLink { .. }) => assert!(chained),
        Err(e) => panic!("{e}"),
    }
    for r in 0..=STORED {
        assert_eq!(
            store.get(r).unwrap().unwrap().signature,
            f.chain[r as usize].signature
        );
    }
}

fn check_routing(f: &Fixture, metadata: Option<&Metadata>) {
    let routes = [
        BeaconRoute {
            beacon_id: "default".into(),
            chain_hash: Some(f.info.hash().0.to_vec()),
        },
        BeaconRoute {
            beacon_id: "pending".into(),
            chain_hash: None,
        },
    ];
    let compatible = metadata
        .and_then(|m| m.node_version.as_ref())
        .is_none_or(is_compatible);
    match version_gate(metadata) {
        Ok(()) => assert!(compatible),
        Err(s) => {
            assert!(!compatible);
            assert_eq!(s.code(), tonic::Code::PermissionDenied);
            assert!(s.message().len() < 1024);
        }
    }
    match route(&routes, metadata) {
        Ok(found) => assert!(routes.contains(&found)),
        Err(s) => {
            assert!(matches!(
                s.code(),
                tonic::Code::NotFound | tonic::Code::InvalidArgument
            ));
            assert!(s.message().len() < 1024, "{}", s.message());
        }
    }
}

#[test]
fn random_and_mutated_grpc_messages() {
    let mut rng = ChaCha20Rng::seed_from_u64(0xdec0de);
    for f in fixtures() {
        // Genuine encodings to mutate: partials, beacons and requests with metadata.
        let md = Some(Metadata {
            node_version: Some(drand_node::net::version::ours()),
            beacon_id: "default".into(),
            chain_hash: f.info.hash().0.to_vec(),
        });
        let partial = f.partial(1, STORED + 1);
        let genuine_partial = PartialBeaconPacket {
            round: partial.round,
            previous_signature: partial.previous_signature.clone(),
            partial_sig: partial.partial_sig.clone(),
            metadata: md.clone(),
        }
        .encode_to_vec();
        let next = &f.chain[STORED as usize + 1];
        let genuine_beacon = BeaconPacket {
            previous_signature: next.previous_signature.clone().unwrap_or_default(),
            round: next.round,
            signature: next.signature.clone(),
            metadata: md.clone(),
        }
        .encode_to_vec();
        let sync = SyncRequest {
            from_round: 1,
            metadata: md,
        }
        .encode_to_vec();

        // The genuine partial makes the engine store the next beacon.
        assert!(check_engine(&f, partial));

        let mut verified = 0;
        for i in 0..1500 {
            let bytes = match i % 4 {
                0 => random_bytes(&mut rng, 200),
                1 => mutate(&mut rng, &genuine_partial),
                2 => mutate(&mut rng, &genuine_beacon),
                _ => mutate(&mut rng, &sync),
            };
            for m in decode_all(&bytes) {
                check_routing(&f, m.as_ref());
            }
            if let Ok(p) = PartialBeaconPacket::decode(bytes.as_slice()) {
                let plausible = p.partial_sig.len() == f.info.scheme().signature_len() + 2;
                // Verifying a partial costs a pairing: bound the test's time.
                if !plausible || verified < 60 {
                    verified += usize::from(plausible);
                    check_engine(
                        &f,
                        PartialPacket {
                            round: p.round,
                            previous_signature: p.previous_signature,
                            partial_sig: p.partial_sig,
                        },
                    );
                }
            }
            if let Ok(p) = BeaconPacket::decode(bytes.as_slice()) {
                check_store(&f, &p);
            }
            if let Ok(r) = SyncRequest::decode(bytes.as_slice()) {
                let got = f.store().range(r.from_round.max(1), 16).unwrap();
                assert!(got.len() <= 16);
            }
        }
    }
}

#[test]
fn hostile_metadata_is_routed_or_refused_briefly() {
    let f = &fixtures()[1];
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let ids = ["", "default", "pending", "quicknet", "../etc", "\u{202e}x"];
    for i in 0..2000u32 {
        let hash = match i % 4 {
            0 => Vec::new(),
            1 => f.info.hash().0.to_vec(),
            2 => random_bytes(&mut rng, 40),
            _ => random_bytes(&mut rng, 100_000),
        };
        let beacon_id = if i % 5 == 4 {
            "x".repeat((rng.next_u32() % 100_000) as usize)
        } else {
            ids[(rng.next_u32() as usize) % ids.len()].to_owned()
        };
        let node_version = (i % 3 != 0).then(|| NodeVersion {
            major: rng.next_u32() % 4,
            minor: if i % 2 == 0 {
                rng.next_u32()
            } else {
                rng.next_u32() % 4
            },
            patch: rng.next_u32(),
            prerelease: (i % 7 == 0).then(|| "p".repeat((rng.next_u32() % 50_000) as usize)),
        });
        let m = Metadata {
            node_version,
            beacon_id,
            chain_hash: hash,
        };
        check_routing(f, Some(&m));
    }
    check_routing(f, None);
}

#[test]
fn random_go_durations_parse_consistently() {
    const NANOS: u128 = 1_000_000_000;
    let alphabet: Vec<char> = "0123456789.hmsun\u{b5}\u{3bc}+- x".chars().collect();
    let mut rng = ChaCha20Rng::seed_from_u64(0xd0);
    for _ in 0..20_000 {
        let len = rng.next_u32() % 14;
        let text: String = (0..len)
            .map(|_| alphabet[(rng.next_u32() as usize) % alphabet.len()])
            .collect();
        let nanos = parse_go_duration_nanos(&text);
        let secs = parse_go_duration_secs(&text);
        match nanos {
            Ok(n) if n % NANOS == 0 => {
                let whole = u64::try_from(n / NANOS).unwrap();
                assert_eq!(
                    parse_go_duration_nanos(&format_go_duration(whole)),
                    Ok(n),
                    "{text:?}"
                );
                assert_eq!(secs.ok(), u32::try_from(whole).ok(), "{text:?}");
            }
            _ => assert!(secs.is_err(), "{text:?}"),
        }
    }
}

#[test]
fn any_method_and_headers_get_a_documented_answer() {
    let f = Fixture::new(Scheme::BlsUnchainedG1Rfc9380, 9);
    let store = f.store();
    let (_tx, latest) = tokio::sync::watch::channel(STORED);
    // The clock just after round STORED + 1 was due: long-polls end at once (no grace).
    let now = round_time(&f.info, STORED + 1).unwrap() * 1000 + 10;
    let state = ApiState::new(Arc::new(move || now)).with_long_poll_grace(Duration::ZERO);
    state
        .add_chain(ChainHandle {
            info: f.info.clone(),
            store: Arc::new(store),
            latest,
        })
        .unwrap();
    let app = router(state);
    let hash = f.info.hash().to_hex();
    let paths = [
        "/chains".to_owned(),
        "/info".to_owned(),
        "/health".to_owned(),
        "/public/latest".to_owned(),
        "/public/1".to_owned(),
        "/public/3".to_owned(),
        "/public/99".to_owned(),
        format!("/v2/chains/{hash}/rounds/next"),
        format!("/{hash}/public/2"),
        "/v2/beacons/default/rounds/0".to_owned(),
        "/nothing/here".to_owned(),
    ];
    let methods = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::OPTIONS,
        Method::PATCH,
        Method::TRACE,
        Method::CONNECT,
        Method::from_bytes(b"BREW").unwrap(),
    ];
    let headers: [(&str, &[u8]); 9] = [
        ("origin", b"https://example.org"),
        ("origin", b"null"),
        ("access-control-request-method", b"GET"),
        ("access-control-request-method", b"\xff\xfe"),
        ("access-control-request-headers", b"x-a, x-b"),
        ("range", b"bytes=0-1"),
        ("if-none-match", b"*"),
        ("accept-encoding", b"gzip, br"),
        ("content-length", b"99999999999999999999"),
    ];
    let mut rng = ChaCha20Rng::seed_from_u64(0x4774);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        for _ in 0..600 {
            let method = methods[(rng.next_u32() as usize) % methods.len()].clone();
            let path = &paths[(rng.next_u32() as usize) % paths.len()];
            let mut request = Request::builder().method(method.clone()).uri(path.as_str());
            for _ in 0..rng.next_u32() % 4 {
                let (name, value) = headers[(rng.next_u32() as usize) % headers.len()];
                request = request.header(name, value);
            }
            let body = random_bytes(&mut rng, 64);
            let Ok(request) = request.body(Body::from(body)) else {
                continue;
            };
            let response =
                tokio::time::timeout(Duration::from_secs(5), app.clone().oneshot(request))
                    .await
                    .unwrap_or_else(|_| panic!("{method} {path}: no answer"))
                    .unwrap();
            let status = response.status();
            assert_eq!(
                response
                    .headers()
                    .get("access-control-allow-origin")
                    .map(|v| v.as_bytes()),
                Some(&b"*"[..]),
                "{method} {path}"
            );
            let body = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            let text = String::from_utf8_lossy(&body);
            match status {
                StatusCode::OK if method == Method::GET => {
                    serde_json::from_slice::<serde_json::Value>(&body)
                        .unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"));
                }
                StatusCode::OK
                | StatusCode::BAD_REQUEST
                | StatusCode::NOT_FOUND
                | StatusCode::METHOD_NOT_ALLOWED
                | StatusCode::TOO_EARLY => {}
                StatusCode::SERVICE_UNAVAILABLE => assert!(
                    text.contains("not produced") || method == Method::HEAD,
                    "{method} {path}: {text}"
                ),
                other => panic!("{method} {path}: {other} {text}"),
            }
        }
    });
}
