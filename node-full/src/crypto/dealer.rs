//! A trusted dealer for local devnets and tests: draws a random secret polynomial, hands out
//! its evaluations as shares and publishes its commitments. Production groups run a DKG; the
//! dealer knows the group secret and must not be used where that matters.

use drand_lite::Scheme;
use rand_core::{CryptoRng, RngCore};

use super::error::CryptoError;
use super::keys::SecretKey;
use super::partial::{MAX_SIGNERS, Share};
use super::poly::{PublicPoly, eval_scalar};
use super::scalar::ScalarField;
use super::suite::{Kind, Suite, with_suite};

/// The output of [`deal`]: one share per node (indices `0..n`) and the public polynomial.
#[derive(Debug, Clone)]
pub struct Dealing {
    /// The shares, `shares[i].index() == i`.
    pub shares: Vec<Share>,
    /// The commitments; coefficient 0 is the group public key.
    pub public: PublicPoly,
}

/// Deals a `threshold`-of-`n` sharing for `scheme` from a random polynomial of degree
/// `threshold - 1` (every coefficient and every share nonzero). Rejects `threshold == 0`,
/// `threshold > n` and `n > MAX_SIGNERS`.
pub fn deal<R: RngCore + CryptoRng>(
    scheme: Scheme,
    n: u32,
    threshold: u32,
    rng: &mut R,
) -> Result<Dealing, CryptoError> {
    let kind = Kind::of(scheme)?;
    let reason = if threshold == 0 {
        Some("at least one share must be needed to sign".to_string())
    } else if threshold > n {
        Some(format!("larger than the group of {n} nodes"))
    } else if n > MAX_SIGNERS {
        Some(format!(
            "group of {n} nodes exceeds the maximum of {MAX_SIGNERS}"
        ))
    } else {
        None
    };
    if let Some(reason) = reason {
        return Err(CryptoError::BadThreshold {
            threshold: u64::from(threshold),
            reason,
        });
    }
    Ok(with_suite!(kind, S => deal_with::<S, R>(scheme, kind, n, threshold, rng)))
}

fn deal_with<S: Suite, R: RngCore + CryptoRng>(
    scheme: Scheme,
    kind: Kind,
    n: u32,
    threshold: u32,
    rng: &mut R,
) -> Dealing {
    loop {
        let coefficients: Vec<S::Scalar> = (0..threshold)
            .map(|_| S::Scalar::random_nonzero(rng))
            .collect();
        let values: Vec<S::Scalar> = (0..n)
            .map(|i| eval_scalar(&coefficients, u64::from(i) + 1))
            .collect();
        // A zero share has probability about n/2^254; redraw rather than hand it out.
        if values.iter().any(ScalarField::is_zero) {
            continue;
        }
        let shares = values
            .iter()
            .zip(0..n)
            .map(|(value, index)| {
                Share::new(index, SecretKey::from_scalar::<S>(scheme, kind, value))
            })
            .collect();
        let commitments = coefficients.iter().map(S::public_key).collect();
        return Dealing {
            shares,
            public: PublicPoly::from_points::<S>(scheme, kind, commitments),
        };
    }
}
