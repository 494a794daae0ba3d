//! Crash safety: a child process appends beacons (single puts and batches) and reports each
//! round on stdout once the call returned; the parent SIGKILLs it at a seeded random moment,
//! several times over the same file. Every reported beacon must survive, intact, in a
//! continuous chain.
//!
//! The child is this test binary re-executed with `STORE_CRASH_CHILD=<path>`, running only
//! `crash_child_writer` (a no-op in normal runs).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use drand_node::store::{BeaconStore, RedbStore, StoredBeacon};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};

const SEED: &[u8] = b"crash test genesis seed";
const CHILD_ENV: &str = "STORE_CRASH_CHILD";

fn sig(round: u64) -> Vec<u8> {
    if round == 0 {
        return SEED.to_vec();
    }
    let mut h = Sha256::new();
    h.update(b"crash test signature");
    h.update(round.to_be_bytes());
    let d = h.finalize();
    // 96 bytes, the size of a G2 signature, so pages fill like a real chain.
    [d.as_slice(), d.as_slice(), d.as_slice()].concat()
}

fn beacon(round: u64) -> StoredBeacon {
    StoredBeacon {
        round,
        signature: sig(round),
        previous_signature: Some(sig(round - 1)),
    }
}

/// The child: append forever, one line per durable call.
#[test]
fn crash_child_writer() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let store = RedbStore::open(Path::new(&path), true, SEED).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(std::process::id().into());
    loop {
        let next = store.last().unwrap().round + 1;
        let last = if rng.next_u32() % 3 == 0 {
            let n = 1 + u64::from(rng.next_u32() % 50);
            let batch: Vec<_> = (next..next + n).map(beacon).collect();
            store.put_many(&batch).unwrap();
            next + n - 1
        } else {
            store.put(&beacon(next)).unwrap();
            next
        };
        println!("stored {last}");
    }
}

fn reported(line: &str) -> Option<u64> {
    line.strip_prefix("stored ")?.trim().parse().ok()
}

#[test]
fn sigkill_at_random_moments_loses_no_reported_beacon() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db").join("drand.redb");
    let exe = std::env::current_exe().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(20240917);
    let mut max_reported = 0u64;
    for run in 0..6 {
        let mut child = Command::new(&exe)
            .args([
                "crash_child_writer",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        // Let it report a random number of durable calls, then kill it a random moment later
        // (the child is in the middle of its next call by then).
        let target = 1 + rng.next_u64() % 40;
        let mut seen = 0;
        let mut line = String::new();
        while seen < target {
            line.clear();
            if stdout.read_line(&mut line).unwrap() == 0 {
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                panic!("run {run}: child exited early: {err}");
            }
            if let Some(r) = reported(&line) {
                max_reported = max_reported.max(r);
                seen += 1;
            }
        }
        let spin = Duration::from_micros(rng.next_u64() % 3_000);
        let start = Instant::now();
        while start.elapsed() < spin {
            std::hint::spin_loop();
        }
        child.kill().unwrap(); // SIGKILL on Unix.
        child.wait().unwrap();
        // Lines written before the kill count too.
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        for l in rest.lines() {
            if let Some(r) = reported(l) {
                max_reported = max_reported.max(r);
            }
        }

        let store = RedbStore::open(&path, true, SEED).unwrap();
        let last = store.last().unwrap().round;
        assert!(
            last >= max_reported,
            "run {run}: reported {max_reported}, stored {last}"
        );
        assert_eq!(
            store.len().unwrap(),
            last + 1,
            "run {run}: holes in the chain"
        );
        let all = store.range(0, usize::MAX).unwrap();
        assert_eq!(all.len() as u64, last + 1, "run {run}");
        for b in &all[1..] {
            assert_eq!(b, &beacon(b.round), "run {run}: round {} damaged", b.round);
        }
        eprintln!("run {run}: killed after {max_reported} reported, {last} stored");
    }
    assert!(max_reported >= 6);
}
