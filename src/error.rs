//! Typed errors. Each says what was wrong and with which input, so a caller can tell a lying
//! relay (bad beacon, bad chain info) from its own mistake (wrong pin, round before genesis).

use thiserror::Error;

/// The input field an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The chain's group public key.
    PublicKey,
    /// The beacon signature.
    Signature,
    /// The previous signature of a chained beacon.
    PreviousSignature,
    /// The beacon's `randomness` field.
    Randomness,
    /// The chain hash (served or pinned).
    ChainHash,
    /// The genesis seed (`groupHash` in v1, `genesis_seed` in v2).
    GenesisSeed,
    /// A whole JSON document.
    Json,
}

impl core::fmt::Display for Field {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Field::PublicKey => "public key",
            Field::Signature => "signature",
            Field::PreviousSignature => "previous_signature",
            Field::Randomness => "randomness",
            Field::ChainHash => "chain hash",
            Field::GenesisSeed => "genesis seed",
            Field::Json => "JSON document",
        })
    }
}

/// Why bytes or hex could not be decoded into a value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// The input exceeds the size cap; nothing was decoded.
    #[error("{field}: {actual} bytes exceeds the limit of {limit} bytes")]
    TooLong {
        /// Which input.
        field: Field,
        /// The cap.
        limit: usize,
        /// The size seen.
        actual: usize,
    },
    /// The hex text is not in the one accepted form.
    #[error("{field}: invalid hex: {reason}")]
    Hex {
        /// Which input.
        field: Field,
        /// What was wrong.
        reason: &'static str,
    },
    /// Wrong number of bytes for the scheme.
    #[error("{field}: expected {expected} bytes, got {actual}")]
    Length {
        /// Which input.
        field: Field,
        /// The length the scheme requires.
        expected: usize,
        /// The length seen.
        actual: usize,
    },
    /// The compression flag is clear where drand uses compressed points.
    #[error("{field}: uncompressed point encoding where a compressed one is required")]
    NotCompressed {
        /// Which input.
        field: Field,
    },
    /// Flag bits that no canonical encoding has (infinity with payload, infinity with sort bit).
    #[error("{field}: invalid flag bits in point encoding")]
    BadFlags {
        /// Which input.
        field: Field,
    },
    /// A coordinate is not below the field modulus.
    #[error("{field}: coordinate is not a canonical field element (>= p)")]
    NonCanonicalField {
        /// Which input.
        field: Field,
    },
    /// The coordinates describe no point of the curve.
    #[error("{field}: not a point on the curve")]
    NotOnCurve {
        /// Which input.
        field: Field,
    },
    /// The point is on the curve but outside the prime-order subgroup.
    #[error("{field}: point is not in the prime-order subgroup")]
    NotInSubgroup {
        /// Which input.
        field: Field,
    },
    /// The identity (point at infinity), which is never a valid key or signature.
    #[error("{field}: identity point (point at infinity) is not allowed")]
    Identity {
        /// Which input.
        field: Field,
    },
    /// Decoding and re-encoding disagree: the input was not the canonical encoding.
    #[error("{field}: non-canonical point encoding")]
    NonCanonicalPoint {
        /// Which input.
        field: Field,
    },
}

/// Why chain information was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChainInfoError {
    /// The document is larger than any real chain info.
    #[error("chain info is {actual} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// The cap.
        limit: usize,
        /// The size seen.
        actual: usize,
    },
    /// The JSON is malformed or a field has the wrong type.
    #[error("chain info is not valid JSON of the expected shape: {0}")]
    Json(String),
    /// A required field is absent.
    #[error("chain info lacks the `{0}` field")]
    MissingField(&'static str),
    /// The scheme ID is not one this verifier knows. There is no default.
    #[error("unknown scheme ID {0:?}")]
    UnknownScheme(String),
    /// The period is zero.
    #[error("period must be at least one second")]
    ZeroPeriod,
    /// The genesis time is negative.
    #[error("genesis time {0} is before the Unix epoch")]
    NegativeGenesis(i64),
    /// A hex field is malformed, or the public key is not a valid key for the scheme.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The hash the chain info claims for itself differs from the recomputed one.
    #[error("chain info claims chain hash {served} but its contents hash to {computed}")]
    ServedHashMismatch {
        /// The hash in the document.
        served: String,
        /// The recomputed hash.
        computed: String,
    },
    /// The recomputed chain hash differs from the one the caller pinned.
    #[error("chain hash mismatch: pinned {pinned}, chain info hashes to {computed}")]
    PinnedHashMismatch {
        /// The hash the caller expects.
        pinned: String,
        /// The recomputed hash.
        computed: String,
    },
}

/// Why a round/time conversion failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TimeError {
    /// The time is before the chain's genesis: no round exists yet.
    #[error("time {time} is before the chain's genesis at {genesis}")]
    BeforeGenesis {
        /// The time asked about (Unix seconds).
        time: u64,
        /// The chain's genesis (Unix seconds).
        genesis: u64,
    },
    /// The round due at that time does not fit in 64 bits.
    #[error("time {time} is too far past genesis for its round to fit in 64 bits")]
    TimeOverflow {
        /// The time asked about (Unix seconds).
        time: u64,
    },
    /// Round 0 has no beacon and no time.
    #[error("round 0 does not exist; round 1 is emitted at genesis")]
    RoundZero,
    /// A beacon for a round whose time has not come: only a colluding threshold of signers
    /// could have produced it, so it is reported, never silently accepted.
    #[error("round {round} is due at {due}, but it is only {now} (allowance {allowance} s)")]
    FutureRound {
        /// The round of the beacon.
        round: u64,
        /// When the round is due (Unix seconds).
        due: u64,
        /// The caller's clock (Unix seconds).
        now: u64,
        /// The clock-skew allowance granted.
        allowance: u64,
    },
    /// The result does not fit in 64 bits.
    #[error("round {round} is too far in the future to have a representable time")]
    Overflow {
        /// The round asked about.
        round: u64,
    },
}

