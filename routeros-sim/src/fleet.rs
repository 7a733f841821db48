//! `Simulator`: starts every router (state, certificate, four listeners), the optional control
//! API and, in real-time mode, the ticker that moves the clocks; shuts it all down.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::SimConfig;
use crate::error::SimError;
use crate::handle::{RouterHandle, RouterShared};
use crate::model::RouterState;
use crate::net::{self, Proto};
use crate::version::RosVersion;

/// Upper bounds that keep a mistyped flag from eating the machine.
const MAX_ROUTERS: usize = 1_000;
const MAX_PEERS: usize = 100_000;
const MAX_INTERFACES: usize = 64;

/// A running fleet of simulated routers.
pub struct Simulator {
    routers: Arc<Vec<RouterHandle>>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    control: Option<SocketAddr>,
}

impl Simulator {
    /// Generates the routers, binds every port and starts serving.
    pub async fn start(cfg: SimConfig) -> Result<Simulator, SimError> {
        if cfg.routers == 0 || cfg.routers > MAX_ROUTERS {
            return Err(SimError::Config(format!(
                "routers must be 1..={MAX_ROUTERS}"
            )));
        }
        if cfg.peers_per_router > MAX_PEERS {
            return Err(SimError::Config(format!(
                "peers per router must be at most {MAX_PEERS}"
            )));
        }
        if cfg.interfaces_per_router == 0 || cfg.interfaces_per_router > MAX_INTERFACES {
            return Err(SimError::Config(format!(
                "interfaces per router must be 1..={MAX_INTERFACES}"
            )));
        }
        if cfg.base_port != 0 && cfg.base_port as usize + 4 * cfg.routers > 65_536 {
            return Err(SimError::Config(
                "base port + 4 × routers exceeds 65535".to_owned(),
            ));
        }
        let version = RosVersion::parse(&cfg.ros_version).map_err(SimError::Config)?;
        let (shutdown, _) = watch::channel(false);
        let mut tasks = Vec::new();
        // The control port first: a caller that picked a free port for it and released it
        // (tests, the benchmark) would otherwise race the routers' ephemeral ports for it.
        let control_listener = match cfg.control_port {
            Some(port) => {
                let addr = SocketAddr::new(cfg.bind, port);
                Some(
                    TcpListener::bind(addr)
                        .await
                        .map_err(|source| SimError::Bind { addr, source })?,
                )
            }
            None => None,
        };
        let mut routers = Vec::with_capacity(cfg.routers);
        for i in 0..cfg.routers {
            let state = RouterState::generate(
                i,
                cfg.peers_per_router,
                cfg.interfaces_per_router,
                cfg.seed,
                &cfg.user,
                &cfg.password,
                version.clone(),
            );
            let identity = state.identity.clone();
            let tls = crate::tls::generate(&identity)?;
            let shared = Arc::new(RouterShared::new(state, tls.config.clone()));
            let mut ports = [0u16; 4];
            for (k, proto) in Proto::ALL.into_iter().enumerate() {
                let port = if cfg.base_port == 0 {
                    0
                } else {
                    cfg.base_port + (4 * i + k) as u16
                };
                let addr = SocketAddr::new(cfg.bind, port);
                let listener = TcpListener::bind(addr)
                    .await
                    .map_err(|source| SimError::Bind { addr, source })?;
                let local = listener.local_addr()?;
                ports[k] = local.port();
                tasks.push(tokio::spawn(net::serve(
                    listener,
                    local,
                    proto,
                    shared.clone(),
                    shutdown.subscribe(),
                )));
            }
            routers.push(RouterHandle {
                index: i,
                identity,
                rest_http: ports[0],
                rest_https: ports[1],
                api: ports[2],
                api_ssl: ports[3],
                user: cfg.user.clone(),
                password: cfg.password.clone(),
                tls_sha256: tls.sha256,
                cert_der: tls.cert_der,
                bind: cfg.bind,
                shared,
            });
        }
        let routers = Arc::new(routers);
        let control = match control_listener {
            Some(listener) => {
                let local = listener.local_addr()?;
                tasks.push(tokio::spawn(crate::control::serve(
                    listener,
                    routers.clone(),
                    shutdown.subscribe(),
                )));
                Some(local)
            }
            None => None,
        };
        if !cfg.virtual_clock {
            tasks.push(tokio::spawn(ticker(routers.clone(), shutdown.subscribe())));
        }
        Ok(Simulator {
            routers,
            shutdown,
            tasks,
            control,
        })
    }

    pub fn routers(&self) -> &[RouterHandle] {
        &self.routers
    }

    /// Router `i`. Panics when out of range, like slice indexing (test code's contract).
    pub fn router(&self, i: usize) -> &RouterHandle {
        &self.routers[i]
    }

    /// Moves every router's clock (and traffic) forward by `d`, instantly.
    pub fn advance(&self, d: Duration) {
        advance_all(&self.routers, d);
    }

    pub fn control_addr(&self) -> Option<SocketAddr> {
        self.control
    }

    /// Stops every listener and connection and waits for the tasks to end.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
    }
}

pub(crate) fn advance_all(routers: &[RouterHandle], d: Duration) {
    for r in routers {
        r.advance(d);
    }
}

/// Real-time mode: moves every clock by the wall-clock time elapsed, once a second.
async fn ticker(routers: Arc<Vec<RouterHandle>>, mut shutdown: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = shutdown.changed() => return,
        }
        let now = tokio::time::Instant::now();
        let step = now - last;
        last = now;
        // Stepping thousands of peers is CPU work: keep it off the I/O threads.
        let rs = routers.clone();
        let _ = tokio::task::spawn_blocking(move || advance_all(&rs, step)).await;
    }
}
