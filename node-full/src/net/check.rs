//! `util check`: dial peers through the real client path and report what each one is.

use std::fmt;

use super::client::{BeaconTarget, PeerClient, TransportMode};
use super::connector::ConnectionInfo;
use super::errors::{Dialed, NetError};
use super::version;

/// What a peer said about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedIdentity {
    /// The address in the peer's identity (should equal the dialed one).
    pub advertised_address: String,
    /// Whether it equals the dialed address.
    pub address_matches: bool,
    /// The peer's public key.
    pub key: Vec<u8>,
    /// The scheme name in the identity.
    pub scheme: String,
    /// The identity's self-signature (not verified here).
    pub signature: Vec<u8>,
    /// The beacon ID the peer answered for.
    pub beacon_id: String,
    /// The version the peer advertised, if any.
    pub version: Option<String>,
}

/// The outcome for one address.
#[derive(Clone, Debug)]
pub struct CheckReport {
    /// The address as given.
    pub address: String,
    /// How it was dialed.
    pub dialed: Dialed,
    /// What the connection negotiated (TLS version, ALPN), when it was established.
    pub connection: Option<ConnectionInfo>,
    /// The identity, or why it could not be obtained.
    pub outcome: Result<CheckedIdentity, NetError>,
}

impl CheckReport {
    /// Whether the peer answered and advertises the address we dialed.
    pub fn is_ok(&self) -> bool {
        matches!(&self.outcome, Ok(id) if id.address_matches)
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Err(err) => write!(f, "FAIL {} ({} dial): {err}", self.address, self.dialed),
            Ok(id) => {
                let status = if id.address_matches { "OK  " } else { "WARN" };
                let conn = self
                    .connection
                    .as_ref()
                    .map_or_else(|| self.dialed.to_string(), ToString::to_string);
                write!(
                    f,
                    "{status} {} [{conn}] beacon {:?}, scheme {}, version {}, key {}",
                    self.address,
                    id.beacon_id,
                    if id.scheme.is_empty() {
                        "(none)"
                    } else {
                        &id.scheme
                    },
                    id.version.as_deref().unwrap_or("(not sent)"),
                    drand_lite::hex::encode(&id.key)
                )?;
                if !id.address_matches {
                    write!(
                        f,
                        "; it advertises {:?}, not the dialed address",
                        id.advertised_address
                    )?;
                }
                Ok(())
            }
        }
    }
}

/// Dials every address in `mode` (concurrently), calls `GetIdentity` for `target` and reports
/// identity, transport and version, or the reason in words (including transport mismatches).
pub async fn check_addresses(
    addresses: &[String],
    mode: &TransportMode,
    target: &BeaconTarget,
) -> Vec<CheckReport> {
    let checks = addresses
        .iter()
        .map(|address| check_one(address, mode, target));
    futures_util::future::join_all(checks).await
}

async fn check_one(address: &str, mode: &TransportMode, target: &BeaconTarget) -> CheckReport {
    let dialed = mode.dialed();
    let client = match PeerClient::connect(address, mode) {
        Ok(client) => client,
        Err(err) => {
            return CheckReport {
                address: address.to_owned(),
                dialed,
                connection: None,
                outcome: Err(err),
            };
        }
    };
    let outcome = client.get_identity(target).await.map(|id| {
        let meta = id.metadata.unwrap_or_default();
        CheckedIdentity {
            address_matches: id.address == client.address(),
            advertised_address: id.address,
            key: id.key,
            scheme: id.scheme_name,
            signature: id.signature,
            beacon_id: meta.beacon_id,
            version: meta.node_version.as_ref().map(version::display),
        }
    });
    CheckReport {
        address: address.to_owned(),
        dialed,
        connection: client.connection_info(),
        outcome,
    }
}
