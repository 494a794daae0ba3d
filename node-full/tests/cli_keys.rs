//! `drand-node generate-keypair` through the real binary: every scheme generates; an existing
//! keypair is never overwritten without `--force` and the typed beacon ID (the files stay
//! byte-identical when refused); a confirmed `--force` keeps the old pair as timestamped
//! backups; an unknown scheme is a usage error (exit 2) and a bad address a clear error.

mod cli_support;

use std::path::Path;
use std::time::Duration;

use cli_support::{Output, run, run_with_stdin};

const WITHIN: Duration = Duration::from_secs(30);
const ADDRESS: &str = "127.0.0.1:4444";

fn generate(folder: &Path, scheme: &str, id: &str, extra: &[&str], stdin: &str) -> Output {
    let mut args = vec![
        "generate-keypair",
        "--folder",
        folder.to_str().unwrap(),
        "--scheme",
        scheme,
        "--id",
        id,
    ];
    args.extend_from_slice(extra);
    args.push(ADDRESS);
    run_with_stdin(&args, stdin, WITHIN)
}

fn key_dir(folder: &Path, id: &str) -> std::path::PathBuf {
    folder.join("multibeacon").join(id).join("key")
}

fn read_keys(folder: &Path, id: &str) -> (String, String) {
    let dir = key_dir(folder, id);
    (
        std::fs::read_to_string(dir.join("drand_id.private")).unwrap(),
        std::fs::read_to_string(dir.join("drand_id.public")).unwrap(),
    )
}

/// The names in the key folder other than the two key files.
fn backups(folder: &Path, id: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(key_dir(folder, id))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "drand_id.private" && n != "drand_id.public")
        .collect();
    names.sort();
    names
}

/// The hex public key the command printed.
fn printed_key(out: &Output) -> String {
    out.stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("key:"))
        .map(|k| k.trim().to_owned())
        .unwrap_or_else(|| panic!("no key printed: {}", out.both()))
}

#[test]
fn every_scheme_generates_a_keypair_with_its_scheme_name() {
    let dir = tempfile::tempdir().unwrap();
    let schemes = [
        ("pedersen-bls-chained", 48),
        ("pedersen-bls-unchained", 48),
        ("bls-unchained-on-g1", 96),
        ("bls-unchained-g1-rfc9380", 96),
        ("bls-bn254-unchained-on-g1", 128),
    ];
    for (i, (scheme, key_len)) in schemes.into_iter().enumerate() {
        let id = format!("beacon{i}");
        let out = generate(dir.path(), scheme, &id, &[], "");
        out.assert_ok();
        assert!(
            out.stdout.contains(&format!("scheme:  {scheme}")),
            "{}",
            out.both()
        );
        assert_eq!(
            printed_key(&out).len(),
            2 * key_len,
            "{scheme}: {}",
            out.both()
        );
        let (private, public) = read_keys(dir.path(), &id);
        assert!(
            private.contains(&format!("SchemeName = \"{scheme}\"")),
            "{scheme}: {private}"
        );
        assert!(
            public.contains(&format!("SchemeName = \"{scheme}\"")),
            "{scheme}: {public}"
        );
        assert!(
            public.contains(&format!("Address = \"{ADDRESS}\"")),
            "{public}"
        );
        assert!(
            public.contains(&printed_key(&out)),
            "the printed key is the stored one"
        );
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(key_dir(dir.path(), &id).join("drand_id.private"))
                .unwrap()
                .permissions(),
        );
        assert_eq!(
            mode & 0o077,
            0,
            "{scheme}: the private key is readable by others ({mode:o})"
        );
    }
}

