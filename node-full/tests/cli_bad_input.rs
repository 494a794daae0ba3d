//! `drand-node start` on damaged node folders: copies of a real devnet node (stopped after it
//! stored beacons), each with one thing broken. Every case exits non-zero with an error naming
//! the file, never panics, and leaves the damaged file as it was (nothing is lost or "repaired"
//! silently). A key without `SchemeName` next to a group that names the scheme is drand's
//! migration path: that node starts (with a warning) and stops on request.

mod cli_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use cli_support::{Devnet, NODE, Output, run, run_with_stdin, wait_for, wait_for_or, wait_output};
use drand_node::store::{BeaconStore, RedbStore, StoredBeacon};

const WITHIN: Duration = Duration::from_secs(30);
const GROUP: &str = "multibeacon/default/groups/drand_group.toml";
const SHARE: &str = "multibeacon/default/groups/dist_key.private";
const PRIVATE: &str = "multibeacon/default/key/drand_id.private";
const PUBLIC: &str = "multibeacon/default/key/drand_id.public";
const STORE: &str = "multibeacon/default/db/drand.redb";

struct Fixture {
    _devnet: Devnet,
    work: tempfile::TempDir,
    /// A stopped node folder with keys, group, share, TLS files and a store with beacons.
    node: PathBuf,
    /// Another node of the same group.
    other: PathBuf,
    ca: String,
    valid_store: std::cell::Cell<bool>,
}

impl Fixture {
    fn new() -> Fixture {
        let mut devnet = Devnet::start(3, 2, "bls-unchained-g1-rfc9380");
        let node = devnet.nodes[1].clone();
        wait_for("node 1 stores round 3", Duration::from_secs(30), || {
            node.last_stored().filter(|r| *r >= 3)
        });
        devnet.stop();
        Fixture {
            ca: devnet.ca().to_owned(),
            node: node.folder.clone(),
            other: devnet.nodes[0].folder.clone(),
            work: tempfile::tempdir().unwrap(),
            valid_store: std::cell::Cell::new(false),
            _devnet: devnet,
        }
    }

    /// A fresh copy of the node folder.
    fn copy(&self, name: &str) -> PathBuf {
        let to = self.work.path().join(name);
        let ok = Command::new("cp")
            .arg("-a")
            .arg(&self.node)
            .arg(&to)
            .status()
            .unwrap()
            .success();
        assert!(ok, "copy the node folder");
        to
    }

    fn start(&self, folder: &Path, control: &str) -> Command {
        let mut command = Command::new(NODE);
        command
            .arg("start")
            .arg("--folder")
            .arg(folder)
            .args([
                "--private-listen",
                "127.0.0.1:0",
                "--control",
                control,
                "--tls-cert",
            ])
            .arg(folder.join("tls/node.pem"))
            .arg("--tls-key")
            .arg(folder.join("tls/node.key"))
            .args(["--tls-ca", &self.ca])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Starts the node on `folder`, which must fail (exit 1) naming `file`; `file` is unchanged.
    #[track_caller]
    fn refused(&self, folder: &Path, file: &str, words: &[&str]) -> Output {
        let path = folder.join(file);
        let before = std::fs::read(&path).ok();
        let child = self.start(folder, "127.0.0.1:0").spawn().unwrap();
        let out = wait_output(child, WITHIN, "start");
        out.assert_fails(1);
        let last = out
            .stderr
            .lines()
            .rev()
            .find(|l| l.starts_with("error:"))
            .unwrap_or_else(|| panic!("{}", out.both()));
        println!("{}: {last}", folder.file_name().unwrap().to_string_lossy());
        assert!(
            last.contains(path.to_str().unwrap()),
            "the error names {}: {}",
            path.display(),
            out.both()
        );
        for w in words {
            assert!(last.contains(w), "the error says {w:?}: {}", out.both());
        }
        let after = std::fs::read(&path).ok();
        if !file.ends_with(".redb") || !self.valid_store.get() {
            let first_difference = match (&before, &after) {
                (Some(b), Some(a)) => b
                    .iter()
                    .zip(a)
                    .position(|(x, y)| x != y)
                    .map(|i| format!("byte {i} of {}/{}", b.len(), a.len())),
                _ => Some("presence".to_owned()),
            };
            assert!(
                before == after,
                "{} was changed ({first_difference:?})",
                path.display()
            );
        }
        self.valid_store.set(false);
        out
    }

    /// The next refusal is about a valid store of another chain: redb may rewrite its header
    /// when it opens the file, so the test reopens the store instead of comparing bytes.
    fn foreign_store_next(&self) {
        self.valid_store.set(true);
    }
}

fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

fn without_lines(text: &str, needle: &str) -> String {
    text.lines()
        .filter(|l| !l.contains(needle))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn overwrite(path: &Path, from: u64, len: usize, seed: u64) {
    use std::io::{Seek, SeekFrom, Write};
    let mut state = seed;
    let garbage: Vec<u8> = (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u8
        })
        .collect();
    let mut file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.seek(SeekFrom::Start(from)).unwrap();
    file.write_all(&garbage).unwrap();
}

fn truncate(path: &Path, len: u64) {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len)
        .unwrap();
}

