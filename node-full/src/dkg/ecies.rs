//! kyber's ECIES (`encrypt/ecies`) in the scheme's key group, which carries each DKG share to
//! its holder: ephemeral `r`, `R = r·G`, `dh = r·pk`; HKDF-SHA256 with the encoded `dh` as
//! input key material, no salt and no info, expanded to 44 bytes = AES-256 key ‖ 12-byte GCM
//! nonce; ciphertext `R ‖ AES-256-GCM(plaintext)` without associated data.

use drand_lite::Scheme;
use rand_core::{CryptoRng, RngCore};
use ring::{aead, hkdf};

use super::error::DkgError;
use crate::crypto::scalar::ScalarField;
use crate::crypto::suite::{Kind, Suite, with_suite};
use crate::crypto::{CryptoError, SecretKey};

/// AES-256 key length.
const KEY_BYTES: usize = 32;
/// GCM nonce length.
const NONCE_BYTES: usize = 12;
/// GCM tag length.
const TAG_BYTES: usize = 16;
/// Largest plaintext accepted or produced (DKG shares are 32 bytes).
const MAX_PLAINTEXT: usize = 1024;

/// Encrypts `plaintext` (at most 1 KiB) to `public_key` (the scheme's key encoding).
pub fn encrypt<R: RngCore + CryptoRng>(
    scheme: Scheme,
    public_key: &[u8],
    plaintext: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, DkgError> {
    let kind = Kind::of(scheme)?;
    with_suite!(kind, S => {
        let key = S::decode_key(public_key)
            .map_err(|e| DkgError::Crypto(CryptoError::point("ECIES recipient key", e)))?;
        encrypt_with::<S, R>(&key, plaintext, rng)
    })
}

/// Decrypts a ciphertext addressed to `key`.
pub fn decrypt(key: &SecretKey, ciphertext: &[u8]) -> Result<Vec<u8>, DkgError> {
    with_suite!(key.kind(), S => match key.scalar::<S>() {
        Some(secret) => decrypt_with::<S>(&secret, ciphertext),
        None => Err(DkgError::Decryption { reason: "unusable secret key".into() }),
    })
}

/// The ciphertext length for a plaintext of `plaintext_len` bytes.
pub fn ciphertext_len(scheme: Scheme, plaintext_len: usize) -> Result<usize, DkgError> {
    let kind = Kind::of(scheme)?;
    Ok(with_suite!(kind, S => S::KEY_LEN + plaintext_len + TAG_BYTES))
}

/// The output length of HKDF, as ring wants it.
struct OkmLen;

impl hkdf::KeyType for OkmLen {
    fn len(&self) -> usize {
        KEY_BYTES + NONCE_BYTES
    }
}

/// HKDF-SHA256(ikm = encoded dh, salt = none, info = none) → (AES key, nonce).
fn derive<S: Suite>(dh: &S::Key) -> Result<(aead::LessSafeKey, aead::Nonce), DkgError> {
    let fail = |what: &str| DkgError::Decryption {
        reason: format!("key derivation: {what}"),
    };
    let ikm = S::encode_key(dh);
    // An empty HMAC key is the RFC 5869 default salt (HashLen zero bytes), as Go uses.
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &[]).extract(&ikm);
    let okm = prk.expand(&[], OkmLen).map_err(|_| fail("expand"))?;
    let mut out = [0u8; KEY_BYTES + NONCE_BYTES];
    okm.fill(&mut out).map_err(|_| fail("fill"))?;
    let (key, nonce) = out.split_at(KEY_BYTES);
    let unbound = aead::UnboundKey::new(&aead::AES_256_GCM, key).map_err(|_| fail("AES key"))?;
    let nonce = aead::Nonce::try_assume_unique_for_key(nonce).map_err(|_| fail("nonce"))?;
    Ok((aead::LessSafeKey::new(unbound), nonce))
}

/// Encrypts to a decoded key.
pub(crate) fn encrypt_with<S: Suite, R: RngCore + CryptoRng>(
    public: &S::Key,
    plaintext: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, DkgError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(DkgError::Config {
            reason: format!("ECIES plaintext of {} bytes is too long", plaintext.len()),
        });
    }
    let r = S::Scalar::random_nonzero(rng);
    let ephemeral = S::public_key(&r);
    let dh = S::key_mul(public, &r);
    let (key, nonce) = derive::<S>(&dh)?;
    let mut sealed = plaintext.to_vec();
    key.seal_in_place_append_tag(nonce, aead::Aad::empty(), &mut sealed)
        .map_err(|_| DkgError::Config {
            reason: "AES-GCM sealing failed".into(),
        })?;
    let mut out = S::encode_key(&ephemeral);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Decrypts with a decoded secret.
pub(crate) fn decrypt_with<S: Suite>(
    secret: &S::Scalar,
    ciphertext: &[u8],
) -> Result<Vec<u8>, DkgError> {
    let fail = |reason: String| DkgError::Decryption { reason };
    if ciphertext.len() < S::KEY_LEN + TAG_BYTES
        || ciphertext.len() > S::KEY_LEN + TAG_BYTES + MAX_PLAINTEXT
    {
        return Err(fail(format!(
            "{} bytes is not a plausible ciphertext",
            ciphertext.len()
        )));
    }
    let (r_bytes, sealed) = ciphertext.split_at(S::KEY_LEN);
    let ephemeral = S::decode_key(r_bytes).map_err(|e| fail(format!("ephemeral point: {e}")))?;
    let dh = S::key_mul(&ephemeral, secret);
    let (key, nonce) = derive::<S>(&dh)?;
    let mut buffer = sealed.to_vec();
    let plain = key
        .open_in_place(nonce, aead::Aad::empty(), &mut buffer)
        .map_err(|_| fail("authentication failed (wrong key or tampered ciphertext)".into()))?;
    Ok(plain.to_vec())
}