#[test]
fn overwrite_is_refused_and_force_needs_the_typed_beacon_id() {
    let dir = tempfile::tempdir().unwrap();
    let scheme = "bls-unchained-g1-rfc9380";
    let first = generate(dir.path(), scheme, "default", &[], "");
    first.assert_ok();
    let original = read_keys(dir.path(), "default");

    // A second run without --force: refused, files unchanged, no backup made.
    let again = generate(dir.path(), scheme, "default", &[], "");
    again.assert_fails(1);
    assert!(again.stderr.contains("already exists"), "{}", again.both());
    assert!(
        again.stderr.contains("--force"),
        "the message says how to replace it: {}",
        again.both()
    );
    assert_eq!(read_keys(dir.path(), "default"), original);
    assert!(backups(dir.path(), "default").is_empty());

    // --force with another scheme and the wrong beacon ID typed: refused, files unchanged.
    let wrong = generate(
        dir.path(),
        "pedersen-bls-chained",
        "default",
        &["--force"],
        "defualt\n",
    );
    wrong.assert_fails(1);
    assert!(wrong.stderr.contains("does not match"), "{}", wrong.both());
    assert!(wrong.stderr.contains("untouched"), "{}", wrong.both());
    assert_eq!(read_keys(dir.path(), "default"), original);
    assert!(backups(dir.path(), "default").is_empty());

    // Nothing typed (stdin closed): refused as well.
    let empty = generate(dir.path(), scheme, "default", &["--force"], "");
    empty.assert_fails(1);
    assert_eq!(read_keys(dir.path(), "default"), original);

    // The right beacon ID: replaced, the old pair kept as timestamped backups.
    let forced = generate(dir.path(), scheme, "default", &["--force"], "default\n");
    forced.assert_ok();
    assert!(
        forced.stdout.contains("Kept the previous key file as"),
        "{}",
        forced.both()
    );
    let replaced = read_keys(dir.path(), "default");
    assert_ne!(replaced.0, original.0, "a new secret key");
    assert_ne!(replaced.1, original.1, "a new public key");
    assert_ne!(printed_key(&forced), printed_key(&first));
    let kept = backups(dir.path(), "default");
    assert_eq!(kept.len(), 2, "{kept:?}");
    for (name, content) in [
        ("drand_id.private", &original.0),
        ("drand_id.public", &original.1),
    ] {
        let backup = kept
            .iter()
            .find(|b| {
                b.strip_prefix(name)
                    .and_then(|s| s.strip_prefix('.'))
                    .is_some()
            })
            .unwrap_or_else(|| panic!("no backup of {name} in {kept:?}"));
        let stamp = &backup[name.len() + 1..];
        assert!(
            stamp.chars().all(|c| c.is_ascii_digit() || c == '.'),
            "timestamped: {backup}"
        );
        let saved = std::fs::read_to_string(key_dir(dir.path(), "default").join(backup)).unwrap();
        assert_eq!(&saved, content, "{backup} holds the old {name}");
        assert!(
            forced.stdout.contains(backup.as_str()),
            "the backup is named: {}",
            forced.both()
        );
    }

    // A second forced replacement within the same second keeps both generations of backups.
    let twice = generate(dir.path(), scheme, "default", &["--force"], "default\n");
    twice.assert_ok();
    assert_eq!(backups(dir.path(), "default").len(), 4);
}

#[test]
fn the_beacon_id_given_is_the_one_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), "bls-unchained-on-g1", "quicknet", &[], "").assert_ok();
    let original = read_keys(dir.path(), "quicknet");
    // Typing `default` does not confirm replacing the `quicknet` key.
    let wrong = generate(
        dir.path(),
        "bls-unchained-on-g1",
        "quicknet",
        &["--force"],
        "default\n",
    );
    wrong.assert_fails(1);
    assert_eq!(read_keys(dir.path(), "quicknet"), original);
    // Another beacon ID in the same folder is independent.
    generate(dir.path(), "bls-unchained-on-g1", "other", &[], "").assert_ok();
    assert_eq!(read_keys(dir.path(), "quicknet"), original);
}

#[test]
fn unknown_scheme_is_a_usage_error_listing_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = generate(dir.path(), "bls-unchained-on-g3", "default", &[], "");
    out.assert_fails(2);
    assert!(out.stderr.contains("unknown scheme"), "{}", out.both());
    assert!(
        out.stderr.contains("bls-unchained-g1-rfc9380"),
        "lists the known schemes: {}",
        out.both()
    );
    assert!(!key_dir(dir.path(), "default").exists(), "nothing written");
}

#[test]
fn bad_addresses_are_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_str().unwrap();
    for (address, words) in [
        ("no-port", "port"),
        ("127.0.0.1:99999", "port"),
        ("127.0.0.1:", "port"),
        ("", "address"),
    ] {
        let out = run(
            &[
                "generate-keypair",
                "--folder",
                folder,
                "--scheme",
                "bls-unchained-g1-rfc9380",
                address,
            ],
            WITHIN,
        );
        assert_ne!(out.code(), Some(0), "{address:?} accepted: {}", out.both());
        cli_support::assert_no_panic(&out.stderr);
        assert!(
            out.stderr.contains("invalid address"),
            "{address:?}: {}",
            out.both()
        );
        assert!(out.stderr.contains(words), "{address:?}: {}", out.both());
        assert!(
            !key_dir(dir.path(), "default")
                .join("drand_id.private")
                .exists(),
            "{address:?}: nothing written"
        );
    }
    // A missing address is a usage error from the argument parser.
    let out = run(
        &[
            "generate-keypair",
            "--folder",
            folder,
            "--scheme",
            "bls-unchained-g1-rfc9380",
        ],
        WITHIN,
    );
    out.assert_fails(2);
}
