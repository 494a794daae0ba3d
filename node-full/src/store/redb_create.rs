//! Creating a new embedded store crash-safely, and the redb settings every open uses.

use std::fs;
use std::path::{Path, PathBuf};

use redb::Database;

use super::StoreError;
use super::redb_errors::{guarded, io_error, map};
use super::redb_store::{BEACONS, CACHE_BYTES, CHAINED_KEY, FORMAT_KEY, FORMAT_V1, META};

/// The redb settings every open of an existing store uses: a repair there means the store was
/// not closed cleanly, which operators should see.
pub(super) fn builder() -> redb::Builder {
    let mut builder = Database::builder();
    builder.set_cache_size(CACHE_BYTES);
    builder.set_repair_callback(|session| {
        tracing::warn!(
            progress = session.progress(),
            "beacon store was not closed cleanly; repairing it"
        );
    });
    builder
}

/// Creates a new store at `path` holding round 0 = `genesis_seed`. It is built under a
/// temporary name and hard-linked into place (which never replaces an existing file), so a
/// crash leaves either no store or a complete one.
pub(super) fn create(path: &Path, chained: bool, genesis_seed: &[u8]) -> Result<(), StoreError> {
    let Some(name) = path.file_name() else {
        return Err(StoreError::Io(format!(
            "{}: not a file path",
            path.display()
        )));
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| io_error(&parent, "creating the store folder", &e))?;
    let mut tmp_name = name.to_os_string();
    tmp_name.push(".creating");
    let tmp = path.with_file_name(tmp_name);
    // A leftover from a crash during an earlier creation holds at most round 0: start over.
    match fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(&tmp, "removing a half-created store", &e)),
    }
    guarded(&tmp, "creating", || {
        // redb initialises a brand-new file through its repair path, so creation uses a builder
        // without the "not closed cleanly" warning (which would be a false alarm here).
        let mut fresh = Database::builder();
        fresh.set_cache_size(CACHE_BYTES);
        let db = fresh.create(&tmp).map_err(|e| map(&tmp, "creating", e))?;
        let mut txn = db.begin_write().map_err(|e| map(&tmp, "creating", e))?;
        txn.set_quick_repair(true);
        {
            let mut meta = txn.open_table(META).map_err(|e| map(&tmp, "creating", e))?;
            meta.insert(FORMAT_KEY, FORMAT_V1)
                .map_err(|e| map(&tmp, "creating", e))?;
            meta.insert(CHAINED_KEY, [u8::from(chained)].as_slice())
                .map_err(|e| map(&tmp, "creating", e))?;
            let mut beacons = txn
                .open_table(BEACONS)
                .map_err(|e| map(&tmp, "creating", e))?;
            beacons
                .insert(0u64, genesis_seed)
                .map_err(|e| map(&tmp, "creating", e))?;
        }
        txn.commit().map_err(|e| map(&tmp, "creating", e))?;
        Ok(())
    })?;
    match fs::hard_link(&tmp, path) {
        Ok(()) => {}
        // Someone created the store meanwhile: keep theirs, it is opened and checked next.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        // No hard links on this file system: rename (which could replace a racing creation).
        Err(_) => fs::rename(&tmp, path)
            .map_err(|e| io_error(path, "moving the new store into place", &e))?,
    }
    match fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(&tmp, "removing the temporary store", &e)),
    }
    fs::File::open(&parent)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| io_error(&parent, "syncing the store folder", &e))?;
    Ok(())
}
