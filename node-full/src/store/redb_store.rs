//! The embedded beacon store: one redb file per beacon ID (`multibeacon/<id>/db/drand.redb`).
//!
//! Why redb rather than SQLite: it is pure Rust, so there is no C toolchain or SQLite
//! amalgamation to build and nothing `unsafe` of ours to audit; it is ACID with copy-on-write
//! pages and checksummed commit slots, so a crash at any moment leaves the last committed
//! transaction intact; it is a single file, easy to back up; and its MVCC readers never block
//! the writer, so serving HTTP reads does not delay the next beacon. We need a sorted map from
//! round to signature, not SQL.
//!
//! Layout, trimmed like drand's bolt store: table `beacons` maps the round (`u64`) to the raw
//! signature; chained schemes rebuild `previous_signature` from `round - 1` on read. Table
//! `meta` holds the format version and whether the scheme is chained. Round 0 holds the
//! genesis seed and is written when the file is created, so a store always knows its chain.
//!
//! Crash safety: every put or batch is one write transaction with durability `Immediate` (it is
//! on disk when the call returns) and quick-repair on (two-phase commit plus the allocator
//! state saved with each commit, so reopening after a crash is instant instead of a walk over
//! the whole file). A new store is built under a temporary name and linked into place only
//! once round 0 is committed, so a crash during creation never leaves a half-made store
//! (see `redb_create`).

use std::fs;
use std::path::{Path, PathBuf};

use redb::{
    Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, Table, TableDefinition,
};

use super::redb_create::{builder, create};
use super::redb_errors::{guarded, io_error, map, sniff};
use super::rules::{self, ChainView};
use super::{BeaconStore, PutOutcome, StoreError, StoredBeacon};

/// Round → raw signature (round 0 → genesis seed).
pub(super) const BEACONS: TableDefinition<u64, &[u8]> = TableDefinition::new("beacons");
/// Facts about the store itself.
pub(super) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// `META` key of the layout version.
pub(super) const FORMAT_KEY: &str = "format";
/// The layout written by this code.
pub(super) const FORMAT_V1: &[u8] = &[1];
/// `META` key of the scheme kind: `[1]` chained, `[0]` unchained.
pub(super) const CHAINED_KEY: &str = "chained";
/// Page cache: beacons are small and mostly read near the head, so a modest cache suffices.
pub(super) const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// A beacon chain in one redb file. Safe to share between threads; see the module docs for
/// the layout and the crash-safety argument.
pub struct RedbStore {
    /// Always `Some` until dropped; an `Option` so `Drop` can close it under [`guarded`].
    db: Option<Database>,
    path: PathBuf,
    chained: bool,
}

impl Drop for RedbStore {
    /// Closing writes redb's allocator state, which can trip over a damaged file: contain it.
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            let _ = guarded(&self.path, "closing", || {
                drop(db);
                Ok(())
            });
        }
    }
}

impl std::fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStore")
            .field("path", &self.path)
            .field("chained", &self.chained)
            .finish_non_exhaustive()
    }
}

/// The beacons table inside a write transaction, seen through the shared rules.
struct TxView<'t, 'txn> {
    table: &'t Table<'txn, u64, &'static [u8]>,
    path: &'t Path,
}

impl ChainView for TxView<'_, '_> {
    fn last_round(&self) -> Result<u64, StoreError> {
        last_round(self.table, self.path)
    }

    fn signature(&self, round: u64) -> Result<Option<Vec<u8>>, StoreError> {
        signature(self.table, self.path, round)
    }
}

fn last_round(
    table: &impl ReadableTable<u64, &'static [u8]>,
    path: &Path,
) -> Result<u64, StoreError> {
    match table
        .last()
        .map_err(|e| map(path, "reading the last round", e))?
    {
        Some((round, _)) => Ok(round.value()),
        None => Err(StoreError::Corrupt(format!(
            "{}: the beacons table is empty (round 0, the genesis seed, is missing)",
            path.display()
        ))),
    }
}

fn signature(
    table: &impl ReadableTable<u64, &'static [u8]>,
    path: &Path,
    round: u64,
) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(table
        .get(round)
        .map_err(|e| map(path, "reading a round", e))?
        .map(|sig| sig.value().to_vec()))
}

