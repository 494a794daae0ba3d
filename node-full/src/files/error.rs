//! The one error type of the on-disk files: every variant names the file (or what was being
//! parsed) and says what was wrong, so an operator can fix the right thing.

use std::path::PathBuf;

use thiserror::Error;

/// What went wrong while reading, writing or validating a node file.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FilesError {
    /// The operating system refused an operation (permissions, disk full, missing file...).
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// What we were doing ("reading", "creating folder", ...).
        action: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file does not exist (kept apart from [`FilesError::Io`] so callers can branch on it).
    #[error("{} does not exist", path.display())]
    NotFound {
        /// The missing file.
        path: PathBuf,
    },
    /// The file is larger than any valid file of its kind: refused before parsing.
    #[error("{} is {actual} bytes, larger than the {limit}-byte limit for this kind of file", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
        /// The actual size in bytes.
        actual: u64,
    },
    /// A path component that must be a real file or folder is a symbolic link (or another kind
    /// of special file); we never follow those into secrets.
    #[error("{} is a symbolic link or not a regular file/folder; refusing to follow it", path.display())]
    NotRegular {
        /// The offending path.
        path: PathBuf,
    },
    /// The text is not valid TOML or has the wrong shape (the message carries line and column).
    #[error("{}: invalid TOML: {message}", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's message, with position when the parser gives it.
        message: String,
    },
    /// A field is present but its value is wrong (bad hex, wrong size, out of range...).
    #[error("{}: field `{field}`: {problem}", path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// The field name as spelled in the file (e.g. `Nodes[2].Key`).
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A required field is absent.
    #[error("{}: missing field `{field}`", path.display())]
    MissingField {
        /// The file.
        path: PathBuf,
        /// The absent field.
        field: String,
    },
    /// A key file has no `SchemeName` and no group file supplies one: the key cannot be
    /// interpreted safely (post-mortem item 2).
    #[error(
        "{}: the key has no SchemeName; refusing to guess the scheme. Add `SchemeName = \"<scheme>\"` \
         or load it together with the group file that names the scheme",
        path.display()
    )]
    MissingScheme {
        /// The key file.
        path: PathBuf,
    },
    /// A scheme name is not one drand knows.
    #[error("{}: unknown scheme `{name}`", path.display())]
    UnknownScheme {
        /// The file.
        path: PathBuf,
        /// The name found.
        name: String,
    },
    /// Two places disagree about the scheme.
    #[error("{}: scheme mismatch: {found} here, but {expected} {context}", path.display())]
    SchemeMismatch {
        /// The file.
        path: PathBuf,
        /// The scheme found in the file.
        found: String,
        /// The scheme required.
        expected: String,
        /// Where the required scheme comes from.
        context: &'static str,
    },
    /// A self-signature (`schemeName || blake2b256(key)`) does not verify.
    #[error("{}: invalid self-signature for {who} under scheme {scheme}", path.display())]
    BadSelfSignature {
        /// The file.
        path: PathBuf,
        /// Whose identity (address).
        who: String,
        /// The scheme it was checked under.
        scheme: &'static str,
    },
    /// The private key does not produce the public key stored next to it.
    #[error("{}: the private key does not match the public key in {}", private.display(), public.display())]
    SecretMismatch {
        /// The private key file.
        private: PathBuf,
        /// The public key file.
        public: PathBuf,
    },
    /// A group file is structurally invalid (threshold, indices, coefficients...).
    #[error("{}: invalid group: {problem}", path.display())]
    InvalidGroup {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// An address is not `host:port` with a port in 1..=65535 (operator input).
    #[error("invalid address `{address}`: {reason}")]
    InvalidAddress {
        /// The address given.
        address: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A beacon ID cannot be used as a folder name (operator input).
    #[error("invalid beacon ID `{id}`: {reason}")]
    InvalidBeaconId {
        /// The ID given.
        id: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// `generate-keypair` found an existing keypair and no (valid) force confirmation.
    #[error(
        "a keypair for beacon `{beacon_id}` already exists in {}; refusing to overwrite it \
         (use --force and type the beacon ID to replace it; the old pair is kept as a backup)",
        dir.display()
    )]
    KeypairExists {
        /// The beacon ID.
        beacon_id: String,
        /// The key folder.
        dir: PathBuf,
    },
    /// `--force` was given but the typed confirmation is not the beacon ID.
    #[error(
        "confirmation `{typed}` does not match beacon ID `{beacon_id}`; keypair left untouched"
    )]
    ForceNotConfirmed {
        /// The beacon ID.
        beacon_id: String,
        /// What the operator typed.
        typed: String,
    },
    /// A cryptographic operation refused a value (invalid point, zero scalar...).
    #[error("{}: {what}: {reason}", path.display())]
    Crypto {
        /// The file (or what was being checked).
        path: PathBuf,
        /// Which value.
        what: String,
        /// The crypto layer's reason.
        reason: String,
    },
}

impl FilesError {
    /// Replaces the path of a parse error made from text in memory with the file it came from.
    #[must_use]
    pub fn with_path(mut self, file: &std::path::Path) -> FilesError {
        match &mut self {
            FilesError::Io { path, .. }
            | FilesError::NotFound { path }
            | FilesError::TooLarge { path, .. }
            | FilesError::NotRegular { path }
            | FilesError::Toml { path, .. }
            | FilesError::Field { path, .. }
            | FilesError::MissingField { path, .. }
            | FilesError::MissingScheme { path }
            | FilesError::UnknownScheme { path, .. }
            | FilesError::SchemeMismatch { path, .. }
            | FilesError::BadSelfSignature { path, .. }
            | FilesError::InvalidGroup { path, .. }
            | FilesError::Crypto { path, .. } => *path = file.to_path_buf(),
            FilesError::SecretMismatch { .. }
            | FilesError::InvalidAddress { .. }
            | FilesError::InvalidBeaconId { .. }
            | FilesError::KeypairExists { .. }
            | FilesError::ForceNotConfirmed { .. } => {}
        }
        self
    }

    /// The placeholder path of text parsed from memory (replaced by [`FilesError::with_path`]).
    pub(crate) fn memory() -> PathBuf {
        PathBuf::from("<in-memory TOML>")
    }

    /// Shorthand for a [`FilesError::Field`] on text parsed from memory.
    pub(crate) fn field(field: impl Into<String>, problem: impl Into<String>) -> FilesError {
        FilesError::Field {
            path: FilesError::memory(),
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// Shorthand for a [`FilesError::MissingField`] on text parsed from memory.
    pub(crate) fn missing(field: impl Into<String>) -> FilesError {
        FilesError::MissingField {
            path: FilesError::memory(),
            field: field.into(),
        }
    }

    /// Shorthand for a [`FilesError::Toml`] from the `toml` parser.
    pub(crate) fn toml(err: &toml::de::Error) -> FilesError {
        FilesError::Toml {
            path: FilesError::memory(),
            message: err.to_string().trim_end().to_owned(),
        }
    }
}