/// One devnet for every case (two devnets at once could race for the ports they reserve).
#[test]
fn damaged_folders_are_refused_naming_the_file_and_a_migrating_key_starts() {
    let fx = Fixture::new();
    damaged_folders_are_refused_naming_the_file(&fx);
    a_key_without_its_scheme_name_adopts_the_groups_and_starts(&fx);
}

fn damaged_folders_are_refused_naming_the_file(fx: &Fixture) {
    // Group file: garbage, then valid TOML missing a field.
    let f = fx.copy("garbage-group");
    std::fs::write(f.join(GROUP), "this is [[ not a group\n\u{0}\u{1}").unwrap();
    fx.refused(&f, GROUP, &["invalid TOML"]);
    let f = fx.copy("group-no-threshold");
    edit(&f.join(GROUP), |t| without_lines(&t, "Threshold"));
    fx.refused(&f, GROUP, &["Threshold"]);

    // A member's self-signature tampered with (one hex digit changed).
    let f = fx.copy("group-bad-signature");
    edit(&f.join(GROUP), |t| {
        let at = t.find("Signature = \"").unwrap() + "Signature = \"".len() + 10;
        let mut bytes = t.into_bytes();
        bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
        String::from_utf8(bytes).unwrap()
    });
    fx.refused(&f, GROUP, &["self-signature"]);
    // A node whose key is not in the group (a new keypair generated over the old one).
    let f = fx.copy("key-not-in-group");
    let folder = f.to_str().unwrap();
    let out = run_with_stdin(
        &[
            "generate-keypair",
            "--folder",
            folder,
            "--scheme",
            "bls-unchained-g1-rfc9380",
            "--force",
            "127.0.0.1:1",
        ],
        "default\n",
        WITHIN,
    );
    out.assert_ok();
    fx.refused(&f, GROUP, &["not in the group"]);

    // Share file: truncated in the middle, emptied, another node's share.
    let f = fx.copy("truncated-share");
    let len = std::fs::metadata(f.join(SHARE)).unwrap().len();
    truncate(&f.join(SHARE), len / 2);
    fx.refused(&f, SHARE, &[]);
    let f = fx.copy("empty-share");
    truncate(&f.join(SHARE), 0);
    fx.refused(&f, SHARE, &[]);
    let f = fx.copy("other-share");
    std::fs::copy(fx.other.join(SHARE), f.join(SHARE)).unwrap();
    fx.refused(&f, SHARE, &["index"]);

    // Keys: no SchemeName anywhere (the group predates SchemeID too): the legacy default
    // scheme does not fit the keys, and that is said about the group file.
    let f = fx.copy("no-scheme");
    for file in [PRIVATE, PUBLIC, GROUP] {
        edit(&f.join(file), |t| {
            without_lines(&without_lines(&t, "SchemeName"), "SchemeID")
        });
    }
    fx.refused(&f, GROUP, &["pedersen-bls-chained"]);
    // A key of another scheme than the group's.
    let f = fx.copy("key-of-another-scheme");
    for file in [PRIVATE, PUBLIC] {
        edit(&f.join(file), |t| {
            t.replace("bls-unchained-g1-rfc9380", "bls-unchained-on-g1")
        });
    }
    fx.refused(&f, PUBLIC, &["scheme mismatch"]);
    // A truncated private key.
    let f = fx.copy("truncated-key");
    truncate(&f.join(PRIVATE), 20);
    fx.refused(&f, PRIVATE, &[]);

    // Store: garbage from the first byte, garbage behind an intact header, truncated,
    // empty, and a store of another chain (wrong genesis seed) or another scheme kind.
    let f = fx.copy("garbage-store");
    let len = std::fs::metadata(f.join(STORE)).unwrap().len();
    overwrite(&f.join(STORE), 0, 4096, 1);
    fx.refused(&f, STORE, &["not a drand-node beacon store"]);
    for (i, offset) in [512u64, 4096, 8192].into_iter().enumerate() {
        let f = fx.copy(&format!("damaged-store-{offset}"));
        overwrite(&f.join(STORE), offset, 64 << 10, 2 + i as u64);
        fx.refused(&f, STORE, &[]);
    }
    let f = fx.copy("truncated-store");
    truncate(&f.join(STORE), len / 3);
    fx.refused(&f, STORE, &[]);
    let f = fx.copy("empty-store");
    truncate(&f.join(STORE), 0);
    fx.refused(&f, STORE, &["empty"]);
    let f = fx.copy("wrong-seed-store");
    std::fs::remove_file(f.join(STORE)).unwrap();
    let foreign = RedbStore::open(&f.join(STORE), false, &[7u8; 32]).unwrap();
    foreign
        .put(&StoredBeacon {
            round: 1,
            signature: vec![1; 48],
            previous_signature: None,
        })
        .unwrap();
    drop(foreign);
    fx.foreign_store_next();
    fx.refused(&f, STORE, &["genesis seed"]);
    let reopened = RedbStore::open(&f.join(STORE), false, &[7u8; 32]).unwrap();
    assert_eq!(
        reopened.last().unwrap().round,
        1,
        "the foreign store keeps its beacons"
    );
    let f = fx.copy("chained-store");
    let seed = drand_node::files::Group::read(&f.join(GROUP))
        .unwrap()
        .genesis_seed;
    std::fs::remove_file(f.join(STORE)).unwrap();
    drop(RedbStore::open(&f.join(STORE), true, &seed).unwrap());
    fx.foreign_store_next();
    fx.refused(&f, STORE, &["chained"]);
    drop(RedbStore::open(&f.join(STORE), true, &seed).unwrap());
}

