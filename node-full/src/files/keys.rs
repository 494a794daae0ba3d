//! The keypair files `key/drand_id.private` (`Key`, `SchemeName`; mode 0600) and
//! `key/drand_id.public` (`Address`, `Key`, `Signature`, `SchemeName`), byte-compatible with
//! drand v2, plus the safe `generate-keypair` flow.
//!
//! Safety rules (post-mortem items 2 and 6): the scheme name is always written; a key without
//! one is refused unless the group file supplies it (a logged migration); the key size must fit
//! the scheme; the self-signature must verify and the secret must match the public key; an
//! existing keypair is never overwritten without `--force` plus the typed beacon ID, and the
//! old pair is kept as a timestamped backup.

use std::path::{Path, PathBuf};

use drand_lite::Scheme;
use rand_core::{CryptoRng, RngCore};
use serde::Deserialize;
use zeroize::{Zeroize, Zeroizing};

use super::encoding::{TomlWriter, decode_hex, hex, parse_toml};
use super::group::scheme_from_file;
use super::identity::Identity;
use super::layout::{
    BeaconPaths, PUBLIC_FILE_MODE, SECRET_FILE_MODE, backup_file, file_exists, read_file_limited,
    read_secret_file, write_atomic,
};
use super::{FilesError, address::validate_address};
use crate::crypto::{SCALAR_BYTES, SecretKey, validate_public_key};

/// The largest key file we read.
pub const MAX_KEY_FILE_BYTES: u64 = 64 << 10;

/// How `generate_keypair` may treat an existing keypair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForceConfirm {
    /// Refuse if a keypair exists (the default).
    None,
    /// Replace an existing keypair, but only if the operator typed the beacon ID exactly
    /// (the CLI strips the trailing newline of the typed line).
    Force {
        /// What the operator typed.
        typed_beacon_id: String,
    },
}

/// A keypair loaded from disk.
#[derive(Debug)]
pub struct LoadedKeyPair {
    /// The long-term secret key.
    pub secret: SecretKey,
    /// The public identity (self-signature verified).
    pub identity: Identity,
    /// Set when the files lacked `SchemeName` and the group's scheme was adopted.
    pub migration: Option<SchemeMigration>,
}

/// A key without `SchemeName` adopted the group file's scheme (drand's v1.4 migration path).
/// The files on disk are unchanged until [`KeyPairFiles::persist_migration`] rewrites them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeMigration {
    /// The scheme taken from the group file.
    pub scheme: Scheme,
    /// Whether the old self-signature did not verify under it and the key was re-signed.
    pub resigned: bool,
}

/// The result of [`generate_keypair`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedKeyPair {
    /// The new public identity (write it down: peers will know the node by it).
    pub identity: Identity,
    /// Where the replaced files were moved (empty unless `--force` replaced a keypair).
    pub backups: Vec<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivateToml {
    #[serde(rename = "Key")]
    key: Option<String>,
    #[serde(rename = "SchemeName")]
    scheme_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicToml {
    #[serde(rename = "Address")]
    address: Option<String>,
    #[serde(rename = "Key")]
    key: Option<String>,
    #[serde(rename = "TLS")]
    _tls: Option<bool>,
    #[serde(rename = "Signature")]
    signature: Option<String>,
    #[serde(rename = "SchemeName")]
    scheme_name: Option<String>,
}

/// The contents of `drand_id.private`, before the scheme is resolved.
pub struct PrivateKeyText {
    /// The 32-byte big-endian scalar (wiped on drop).
    pub key: Zeroizing<Vec<u8>>,
    /// `SchemeName`, if present and non-empty.
    pub scheme: Option<Scheme>,
}

impl core::fmt::Debug for PrivateKeyText {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PrivateKeyText(<redacted>, {:?})", self.scheme)
    }
}

