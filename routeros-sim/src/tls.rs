//! The self-signed certificate each router serves on REST-over-HTTPS and API-SSL, generated with
//! rcgen, and its SHA-256 fingerprint (of the DER certificate) for clients that pin it.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::SimError;

/// A router's certificate and the rustls config serving it.
pub struct RouterTls {
    pub cert_der: Vec<u8>,
    /// Lowercase hex, no colons.
    pub sha256: String,
    pub config: Arc<rustls::ServerConfig>,
}

/// Generates a fresh self-signed certificate for `identity` (valid for localhost and 127.0.0.1).
pub fn generate(identity: &str) -> Result<RouterTls, SimError> {
    let names = vec![
        identity.to_owned(),
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
    ];
    let ck = rcgen::generate_simple_self_signed(names).map_err(|e| SimError::Tls(e.to_string()))?;
    let cert_der = ck.cert.der().to_vec();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SimError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(cert_der.clone())], key)
        .map_err(|e| SimError::Tls(e.to_string()))?;
    Ok(RouterTls {
        sha256: sha256_hex(&cert_der),
        cert_der,
        config: Arc::new(config),
    })
}

/// SHA-256 of `der`, lowercase hex.
pub fn sha256_hex(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}
