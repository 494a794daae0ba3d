//! The append rules, persistence and identity checks, for both stores; plus a property test
//! that random operation sequences behave identically on `MemStore` and `RedbStore`.

use std::path::{Path, PathBuf};

use drand_node::store::{BeaconStore, MemStore, PutOutcome, RedbStore, StoreError, StoredBeacon};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

const SEED: &[u8] = b"genesis seed of the test chain";

fn sig(round: u64) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"test signature");
    h.update(round.to_be_bytes());
    h.finalize().to_vec()
}

fn prev_of(round: u64) -> Vec<u8> {
    if round == 1 {
        SEED.to_vec()
    } else {
        sig(round - 1)
    }
}

fn beacon(chained: bool, round: u64) -> StoredBeacon {
    StoredBeacon {
        round,
        signature: sig(round),
        previous_signature: chained.then(|| prev_of(round)),
    }
}

fn store_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("db").join("drand.redb")
}

/// Both stores, fresh, for one scheme kind (the temp dir keeps the file alive).
fn both(
    chained: bool,
) -> Vec<(
    &'static str,
    Box<dyn BeaconStore>,
    Option<tempfile::TempDir>,
)> {
    let dir = tempfile::tempdir().unwrap();
    let redb = RedbStore::open(&store_path(&dir), chained, SEED).unwrap();
    vec![
        ("mem", Box::new(MemStore::new(chained, SEED)), None),
        ("redb", Box::new(redb), Some(dir)),
    ]
}

fn kind(r: &Result<PutOutcome, StoreError>) -> String {
    match r {
        Ok(o) => format!("{o:?}"),
        Err(StoreError::NotNext { .. }) => "NotNext".into(),
        Err(StoreError::Conflict { .. }) => "Conflict".into(),
        Err(StoreError::BrokenLink { .. }) => "BrokenLink".into(),
        Err(e) => format!("unexpected: {e}"),
    }
}

#[test]
fn append_rules_table_chained_and_unchained() {
    for chained in [true, false] {
        for (name, store, _dir) in both(chained) {
            let ctx = format!("{name} chained={chained}");
            assert_eq!(store.last().unwrap().signature, SEED, "{ctx}");
            assert_eq!(store.len().unwrap(), 1, "{ctx}");
            assert!(!store.is_empty().unwrap());
            let mut cases: Vec<(&str, StoredBeacon, &str)> = vec![
                ("next", beacon(chained, 1), "Appended"),
                ("identical duplicate", beacon(chained, 1), "AlreadyStored"),
                (
                    "genesis again",
                    StoredBeacon {
                        round: 0,
                        signature: SEED.to_vec(),
                        previous_signature: None,
                    },
                    "AlreadyStored",
                ),
                ("skips a round", beacon(chained, 3), "NotNext"),
                (
                    "different signature for round 1",
                    StoredBeacon {
                        signature: b"forged".to_vec(),
                        ..beacon(chained, 1)
                    },
                    "Conflict",
                ),
                (
                    "different genesis",
                    StoredBeacon {
                        round: 0,
                        signature: b"x".to_vec(),
                        previous_signature: None,
                    },
                    "Conflict",
                ),
                ("next again", beacon(chained, 2), "Appended"),
            ];
            if chained {
                cases.extend([
                    (
                        "missing previous",
                        StoredBeacon {
                            previous_signature: None,
                            ..beacon(true, 3)
                        },
                        "BrokenLink",
                    ),
                    (
                        "wrong previous",
                        StoredBeacon {
                            previous_signature: Some(sig(7)),
                            ..beacon(true, 3)
                        },
                        "BrokenLink",
                    ),
                    (
                        "duplicate with wrong previous",
                        StoredBeacon {
                            previous_signature: Some(sig(7)),
                            ..beacon(true, 2)
                        },
                        "BrokenLink",
                    ),
                ]);
            } else {
                cases.push((
                    "previous ignored",
                    StoredBeacon {
                        previous_signature: Some(sig(7)),
                        ..beacon(false, 3)
                    },
                    "Appended",
                ));
            }
            for (what, b, want) in cases {
                assert_eq!(kind(&store.put(&b)), want, "{ctx}: {what}");
            }
            let want_last = if chained { 2 } else { 3 };
            assert_eq!(store.last().unwrap(), beacon(chained, want_last), "{ctx}");
            assert_eq!(store.get(1).unwrap(), Some(beacon(chained, 1)), "{ctx}");
            assert_eq!(store.get(9).unwrap(), None, "{ctx}");
            let genesis = store.get(0).unwrap().unwrap();
            assert_eq!(
                (genesis.signature.as_slice(), genesis.previous_signature),
                (SEED, None)
            );
        }
    }
}

