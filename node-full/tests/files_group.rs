//! Group file, group hash and chain info against real drand files and hand-computed hashes.

use std::path::{Path, PathBuf};

use drand_lite::{ChainInfo, Scheme};
use drand_node::files::{FilesError, Group, GroupNode};
use proptest::prelude::*;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/files_data")
        .join(rel)
}

const DEMO_GROUP: &str = "drand-demo/multibeacon/default/groups/drand_group.toml";

fn demo_text() -> String {
    std::fs::read_to_string(data(DEMO_GROUP)).unwrap()
}

#[test]
fn real_epoch1_group_hash_is_its_genesis_seed() {
    // drand computed this group's GenesisSeed as Group.Hash() at the end of the epoch-1 DKG.
    let group = Group::read(&data(DEMO_GROUP)).unwrap();
    assert_eq!(
        drand_lite::hex::encode(&group.hash()),
        "ec15a88377db6dab289257faeb4da0a5a73820b2c10a7fc2fd170c795fa96fc0"
    );
    assert_eq!(group.hash().as_slice(), group.genesis_seed.as_slice());
    assert_eq!(group.threshold, 4);
    assert_eq!(group.nodes.len(), 6);
    assert_eq!(group.period_secs, 1);
    assert_eq!(group.catchup_period_secs, 1);
    assert_eq!(group.transition_time, group.genesis_time);
    assert_eq!(group.scheme, Scheme::PedersenBlsChained);
    assert_eq!(group.beacon_id, "default");
    assert_eq!(group.public_coefficients.len(), 4);
}

#[test]
fn real_group_file_round_trips_byte_for_byte() {
    let text = demo_text();
    let group = Group::from_toml(&text).unwrap();
    assert_eq!(group.to_toml(), text);
}

#[test]
fn group_written_and_read_back_is_equal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drand_group.toml");
    let group = Group::from_toml(&demo_text()).unwrap();
    group.write(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), demo_text());
    assert_eq!(Group::read(&path).unwrap(), group);
}

#[test]
fn lookups_by_key_index_and_address() {
    let group = Group::from_toml(&demo_text()).unwrap();
    assert_eq!(group.index_of_address("127.0.0.1:33307"), Some(2));
    assert_eq!(group.index_of_address("127.0.0.1:1"), None);
    let node = group.node_by_index(2).unwrap();
    assert_eq!(
        group.node_by_key(&node.key).unwrap().address,
        "127.0.0.1:33307"
    );
    assert!(group.node_by_key(&[0u8; 48]).is_none());
    assert!(group.node_by_index(6).is_none());
}

#[test]
fn chain_info_matches_drand_lite() {
    let group = Group::from_toml(&demo_text()).unwrap();
    let info = group.chain_info().unwrap();
    let direct = ChainInfo::new(
        Scheme::PedersenBlsChained,
        &group.public_coefficients[0],
        1,
        group.genesis_time,
        group.hash(),
        "default",
    )
    .unwrap();
    assert_eq!(info.hash(), direct.hash());
    assert_eq!(info.genesis_seed(), &group.hash());
    assert_eq!(info.public_key(), group.public_key().unwrap());
}

/// A group carrying mainnet `default`'s public key, period, genesis time and seed must give
/// mainnet's real chain hash.
#[test]
fn mainnet_parameters_give_the_mainnet_chain_hash() {
    let pk = drand_lite::hex::decode(
        drand_lite::Field::PublicKey,
        "868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a569937c529eeda66c7293784a9402801af31",
        48,
    )
    .unwrap();
    let seed = drand_lite::hex::decode(
        drand_lite::Field::GenesisSeed,
        "176f93498eac9ca337150b46d21dd58673ea4e3581185f869672e59fa4cb390a",
        32,
    )
    .unwrap();
    let group = Group {
        threshold: 1,
        period_secs: 30,
        catchup_period_secs: 15,
        genesis_time: 1_595_431_050,
        transition_time: 0,
        genesis_seed: seed,
        scheme: Scheme::PedersenBlsChained,
        beacon_id: "default".into(),
        nodes: vec![GroupNode {
            address: "api.drand.sh:443".into(),
            key: pk.clone(),
            signature: Vec::new(),
            index: 0,
        }],
        public_coefficients: vec![pk],
    };
    assert_eq!(
        group.chain_info().unwrap().hash().to_hex(),
        "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce"
    );
    // And through the file: write, parse, same chain.
    let reparsed = Group::from_toml(&group.to_toml()).unwrap();
    assert_eq!(reparsed, group);
}

