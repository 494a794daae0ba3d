//! Folder layout, atomic writes, size caps and beacon listing.

use std::os::unix::fs::PermissionsExt;

use drand_node::files::FilesError;
use drand_node::files::layout::{
    BeaconPaths, SECRET_FILE_MODE, backup_file, list_beacon_ids, read_file_limited, write_atomic,
};

#[test]
fn paths_follow_drands_layout() {
    let p = BeaconPaths::new("/var/drand", "").unwrap();
    assert_eq!(p.beacon_id(), "default");
    let s = |x: std::path::PathBuf| x.to_string_lossy().into_owned();
    assert_eq!(
        s(p.private_key_file()),
        "/var/drand/multibeacon/default/key/drand_id.private"
    );
    assert_eq!(
        s(p.public_key_file()),
        "/var/drand/multibeacon/default/key/drand_id.public"
    );
    assert_eq!(
        s(p.group_file()),
        "/var/drand/multibeacon/default/groups/drand_group.toml"
    );
    assert_eq!(
        s(p.share_file()),
        "/var/drand/multibeacon/default/groups/dist_key.private"
    );
    assert_eq!(s(p.db_dir()), "/var/drand/multibeacon/default/db");
}

#[test]
fn atomic_write_replaces_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret");
    write_atomic(&path, b"one", SECRET_FILE_MODE).unwrap();
    write_atomic(&path, b"two", SECRET_FILE_MODE).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"two");
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("secret")]);
    // Writing into a missing folder is an I/O error naming the file, not a panic.
    let err = write_atomic(&dir.path().join("nope/x"), b"", 0o600).unwrap_err();
    assert!(matches!(err, FilesError::Io { .. }), "{err}");
}

#[test]
fn oversized_files_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big");
    std::fs::write(&path, vec![b'a'; 2000]).unwrap();
    assert!(matches!(
        read_file_limited(&path, 1000),
        Err(FilesError::TooLarge { actual: 2000, .. })
    ));
    assert!(std::fs::metadata(dir.path()).unwrap().is_dir());
    assert!(matches!(
        read_file_limited(dir.path(), 1000),
        Err(FilesError::NotRegular { .. })
    ));
}

#[test]
fn backups_never_clobber() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    assert_eq!(backup_file(&path, 5).unwrap(), None);
    std::fs::write(&path, "a").unwrap();
    let b1 = backup_file(&path, 5).unwrap().unwrap();
    std::fs::write(&path, "b").unwrap();
    let b2 = backup_file(&path, 5).unwrap().unwrap();
    assert_ne!(b1, b2);
    assert_eq!(std::fs::read_to_string(b1).unwrap(), "a");
    assert_eq!(std::fs::read_to_string(b2).unwrap(), "b");
    assert!(!path.exists());
}

#[test]
fn lists_beacon_folders() {
    let dir = tempfile::tempdir().unwrap();
    assert!(list_beacon_ids(dir.path()).unwrap().is_empty());
    for id in ["quicknet", "default"] {
        BeaconPaths::new(dir.path(), id)
            .unwrap()
            .ensure_dirs()
            .unwrap();
    }
    std::fs::write(dir.path().join("multibeacon/stray-file"), "").unwrap();
    assert_eq!(
        list_beacon_ids(dir.path()).unwrap(),
        vec!["default", "quicknet"]
    );
}
