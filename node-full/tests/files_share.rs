//! The key share file `dist_key.private` against drand's real file, plus damaged variants.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use drand_lite::Scheme;
use drand_node::crypto::{PublicPoly, SecretKey, Share, deal};
use drand_node::files::{FilesError, Group, KeyShare};
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn demo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/files_data/drand-demo/multibeacon/default")
        .join(rel)
}

fn share_text() -> String {
    std::fs::read_to_string(demo("groups/dist_key.private")).unwrap()
}

#[test]
fn real_share_loads_matches_its_group_and_round_trips() {
    let share = KeyShare::read(&demo("groups/dist_key.private"), None).unwrap();
    assert_eq!(share.share.index(), 2);
    assert_eq!(share.share.scheme(), Scheme::PedersenBlsChained);
    assert_eq!(share.commits.threshold(), 4);
    assert_eq!(share.to_toml().as_str(), share_text());
    let group = Group::read(&demo("groups/drand_group.toml")).unwrap();
    share.check_group(&group).unwrap();
    assert_eq!(group.public_poly().unwrap(), share.commits);
    // The group scheme agrees; another one is refused.
    KeyShare::from_toml(&share_text(), Some(Scheme::PedersenBlsChained)).unwrap();
    assert!(matches!(
        KeyShare::from_toml(&share_text(), Some(Scheme::PedersenBlsUnchained)),
        Err(FilesError::SchemeMismatch { .. })
    ));
}

#[test]
fn written_share_is_0600_and_reads_back() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    for scheme in Scheme::ALL {
        let dealing = deal(scheme, 5, 3, &mut rng).unwrap();
        let share = KeyShare::new(dealing.shares[1].clone(), dealing.public.clone()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dist_key.private");
        share.write(&path).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(KeyShare::read(&path, None).unwrap(), share);
        assert_eq!(KeyShare::read(&path, Some(scheme)).unwrap(), share);
    }
}

#[test]
fn missing_scheme_name_needs_the_group() {
    let text: String = share_text()
        .lines()
        .filter(|l| !l.starts_with("SchemeName"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(matches!(
        KeyShare::from_toml(&text, None),
        Err(FilesError::MissingScheme { .. })
    ));
    let share = KeyShare::from_toml(&text, Some(Scheme::PedersenBlsChained)).unwrap();
    assert_eq!(share.to_toml().as_str(), share_text());
}

#[test]
fn legacy_private_poly_is_accepted() {
    let text = share_text().replace("SchemeName", "PrivatePoly = []\nSchemeName");
    KeyShare::from_toml(&text, None).unwrap();
}

#[test]
fn damaged_shares_are_clear_errors() {
    let text = share_text();
    let cases = [
        (
            text.replace("Index = 2", "Index = 3"),
            "does not match Commits",
        ),
        (text.replace("Index = 2", "Index = -1"), "not a valid index"),
        (
            text.replace("Share = \"61eb", "Share = \"61ec"),
            "does not match Commits",
        ),
        (
            text.replace("Share = \"61eb", "Share = \"ffeb"),
            "invalid secret scalar",
        ),
        (text.replace("Share = \"61eb", "Share = \"61"), "Share"),
        (text.replace("[\"8d6b", "[\"8d6c"), "Commits"),
        (text.replace("[\"8d6b", "[\"00"), "Commits[0]"),
        (text.replace("Index = 2\n", ""), "missing field `Index`"),
        (
            text.replace(
                "SchemeName = \"pedersen-bls-chained\"",
                "SchemeName = \"x\"",
            ),
            "unknown scheme",
        ),
        (format!("{text}Extra = true\n"), "unknown field"),
        (text[..text.len() / 3].to_owned(), "invalid TOML"),
        ("Commits = 5".to_owned(), "invalid TOML"),
    ];
    for (bad, expect) in cases {
        let msg = KeyShare::from_toml(&bad, None).unwrap_err().to_string();
        assert!(msg.contains(expect), "{expect}: {msg}");
    }
}

#[test]
fn share_of_another_group_is_detected() {
    let share = KeyShare::read(&demo("groups/dist_key.private"), None).unwrap();
    let mut group = Group::read(&demo("groups/drand_group.toml")).unwrap();
    group.nodes.retain(|n| n.index != 2);
    group.threshold = 3;
    group.public_coefficients.pop();
    let msg = share.check_group(&group).unwrap_err().to_string();
    assert!(msg.contains("Commits differ"), "{msg}");
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let other = SecretKey::generate(Scheme::PedersenBlsChained, &mut rng);
    let poly = PublicPoly::from_bytes(Scheme::PedersenBlsChained, &[other.public_key()]).unwrap();
    // A constant polynomial: every index's key share is `other`'s key.
    KeyShare::new(Share::new(0, other.clone()), poly.clone()).unwrap();
    let stranger = SecretKey::generate(Scheme::PedersenBlsChained, &mut rng);
    assert!(KeyShare::new(Share::new(0, stranger), poly).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn share_parser_never_panics(text in ".{0,300}") {
        let _ = KeyShare::from_toml(&text, None);
        let _ = KeyShare::from_toml(&text, Some(Scheme::BlsBn254UnchainedOnG1));
    }

    #[test]
    fn mutated_share_never_panics(pos in 0usize..532, byte in any::<u8>()) {
        let mut bytes = share_text().into_bytes();
        if let Some(b) = bytes.get_mut(pos) { *b = byte; }
        if let Ok(text) = String::from_utf8(bytes) {
            let _ = KeyShare::from_toml(&text, None);
        }
    }
}
