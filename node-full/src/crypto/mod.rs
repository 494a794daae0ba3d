//! Threshold BLS for every drand scheme, pure and sans-IO: secret keys and plain signatures,
//! shares and drand's partial-signature format, public polynomials, recovery of the group
//! signature by Lagrange interpolation, and a trusted dealer for devnets.
//!
//! Three curve settings back the five schemes (see [`drand_lite::scheme::Layout`]):
//! BLS12-381 with keys on G1 (`pedersen-bls-chained`, `pedersen-bls-unchained`), BLS12-381 with
//! keys on G2 (`bls-unchained-on-g1`, `bls-unchained-g1-rfc9380`) and BN254 with keys on G2
//! (`bls-bn254-unchained-on-g1`). Messages are hashed with [`Scheme::dst`](drand_lite::Scheme::dst),
//! points are encoded exactly as `drand-lite`'s strict decoders expect, and a recovered
//! signature is a beacon signature `drand_lite::verify` accepts.
//!
//! Signer `index` (0-based) holds the secret polynomial at `x = index + 1`; a partial signature
//! is `BE16(index) ‖ signature` (drand's tbls).
//!
//! Recovery is optimistic: the first `threshold` well-formed partials with distinct indices
//! are interpolated (one multi-scalar multiplication) and only the result is checked (one
//! pairing check); partials are verified one by one only if that fails.
//!
//! Limits worth knowing: [`SecretKey`] wipes its bytes on drop, but field-element temporaries
//! (and the dealer's polynomial) are not wiped; BLS12-381 scalar multiplication is blst's
//! constant-time code, while BN254 (arkworks) multiplication is not constant-time.

pub(crate) mod bls12_381;
pub(crate) mod bn254;
mod dealer;
mod error;
mod keys;
mod partial;
pub(crate) mod poly;
pub(crate) mod scalar;
pub(crate) mod suite;
#[cfg(test)]
mod tests;

pub use dealer::{Dealing, deal};
pub use error::CryptoError;
pub use keys::{SecretKey, validate_public_key, verify_signature};
pub use partial::{INDEX_BYTES, MAX_SIGNERS, Share, partial_index, recover_secret};
pub use poly::PublicPoly;
pub use scalar::SCALAR_BYTES;
