//! TLS choices against the simulator's self-signed certificate, over HTTPS and API-SSL:
//! a pin is accepted in any spelling, a wrong pin is refused naming the certificate seen,
//! verification against the web roots refuses a self-signed certificate, and no-verify works.

#![allow(clippy::unwrap_used)]

mod routeros_support;

use routeros_support::{Mode, endpoint, sim};
use server::routeros::{RouterClient, RouterError, RouterOs, fingerprint_hex};

const TLS_MODES: [Mode; 2] = [Mode::RestTls, Mode::ApiSsl];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pinned_fingerprint_in_any_spelling() {
    let sim = sim("7.18.2", 2).await;
    let h = sim.router(0);
    assert_eq!(fingerprint_hex(&h.cert_der), h.tls_sha256);
    let upper_colons = h
        .tls_sha256
        .to_uppercase()
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(":");
    for mode in TLS_MODES {
        for pin in [h.tls_sha256.clone(), upper_colons.clone()] {
            let mut e = endpoint(h, mode);
            e.tls_fingerprint = Some(pin);
            e.tls_verify = true; // the pin replaces chain verification
            let c = RouterClient::new(e).unwrap();
            assert_eq!(c.identity().await.unwrap(), h.identity, "{mode:?}");
        }
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_pin_is_refused_with_the_fingerprint_seen() {
    let sim = sim("7.18.2", 2).await;
    let h = sim.router(0);
    for mode in TLS_MODES {
        let mut e = endpoint(h, mode);
        e.tls_fingerprint = Some("ab".repeat(32));
        let c = RouterClient::new(e).unwrap();
        match c.list_peers().await {
            Err(RouterError::Tls {
                reason,
                fingerprint_seen,
            }) => {
                assert_eq!(
                    fingerprint_seen.as_deref(),
                    Some(h.tls_sha256.as_str()),
                    "{mode:?}"
                );
                assert!(reason.contains(&h.tls_sha256), "{mode:?}: {reason}");
                let shown = c.list_peers().await.unwrap_err().to_string();
                assert!(shown.contains(&h.tls_sha256), "{shown}");
            }
            other => panic!("{mode:?}: expected a TLS error, got {other:?}"),
        }
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_refuses_self_signed_and_no_verify_accepts() {
    let sim = sim("7.18.2", 2).await;
    let h = sim.router(0);
    for mode in TLS_MODES {
        let mut e = endpoint(h, mode);
        e.tls_fingerprint = None;
        e.tls_verify = true;
        match RouterClient::new(e.clone()).unwrap().identity().await {
            Err(RouterError::Tls {
                reason,
                fingerprint_seen,
            }) => {
                assert_eq!(fingerprint_seen.as_deref(), Some(h.tls_sha256.as_str()));
                assert!(reason.contains("self-signed"), "{mode:?}: {reason}");
            }
            other => panic!("{mode:?}: expected a TLS error, got {other:?}"),
        }
        e.tls_verify = false;
        let c = RouterClient::new(e).unwrap();
        assert_eq!(c.identity().await.unwrap(), h.identity, "{mode:?}");
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_pin_is_a_settings_error() {
    let sim = sim("7.18.2", 1).await;
    let mut e = endpoint(sim.router(0), Mode::ApiSsl);
    e.tls_fingerprint = Some("not-a-fingerprint".into());
    assert!(matches!(RouterClient::new(e), Err(RouterError::Config(_))));
    sim.shutdown().await;
}

/// RouterOS's API-SSL without a certificate offers only anonymous Diffie-Hellman ciphers, so it
/// answers a normal ClientHello with a handshake-failure alert. A raw socket plays that part.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_ssl_without_certificate_is_explained() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut hello = [0u8; 512];
        let _ = sock.read(&mut hello).await;
        // TLS record: alert (0x15), TLS 1.2, length 2, fatal (2), handshake_failure (40).
        let _ = sock
            .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])
            .await;
    });
    let mut e = server::routeros::RouterEndpoint::new(
        "127.0.0.1",
        server::routeros::Transport::Api,
        true,
        "admin",
        "pw",
    );
    e.port = Some(port);
    e.tls_verify = false;
    let err = RouterClient::new(e).unwrap().identity().await.unwrap_err();
    assert_eq!(err, RouterError::AnonymousDhOnly);
    assert!(err.to_string().contains("certificate"), "{err}");
}
