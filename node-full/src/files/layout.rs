//! Where a node keeps its files, drand's layout:
//!
//! ```text
//! <folder>/multibeacon/<beacon id>/key/drand_id.private     secret key (0600)
//! <folder>/multibeacon/<beacon id>/key/drand_id.public      public identity
//! <folder>/multibeacon/<beacon id>/groups/drand_group.toml  group file
//! <folder>/multibeacon/<beacon id>/groups/dist_key.private  key share (0600)
//! <folder>/multibeacon/<beacon id>/db/                      beacon database
//! ```
//!
//! Folders we create get mode 0700 (drand uses 0740; nothing in them needs group access).
//! Files are replaced atomically (temporary file, fsync, rename, fsync of the folder), secrets
//! are created 0600, and no path component below `<folder>` may be a symbolic link: a link in
//! a key folder is refused, never followed.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::FilesError;

/// The folder under the base folder that holds one folder per beacon ID.
pub const MULTIBEACON_FOLDER: &str = "multibeacon";
/// The key folder inside a beacon's folder.
pub const KEY_FOLDER: &str = "key";
/// The group folder inside a beacon's folder.
pub const GROUP_FOLDER: &str = "groups";
/// The beacon database folder inside a beacon's folder.
pub const DB_FOLDER: &str = "db";
/// The private key file name.
pub const PRIVATE_KEY_FILE: &str = "drand_id.private";
/// The public identity file name.
pub const PUBLIC_KEY_FILE: &str = "drand_id.public";
/// The group file name.
pub const GROUP_FILE: &str = "drand_group.toml";
/// The key share file name.
pub const SHARE_FILE: &str = "dist_key.private";
/// The beacon ID used when none is given (and what `""` means).
pub const DEFAULT_BEACON_ID: &str = "default";

/// Mode of folders we create.
pub const DIR_MODE: u32 = 0o700;
/// Mode of secret files (private key, key share).
pub const SECRET_FILE_MODE: u32 = 0o600;
/// Mode of public files (public identity, group file), as Go's `os.Create` leaves them.
pub const PUBLIC_FILE_MODE: u32 = 0o644;

/// The longest beacon ID we accept (it becomes a folder name).
pub const MAX_BEACON_ID_LEN: usize = 64;

/// `""` means `"default"`, as in drand.
pub fn canonical_beacon_id(id: &str) -> &str {
    if id.is_empty() { DEFAULT_BEACON_ID } else { id }
}

/// Checks that a (canonical) beacon ID is safe as a single folder name.
pub fn validate_beacon_id(id: &str) -> Result<(), FilesError> {
    let bad = |reason| FilesError::InvalidBeaconId {
        id: id.to_owned(),
        reason,
    };
    if id.is_empty() {
        return Err(bad("empty"));
    }
    if id.len() > MAX_BEACON_ID_LEN {
        return Err(bad("longer than 64 characters"));
    }
    if id.starts_with('.') {
        return Err(bad("may not start with `.`"));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(bad("may only contain letters, digits, `-`, `_` and `.`"));
    }
    Ok(())
}

/// The paths of one beacon's files under a base folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeaconPaths {
    folder: PathBuf,
    beacon_id: String,
}

