//! The node version advertised in every `Metadata`, and drand's compatibility rule.
//!
//! drand rejects a request whose sender has a different major version, or a minor version more
//! than one away from its own, with `PermissionDenied`. A request without a version is accepted.

use crate::proto::NodeVersion;

/// Major version we advertise: drand v2.
pub const MAJOR: u32 = 2;
/// Minor version we advertise: drand 2.1 (compatible with 2.0 and 2.2 nodes).
pub const MINOR: u32 = 1;
/// Patch version we advertise (not part of the compatibility rule).
pub const PATCH: u32 = 5;

/// The version this node advertises to peers.
pub fn ours() -> NodeVersion {
    NodeVersion {
        major: MAJOR,
        minor: MINOR,
        patch: PATCH,
        prerelease: None,
    }
}

/// Whether a peer advertising `theirs` may talk to us (same major, minor at most one apart).
pub fn is_compatible(theirs: &NodeVersion) -> bool {
    theirs.major == MAJOR && theirs.minor.abs_diff(MINOR) <= 1
}

/// Human form `major.minor.patch[-prerelease]`, for messages.
pub fn display(v: &NodeVersion) -> String {
    match v.prerelease.as_deref() {
        Some(pre) if !pre.is_empty() => format!("{}.{}.{}-{pre}", v.major, v.minor, v.patch),
        _ => format!("{}.{}.{}", v.major, v.minor, v.patch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(major: u32, minor: u32) -> NodeVersion {
        NodeVersion {
            major,
            minor,
            patch: 9,
            prerelease: None,
        }
    }

    #[test]
    fn gate_follows_drand() {
        assert!(is_compatible(&v(2, 0)));
        assert!(is_compatible(&v(2, 1)));
        assert!(is_compatible(&v(2, 2)));
        assert!(!is_compatible(&v(2, 3)));
        assert!(!is_compatible(&v(1, 1)));
        assert!(!is_compatible(&v(3, 1)));
        assert!(!is_compatible(&v(u32::MAX, u32::MAX)));
    }

    #[test]
    fn display_includes_prerelease() {
        let mut x = v(2, 1);
        assert_eq!(display(&x), "2.1.9");
        x.prerelease = Some("rc1".into());
        assert_eq!(display(&x), "2.1.9-rc1");
    }
}
