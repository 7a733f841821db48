//! Accounting-engine benchmark: a fleet from `routeros-sim` over loopback, half the routers
//! polled over REST and half over the binary API, every peer's counters moving every poll
//! (`constant` traffic profile, the simulator's virtual clock advanced 30 s per cycle, the
//! poller's clock too), each poll committed exactly as the poll job does it.
//!
//! Run (release, from the workspace root):
//!
//! ```sh
//! CARGO_TARGET_DIR=target/bench cargo build --release -p routeros-sim
//! CARGO_TARGET_DIR=target/bench cargo run --release -p server --example accounting_bench
//! # a subset, or another size: backend:routers[:peers_per_router]
//! CARGO_TARGET_DIR=target/bench cargo run --release -p server --example accounting_bench -- sqlite:10 postgres:100
//! ```
//!
//! PostgreSQL: `WGMIK_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`);
//! each run gets a fresh schema, dropped at the end. The simulator binary is looked up next to
//! this example's directory (`target/bench/release/routeros-sim`) or in `ROUTEROS_SIM_BIN`.
//! `BENCH_CYCLES` sets the measured cycles (default 12; 2 warm-up cycles come first).
//! `BENCH_START` (RFC 3339) sets the poller's clock at the start (default: 5 minutes into the
//! current hour, so the cycles stay inside one hour); a start 2 minutes before a local midnight
//! on the reset day (`2026-12-31T23:58:00Z` with the default UTC and reset day 1) makes the
//! first measured cycle the one that closes every peer's hour, day and billing cycle.
//!
//! Each configuration runs in its own child process (so `rss_peak_mb`, the process's VmHWM,
//! belongs to that configuration alone), and the simulator runs as a child of that child (so it
//! is not in the RSS; its CPU is reported apart as `sim_cpu_s_per_cycle`). A cycle polls every
//! router concurrently under `MAX_CONCURRENT_POLLS` permits, as the poll job does (router row
//! and settings read, then `/system/resource` and one peer list, then one commit transaction,
//! the router down/up check, and the quota enforcement pass `router_task` runs after every
//! successful poll, with the router's client and the settings row); its wall time
//! (`cycle_ms_*`) runs from the first request to the end of the last enforcement pass, and
//! `to_last_commit_ms_*` to the last commit, the issue's own definition of a cycle (first
//! request → last commit). With the default settings
//! (monitor mode, no default quota, no quotas) enforcement writes nothing; a pass that acts
//! counts as a failed poll here. `cpu_s_per_cycle` is the
//! benchmark process's user+system CPU over the cycle. `db_bytes` is database growth per
//! simulated day: size after the measured cycles minus size before (SQLite: file + WAL after
//! `PRAGMA wal_checkpoint(TRUNCATE)`; PostgreSQL: `pg_total_relation_size` summed over the
//! schema's tables), divided by the cycles, × 2,880 (one poll every 30 s). All peers move every
//! cycle, so every poll writes a raw sample per peer: the worst case (raw samples are kept 7
//! days). The last lines printed are one JSON object per configuration.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Statement};
use server::alerts;
use server::clock::{Clock, ManualClock};
use server::config::DatabaseTarget;
use server::db::entities::router as router_entity;
use server::db::poll_commit::{PollReading, commit_poll};
use server::db::routers::{self, NewRouter};
use server::db::settings;
use server::db::testing::{self, POSTGRES_URL_VAR};
use server::enforcement;
use server::routeros::{RouterClient, RouterOs, Transport};
use server::scheduler::poll::{MAX_CONCURRENT_POLLS, ROUTER_TIMEOUT, rollup_settings};
use tokio::sync::Semaphore;

const DEFAULT_CONFIGS: [&str; 4] = ["sqlite:10", "postgres:10", "sqlite:100", "postgres:100"];
const PEERS_PER_ROUTER: usize = 500;
const WARMUP_CYCLES: usize = 2;
const INTERVAL_SECS: i64 = 30;
const CYCLES_PER_DAY: f64 = 86_400.0 / INTERVAL_SECS as f64;
/// Constant traffic of every peer, bytes per second.
const RX_PER_SEC: u64 = 20_000;
const TX_PER_SEC: u64 = 4_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--one") {
        let spec = args.get(1).expect("--one backend:routers[:peers]");
        let line = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(run_one(spec));
        println!("{line}");
        return;
    }
    let configs: Vec<String> = if args.is_empty() {
        DEFAULT_CONFIGS.iter().map(|s| (*s).to_owned()).collect()
    } else {
        args
    };
    let exe = std::env::current_exe().unwrap();
    let mut lines = Vec::new();
    for spec in &configs {
        eprintln!("== {spec}");
        let out = Command::new(&exe)
            .args(["--one", spec])
            .stderr(Stdio::inherit())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        match stdout.lines().rev().find(|l| l.starts_with('{')) {
            Some(line) if out.status.success() => lines.push(line.to_owned()),
            _ => {
                eprintln!("{spec}: failed ({}): {stdout}", out.status);
                lines.push(format!(
                    "{{\"config\":\"{spec}\",\"error\":\"exit {}\"}}",
                    out.status
                ));
            }
        }
    }
    for line in lines {
        println!("{line}");
    }
}

