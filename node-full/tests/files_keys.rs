//! Keypair files: real drand files, generate/load, overwrite safety, scheme migration, and
//! clear errors (never panics) for damaged files.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use drand_lite::Scheme;
use drand_node::files::keys::{
    parse_private_key, parse_public_key, private_key_toml, public_key_toml,
};
use drand_node::files::{
    BeaconPaths, FilesError, ForceConfirm, Group, Identity, KeyPairFiles, generate_keypair,
    load_keypair,
};
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn demo_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/files_data/drand-demo")
}

fn demo_file(rel: &str) -> String {
    std::fs::read_to_string(demo_folder().join("multibeacon/default").join(rel)).unwrap()
}

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Copies the demo key files into a fresh folder, applying `edit` to (private, public) text.
fn demo_copy(
    edit: impl Fn(String, String) -> (String, String),
) -> (tempfile::TempDir, BeaconPaths) {
    let dir = tempfile::tempdir().unwrap();
    let paths = BeaconPaths::new(dir.path(), "default").unwrap();
    paths.ensure_dirs().unwrap();
    let (private, public) = edit(
        demo_file("key/drand_id.private"),
        demo_file("key/drand_id.public"),
    );
    std::fs::write(paths.private_key_file(), private).unwrap();
    std::fs::set_permissions(
        paths.private_key_file(),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    std::fs::write(paths.public_key_file(), public).unwrap();
    (dir, paths)
}

#[test]
fn real_drand_keypair_loads_and_round_trips_byte_for_byte() {
    let loaded = load_keypair(&demo_folder(), "default", None).unwrap();
    assert!(loaded.migration.is_none());
    let id = &loaded.identity;
    assert_eq!(id.scheme, Scheme::PedersenBlsChained);
    assert_eq!(id.address, "127.0.0.1:33307");
    assert_eq!(loaded.secret.public_key(), id.key);
    // drand's own self-signature verifies with our message layout and crypto.
    id.verify_self_signature().unwrap();
    assert_eq!(
        private_key_toml(&loaded.secret).as_str(),
        demo_file("key/drand_id.private")
    );
    assert_eq!(public_key_toml(id), demo_file("key/drand_id.public"));
    // The same identity is member 2 of the real group, and all members' signatures verify.
    let group = Group::read(&BeaconPaths::new(demo_folder(), "").unwrap().group_file()).unwrap();
    group.verify_self_signatures().unwrap();
    assert_eq!(group.node_by_key(&id.key), Some(&id.to_group_node(2)));
    // The group's scheme agrees; another scheme is refused.
    load_keypair(&demo_folder(), "default", Some(Scheme::PedersenBlsChained)).unwrap();
    let err = load_keypair(
        &demo_folder(),
        "default",
        Some(Scheme::BlsUnchainedG1Rfc9380),
    )
    .unwrap_err();
    assert!(matches!(err, FilesError::SchemeMismatch { .. }), "{err}");
}

#[test]
fn generate_then_load_for_every_scheme() {
    let dir = tempfile::tempdir().unwrap();
    for (i, scheme) in Scheme::ALL.into_iter().enumerate() {
        let id = format!("beacon{i}");
        let made = generate_keypair(
            dir.path(),
            &id,
            scheme,
            "node.example.org:443",
            ForceConfirm::None,
            &mut rng(i as u64),
            1_700_000_000,
        )
        .unwrap();
        assert!(made.backups.is_empty());
        assert_eq!(made.identity.scheme, scheme);
        assert_eq!(made.identity.key.len(), scheme.public_key_len());
        made.identity.verify_self_signature().unwrap();
        assert_eq!(made.identity.fingerprint().len(), 16);
        let loaded = load_keypair(dir.path(), &id, None).unwrap();
        assert_eq!(loaded.identity, made.identity);
        let paths = BeaconPaths::new(dir.path(), &id).unwrap();
        let public = std::fs::read_to_string(paths.public_key_file()).unwrap();
        assert!(public.contains(&format!("SchemeName = \"{}\"", scheme.id())));
        let private = std::fs::read_to_string(paths.private_key_file()).unwrap();
        assert!(private.ends_with(&format!("SchemeName = \"{}\"\n", scheme.id())));
        assert_eq!(mode(&paths.private_key_file()), 0o600);
        assert_eq!(mode(&paths.key_dir()), 0o700);
        assert!(paths.group_dir().is_dir() && paths.db_dir().is_dir());
    }
}

#[test]
fn default_beacon_id_is_the_empty_id() {
    let dir = tempfile::tempdir().unwrap();
    generate_keypair(
        dir.path(),
        "",
        Scheme::PedersenBlsChained,
        "a:1",
        ForceConfirm::None,
        &mut rng(1),
        0,
    )
    .unwrap();
    assert!(
        dir.path()
            .join("multibeacon/default/key/drand_id.private")
            .is_file()
    );
    load_keypair(dir.path(), "default", None).unwrap();
}

#[test]
fn existing_keypair_is_never_overwritten_without_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let gen_with = |force, seed| {
        generate_keypair(
            dir.path(),
            "quicknet",
            Scheme::BlsUnchainedG1Rfc9380,
            "127.0.0.1:4444",
            force,
            &mut rng(seed),
            1_700_000_000,
        )
    };
    let first = gen_with(ForceConfirm::None, 1).unwrap().identity;
    let paths = BeaconPaths::new(dir.path(), "quicknet").unwrap();
    let before = std::fs::read(paths.private_key_file()).unwrap();

    let err = gen_with(ForceConfirm::None, 2).unwrap_err();
    assert!(matches!(err, FilesError::KeypairExists { .. }), "{err}");
    assert!(err.to_string().contains("--force"));

    for typed in ["default", "quicknet ", "QUICKNET", ""] {
        let err = gen_with(
            ForceConfirm::Force {
                typed_beacon_id: typed.into(),
            },
            3,
        )
        .unwrap_err();
        assert!(matches!(err, FilesError::ForceNotConfirmed { .. }), "{err}");
    }
    assert_eq!(std::fs::read(paths.private_key_file()).unwrap(), before);
    assert_eq!(
        load_keypair(dir.path(), "quicknet", None).unwrap().identity,
        first
    );

    // Right ID: replaced, the old pair kept as timestamped backups (still 0600 for the secret).
    let force = || ForceConfirm::Force {
        typed_beacon_id: "quicknet".into(),
    };
    let second = gen_with(force(), 4).unwrap();
    assert_ne!(second.identity.key, first.key);
    let key_dir = paths.key_dir();
    assert_eq!(
        second.backups,
        vec![
            key_dir.join("drand_id.private.1700000000"),
            key_dir.join("drand_id.public.1700000000")
        ]
    );
    assert_eq!(std::fs::read(&second.backups[0]).unwrap(), before);
    assert_eq!(mode(&second.backups[0]), 0o600);
    assert_eq!(
        load_keypair(dir.path(), "quicknet", None).unwrap().identity,
        second.identity
    );

    // Same second again: the first backup is not clobbered.
    let third = gen_with(force(), 5).unwrap();
    assert_eq!(
        third.backups[0],
        key_dir.join("drand_id.private.1700000000.1")
    );
    assert_eq!(std::fs::read(&second.backups[0]).unwrap(), before);

    // A half-present pair (public file only) also counts as existing.
    std::fs::remove_file(paths.private_key_file()).unwrap();
    assert!(matches!(
        gen_with(ForceConfirm::None, 6),
        Err(FilesError::KeypairExists { .. })
    ));
}