#[test]
fn conflict_message_names_the_round() {
    let store = MemStore::new(false, SEED);
    store.put(&beacon(false, 1)).unwrap();
    let err = store
        .put(&StoredBeacon {
            signature: vec![1],
            ..beacon(false, 1)
        })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "round 1 is already stored with a different signature"
    );
    let err = StoreError::BrokenLink { round: 0 }; // Display must not underflow.
    assert!(err.to_string().contains("round 0"));
}

#[test]
fn put_many_is_all_or_nothing_and_counts_appended() {
    for chained in [true, false] {
        for (name, store, _dir) in both(chained) {
            let batch: Vec<_> = (1..=50).map(|r| beacon(chained, r)).collect();
            assert_eq!(store.put_many(&batch).unwrap(), 50, "{name}");
            // Overlap: 41..=50 already stored, 51..=60 new.
            let batch: Vec<_> = (41..=60).map(|r| beacon(chained, r)).collect();
            assert_eq!(store.put_many(&batch).unwrap(), 10, "{name}");
            // A bad beacon in the middle refuses the whole batch.
            let mut batch: Vec<_> = (61..=70).map(|r| beacon(chained, r)).collect();
            batch[5] = beacon(chained, 90);
            assert!(
                matches!(
                    store.put_many(&batch),
                    Err(StoreError::NotNext {
                        round: 90,
                        last: 65
                    })
                ),
                "{name}"
            );
            assert_eq!(store.last().unwrap().round, 60, "{name}");
            assert_eq!(store.put_many(&[]).unwrap(), 0);
            assert_eq!(store.len().unwrap(), 61);
        }
    }
}

#[test]
fn range_and_delete_from() {
    for chained in [true, false] {
        for (name, store, _dir) in both(chained) {
            let batch: Vec<_> = (1..=30).map(|r| beacon(chained, r)).collect();
            store.put_many(&batch).unwrap();
            let got = store.range(5, 10).unwrap();
            assert_eq!(
                got,
                (5..15).map(|r| beacon(chained, r)).collect::<Vec<_>>(),
                "{name}"
            );
            assert_eq!(
                store.range(25, 100).unwrap().len(),
                6,
                "{name}: stops at the head"
            );
            assert_eq!(store.range(31, 10).unwrap(), vec![], "{name}");
            assert_eq!(store.range(3, 0).unwrap(), vec![], "{name}");
            assert_eq!(store.range(u64::MAX, usize::MAX).unwrap(), vec![], "{name}");
            let from0 = store.range(0, 2).unwrap();
            assert_eq!(from0[0].signature, SEED);
            assert_eq!(from0[1], beacon(chained, 1));
        }
    }
    for chained in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let redb = RedbStore::open(&store_path(&dir), chained, SEED).unwrap();
        let mem = MemStore::new(chained, SEED);
        let batch: Vec<_> = (1..=30).map(|r| beacon(chained, r)).collect();
        redb.put_many(&batch).unwrap();
        mem.put_many(&batch).unwrap();
        assert_eq!(redb.delete_from(21).unwrap(), 10);
        assert_eq!(mem.delete_from(21).unwrap(), 10);
        assert_eq!(redb.delete_from(50).unwrap(), 0);
        assert_eq!(redb.last().unwrap().round, 20);
        assert_eq!(mem.last().unwrap().round, 20);
        // After a delete the chain continues from the new head.
        assert_eq!(
            redb.put(&beacon(chained, 21)).unwrap(),
            PutOutcome::Appended
        );
        // Round 0 survives a delete from 0.
        assert_eq!(redb.delete_from(0).unwrap(), 21);
        assert_eq!(mem.delete_from(0).unwrap(), 20);
        assert_eq!(redb.last().unwrap().signature, SEED);
        assert_eq!(mem.last().unwrap().signature, SEED);
    }
}

