//! The DKG store (`<folder>/dkg.redb`): per-beacon current and finished states, `save_finished`
//! writing both in one transaction (checked by SIGKILLing a writer), nuke, the lock held while
//! the node runs, and clear errors on damaged or foreign files.
//!
//! The crash child is this test binary re-executed with `DKG_STORE_CRASH_CHILD=<folder>`,
//! running only `crash_child_writer` (a no-op in normal runs).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use drand_node::store::{DkgStore, DkgStoreError};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

const CHILD_ENV: &str = "DKG_STORE_CRASH_CHILD";

#[test]
fn saves_loads_and_nukes_per_beacon() {
    let dir = tempfile::tempdir().unwrap();
    let store = DkgStore::open(dir.path()).unwrap();
    assert_eq!(store.path(), dir.path().join("dkg.redb"));
    assert_eq!(store.current("default").unwrap(), None);
    assert_eq!(store.finished("default").unwrap(), None);
    assert!(store.beacon_ids().unwrap().is_empty());

    store.save_current("default", b"proposed epoch 1").unwrap();
    assert_eq!(
        store.current("").unwrap().as_deref(),
        Some(&b"proposed epoch 1"[..]),
        "an empty ID means default"
    );
    assert_eq!(store.finished("default").unwrap(), None);

    store.save_finished("default", b"complete epoch 1").unwrap();
    assert_eq!(
        store.current("default").unwrap().unwrap(),
        b"complete epoch 1"
    );
    assert_eq!(
        store.finished("default").unwrap().unwrap(),
        b"complete epoch 1"
    );

    // A new attempt replaces the current state only.
    store.save_current("default", b"aborted epoch 2").unwrap();
    assert_eq!(
        store.current("default").unwrap().unwrap(),
        b"aborted epoch 2"
    );
    assert_eq!(
        store.finished("default").unwrap().unwrap(),
        b"complete epoch 1"
    );

    store.save_current("quicknet", b"joined").unwrap();
    assert_eq!(store.beacon_ids().unwrap(), vec!["default", "quicknet"]);

    assert!(store.nuke("default").unwrap());
    assert!(!store.nuke("default").unwrap(), "nothing left to delete");
    assert_eq!(store.current("default").unwrap(), None);
    assert_eq!(store.finished("default").unwrap(), None);
    assert_eq!(store.current("quicknet").unwrap().unwrap(), b"joined");
    assert_eq!(store.beacon_ids().unwrap(), vec!["quicknet"]);

    drop(store);
    let again = DkgStore::open(dir.path()).unwrap();
    assert_eq!(again.current("quicknet").unwrap().unwrap(), b"joined");
    assert_eq!(again.current("default").unwrap(), None);
}

#[test]
fn a_second_open_while_held_says_the_node_is_running() {
    let dir = tempfile::tempdir().unwrap();
    let held = DkgStore::open(dir.path()).unwrap();
    held.save_current("default", b"state").unwrap();
    let err = DkgStore::open(dir.path()).unwrap_err();
    assert!(matches!(err, DkgStoreError::InUse { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("in use by a running node"), "{text}");
    assert!(text.contains("dkg.redb"), "{text}");
    drop(held);
    let reopened = DkgStore::open(dir.path()).unwrap();
    assert_eq!(reopened.current("default").unwrap().unwrap(), b"state");
}

#[test]
fn damaged_or_foreign_files_are_errors_naming_the_file() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        (
            "garbage",
            b"this is not a database at all, just some text".to_vec(),
        ),
        ("bolt", {
            let mut b = vec![0u8; 64];
            b[16..20].copy_from_slice(&[0xED, 0xDA, 0x0C, 0xED]);
            b
        }),
    ];
    for (name, bytes) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("dkg.redb"), bytes).unwrap();
        let err = DkgStore::open(dir.path()).unwrap_err();
        assert!(err.to_string().contains("dkg.redb"), "{name}: {err}");
    }

    // A valid store truncated halfway.
    let dir = tempfile::tempdir().unwrap();
    {
        let store = DkgStore::open(dir.path()).unwrap();
        store.save_finished("default", &[7; 4000]).unwrap();
    }
    let path = dir.path().join("dkg.redb");
    let len = std::fs::metadata(&path).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(len / 2).unwrap();
    drop(file);
    if let Err(err) = DkgStore::open(dir.path()).and_then(|s| {
        s.current("default")?;
        Ok(())
    }) {
        assert!(err.to_string().contains("dkg.redb"), "{err}");
    }

    // A folder where the file should be.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("dkg.redb")).unwrap();
    let err = DkgStore::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains("is a folder"), "{err}");
}

#[test]
fn a_redb_file_of_another_kind_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // A beacon store is a redb file without the DKG tables.
    drand_node::store::RedbStore::open(&dir.path().join("dkg.redb"), true, b"seed").unwrap();
    let err = DkgStore::open(dir.path()).unwrap_err();
    assert!(
        err.to_string().contains("not a drand-node DKG store"),
        "{err}"
    );
}

/// The child: record finished epochs forever, one line per durable call.
#[test]
fn crash_child_writer() {
    let Ok(folder) = std::env::var(CHILD_ENV) else {
        return;
    };
    let store = DkgStore::open(Path::new(&folder)).unwrap();
    let mut epoch: u32 = store
        .finished("default")
        .unwrap()
        .map_or(0, |b| u32::from_be_bytes(b[..4].try_into().unwrap()));
    loop {
        epoch += 1;
        // A few KB like a real TOML state, the epoch first.
        let mut state = epoch.to_be_bytes().to_vec();
        state.extend(std::iter::repeat_n((epoch % 251) as u8, 3000));
        store.save_finished("default", &state).unwrap();
        println!("finished {epoch}");
    }
}

#[test]
fn sigkill_never_splits_a_finished_save() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0xd6c);
    let mut max_reported = 0u32;
    for run in 0..4 {
        let mut child = Command::new(&exe)
            .args([
                "crash_child_writer",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let target = 1 + rng.next_u64() % 20;
        let mut seen = 0;
        let mut line = String::new();
        while seen < target {
            line.clear();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "run {run}: child exited early"
            );
            if let Some(e) = line.strip_prefix("finished ") {
                max_reported = max_reported.max(e.trim().parse().unwrap());
                seen += 1;
            }
        }
        let spin = Duration::from_micros(rng.next_u64() % 2_000);
        let start = Instant::now();
        while start.elapsed() < spin {
            std::hint::spin_loop();
        }
        child.kill().unwrap();
        child.wait().unwrap();

        let store = DkgStore::open(dir.path()).unwrap();
        let current = store.current("default").unwrap().unwrap();
        let finished = store.finished("default").unwrap().unwrap();
        assert_eq!(current, finished, "run {run}: a finished save was split");
        let epoch = u32::from_be_bytes(current[..4].try_into().unwrap());
        assert!(
            epoch >= max_reported,
            "run {run}: reported {max_reported}, stored {epoch}"
        );
    }
}

/// The DKG state holds the key share: the store file is owner-only (0600), also when it
/// existed with looser permissions.
#[test]
fn the_store_file_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = DkgStore::path_in(dir.path());
    drop(DkgStore::open(dir.path()).unwrap());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    drop(DkgStore::open(dir.path()).unwrap());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
