//! Shares, partial signatures (drand's tbls format `BE16(index) ‖ signature`), their
//! verification against the public polynomial, and recovery of the group signature by
//! Lagrange interpolation in the signature group.

use std::collections::HashSet;

use drand_lite::Scheme;

use super::error::CryptoError;
use super::keys::SecretKey;
use super::poly::{PublicPoly, lagrange_at_zero};
use super::scalar::ScalarField;
use super::suite::{Kind, Suite, with_suite};

/// Size of the signer index prefix of a partial signature.
pub const INDEX_BYTES: usize = 2;

/// Largest group size: indices are 16-bit on the wire and index `u16::MAX` is reserved (it is
/// what [`Share::partial_sign`] writes for an index that does not fit, and never verifies).
pub const MAX_SIGNERS: u32 = u16::MAX as u32;

/// A node's share of the group secret: the secret polynomial at `x = index + 1`.
#[derive(Clone, PartialEq, Eq)]
pub struct Share {
    index: u32,
    secret: SecretKey,
}

impl core::fmt::Debug for Share {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Share({}, index {}, <redacted>)",
            self.secret.scheme(),
            self.index
        )
    }
}

impl Share {
    /// A share for signer `index` (0-based; valid indices are below [`MAX_SIGNERS`]).
    pub fn new(index: u32, secret: SecretKey) -> Share {
        Share { index, secret }
    }

    /// The signer index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The secret share.
    pub fn secret(&self) -> &SecretKey {
        &self.secret
    }

    /// The scheme of the share.
    pub fn scheme(&self) -> Scheme {
        self.secret.scheme()
    }

    /// This share's public key share (what [`PublicPoly::eval`] gives for its index).
    pub fn public_key(&self) -> Vec<u8> {
        self.secret.public_key()
    }

    /// Signs `digest` (a round's [`Scheme::digest`]) with the share: `BE16(index) ‖ sig`,
    /// exactly `signature_len + 2` bytes, as drand's tbls encodes partials.
    pub fn partial_sign(&self, digest: &[u8]) -> Vec<u8> {
        let index = u16::try_from(self.index).unwrap_or(u16::MAX);
        let signature = self.secret.sign(digest);
        let mut out = Vec::with_capacity(INDEX_BYTES + signature.len());
        out.extend_from_slice(&index.to_be_bytes());
        out.extend_from_slice(&signature);
        out
    }
}

/// Splits a partial into its signer index and signature bytes, checking the exact length.
fn split_partial(scheme: Scheme, partial: &[u8]) -> Result<(u16, &[u8]), CryptoError> {
    let expected = scheme.signature_len() + INDEX_BYTES;
    if partial.len() != expected {
        return Err(CryptoError::BadPartialLength {
            expected,
            got: partial.len(),
        });
    }
    match partial {
        [hi, lo, signature @ ..] => Ok((u16::from_be_bytes([*hi, *lo]), signature)),
        _ => Err(CryptoError::BadPartialLength {
            expected,
            got: partial.len(),
        }),
    }
}

/// The signer index of a partial signature (which must be exactly `signature_len + 2` bytes);
/// the signature itself is not checked.
pub fn partial_index(scheme: Scheme, partial: &[u8]) -> Result<u16, CryptoError> {
    split_partial(scheme, partial).map(|(index, _)| index)
}

/// Parses a partial: length, a usable index, a strictly decoded signature.
fn parse<S: Suite>(scheme: Scheme, partial: &[u8]) -> Result<(u16, S::Sig), CryptoError> {
    let (index, signature) = split_partial(scheme, partial)?;
    if u32::from(index) >= MAX_SIGNERS {
        return Err(CryptoError::UnknownIndex(index));
    }
    let sig = S::decode_sig(signature)
        .map_err(|e| CryptoError::point(format!("partial signature of signer {index}"), e))?;
    Ok((index, sig))
}

impl PublicPoly {
    /// Verifies a partial signature on `digest` against the key share of the signer it names,
    /// and returns that signer's index.
    pub fn verify_partial(&self, digest: &[u8], partial: &[u8]) -> Result<u16, CryptoError> {
        with_suite!(self.kind, S => self.verify_partial_with::<S>(digest, partial))
    }

    fn verify_partial_with<S: Suite>(
        &self,
        digest: &[u8],
        partial: &[u8],
    ) -> Result<u16, CryptoError> {
        let (index, sig) = parse::<S>(self.scheme(), partial)?;
        let hashed = S::hash(digest, self.scheme().dst());
        self.check_parsed::<S>(&hashed, index, &sig)?;
        Ok(index)
    }

