//! The key share `groups/dist_key.private` (`Index`, `Share`, `Commits`, `SchemeName`; mode
//! 0600), byte-compatible with drand v2. The legacy `PrivatePoly` entry is accepted and dropped.

use std::path::Path;

use drand_lite::Scheme;
use serde::Deserialize;
use zeroize::{Zeroize, Zeroizing};

use super::FilesError;
use super::encoding::{TomlWriter, decode_hex, decode_hex_exact, hex, parse_toml};
use super::group::{Group, scheme_from_file};
use super::layout::{SECRET_FILE_MODE, read_secret_file, write_atomic};
use crate::crypto::{PublicPoly, SCALAR_BYTES, SecretKey, Share};

/// The largest share file we read.
pub const MAX_SHARE_FILE_BYTES: u64 = 4 << 20;

/// A node's share of the group secret with the group's public polynomial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyShare {
    /// The secret share and its index.
    pub share: Share,
    /// The public polynomial (`Commits`); coefficient 0 is the group public key.
    pub commits: PublicPoly,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareToml {
    #[serde(rename = "Index")]
    index: Option<i64>,
    #[serde(rename = "Share")]
    share: Option<String>,
    #[serde(rename = "Commits")]
    commits: Option<Vec<String>>,
    #[serde(rename = "PrivatePoly")]
    _private_poly: Option<Vec<String>>,
    #[serde(rename = "SchemeName")]
    scheme_name: Option<String>,
}

fn crypto_err(what: &str, e: impl core::fmt::Display) -> FilesError {
    FilesError::Crypto {
        path: FilesError::memory(),
        what: what.to_owned(),
        reason: e.to_string(),
    }
}

impl KeyShare {
    /// Builds a share, checking it belongs to the polynomial.
    pub fn new(share: Share, commits: PublicPoly) -> Result<KeyShare, FilesError> {
        commits
            .check_share(&share)
            .map_err(|e| crypto_err("Share", format!("does not match Commits: {e}")))?;
        Ok(KeyShare { share, commits })
    }

    /// Parses `dist_key.private` text. A missing `SchemeName` is an error unless
    /// `group_scheme` supplies it (logged); a present one must equal `group_scheme`.
    pub fn from_toml(text: &str, group_scheme: Option<Scheme>) -> Result<KeyShare, FilesError> {
        let mut raw: ShareToml = parse_toml(text)?;
        let result = KeyShare::from_raw(&raw, group_scheme);
        if let Some(s) = raw.share.as_mut() {
            s.zeroize();
        }
        result
    }

    fn from_raw(raw: &ShareToml, group_scheme: Option<Scheme>) -> Result<KeyShare, FilesError> {
        let scheme = match (raw.scheme_name.as_deref(), group_scheme) {
            (None | Some(""), Some(g)) => {
                tracing::warn!(
                    scheme = g.id(),
                    "key share has no SchemeName; adopting the group file's scheme (migration)"
                );
                g
            }
            (None | Some(""), None) => {
                return Err(FilesError::MissingScheme {
                    path: FilesError::memory(),
                });
            }
            (Some(name), g) => {
                let s = scheme_from_file("SchemeName", name)?;
                if let Some(g) = g.filter(|g| *g != s) {
                    return Err(FilesError::SchemeMismatch {
                        path: FilesError::memory(),
                        found: s.id().to_owned(),
                        expected: g.id().to_owned(),
                        context: "in the group file",
                    });
                }
                s
            }
        };
        let index = raw.index.ok_or_else(|| FilesError::missing("Index"))?;
        let index = u32::try_from(index)
            .map_err(|_| FilesError::field("Index", format!("{index} is not a valid index")))?;
        let share_hex = raw
            .share
            .as_deref()
            .ok_or_else(|| FilesError::missing("Share"))?;
        let bytes = Zeroizing::new(decode_hex("Share", share_hex, SCALAR_BYTES)?);
        let secret = SecretKey::from_bytes(scheme, &bytes).map_err(|e| crypto_err("Share", e))?;
        let commits_hex = raw
            .commits
            .as_ref()
            .ok_or_else(|| FilesError::missing("Commits"))?;
        let mut commits = Vec::with_capacity(commits_hex.len());
        for (i, c) in commits_hex.iter().enumerate() {
            commits.push(decode_hex_exact(
                &format!("Commits[{i}]"),
                c,
                scheme.public_key_len(),
                &format!("a {} public key", scheme.id()),
            )?);
        }
        let poly =
            PublicPoly::from_bytes(scheme, &commits).map_err(|e| crypto_err("Commits", e))?;
        KeyShare::new(Share::new(index, secret), poly)
    }

    /// The file text, as drand v2 writes it (wiped on drop: it holds the secret share).
    pub fn to_toml(&self) -> Zeroizing<String> {
        let secret = Zeroizing::new(self.share.secret().to_bytes());
        let share_hex = Zeroizing::new(hex(secret.as_slice()));
        let mut w = TomlWriter::default();
        w.int("Index", self.share.index());
        w.raw("Share", &format!("\"{}\"", share_hex.as_str()));
        let commits: Vec<String> = self.commits.to_bytes().iter().map(|c| hex(c)).collect();
        w.strings("Commits", &commits);
        w.string("SchemeName", self.share.scheme().id());
        Zeroizing::new(w.finish())
    }

    /// Reads and checks a share file (never through a symbolic link; warns if not 0600).
    pub fn read(path: &Path, group_scheme: Option<Scheme>) -> Result<KeyShare, FilesError> {
        let text = Zeroizing::new(read_secret_file(path, MAX_SHARE_FILE_BYTES)?);
        KeyShare::from_toml(&text, group_scheme).map_err(|e| e.with_path(path))
    }

    /// Writes the share file atomically with mode 0600.
    pub fn write(&self, path: &Path) -> Result<(), FilesError> {
        write_atomic(path, self.to_toml().as_bytes(), SECRET_FILE_MODE)
    }

    /// Checks that this share belongs to `group`: same scheme, same public polynomial, and an
    /// index that is a member's.
    pub fn check_group(&self, group: &Group) -> Result<(), FilesError> {
        let invalid = |problem: String| FilesError::InvalidGroup {
            path: FilesError::memory(),
            problem,
        };
        if self.share.scheme() != group.scheme {
            return Err(FilesError::SchemeMismatch {
                path: FilesError::memory(),
                found: self.share.scheme().id().to_owned(),
                expected: group.scheme.id().to_owned(),
                context: "in the group file",
            });
        }
        if self.commits.to_bytes() != group.public_coefficients {
            return Err(invalid(
                "the key share's Commits differ from the group's public key".into(),
            ));
        }
        if group.node_by_index(self.share.index()).is_none() {
            return Err(invalid(format!(
                "the key share's index {} is not a member of the group",
                self.share.index()
            )));
        }
        Ok(())
    }
}
