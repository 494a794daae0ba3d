//! Peer addresses: `HOST:PORT` exactly as written in identities and group files.

use std::fmt;
use std::str::FromStr;

use rustls::pki_types::ServerName;

use super::errors::NetError;

/// A validated `HOST:PORT` peer address (a DNS name, an IPv4 address, or `[IPv6]`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PeerAddress {
    text: String,
    host: String,
    port: u16,
}

impl PeerAddress {
    /// Parses `HOST:PORT`. A scheme (`https://`), a path or user info is refused with a hint,
    /// because drand identities carry bare `host:port` strings.
    pub fn parse(input: &str) -> Result<Self, NetError> {
        let bad = |reason: &str| NetError::InvalidAddress {
            address: input.chars().take(200).collect(),
            reason: reason.to_owned(),
        };
        let text = input.trim();
        if text.is_empty() {
            return Err(bad("it is empty"));
        }
        if text.contains("://") {
            return Err(bad(
                "give HOST:PORT without a scheme (the transport is set per group)",
            ));
        }
        if text.contains(['/', '@', '?', '#']) || text.chars().any(char::is_whitespace) {
            return Err(bad("expected HOST:PORT with no path, user or spaces"));
        }
        let authority =
            http::uri::Authority::from_str(text).map_err(|_| bad("not a valid HOST:PORT"))?;
        let port = authority
            .port_u16()
            .ok_or_else(|| bad("the port is missing"))?;
        if port == 0 {
            return Err(bad("port 0 cannot be dialed"));
        }
        let host = authority.host();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if bare.is_empty() {
            return Err(bad("the host is missing"));
        }
        ServerName::try_from(bare.to_owned())
            .map_err(|_| bad("the host is not a valid DNS name or IP address"))?;
        Ok(Self {
            text: text.to_owned(),
            host: bare.to_owned(),
            port,
        })
    }

    /// The host without IPv6 brackets (for DNS resolution and TLS server names).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The address as given (trimmed), e.g. `node1.example.org:443`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The TLS server name the peer's certificate must be valid for.
    pub fn server_name(&self) -> ServerName<'static> {
        // Validated in `parse`; fall back to the loopback address rather than panic.
        ServerName::try_from(self.host.clone())
            .unwrap_or_else(|_| ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()))
    }
}

impl fmt::Display for PeerAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for PeerAddress {
    type Err = NetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_host_port_forms() {
        let a = PeerAddress::parse("node1.example.org:443").unwrap();
        assert_eq!((a.host(), a.port()), ("node1.example.org", 443));
        let b = PeerAddress::parse("127.0.0.1:8080").unwrap();
        assert_eq!(b.host(), "127.0.0.1");
        let c = PeerAddress::parse("[::1]:4444").unwrap();
        assert_eq!((c.host(), c.as_str()), ("::1", "[::1]:4444"));
    }

    #[test]
    fn refuses_bad_forms_in_words() {
        for bad in [
            "",
            "host",
            "https://a:1",
            "a:0",
            "a:99999",
            "a:1/x",
            "u@a:1",
            ":80",
            "a b:1",
        ] {
            let err = PeerAddress::parse(bad).unwrap_err().to_string();
            assert!(err.contains("invalid peer address"), "{bad}: {err}");
        }
        assert!(
            PeerAddress::parse("https://a:1")
                .unwrap_err()
                .to_string()
                .contains("without a scheme")
        );
    }
}