/// drand's migration path: a key without `SchemeName` next to a group that names the scheme.
fn a_key_without_its_scheme_name_adopts_the_groups_and_starts(fx: &Fixture) {
    let f = fx.copy("migrating");
    for file in [PRIVATE, PUBLIC] {
        edit(&f.join(file), |t| without_lines(&t, "SchemeName"));
    }
    let control = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let log = fx.work.path().join("migrating.log");
    let file = std::fs::File::create(&log).unwrap();
    let mut command = fx.start(&f, &control);
    command
        .stdout(Stdio::from(file.try_clone().unwrap()))
        .stderr(Stdio::from(file));
    let child = command.spawn().unwrap();
    // Kill it whatever happens below.
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Kill(child);
    let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
    wait_for_or(
        "the migrating node starts",
        Duration::from_secs(20),
        || read_log().contains("drand-node started").then_some(()),
        read_log,
    );
    let text = read_log();
    assert!(
        text.contains("no SchemeName"),
        "the migration is logged: {text}"
    );
    assert!(text.contains("bls-unchained-g1-rfc9380"), "{text}");
    run(&["stop", "--control", &control], WITHIN).assert_ok();
    let status = wait_for("the node stops", Duration::from_secs(10), || {
        child.0.try_wait().unwrap()
    });
    assert!(status.success(), "{status}: {}", read_log());
    cli_support::assert_no_panic(&read_log());
}
