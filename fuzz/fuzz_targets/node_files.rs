//! Arbitrary text as each file the node reads: the group file, `drand_id.private`,
//! `drand_id.public`, the key share `dist_key.private`, and the Go durations and addresses
//! inside them.
//!
//! Beyond "never panics", it checks that:
//! - a group file that parses is written back (`to_toml`) as text that parses to the same group,
//!   and then to the same text (drand's byte-exact layout is a fixed point);
//! - a key share that parses is written back as text that parses to the same share;
//! - a Go duration of whole seconds survives `format_go_duration` → `parse_go_duration_nanos`,
//!   and `parse_go_duration_secs` agrees with `parse_go_duration_nanos`.
#![no_main]

use drand_lite::Scheme;
use drand_node::files::duration::{
    format_go_duration, parse_go_duration_nanos, parse_go_duration_secs,
};
use drand_node::files::keys::{parse_private_key, parse_public_key};
use drand_node::files::layout::validate_beacon_id;
use drand_node::files::{Group, KeyShare, validate_address};
use libfuzzer_sys::fuzz_target;

const NANOS_PER_SEC: u128 = 1_000_000_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    match Group::from_toml(text) {
        Ok(group) => {
            let written = group.to_toml();
            let back = Group::from_toml(&written)
                .unwrap_or_else(|e| panic!("written group does not parse: {e}\n{written}"));
            assert_eq!(back, group, "written group differs\n{written}");
            assert_eq!(back.to_toml(), written, "group text is not a fixed point");
            let _ = group.hash();
            let _ = group.chain_info().map(|info| info.hash());
            let _ = group.public_poly().map(|p| p.threshold());
            let _ = group.verify_self_signatures().map_err(|e| e.to_string());
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }

    if let Err(e) = parse_private_key(text) {
        let _ = e.to_string();
    }
    match parse_public_key(text) {
        Ok(public) => {
            let _ = validate_address(&public.address).map_err(|e| e.to_string());
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }

    for group_scheme in [
        None,
        Some(Scheme::PedersenBlsChained),
        Some(Scheme::BlsUnchainedG1Rfc9380),
    ] {
        match KeyShare::from_toml(text, group_scheme) {
            Ok(share) => {
                let written = share.to_toml();
                let back = KeyShare::from_toml(&written, Some(share.share.scheme()))
                    .unwrap_or_else(|e| panic!("written share does not parse: {e}"));
                assert_eq!(back, share, "written share differs");
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }

    // Short inputs are what durations, addresses and IDs look like.
    if text.len() <= 64 {
        let nanos = parse_go_duration_nanos(text);
        let secs = parse_go_duration_secs(text);
        match &nanos {
            Ok(n) if n % NANOS_PER_SEC == 0 => {
                let whole = u64::try_from(n / NANOS_PER_SEC).expect("bounded by the parser");
                assert_eq!(
                    parse_go_duration_nanos(&format_go_duration(whole)).ok(),
                    Some(*n),
                    "{text:?} does not survive formatting"
                );
                match u32::try_from(whole) {
                    Ok(s) => assert_eq!(secs.ok(), Some(s), "{text:?}"),
                    Err(_) => assert!(secs.is_err(), "{text:?}"),
                }
            }
            Ok(_) => assert!(secs.is_err(), "{text:?} has a fraction of a second"),
            Err(_) => assert!(secs.is_err(), "{text:?}"),
        }
        let _ = validate_address(text).map_err(|e| e.to_string());
        let _ = validate_beacon_id(text).map_err(|e| e.to_string());
    }
});
