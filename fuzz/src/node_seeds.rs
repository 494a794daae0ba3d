//! Seeds of the full-node targets (part of [`crate::seeds::all`]).

use drand_lite::Scheme;
use drand_node::crypto::SecretKey;
use drand_node::files::keys::{private_key_toml, public_key_toml};
use drand_node::files::{Group, Identity, KeyShare};
use drand_node::net::version;
use drand_node::proto::{
    BeaconPacket, ChainInfoPacket, GroupPacket, Identity as ProtoIdentity, IdentityResponse,
    Metadata, Node as ProtoNode, PartialBeaconPacket, PublicRandRequest, StatusRequest,
    SyncRequest,
};
use prost::Message;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::node::{CHAIN_LEN, DealtGroup, GROUP_SIZE, STORED, THRESHOLD, groups};
use crate::seeds::{Seed, seed};

const DEMO: &str = "../node-full/tests/files_data";

fn metadata(group: &DealtGroup) -> Option<Metadata> {
    Some(Metadata {
        node_version: Some(version::ours()),
        beacon_id: "default".into(),
        chain_hash: group.info.hash().0.to_vec(),
    })
}

/// The members' long-term identities (seeded keys, self-signed).
fn identities(scheme: Scheme) -> Vec<Identity> {
    let mut rng = ChaCha20Rng::seed_from_u64(0x1d);
    (0..GROUP_SIZE)
        .map(|i| {
            let secret = SecretKey::generate(scheme, &mut rng);
            Identity::new_signed(&secret, &format!("127.0.0.1:{}", 4440 + i)).expect("identity")
        })
        .collect()
}

/// The group file of a dealt group.
fn group_file(group: &DealtGroup) -> Group {
    Group {
        threshold: THRESHOLD,
        period_secs: group.info.period(),
        catchup_period_secs: 1,
        genesis_time: group.info.genesis_time(),
        transition_time: 0,
        genesis_seed: group.chain[0].signature.clone(),
        scheme: group.scheme(),
        beacon_id: "default".into(),
        nodes: identities(group.scheme())
            .iter()
            .zip(0..)
            .map(|(id, i)| id.to_group_node(i))
            .collect(),
        public_coefficients: group.dealing.public.to_bytes(),
    }
}

/// One selector byte per scheme, then a genuine message of that scheme's group.
pub fn grpc_messages(out: &mut Vec<Seed>) {
    const T: &str = "grpc_messages";
    for (group, selector) in groups().iter().zip(0u8..) {
        let name = group.scheme().id();
        let framed = |m: &dyn Fn() -> Vec<u8>| {
            let mut bytes = vec![selector];
            bytes.extend(m());
            bytes
        };
        for round in [STORED + 1, STORED + 2] {
            let p = group.partial(1, round);
            let packet = PartialBeaconPacket {
                round: p.round,
                previous_signature: p.previous_signature,
                partial_sig: p.partial_sig,
                metadata: metadata(group),
            };
            out.push(seed(
                T,
                format!("{name}-partial-r{round}"),
                framed(&|| packet.encode_to_vec()),
            ));
        }
        for round in [STORED, STORED + 1] {
            let b = &group.chain[round as usize];
            let packet = BeaconPacket {
                previous_signature: b.previous_signature.clone().unwrap_or_default(),
                round,
                signature: b.signature.clone(),
                metadata: metadata(group),
            };
            out.push(seed(
                T,
                format!("{name}-beacon-r{round}"),
                framed(&|| packet.encode_to_vec()),
            ));
        }
        let sync = SyncRequest {
            from_round: 1,
            metadata: metadata(group),
        };
        out.push(seed(
            T,
            format!("{name}-sync"),
            framed(&|| sync.encode_to_vec()),
        ));
        let chain_info = ChainInfoPacket {
            public_key: group.info.public_key().to_vec(),
            period: group.info.period(),
            genesis_time: i64::try_from(group.info.genesis_time()).expect("genesis"),
            hash: group.info.hash().0.to_vec(),
            group_hash: group.chain[0].signature.clone(),
            scheme_id: name.into(),
            metadata: metadata(group),
        };
        out.push(seed(
            T,
            format!("{name}-chain-info"),
            framed(&|| chain_info.encode_to_vec()),
        ));
        let file = group_file(group);
        let group_packet = GroupPacket {
            nodes: file
                .nodes
                .iter()
                .map(|n| ProtoNode {
                    public: Some(ProtoIdentity {
                        address: n.address.clone(),
                        key: n.key.clone(),
                        signature: n.signature.clone(),
                        ..Default::default()
                    }),
                    index: n.index,
                })
                .collect(),
            threshold: file.threshold,
            period: file.period_secs,
            genesis_time: file.genesis_time,
            transition_time: 0,
            genesis_seed: file.genesis_seed.clone(),
            dist_key: file.public_coefficients.clone(),
            catchup_period: file.catchup_period_secs,
            scheme_id: name.into(),
            metadata: metadata(group),
        };
        out.push(seed(
            T,
            format!("{name}-group"),
            framed(&|| group_packet.encode_to_vec()),
        ));
        let id = &identities(group.scheme())[0];
        let identity = IdentityResponse {
            address: id.address.clone(),
            key: id.key.clone(),
            signature: id.signature.clone(),
            scheme_name: name.into(),
            metadata: metadata(group),
            ..Default::default()
        };
        out.push(seed(
            T,
            format!("{name}-identity"),
            framed(&|| identity.encode_to_vec()),
        ));
    }
    let rand = PublicRandRequest {
        round: CHAIN_LEN,
        metadata: None,
    };
    out.push(seed(
        T,
        "public-rand",
        [&[0u8][..], &rand.encode_to_vec()].concat(),
    ));
    let status = StatusRequest {
        check_conn: vec![drand_node::proto::Address {
            address: "[::1]:4444".into(),
            ..Default::default()
        }],
        metadata: None,
    };
    out.push(seed(
        T,
        "status",
        [&[0u8][..], &status.encode_to_vec()].concat(),
    ));
}

