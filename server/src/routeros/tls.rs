//! TLS for REST over HTTPS and API-SSL: verify against the public web roots, accept any
//! certificate, or pin the SHA-256 of the router's own (usually self-signed) certificate.
//!
//! One certificate verifier covers all three so it can record the fingerprint it was shown:
//! when the handshake fails, the admin is told exactly which certificate the router presented
//! and can compare it with `/certificate print` or pin it. A pin replaces chain and host-name
//! checks (that is the point of pinning a self-signed certificate) but the handshake signatures
//! are still verified, so a pinned connection is as strong as a verified one.

use std::sync::{Arc, Mutex};

use ring::digest::{SHA256, digest};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct, SignatureScheme,
};

use super::error::RouterError;

/// How the router's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsPolicy {
    /// Chain to the public web roots (webpki-roots) and match the host name.
    Verify,
    /// Accept any certificate (still encrypted, not authenticated).
    AcceptAny,
    /// Accept exactly the leaf certificate with this SHA-256.
    Pinned([u8; 32]),
}

/// Where the verifier leaves the fingerprint of the last certificate it was shown.
pub type SeenFingerprint = Arc<Mutex<Option<String>>>;

/// Lowercase hex SHA-256 of a DER certificate (the form RouterOS's `/certificate print` shows).
pub fn fingerprint_hex(der: &[u8]) -> String {
    hex(digest(&SHA256, der).as_ref())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Reads a pinned fingerprint: 64 hex digits, any case, colons or spaces allowed between them,
/// and an optional `sha256:` prefix (as some tools print it).
pub fn parse_fingerprint(text: &str) -> Result<[u8; 32], RouterError> {
    let trimmed = text.trim();
    let body = trimmed
        .strip_prefix("sha256:")
        .or_else(|| trimmed.strip_prefix("SHA256:"))
        .unwrap_or(trimmed);
    let digits: Vec<u8> = body
        .bytes()
        .filter(|b| !matches!(b, b':' | b' ' | b'-'))
        .collect();
    let bad = || {
        RouterError::Config(format!(
            "the pinned certificate fingerprint {text:?} is not a SHA-256 (64 hex digits)"
        ))
    };
    if digits.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        let s = std::str::from_utf8(pair).map_err(|_| bad())?;
        out[i] = u8::from_str_radix(s, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A client configuration for `policy`; the verifier writes what it saw into `seen`.
pub fn client_config(
    policy: TlsPolicy,
    seen: SeenFingerprint,
) -> Result<ClientConfig, RouterError> {
    let provider = provider();
    let webpki = match policy {
        TlsPolicy::Verify => {
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            Some(
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|e| RouterError::Config(format!("TLS roots: {e}")))?,
            )
        }
        _ => None,
    };
    let verifier = Arc::new(Verifier {
        policy,
        webpki,
        algorithms: provider.signature_verification_algorithms,
        seen,
    });
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| RouterError::Config(format!("TLS versions: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

#[derive(Debug)]
struct Verifier {
    policy: TlsPolicy,
    webpki: Option<Arc<WebPkiServerVerifier>>,
    algorithms: WebPkiSupportedAlgorithms,
    seen: SeenFingerprint,
}

/// The error a wrong pin produces; its text reaches the admin.
#[derive(Debug)]
struct PinMismatch {
    seen: String,
    pinned: String,
}

impl std::fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the router's certificate has SHA-256 fingerprint {} but {} is pinned",
            self.seen, self.pinned
        )
    }
}

impl std::error::Error for PinMismatch {}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let seen = fingerprint_hex(end_entity);
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(seen.clone());
        match (&self.policy, &self.webpki) {
            (TlsPolicy::Pinned(pin), _) => {
                if digest(&SHA256, end_entity).as_ref() == pin.as_slice() {
                    Ok(ServerCertVerified::assertion())
                } else {
                    let mismatch = PinMismatch {
                        seen,
                        pinned: hex(pin),
                    };
                    Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                        rustls::OtherError(Arc::new(mismatch)),
                    )))
                }
            }
            (TlsPolicy::AcceptAny, _) => Ok(ServerCertVerified::assertion()),
            (TlsPolicy::Verify, Some(webpki)) => webpki.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ),
            (TlsPolicy::Verify, None) => Err(rustls::Error::General("no trust roots".into())),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Finds a rustls error anywhere in an error's chain (reqwest and hyper wrap it in io::Error,
