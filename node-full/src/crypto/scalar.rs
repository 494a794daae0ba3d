//! The scalar fields (BLS12-381 `Fr` and BN254 `Fr`) behind one small trait, so polynomial
//! evaluation and Lagrange interpolation are written once.

use core::ops::{Add, Mul, Sub};

use ark_ff::{BigInt, BigInteger, PrimeField, Zero};
use ff::Field;
use rand_core::{CryptoRng, RngCore};

/// Size of an encoded scalar (both fields are below 2^256).
pub const SCALAR_BYTES: usize = 32;

/// A prime scalar field: the arithmetic the threshold code needs, plus canonical big-endian
/// encoding.
pub(crate) trait ScalarField:
    Copy + PartialEq + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self>
{
    /// The additive identity.
    fn zero() -> Self;
    /// A small integer, e.g. an evaluation point `index + 1`.
    fn from_u64(value: u64) -> Self;
    /// The multiplicative inverse; `None` for zero.
    fn invert(&self) -> Option<Self>;
    /// Decodes a canonical (below the group order) big-endian scalar.
    fn from_be_bytes(bytes: &[u8; SCALAR_BYTES]) -> Option<Self>;
    /// The canonical big-endian encoding.
    fn to_be_bytes(&self) -> [u8; SCALAR_BYTES];
    /// A uniformly random element (possibly zero).
    fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self;
    /// Whether this is zero.
    fn is_zero(&self) -> bool {
        *self == Self::zero()
    }
    /// `-self`.
    fn neg(&self) -> Self {
        Self::zero() - *self
    }
    /// A big-endian integer of any length reduced modulo the group order (kyber's
    /// `Scalar.SetBytes`, e.g. of a SHA-512 digest).
    fn from_be_bytes_reduced(bytes: &[u8]) -> Self {
        // Horner's rule over bytes: acc = acc · 256 + byte.
        let base = Self::from_u64(256);
        bytes.iter().fold(Self::zero(), |acc, b| {
            acc * base + Self::from_u64(u64::from(*b))
        })
    }
    /// A uniformly random nonzero element.
    fn random_nonzero<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        loop {
            let candidate = Self::random(rng);
            if !candidate.is_zero() {
                return candidate;
            }
        }
    }
}

impl ScalarField for blstrs::Scalar {
    fn zero() -> Self {
        blstrs::Scalar::ZERO
    }
    fn from_u64(value: u64) -> Self {
        blstrs::Scalar::from(value)
    }
    fn invert(&self) -> Option<Self> {
        Option::from(Field::invert(self))
    }
    fn from_be_bytes(bytes: &[u8; SCALAR_BYTES]) -> Option<Self> {
        Option::from(blstrs::Scalar::from_bytes_be(bytes))
    }
    fn to_be_bytes(&self) -> [u8; SCALAR_BYTES] {
        blstrs::Scalar::to_bytes_be(self)
    }
    fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        <blstrs::Scalar as Field>::random(rng)
    }
}

impl ScalarField for ark_bn254::Fr {
    fn zero() -> Self {
        <ark_bn254::Fr as Zero>::zero()
    }
    fn from_u64(value: u64) -> Self {
        ark_bn254::Fr::from(value)
    }
    fn invert(&self) -> Option<Self> {
        ark_ff::Field::inverse(self)
    }
    fn from_be_bytes(bytes: &[u8; SCALAR_BYTES]) -> Option<Self> {
        let mut limbs = [0u64; 4];
        for (limb, chunk) in limbs.iter_mut().rev().zip(bytes.chunks_exact(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            *limb = u64::from_be_bytes(word);
        }
        ark_bn254::Fr::from_bigint(BigInt::new(limbs))
    }
    fn to_be_bytes(&self) -> [u8; SCALAR_BYTES] {
        let mut out = [0u8; SCALAR_BYTES];
        let bytes = self.into_bigint().to_bytes_be();
        // A 4-limb integer is exactly 32 bytes; right-align defensively all the same.
        let skip = SCALAR_BYTES.saturating_sub(bytes.len());
        for (slot, byte) in out.iter_mut().skip(skip).zip(bytes) {
            *slot = byte;
        }
        out
    }
    fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        // 64 uniform bytes reduced mod r: statistically uniform (bias below 2^-250).
        let mut wide = [0u8; 64];
        rng.fill_bytes(&mut wide);
        let out = ark_bn254::Fr::from_be_bytes_mod_order(&wide);
        zeroize::Zeroize::zeroize(&mut wide);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn round_trips<F: ScalarField + core::fmt::Debug>() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for _ in 0..20 {
            let x = F::random_nonzero(&mut rng);
            assert_eq!(F::from_be_bytes(&x.to_be_bytes()), Some(x));
            let inv = x.invert().unwrap();
            assert_eq!(inv * x, F::from_u64(1));
        }
        assert_eq!(F::zero().invert(), None);
        assert_eq!(F::from_be_bytes(&[0xff; 32]), None);
        let mut seven = [0u8; 32];
        seven[31] = 7;
        assert_eq!(F::from_be_bytes(&seven), Some(F::from_u64(7)));
        assert_eq!(F::from_u64(7).to_be_bytes(), seven);
    }

    #[test]
    fn bls12_381_scalars_round_trip() {
        round_trips::<blstrs::Scalar>();
    }

    #[test]
    fn bn254_scalars_round_trip() {
        round_trips::<ark_bn254::Fr>();
    }
}
