//! A node's public identity: address, long-term public key and self-signature, as in
//! `drand_id.public` and in every `[[Nodes]]` entry of a group file.
//!
//! The self-signature (drand v2) is a plain BLS signature with the node's key over
//! `schemeName || blake2b256(public key)`: the scheme name is inside the signed bytes so a key
//! cannot be replayed under another scheme.

use blake2::Digest;
use drand_lite::Scheme;

use super::address::validate_address;
use super::group::{Blake2b256, GroupNode};
use super::{FilesError, encoding::hex};
use crate::crypto::{SecretKey, validate_public_key, verify_signature};

/// A node's public identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The `host:port` peers dial.
    pub address: String,
    /// The long-term public key (in the scheme's key group).
    pub key: Vec<u8>,
    /// The self-signature over [`Identity::self_signature_message`].
    pub signature: Vec<u8>,
    /// The scheme the key and signature belong to.
    pub scheme: Scheme,
}

impl Identity {
    /// `blake2b256(public key)`, drand's identity hash.
    pub fn key_hash(key: &[u8]) -> [u8; 32] {
        Blake2b256::digest(key).into()
    }

    /// The bytes a node self-signs: `scheme id || blake2b256(key)`.
    pub fn self_signature_message(scheme: Scheme, key: &[u8]) -> Vec<u8> {
        let mut msg = scheme.id().as_bytes().to_vec();
        msg.extend_from_slice(&Identity::key_hash(key));
        msg
    }

    /// The identity of `secret` at `address`, freshly self-signed.
    pub fn new_signed(secret: &SecretKey, address: &str) -> Result<Identity, FilesError> {
        validate_address(address)?;
        let scheme = secret.scheme();
        let key = secret.public_key();
        let signature = secret.sign(&Identity::self_signature_message(scheme, &key));
        let identity = Identity {
            address: address.to_owned(),
            key,
            signature,
            scheme,
        };
        identity.verify_self_signature()?;
        Ok(identity)
    }

    /// Checks the key encoding for the scheme and that the self-signature verifies.
    pub fn verify_self_signature(&self) -> Result<(), FilesError> {
        validate_public_key(self.scheme, &self.key).map_err(|e| FilesError::Crypto {
            path: FilesError::memory(),
            what: format!("public key of {}", self.address),
            reason: e.to_string(),
        })?;
        let msg = Identity::self_signature_message(self.scheme, &self.key);
        verify_signature(self.scheme, &self.key, &msg, &self.signature).map_err(|_| {
            FilesError::BadSelfSignature {
                path: FilesError::memory(),
                who: self.address.clone(),
                scheme: self.scheme.id(),
            }
        })
    }

    /// A short fingerprint of the key for operators: the first 8 bytes of `blake2b256(key)`.
    pub fn fingerprint(&self) -> String {
        hex(Identity::key_hash(&self.key).get(..8).unwrap_or_default())
    }

    /// This identity as a group member with share index `index`.
    pub fn to_group_node(&self, index: u32) -> GroupNode {
        GroupNode {
            address: self.address.clone(),
            key: self.key.clone(),
            signature: self.signature.clone(),
            index,
        }
    }
}

impl GroupNode {
    /// This member's identity under the group's scheme.
    pub fn identity(&self, scheme: Scheme) -> Identity {
        Identity {
            address: self.address.clone(),
            key: self.key.clone(),
            signature: self.signature.clone(),
            scheme,
        }
    }
}
