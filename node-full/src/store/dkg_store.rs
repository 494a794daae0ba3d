//! The DKG ceremony store: `<folder>/dkg.redb`, one record per beacon ID in two tables, as
//! drand's `dkg.db` (§1.1 of the node reference):
//!
//! - `dkg`: the current ceremony state;
//! - `dkg_finished`: the last completed state.
//!
//! Values are opaque bytes (the ceremony module writes its state as TOML). `save_finished`
//! writes both tables in one transaction, so a crash never leaves a completed epoch recorded
//! in one table and not the other; `nuke` deletes both. Every write is one durable transaction
//! (on disk when the call returns), a new file is built under a temporary name and linked into
//! place, and redb's panics on a damaged file become errors (see `redb_errors`).
//!
//! redb locks the file while it is open, so while the daemon runs, a second open (the CLI's
//! `dkg nuke`) gets [`DkgStoreError::InUse`] instead of racing the daemon.

use std::fs;
use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::StoreError;
use super::redb_errors::{guarded, io_error, map, sniff};

/// Current ceremony state per beacon ID.
const CURRENT: TableDefinition<&str, &[u8]> = TableDefinition::new("dkg");
/// Last completed ceremony state per beacon ID.
const FINISHED: TableDefinition<&str, &[u8]> = TableDefinition::new("dkg_finished");
/// Facts about the file itself.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("dkg_meta");
/// `META` key of the layout version.
const FORMAT_KEY: &str = "format";
/// The layout written by this code.
const FORMAT_V1: &[u8] = &[1];
/// The records are small: a small page cache suffices.
const CACHE_BYTES: usize = 4 * 1024 * 1024;
/// The beacon ID an empty one stands for.
const DEFAULT_ID: &str = "default";

/// Why the DKG store could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum DkgStoreError {
    /// Another open store holds the file: the node is running (stop it first).
    #[error(
        "{}: the DKG store is in use by a running node (or another drand-node process); stop \
         the node first",
        path.display()
    )]
    InUse {
        /// The store file.
        path: PathBuf,
    },
    /// The file is damaged, foreign, or the disk failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The ceremony states of every beacon ID of a node folder. Safe to share between threads.
pub struct DkgStore {
    /// Always `Some` until dropped; an `Option` so `Drop` can close it under [`guarded`].
    db: Option<Database>,
    path: PathBuf,
}

impl Drop for DkgStore {
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            let _ = guarded(&self.path, "closing", || {
                drop(db);
                Ok(())
            });
        }
    }
}

impl std::fmt::Debug for DkgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DkgStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn canonical(id: &str) -> &str {
    if id.is_empty() { DEFAULT_ID } else { id }
}

fn in_use(path: &Path, err: &redb::DatabaseError) -> Option<DkgStoreError> {
    matches!(err, redb::DatabaseError::DatabaseAlreadyOpen).then(|| DkgStoreError::InUse {
        path: path.to_path_buf(),
    })
}

/// Creates an empty store at `path` under a temporary name, then links it into place (never
/// replacing an existing file), so a crash leaves no store or a complete one.
fn create(path: &Path) -> Result<(), DkgStoreError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| io_error(&parent, "creating the folder", &e))?;
    let tmp = path.with_extension("redb.creating");
    match fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(&tmp, "removing a half-created store", &e).into()),
    }
    guarded(&tmp, "creating", || {
        let mut fresh = Database::builder();
        fresh.set_cache_size(CACHE_BYTES);
        let db = fresh.create(&tmp).map_err(|e| map(&tmp, "creating", e))?;
        let mut txn = db.begin_write().map_err(|e| map(&tmp, "creating", e))?;
        txn.set_quick_repair(true);
        {
            let mut meta = txn.open_table(META).map_err(|e| map(&tmp, "creating", e))?;
            meta.insert(FORMAT_KEY, FORMAT_V1)
                .map_err(|e| map(&tmp, "creating", e))?;
            txn.open_table(CURRENT)
                .map_err(|e| map(&tmp, "creating", e))?;
            txn.open_table(FINISHED)
                .map_err(|e| map(&tmp, "creating", e))?;
        }
        txn.commit().map_err(|e| map(&tmp, "creating", e))?;
        Ok(())
    })?;
    match fs::hard_link(&tmp, path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(_) => fs::rename(&tmp, path)
            .map_err(|e| io_error(path, "moving the new store into place", &e))?,
    }
    match fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(&tmp, "removing the temporary store", &e).into()),
    }
    fs::File::open(&parent)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| io_error(&parent, "syncing the folder", &e))?;
    Ok(())
}

impl DkgStore {
    /// The file name inside the node folder.
    pub const FILE_NAME: &'static str = "dkg.redb";

    /// The store file of a node folder.
    pub fn path_in(folder: &Path) -> PathBuf {
        folder.join(Self::FILE_NAME)
    }

