//! Naming what a peer's listener speaks, from the first bytes it sends back.
//!
//! Used after a failed call to turn "connection closed" / "frame too large" into words such
//! as "answered in plaintext HTTP/2". The probe opens its own short TCP connection, sends a TLS
//! ClientHello and reads the reply; it never sends an RPC and is bounded by a timeout.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::address::PeerAddress;
use super::errors::PeerSpeaks;

/// How many reply bytes are enough to classify a listener.
const ENOUGH: usize = 24;

/// Classifies a listener from the first bytes it answered with.
pub fn classify_reply(bytes: &[u8]) -> PeerSpeaks {
    match bytes {
        [] => PeerSpeaks::ClosedSilently,
        // TLS record header: content type 20..=23, then protocol version major 3.
        [0x14..=0x17, 0x03, ..] => PeerSpeaks::Tls,
        [0x14..=0x17] => PeerSpeaks::Tls,
        _ if bytes.starts_with(b"HTTP/") || b"HTTP/".starts_with(bytes) => PeerSpeaks::Http1,
        // HTTP/2 frame header: 24-bit length, type (SETTINGS = 4, GOAWAY = 7), flags, stream 0.
        [_, _, _, 0x04 | 0x07, _, s0, s1, s2, s3, ..] if [*s0 & 0x7f, *s1, *s2, *s3] == [0; 4] => {
            PeerSpeaks::PlaintextHttp2
        }
        _ => PeerSpeaks::Unrecognised(
            bytes
                .iter()
                .take(12)
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        ),
    }
}

/// A TLS ClientHello for `peer` (what any TLS server answers with a ServerHello or an alert).
fn client_hello(peer: &PeerAddress) -> Vec<u8> {
    let mut out = Vec::new();
    // The handshake is never completed, so no trust roots are needed to produce the hello.
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map(|b| {
        let mut c = b
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        c.alpn_protocols = vec![super::tls::ALPN_H2.to_vec()];
        std::sync::Arc::new(c)
    });
    if let Ok(config) = config
        && let Ok(mut conn) = rustls::ClientConnection::new(config, peer.server_name())
    {
        // Writing to a Vec cannot fail.
        let _ = conn.write_tls(&mut out);
    }
    out
}

/// Dials `peer` on a fresh TCP connection, sends a TLS ClientHello and classifies the reply.
/// Returns `None` when the TCP connection itself fails (nothing to classify). Never takes longer
/// than about twice `timeout`.
pub async fn probe(peer: &PeerAddress, timeout: Duration) -> Option<PeerSpeaks> {
    let connect = TcpStream::connect((peer.host(), peer.port()));
    let mut stream = tokio::time::timeout(timeout, connect).await.ok()?.ok()?;
    let hello = client_hello(peer);
    let exchange = async {
        stream.write_all(&hello).await?;
        let mut buf = [0u8; ENOUGH];
        let mut filled = 0;
        while filled < ENOUGH {
            let Some(rest) = buf.get_mut(filled..) else {
                break;
            };
            match stream.read(rest).await {
                Ok(0) => break,
                Ok(n) => filled = filled.saturating_add(n),
                // A reset after some bytes still leaves something to classify.
                Err(_) if filled > 0 => break,
                Err(e) => return Err(e),
            }
        }
        Ok::<_, std::io::Error>(buf.get(..filled).unwrap_or_default().to_vec())
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok(bytes)) => Some(classify_reply(&bytes)),
        Ok(Err(_)) => Some(PeerSpeaks::ClosedSilently),
        Err(_) => Some(PeerSpeaks::NoAnswer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_known_openings() {
        assert_eq!(
            classify_reply(&[0x16, 0x03, 0x03, 0x00, 0x7a]),
            PeerSpeaks::Tls
        );
        assert_eq!(
            classify_reply(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x32]),
            PeerSpeaks::Tls
        );
        assert_eq!(
            classify_reply(b"HTTP/1.1 400 Bad Request\r\n"),
            PeerSpeaks::Http1
        );
        assert_eq!(classify_reply(b"HTT"), PeerSpeaks::Http1);
        let settings = [0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0x64];
        assert_eq!(classify_reply(&settings), PeerSpeaks::PlaintextHttp2);
        let goaway = [0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        assert_eq!(classify_reply(&goaway), PeerSpeaks::PlaintextHttp2);
        assert_eq!(classify_reply(&[]), PeerSpeaks::ClosedSilently);
        assert!(matches!(
            classify_reply(b"SSH-2.0-x"),
            PeerSpeaks::Unrecognised(_)
        ));
    }

    #[test]
    fn client_hello_is_a_tls_record() {
        let hello = client_hello(&PeerAddress::parse("127.0.0.1:1").unwrap());
        assert_eq!(hello.get(..2), Some(&[0x16, 0x03][..]));
    }
}