#[test]
fn operator_input_is_validated() {
    let dir = tempfile::tempdir().unwrap();
    let gen_at = |id: &str, addr: &str| {
        generate_keypair(
            dir.path(),
            id,
            Scheme::PedersenBlsChained,
            addr,
            ForceConfirm::None,
            &mut rng(1),
            0,
        )
    };
    assert!(matches!(
        gen_at("default", "host"),
        Err(FilesError::InvalidAddress { .. })
    ));
    assert!(matches!(
        gen_at("default", "host:0"),
        Err(FilesError::InvalidAddress { .. })
    ));
    assert!(matches!(
        gen_at("default", "host:70000"),
        Err(FilesError::InvalidAddress { .. })
    ));
    for bad_id in ["../x", "a/b", ".hidden", "white space"] {
        assert!(
            matches!(
                gen_at(bad_id, "h:1"),
                Err(FilesError::InvalidBeaconId { .. })
            ),
            "{bad_id}"
        );
    }
    assert!(!dir.path().join("multibeacon").exists());
}

#[test]
fn missing_scheme_name_is_an_error_unless_the_group_supplies_it() {
    let strip = |private: String, public: String| {
        let drop = |t: String| {
            t.lines()
                .filter(|l| !l.starts_with("SchemeName"))
                .map(|l| format!("{l}\n"))
                .collect()
        };
        (drop(private), drop(public))
    };
    let (dir, paths) = demo_copy(strip);
    let err = load_keypair(dir.path(), "default", None).unwrap_err();
    assert!(matches!(err, FilesError::MissingScheme { .. }), "{err}");
    assert!(err.to_string().contains("no SchemeName"));

    let loaded = load_keypair(dir.path(), "default", Some(Scheme::PedersenBlsChained)).unwrap();
    let migration = loaded.migration.clone().unwrap();
    assert_eq!(migration.scheme, Scheme::PedersenBlsChained);
    assert!(!migration.resigned);

    // A group of another scheme: the 48-byte key does not fit a G2 scheme.
    let err = load_keypair(dir.path(), "default", Some(Scheme::BlsUnchainedG1Rfc9380)).unwrap_err();
    assert!(
        err.to_string()
            .contains("48 bytes, but bls-unchained-g1-rfc9380 keys are 96 bytes"),
        "{err}"
    );

    // Persisting writes the scheme name and keeps backups.
    let files = KeyPairFiles::new(dir.path(), "default").unwrap();
    let backups = files.persist_migration(&loaded, 42).unwrap();
    assert_eq!(backups.len(), 2);
    assert_eq!(mode(&paths.private_key_file()), 0o600);
    let reloaded = load_keypair(dir.path(), "default", None).unwrap();
    assert!(reloaded.migration.is_none());
    assert_eq!(reloaded.identity, loaded.identity);
    assert_eq!(
        public_key_toml(&reloaded.identity),
        demo_file("key/drand_id.public")
    );
}