struct SimRouter {
    rest_http: u16,
    api: u16,
    user: String,
    password: String,
}

struct Sim {
    child: Child,
    /// Kept open for the simulator's lifetime (it never writes after its start-up lines).
    _stdout: BufReader<std::process::ChildStdout>,
    control: String,
    routers: Vec<SimRouter>,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sim_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("ROUTEROS_SIM_BIN") {
        return p.into();
    }
    let exe = std::env::current_exe().unwrap();
    // target/<dir>/release/examples/accounting_bench -> target/<dir>/release/routeros-sim
    exe.parent()
        .and_then(|p| p.parent())
        .map(|p| p.join("routeros-sim"))
        .unwrap()
}

fn start_sim(routers: usize, peers: usize) -> Sim {
    let control_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let bin = sim_binary();
    let mut child = Command::new(&bin)
        .args([
            "--routers",
            &routers.to_string(),
            "--peers",
            &peers.to_string(),
            "--seed",
            "1",
            "--base-port",
            "0",
            "--virtual-clock",
            "--control-port",
            &control_port.to_string(),
        ])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut list = Vec::with_capacity(routers);
    let mut line = String::new();
    while list.len() < routers {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "simulator exited");
        let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
        let port = |k: &str| u16::try_from(v[k].as_u64().unwrap()).unwrap();
        list.push(SimRouter {
            rest_http: port("rest_http"),
            api: port("api"),
            user: v["user"].as_str().unwrap().to_owned(),
            password: v["password"].as_str().unwrap().to_owned(),
        });
    }
    Sim {
        child,
        _stdout: out,
        control: format!("http://127.0.0.1:{control_port}"),
        routers: list,
    }
}

/// user+system CPU seconds of a process (`self` or a pid), from /proc/<p>/stat.
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the command: state is field 3, utime 14, stime 15 (1-based in proc(5)).
    let ticks = |i: usize| fields.get(i - 3).and_then(|f| f.parse::<f64>().ok());
    let hz = 100.0; // USER_HZ on Linux
    (ticks(14).unwrap_or(0.0) + ticks(15).unwrap_or(0.0)) / hz
}

/// user+system CPU seconds of every process named `postgres` on the host (the server and its
/// backends; other clients' work on the same server counts too). 0 when there is none.
fn postgres_cpu_seconds() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| {
            std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == "postgres")
        })
        .map(|e| cpu_seconds(&e.file_name().to_string_lossy()))
        .sum()
}

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn db_size(db: &DatabaseConnection, target: &DatabaseTarget) -> u64 {
    match target {
        DatabaseTarget::Sqlite { path } => {
            db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await
                .unwrap();
            let len = |p: PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
            let mut wal = path.clone().into_os_string();
            wal.push("-wal");
            len(path.clone()) + len(wal.into())
        }
        DatabaseTarget::Postgres { .. } => {
            let sql = "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint \
                       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                       WHERE n.nspname = current_schema() AND c.relkind = 'r'";
            let row = db
                .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap();
            u64::try_from(row.try_get_by_index::<i64>(0).unwrap()).unwrap()
        }
    }
}

