//! The node's on-disk identity and group files, byte-compatible with drand v2.
//!
//! - [`layout`]: where files live (`<folder>/multibeacon/<id>/{key,groups,db}`), safe folder
//!   creation, atomic writes (secrets 0600), backups, no symbolic links followed.
//! - [`group`]: the group TOML, the group hash (genesis seed) and the chain info.
//! - [`duration`]: Go duration strings (`"30s"`, `"1m0s"`).
//! - [`address`]: `host:port` validation.

pub mod address;
pub mod duration;
mod encoding;
mod error;
pub mod group;
pub mod layout;

pub use address::validate_address;
pub use error::FilesError;
pub use group::{Group, GroupNode};
pub use layout::BeaconPaths;