#[test]
fn reopen_keeps_every_beacon() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(&dir);
    {
        let store = RedbStore::open(&path, true, SEED).unwrap();
        store
            .put_many(&(1..=100).map(|r| beacon(true, r)).collect::<Vec<_>>())
            .unwrap();
        store.put(&beacon(true, 101)).unwrap();
    }
    let store = RedbStore::open(&path, true, SEED).unwrap();
    assert_eq!(store.last().unwrap(), beacon(true, 101));
    assert_eq!(store.len().unwrap(), 102);
    assert_eq!(
        store.range(1, 200).unwrap(),
        (1..=101).map(|r| beacon(true, r)).collect::<Vec<_>>()
    );
    assert_eq!(store.path(), path.as_path());
    // No temporary file is left behind by creation.
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("drand.redb")]);
}

#[test]
fn a_store_of_another_chain_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(&dir);
    drop(RedbStore::open(&path, true, SEED).unwrap());
    let err = RedbStore::open(&path, true, b"another seed").unwrap_err();
    assert!(matches!(err, StoreError::ForeignChain { .. }), "{err}");
    assert!(
        err.to_string().contains("drand.redb") && err.to_string().contains("genesis seed"),
        "{err}"
    );
    let err = RedbStore::open(&path, false, SEED).unwrap_err();
    assert!(
        err.to_string().contains("created for a chained scheme"),
        "{err}"
    );
    // The refused opens changed nothing.
    assert_eq!(
        RedbStore::open(&path, true, SEED).unwrap().len().unwrap(),
        1
    );
}

#[test]
fn a_second_open_of_the_same_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(&dir);
    let _first = RedbStore::open(&path, false, SEED).unwrap();
    let err = RedbStore::open(&path, false, SEED).unwrap_err();
    assert!(
        err.to_string().contains("locked by another open store"),
        "{err}"
    );
}

#[test]
fn a_leftover_half_created_store_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_path(&dir);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path.with_file_name("drand.redb.creating"), b"half written").unwrap();
    let store = RedbStore::open(&path, false, SEED).unwrap();
    assert_eq!(store.last().unwrap().signature, SEED);
    assert!(!path.with_file_name("drand.redb.creating").exists());
}

// ---------------------------------------------------------------------------------------------
// Bad files: clear errors naming the file, never a panic.

fn open_err(path: &Path) -> StoreError {
    match RedbStore::open(path, true, SEED) {
        Ok(_) => panic!("{} opened", path.display()),
        Err(e) => e,
    }
}

#[test]
fn foreign_files_are_named_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drand.redb");
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![], "is empty"),
        (
            b"not a database at all, just some text".to_vec(),
            "unknown file type",
        ),
        (b"SQLite format 3\0and more".to_vec(), "SQLite"),
        (
            [vec![0u8; 16], vec![0xED, 0xDA, 0x0C, 0xED], vec![0; 100]].concat(),
            "bolt",
        ),
        (b"redb\x1a".to_vec(), "truncated inside its header"),
    ];
    for (bytes, want) in cases {
        std::fs::write(&path, &bytes).unwrap();
        let err = open_err(&path);
        assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
        let msg = err.to_string();
        assert!(msg.contains(want) && msg.contains("drand.redb"), "{msg}");
    }
}