impl RedbStore {
    /// Opens the store at `path`, creating it (and its folder) with round 0 = `genesis_seed`
    /// if the file does not exist. An existing file must be a store of this chain: same
    /// genesis seed and scheme kind, else [`StoreError::ForeignChain`]; a damaged or foreign
    /// file is [`StoreError::Corrupt`], never a panic.
    pub fn open(
        path: &Path,
        scheme_chained: bool,
        genesis_seed: &[u8],
    ) -> Result<RedbStore, StoreError> {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                return Err(StoreError::Io(format!(
                    "{}: is a folder, expected a beacon store file",
                    path.display()
                )));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                create(path, scheme_chained, genesis_seed)?;
            }
            Err(e) => return Err(io_error(path, "looking up the store file", &e)),
        }
        sniff(path)?;
        let db = guarded(path, "opening", || {
            builder().open(path).map_err(|e| map(path, "opening", e))
        })?;
        let store = RedbStore {
            db: Some(db),
            path: path.to_path_buf(),
            chained: scheme_chained,
        };
        store.check_identity(genesis_seed)?;
        Ok(store)
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open database (absent only while being dropped).
    fn db(&self) -> Result<&Database, StoreError> {
        self.db
            .as_ref()
            .ok_or_else(|| StoreError::Io(format!("{}: the store is closed", self.path.display())))
    }

    /// Deletes `round` and every later round in one transaction (operator `del-beacon`, node
    /// stopped). Round 0 is the genesis seed and is never deleted: `round == 0` deletes rounds
    /// 1.. instead. Returns how many rounds were deleted.
    pub fn delete_from(&self, round: u64) -> Result<u64, StoreError> {
        let from = round.max(1);
        self.write("deleting rounds", |table, path| {
            let before = table.len().map_err(|e| map(path, "counting rounds", e))?;
            table
                .retain_in(from.., |_, _| false)
                .map_err(|e| map(path, "deleting rounds", e))?;
            let after = table.len().map_err(|e| map(path, "counting rounds", e))?;
            let deleted = before.saturating_sub(after);
            Ok((deleted, deleted > 0))
        })
    }

    /// Walks the whole file and verifies every page checksum (slow: seconds per GiB). Normal
    /// opens trust committed pages; run this when the disk is suspect. Errors if the file is
    /// damaged beyond what redb can roll back.
    pub fn verify_integrity(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let db = self.db.as_mut();
        let clean = guarded(&path, "verifying integrity", || {
            db.ok_or_else(|| StoreError::Io(format!("{}: the store is closed", path.display())))?
                .check_integrity()
                .map_err(|e| map(&path, "verifying integrity", e))
        })?;
        if !clean {
            tracing::warn!(path = %path.display(), "beacon store failed its integrity check and was repaired");
        }
        let last = self.last()?.round;
        if self.len()? != last.saturating_add(1) {
            return Err(rules::missing(last, last));
        }
        Ok(())
    }

    /// Checks a freshly opened file belongs to this chain and keeps the store's invariants.
    fn check_identity(&self, genesis_seed: &[u8]) -> Result<(), StoreError> {
        let path = self.path.as_path();
        guarded(path, "checking the store", || {
            let txn = self
                .db()?
                .begin_read()
                .map_err(|e| map(path, "starting a read", e))?;
            let meta = txn
                .open_table(META)
                .map_err(|e| map(path, "opening the meta table", e))?;
            let get = |key: &str| -> Result<Option<Vec<u8>>, StoreError> {
                Ok(meta
                    .get(key)
                    .map_err(|e| map(path, "reading the meta table", e))?
                    .map(|v| v.value().to_vec()))
            };
            let format = get(FORMAT_KEY)?;
            if format.as_deref() != Some(FORMAT_V1) {
                return Err(StoreError::Corrupt(format!(
                    "{}: unknown store format {format:?} (this build writes {FORMAT_V1:?})",
                    path.display()
                )));
            }
            let stored_chained = match get(CHAINED_KEY)?.as_deref() {
                Some([1]) => true,
                Some([0]) => false,
                other => {
                    return Err(StoreError::Corrupt(format!(
                        "{}: bad scheme kind {other:?} in the meta table",
                        path.display()
                    )));
                }
            };
            let foreign = |reason: String| StoreError::ForeignChain {
                path: path.display().to_string(),
                reason,
            };
            if stored_chained != self.chained {
                let kind = |c: bool| if c { "chained" } else { "unchained" };
                return Err(foreign(format!(
                    "it was created for a {} scheme, the chain is {}",
                    kind(stored_chained),
                    kind(self.chained)
                )));
            }
            let beacons = txn
                .open_table(BEACONS)
                .map_err(|e| map(path, "opening the beacons table", e))?;
            let seed = signature(&beacons, path, 0)?.ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "{}: round 0 (the genesis seed) is missing",
                    path.display()
                ))
            })?;
            if seed != genesis_seed {
                return Err(foreign(format!(
                    "its genesis seed is {}, the chain's is {}",
                    drand_lite::hex::encode(&seed),
                    drand_lite::hex::encode(genesis_seed)
                )));
            }
            let last = last_round(&beacons, path)?;
            let len = beacons.len().map_err(|e| map(path, "counting rounds", e))?;
            if len != last.saturating_add(1) {
                return Err(StoreError::Corrupt(format!(
                    "{}: {len} rounds stored but the last is {last}: the chain has holes",
                    path.display()
                )));
            }
            Ok(())
        })
    }

    /// Runs `f` on the beacons table in one durable write transaction. `f` returns its result
    /// and whether it changed anything; unchanged transactions are aborted (no disk write), and
    /// an error aborts everything `f` did.
    fn write<T>(
        &self,
        op: &str,
        f: impl FnOnce(&mut Table<'_, u64, &'static [u8]>, &Path) -> Result<(T, bool), StoreError>,
    ) -> Result<T, StoreError> {
        let path = self.path.as_path();
        guarded(path, op, || {
            let mut txn = self.db()?.begin_write().map_err(|e| map(path, op, e))?;
            txn.set_quick_repair(true);
            let result = {
                let mut table = txn.open_table(BEACONS).map_err(|e| map(path, op, e))?;
                f(&mut table, path)
            };
            match result {
                Ok((value, true)) => {
                    txn.commit().map_err(|e| map(path, op, e))?;
                    Ok(value)
                }
                Ok((value, false)) => {
                    txn.abort().map_err(|e| map(path, op, e))?;
                    Ok(value)
                }
                Err(err) => {
                    // The refusal is the error to report; a failing abort changes nothing.
                    let _ = txn.abort();
                    Err(err)
                }
            }
        })
    }

    /// Runs `f` on the beacons table in a read transaction (a consistent snapshot).
    fn read<T>(
        &self,
        op: &str,
        f: impl FnOnce(&redb::ReadOnlyTable<u64, &'static [u8]>, &Path) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let path = self.path.as_path();
        guarded(path, op, || {
            let txn = self.db()?.begin_read().map_err(|e| map(path, op, e))?;
            let table = txn.open_table(BEACONS).map_err(|e| map(path, op, e))?;
            f(&table, path)
        })
    }

    /// The stored beacon of `round`, with the previous signature rebuilt for chained schemes.
    fn beacon_at(
        &self,
        table: &impl ReadableTable<u64, &'static [u8]>,
        path: &Path,
        round: u64,
    ) -> Result<Option<StoredBeacon>, StoreError> {
        let Some(sig) = signature(table, path, round)? else {
            return Ok(None);
        };
        let prev = match round.checked_sub(1) {
            Some(p) if self.chained => {
                Some(signature(table, path, p)?.ok_or_else(|| rules::missing(p, round))?)
            }
            _ => None,
        };
        Ok(Some(rules::rebuild(self.chained, round, sig, prev)))
    }
}

