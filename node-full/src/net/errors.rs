//! Typed network errors whose messages say what went wrong and whose side it is on.
//!
//! The important case is a transport mismatch (TLS against plaintext, or either against an
//! HTTP/1.1 server): it is named in words, and the message says that no fallback was tried,
//! because a silent TLS→plaintext fallback hid misconfigurations in drand's 2024 testnet outage.

use std::fmt;
use std::time::Duration;

/// How we dialed a peer (the group's transport, never switched at run time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialed {
    /// gRPC over TLS 1.2+ with ALPN `h2`.
    Tls,
    /// gRPC over plaintext HTTP/2 (explicit local/devnet groups only).
    Plaintext,
}

impl fmt::Display for Dialed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Tls => "TLS",
            Self::Plaintext => "plaintext",
        })
    }
}

/// What a peer's listener turned out to speak, judged from the first bytes it answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeerSpeaks {
    /// A TLS server (it answered with a TLS record).
    Tls,
    /// TLS, but it did not agree to HTTP/2 through ALPN (typically an HTTP/1.1-only proxy).
    TlsWithoutHttp2,
    /// Plaintext HTTP/2 (h2c): it sent HTTP/2 frames.
    PlaintextHttp2,
    /// An HTTP/1.x server (it answered `HTTP/1.x ...`).
    Http1,
    /// It accepted the TCP connection and closed it without answering.
    ClosedSilently,
    /// It accepted the TCP connection and said nothing within the probe timeout.
    NoAnswer,
    /// Something else; the first bytes in hex.
    Unrecognised(String),
}

impl fmt::Display for PeerSpeaks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tls => f.write_str("TLS"),
            Self::TlsWithoutHttp2 => f.write_str("TLS without HTTP/2 (no ALPN h2)"),
            Self::PlaintextHttp2 => f.write_str("plaintext HTTP/2 (h2c)"),
            Self::Http1 => f.write_str("HTTP/1.1"),
            Self::ClosedSilently => f.write_str("nothing (closed the connection)"),
            Self::NoAnswer => f.write_str("nothing (no answer)"),
            Self::Unrecognised(hex) => write!(f, "an unrecognised protocol (first bytes {hex})"),
        }
    }
}

