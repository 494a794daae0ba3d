//! `dkg nuke`: forget a beacon's ceremonies, with the node stopped.
//!
//! drand's nuke only deletes the DKG records; a restarted node then re-creates an epoch-1
//! state from the group file still on disk (its v1 migration), and later proposals fail on the
//! epoch gap. So this nuke also moves the group file, the share and the beacon's database to
//! timestamped backups beside them. Files are moved first and the DKG records deleted last, so
//! an interruption leaves a state that running nuke again finishes. The DKG store is opened
//! directly: while the node runs it holds the store's lock and nuke refuses.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};

use super::super::Failure;
use crate::files::BeaconPaths;
use crate::files::layout::backup_file;
use crate::store::{DkgStore, DkgStoreError};

/// Flags of `dkg nuke`.
#[derive(clap::Args)]
pub struct Args {
    /// The node's folder.
    #[arg(long, env = "DRAND_FOLDER", default_value = ".drand")]
    folder: PathBuf,
    /// Beacon ID.
    #[arg(long)]
    id: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
}

/// Moves a folder aside to `<dir>.<now>` (or `<dir>.<now>.<n>`), never replacing anything.
fn backup_dir(dir: &Path, now: u64) -> Result<Option<PathBuf>, Failure> {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Failure::failed(format!("{}: {e}", dir.display()))),
        Ok(m) if !m.is_dir() => {
            return Err(Failure::failed(format!(
                "{} is not a folder; refusing to touch it",
                dir.display()
            )));
        }
        Ok(_) => {}
    }
    let base = dir.as_os_str().to_string_lossy().into_owned();
    for n in 0u32..1000 {
        let candidate = PathBuf::from(if n == 0 {
            format!("{base}.{now}")
        } else {
            format!("{base}.{now}.{n}")
        });
        if std::fs::symlink_metadata(&candidate).is_ok() {
            continue;
        }
        std::fs::rename(dir, &candidate)
            .map_err(|e| Failure::failed(format!("moving {} aside: {e}", dir.display())))?;
        return Ok(Some(candidate));
    }
    Err(Failure::failed(format!(
        "too many backups of {} with the same timestamp",
        dir.display()
    )))
}

fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Runs `dkg nuke`.
pub(super) fn run(args: Args) -> Result<(), Failure> {
    let paths = BeaconPaths::new(&args.folder, &args.id).map_err(Failure::usage)?;
    let id = paths.beacon_id().to_owned();
    let store_file = DkgStore::path_in(&args.folder);
    let moves = [paths.group_file(), paths.share_file(), paths.db_dir()];
    if !exists(&store_file) && !moves.iter().any(|p| exists(p)) {
        return Err(Failure::failed(format!(
            "nothing to nuke for beacon {id:?} in {}: no DKG store, group file, share or database",
            args.folder.display()
        )));
    }
    let store = if exists(&store_file) {
        Some(DkgStore::open(&args.folder).map_err(|e| match e {
            DkgStoreError::InUse { .. } => Failure::failed(format!(
                "{e}; `dkg nuke` only runs on a stopped node (nothing was changed)"
            )),
            other => Failure::failed(other),
        })?)
    } else {
        None
    };
    let (current, finished) = match &store {
        Some(s) => (
            s.current(&id).map_err(Failure::failed)?.is_some(),
            s.finished(&id).map_err(Failure::failed)?.is_some(),
        ),
        None => (false, false),
    };

    println!("This deletes the DKG state of beacon {id:?} and moves aside:");
    println!(
        "  DKG state in {}: current {}, last complete {}",
        store_file.display(),
        if current { "present" } else { "none" },
        if finished { "present" } else { "none" }
    );
    for path in &moves {
        if exists(path) {
            println!("  {}", path.display());
        }
    }
    if !args.yes {
        eprint!("Nuke beacon {id:?}? [y/N] ");
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::usage(format!("cannot read the confirmation: {e}")))?;
        let answer = line.trim().to_ascii_lowercase();
        if answer != "y" && answer != "yes" {
            return Err(Failure::failed("not confirmed; nothing was changed"));
        }
    }

    let now = super::super::devnet::unix_now()?;
    let [group, share, db] = &moves;
    for file in [group, share] {
        if let Some(backup) = backup_file(file, now).map_err(Failure::failed)? {
            println!("Moved {} to {}", file.display(), backup.display());
        }
    }
    if let Some(backup) = backup_dir(db, now)? {
        println!("Moved {} to {}", db.display(), backup.display());
    }
    if let Some(store) = &store {
        if store.nuke(&id).map_err(Failure::failed)? {
            println!("Deleted the DKG state of beacon {id:?}");
        } else {
            println!("No DKG state of beacon {id:?} to delete");
        }
    }
    Ok(())
}