impl BeaconStore for RedbStore {
    fn last(&self) -> Result<StoredBeacon, StoreError> {
        self.read("reading the last beacon", |table, path| {
            let last = last_round(table, path)?;
            self.beacon_at(table, path, last)?
                .ok_or_else(|| rules::missing(last, last))
        })
    }

    fn get(&self, round: u64) -> Result<Option<StoredBeacon>, StoreError> {
        self.read("reading a beacon", |table, path| {
            self.beacon_at(table, path, round)
        })
    }

    fn put(&self, beacon: &StoredBeacon) -> Result<PutOutcome, StoreError> {
        self.put_many(std::slice::from_ref(beacon))
            .map(|appended| match appended {
                0 => PutOutcome::AlreadyStored,
                _ => PutOutcome::Appended,
            })
    }

    fn range(&self, from: u64, limit: usize) -> Result<Vec<StoredBeacon>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        self.read("reading a range of beacons", |table, path| {
            // Chained: start one round early to carry the previous signature along.
            let start = if self.chained {
                from.saturating_sub(1)
            } else {
                from
            };
            let iter = table
                .range(start..)
                .map_err(|e| map(path, "reading a range of beacons", e))?;
            let mut out = Vec::new();
            let mut prev: Option<Vec<u8>> = None;
            let mut expected = start;
            for item in iter {
                let (round, sig) = item.map_err(|e| map(path, "reading a range of beacons", e))?;
                let round = round.value();
                if round != expected {
                    return Err(rules::missing(expected, round));
                }
                let sig = sig.value().to_vec();
                if round >= from {
                    let previous = if self.chained { prev.take() } else { None };
                    out.push(rules::rebuild(self.chained, round, sig.clone(), previous));
                    if out.len() >= limit {
                        break;
                    }
                }
                if self.chained {
                    prev = Some(sig);
                }
                match round.checked_add(1) {
                    Some(next) => expected = next,
                    None => break,
                }
            }
            Ok(out)
        })
    }

    fn put_many(&self, beacons: &[StoredBeacon]) -> Result<usize, StoreError> {
        if beacons.is_empty() {
            return Ok(0);
        }
        let chained = self.chained;
        self.write("appending beacons", |table, path| {
            let mut appended = 0usize;
            for beacon in beacons {
                let verdict = rules::check_put(&TxView { table, path }, chained, beacon)?;
                if verdict == PutOutcome::Appended {
                    table
                        .insert(beacon.round, beacon.signature.as_slice())
                        .map_err(|e| map(path, "appending a beacon", e))?;
                    appended = appended.saturating_add(1);
                }
            }
            Ok((appended, appended > 0))
        })
    }

    fn len(&self) -> Result<u64, StoreError> {
        self.read("counting rounds", |table, path| {
            table.len().map_err(|e| map(path, "counting rounds", e))
        })
    }
}