fn synthetic(transition_time: u64, coefficients: bool, beacon_id: &str) -> Group {
    Group {
        threshold: 2,
        period_secs: 3,
        catchup_period_secs: 1,
        genesis_time: 1_700_000_000,
        transition_time,
        genesis_seed: vec![0; 32],
        scheme: Scheme::PedersenBlsChained,
        beacon_id: beacon_id.into(),
        // File order is not index order: the hash sorts by index.
        nodes: vec![
            GroupNode {
                address: "b:2".into(),
                key: vec![0xb7; 48],
                signature: Vec::new(),
                index: 7,
            },
            GroupNode {
                address: "a:1".into(),
                key: vec![0xa3; 48],
                signature: Vec::new(),
                index: 3,
            },
        ],
        public_coefficients: if coefficients {
            vec![vec![0xc0; 48], vec![0xc1; 48]]
        } else {
            Vec::new()
        },
    }
}

/// Expected values computed independently (Python `hashlib.blake2b(digest_size=32)`) from the
/// layout of §4.2: H(H(LE32(3)||k3) || H(LE32(7)||k7) || LE32(2) || LE64(1700000000)
/// [|| LE64(1700000300) || H(c0||c1) || "quicknet"]).
#[test]
fn group_hash_matches_hand_computed_layout() {
    assert_eq!(
        drand_lite::hex::encode(&synthetic(1_700_000_300, true, "quicknet").hash()),
        "2091f5d44ae89fc0f9e1d6eb6692beb0e59c90750ffbbeccb323fb8d2cf13b25"
    );
    // No transition time, no coefficients, default ID: none of the optional parts.
    assert_eq!(
        drand_lite::hex::encode(&synthetic(0, false, "default").hash()),
        "a5901265d0836bf6a03efc5b3656aa1a54b94ee800f6ee76124e832d0e240de8"
    );
    // The address is not hashed (a node may move).
    let mut moved = synthetic(0, false, "default");
    moved.nodes[0].address = "elsewhere:443".into();
    assert_eq!(moved.hash(), synthetic(0, false, "default").hash());
}

#[test]
fn legacy_files_parse_with_drand_defaults() {
    // v1: no SchemeID, ID, CatchupPeriod or signatures; TLS = false; TransitionTime = 0.
    let v1 = Group::read(&data("legacy/v1_client_group.toml")).unwrap();
    assert_eq!(v1.scheme, Scheme::PedersenBlsChained);
    assert_eq!(v1.beacon_id, "default");
    assert_eq!(v1.catchup_period_secs, 0);
    assert_eq!(v1.period_secs, 10);
    assert!(v1.nodes.iter().all(|n| n.signature.is_empty()));
    assert_eq!(Group::from_toml(&v1.to_toml()).unwrap(), v1);

    // Incentinet: TLS = true per node, no per-node SchemeName, a reshare (seed != own hash).
    let inc = Group::read(&data("legacy/incentinet_default.toml")).unwrap();
    assert_eq!(inc.transition_time, 1_662_041_790);
    assert_ne!(inc.hash().as_slice(), inc.genesis_seed.as_slice());
    let rewritten = inc.to_toml();
    assert!(!rewritten.contains("TLS"));
    assert_eq!(Group::from_toml(&rewritten).unwrap(), inc);
    assert_eq!(Group::from_toml(&rewritten).unwrap().to_toml(), rewritten);
}

fn demo_with(from: &str, to: &str) -> Result<Group, FilesError> {
    let text = demo_text();
    assert!(text.contains(from), "fixture lacks {from:?}");
    Group::from_toml(&text.replacen(from, to, 1))
}

