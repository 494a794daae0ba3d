//! The relay HTTP API paths: v1 (`/{hash}/public/{round}`, served by every relay) and v2
//! (`/v2/chains/{hash}/rounds/{round}`, served by newer relays and our node).

use crate::chain::ChainHash;

/// Which relay API to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiVersion {
    /// `/{chainhash}/info`, `/{chainhash}/public/{round}`.
    #[default]
    V1,
    /// `/v2/chains/{chainhash}/info`, `/v2/chains/{chainhash}/rounds/{round}`.
    V2,
}

/// The chain info URL.
pub fn info_url(base: &str, hash: &ChainHash, api: ApiVersion) -> String {
    match api {
        ApiVersion::V1 => format!("{base}/{hash}/info"),
        ApiVersion::V2 => format!("{base}/v2/chains/{hash}/info"),
    }
}

/// The URL of one round.
pub fn round_url(base: &str, hash: &ChainHash, round: u64, api: ApiVersion) -> String {
    match api {
        ApiVersion::V1 => format!("{base}/{hash}/public/{round}"),
        ApiVersion::V2 => format!("{base}/v2/chains/{hash}/rounds/{round}"),
    }
}

/// Whether an HTTP status means "this round does not exist yet" (425 Too Early from v2 relays
/// and our node, 404 from older relays) rather than a relay failure.
pub fn is_not_yet(status: u16) -> bool {
    status == 425 || status == 404
}