#[test]
fn migration_resigns_an_old_self_signature() {
    // A pre-v1.4 key: no scheme name, and a signature that is not over `scheme || hash`.
    let (dir, _paths) = demo_copy(|private, public| {
        let strip = |t: String| -> String {
            t.lines()
                .filter(|l| !l.starts_with("SchemeName"))
                .map(|l| format!("{l}\n"))
                .collect()
        };
        let sig_line = public
            .lines()
            .find(|l| l.starts_with("Signature"))
            .unwrap()
            .to_owned();
        // Another valid G2 point of the group file (node 0's signature) is a wrong signature here.
        let other = "Signature = \"aa947756ec356a7b87be1727207dc4e6453f8e65267a0e4368a697440c78329834ab0d38ab4a7df1a7dde9b60a672cf103a2925d2c22ce3b1897b87023be6b05248076449ec5c016594f6fa7d7234fa3a1bd79c847c854150d9f26b67d1f8962\"";
        (strip(private), strip(public.replace(&sig_line, other)))
    });
    let loaded = load_keypair(dir.path(), "default", Some(Scheme::PedersenBlsChained)).unwrap();
    assert!(loaded.migration.unwrap().resigned);
    loaded.identity.verify_self_signature().unwrap();
}

/// Rewrites the (private, public) key file texts.
type Edit = dyn Fn(String, String) -> (String, String);

