//! The Shallue–van de Woestijne map to BN254 G1 (RFC 9380 §6.6.1), with its constants derived
//! at first use by the RFC's own procedures: `Z` by `find_z_svdw` (Appendix H.1; it finds
//! `Z = 1`), `c1..c4` from `Z` as §6.6.1 defines them.
//!
//! BN254 G1 is `y² = x³ + 3` over `Fp` (A = 0, B = 3). No crate provides this map, so it is
//! written here. Verification hashes public messages only, so the map is not constant-time.
//!
//! This file depends on nothing in the crate, so the integration tests can include it directly.

use std::sync::OnceLock;

use ark_bn254::{Fq, G1Affine};
use ark_ff::{BigInteger, Field, LegendreSymbol, PrimeField, Zero};

/// The curve's `A` coefficient.
pub(crate) const A: u64 = 0;
/// The curve's `B` coefficient.
pub(crate) const B: u64 = 3;
/// How many candidate pairs `find_z_svdw` tries (for BN254 G1 the first one, `Z = 1`, fits).
pub(crate) const Z_SEARCH_LIMIT: u64 = 64;

/// `g(x) = x³ + A·x + B`.
pub(crate) fn g(x: Fq) -> Fq {
    x.square() * x + Fq::from(A) * x + Fq::from(B)
}

/// `is_square(x)`: true for zero and for the quadratic residues (RFC 9380 §4).
pub(crate) fn is_square(x: &Fq) -> bool {
    x.legendre() != LegendreSymbol::QuadraticNonResidue
}

/// `sgn0(x)` for a prime field: the parity of `x`'s canonical integer (RFC 9380 §4.1).
pub(crate) fn sgn0(x: &Fq) -> bool {
    x.into_bigint().is_odd()
}

/// RFC 9380 Appendix H.1 `find_z_svdw(F, A, B)`: the first of 1, −1, 2, −2, … that meets
/// the four criteria. `None` only if none of the first `limit` pairs does.
pub(crate) fn find_z_svdw(limit: u64) -> Option<Fq> {
    let a = Fq::from(A);
    let h = |z: Fq| -> Option<Fq> {
        // -(3·Z² + 4·A) / (4·g(Z)); g(Z) != 0 was checked first.
        let denominator = (Fq::from(4u64) * g(z)).inverse()?;
        Some(-(Fq::from(3u64) * z.square() + Fq::from(4u64) * a) * denominator)
    };
    let two_inv = Fq::from(2u64).inverse()?;
    for ctr in 1..=limit {
        for candidate in [Fq::from(ctr), -Fq::from(ctr)] {
            // Criterion 1: g(Z) != 0.
            if g(candidate).is_zero() {
                continue;
            }
            // Criterion 2: -(3·Z² + 4·A) / (4·g(Z)) != 0.
            let Some(hz) = h(candidate) else { continue };
            if hz.is_zero() {
                continue;
            }
            // Criterion 3: -(3·Z² + 4·A) / (4·g(Z)) is square.
            if !is_square(&hz) {
                continue;
            }
            // Criterion 4: at least one of g(Z) and g(-Z / 2) is square.
            if is_square(&g(candidate)) || is_square(&g(-candidate * two_inv)) {
                return Some(candidate);
            }
        }
    }
    None
}

/// The map's constants (RFC 9380 §6.6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Constants {
    /// `Z`.
    pub(crate) z: Fq,
    /// `c1 = g(Z)`.
    pub(crate) c1: Fq,
    /// `c2 = -Z / 2`.
    pub(crate) c2: Fq,
    /// `c3 = sqrt(-g(Z) · (3·Z² + 4·A))`, the root with `sgn0(c3) == 0`.
    pub(crate) c3: Fq,
    /// `c4 = -4·g(Z) / (3·Z² + 4·A)`.
    pub(crate) c4: Fq,
}

impl Constants {
    /// Derives the constants from `z`; `None` if `z` does not meet the SVDW criteria.
    pub(crate) fn derive(z: Fq) -> Option<Constants> {
        let a = Fq::from(A);
        let c1 = g(z);
        let c2 = -z * Fq::from(2u64).inverse()?;
        let t = Fq::from(3u64) * z.square() + Fq::from(4u64) * a;
        let mut c3 = (-c1 * t).sqrt()?;
        if sgn0(&c3) {
            c3 = -c3;
        }
        let c4 = -Fq::from(4u64) * c1 * t.inverse()?;
        Some(Constants { z, c1, c2, c3, c4 })
    }
}

/// The constants, derived once: `Z` by the RFC's search, then `c1..c4` from it.
pub(crate) fn constants() -> Option<&'static Constants> {
    static CONSTANTS: OnceLock<Option<Constants>> = OnceLock::new();
    CONSTANTS
        .get_or_init(|| find_z_svdw(Z_SEARCH_LIMIT).and_then(Constants::derive))
        .as_ref()
}

/// `map_to_curve_svdw(u)` (RFC 9380 §6.6.1). The RFC's `CMOV` selections are taken as plain
/// branches: `x1` if `g(x1)` is square, else `x2` if `g(x2)` is, else `x3`; the square root's
/// sign is then set to match `sgn0(u)`. `None` only if the constants are broken.
pub(crate) fn map_to_curve(u: Fq) -> Option<G1Affine> {
    let c = constants()?;
    let one = Fq::from(1u64);
    let tv1 = u.square() * c.c1;
    let tv2 = one + tv1;
    let tv1 = one - tv1;
    // inv0: the inverse, or 0 for 0.
    let tv3 = (tv1 * tv2).inverse().unwrap_or_default();
    let tv4 = u * tv1 * tv3 * c.c3;
    let x1 = c.c2 - tv4;
    let x2 = c.c2 + tv4;
    let (x, y) = if let Some(y) = g(x1).sqrt() {
        (x1, y)
    } else if let Some(y) = g(x2).sqrt() {
        (x2, y)
    } else {
        let x3 = (tv2.square() * tv3).square() * c.c4 + c.z;
        (x3, g(x3).sqrt()?)
    };
    let y = if sgn0(&u) == sgn0(&y) { y } else { -y };
    let point = G1Affine::new_unchecked(x, y);
    point.is_on_curve().then_some(point)
}