impl BeaconPaths {
    /// The paths for `beacon_id` (`""` = `"default"`) under `folder`; the ID must be a safe
    /// folder name.
    pub fn new(folder: impl Into<PathBuf>, beacon_id: &str) -> Result<BeaconPaths, FilesError> {
        let beacon_id = canonical_beacon_id(beacon_id);
        validate_beacon_id(beacon_id)?;
        Ok(BeaconPaths {
            folder: folder.into(),
            beacon_id: beacon_id.to_owned(),
        })
    }
    /// The base folder (`--folder`).
    pub fn folder(&self) -> &Path {
        &self.folder
    }
    /// The canonical beacon ID.
    pub fn beacon_id(&self) -> &str {
        &self.beacon_id
    }
    /// `<folder>/multibeacon/<id>`.
    pub fn beacon_dir(&self) -> PathBuf {
        self.folder.join(MULTIBEACON_FOLDER).join(&self.beacon_id)
    }
    /// `<folder>/multibeacon/<id>/key`.
    pub fn key_dir(&self) -> PathBuf {
        self.beacon_dir().join(KEY_FOLDER)
    }
    /// `<folder>/multibeacon/<id>/groups`.
    pub fn group_dir(&self) -> PathBuf {
        self.beacon_dir().join(GROUP_FOLDER)
    }
    /// `<folder>/multibeacon/<id>/db`.
    pub fn db_dir(&self) -> PathBuf {
        self.beacon_dir().join(DB_FOLDER)
    }
    /// `key/drand_id.private`.
    pub fn private_key_file(&self) -> PathBuf {
        self.key_dir().join(PRIVATE_KEY_FILE)
    }
    /// `key/drand_id.public`.
    pub fn public_key_file(&self) -> PathBuf {
        self.key_dir().join(PUBLIC_KEY_FILE)
    }
    /// `groups/drand_group.toml`.
    pub fn group_file(&self) -> PathBuf {
        self.group_dir().join(GROUP_FILE)
    }
    /// `groups/dist_key.private`.
    pub fn share_file(&self) -> PathBuf {
        self.group_dir().join(SHARE_FILE)
    }

    /// Creates the base folder (if missing) and `multibeacon/<id>/{key,groups,db}` with mode
    /// 0700. Existing folders are kept as they are, but none below the base folder may be a
    /// symbolic link or a file.
    pub fn ensure_dirs(&self) -> Result<(), FilesError> {
        if fs::symlink_metadata(&self.folder).is_err() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(DIR_MODE)
                .create(&self.folder)
                .map_err(|source| FilesError::Io {
                    path: self.folder.clone(),
                    action: "creating folder",
                    source,
                })?;
        }
        let multibeacon = self.folder.join(MULTIBEACON_FOLDER);
        ensure_real_dir(&multibeacon)?;
        ensure_real_dir(&self.beacon_dir())?;
        ensure_real_dir(&self.key_dir())?;
        ensure_real_dir(&self.group_dir())?;
        ensure_real_dir(&self.db_dir())
    }
}

/// Beacon IDs that have a folder under `<folder>/multibeacon` (sorted; entries that are not
/// valid beacon IDs or not real folders are skipped).
pub fn list_beacon_ids(folder: &Path) -> Result<Vec<String>, FilesError> {
    let dir = folder.join(MULTIBEACON_FOLDER);
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(FilesError::Io {
                path: dir,
                action: "listing",
                source,
            });
        }
    };
    let mut ids = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| FilesError::Io {
            path: dir.clone(),
            action: "listing",
            source,
        })?;
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if let (true, Some(name)) = (is_dir, entry.file_name().to_str())
            && validate_beacon_id(name).is_ok()
        {
            ids.push(name.to_owned());
        }
    }
    ids.sort();
    Ok(ids)
}

/// Makes sure `path` is a real folder (creating it 0700 if missing).
fn ensure_real_dir(path: &Path) -> Result<(), FilesError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_dir() => Ok(()),
        Ok(_) => Err(FilesError::NotRegular {
            path: path.to_path_buf(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            match fs::DirBuilder::new().mode(DIR_MODE).create(path) {
                Ok(()) => Ok(()),
                // Someone created it meanwhile: check what it is.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    match fs::symlink_metadata(path) {
                        Ok(meta) if meta.file_type().is_dir() => Ok(()),
                        _ => Err(FilesError::NotRegular {
                            path: path.to_path_buf(),
                        }),
                    }
                }
                Err(source) => Err(FilesError::Io {
                    path: path.to_path_buf(),
                    action: "creating folder",
                    source,
                }),
            }
        }
        Err(source) => Err(FilesError::Io {
            path: path.to_path_buf(),
            action: "inspecting",
            source,
        }),
    }
}

