//! TLS configuration (rustls with the ring provider) and a throwaway devnet CA (rcgen).
//!
//! Server: certificate chain and private key from PEM files, TLS 1.2+, ALPN `h2`.
//! Client: trusts either a given CA (a devnet's throwaway CA) or the Mozilla roots shipped in
//! `webpki-roots`; certificates are always verified (there is no "accept any" mode).

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

/// ALPN protocol id of HTTP/2, the only one gRPC uses.
pub const ALPN_H2: &[u8] = b"h2";

/// Common name of the devnet CA certificates this module issues.
const DEVNET_CA_NAME: &str = "drand-node devnet CA (throwaway, not for production)";

/// Why a TLS configuration or certificate could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        source: std::io::Error,
    },
    /// The PEM text is malformed.
    #[error("{what} is not valid PEM: {reason}")]
    Pem {
        /// Which input.
        what: String,
        /// The parser's reason.
        reason: String,
    },
    /// No certificate was found in the PEM input.
    #[error("{0} contains no CERTIFICATE block")]
    NoCertificate(String),
    /// No private key was found in the PEM input.
    #[error("{0} contains no PRIVATE KEY block (PKCS#8, PKCS#1 or SEC1)")]
    NoPrivateKey(String),
    /// rustls refused the material (e.g. a key that does not match the certificate).
    #[error("TLS configuration refused: {0}")]
    Rustls(#[from] rustls::Error),
    /// Certificate generation failed.
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
}

/// Which certificate authorities a client trusts.
#[derive(Clone, Debug)]
pub enum TrustRoots {
    /// Only the CA certificates in this PEM text (a devnet's throwaway CA, a private CA).
    CaPem(Vec<u8>),
    /// The Mozilla root program as shipped in `webpki-roots` (public deployments).
    WebPki,
}