    fn check_parsed<S: Suite>(
        &self,
        hashed: &S::Sig,
        index: u16,
        sig: &S::Sig,
    ) -> Result<(), CryptoError> {
        let key = self
            .eval_point::<S>(u32::from(index))
            .ok_or(CryptoError::UnknownIndex(index))?;
        if S::verify(&key, hashed, sig) {
            Ok(())
        } else {
            Err(CryptoError::InvalidPartial { index })
        }
    }

    /// Checks that `share` belongs to this polynomial: same scheme, and its public key equals
    /// the key share at its index (a node should check this before signing with a share).
    pub fn check_share(&self, share: &Share) -> Result<(), CryptoError> {
        if share.scheme() != self.scheme() {
            return Err(CryptoError::SchemeMismatch {
                expected: self.scheme().id(),
                got: share.scheme().id(),
            });
        }
        let index = u16::try_from(share.index())
            .ok()
            .filter(|&i| u32::from(i) < MAX_SIGNERS)
            .ok_or(CryptoError::UnknownIndex(u16::MAX))?;
        if share.public_key() == self.eval(share.index()) {
            Ok(())
        } else {
            Err(CryptoError::InvalidPartial { index })
        }
    }

    /// Recovers the group signature on `digest` from partial signatures: malformed, invalid
    /// and duplicate-index partials are skipped, the first `threshold` valid ones are
    /// interpolated at zero, and the result is verified under the group public key.
    ///
    /// Optimistically it first interpolates the first `threshold` well-formed distinct
    /// partials and checks only the result (one pairing check; a valid group signature is
    /// unique, so this cannot accept a wrong one); only if that fails is every partial
    /// verified on its own.
    pub fn recover(
        &self,
        digest: &[u8],
        partials: &[Vec<u8>],
        threshold: usize,
    ) -> Result<Vec<u8>, CryptoError> {
        with_suite!(self.kind, S => self.recover_with::<S>(digest, partials, threshold, false))
    }

    /// Like [`PublicPoly::recover`] for partials the caller already verified one by one (the
    /// engine verifies on receipt): malformed and repeated indices are skipped (the first
    /// occurrence wins), the first `threshold` are interpolated, and the result must verify
    /// under the group public key, else [`CryptoError::InvalidRecovered`] (the caller may
    /// then fall back to [`PublicPoly::recover`]).
    pub fn recover_verified(
        &self,
        digest: &[u8],
        partials: &[Vec<u8>],
        threshold: usize,
    ) -> Result<Vec<u8>, CryptoError> {
        with_suite!(self.kind, S => self.recover_with::<S>(digest, partials, threshold, true))
    }

    /// Interpolates the first `threshold` partials with distinct indices and checks nothing:
    /// no partial and not the result. For a caller that verifies the result itself (the
    /// engine, with the verifier core) and falls back to checking each partial if it fails.
    pub fn interpolate_unchecked(
        &self,
        partials: &[Vec<u8>],
        threshold: usize,
    ) -> Result<Vec<u8>, CryptoError> {
        with_suite!(self.kind, S => self.interpolate_with::<S>(partials, threshold))
    }

    /// A recovery needs at least as many partials as the polynomial has coefficients.
    fn check_threshold(&self, threshold: usize) -> Result<(), CryptoError> {
        if threshold == 0 || threshold < self.threshold() {
            return Err(CryptoError::BadThreshold {
                threshold: threshold as u64,
                reason: format!(
                    "the public polynomial needs at least {} partials",
                    self.threshold()
                ),
            });
        }
        Ok(())
    }

    fn interpolate_with<S: Suite>(
        &self,
        partials: &[Vec<u8>],
        threshold: usize,
    ) -> Result<Vec<u8>, CryptoError> {
        self.check_threshold(threshold)?;
        let parsed: Vec<(u16, S::Sig)> = partials
            .iter()
            .filter_map(|p| parse::<S>(self.scheme(), p).ok())
            .collect();
        let first = first_distinct::<S>(&parsed, threshold);
        if first.len() < threshold {
            return Err(CryptoError::NotEnoughPartials {
                have: first.len(),
                need: threshold,
            });
        }
        Ok(S::encode_sig(&interpolate::<S>(&first)?))
    }