/// Why a call to a peer failed.
#[derive(Clone, Debug, thiserror::Error)]
pub enum NetError {
    /// The address is not a dialable `HOST:PORT` (our input's fault).
    #[error("invalid peer address {address:?}: {reason}")]
    InvalidAddress {
        /// The address as given (truncated).
        address: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The peer's listener speaks another transport than the group's.
    #[error("{}", mismatch_words(peer, *dialed, peer_speaks))]
    ProtocolMismatch {
        /// The peer address.
        peer: String,
        /// How we dialed.
        dialed: Dialed,
        /// What the peer answered with.
        peer_speaks: PeerSpeaks,
    },
    /// The peer's TLS certificate was not accepted.
    #[error("TLS certificate of peer {peer} was rejected: {reason}")]
    Certificate {
        /// The peer address.
        peer: String,
        /// Why, in words.
        reason: String,
    },
    /// The TLS handshake failed for another reason.
    #[error("TLS handshake with peer {peer} failed: {reason}")]
    Tls {
        /// The peer address.
        peer: String,
        /// The TLS library's reason.
        reason: String,
    },
    /// The TCP connection could not be made (refused, unreachable, unknown host).
    #[error("could not connect to peer {peer}: {reason}")]
    Connect {
        /// The peer address.
        peer: String,
        /// The system's reason.
        reason: String,
    },
    /// The peer did not answer in time.
    #[error("peer {peer} did not answer {operation} within {} ms", after.as_millis())]
    Timeout {
        /// The peer address.
        peer: String,
        /// The call or step that timed out.
        operation: &'static str,
        /// The time budget.
        after: Duration,
    },
    /// The peer answered the call with a gRPC error (its decision, e.g. `PermissionDenied` for an
    /// incompatible version, `NotFound` for an unknown beacon).
    #[error("peer {peer} refused {operation}: {code:?}: {message}")]
    Rpc {
        /// The peer address.
        peer: String,
        /// The call.
        operation: &'static str,
        /// The gRPC status code.
        code: tonic::Code,
        /// The peer's message.
        message: String,
    },
    /// The HTTP/2 connection failed after it was set up (reset, protocol error, closed).
    #[error("connection to peer {peer} failed during {operation}: {detail}")]
    Transport {
        /// The peer address.
        peer: String,
        /// The call.
        operation: &'static str,
        /// The error chain, in words.
        detail: String,
    },
}

impl NetError {
    /// The gRPC status code when the peer itself answered with an error.
    pub fn rpc_code(&self) -> Option<tonic::Code> {
        match self {
            Self::Rpc { code, .. } => Some(*code),
            _ => None,
        }
    }
}

fn mismatch_words(peer: &str, dialed: Dialed, speaks: &PeerSpeaks) -> String {
    const NO_FALLBACK: &str = "(no fallback is attempted)";
    match (dialed, speaks) {
        (Dialed::Tls, PeerSpeaks::PlaintextHttp2) => format!(
            "peer {peer} answered in plaintext HTTP/2, but this group uses TLS; check the peer's \
             listener or reverse proxy (it must terminate TLS on this address) {NO_FALLBACK}"
        ),
        (Dialed::Tls, PeerSpeaks::Http1) => format!(
            "peer {peer} answered in plaintext HTTP/1.1, but this group uses gRPC over TLS; this \
             port is an HTTP/1.1 server or a proxy without TLS and http2 {NO_FALLBACK}"
        ),
        (Dialed::Tls, PeerSpeaks::TlsWithoutHttp2) => format!(
            "peer {peer} completed TLS but did not agree to HTTP/2 (ALPN h2); it looks like an \
             HTTP/1.1-only endpoint, e.g. a reverse proxy without http2 enabled {NO_FALLBACK}"
        ),
        (Dialed::Tls, PeerSpeaks::ClosedSilently | PeerSpeaks::NoAnswer) => format!(
            "peer {peer} did not answer our TLS handshake ({speaks}); it may be a plaintext \
             listener or a proxy that refused us {NO_FALLBACK}"
        ),
        (Dialed::Plaintext, PeerSpeaks::Tls | PeerSpeaks::TlsWithoutHttp2) => format!(
            "peer {peer} answered with TLS, but this group was created as a plaintext local \
             network; the peer expects TLS {NO_FALLBACK}"
        ),
        (Dialed::Plaintext, PeerSpeaks::Http1) => format!(
            "peer {peer} answered in HTTP/1.1, but gRPC needs HTTP/2; this port is an HTTP/1.1 \
             server or proxy, not a node's gRPC listener {NO_FALLBACK}"
        ),
        (dialed, speaks) => format!(
            "peer {peer} answered with {speaks}, which does not match this group's {dialed} \
             transport {NO_FALLBACK}"
        ),
    }
}

/// Why a listener could not be started or stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The control listener must stay on the loopback interface (it has no authentication).
    #[error(
        "refusing to serve the control API on {0}: it has no authentication, bind it to 127.0.0.1 or ::1"
    )]
    ControlNotLoopback(std::net::SocketAddr),
    /// The listening socket failed.
    #[error("listener error: {0}")]
    Io(#[from] std::io::Error),
    /// The gRPC server failed.
    #[error("gRPC server error: {0}")]
    Server(#[from] tonic::transport::Error),
}

/// Text of an error and all its sources, `a: b: c`, for messages and logs.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut next = err.source();
    let mut depth = 0;
    while let Some(e) = next {
        let text = e.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = e.source();
        depth += 1;
        if depth > 16 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatch_messages_say_what_and_no_fallback() {
        let e = NetError::ProtocolMismatch {
            peer: "127.0.0.1:1234".into(),
            dialed: Dialed::Tls,
            peer_speaks: PeerSpeaks::PlaintextHttp2,
        };
        let s = e.to_string();
        assert!(s.contains("answered in plaintext"), "{s}");
        assert!(s.contains("this group uses TLS"), "{s}");
        assert!(s.contains("no fallback"), "{s}");
        let e = NetError::ProtocolMismatch {
            peer: "p:1".into(),
            dialed: Dialed::Plaintext,
            peer_speaks: PeerSpeaks::Tls,
        };
        assert!(e.to_string().contains("answered with TLS"));
    }
}