#[test]
fn unusable_paths_are_io_errors_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let err = open_err(dir.path());
    assert!(err.to_string().contains("is a folder"), "{err}");
    let file = dir.path().join("plain");
    std::fs::write(&file, b"x").unwrap();
    let err = open_err(&file.join("db").join("drand.redb"));
    assert!(matches!(err, StoreError::Io(_)), "{err}");
    assert!(err.to_string().contains("plain"), "{err}");
}

/// A valid store of `n` rounds, returned as file bytes.
fn valid_store_bytes(dir: &Path, n: u64) -> (PathBuf, Vec<u8>) {
    let path = dir.join("valid.redb");
    let store = RedbStore::open(&path, true, SEED).unwrap();
    store
        .put_many(&(1..=n).map(|r| beacon(true, r)).collect::<Vec<_>>())
        .unwrap();
    drop(store);
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

/// Opens and reads a damaged copy; whatever happens must be a clean result, and any beacon it
/// returns with a matching round must be the real one unless the file lied in its own bytes.
fn exercise(path: &Path) -> Result<(), StoreError> {
    let mut store = RedbStore::open(path, true, SEED)?;
    let last = store.last()?;
    store.range(0, 1_000)?;
    let _ = store.get(last.round / 2)?;
    store.verify_integrity()
}

#[test]
fn truncated_stores_are_refused_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = valid_store_bytes(dir.path(), 300);
    let path = dir.path().join("damaged.redb");
    for keep in [
        9,
        100,
        320,
        1_000,
        4_096,
        bytes.len() / 3,
        bytes.len() / 2,
        bytes.len() - 4_096,
        bytes.len() - 1,
    ] {
        std::fs::write(&path, &bytes[..keep]).unwrap();
        let result = exercise(&path);
        // Cutting inside a trailing free area can be harmless; otherwise a clear Corrupt/Io.
        if let Err(e) = result {
            assert!(
                matches!(e, StoreError::Corrupt(_) | StoreError::Io(_)),
                "{keep}: {e}"
            );
            assert!(e.to_string().contains("damaged.redb"), "{keep}: {e}");
        }
    }
}

#[test]
fn bit_flips_give_errors_not_panics() {
    use rand_chacha::ChaCha8Rng;
    use rand_core::{RngCore, SeedableRng};
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = valid_store_bytes(dir.path(), 300);
    let path = dir.path().join("flipped.redb");
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut refused = 0;
    for _ in 0..40 {
        let mut damaged = bytes.clone();
        for _ in 0..8 {
            let at = (rng.next_u64() % damaged.len() as u64) as usize;
            damaged[at] ^= 1 << (rng.next_u32() % 8);
        }
        std::fs::write(&path, &damaged).unwrap();
        if exercise(&path).is_err() {
            refused += 1;
        }
    }
    assert!(refused > 0, "some damage must be detected");
}

// ---------------------------------------------------------------------------------------------
// Property: any sequence of operations gives the same answers on both stores.

#[derive(Debug, Clone)]
enum Op {
    /// Put round `last + delta - 2` (so duplicates, next and gaps), maybe with a bad part.
    Put {
        delta: u8,
        bad_sig: bool,
        bad_prev: bool,
    },
    PutMany {
        count: u8,
        bad_at: Option<u8>,
    },
    Get(u8),
    Range(u8, u8),
    Delete(u8),
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..5, prop::bool::weighted(0.15), prop::bool::weighted(0.15))
            .prop_map(|(delta, bad_sig, bad_prev)| Op::Put { delta, bad_sig, bad_prev }),
        3 => (0u8..12, prop::option::weighted(0.3, 0u8..12)).prop_map(|(count, bad_at)| Op::PutMany { count, bad_at }),
        2 => any::<u8>().prop_map(Op::Get),
        2 => (any::<u8>(), 0u8..20).prop_map(|(f, l)| Op::Range(f, l)),
        1 => any::<u8>().prop_map(Op::Delete),
        1 => Just(Op::Reopen),
    ]
}