/// Whether a regular file exists at `path` (a symbolic link or other special file is an error).
pub fn file_exists(path: &Path) -> Result<bool, FilesError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_file() => Ok(true),
        Ok(_) => Err(FilesError::NotRegular {
            path: path.to_path_buf(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(FilesError::Io {
            path: path.to_path_buf(),
            action: "inspecting",
            source,
        }),
    }
}

/// Reads a regular file (never through a symbolic link) of at most `limit` bytes as UTF-8.
pub fn read_file_limited(path: &Path, limit: u64) -> Result<String, FilesError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(FilesError::NotFound {
                path: path.to_path_buf(),
            });
        }
        Err(source) => {
            return Err(FilesError::Io {
                path: path.to_path_buf(),
                action: "inspecting",
                source,
            });
        }
    };
    if !meta.file_type().is_file() {
        return Err(FilesError::NotRegular {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > limit {
        return Err(FilesError::TooLarge {
            path: path.to_path_buf(),
            limit,
            actual: meta.len(),
        });
    }
    let io = |source| FilesError::Io {
        path: path.to_path_buf(),
        action: "reading",
        source,
    };
    let file = File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    let actual = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if actual > limit {
        return Err(FilesError::TooLarge {
            path: path.to_path_buf(),
            limit,
            actual,
        });
    }
    String::from_utf8(bytes).map_err(|e| FilesError::Toml {
        path: path.to_path_buf(),
        message: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// Reads a secret file like [`read_file_limited`], warning if others can read it.
pub fn read_secret_file(path: &Path, limit: u64) -> Result<String, FilesError> {
    let text = read_file_limited(path, limit)?;
    if let Ok(meta) = fs::symlink_metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            mode = format!("{:o}", meta.permissions().mode() & 0o777),
            "secret file is readable by other users; it should be mode 0600"
        );
    }
    Ok(text)
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Replaces `path` atomically with `contents`: a new temporary file in the same folder (mode
/// `mode`, created exclusively), written and fsynced, renamed over `path`, then the folder is
/// fsynced. A crash leaves either the old or the new file, never a mix. `path` itself may not
/// be a symbolic link.
pub fn write_atomic(path: &Path, contents: &[u8], mode: u32) -> Result<(), FilesError> {
    if fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_file()) {
        return Err(FilesError::NotRegular {
            path: path.to_path_buf(),
        });
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = write_new_file(&tmp, contents, mode).and_then(|()| {
        fs::rename(&tmp, path).map_err(|source| FilesError::Io {
            path: path.to_path_buf(),
            action: "replacing",
            source,
        })
    });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    sync_dir(dir)
}

/// Creates `path` exclusively with `mode`, writes and fsyncs it.
fn write_new_file(path: &Path, contents: &[u8], mode: u32) -> Result<(), FilesError> {
    let io = |action| {
        move |source| FilesError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    };
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(io("creating"))?;
    // The mode given at creation is reduced by the umask; secrets must be exactly `mode`.
    file.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(io("setting permissions of"))?;
    file.write_all(contents).map_err(io("writing"))?;
    file.sync_all().map_err(io("syncing"))
}

/// fsyncs a folder so a rename in it survives a crash.
fn sync_dir(dir: &Path) -> Result<(), FilesError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| FilesError::Io {
            path: dir.to_path_buf(),
            action: "syncing folder",
            source,
        })
}

/// Moves `path` aside to `<path>.<now_unix>` (or `<path>.<now_unix>.<n>` if that exists),
/// never overwriting an earlier backup. Returns the backup path, or `None` if there was no file.
pub fn backup_file(path: &Path, now_unix: u64) -> Result<Option<PathBuf>, FilesError> {
    if !file_exists(path)? {
        return Ok(None);
    }
    let base = path.as_os_str().to_string_lossy().into_owned();
    for n in 0u32..1000 {
        let candidate = if n == 0 {
            PathBuf::from(format!("{base}.{now_unix}"))
        } else {
            PathBuf::from(format!("{base}.{now_unix}.{n}"))
        };
        // A hard link never replaces an existing name: the old backup cannot be clobbered.
        match fs::hard_link(path, &candidate) {
            Ok(()) => {
                fs::remove_file(path).map_err(|source| FilesError::Io {
                    path: path.to_path_buf(),
                    action: "removing after backup",
                    source,
                })?;
                sync_dir(path.parent().unwrap_or(Path::new(".")))?;
                return Ok(Some(candidate));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(source) => {
                return Err(FilesError::Io {
                    path: candidate,
                    action: "creating backup",
                    source,
                });
            }
        }
    }
    Err(FilesError::Io {
        path: path.to_path_buf(),
        action: "backing up",
        source: std::io::Error::other("too many backups with the same timestamp"),
    })
}