fn err_text(r: Result<Group, FilesError>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn bad_group_files_are_clear_errors() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "Threshold = 4",
            "Threshold = 3",
            "below the minimum 4 for 6 nodes",
        ),
        (
            "Threshold = 4",
            "Threshold = 7",
            "greater than the number of nodes",
        ),
        ("Threshold = 4", "Threshold = -1", "Threshold"),
        ("Threshold = 4", "Threshold = \"4\"", "line 1"),
        (
            "Period = \"1s\"",
            "Period = \"500ms\"",
            "whole number of seconds",
        ),
        ("Period = \"1s\"", "Period = \"0s\"", "at least 1s"),
        ("Period = \"1s\"", "Period = \"soon\"", "not a Go duration"),
        (
            "CatchupPeriod = \"1s\"",
            "CatchupPeriod = \"1.5s\"",
            "CatchupPeriod",
        ),
        (
            "SchemeID = \"pedersen-bls-chained\"",
            "SchemeID = \"rsa\"",
            "unknown scheme `rsa",
        ),
        (
            "SchemeID = \"pedersen-bls-chained\"",
            "SchemeID = \"pedersen-bls-unchained\"",
            "scheme mismatch",
        ),
        (
            "GenesisSeed = \"ec15",
            "GenesisSeed = \"zz15",
            "not a hex digit",
        ),
        ("GenesisSeed = \"ec15", "GenesisSeed = \"c15", "odd number"),
        (
            "GenesisSeed = \"ec15",
            "GenesisSeed = \"15",
            "31 bytes, but a genesis seed is 32",
        ),
        ("GenesisTime = 1782896962", "GenesisTime = -5", "negative"),
        (
            "GenesisTime = 1782896962",
            "Genesis = 1782896962",
            "unknown field",
        ),
        ("Index = 1\n", "Index = 0\n", "index 0 is used twice"),
        ("Index = 1\n", "Index = 4294967296\n", "Nodes[1].Index"),
        ("Key = \"88864a", "Key = \"0088864a", "Nodes[0].Key"),
        (
            "Address = \"127.0.0.1:45747\"",
            "Address = \"127.0.0.1\"",
            "Nodes[0].Address",
        ),
        (
            "Address = \"127.0.0.1:45747\"",
            "Address = \"127.0.0.1:40387\"",
            "used twice",
        ),
        (
            "  Signature = \"aa94",
            "  Signature = \"00aa94",
            "Nodes[0].Signature",
        ),
        ("ID = \"default\"", "ID = \"../../etc\"", "field `ID`"),
        (
            "Coefficients = [\"8d6b",
            "Coefficients = [\"",
            "Coefficients[0]",
        ),
    ];
    for (from, to, expect) in cases {
        let msg = err_text(demo_with(from, to));
        assert!(msg.contains(expect), "{to:?}: {msg}");
    }
    // Missing fields.
    for field in [
        "Threshold = 4\n",
        "Period = \"1s\"\n",
        "GenesisTime = 1782896962\n",
    ] {
        let msg = err_text(demo_with(field, ""));
        assert!(msg.contains("missing field"), "{field:?}: {msg}");
    }
    // Coefficient count must equal the threshold.
    let text = demo_text();
    let start = text.find("  Coefficients").unwrap();
    let one = format!(
        "{}  Coefficients = [\"8d6b3b7b9870e378ef29294de728bee6fec3f742e2bd3eb2168a47d8f37054e1daddfca613d9526934ced617a7a49c8a\"]\n",
        &text[..start]
    );
    assert!(
        err_text(Group::from_toml(&one)).contains("1 public coefficients, but the threshold is 4")
    );
    // No nodes at all.
    let header_end = text.find("\n[[Nodes]]").unwrap();
    assert!(err_text(Group::from_toml(&text[..header_end])).contains("no nodes"));
    // Garbage and truncation.
    assert!(err_text(Group::from_toml("Threshold = = 4")).contains("invalid TOML"));
    let truncated = &text[..text.len() / 2];
    assert!(Group::from_toml(truncated).is_err());
}

#[test]
fn read_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drand_group.toml");
    assert!(matches!(
        Group::read(&path),
        Err(FilesError::NotFound { .. })
    ));
    std::fs::write(&path, "Threshold = [").unwrap();
    let msg = Group::read(&path).unwrap_err().to_string();
    assert!(msg.contains("drand_group.toml"), "{msg}");
    assert!(msg.contains("line 1"), "{msg}");
    std::fs::write(&path, [0xff, 0xfe]).unwrap();
    assert!(
        Group::read(&path)
            .unwrap_err()
            .to_string()
            .contains("UTF-8")
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in ".{0,400}") {
        let _ = Group::from_toml(&text);
    }

    #[test]
    fn mutated_real_file_never_panics(pos in 0usize..3105, byte in any::<u8>()) {
        let mut bytes = demo_text().into_bytes();
        if let Some(b) = bytes.get_mut(pos) {
            *b = byte;
        }
        if let Ok(text) = String::from_utf8(bytes)
            && let Ok(group) = Group::from_toml(&text)
        {
            // Anything accepted must survive its own round trip.
            prop_assert_eq!(Group::from_toml(&group.to_toml()).unwrap(), group);
        }
    }
}
