//! Accept loops shared by the four services of a router, where the connection-level faults act
//! (refuse, hang, stop listening) and TLS is terminated before the protocol starts.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt as _;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::handle::RouterShared;

/// The four services of a router, in port order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    RestHttp,
    RestHttps,
    Api,
    ApiSsl,
}

impl Proto {
    pub const ALL: [Proto; 4] = [Proto::RestHttp, Proto::RestHttps, Proto::Api, Proto::ApiSsl];
    fn tls(self) -> bool {
        matches!(self, Proto::RestHttps | Proto::ApiSsl)
    }
}

/// A TLS handshake that takes longer than this is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);
/// A hung connection is held at most this long.
const HANG_MAX: Duration = Duration::from_secs(600);

/// Serves one service until shutdown.
pub async fn serve(
    listener: TcpListener,
    addr: SocketAddr,
    proto: Proto,
    router: Arc<RouterShared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut faults = router.faults.subscribe();
    let mut listener = Some(listener);
    loop {
        if *shutdown.borrow() {
            return;
        }
        if faults.borrow_and_update().stop_listening {
            listener = None;
        } else if listener.is_none() {
            match TcpListener::bind(addr).await {
                Ok(l) => listener = Some(l),
                Err(e) => {
                    tracing::warn!("re-binding {addr}: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            }
        }
        let accepted = match &listener {
            Some(l) => tokio::select! {
                r = l.accept() => r,
                _ = faults.changed() => continue,
                _ = shutdown.changed() => return,
            },
            None => {
                tokio::select! {
                    _ = faults.changed() => continue,
                    _ = shutdown.changed() => return,
                }
            }
        };
        let stream = match accepted {
            Ok((s, _)) => s,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!("accept on {addr}: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let f = router.faults();
        if f.refuse {
            drop(stream);
            continue;
        }
        let Ok(permit) = router.conn_limit.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let shutdown = shutdown.clone();
        if f.hang {
            tokio::spawn(async move {
                hang(stream, shutdown).await;
                drop(permit);
            });
            continue;
        }
        tokio::spawn(async move {
            connection(stream, proto, router, shutdown).await;
            drop(permit);
        });
    }
}

async fn connection(
    stream: TcpStream,
    proto: Proto,
    router: Arc<RouterShared>,
    shutdown: watch::Receiver<bool>,
) {
    if proto.tls() {
        let acceptor = tokio_rustls::TlsAcceptor::from(router.tls.clone());
        let tls = match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
            Ok(Ok(s)) => s,
            _ => return,
        };
        match proto {
            Proto::RestHttps => crate::rest::serve_conn(tls, router, shutdown).await,
            _ => crate::api::server::serve_conn(tls, router, shutdown).await,
        }
    } else {
        match proto {
            Proto::RestHttp => crate::rest::serve_conn(stream, router, shutdown).await,
            _ => crate::api::server::serve_conn(stream, router, shutdown).await,
        }
    }
}

/// Accepts and never answers: reads and discards until the client gives up.
async fn hang(mut stream: TcpStream, mut shutdown: watch::Receiver<bool>) {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::sleep(HANG_MAX);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            r = stream.read(&mut buf) => match r {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
            _ = &mut deadline => return,
            _ = shutdown.changed() => return,
        }
    }
}
