//! Crash safety of the accounting engine (SPEC §3): the real `wgmik` binary polls a simulated
//! router (served from this test process) and is killed with SIGKILL at random moments, 20
//! times, restarting each time. Afterwards every peer's accounted bytes still equal what the
//! simulator's ledger says a baseline-then-delta poller could see, no byte counted twice, and
//! SQLite's `PRAGMA integrity_check` says ok.
#![allow(clippy::unwrap_used)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use routeros_sim::{SimConfig, Simulator};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use server::config::DatabaseTarget;
use server::db::entities::{peer, router_health};
use server::db::routers::{NewRouter, create, import_peers};
use server::routeros::{RouterClient, RouterEndpoint, RouterOs, Transport};

const BIN: &str = env!("CARGO_BIN_EXE_wgmik");
const KILLS: usize = 20;

fn start(data_dir: &std::path::Path, port: u16) -> Child {
    Command::new(BIN)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_loses_and_doubles_nothing() {
    let sim = Simulator::start(SimConfig {
        peers_per_router: 40,
        virtual_clock: true,
        seed: 7,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let handle = sim.router(0).clone();
    let data_dir = std::env::temp_dir().join(format!("wgmik-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let target = DatabaseTarget::Sqlite {
        path: data_dir.join("wgmik.db"),
    };

    // Set up the router and import its peers through the library, then let the binary poll.
    {
        let db = server::db::connect(&target).await.unwrap();
        server::db::migrate(&db, &target).await.unwrap();
        // The key file the binary will read: created in the data dir, as `wgmik serve` does.
        server::service::secrets::startup(&db, &data_dir)
            .await
            .unwrap();
        let mut settings = server::db::settings::load(&db).await.unwrap();
        settings.poll_interval_seconds = 5;
        settings.timezone = "Europe/Berlin".into();
        server::db::settings::save(&db, settings, chrono::Utc::now())
            .await
            .unwrap();
        let row = create(
            &db,
            NewRouter {
                name: "sim".into(),
                host: "127.0.0.1".into(),
                port: Some(handle.api),
                transport: Transport::Api,
                tls: false,
                tls_verify: None,
                tls_fingerprint: None,
                username: handle.user.clone(),
                password: handle.password.clone(),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        let mut endpoint = RouterEndpoint::new(
            "127.0.0.1",
            Transport::Api,
            false,
            handle.user.clone(),
            handle.password.clone(),
        );
        endpoint.port = Some(handle.api);
        let peers = RouterClient::new(endpoint)
            .unwrap()
            .list_peers()
            .await
            .unwrap();
        import_peers(&db, row.id, &peers, chrono::Utc::now())
            .await
            .unwrap();
        db.close().await.unwrap();
    }

    let mut rng = rand::rngs::StdRng::seed_from_u64(20261130);
    let port = free_port();
    for _ in 0..KILLS {
        // Traffic keeps moving while the binary starts, polls and commits.
        sim.advance(Duration::from_secs(30));
        let mut child = start(&data_dir, port);
        // The first poll starts right after start-up; kill anywhere around it.
        let wait = rng.random_range(50..1500);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        child.kill().unwrap();
        child.wait().unwrap();
    }

    // Freeze traffic, then run to at least one committed poll and stop gracefully.
    sim.advance(Duration::from_secs(30));
    let before_final = chrono::Utc::now();
    let mut child = start(&data_dir, port);
    let db = server::db::connect(&target).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let health = router_health::Entity::find().one(&db).await.unwrap();
        if health
            .and_then(|h| h.last_success_at)
            .is_some_and(|t| t > before_final)
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no successful poll after restart"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());

    // Accounted bytes per peer (monthly = daily) against the ledger.
    let peers = peer::Entity::find().all(&db).await.unwrap();
    // Closed rollup rows plus open sums, as every reader adds them.
    let monthly = server::db::usage::all_monthly(&db).await.unwrap();
    let daily = server::db::usage::all_daily(&db).await.unwrap();
    let mut checked = 0;
    let mut total = 0u64;
    for entry in handle.ledger() {
        let Some(p) = peers
            .iter()
            .find(|p| p.public_key == entry.public_key && p.interface == entry.interface)
        else {
            continue;
        };
        let sum = |rows: Vec<(i64, i64)>| {
            rows.into_iter().fold((0u64, 0u64), |(rx, tx), (r, t)| {
                (rx + r as u64, tx + t as u64)
            })
        };
        let by_month = sum(monthly
            .iter()
            .filter(|m| m.peer_id == p.id)
            .map(|m| (m.rx, m.tx))
            .collect());
        let by_day = sum(daily
            .iter()
            .filter(|d| d.peer_id == p.id)
            .map(|d| (d.rx, d.tx))
            .collect());
        let expected = (
            entry.carried_rx - entry.before_first_read_rx - entry.unobservable_rx,
            entry.carried_tx - entry.before_first_read_tx - entry.unobservable_tx,
        );
        assert_eq!(
            by_month, expected,
            "peer {} accounted vs ledger",
            entry.public_key
        );
        assert_eq!(
            by_day, by_month,
            "peer {} daily vs monthly",
            entry.public_key
        );
        checked += 1;
        total += by_month.0 + by_month.1;
    }
    assert_eq!(checked, 40, "every peer checked");
    assert!(total > 0, "traffic was accounted");

    let integrity = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(integrity.try_get_by_index::<String>(0).unwrap(), "ok");
    // The kills must have landed around real polls, not only during start-up.
    let committed_polls = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(DISTINCT at) FROM raw_samples",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert!(
        committed_polls >= 5,
        "only {committed_polls} polls committed"
    );
    eprintln!(
        "crash safety: {KILLS} SIGKILLs, {committed_polls} committed polls, {checked} peers, \
         {total} bytes accounted exactly"
    );
    db.close().await.unwrap();
    sim.shutdown().await;
    let _ = std::fs::remove_dir_all(&data_dir);
}
