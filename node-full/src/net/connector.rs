//! The dialer tonic uses for every peer connection: TCP, then TLS (or nothing, for explicit
//! plaintext groups). A failed TLS handshake is explained from the first bytes the peer sent,
//! so "corrupt message" becomes "answered in plaintext HTTP/2". There is no second attempt in
//! the other transport.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::address::PeerAddress;
use super::errors::{Dialed, NetError, PeerSpeaks};
use super::probe::classify_reply;
use super::tls::ALPN_H2;

/// Time budget for the TCP connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time budget for the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How many of the peer's first bytes are kept to explain a failed handshake.
const RECORD: usize = 24;

/// What the last connection to a peer negotiated (for `util check` and logs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// The transport used.
    pub dialed: Dialed,
    /// TLS protocol version, e.g. `TLS 1.3`.
    pub tls_version: Option<String>,
    /// The ALPN protocol agreed, e.g. `h2`.
    pub alpn: Option<String>,
    /// The cipher suite agreed.
    pub cipher_suite: Option<String>,
}

impl std::fmt::Display for ConnectionInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.dialed {
            Dialed::Plaintext => f.write_str("plaintext HTTP/2"),
            Dialed::Tls => write!(
                f,
                "{}, ALPN {}, {}",
                self.tls_version.as_deref().unwrap_or("TLS"),
                self.alpn.as_deref().unwrap_or("none"),
                self.cipher_suite
                    .as_deref()
                    .unwrap_or("unknown cipher suite")
            ),
        }
    }
}

/// Shared slot where the dialer leaves the last connection's details.
pub(crate) type InfoSlot = Arc<Mutex<Option<ConnectionInfo>>>;

/// A tower `Service<Uri>` that ignores the URI and dials its one peer.
#[derive(Clone)]
pub(crate) struct Dialer {
    pub(crate) peer: PeerAddress,
    pub(crate) tls: Option<Arc<ClientConfig>>,
    pub(crate) info: InfoSlot,
}

impl tower::Service<http::Uri> for Dialer {
    type Response = TokioIo<PeerStream>;
    type Error = NetError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, NetError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), NetError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _uri: http::Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { this.dial().await.map(TokioIo::new) })
    }
}

impl Dialer {
    fn remember(&self, info: ConnectionInfo) {
        *self.info.lock().unwrap_or_else(PoisonError::into_inner) = Some(info);
    }

    async fn dial(&self) -> Result<PeerStream, NetError> {
        let peer = self.peer.to_string();
        let connect = TcpStream::connect((self.peer.host(), self.peer.port()));
        let tcp = match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
            Err(_) => {
                return Err(NetError::Timeout {
                    peer,
                    operation: "the TCP connection",
                    after: CONNECT_TIMEOUT,
                });
            }
            Ok(Err(e)) => {
                return Err(NetError::Connect {
                    peer,
                    reason: e.to_string(),
                });
            }
            Ok(Ok(tcp)) => tcp,
        };
        // Latency matters more than throughput for partials.
        let _ = tcp.set_nodelay(true);
        let Some(config) = &self.tls else {
            self.remember(ConnectionInfo {
                dialed: Dialed::Plaintext,
                tls_version: None,
                alpn: None,
                cipher_suite: None,
            });
            return Ok(PeerStream::Plain(tcp));
        };
        let connector = tokio_rustls::TlsConnector::from(config.clone());
        let handshake = connector
            .connect(
                self.peer.server_name(),
                Recorder {
                    inner: tcp,
                    seen: Vec::new(),
                },
            )
            .into_fallible();
        let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
            Err(_) => {
                return Err(NetError::Timeout {
                    peer,
                    operation: "the TLS handshake",
                    after: HANDSHAKE_TIMEOUT,
                });
            }
            Ok(Err((err, recorder))) => {
                return Err(explain_handshake(&self.peer, &err, &recorder.seen));
            }
            Ok(Ok(tls)) => tls,
        };
        let conn = tls.get_ref().1;
        if conn.alpn_protocol() != Some(ALPN_H2) {
            return Err(NetError::ProtocolMismatch {
                peer,
                dialed: Dialed::Tls,
                peer_speaks: PeerSpeaks::TlsWithoutHttp2,
            });
        }
        self.remember(ConnectionInfo {
            dialed: Dialed::Tls,
            tls_version: conn.protocol_version().map(|v| match v {
                rustls::ProtocolVersion::TLSv1_2 => "TLS 1.2".to_owned(),
                rustls::ProtocolVersion::TLSv1_3 => "TLS 1.3".to_owned(),
                other => format!("{other:?}"),
            }),
            alpn: conn
                .alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned()),
            cipher_suite: conn
                .negotiated_cipher_suite()
                .map(|s| format!("{:?}", s.suite())),
        });
        Ok(PeerStream::Tls(Box::new(tls)))
    }
}

/// Turns a failed TLS handshake into words, using what the peer sent back.
fn explain_handshake(peer: &PeerAddress, err: &io::Error, seen: &[u8]) -> NetError {
    let peer_text = peer.to_string();
    let rustls_err = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    if let Some(rustls::Error::InvalidCertificate(cert)) = rustls_err {
        return NetError::Certificate {
            peer: peer_text,
            reason: certificate_words(cert, peer),
        };
    }
    match classify_reply(seen) {
        PeerSpeaks::Tls => NetError::Tls {
            peer: peer_text,
            reason: rustls_err.map_or_else(|| err.to_string(), ToString::to_string),
        },
        speaks => NetError::ProtocolMismatch {
            peer: peer_text,
            dialed: Dialed::Tls,
            peer_speaks: speaks,
        },
    }
}

fn certificate_words(err: &rustls::CertificateError, peer: &PeerAddress) -> String {
    use rustls::CertificateError as C;
    match err {
        C::UnknownIssuer => "it is not signed by a certificate authority this node trusts \
                             (wrong CA file, or a self-signed certificate)"
            .to_owned(),
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            format!(
                "it is not valid for {:?} (the host in the peer's address)",
                peer.host()
            )
        }
        C::Expired | C::ExpiredContext { .. } => "it has expired".to_owned(),
        C::NotValidYet | C::NotValidYetContext { .. } => {
            "it is not valid yet (check the clocks)".to_owned()
        }
        C::BadSignature => "it is not signed by a certificate authority this node trusts \
                            (its signature does not verify: another CA with the same name, \
                            e.g. a different devnet CA, or a tampered certificate)"
            .to_owned(),
        C::Revoked => "it has been revoked".to_owned(),
        other => format!("{other}"),
    }
}

/// A TCP stream that keeps the first bytes it reads, to explain a failed handshake.
pub(crate) struct Recorder {
    inner: TcpStream,
    seen: Vec<u8>,
}

impl AsyncRead for Recorder {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && this.seen.len() < RECORD {
            let fresh = buf.filled().get(before..).unwrap_or_default();
            let room = RECORD.saturating_sub(this.seen.len());
            this.seen.extend(fresh.iter().take(room));
        }
        result
    }
}

impl AsyncWrite for Recorder {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A connection to a peer: plaintext TCP or TLS over TCP.
pub(crate) enum PeerStream {
    /// Plaintext (explicit plaintext groups only).
    Plain(TcpStream),
    /// TLS.
    Tls(Box<tokio_rustls::client::TlsStream<Recorder>>),
}

impl AsyncRead for PeerStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for PeerStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }
    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Plain(s) => s.is_write_vectored(),
            Self::Tls(s) => s.is_write_vectored(),
        }
    }
}