fn offered(chained: bool, round: u64, bad_sig: bool, bad_prev: bool) -> StoredBeacon {
    let mut b = if round == 0 {
        StoredBeacon {
            round: 0,
            signature: SEED.to_vec(),
            previous_signature: None,
        }
    } else {
        beacon(chained, round)
    };
    if bad_sig {
        b.signature = b"bad signature".to_vec();
    }
    if bad_prev {
        b.previous_signature = Some(b"bad previous".to_vec());
    }
    b
}

fn show<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Ok(v) => format!("ok {v:?}"),
        Err(e) => format!("err {e}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn mem_and_redb_behave_identically(chained: bool, ops in prop::collection::vec(op(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let path = store_path(&dir);
        let mem = MemStore::new(chained, SEED);
        let mut redb = Some(RedbStore::open(&path, chained, SEED).unwrap());
        for op in ops {
            let r = redb.as_ref().unwrap();
            let last = mem.last().unwrap().round;
            let (a, b) = match &op {
                Op::Put { delta, bad_sig, bad_prev } => {
                    let round = (last + u64::from(*delta)).saturating_sub(2);
                    let beacon = offered(chained, round, *bad_sig, *bad_prev);
                    (show(mem.put(&beacon)), show(r.put(&beacon)))
                }
                Op::PutMany { count, bad_at } => {
                    let batch: Vec<_> = (0..u64::from(*count))
                        .map(|i| offered(chained, last.saturating_sub(2) + i, Some(i as u8) == *bad_at, false))
                        .collect();
                    (show(mem.put_many(&batch)), show(r.put_many(&batch)))
                }
                Op::Get(round) => (show(mem.get(u64::from(*round))), show(r.get(u64::from(*round)))),
                Op::Range(from, limit) => {
                    let (f, l) = (u64::from(*from), usize::from(*limit));
                    (show(mem.range(f, l)), show(r.range(f, l)))
                }
                Op::Delete(round) => {
                    let round = u64::from(*round) % (last + 2);
                    (show(mem.delete_from(round)), show(r.delete_from(round)))
                }
                Op::Reopen => {
                    drop(redb.take()); // Close the file before reopening it.
                    redb = Some(RedbStore::open(&path, chained, SEED).unwrap());
                    (String::new(), String::new())
                }
            };
            prop_assert_eq!(&a, &b, "after {:?}", op);
            let r = redb.as_ref().unwrap();
            prop_assert_eq!(show(mem.last()), show(r.last()));
            prop_assert_eq!(show(mem.len()), show(r.len()));
        }
    }
}

/// Throughput of the sync path (run by hand: `cargo test --release --test store_rules
/// put_many_throughput -- --ignored --nocapture`).
#[test]
#[ignore = "measurement, not a check"]
fn put_many_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let store = RedbStore::open(&store_path(&dir), true, SEED).unwrap();
    let beacons: Vec<_> = (1..=10_000).map(|r| beacon(true, r)).collect();
    let start = std::time::Instant::now();
    for chunk in beacons.chunks(1_000) {
        store.put_many(chunk).unwrap();
    }
    let batched = start.elapsed();
    let singles: Vec<_> = (10_001..=10_200).map(|r| beacon(true, r)).collect();
    let start = std::time::Instant::now();
    for b in &singles {
        store.put(b).unwrap();
    }
    let single = start.elapsed();
    let start = std::time::Instant::now();
    let mut read = 0;
    let mut from = 0;
    while read < 10_000 {
        let got = store.range(from, 1_000).unwrap();
        read += got.len();
        from += got.len() as u64;
    }
    let ranged = start.elapsed();
    println!(
        "put_many (batches of 1000): {:.0} beacons/s; put: {:.0} beacons/s; range: {:.0} beacons/s",
        10_000.0 / batched.as_secs_f64(),
        200.0 / single.as_secs_f64(),
        10_000.0 / ranged.as_secs_f64()
    );
}