/// Why a beacon was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VerifyError {
    /// The beacon JSON is malformed (size, shape or hex).
    #[error("malformed beacon: {0}")]
    Malformed(String),
    /// A field could not be decoded (length, hex, point encoding).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Round 0 never has a beacon.
    #[error("round 0 has no beacon; the first round is 1")]
    RoundZero,
    /// The beacon is for another round than the one asked for.
    #[error("round mismatch: asked for round {expected}, beacon is for round {actual}")]
    RoundMismatch {
        /// The round requested.
        expected: u64,
        /// The round in the beacon.
        actual: u64,
    },
    /// A chained beacon without `previous_signature`.
    #[error("round {round}: scheme {scheme} is chained and needs previous_signature")]
    MissingPreviousSignature {
        /// The beacon's round.
        round: u64,
        /// The chain's scheme ID.
        scheme: &'static str,
    },
    /// An unchained beacon that carries a `previous_signature`.
    #[error("round {round}: scheme {scheme} is unchained and must not carry previous_signature")]
    UnexpectedPreviousSignature {
        /// The beacon's round.
        round: u64,
        /// The chain's scheme ID.
        scheme: &'static str,
    },
    /// Round 1 of a chained chain must link to the genesis seed.
    #[error("round 1: previous_signature must be the chain's genesis seed")]
    GenesisSeedMismatch,
    /// The `randomness` field is not sha256 of the signature.
    #[error("round {round}: randomness field {given} != sha256(signature) {computed}")]
    RandomnessMismatch {
        /// The beacon's round.
        round: u64,
        /// The randomness the beacon claims.
        given: String,
        /// sha256 of the signature.
        computed: String,
    },
    /// The BLS pairing check failed.
    #[error(
        "round {round}: signature does not verify under the chain's key for scheme {scheme} \
         (wrong round, key, message or DST)"
    )]
    InvalidSignature {
        /// The beacon's round.
        round: u64,
        /// The chain's scheme ID.
        scheme: &'static str,
    },
    /// In a consecutive chained range, a beacon does not link to its predecessor.
    #[error("round {round}: previous_signature is not the signature of round {}", round.saturating_sub(1))]
    BrokenChain {
        /// The beacon's round.
        round: u64,
    },
}

impl DecodeError {
    /// A stable machine-readable code (used by the CLI, the npm package and the node).
    pub fn code(&self) -> &'static str {
        match self {
            DecodeError::TooLong { .. } => "TOO_LARGE",
            DecodeError::Hex { .. } => "INVALID_HEX",
            DecodeError::Length { .. } => "INVALID_LENGTH",
            DecodeError::NotCompressed { .. }
            | DecodeError::BadFlags { .. }
            | DecodeError::NonCanonicalField { .. }
            | DecodeError::NonCanonicalPoint { .. } => "NON_CANONICAL_POINT",
            DecodeError::NotOnCurve { .. } => "NOT_ON_CURVE",
            DecodeError::NotInSubgroup { .. } => "NOT_IN_SUBGROUP",
            DecodeError::Identity { .. } => "IDENTITY_POINT",
        }
    }
}

impl ChainInfoError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ChainInfoError::TooLarge { .. } => "TOO_LARGE",
            ChainInfoError::Json(_)
            | ChainInfoError::MissingField(_)
            | ChainInfoError::ZeroPeriod
            | ChainInfoError::NegativeGenesis(_) => "MALFORMED_CHAIN_INFO",
            ChainInfoError::UnknownScheme(_) => "UNKNOWN_SCHEME",
            ChainInfoError::Decode(e) => e.code(),
            ChainInfoError::ServedHashMismatch { .. }
            | ChainInfoError::PinnedHashMismatch { .. } => "CHAIN_HASH_MISMATCH",
        }
    }
}

impl TimeError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TimeError::BeforeGenesis { .. } => "BEFORE_GENESIS",
            TimeError::FutureRound { .. } => "TOO_EARLY",
            TimeError::RoundZero => "ROUND_ZERO",
            TimeError::Overflow { .. } | TimeError::TimeOverflow { .. } => "OUT_OF_RANGE",
        }
    }
}

impl VerifyError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::Malformed(_) => "MALFORMED",
            VerifyError::Decode(e) => e.code(),
            VerifyError::RoundZero => "ROUND_ZERO",
            VerifyError::RoundMismatch { .. } => "ROUND_MISMATCH",
            VerifyError::MissingPreviousSignature { .. } => "MISSING_PREVIOUS_SIGNATURE",
            VerifyError::UnexpectedPreviousSignature { .. } => "UNEXPECTED_PREVIOUS_SIGNATURE",
            VerifyError::GenesisSeedMismatch => "GENESIS_SEED_MISMATCH",
            VerifyError::RandomnessMismatch { .. } => "RANDOMNESS_MISMATCH",
            VerifyError::InvalidSignature { .. } => "INVALID_SIGNATURE",
            VerifyError::BrokenChain { .. } => "BROKEN_CHAIN",
        }
    }
}