#[derive(Clone, Copy)]
struct Timing {
    start: Instant,
    read: Duration,
    commit: Duration,
    enforce: Duration,
    /// When the commit returned: the issue's cycle ends at the last one.
    committed: Instant,
    end: Instant,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    // Nearest rank.
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

async fn run_one(spec: &str) -> String {
    let mut parts = spec.split(':');
    let backend = parts.next().unwrap().to_owned();
    let routers: usize = parts.next().unwrap_or("10").parse().unwrap();
    let peers_per: usize = parts
        .next()
        .map_or(PEERS_PER_ROUTER, |p| p.parse().unwrap());
    let cycles: usize = std::env::var("BENCH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let peers_total = routers * peers_per;
    let setup_started = Instant::now();

    let sim = start_sim(routers, peers_per);
    let sim_pid = sim.child.id().to_string();
    let http = reqwest::Client::new();
    let control = sim.control.clone();

    let test_db = match backend.as_str() {
        "sqlite" => testing::sqlite("accounting_bench").await,
        "postgres" => {
            let url = std::env::var(POSTGRES_URL_VAR)
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
            testing::postgres(&url, "accounting_bench").await
        }
        other => panic!("unknown backend {other} (sqlite or postgres)"),
    };
    let db = test_db.db.clone();
    let settings_row = settings::load(&db).await.unwrap();
    // The poller's clock, which buckets every byte. By default 5 minutes into the current
    // hour, so the 14 cycles (7 minutes) stay inside one hour, day and billing cycle: the
    // steady state. `BENCH_START` (RFC 3339) puts them elsewhere, e.g. 2 minutes before a
    // local midnight on the reset day, where the first measured cycle closes every peer's hour,
    // day and cycle at once (rollup rows are written when a bucket closes,
    // `accounting::open_bucket`).
    let clock_start = match std::env::var("BENCH_START") {
        Ok(v) => chrono::DateTime::parse_from_rfc3339(&v)
            .expect("BENCH_START: an RFC 3339 instant")
            .with_timezone(&chrono::Utc),
        Err(_) => {
            use chrono::DurationRound;
            chrono::Utc::now()
                .duration_trunc(TimeDelta::hours(1))
                .unwrap()
                + TimeDelta::minutes(5)
        }
    };
    eprintln!("poller clock starts at {clock_start}");
    let clock = Arc::new(ManualClock::new(clock_start));

    // Routers: even index over REST, odd over the API, plain TCP on loopback.
    let mut fleet = Vec::with_capacity(routers);
    for (i, r) in sim.routers.iter().enumerate() {
        let (transport, port) = if i % 2 == 0 {
            (Transport::Rest, r.rest_http)
        } else {
            (Transport::Api, r.api)
        };
        let row = routers::create(
            &db,
            NewRouter {
                name: format!("sim-{i}"),
                host: "127.0.0.1".to_owned(),
                port: Some(port),
                transport,
                tls: false,
                tls_verify: None,
                tls_fingerprint: None,
                username: r.user.clone(),
                password: r.password.clone(),
            },
            clock.now(),
        )
        .await
        .unwrap();
        let endpoint =
            routers::endpoint(&row, settings_row.router_tls_verify, ROUTER_TIMEOUT).unwrap();
        let client = RouterClient::new(endpoint).unwrap();
        let identity = client.identity().await.unwrap();
        fleet.push(Arc::new((row.id, client, identity)));
    }

    // Every peer carries constant traffic, so its counters move on every poll.
    let body_of = |key: &str| {
        serde_json::json!({
            "public_key": key,
            "profile": {"kind": "constant", "rx_per_sec": RX_PER_SEC, "tx_per_sec": TX_PER_SEC},
        })
        .to_string()
    };
    let mut set = tokio::task::JoinSet::new();
    for (i, r) in fleet.iter().enumerate() {
        let peers = r.1.list_peers().await.unwrap();
        assert_eq!(peers.len(), peers_per);
        let bodies: Vec<String> = peers.iter().map(|p| body_of(&p.public_key)).collect();
        let http = http.clone();
        let url = format!("{control}/routers/{i}/peers/profile");
        set.spawn(async move {
            for body in bodies {
                let resp = http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert!(resp.status().is_success(), "{}", resp.status());
            }
        });
        if set.len() >= 8 {
            set.join_next().await.unwrap().unwrap();
        }
    }
    while let Some(r) = set.join_next().await {
        r.unwrap();
    }
    let advance = |http: reqwest::Client| {
        let url = format!("{control}/advance");
        async move {
            let resp = http
                .post(url)
                .header("content-type", "application/json")
                .body(format!("{{\"seconds\":{INTERVAL_SECS}}}"))
                .send()
                .await
                .unwrap();
            assert!(resp.status().is_success());
        }
    };
    advance(http.clone()).await;
    clock.advance(TimeDelta::seconds(INTERVAL_SECS));

    // Import every peer (tracked, baseline = current counters), a few routers at a time on
    // PostgreSQL; one at a time on SQLite, whose single writer would keep a queue of imports
    // (hundreds of statements each) waiting past the busy timeout on a slow machine.
    let imports = Arc::new(Semaphore::new(if backend == "sqlite" { 1 } else { 4 }));
    let mut set = tokio::task::JoinSet::new();
    for r in &fleet {
        let (r, db, imports, now) = (r.clone(), db.clone(), imports.clone(), clock.now());
        set.spawn(async move {
            let _permit = imports.acquire().await.unwrap();
            let peers = r.1.list_peers().await.unwrap();
            routers::import_peers(&db, r.0, &peers, now).await.unwrap();
        });
    }
    while let Some(r) = set.join_next().await {
        r.unwrap();
    }
    eprintln!(
        "{spec}: {routers} routers x {peers_per} peers set up in {:.1} s",
        setup_started.elapsed().as_secs_f64()
    );

    let permits = Arc::new(Semaphore::new(MAX_CONCURRENT_POLLS));
    let mut cycle_ms = Vec::new();
    let mut cpu = Vec::new();
    let mut sim_cpu = Vec::new();
    let mut pg_cpu = Vec::new();
    let mut read_ms = Vec::new();
    let mut commit_ms = Vec::new();
    let mut to_commit_ms = Vec::new();
    let mut enforce_ms = Vec::new();
    let mut commit_sum_ms = Vec::new();
    let mut size_before = 0;
    let mut failures = 0usize;
    for cycle in 0..WARMUP_CYCLES + cycles {
        if cycle == WARMUP_CYCLES {
            size_before = db_size(&db, &test_db.target).await;
        }
        advance(http.clone()).await;
        clock.advance(TimeDelta::seconds(INTERVAL_SECS));
        let (cpu0, sim0, pg0) = (
            cpu_seconds("self"),
            cpu_seconds(&sim_pid),
            postgres_cpu_seconds(),
        );
        let mut set = tokio::task::JoinSet::new();
        for r in &fleet {
            let (r, db, permits, clock) = (r.clone(), db.clone(), permits.clone(), clock.clone());
            set.spawn(async move {
                let (router_id, client, identity) = (&r.0, &r.1, &r.2);
                let start = Instant::now();
                // What the poll job's task does each time: its router row and the settings.
                let row = router_entity::Entity::find_by_id(*router_id)
                    .one(&db)
                    .await
                    .unwrap();
                assert!(row.is_some());
                let settings_row = settings::load(&db).await.unwrap();
                let rollup = rollup_settings(&settings_row).unwrap();
                let _permit = permits.acquire().await.unwrap();
                // poll_once, with its two phases timed apart.
                let polled = Instant::now();
                let at = clock.now();
                let read = async {
                    let resource = client.system_resource().await?;
                    let peers = client.list_peers().await?;
                    Ok::<_, server::routeros::RouterError>((resource, peers))
                };
                let (resource, peers) = tokio::time::timeout(ROUTER_TIMEOUT, read)
                    .await
                    .expect("router timeout")
                    .expect("router error");
                let read_done = Instant::now();
                let reading = PollReading {
                    at,
                    identity: identity.clone(),
                    resource,
                    peers,
                };
                let result = commit_poll(&db, *router_id, &reading, rollup, polled.elapsed()).await;
                let committed = Instant::now();
                let mut ok = match result {
                    Ok(summary) => summary.raw_samples == reading.peers.len(),
                    Err(err) => {
                        eprintln!("router {router_id}: commit failed: {err}");
                        false
                    }
                };
                // The rest of poll_once (router down/up hysteresis), then the enforcement pass
                // router_task runs after every successful poll, with its client and settings.
                alerts::router_state::after_poll(&db, *router_id, ok, None, at)
                    .await
                    .unwrap();
                match enforcement::after_poll(
                    &db,
                    *router_id,
                    client,
                    &settings_row,
                    clock.now(),
                    ROUTER_TIMEOUT,
                )
                .await
                {
                    Ok(report) if report.acted() || report.quota_alerts > 0 => {
                        eprintln!("router {router_id}: enforcement acted: {report:?}");
                        ok = false;
                    }
                    Ok(_) => {}
                    Err(err) => {
                        eprintln!("router {router_id}: enforcement failed: {err}");
                        ok = false;
                    }
                }
                let end = Instant::now();
                (
                    ok,
                    Timing {
                        start,
                        read: read_done - polled,
                        commit: committed - read_done,
                        enforce: end - committed,
                        committed,
                        end,
                    },
                )
            });
        }
        let mut timings = Vec::with_capacity(fleet.len());
        while let Some(r) = set.join_next().await {
            let (ok, t) = r.unwrap();
            if !ok {
                failures += 1;
            }
            timings.push(t);
        }
        let (cpu1, sim1, pg1) = (
            cpu_seconds("self"),
            cpu_seconds(&sim_pid),
            postgres_cpu_seconds(),
        );
        let first = timings.iter().map(|t| t.start).min().unwrap();
        let last = timings.iter().map(|t| t.end).max().unwrap();
        let wall = (last - first).as_secs_f64() * 1000.0;
        let last_commit = timings.iter().map(|t| t.committed).max().unwrap();
        let to_commit = (last_commit - first).as_secs_f64() * 1000.0;
        let reads: Vec<f64> = timings
            .iter()
            .map(|t| t.read.as_secs_f64() * 1000.0)
            .collect();
        let commits: Vec<f64> = timings
            .iter()
            .map(|t| t.commit.as_secs_f64() * 1000.0)
            .collect();
        let enforces: Vec<f64> = timings
            .iter()
            .map(|t| t.enforce.as_secs_f64() * 1000.0)
            .collect();
        eprintln!(
            "{spec}: cycle {cycle}{} {wall:.0} ms, cpu {:.2} s (sim {:.2} s, postgres {:.2} s), read mean {:.1} ms, commit mean {:.1} ms (sum {:.0} ms), enforce mean {:.1} ms",
            if cycle < WARMUP_CYCLES {
                " (warm-up)"
            } else {
                ""
            },
            cpu1 - cpu0,
            sim1 - sim0,
            pg1 - pg0,
            reads.iter().sum::<f64>() / reads.len() as f64,
            commits.iter().sum::<f64>() / commits.len() as f64,
            commits.iter().sum::<f64>(),
            enforces.iter().sum::<f64>() / enforces.len() as f64,
        );
        if cycle >= WARMUP_CYCLES {
            cycle_ms.push(wall);
            to_commit_ms.push(to_commit);
            cpu.push(cpu1 - cpu0);
            sim_cpu.push(sim1 - sim0);
            pg_cpu.push(pg1 - pg0);
            commit_sum_ms.push(commits.iter().sum::<f64>());
            read_ms.extend(reads);
            commit_ms.extend(commits);
            enforce_ms.extend(enforces);
        }
    }
    let size_after = db_size(&db, &test_db.target).await;
    let growth_per_cycle = size_after.saturating_sub(size_before) as f64 / cycles as f64;

    cycle_ms.sort_by(f64::total_cmp);
    to_commit_ms.sort_by(f64::total_cmp);
    read_ms.sort_by(f64::total_cmp);
    commit_ms.sort_by(f64::total_cmp);
    enforce_ms.sort_by(f64::total_cmp);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let line = serde_json::json!({
        "routers": routers,
        "peers": peers_total,
        "backend": backend,
        "cycle_ms_p50": round2(percentile(&cycle_ms, 50.0)),
        "cycle_ms_p95": round2(percentile(&cycle_ms, 95.0)),
        "to_last_commit_ms_p50": round2(percentile(&to_commit_ms, 50.0)),
        "to_last_commit_ms_p95": round2(percentile(&to_commit_ms, 95.0)),
        "cpu_s_per_cycle": round2(mean(&cpu) * 100.0) / 100.0,
        "rss_peak_mb": round2(status_kb("VmHWM:") as f64 / 1024.0),
        "db_bytes": (growth_per_cycle * CYCLES_PER_DAY).round() as u64,
        "db_bytes_end": size_after,
        "sim_cpu_s_per_cycle": round2(mean(&sim_cpu) * 100.0) / 100.0,
        "postgres_cpu_s_per_cycle": round2(mean(&pg_cpu) * 100.0) / 100.0,
        "router_read_ms_p50": round2(percentile(&read_ms, 50.0)),
        "router_commit_ms_p50": round2(percentile(&commit_ms, 50.0)),
        "router_commit_ms_p95": round2(percentile(&commit_ms, 95.0)),
        "commit_ms_sum_per_cycle": round2(mean(&commit_sum_ms)),
        "router_enforce_ms_p50": round2(percentile(&enforce_ms, 50.0)),
        "router_enforce_ms_p95": round2(percentile(&enforce_ms, 95.0)),
        "cycles": cycles,
        "failed_polls": failures,
    });
    drop(sim);
    test_db.cleanup().await;
    line.to_string()
}
