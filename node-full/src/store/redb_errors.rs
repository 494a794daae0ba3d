//! Turning redb's errors, panics and foreign files into clear [`StoreError`]s that name the file.
//!
//! redb trusts its own file: a truncated or overwritten file can trip an assertion inside it
//! (for example a header promising more pages than the file has). Every call into redb
//! therefore runs under [`guarded`], which turns such a panic into [`StoreError::Corrupt`].

use std::cell::Cell;
use std::fs::File;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Once;

use super::StoreError;

/// The first bytes of every redb file.
const REDB_MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];
/// A Go drand (bolt) database: page header of 16 bytes, then the meta magic `0xED0CDAED` (LE).
const BOLT_MAGIC_AT_16: [u8; 4] = [0xED, 0xDA, 0x0C, 0xED];
/// The first bytes of an SQLite database.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

thread_local! {
    /// Set while this thread runs inside [`guarded`]: its panics become errors, not noise.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Installs (once) a panic hook that stays silent for panics caught by [`guarded`] (they are
/// reported as [`StoreError::Corrupt`] naming the file) and defers to the previous hook for
/// every other panic, so a damaged store never prints "panicked at" and a backtrace.
fn quiet_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic inside redb into [`StoreError::Corrupt`] naming `path` and `op`.
pub(super) fn guarded<T>(
    path: &Path,
    op: &str,
    f: impl FnOnce() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    quiet_panic_hook();
    let outer = QUIET.with(|q| q.replace(true));
    let caught = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(outer));
    match caught {
        Ok(result) => result,
        Err(payload) => {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            tracing::error!(path = %path.display(), op, why, "beacon store file is damaged");
            Err(StoreError::Corrupt(format!(
                "{}: {op}: the file is damaged (storage engine refused it: {why}); \
                 restore it from a backup or resync the chain",
                path.display()
            )))
        }
    }
}

/// Maps any redb error to a [`StoreError`] naming `path` and the operation `op`.
pub(super) fn map(path: &Path, op: &str, err: impl Into<redb::Error>) -> StoreError {
    let p = path.display();
    match err.into() {
        redb::Error::Corrupted(msg) => StoreError::Corrupt(format!(
            "{p}: {op}: {msg}; restore it from a backup or resync the chain"
        )),
        redb::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::UnexpectedEof => StoreError::Corrupt(format!(
                "{p}: {op}: the file ends early (truncated?); restore it from a backup or \
                 resync the chain"
            )),
            std::io::ErrorKind::InvalidData => {
                StoreError::Corrupt(format!("{p}: {op}: not a redb file or damaged header"))
            }
            _ => io_error(path, op, &io),
        },
        redb::Error::DatabaseAlreadyOpen => StoreError::Io(format!(
            "{p}: {op}: the file is locked by another open store (is another drand-node \
             process running on this folder?)"
        )),
        redb::Error::UpgradeRequired(version) => StoreError::Corrupt(format!(
            "{p}: {op}: written in redb file format version {version}, which this build cannot \
             read"
        )),
        redb::Error::RepairAborted => StoreError::Corrupt(format!(
            "{p}: {op}: the file needs a crash repair that could not run"
        )),
        e @ (redb::Error::TableTypeMismatch { .. }
        | redb::Error::TableIsMultimap(_)
        | redb::Error::TableIsNotMultimap(_)
        | redb::Error::TypeDefinitionChanged { .. }
        | redb::Error::TableDoesNotExist(_)) => {
            StoreError::Corrupt(format!("{p}: {op}: not a drand-node beacon store ({e})"))
        }
        e @ (redb::Error::PreviousIo | redb::Error::LockPoisoned(_)) => StoreError::Io(format!(
            "{p}: {op}: {e}; restart the node to reopen the store"
        )),
        other => StoreError::Io(format!("{p}: {op}: {other}")),
    }
}

/// An operating-system error on `path`, with the path and the operation in the message.
pub(super) fn io_error(path: &Path, op: &str, err: &std::io::Error) -> StoreError {
    StoreError::Io(format!("{}: {op}: {err}", path.display()))
}

/// Checks that an existing file is a redb file before handing it to redb, so a wrong file gets
/// a message that says what it is instead of redb's bare "invalid data".
pub(super) fn sniff(path: &Path) -> Result<(), StoreError> {
    let mut head = Vec::with_capacity(32);
    File::open(path)
        .and_then(|f| f.take(32).read_to_end(&mut head))
        .map_err(|e| io_error(path, "reading the file header", &e))?;
    let p = path.display();
    if head.is_empty() {
        return Err(StoreError::Corrupt(format!(
            "{p} is empty (truncated?); it holds no beacons: remove it to start a new store"
        )));
    }
    if head.starts_with(&REDB_MAGIC) {
        return Ok(());
    }
    let what = if head.get(16..20) == Some(&BOLT_MAGIC_AT_16[..]) {
        "it looks like a Go drand (bolt) database, which this node does not read"
    } else if head.starts_with(SQLITE_MAGIC) {
        "it is an SQLite database"
    } else if head.len() < REDB_MAGIC.len() && REDB_MAGIC.starts_with(&head) {
        "it is truncated inside its header"
    } else {
        "unknown file type"
    };
    Err(StoreError::Corrupt(format!(
        "{p} is not a drand-node beacon store (a redb file): {what}"
    )))
}
