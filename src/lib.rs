//! # drand-lite
//!
//! The verifier core of a drand-compatible randomness beacon: it decodes chain information and
//! beacons strictly, pins chains by their recomputed chain hash, and verifies beacons of every
//! drand scheme (the BLS12-381 ones and BN254 `evmnet`), one at a time or in batches.
//!
//! Nothing here does I/O, reads a clock or draws randomness, so the same code runs natively, in
//! the node and in WebAssembly. The only way to obtain a [`VerifiedBeacon`] is to verify one.
//!
//! ```no_run
//! use drand_lite::{Beacon, ChainInfo, verify};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let info = ChainInfo::pinned(
//!     r#"{"public_key":"…","period":3,"genesis_time":1692803367, "…":"…"}"#,
//!     "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
//! )?;
//! let beacon = Beacon::from_json(r#"{"round":1,"signature":"…"}"#)?;
//! let verified = verify(&info, &beacon)?;
//! println!("{} {}", verified.round(), verified.randomness_hex());
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod backend;
pub mod batch;
pub mod beacon;
pub mod chain;
pub mod client;
pub mod curves;
pub mod encoding;
pub mod error;
pub mod hex;
pub mod scheme;
pub mod time;
pub mod verify;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use batch::{BatchError, InvalidBeacon, verify_batch};
pub use beacon::Beacon;
pub use chain::{ChainHash, ChainInfo};
pub use error::{ChainInfoError, DecodeError, Field, TimeError, VerifyError};
pub use scheme::Scheme;
pub use time::{check_round_due, round_at, round_time};
pub use verify::{VerifiedBeacon, verify, verify_round};