    fn recover_with<S: Suite>(
        &self,
        digest: &[u8],
        partials: &[Vec<u8>],
        threshold: usize,
        trusted: bool,
    ) -> Result<Vec<u8>, CryptoError> {
        self.check_threshold(threshold)?;
        let group_key = self
            .keys::<S>()
            .and_then(|k| k.first().copied())
            .ok_or(CryptoError::EmptyPolynomial)?;
        let hashed = S::hash(digest, self.scheme().dst());
        let parsed: Vec<(u16, S::Sig)> = partials
            .iter()
            .filter_map(|p| parse::<S>(self.scheme(), p).ok())
            .collect();

        // Optimistic: the first `threshold` distinct indices, checked once as a whole.
        let first = first_distinct::<S>(&parsed, threshold);
        if first.len() == threshold {
            let sig = interpolate::<S>(&first)?;
            if S::verify(&group_key, &hashed, &sig) {
                return Ok(S::encode_sig(&sig));
            }
            if trusted {
                return Err(CryptoError::InvalidRecovered);
            }
        } else if trusted {
            return Err(CryptoError::NotEnoughPartials {
                have: first.len(),
                need: threshold,
            });
        }

        // Careful: verify each partial, keep the first `threshold` valid distinct ones.
        let mut valid_indices = HashSet::new();
        let mut valid = Vec::with_capacity(threshold);
        for (index, sig) in &parsed {
            if valid.len() == threshold {
                break;
            }
            if valid_indices.contains(index) {
                continue;
            }
            if self.check_parsed::<S>(&hashed, *index, sig).is_ok() {
                valid_indices.insert(*index);
                valid.push((*index, *sig));
            }
        }
        if valid.len() < threshold {
            return Err(CryptoError::NotEnoughPartials {
                have: valid.len(),
                need: threshold,
            });
        }
        let sig = interpolate::<S>(&valid)?;
        if S::verify(&group_key, &hashed, &sig) {
            Ok(S::encode_sig(&sig))
        } else {
            Err(CryptoError::InvalidRecovered)
        }
    }
}

/// The first `threshold` partials with distinct indices (the first occurrence of an index wins).
fn first_distinct<S: Suite>(parsed: &[(u16, S::Sig)], threshold: usize) -> Vec<(u16, S::Sig)> {
    let mut seen = HashSet::new();
    parsed
        .iter()
        .filter(|(index, _)| seen.insert(*index))
        .take(threshold)
        .copied()
        .collect()
}

/// `Σ λᵢ · σᵢ` over distinct indices.
fn interpolate<S: Suite>(points: &[(u16, S::Sig)]) -> Result<S::Sig, CryptoError> {
    let indices: Vec<u32> = points.iter().map(|(i, _)| u32::from(*i)).collect();
    let lambdas = lagrange_at_zero::<S::Scalar>(&indices).ok_or(CryptoError::InvalidRecovered)?;
    let sigs: Vec<S::Sig> = points.iter().map(|(_, s)| *s).collect();
    Ok(S::combine(&sigs, &lambdas))
}

/// Recovers the group secret from `threshold` shares (the first `threshold` with distinct
/// indices) by Lagrange interpolation: for tests, audits and migrating a trusted-dealer group.
pub fn recover_secret(shares: &[Share], threshold: usize) -> Result<SecretKey, CryptoError> {
    let first = shares.first().ok_or(CryptoError::NotEnoughPartials {
        have: 0,
        need: threshold,
    })?;
    let scheme = first.scheme();
    if let Some(other) = shares.iter().find(|s| s.scheme() != scheme) {
        return Err(CryptoError::SchemeMismatch {
            expected: scheme.id(),
            got: other.scheme().id(),
        });
    }
    if threshold == 0 {
        return Err(CryptoError::BadThreshold {
            threshold: 0,
            reason: "at least one share is needed".into(),
        });
    }
    let kind = Kind::of(scheme)?;
    with_suite!(kind, S => recover_secret_with::<S>(scheme, kind, shares, threshold))
}

fn recover_secret_with<S: Suite>(
    scheme: Scheme,
    kind: Kind,
    shares: &[Share],
    threshold: usize,
) -> Result<SecretKey, CryptoError> {
    let mut seen = HashSet::new();
    let chosen: Vec<&Share> = shares
        .iter()
        .filter(|s| seen.insert(s.index()))
        .take(threshold)
        .collect();
    if chosen.len() < threshold {
        return Err(CryptoError::NotEnoughPartials {
            have: chosen.len(),
            need: threshold,
        });
    }
    let indices: Vec<u32> = chosen.iter().map(|s| s.index()).collect();
    let lambdas = lagrange_at_zero::<S::Scalar>(&indices).ok_or(CryptoError::InvalidRecovered)?;
    let mut secret = S::Scalar::zero();
    for (share, lambda) in chosen.iter().zip(lambdas) {
        let value = share
            .secret()
            .scalar::<S>()
            .filter(|_| share.secret().kind() == kind)
            .ok_or(CryptoError::SchemeMismatch {
                expected: scheme.id(),
                got: share.scheme().id(),
            })?;
        secret = secret + lambda * value;
    }
    if secret.is_zero() {
        return Err(CryptoError::BadScalar {
            reason: "the interpolated secret is zero".into(),
        });
    }
    Ok(SecretKey::from_scalar::<S>(scheme, kind, &secret))
}
