//! `wgmik demo` (and `serve --demo`): the first minute without a router. Starts the RouterOS
//! simulator in this process (REST and API, plain and TLS, on loopback, traffic moving with the
//! wall clock), prepares a database of its own under `<data dir>/demo` with a demo admin, the
//! simulated router and its peers imported, a 10-second poll interval, then serves the panel —
//! on loopback only, whatever `--bind` said, because the demo admin's password is printed.
//!
//! A second `wgmik demo` reuses the demo database: the admin stays (its password was printed
//! the first time; delete the demo folder to start over), and the router is pointed at the new
//! simulator's ports and password.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use anyhow::Context as _;
use routeros_sim::{SimConfig, Simulator};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use server::config::{Config, DatabaseTarget};
use server::db::entities::router;
use server::db::routers::NewRouter;
use server::routeros::Transport;
use server::service::routers::RouterPatch;

const DEMO_ROUTER: &str = "demo-router";
const DEMO_ADMIN: &str = "demo";
const SIM_USER: &str = "wgmik-demo";

pub async fn run(mut config: Config) -> anyhow::Result<()> {
    let demo_dir = config.data_dir.join("demo");
    config.data_dir = demo_dir.clone();
    if let DatabaseTarget::Sqlite { path } = &mut config.database {
        *path = demo_dir.join("wgmik.db");
    }
    if !config.bind.ip().is_loopback() {
        eprintln!(
            "demo: listening on loopback only (127.0.0.1:{}), not {}: the demo admin's \
             password is printed below",
            config.bind.port(),
            config.bind.ip()
        );
        config.bind.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    std::fs::create_dir_all(&demo_dir)
        .with_context(|| format!("cannot create the demo folder {}", demo_dir.display()))?;

    let sim_password: String = server::auth::secret::random_secret()
        .chars()
        .take(20)
        .collect();
    let sim = Simulator::start(SimConfig {
        routers: 1,
        peers_per_router: 36,
        interfaces_per_router: 3,
        user: SIM_USER.to_owned(),
        password: sim_password.clone(),
        // Fixed, so a second demo sees the same peers (same keys) as the first.
        seed: 2026,
        ros_version: "7.18.2".to_owned(),
        virtual_clock: false,
        bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        base_port: 0,
        control_port: None,
    })
    .await
    .map_err(|err| anyhow::anyhow!("cannot start the simulated router: {err}"))?;
    // Some history before the first poll: uptime, handshakes, non-zero counters.
    sim.advance(Duration::from_secs(6 * 3600));
    let info = sim
        .routers()
        .first()
        .map(|r| r.info())
        .context("the simulator started no router")?;

    let db = server::db::connect(&config.database).await?;
    server::db::migrate(&db, &config.database).await?;
    server::service::secrets::startup(&db, &config.data_dir).await?;
    let now = chrono::Utc::now();

    let admin_password = if server::auth::users::admin_exists(&db).await? {
        None
    } else {
        let password: String = server::auth::secret::random_secret()
            .chars()
            .take(16)
            .collect();
        server::auth::users::create_admin(&db, DEMO_ADMIN, &password, now).await?;
        Some(password)
    };

    // REST over HTTPS with the simulator's certificate pinned: what we recommend for real
    // routers, too.
    let existing = router::Entity::find()
        .filter(router::Column::Name.eq(DEMO_ROUTER))
        .one(&db)
        .await?;
    match existing {
        Some(row) => {
            let patch = RouterPatch {
                host: Some("127.0.0.1".to_owned()),
                port: Some(Some(info.rest_https)),
                transport: Some(Transport::Rest),
                tls: Some(true),
                tls_verify: Some(Some(true)),
                tls_fingerprint: Some(Some(info.tls_sha256.clone())),
                username: Some(SIM_USER.to_owned()),
                password: Some(sim_password.clone()),
                ..RouterPatch::default()
            };
            server::service::routers::update(&db, row.id, patch, now)
                .await
                .map_err(|err| {
                    anyhow::anyhow!("cannot point the demo router at the simulator: {err}")
                })?;
        }
        None => {
            // Polls every 10 s, so the dashboard fills within the first minute.
            server::service::settings::update(
                &db,
                &serde_json::json!({ "poll_interval_seconds": 10 }),
                now,
            )
            .await
            .map_err(|err| anyhow::anyhow!("cannot set the demo poll interval: {err}"))?;
            let new = NewRouter {
                name: DEMO_ROUTER.to_owned(),
                host: "127.0.0.1".to_owned(),
                port: Some(info.rest_https),
                transport: Transport::Rest,
                tls: true,
                tls_verify: Some(true),
                tls_fingerprint: Some(info.tls_sha256.clone()),
                username: SIM_USER.to_owned(),
                password: sim_password.clone(),
            };
            let (row, _) = server::service::routers::add(&db, new, now)
                .await
                .map_err(|err| anyhow::anyhow!("cannot add the simulated router: {err}"))?;
            server::service::routers::import_default(&db, &row, &[], now)
                .await
                .map_err(|err| anyhow::anyhow!("cannot import the simulated peers: {err}"))?;
        }
    }
    db.close().await.ok();

    print_banner(&config, &info, &sim_password, admin_password.as_deref());
    let served = crate::serve::serve(config).await;
    sim.shutdown().await;
    served
}

fn print_banner(
    config: &Config,
    info: &routeros_sim::RouterInfo,
    sim_password: &str,
    admin_password: Option<&str>,
) {
    let admin = match admin_password {
        Some(password) => format!("  sign in as   {DEMO_ADMIN} / {password}   (shown only now)"),
        None => format!(
            "  sign in with the demo admin created on the first run (its password was printed \
             then; delete {} to start over)",
            config.data_dir.display()
        ),
    };
    println!(
        "\nwgmik demo — loopback only\n\
         \n  panel        http://{bind}/\n{admin}\n\
         \n  simulated RouterOS {identity} (walk the wizard against it: Add router)\n\
         \x20   REST  http 127.0.0.1:{rest_http}   https 127.0.0.1:{rest_https}\n\
         \x20   API   plain 127.0.0.1:{api}   TLS 127.0.0.1:{api_ssl}\n\
         \x20   user {SIM_USER}   password {sim_password}\n\
         \x20   certificate SHA-256 {sha}\n\
         \n  demo data    {dir}\n",
        bind = config.bind,
        identity = info.identity,
        rest_http = info.rest_http,
        rest_https = info.rest_https,
        api = info.api,
        api_ssl = info.api_ssl,
        sha = info.tls_sha256,
        dir = config.data_dir.display(),
    );
}
