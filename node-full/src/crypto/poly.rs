//! The public polynomial of a threshold group: Feldman commitments `Aⱼ = aⱼ · G` in the key
//! group, whose constant term is the group public key and whose value at `x = index + 1` is
//! node `index`'s public key share. Also Lagrange interpolation at zero, shared by signature
//! recovery and secret recovery.

use drand_lite::Scheme;

use super::error::CryptoError;
use super::scalar::ScalarField;
use super::suite::{Commitments, Kind, Suite, with_suite};

/// Commitments to a sharing polynomial, in the scheme's key group and encoding. Coefficient 0
/// is the group public key. Every coefficient decoded strictly, so `to_bytes` gives back
/// exactly the canonical bytes it was built from.
#[derive(Clone)]
pub struct PublicPoly {
    scheme: Scheme,
    pub(crate) kind: Kind,
    /// The canonical encodings, coefficient 0 first.
    encoded: Vec<Vec<u8>>,
    /// The same, decoded.
    pub(super) points: Commitments,
}

impl PartialEq for PublicPoly {
    fn eq(&self, other: &PublicPoly) -> bool {
        self.scheme == other.scheme && self.encoded == other.encoded
    }
}

impl Eq for PublicPoly {}

impl core::fmt::Debug for PublicPoly {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let hex: Vec<String> = self
            .encoded
            .iter()
            .map(|c| drand_lite::hex::encode(c))
            .collect();
        f.debug_struct("PublicPoly")
            .field("scheme", &self.scheme.id())
            .field("coefficients", &hex)
            .finish()
    }
}

impl PublicPoly {
    /// Decodes the commitments strictly (each a valid, non-identity key-group point in the
    /// scheme's encoding); at least one is required.
    pub fn from_bytes(scheme: Scheme, coefficients: &[Vec<u8>]) -> Result<PublicPoly, CryptoError> {
        let kind = Kind::of(scheme)?;
        if coefficients.is_empty() {
            return Err(CryptoError::EmptyPolynomial);
        }
        with_suite!(kind, S => decode_all::<S>(scheme, kind, coefficients))
    }

    /// Builds a polynomial from decoded commitments (the dealer's, known to be valid).
    pub(crate) fn from_points<S: Suite>(scheme: Scheme, kind: Kind, points: Vec<S::Key>) -> Self {
        PublicPoly {
            scheme,
            kind,
            encoded: points.iter().map(S::encode_key).collect(),
            points: S::wrap(points),
        }
    }

    /// The commitments in the scheme's encoding, coefficient 0 first.
    pub fn to_bytes(&self) -> Vec<Vec<u8>> {
        self.encoded.clone()
    }

    /// The scheme the commitments belong to.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The number of coefficients: the number of shares needed to sign.
    pub fn threshold(&self) -> usize {
        self.encoded.len()
    }

    /// The group public key (coefficient 0), encoded.
    pub fn public_key(&self) -> Vec<u8> {
        self.encoded.first().cloned().unwrap_or_default()
    }

    /// The public key share of node `index` (the polynomial at `x = index + 1`), encoded.
    pub fn eval(&self, index: u32) -> Vec<u8> {
        with_suite!(self.kind, S => self
            .eval_point::<S>(index)
            .map(|p| S::encode_key(&p))
            .unwrap_or_default())
    }

    /// The commitments as this suite's points (`None` only on a suite mismatch).
    pub(crate) fn keys<S: Suite>(&self) -> Option<&[S::Key]> {
        S::commitments(&self.points)
    }

    /// The public key share of node `index`, decoded.
    pub(crate) fn eval_point<S: Suite>(&self, index: u32) -> Option<S::Key> {
        Some(S::eval(self.keys::<S>()?, u64::from(index) + 1))
    }
}

fn decode_all<S: Suite>(
    scheme: Scheme,
    kind: Kind,
    coefficients: &[Vec<u8>],
) -> Result<PublicPoly, CryptoError> {
    let points = coefficients
        .iter()
        .enumerate()
        .map(|(i, c)| {
            S::decode_key(c).map_err(|e| CryptoError::point(format!("commitment {i}"), e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PublicPoly {
        scheme,
        kind,
        encoded: coefficients.to_vec(),
        points: S::wrap(points),
    })
}

/// The Lagrange coefficients at zero for the evaluation points `x = index + 1`:
/// `λᵢ = Π_{j≠i} xⱼ / (xⱼ − xᵢ)`. The indices must be distinct (else `None`).
pub(crate) fn lagrange_at_zero<F: ScalarField>(indices: &[u32]) -> Option<Vec<F>> {
    let xs: Vec<F> = indices
        .iter()
        .map(|&i| F::from_u64(u64::from(i) + 1))
        .collect();
    let mut out = Vec::with_capacity(xs.len());
    for (i, xi) in xs.iter().enumerate() {
        let mut numerator = F::from_u64(1);
        let mut denominator = F::from_u64(1);
        for (j, xj) in xs.iter().enumerate() {
            if i != j {
                numerator = numerator * *xj;
                denominator = denominator * (*xj - *xi);
            }
        }
        out.push(numerator * denominator.invert()?);
    }
    Some(out)
}

/// Evaluates a secret polynomial (coefficient 0 first) at `x` by Horner's rule.
pub(crate) fn eval_scalar<F: ScalarField>(coefficients: &[F], x: u64) -> F {
    let x = F::from_u64(x);
    coefficients
        .iter()
        .rev()
        .fold(F::zero(), |acc, c| acc * x + *c)
}
