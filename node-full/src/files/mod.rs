//! The node's on-disk identity and group files, byte-compatible with drand v2.
//!
//! - [`layout`]: where files live (`<folder>/multibeacon/<id>/{key,groups,db}`), safe folder
//!   creation (0700), atomic writes (secrets 0600), backups, no symbolic links followed.
//! - [`keys`]: `drand_id.private` / `drand_id.public` and the safe `generate-keypair` flow.
//! - [`identity`]: a node's public identity and its self-signature.
//! - [`group`]: the group TOML, the group hash (genesis seed) and the chain info.
//! - [`share`]: the key share `dist_key.private`.
//! - [`duration`]: Go duration strings (`"30s"`, `"1m0s"`).
//! - [`address`]: `host:port` validation.
//! - [`proposal`]: the DKG proposal file (`dkg init|reshare --proposal`).

pub mod address;
pub mod duration;
mod encoding;
mod error;
pub mod group;
pub mod identity;
pub mod keys;
pub mod layout;
pub mod proposal;
pub mod share;

pub use address::validate_address;
pub use error::FilesError;
pub use group::{Group, GroupNode};
pub use identity::Identity;
pub use keys::{
    ForceConfirm, GeneratedKeyPair, KeyPairFiles, LoadedKeyPair, SchemeMigration, generate_keypair,
    load_keypair,
};
pub use layout::BeaconPaths;
pub use proposal::{ProposalFile, ProposalParticipant};
pub use share::KeyShare;