    /// Opens `<folder>/dkg.redb`, creating it (and the folder) when missing. A file held by
    /// another open store is [`DkgStoreError::InUse`]; a damaged or foreign file is an error
    /// naming it, never a panic.
    pub fn open(folder: &Path) -> Result<DkgStore, DkgStoreError> {
        let path = Self::path_in(folder);
        match fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                return Err(StoreError::Io(format!(
                    "{}: is a folder, expected the DKG store file",
                    path.display()
                ))
                .into());
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path)?,
            Err(e) => return Err(io_error(&path, "looking up the DKG store", &e).into()),
        }
        // The state holds this node's key share: owner-only, like `dist_key.private`.
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(
                &path,
                fs::Permissions::from_mode(crate::files::layout::SECRET_FILE_MODE),
            )
            .map_err(|e| io_error(&path, "restricting the DKG store to its owner", &e))?;
        }
        sniff(&path)?;
        let mut busy = None;
        let db = guarded(&path, "opening", || {
            let mut b = Database::builder();
            b.set_cache_size(CACHE_BYTES);
            b.set_repair_callback(|_| {
                tracing::warn!("DKG store was not closed cleanly; repairing it");
            });
            b.open(&path).map_err(|e| {
                busy = in_use(&path, &e);
                map(&path, "opening", e)
            })
        });
        let db = match (db, busy) {
            (_, Some(in_use)) => return Err(in_use),
            (db, None) => db?,
        };
        let store = DkgStore { db: Some(db), path };
        store.check_format()?;
        Ok(store)
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn db(&self) -> Result<&Database, StoreError> {
        self.db
            .as_ref()
            .ok_or_else(|| StoreError::Io(format!("{}: the store is closed", self.path.display())))
    }

    fn check_format(&self) -> Result<(), StoreError> {
        let path = self.path.as_path();
        guarded(path, "checking the store", || {
            let txn = self
                .db()?
                .begin_read()
                .map_err(|e| map(path, "starting a read", e))?;
            let meta = txn.open_table(META).map_err(|e| {
                let e: redb::Error = e.into();
                match e {
                    redb::Error::TableDoesNotExist(_) => StoreError::Corrupt(format!(
                        "{}: not a drand-node DKG store (no dkg_meta table)",
                        path.display()
                    )),
                    other => map(path, "opening the meta table", other),
                }
            })?;
            let format = meta
                .get(FORMAT_KEY)
                .map_err(|e| map(path, "reading the meta table", e))?
                .map(|v| v.value().to_vec());
            if format.as_deref() != Some(FORMAT_V1) {
                return Err(StoreError::Corrupt(format!(
                    "{}: unknown DKG store format {format:?} (this build writes {FORMAT_V1:?})",
                    path.display()
                )));
            }
            Ok(())
        })
    }

    fn get(
        &self,
        table: TableDefinition<&str, &[u8]>,
        id: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.path.as_path();
        guarded(path, "reading a DKG state", || {
            let txn = self
                .db()?
                .begin_read()
                .map_err(|e| map(path, "starting a read", e))?;
            let t = txn
                .open_table(table)
                .map_err(|e| map(path, "opening a DKG table", e))?;
            Ok(t.get(canonical(id))
                .map_err(|e| map(path, "reading a DKG state", e))?
                .map(|v| v.value().to_vec()))
        })
    }

    /// Runs `f` on both tables in one durable write transaction; an error aborts it all.
    fn write<T>(
        &self,
        op: &str,
        f: impl FnOnce(
            &mut redb::Table<'_, &'static str, &'static [u8]>,
            &mut redb::Table<'_, &'static str, &'static [u8]>,
        ) -> Result<T, redb::StorageError>,
    ) -> Result<T, StoreError> {
        let path = self.path.as_path();
        guarded(path, op, || {
            let mut txn = self.db()?.begin_write().map_err(|e| map(path, op, e))?;
            txn.set_quick_repair(true);
            let result = {
                let mut current = txn.open_table(CURRENT).map_err(|e| map(path, op, e))?;
                let mut finished = txn.open_table(FINISHED).map_err(|e| map(path, op, e))?;
                f(&mut current, &mut finished)
            };
            match result {
                Ok(value) => {
                    txn.commit().map_err(|e| map(path, op, e))?;
                    Ok(value)
                }
                Err(e) => {
                    let _ = txn.abort();
                    Err(map(path, op, e))
                }
            }
        })
    }

    /// The current ceremony state of `id` (empty means `default`), if any.
    pub fn current(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(CURRENT, id)
    }

    /// The last completed ceremony state of `id`, if any.
    pub fn finished(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(FINISHED, id)
    }

    /// Replaces the current state of `id` (the finished one is untouched).
    pub fn save_current(&self, id: &str, state: &[u8]) -> Result<(), StoreError> {
        self.write("saving the current DKG state", |current, _| {
            current.insert(canonical(id), state).map(drop)
        })
    }

    /// Records a completed ceremony: writes `state` as both the current and the finished state
    /// of `id`, in one transaction.
    pub fn save_finished(&self, id: &str, state: &[u8]) -> Result<(), StoreError> {
        self.write("saving a finished DKG state", |current, finished| {
            current.insert(canonical(id), state)?;
            finished.insert(canonical(id), state).map(drop)
        })
    }

    /// Deletes both states of `id` in one transaction; returns whether there was anything.
    pub fn nuke(&self, id: &str) -> Result<bool, StoreError> {
        self.write("deleting the DKG state", |current, finished| {
            let a = current.remove(canonical(id))?.is_some();
            let b = finished.remove(canonical(id))?.is_some();
            Ok(a || b)
        })
    }

    /// Every beacon ID with a current or a finished state, sorted.
    pub fn beacon_ids(&self) -> Result<Vec<String>, StoreError> {
        let path = self.path.as_path();
        guarded(path, "listing DKG states", || {
            let txn = self
                .db()?
                .begin_read()
                .map_err(|e| map(path, "starting a read", e))?;
            let mut ids = std::collections::BTreeSet::new();
            for table in [CURRENT, FINISHED] {
                let t = txn
                    .open_table(table)
                    .map_err(|e| map(path, "opening a DKG table", e))?;
                for entry in t.iter().map_err(|e| map(path, "listing DKG states", e))? {
                    let (key, _) = entry.map_err(|e| map(path, "listing DKG states", e))?;
                    ids.insert(key.value().to_owned());
                }
            }
            Ok(ids.into_iter().collect())
        })
    }
}
