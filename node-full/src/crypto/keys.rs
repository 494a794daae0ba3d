//! Secret keys (a scalar of the scheme's field), plain BLS signing, and strict verification of
//! plain signatures and public keys.

use drand_lite::Scheme;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroize;

use super::error::CryptoError;
use super::scalar::{SCALAR_BYTES, ScalarField};
use super::suite::{Kind, Suite, with_suite};

/// A secret scalar of a scheme's field (BLS12-381 `Fr` or BN254 `Fr`): a node's long-term key or
/// its share of the group secret. Always canonical and nonzero. The bytes are wiped on drop,
/// and `Debug` never prints them.
pub struct SecretKey {
    scheme: Scheme,
    kind: Kind,
    /// The canonical big-endian scalar.
    bytes: [u8; SCALAR_BYTES],
}

impl Clone for SecretKey {
    /// Copies the secret explicitly (both copies are wiped on drop).
    fn clone(&self) -> SecretKey {
        SecretKey {
            scheme: self.scheme,
            kind: self.kind,
            bytes: self.bytes,
        }
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl core::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SecretKey({}, <redacted>)", self.scheme)
    }
}

impl PartialEq for SecretKey {
    /// Compares scheme and scalar (not constant-time; for tests and bookkeeping, not for
    /// checking secrets supplied by an attacker).
    fn eq(&self, other: &SecretKey) -> bool {
        self.scheme == other.scheme && self.bytes == other.bytes
    }
}

impl Eq for SecretKey {}

impl SecretKey {
    /// Draws a uniformly random nonzero scalar for `scheme`.
    ///
    /// A scheme whose layout this module does not implement cannot happen with this
    /// `drand-lite`; should one appear, the key is drawn from the BLS12-381 field and every
    /// operation with it fails ([`SecretKey::public_key`] and [`SecretKey::sign`] return empty
    /// bytes, which no decoder accepts).
    pub fn generate<R: RngCore + CryptoRng>(scheme: Scheme, rng: &mut R) -> SecretKey {
        let kind = Kind::of(scheme).unwrap_or(Kind::KeyOnG1);
        let bytes = with_suite!(kind, S => random_bytes::<S, R>(rng));
        SecretKey {
            scheme,
            kind,
            bytes,
        }
    }

    /// Decodes a 32-byte big-endian scalar: canonical (below the group order) and nonzero.
    pub fn from_bytes(scheme: Scheme, bytes: &[u8]) -> Result<SecretKey, CryptoError> {
        let kind = Kind::of(scheme)?;
        let fixed: [u8; SCALAR_BYTES] = bytes.try_into().map_err(|_| CryptoError::BadScalar {
            reason: format!("{} bytes, expected {SCALAR_BYTES}", bytes.len()),
        })?;
        let valid = with_suite!(kind, S => check_scalar::<S>(&fixed));
        valid?;
        Ok(SecretKey {
            scheme,
            kind,
            bytes: fixed,
        })
    }

    /// Builds a key from a scalar already known to be canonical and nonzero.
    pub(crate) fn from_scalar<S: Suite>(scheme: Scheme, kind: Kind, scalar: &S::Scalar) -> Self {
        SecretKey {
            scheme,
            kind,
            bytes: scalar.to_be_bytes(),
        }
    }

    /// The scalar as the suite's field element (`None` only if the suite does not match).
    pub(crate) fn scalar<S: Suite>(&self) -> Option<S::Scalar> {
        S::Scalar::from_be_bytes(&self.bytes)
    }

    /// The suite tag.
    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }

    /// The canonical 32-byte big-endian encoding (handle with care: this is the secret).
    pub fn to_bytes(&self) -> [u8; SCALAR_BYTES] {
        self.bytes
    }

    /// The scheme this key belongs to.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The public key `secret · G` in the scheme's key group, in drand's encoding.
    pub fn public_key(&self) -> Vec<u8> {
        with_suite!(self.kind, S => self
            .scalar::<S>()
            .map(|s| S::encode_key(&S::public_key(&s)))
            .unwrap_or_default())
    }

    /// A plain BLS signature: `secret · H(message)` in the signature group, hashed with the
    /// scheme's DST.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let dst = self.scheme.dst();
        with_suite!(self.kind, S => self
            .scalar::<S>()
            .map(|s| S::encode_sig(&S::sign_hashed(&S::hash(message, dst), &s)))
            .unwrap_or_default())
    }
}

fn random_bytes<S: Suite, R: RngCore + CryptoRng>(rng: &mut R) -> [u8; SCALAR_BYTES] {
    S::Scalar::random_nonzero(rng).to_be_bytes()
}

fn check_scalar<S: Suite>(bytes: &[u8; SCALAR_BYTES]) -> Result<(), CryptoError> {
    match S::Scalar::from_be_bytes(bytes) {
        None => Err(CryptoError::BadScalar {
            reason: "not below the group order".into(),
        }),
        Some(s) if s.is_zero() => Err(CryptoError::BadScalar {
            reason: "zero".into(),
        }),
        Some(_) => Ok(()),
    }
}

/// Verifies a plain BLS signature on `message` under `public_key`, decoding both strictly
/// (length, canonical encoding, curve, subgroup, no identity).
pub fn verify_signature(
    scheme: Scheme,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let kind = Kind::of(scheme)?;
    with_suite!(kind, S => verify_with::<S>(scheme, public_key, message, signature))
}

fn verify_with<S: Suite>(
    scheme: Scheme,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let key = S::decode_key(public_key).map_err(|e| CryptoError::point("public key", e))?;
    let sig = S::decode_sig(signature).map_err(|e| CryptoError::point("signature", e))?;
    if S::verify(&key, &S::hash(message, scheme.dst()), &sig) {
        Ok(())
    } else {
        Err(CryptoError::InvalidSignature)
    }
}

/// Checks that `public_key` strictly decodes as a key of `scheme` (right length, canonical,
/// on the curve, in the subgroup, not the identity).
pub fn validate_public_key(scheme: Scheme, public_key: &[u8]) -> Result<(), CryptoError> {
    let kind = Kind::of(scheme)?;
    with_suite!(kind, S => S::decode_key(public_key)
        .map(|_| ())
        .map_err(|e| CryptoError::point("public key", e)))
}