/// The contents of `drand_id.public`, before the scheme is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyText {
    /// `Address`.
    pub address: String,
    /// `Key` (any length: checked against the scheme once it is known).
    pub key: Vec<u8>,
    /// `Signature` (empty if absent).
    pub signature: Vec<u8>,
    /// `SchemeName`, if present and non-empty.
    pub scheme: Option<Scheme>,
}

fn optional_scheme(field: &str, name: Option<&str>) -> Result<Option<Scheme>, FilesError> {
    match name {
        None | Some("") => Ok(None),
        Some(name) => scheme_from_file(field, name).map(Some),
    }
}

/// Parses `drand_id.private` text.
pub fn parse_private_key(text: &str) -> Result<PrivateKeyText, FilesError> {
    let mut raw: PrivateToml = parse_toml(text)?;
    let scheme = optional_scheme("SchemeName", raw.scheme_name.as_deref());
    let key = match raw.key.as_deref() {
        None => Err(FilesError::missing("Key")),
        Some(hex_key) => decode_hex("Key", hex_key, SCALAR_BYTES).and_then(|k| {
            if k.len() == SCALAR_BYTES {
                Ok(Zeroizing::new(k))
            } else {
                Err(FilesError::field(
                    "Key",
                    format!(
                        "{} bytes, but a secret key is {SCALAR_BYTES} bytes",
                        k.len()
                    ),
                ))
            }
        }),
    };
    if let Some(k) = raw.key.as_mut() {
        k.zeroize();
    }
    Ok(PrivateKeyText {
        key: key?,
        scheme: scheme?,
    })
}

/// Parses `drand_id.public` text.
pub fn parse_public_key(text: &str) -> Result<PublicKeyText, FilesError> {
    let raw: PublicToml = parse_toml(text)?;
    let scheme = optional_scheme("SchemeName", raw.scheme_name.as_deref())?;
    let address = raw.address.ok_or_else(|| FilesError::missing("Address"))?;
    let key = decode_hex(
        "Key",
        raw.key
            .as_deref()
            .ok_or_else(|| FilesError::missing("Key"))?,
        1024,
    )?;
    let signature = decode_hex("Signature", raw.signature.as_deref().unwrap_or(""), 1024)?;
    Ok(PublicKeyText {
        address,
        key,
        signature,
        scheme,
    })
}

/// `drand_id.private` text for `secret` (wiped on drop).
pub fn private_key_toml(secret: &SecretKey) -> Zeroizing<String> {
    let bytes = Zeroizing::new(secret.to_bytes());
    let hex_key = Zeroizing::new(hex(bytes.as_slice()));
    Zeroizing::new(format!(
        "Key = \"{}\"\nSchemeName = \"{}\"\n",
        hex_key.as_str(),
        secret.scheme().id()
    ))
}

/// `drand_id.public` text for `identity`, as drand v2 writes it.
pub fn public_key_toml(identity: &Identity) -> String {
    let mut w = TomlWriter::default();
    w.string("Address", &identity.address);
    w.string("Key", &hex(&identity.key));
    w.string("Signature", &hex(&identity.signature));
    w.string("SchemeName", identity.scheme.id());
    w.finish()
}

/// Checks that a key has the size of its scheme's key group (48 bytes on G1, 96 on G2, 128 for
/// BN254 G2) and decodes as a valid point: a key of another scheme is caught here.
fn check_key_fits(scheme: Scheme, key: &[u8], path: &Path) -> Result<(), FilesError> {
    let want = scheme.public_key_len();
    if key.len() != want {
        return Err(FilesError::Field {
            path: path.to_path_buf(),
            field: "Key".into(),
            problem: format!(
                "{} bytes, but {} keys are {want} bytes: the key belongs to another scheme",
                key.len(),
                scheme.id()
            ),
        });
    }
    validate_public_key(scheme, key).map_err(|e| FilesError::Crypto {
        path: path.to_path_buf(),
        what: "Key".into(),
        reason: e.to_string(),
    })
}

/// The keypair files of one beacon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPairFiles {
    paths: BeaconPaths,
}

