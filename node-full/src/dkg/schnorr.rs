//! kyber's Schnorr signatures (`sign/schnorr`) in the scheme's key group, which authenticate
//! every DKG bundle: `R = k·G`, `h = SHA-512(R ‖ A ‖ msg)` read as a big-endian integer mod
//! the group order, `s = k + x·h`, signature `R ‖ s` (s as 32 big-endian bytes). Verification
//! decodes `R` strictly (on the curve, in the subgroup, not the identity), requires a
//! canonical `s` and checks `s·G == R + h·A`.

use drand_lite::Scheme;
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha512};

use super::error::DkgError;
use crate::crypto::scalar::{SCALAR_BYTES, ScalarField};
use crate::crypto::suite::{Kind, Suite, with_suite};
use crate::crypto::{CryptoError, SecretKey};

/// Signs `message` with `key` (a long-term key of its scheme).
pub fn sign<R: RngCore + CryptoRng>(key: &SecretKey, message: &[u8], rng: &mut R) -> Vec<u8> {
    let public = key.public_key();
    with_suite!(key.kind(), S => key
        .scalar::<S>()
        .map(|x| sign_with::<S, R>(&x, &public, message, rng))
        .unwrap_or_default())
}

/// Verifies a signature of `message` under `public_key` (the scheme's key encoding).
pub fn verify(
    scheme: Scheme,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), DkgError> {
    let kind = Kind::of(scheme)?;
    with_suite!(kind, S => {
        let key = S::decode_key(public_key)
            .map_err(|e| DkgError::Crypto(CryptoError::point("Schnorr public key", e)))?;
        verify_with::<S>(&key, public_key, message, signature)
    })
}

/// The length of a signature for `scheme`: an encoded key-group point and a scalar.
pub fn signature_len(scheme: Scheme) -> Result<usize, DkgError> {
    let kind = Kind::of(scheme)?;
    Ok(with_suite!(kind, S => S::KEY_LEN + SCALAR_BYTES))
}

/// `h = SHA-512(R ‖ A ‖ msg) mod order`.
fn challenge<S: Suite>(r: &[u8], public: &[u8], message: &[u8]) -> S::Scalar {
    let mut h = Sha512::new();
    h.update(r);
    h.update(public);
    h.update(message);
    S::Scalar::from_be_bytes_reduced(&h.finalize())
}

/// Signs with a decoded secret whose encoded public key is `public`.
pub(crate) fn sign_with<S: Suite, R: RngCore + CryptoRng>(
    secret: &S::Scalar,
    public: &[u8],
    message: &[u8],
    rng: &mut R,
) -> Vec<u8> {
    let k = S::Scalar::random_nonzero(rng);
    let r = S::encode_key(&S::public_key(&k));
    let h = challenge::<S>(&r, public, message);
    let s = k + *secret * h;
    let mut out = r;
    out.extend_from_slice(&s.to_be_bytes());
    out
}

/// Verifies under a decoded public key whose encoding is `public_encoded`.
pub(crate) fn verify_with<S: Suite>(
    public: &S::Key,
    public_encoded: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), DkgError> {
    let bad = |reason: String| DkgError::BadSignature { reason };
    if signature.len() != S::KEY_LEN + SCALAR_BYTES {
        return Err(bad(format!(
            "{} bytes, expected {}",
            signature.len(),
            S::KEY_LEN + SCALAR_BYTES
        )));
    }
    let (r_bytes, s_bytes) = signature.split_at(S::KEY_LEN);
    let r = S::decode_key(r_bytes).map_err(|e| bad(format!("commitment R: {e}")))?;
    let s_fixed: [u8; SCALAR_BYTES] = s_bytes
        .try_into()
        .map_err(|_| bad("scalar length".into()))?;
    let s = S::Scalar::from_be_bytes(&s_fixed)
        .ok_or_else(|| bad("scalar s not below the group order".into()))?;
    let h = challenge::<S>(r_bytes, public_encoded, message);
    // s·G − h·A must equal R.
    let lhs = S::key_msm(&[S::key_generator(), *public], &[s, h.neg()]);
    if lhs == r {
        Ok(())
    } else {
        Err(bad("the equation s·G = R + h·A does not hold".into()))
    }
}
