//! The `routeros-sim` binary: starts simulated RouterOS routers, prints one JSON line per router
//! (ports, credentials, certificate fingerprint) and serves until SIGINT/SIGTERM.

use std::net::IpAddr;
use std::time::Duration;

use clap::Parser;
use routeros_sim::{SimConfig, Simulator};

/// Simulated MikroTik RouterOS v7 routers with WireGuard peers: REST (HTTP and HTTPS) and the
/// binary API (plain and API-SSL), for wgmik's tests, benchmarks and demo.
#[derive(Debug, Parser)]
#[command(name = "routeros-sim", version)]
struct Args {
    /// Number of simulated routers.
    #[arg(long, default_value_t = 1, env = "ROUTEROS_SIM_ROUTERS")]
    routers: usize,
    /// WireGuard peers per router.
    #[arg(long, default_value_t = 10, env = "ROUTEROS_SIM_PEERS")]
    peers: usize,
    /// WireGuard interfaces per router (wg0, wg1, …); peers are spread over them.
    #[arg(long, default_value_t = 1)]
    interfaces: usize,
    /// RouterOS user every router accepts.
    #[arg(long, default_value = "admin", env = "ROUTEROS_SIM_USER")]
    user: String,
    /// That user's password.
    #[arg(long, default_value = "secret", env = "ROUTEROS_SIM_PASSWORD")]
    password: String,
    /// Seed of every deterministic choice (keys, names, traffic).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// RouterOS version to impersonate (7.12, 7.15, 7.16, 7.18.2, 7.20, 7.21, …): decides the
    /// peer fields and whether an empty print answers `!empty`.
    #[arg(long, default_value = "7.18.2")]
    ros_version: String,
    /// Port of the JSON control API (faults, reboots, ledger); omitted = no control API;
    /// 0 = an ephemeral port (printed on stderr).
    #[arg(long)]
    control_port: Option<u16>,
    /// First port: router i uses base+4i (REST HTTP), +1 (REST HTTPS), +2 (API), +3 (API-SSL).
    /// 0 = ephemeral ports.
    #[arg(long, default_value_t = 0)]
    base_port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Move time only through the control API's /advance, not with the wall clock.
    #[arg(long)]
    virtual_clock: bool,
    /// Simulate this many seconds of history before serving (uptime, counters, handshakes).
    #[arg(long, default_value_t = 0)]
    warmup: u64,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let a = Args::parse();
    let cfg = SimConfig {
        routers: a.routers,
        peers_per_router: a.peers,
        interfaces_per_router: a.interfaces,
        user: a.user,
        password: a.password,
        seed: a.seed,
        ros_version: a.ros_version,
        virtual_clock: a.virtual_clock,
        bind: a.bind,
        base_port: a.base_port,
        control_port: a.control_port,
    };
    let sim = match Simulator::start(cfg).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("routeros-sim: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    if a.warmup > 0 {
        sim.advance(Duration::from_secs(a.warmup));
    }
    for r in sim.routers() {
        match serde_json::to_string(&r.info()) {
            Ok(line) => println!("{line}"),
            Err(e) => eprintln!("routeros-sim: {e}"),
        }
    }
    if let Some(addr) = sim.control_addr() {
        eprintln!("routeros-sim: control API on http://{addr}");
    }
    wait_for_signal().await;
    sim.shutdown().await;
    std::process::ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