impl KeyPairFiles {
    /// The keypair files of `beacon_id` (`""` = `default`) under `folder`.
    pub fn new(folder: &Path, beacon_id: &str) -> Result<KeyPairFiles, FilesError> {
        Ok(KeyPairFiles {
            paths: BeaconPaths::new(folder, beacon_id)?,
        })
    }

    /// The beacon's paths.
    pub fn paths(&self) -> &BeaconPaths {
        &self.paths
    }

    /// Whether either key file exists.
    pub fn exists(&self) -> Result<bool, FilesError> {
        Ok(file_exists(&self.paths.private_key_file())?
            || file_exists(&self.paths.public_key_file())?)
    }

    /// Writes both files atomically (private 0600 first, then public 0644), creating the
    /// folders. Overwrites: callers decide (see [`generate_keypair`]).
    pub fn write(&self, secret: &SecretKey, identity: &Identity) -> Result<(), FilesError> {
        if secret.scheme() != identity.scheme || secret.public_key() != identity.key {
            return Err(FilesError::SecretMismatch {
                private: self.paths.private_key_file(),
                public: self.paths.public_key_file(),
            });
        }
        self.paths.ensure_dirs()?;
        let private = private_key_toml(secret);
        write_atomic(
            &self.paths.private_key_file(),
            private.as_bytes(),
            SECRET_FILE_MODE,
        )?;
        write_atomic(
            &self.paths.public_key_file(),
            public_key_toml(identity).as_bytes(),
            PUBLIC_FILE_MODE,
        )
    }

    /// Moves existing key files to `<file>.<now_unix>` backups; returns the backup paths.
    pub fn backup(&self, now_unix: u64) -> Result<Vec<PathBuf>, FilesError> {
        let mut backups = Vec::new();
        for path in [self.paths.private_key_file(), self.paths.public_key_file()] {
            if let Some(b) = backup_file(&path, now_unix)? {
                backups.push(b);
            }
        }
        Ok(backups)
    }

    /// Loads and checks the keypair. `group_scheme` is the scheme of the beacon's group file,
    /// if there is one: it must equal the key's scheme, and it is adopted (with a warning and
    /// a [`SchemeMigration`]) when the key files have no `SchemeName`.
    pub fn load(&self, group_scheme: Option<Scheme>) -> Result<LoadedKeyPair, FilesError> {
        let private_path = self.paths.private_key_file();
        let public_path = self.paths.public_key_file();
        let private_text = Zeroizing::new(read_secret_file(&private_path, MAX_KEY_FILE_BYTES)?);
        let private = parse_private_key(&private_text).map_err(|e| e.with_path(&private_path))?;
        let public_text = read_file_limited(&public_path, MAX_KEY_FILE_BYTES)?;
        let public = parse_public_key(&public_text).map_err(|e| e.with_path(&public_path))?;

        let file_scheme = match (private.scheme, public.scheme) {
            (Some(a), Some(b)) if a != b => {
                return Err(FilesError::SchemeMismatch {
                    path: public_path,
                    found: b.id().to_owned(),
                    expected: a.id().to_owned(),
                    context: "in drand_id.private",
                });
            }
            (a, b) => a.or(b),
        };
        let (scheme, migrating) = match (file_scheme, group_scheme) {
            (Some(s), Some(g)) if s != g => {
                return Err(FilesError::SchemeMismatch {
                    path: public_path,
                    found: s.id().to_owned(),
                    expected: g.id().to_owned(),
                    context: "in the group file",
                });
            }
            (Some(s), _) => (s, false),
            (None, Some(g)) => {
                tracing::warn!(
                    key = %public_path.display(),
                    scheme = g.id(),
                    "key files have no SchemeName; adopting the group file's scheme (migration)"
                );
                (g, true)
            }
            (None, None) => return Err(FilesError::MissingScheme { path: public_path }),
        };

        check_key_fits(scheme, &public.key, &public_path)?;
        validate_address(&public.address).map_err(|e| FilesError::Field {
            path: public_path.clone(),
            field: "Address".into(),
            problem: e.to_string(),
        })?;
        let secret =
            SecretKey::from_bytes(scheme, &private.key).map_err(|e| FilesError::Crypto {
                path: private_path.clone(),
                what: "Key".into(),
                reason: e.to_string(),
            })?;
        if secret.public_key() != public.key {
            return Err(FilesError::SecretMismatch {
                private: private_path,
                public: public_path,
            });
        }
        let mut identity = Identity {
            address: public.address,
            key: public.key,
            signature: public.signature,
            scheme,
        };
        let mut resigned = false;
        if let Err(e) = identity.verify_self_signature() {
            if !migrating {
                return Err(e.with_path(&public_path));
            }
            // Pre-v1.4 keys were signed without the scheme name: re-sign, as drand's
            // `SelfSignAll` does after adopting the group's scheme.
            tracing::warn!(
                key = %public_path.display(),
                "self-signature does not verify under the group's scheme; re-signing the key"
            );
            identity = Identity::new_signed(&secret, &identity.address)?;
            resigned = true;
        }
        Ok(LoadedKeyPair {
            secret,
            identity,
            migration: migrating.then_some(SchemeMigration { scheme, resigned }),
        })
    }