impl TrustRoots {
    /// Reads a CA PEM file.
    pub fn ca_file(path: &Path) -> Result<Self, TlsError> {
        Ok(Self::CaPem(read(path)?))
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Parses every certificate in a PEM text.
pub fn parse_certificates(
    pem: &[u8],
    what: &str,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = rustls_pemfile::certs(&mut &pem[..])
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            what: what.to_owned(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate(what.to_owned()));
    }
    Ok(certs)
}

fn parse_key(pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>, TlsError> {
    rustls_pemfile::private_key(&mut &pem[..])
        .map_err(|e| TlsError::Pem {
            what: what.to_owned(),
            reason: e.to_string(),
        })?
        .ok_or_else(|| TlsError::NoPrivateKey(what.to_owned()))
}

/// Server configuration from a PEM certificate chain (leaf first) and its PEM private key.
pub fn server_config_from_pem(
    cert_pem: &[u8],
    key_pem: &[u8],
) -> Result<Arc<ServerConfig>, TlsError> {
    let certs = parse_certificates(cert_pem, "the certificate")?;
    let key = parse_key(key_pem, "the private key")?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
    Ok(Arc::new(config))
}

/// Server configuration from PEM files (the operator's `--tls-cert` / `--tls-key`).
pub fn server_config_from_files(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let cert_pem = read(cert)?;
    let key_pem = read(key)?;
    let certs = parse_certificates(&cert_pem, &cert.display().to_string())?;
    let key_der = parse_key(&key_pem, &key.display().to_string())?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)?;
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
    Ok(Arc::new(config))
}

/// Client configuration: TLS 1.2+, ALPN `h2`, certificates verified against `roots`.
pub fn client_config(roots: &TrustRoots) -> Result<Arc<ClientConfig>, TlsError> {
    let mut store = RootCertStore::empty();
    match roots {
        TrustRoots::CaPem(pem) => {
            for cert in parse_certificates(pem, "the CA file")? {
                store.add(cert)?;
            }
        }
        TrustRoots::WebPki => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(store)
        .with_no_client_auth();
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
    Ok(Arc::new(config))
}

/// A throwaway certificate authority for devnets and tests: it signs node certificates for
/// `127.0.0.1`/`localhost` so a local group can run real TLS.
pub struct DevnetCa {
    cert_pem: String,
    key_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl std::fmt::Debug for DevnetCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevnetCa")
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

fn ca_params() -> Result<CertificateParams, TlsError> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params
        .distinguished_name
        .push(DnType::CommonName, DEVNET_CA_NAME);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(params)
}

impl DevnetCa {
    /// Generates a new CA key and self-signed CA certificate.
    pub fn generate() -> Result<Self, TlsError> {
        let key = KeyPair::generate()?;
        let params = ca_params()?;
        let cert = params.self_signed(&key)?;
        let key_pem = key.serialize_pem();
        Ok(Self {
            cert_pem: cert.pem(),
            key_pem,
            issuer: Issuer::new(params, key),
        })
    }

    /// Reloads a CA made by [`DevnetCa::generate`] from its PEM certificate and key.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Self, TlsError> {
        parse_certificates(cert_pem.as_bytes(), "the CA certificate")?;
        let key = KeyPair::from_pem(key_pem)?;
        Ok(Self {
            cert_pem: cert_pem.to_owned(),
            key_pem: key_pem.to_owned(),
            issuer: Issuer::new(ca_params()?, key),
        })
    }

    /// The CA certificate (what clients trust).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// Trust roots containing only this CA.
    pub fn trust_roots(&self) -> TrustRoots {
        TrustRoots::CaPem(self.cert_pem.as_bytes().to_vec())
    }

    /// Issues a server (and client) certificate for `hosts` (DNS names or IP addresses).
    pub fn issue_node_cert(&self, hosts: &[&str]) -> Result<NodeCert, TlsError> {
        let names: Vec<String> = hosts.iter().map(|h| (*h).to_owned()).collect();
        let mut params = CertificateParams::new(names)?;
        params.is_ca = IsCa::NoCa;
        params.distinguished_name.push(
            DnType::CommonName,
            hosts.first().copied().unwrap_or("drand node"),
        );
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(NodeCert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// Writes `ca.pem` and `ca.key` (mode 0600) into `dir`; refuses to overwrite.
    pub fn write(&self, dir: &Path) -> Result<(PathBuf, PathBuf), TlsError> {
        let cert = dir.join("ca.pem");
        let key = dir.join("ca.key");
        write_new(&cert, self.cert_pem.as_bytes(), 0o644)?;
        write_new(&key, self.key_pem.as_bytes(), 0o600)?;
        Ok((cert, key))
    }
}

/// A node's certificate and private key in PEM.
#[derive(Clone)]
pub struct NodeCert {
    /// The leaf certificate.
    pub cert_pem: String,
    /// The private key (PKCS#8).
    pub key_pem: String,
}

impl std::fmt::Debug for NodeCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeCert")
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

impl NodeCert {
    /// Server TLS configuration for this certificate.
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        server_config_from_pem(self.cert_pem.as_bytes(), self.key_pem.as_bytes())
    }

    /// Writes `<name>.pem` and `<name>.key` (mode 0600) into `dir`; refuses to overwrite.
    pub fn write(&self, dir: &Path, name: &str) -> Result<(PathBuf, PathBuf), TlsError> {
        let cert = dir.join(format!("{name}.pem"));
        let key = dir.join(format!("{name}.key"));
        write_new(&cert, self.cert_pem.as_bytes(), 0o644)?;
        write_new(&key, self.key_pem.as_bytes(), 0o600)?;
        Ok((cert, key))
    }
}

/// Generates a throwaway devnet CA (see [`DevnetCa`]).
pub fn generate_devnet_ca() -> Result<DevnetCa, TlsError> {
    DevnetCa::generate()
}

/// Issues a node certificate for `hosts` signed by `ca`.
pub fn issue_node_cert(ca: &DevnetCa, hosts: &[&str]) -> Result<NodeCert, TlsError> {
    ca.issue_node_cert(hosts)
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), TlsError> {
    let werr = |source| TlsError::Write {
        path: path.to_owned(),
        source,
    };
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(werr)?;
    file.write_all(bytes).map_err(werr)?;
    file.sync_all().map_err(werr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devnet_ca_issues_usable_certs_and_reloads() {
        let ca = generate_devnet_ca().unwrap();
        let node = issue_node_cert(&ca, &["127.0.0.1", "localhost"]).unwrap();
        node.server_config().unwrap();
        client_config(&ca.trust_roots()).unwrap();
        let again = DevnetCa::from_pem(ca.cert_pem(), &ca.key_pem).unwrap();
        again
            .issue_node_cert(&["localhost"])
            .unwrap()
            .server_config()
            .unwrap();
    }

    #[test]
    fn bad_pem_is_named() {
        let err = server_config_from_pem(b"nope", b"nope")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no CERTIFICATE"), "{err}");
        let ca = generate_devnet_ca().unwrap();
        let err = server_config_from_pem(ca.cert_pem().as_bytes(), b"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no PRIVATE KEY"), "{err}");
        assert!(client_config(&TrustRoots::CaPem(Vec::new())).is_err());
    }

    #[test]
    fn files_are_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let ca = generate_devnet_ca().unwrap();
        let (cert, key) = ca.write(dir.path()).unwrap();
        assert!(ca.write(dir.path()).is_err(), "must not overwrite");
        let node = ca.issue_node_cert(&["127.0.0.1"]).unwrap();
        let (ncert, nkey) = node.write(dir.path(), "node").unwrap();
        server_config_from_files(&ncert, &nkey).unwrap();
        assert!(TrustRoots::ca_file(&cert).is_ok());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(
                fs::metadata(key).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