/// whose `source()` skips the wrapped error itself, so look inside io errors explicitly).
pub fn find_rustls_error<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(found) = find_rustls_error(inner)
        {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// Turns a handshake failure into the admin-facing error. `api_ssl` enables the diagnosis of
/// RouterOS's certificate-less API-SSL, which offers only anonymous Diffie-Hellman ciphers and
/// so answers our hello with a handshake-failure alert.
pub fn tls_error(err: &rustls::Error, seen: &SeenFingerprint, api_ssl: bool) -> RouterError {
    let fingerprint_seen = seen.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if api_ssl
        && fingerprint_seen.is_none()
        && matches!(
            err,
            rustls::Error::AlertReceived(
                AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity
            )
        )
    {
        return RouterError::AnonymousDhOnly;
    }
    let reason = match err {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "the certificate is not signed by a trusted authority (a self-signed router \
             certificate needs verification turned off or its fingerprint pinned)"
                .to_owned()
        }
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => "the certificate was not issued for this host name".to_owned(),
        rustls::Error::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => "the certificate has expired".to_owned(),
        rustls::Error::InvalidCertificate(CertificateError::Other(other)) => other.to_string(),
        rustls::Error::InvalidMessage(_) => {
            "the router did not answer with TLS (is TLS really enabled on this port?)".to_owned()
        }
        other => other.to_string(),
    };
    RouterError::Tls {
        reason,
        fingerprint_seen,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fingerprint_forms() {
        let hexed = "AB".repeat(32);
        let expected = [0xabu8; 32];
        assert_eq!(parse_fingerprint(&hexed).unwrap(), expected);
        assert_eq!(parse_fingerprint(&hexed.to_lowercase()).unwrap(), expected);
        let colons = vec!["ab"; 32].join(":");
        assert_eq!(parse_fingerprint(&colons).unwrap(), expected);
        assert_eq!(
            parse_fingerprint(&format!("sha256:{colons}")).unwrap(),
            expected
        );
        assert!(parse_fingerprint("abcd").is_err());
        assert!(parse_fingerprint(&"zz".repeat(32)).is_err());
        assert!(parse_fingerprint(&"é".repeat(32)).is_err());
    }

    #[test]
    fn fingerprint_hex_is_sha256() {
        // SHA-256 of the empty string.
        assert_eq!(
            fingerprint_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn handshake_failures_in_plain_words() {
        let none = SeenFingerprint::default();
        let alert = rustls::Error::AlertReceived(AlertDescription::HandshakeFailure);
        assert_eq!(tls_error(&alert, &none, true), RouterError::AnonymousDhOnly);
        assert!(matches!(
            tls_error(&alert, &none, false),
            RouterError::Tls { .. }
        ));
        let seen = SeenFingerprint::default();
        *seen.lock().unwrap() = Some("ab".repeat(32));
        let unknown = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        match tls_error(&unknown, &seen, true) {
            RouterError::Tls {
                reason,
                fingerprint_seen,
            } => {
                assert!(reason.contains("self-signed"));
                assert_eq!(fingerprint_seen, Some("ab".repeat(32)));
            }
            other => panic!("{other:?}"),
        }
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, unknown.clone());
        assert_eq!(find_rustls_error(&io), Some(&unknown));
    }

    #[test]
    fn configs_build() {
        for policy in [
            TlsPolicy::Verify,
            TlsPolicy::AcceptAny,
            TlsPolicy::Pinned([0; 32]),
        ] {
            client_config(policy, SeenFingerprint::default()).unwrap();
        }
    }
}
