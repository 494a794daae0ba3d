//! Arbitrary bytes as every gRPC message the node receives (requests from peers and clients,
//! responses from peers and from its own daemon), decoded with prost, then pushed through the
//! node's pure handling code.
//!
//! Input: one selector byte (which fixture group: its scheme), then the message bytes. The same
//! bytes are decoded as each message type; whatever decodes is handled:
//! - `PartialBeaconPacket` → a fresh beacon engine of a dealt 2-of-3 group
//!   (`drand_lite_fuzz::node::check_engine`: no alert, only genuine beacons stored, in order);
//! - `BeaconPacket`, `PublicRandResponse` → the store append rules
//!   (`check_store_put`: nothing stored is ever lost or changed);
//! - `SyncRequest`, `PublicRandRequest` → store reads at the requested rounds;
//! - every request's `Metadata` → the server's version gate and beacon routing, whose answers
//!   must be consistent and whose error messages stay short whatever the peer sent;
//! - `StatusRequest` addresses → peer address parsing; `IdentityResponse` → the identity
//!   check; `ChainInfoPacket` → the chain info the CLI builds; `GroupPacket` → the group file
//!   the CLI writes, which must read back as the same group.
#![no_main]

use drand_lite::{ChainInfo, Scheme};
use drand_lite_fuzz::node::{
    DealtGroup, check_engine, check_store_put, check_store_reads, groups, stored_from_wire,
};
use drand_node::engine::PartialPacket;
use drand_node::files::layout::canonical_beacon_id;
use drand_node::files::{Group, GroupNode, Identity, validate_address};
use drand_node::net::server::{route, version_gate};
use drand_node::net::{BeaconRoute, PeerAddress, probe::classify_reply, version::is_compatible};
use drand_node::proto::{
    BeaconPacket, ChainInfoPacket, ChainInfoRequest, Empty, GroupPacket, GroupRequest,
    IdentityRequest, IdentityResponse, ListBeaconIDsRequest, ListBeaconIDsResponse, Metadata,
    PartialBeaconPacket, Ping, Pong, PublicKeyRequest, PublicKeyResponse, PublicRandRequest,
    PublicRandResponse, ShutdownRequest, ShutdownResponse, StatusRequest, StatusResponse,
    SyncRequest,
};
use libfuzzer_sys::fuzz_target;
use prost::Message;

/// The longest error message a peer's input may provoke (they are logged and sent back).
const MAX_MESSAGE: usize = 1024;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let groups = groups();
    let group = &groups[usize::from(selector) % groups.len()];
    let chained = group.scheme().is_chained();
    let _ = classify_reply(bytes);

    let mut metadata: Vec<Option<Metadata>> = Vec::new();

    // Requests: drand.Protocol and drand.Public from peers and clients.
    if let Ok(m) = PartialBeaconPacket::decode(bytes) {
        metadata.push(m.metadata);
        check_engine(
            group,
            PartialPacket {
                round: m.round,
                previous_signature: m.previous_signature,
                partial_sig: m.partial_sig,
            },
        );
    }
    if let Ok(m) = SyncRequest::decode(bytes) {
        metadata.push(m.metadata);
        check_store_reads(group, m.from_round.max(1), m.from_round);
    }
    if let Ok(m) = PublicRandRequest::decode(bytes) {
        metadata.push(m.metadata);
        check_store_reads(group, m.round, m.round);
    }
    if let Ok(m) = StatusRequest::decode(bytes) {
        metadata.push(m.metadata);
        for a in &m.check_conn {
            check_address(&a.address);
        }
    }
    if let Ok(m) = IdentityRequest::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = ChainInfoRequest::decode(bytes) {
        metadata.push(m.metadata);
    }
    if ListBeaconIDsRequest::decode(bytes).is_ok() {
        metadata.push(None);
    }
    // Requests: drand.Control, from the operator's CLI.
    if let Ok(m) = GroupRequest::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = PublicKeyRequest::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = ShutdownRequest::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = Ping::decode(bytes) {
        metadata.push(m.metadata);
    }

    // Responses: from peers (sync, identity, chain info) and from the daemon (CLI).
    if let Ok(m) = BeaconPacket::decode(bytes) {
        metadata.push(m.metadata);
        let beacon = stored_from_wire(chained, m.round, m.signature, m.previous_signature);
        check_store_put(group, &beacon);
    }
    if let Ok(m) = PublicRandResponse::decode(bytes) {
        metadata.push(m.metadata);
        let beacon = stored_from_wire(chained, m.round, m.signature, m.previous_signature);
        check_store_put(group, &beacon);
    }
    if let Ok(m) = IdentityResponse::decode(bytes) {
        metadata.push(m.metadata.clone());
        check_identity(&m);
    }
    if let Ok(m) = ChainInfoPacket::decode(bytes) {
        metadata.push(m.metadata.clone());
        check_chain_info(&m);
    }
    if let Ok(m) = GroupPacket::decode(bytes) {
        metadata.push(m.metadata.clone());
        check_group(&m);
    }
    if let Ok(m) = ListBeaconIDsResponse::decode(bytes) {
        metadata.extend(m.metadatas.into_iter().map(Some));
    }
    if let Ok(m) = StatusResponse::decode(bytes) {
        let _ = m
            .chain_store
            .map(|s| s.last_stored.saturating_sub(s.expected_last));
    }
    if let Ok(m) = PublicKeyResponse::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = Pong::decode(bytes) {
        metadata.push(m.metadata);
    }
    if let Ok(m) = ShutdownResponse::decode(bytes) {
        metadata.push(m.metadata);
    }
    let _ = Empty::decode(bytes);

    for m in &metadata {
        check_routing(group, m.as_ref());
    }
});