    /// Rewrites migrated key files with their `SchemeName` (and new self-signature), keeping
    /// the old files as timestamped backups. Does nothing if `loaded` was not migrated.
    pub fn persist_migration(
        &self,
        loaded: &LoadedKeyPair,
        now_unix: u64,
    ) -> Result<Vec<PathBuf>, FilesError> {
        if loaded.migration.is_none() {
            return Ok(Vec::new());
        }
        let backups = self.backup(now_unix)?;
        self.write(&loaded.secret, &loaded.identity)?;
        Ok(backups)
    }
}

/// Loads the keypair of `beacon_id` under `folder` (see [`KeyPairFiles::load`]).
pub fn load_keypair(
    folder: &Path,
    beacon_id: &str,
    group_scheme: Option<Scheme>,
) -> Result<LoadedKeyPair, FilesError> {
    KeyPairFiles::new(folder, beacon_id)?.load(group_scheme)
}

/// `generate-keypair`: makes a new self-signed keypair for `address` and writes it under
/// `<folder>/multibeacon/<beacon_id>/key/`. Refuses if a keypair exists unless `force` carries
/// the beacon ID typed by the operator; the replaced files are kept as
/// `drand_id.{private,public}.<now_unix>`.
pub fn generate_keypair<R: RngCore + CryptoRng>(
    folder: &Path,
    beacon_id: &str,
    scheme: Scheme,
    address: &str,
    force: ForceConfirm,
    rng: &mut R,
    now_unix: u64,
) -> Result<GeneratedKeyPair, FilesError> {
    let files = KeyPairFiles::new(folder, beacon_id)?;
    validate_address(address)?;
    let exists = files.exists()?;
    if exists {
        let canonical = files.paths().beacon_id().to_owned();
        match force {
            ForceConfirm::None => {
                return Err(FilesError::KeypairExists {
                    beacon_id: canonical,
                    dir: files.paths().key_dir(),
                });
            }
            ForceConfirm::Force { typed_beacon_id } if typed_beacon_id != canonical => {
                return Err(FilesError::ForceNotConfirmed {
                    beacon_id: canonical,
                    typed: typed_beacon_id,
                });
            }
            ForceConfirm::Force { .. } => {}
        }
    }
    let secret = SecretKey::generate(scheme, rng);
    let identity = Identity::new_signed(&secret, address)?;
    files.paths().ensure_dirs()?;
    let backups = if exists {
        files.backup(now_unix)?
    } else {
        Vec::new()
    };
    files.write(&secret, &identity)?;
    Ok(GeneratedKeyPair { identity, backups })
}
