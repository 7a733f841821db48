//! Minimal, independent clients for driving the simulator in tests: raw HTTP/1.1 (plain and
//! TLS without verification, capturing the served certificate) and a raw RouterOS API client.
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

pub use routeros_sim::{Fault, RouterHandle, SimConfig, Simulator};

pub async fn start(cfg: SimConfig) -> Simulator {
    Simulator::start(cfg).await.expect("simulator starts")
}

pub fn cfg(peers: usize) -> SimConfig {
    SimConfig {
        peers_per_router: peers,
        ..SimConfig::default()
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct Http {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Http {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("JSON body ({e}): {}", self.body))
    }
}

pub fn basic(user: &str, pass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Option<&str>,
) -> Http {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: router\r\nConnection: close\r\n");
    if let Some(a) = auth {
        req.push_str(&format!("Authorization: {a}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    req.push_str("\r\n");
    if let Some(b) = body {
        req.push_str(b);
    }
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw).await;
    parse_http(&raw)
}

pub fn parse_http(raw: &[u8]) -> Http {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {text:?}"));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map(|(_, v)| v.parse::<usize>().unwrap());
    let body = match len {
        Some(n) => body.as_bytes()[..n.min(body.len())].to_vec(),
        None => body.as_bytes().to_vec(),
    };
    Http {
        status,
        headers,
        body: String::from_utf8(body).unwrap(),
    }
}

/// One request over plain HTTP to router `r` with its credentials.
pub async fn rest(r: &RouterHandle, method: &str, path: &str, body: Option<&str>) -> Http {
    rest_as(r, method, path, Some(&basic(&r.user, &r.password)), body).await
}

pub async fn rest_as(
    r: &RouterHandle,
    method: &str,
    path: &str,
    auth: Option<&str>,
    body: Option<&str>,
) -> Http {
    let s = TcpStream::connect(("127.0.0.1", r.rest_http))
        .await
        .unwrap();
    tokio::time::timeout(
        Duration::from_secs(20),
        exchange(s, method, path, auth, body),
    )
    .await
    .expect("REST answers in time")
}

/// Accepts any certificate; the test checks the fingerprint itself.
#[derive(Debug)]
struct AnyCert(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

pub type Tls = tokio_rustls::client::TlsStream<TcpStream>;

/// TLS to `port`, returning the stream and the SHA-256 of the certificate the server showed.
pub async fn tls_connect(port: u16) -> (Tls, String) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
        .with_no_client_auth();
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let s = tokio_rustls::TlsConnector::from(Arc::new(cfg))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    let der = s.get_ref().1.peer_certificates().unwrap()[0].to_vec();
    let fp = ring::digest::digest(&ring::digest::SHA256, &der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    (s, fp)
}

pub async fn rest_tls(r: &RouterHandle, method: &str, path: &str) -> (Http, String) {
    let (s, fp) = tls_connect(r.rest_https).await;
    (
        exchange(s, method, path, Some(&basic(&r.user, &r.password)), None).await,
        fp,
    )
}

// ---- RouterOS API ----

pub fn enc_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x4000 {
        out.extend_from_slice(&((len as u16) | 0x8000).to_be_bytes());
    } else if len < 0x20_0000 {
        out.extend_from_slice(&((len as u32) | 0xC0_0000).to_be_bytes()[1..]);
    } else if len < 0x1000_0000 {
        out.extend_from_slice(&((len as u32) | 0xE000_0000).to_be_bytes());
    } else {
        out.push(0xF0);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
}

pub fn sentence(words: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for w in words {
        enc_len(w.len(), &mut out);
        out.extend_from_slice(w.as_bytes());
    }
    out.push(0);
    out
}

/// A raw API connection.
pub struct Api<S> {
    pub s: S,
}

impl Api<TcpStream> {
    pub async fn connect(port: u16) -> Self {
        Api {
            s: TcpStream::connect(("127.0.0.1", port)).await.unwrap(),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Api<S> {
    pub async fn send(&mut self, words: &[&str]) {
        self.s.write_all(&sentence(words)).await.unwrap();
    }

    async fn read_len(&mut self) -> std::io::Result<usize> {
        let b = self.s.read_u8().await? as usize;
        let (extra, first) = match b {
            0..=0x7F => (0, b),
            0x80..=0xBF => (1, b & 0x3F),
            0xC0..=0xDF => (2, b & 0x1F),
            0xE0..=0xEF => (3, b & 0x0F),
            0xF0 => (4, 0),
            _ => {
                return Err(std::io::Error::other(format!(
                    "reserved length byte {b:#x}"
                )));
            }
        };
        let mut v = first;
        for _ in 0..extra {
            v = (v << 8) | self.s.read_u8().await? as usize;
        }
        Ok(v)
    }

    /// Reads one sentence; `Err` on EOF or a protocol error.
    pub async fn read_sentence(&mut self) -> std::io::Result<Vec<String>> {
        let mut words = Vec::new();
        loop {
            let len = self.read_len().await?;
            if len == 0 {
                return Ok(words);
            }
            let mut buf = vec![0u8; len];
            self.s.read_exact(&mut buf).await?;
            words.push(String::from_utf8(buf).unwrap());
        }
    }

    /// Reads sentences up to and including `!done` (or `!fatal`).
    pub async fn until_done(&mut self) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        loop {
            let s = tokio::time::timeout(Duration::from_secs(20), self.read_sentence())
                .await
                .expect("API answers in time")
                .unwrap();
            let end = s.first().is_some_and(|w| w == "!done" || w == "!fatal");
            out.push(s);
            if end {
                return out;
            }
        }
    }

    pub async fn cmd(&mut self, words: &[&str]) -> Vec<Vec<String>> {
        self.send(words).await;
        self.until_done().await
    }

    pub async fn login(&mut self, user: &str, pass: &str) -> Vec<Vec<String>> {
        let (u, p) = (format!("=name={user}"), format!("=password={pass}"));
        self.cmd(&["/login", &u, &p]).await
    }
}

/// The value of `=key=` in a sentence.
pub fn attr<'a>(s: &'a [String], key: &str) -> Option<&'a str> {
    let prefix = format!("={key}=");
    s.iter().find_map(|w| w.strip_prefix(&prefix))
}

/// The `!re` sentences of a reply.
pub fn items(reply: &[Vec<String>]) -> Vec<&Vec<String>> {
    reply.iter().filter(|s| s[0] == "!re").collect()
}

pub async fn api_login(r: &RouterHandle) -> Api<TcpStream> {
    let mut a = Api::connect(r.api).await;
    let rep = a.login(&r.user, &r.password).await;
    assert_eq!(rep, vec![vec!["!done".to_owned()]]);
    a
}
