//! Validation of the `host:port` address a node advertises in its identity: peers dial exactly
//! this string, so a typo here makes the node unreachable for the whole group.

use super::FilesError;

/// The longest hostname DNS allows.
const MAX_HOST_LEN: usize = 253;

/// Checks that `address` is `host:port` (or `[ipv6]:port`) with a port in 1..=65535.
pub fn validate_address(address: &str) -> Result<(), FilesError> {
    let bad = |reason| FilesError::InvalidAddress {
        address: address.to_owned(),
        reason,
    };
    if address.contains("://") {
        return Err(bad("give HOST:PORT without a scheme such as `https://`"));
    }
    let (host, port) = address
        .rsplit_once(':')
        .ok_or_else(|| bad("missing `:port`"))?;
    if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("the port must be a number"));
    }
    match port.parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) => {}
        _ => return Err(bad("the port must be between 1 and 65535")),
    }
    if let Some(inner) = host.strip_prefix('[') {
        let ip = inner
            .strip_suffix(']')
            .ok_or_else(|| bad("unclosed `[` around an IPv6 address"))?;
        ip.parse::<std::net::Ipv6Addr>()
            .map_err(|_| bad("not an IPv6 address inside `[...]`"))?;
        return Ok(());
    }
    if host.is_empty() {
        return Err(bad("missing host"));
    }
    if host.len() > MAX_HOST_LEN {
        return Err(bad("the host name is longer than 253 characters"));
    }
    if host.contains(':') {
        return Err(bad("an IPv6 address must be written as `[addr]:port`"));
    }
    if !host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    {
        return Err(bad(
            "the host may only contain letters, digits, `.`, `-` and `_`",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_named_as_such() {
        let err = validate_address("http://host:1234")
            .unwrap_err()
            .to_string();
        assert!(err.contains("without a scheme"), "{err}");
    }

    #[test]
    fn accepts_real_addresses() {
        for ok in [
            "127.0.0.1:8080",
            "drand.example.com:443",
            "pl2-rpc.incentinet.drand.sh:443",
            "[::1]:4444",
            "localhost:1",
            "a:65535",
        ] {
            validate_address(ok).unwrap();
        }
    }

    #[test]
    fn refuses_bad_addresses() {
        for bad in [
            "",
            "host",
            "host:",
            ":443",
            "host:0",
            "host:65536",
            "host:-1",
            "host:+1",
            "host:99999999999",
            "::1:443",
            "[::1:443",
            "[zz]:443",
            "ho st:443",
            "host/x:443",
            "https://host:443",
            "host:443\n",
        ] {
            assert!(validate_address(bad).is_err(), "{bad:?}");
        }
    }
}