#[test]
fn damaged_key_files_are_clear_errors() {
    let sig_start = "Signature = \"b40a";
    let cases: Vec<(&str, Box<Edit>, &str)> = vec![
        (
            "tampered self-signature",
            Box::new(move |p, q| (p, q.replace(sig_start, "Signature = \"b40b"))),
            "invalid self-signature for 127.0.0.1:33307",
        ),
        (
            "another node's secret",
            Box::new(|p, q| (p.replace("6a62a86d", "6a62a86e"), q)),
            "does not match the public key",
        ),
        (
            "scalar above the group order",
            Box::new(|p, q| (p.replace("6a62a86d", "ff62a86d"), q)),
            "invalid secret scalar",
        ),
        (
            "short secret",
            Box::new(|p, q| (p.replace("6a62a86d", "6d"), q)),
            "29 bytes, but a secret key is 32 bytes",
        ),
        (
            "schemes disagree",
            Box::new(|p, q| {
                (
                    p,
                    q.replace(
                        "SchemeName = \"pedersen-bls-chained\"",
                        "SchemeName = \"pedersen-bls-unchained\"",
                    ),
                )
            }),
            "scheme mismatch",
        ),
        (
            "G1 key under a G2 scheme",
            Box::new(|p, q| {
                let s = |t: String| t.replace("pedersen-bls-chained", "bls-unchained-g1-rfc9380");
                (s(p), s(q))
            }),
            "48 bytes, but bls-unchained-g1-rfc9380 keys are 96 bytes",
        ),
        (
            "unknown scheme",
            Box::new(|p, q| (p.replace("pedersen-bls-chained", "bls-next"), q)),
            "unknown scheme `bls-next",
        ),
        (
            "garbage",
            Box::new(|_, q| ("Key = = =".into(), q)),
            "invalid TOML",
        ),
        (
            "wrong type",
            Box::new(|_, q| ("Key = 5\n".into(), q)),
            "line 1",
        ),
        (
            "unknown field",
            Box::new(|p, q| (format!("{p}Extra = 1\n"), q)),
            "unknown field",
        ),
        (
            "missing key",
            Box::new(|_, q| ("SchemeName = \"pedersen-bls-chained\"\n".into(), q)),
            "missing field `Key`",
        ),
        (
            "bad hex",
            Box::new(|p, q| (p.replace("6a62a86d", "6a62a8xd"), q)),
            "not a hex digit",
        ),
        (
            "truncated public",
            Box::new(|p, q| (p, q[..q.len() / 2].to_owned())),
            "invalid TOML",
        ),
        (
            "bad address",
            Box::new(|p, q| (p, q.replace("127.0.0.1:33307", "127.0.0.1"))),
            "Address",
        ),
    ];
    for (name, edit, expect) in cases {
        let (dir, _) = demo_copy(edit);
        let err = load_keypair(dir.path(), "default", None).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(expect), "{name}: {msg}");
        assert!(
            msg.contains("drand_id."),
            "{name}: error does not name the file: {msg}"
        );
    }
}

#[test]
fn symlinks_are_refused_not_followed() {
    let (dir, paths) = demo_copy(|p, q| (p, q));
    let elsewhere = dir.path().join("elsewhere");
    std::fs::write(&elsewhere, demo_file("key/drand_id.private")).unwrap();
    std::fs::remove_file(paths.private_key_file()).unwrap();
    std::os::unix::fs::symlink(&elsewhere, paths.private_key_file()).unwrap();
    assert!(matches!(
        load_keypair(dir.path(), "default", None),
        Err(FilesError::NotRegular { .. })
    ));
    let err = generate_keypair(
        dir.path(),
        "default",
        Scheme::PedersenBlsChained,
        "a:1",
        ForceConfirm::Force {
            typed_beacon_id: "default".into(),
        },
        &mut rng(1),
        0,
    )
    .unwrap_err();
    assert!(matches!(err, FilesError::NotRegular { .. }), "{err}");

    // A key folder that is a link is refused too.
    let other = tempfile::tempdir().unwrap();
    let target = other.path().join("real-key-dir");
    std::fs::create_dir(&target).unwrap();
    let linked = BeaconPaths::new(other.path(), "linked").unwrap();
    std::fs::create_dir_all(linked.beacon_dir()).unwrap();
    std::os::unix::fs::symlink(&target, linked.key_dir()).unwrap();
    assert!(matches!(
        linked.ensure_dirs(),
        Err(FilesError::NotRegular { .. })
    ));
}

#[test]
fn missing_files_say_so() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        load_keypair(dir.path(), "default", None),
        Err(FilesError::NotFound { .. })
    ));
}

#[test]
fn identity_message_is_scheme_name_then_blake2b_of_key() {
    let key = [7u8; 48];
    let msg = Identity::self_signature_message(Scheme::PedersenBlsUnchained, &key);
    assert_eq!(&msg[..22], b"pedersen-bls-unchained");
    assert_eq!(msg.len(), 22 + 32);
    assert_eq!(msg[22..], Identity::key_hash(&key));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn key_parsers_never_panic(text in ".{0,300}") {
        let _ = parse_private_key(&text);
        let _ = parse_public_key(&text);
    }

    #[test]
    fn mutated_public_file_never_panics(pos in 0usize..376, byte in any::<u8>()) {
        let mut bytes = demo_file("key/drand_id.public").into_bytes();
        if let Some(b) = bytes.get_mut(pos) { *b = byte; }
        if let Ok(text) = String::from_utf8(bytes) {
            let _ = parse_public_key(&text);
        }
    }
}