/// A request for every route, and a CORS preflight.
pub fn http_routes(out: &mut Vec<Seed>) {
    const T: &str = "http_routes";
    const DEFAULT: &str = "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce";
    const QUICKNET: &str = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971";
    let paths = [
        ("chains", "/chains".to_owned()),
        ("v2-chains", "/v2/chains".to_owned()),
        ("v2-beacons", "/v2/beacons".to_owned()),
        ("info", "/info".to_owned()),
        ("health", "/health".to_owned()),
        ("latest", "/public/latest".to_owned()),
        ("round", "/public/2".to_owned()),
        ("hash-info", format!("/{QUICKNET}/info")),
        ("hash-health", format!("/{QUICKNET}/health")),
        ("hash-latest", format!("/{QUICKNET}/public/latest")),
        ("hash-round", format!("/{DEFAULT}/public/3")),
        ("v2-info", format!("/v2/chains/{QUICKNET}/info")),
        ("v2-health", format!("/v2/chains/{DEFAULT}/health")),
        ("v2-latest", format!("/v2/chains/{QUICKNET}/rounds/latest")),
        ("v2-next", format!("/v2/chains/{QUICKNET}/rounds/next")),
        ("v2-round", format!("/v2/chains/{QUICKNET}/rounds/4")),
        ("id-info", "/v2/beacons/quicknet/info".to_owned()),
        ("id-health", "/v2/beacons/default/health".to_owned()),
        ("id-latest", "/v2/beacons/quicknet/rounds/latest".to_owned()),
        ("id-next", "/v2/beacons/default/rounds/next".to_owned()),
        ("id-round", "/v2/beacons/quicknet/rounds/99".to_owned()),
    ];
    for (name, path) in paths {
        out.push(seed(T, format!("get-{name}"), format!("GET {path}")));
    }
    out.push(seed(
        T,
        "head-latest",
        "HEAD /public/latest\nAccept: application/json",
    ));
    out.push(seed(
        T,
        "preflight",
        "OPTIONS /v2/beacons/quicknet/rounds/1\nOrigin: https://example.org\n\
         Access-Control-Request-Method: GET\nAccess-Control-Request-Headers: x-any",
    ));
    out.push(seed(T, "post", "POST /public/1\nContent-Length: 2\n\n{}"));
}

/// The real drand files of the tests, and files of every scheme written by the node.
pub fn node_files(out: &mut Vec<Seed>) {
    const T: &str = "node_files";
    let read = |rel: &str| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(DEMO)
            .join(rel);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let node = "drand-demo/multibeacon/default";
    out.push(seed(
        T,
        "demo-group",
        read(&format!("{node}/groups/drand_group.toml")),
    ));
    out.push(seed(
        T,
        "demo-share",
        read(&format!("{node}/groups/dist_key.private")),
    ));
    out.push(seed(
        T,
        "demo-private",
        read(&format!("{node}/key/drand_id.private")),
    ));
    out.push(seed(
        T,
        "demo-public",
        read(&format!("{node}/key/drand_id.public")),
    ));
    out.push(seed(
        T,
        "legacy-incentinet",
        read("legacy/incentinet_default.toml"),
    ));
    out.push(seed(T, "legacy-v1", read("legacy/v1_client_group.toml")));
    for group in groups() {
        let name = group.scheme().id();
        out.push(seed(
            T,
            format!("{name}-group"),
            group_file(group).to_toml(),
        ));
        let share = KeyShare::new(
            group.dealing.shares[1].clone(),
            group.dealing.public.clone(),
        )
        .expect("share");
        out.push(seed(T, format!("{name}-share"), share.to_toml().as_str()));
        let mut rng = ChaCha20Rng::seed_from_u64(0x5ec);
        let secret = SecretKey::generate(group.scheme(), &mut rng);
        out.push(seed(
            T,
            format!("{name}-private"),
            private_key_toml(&secret).as_str(),
        ));
        let id = Identity::new_signed(&secret, "node.example.org:443").expect("identity");
        out.push(seed(T, format!("{name}-public"), public_key_toml(&id)));
    }
    for (name, text) in [
        ("duration-go", "1h2m3.5s"),
        ("duration-units", "1.5h30m500ms250us10ns"),
        ("duration-micro", "7\u{b5}s"),
        ("duration-zero", "-0"),
        ("address-v6", "[2001:db8::1]:4444"),
        ("beacon-id", "evmnet"),
    ] {
        out.push(seed(T, name, text));
    }
}