/// The version gate refuses exactly the incompatible versions; routing finds a served beacon
/// or says why not, briefly.
fn check_routing(group: &DealtGroup, metadata: Option<&Metadata>) {
    let own_hash = group.info.hash().0.to_vec();
    let other_hash = groups()[0].info.hash().0.to_vec();
    let mut routes = vec![BeaconRoute {
        beacon_id: "default".into(),
        chain_hash: Some(own_hash),
    }];
    if other_hash != routes[0].chain_hash.clone().unwrap_or_default() {
        routes.push(BeaconRoute {
            beacon_id: "other".into(),
            chain_hash: Some(other_hash),
        });
    }
    routes.push(BeaconRoute {
        beacon_id: "pending".into(),
        chain_hash: None,
    });

    let compatible = metadata
        .and_then(|m| m.node_version.as_ref())
        .is_none_or(is_compatible);
    match version_gate(metadata) {
        Ok(()) => assert!(compatible, "an incompatible version passed the gate"),
        Err(status) => {
            assert!(!compatible, "a compatible version was refused: {status:?}");
            assert_eq!(status.code(), tonic::Code::PermissionDenied);
            assert!(status.message().len() <= MAX_MESSAGE, "{status:?}");
        }
    }

    let hash = metadata.map_or(&[][..], |m| m.chain_hash.as_slice());
    let id = metadata.map_or("", |m| m.beacon_id.as_str());
    match route(&routes, metadata) {
        Ok(found) => {
            assert!(routes.contains(&found), "routed to a beacon not served");
            if let Some(by_hash) = routes
                .iter()
                .find(|r| !hash.is_empty() && r.chain_hash.as_deref() == Some(hash))
            {
                assert_eq!(&found, by_hash, "the chain hash names another beacon");
            } else if hash.is_empty() {
                assert_eq!(found.beacon_id, canonical_beacon_id(id));
            }
        }
        Err(status) => {
            assert!(
                matches!(
                    status.code(),
                    tonic::Code::InvalidArgument | tonic::Code::NotFound
                ),
                "{status:?}"
            );
            assert!(status.message().len() <= MAX_MESSAGE, "{status:?}");
        }
    }
}

/// Peer addresses from the network parse or fail cleanly; a parsed one is a valid
/// `host:port` for the files too when it is plain ASCII.
fn check_address(address: &str) {
    match PeerAddress::parse(address) {
        Ok(parsed) => {
            assert_ne!(parsed.port(), 0);
            assert!(!parsed.host().is_empty());
        }
        Err(e) => assert!(e.to_string().len() <= MAX_MESSAGE + 200),
    }
    let _ = validate_address(address).map_err(|e| e.to_string());
}

fn check_identity(m: &IdentityResponse) {
    check_address(&m.address);
    let Some(scheme) = Scheme::from_id(&m.scheme_name) else {
        return;
    };
    let identity = Identity {
        address: m.address.clone(),
        key: m.key.clone(),
        signature: m.signature.clone(),
        scheme,
    };
    if let Err(e) = identity.verify_self_signature() {
        let _ = e.to_string();
    }
    let _ = identity.fingerprint();
}

/// As `drand-node sync` and `show chain-info` build the chain from a peer's or the daemon's
/// packet.
fn check_chain_info(m: &ChainInfoPacket) {
    let Some(scheme) = Scheme::from_id(&m.scheme_id) else {
        return;
    };
    let Ok(seed) = <[u8; 32]>::try_from(m.group_hash.as_slice()) else {
        return;
    };
    let Ok(genesis) = u64::try_from(m.genesis_time) else {
        return;
    };
    let id = m.metadata.as_ref().map_or("", |md| md.beacon_id.as_str());
    match ChainInfo::new(scheme, &m.public_key, m.period, genesis, seed, id) {
        Ok(info) => {
            let again = ChainInfo::from_json(&info.to_v2_json()).expect("own v2 JSON parses");
            assert_eq!(again.hash(), info.hash());
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// As `drand-node show group` turns the daemon's packet into the group file: a group that
/// validates must be written and read back as the same group.
fn check_group(m: &GroupPacket) {
    let Some(scheme) = Scheme::from_id(&m.scheme_id) else {
        return;
    };
    let group = Group {
        threshold: m.threshold,
        period_secs: m.period,
        catchup_period_secs: m.catchup_period,
        genesis_time: m.genesis_time,
        transition_time: m.transition_time,
        genesis_seed: m.genesis_seed.clone(),
        scheme,
        beacon_id: m
            .metadata
            .as_ref()
            .map(|md| md.beacon_id.clone())
            .unwrap_or_default(),
        nodes: m
            .nodes
            .iter()
            .map(|n| {
                let identity = n.public.clone().unwrap_or_default();
                GroupNode {
                    address: identity.address,
                    key: identity.key,
                    signature: identity.signature,
                    index: n.index,
                }
            })
            .collect(),
        public_coefficients: m.dist_key.clone(),
    };
    let _ = group.hash();
    if let Err(e) = group.validate() {
        let _ = e.to_string();
        return;
    }
    let text = group.to_toml();
    let back = Group::from_toml(&text)
        .unwrap_or_else(|e| panic!("a valid group's file does not read back: {e}\n{text}"));
    let mut expected = group.clone();
    expected.beacon_id = canonical_beacon_id(&group.beacon_id).to_owned();
    assert_eq!(back, expected, "the group file changed the group");
    let _ = group.chain_info().map(|info| info.hash());
}
