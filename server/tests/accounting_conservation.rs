//! Conservation against routeros-sim (SPEC §3): more than 1,000 polls of two simulated routers
//! (one over REST, one over the binary API) on a virtual clock, with random faults (router
//! down, hanging, slow, malformed replies) and events (reboot, peer reset, peer re-created,
//! peer deleted and added back). Afterwards, for every peer, the bytes the engine accounted
//! equal exactly what the simulator's ledger says a baseline-then-delta poller could observe,
//! and raw deltas = hourly = daily = monthly = `peer_counters` totals, bucket by bucket, across
//! a billing-cycle boundary and a DST change in Europe/Berlin. On SQLite, and on PostgreSQL
//! when `WGMIK_TEST_POSTGRES_URL` is set.
//!
//! The schedule is seeded, so a run repeats exactly. Resets are rare (under 2 % of polls), as
//! on a real router; a peer reset whose counters climb back above their last read values
//! before the next poll cannot be seen by any poller (see `accounting::delta`), and the test
//! reports whether its schedule produced one rather than weakening the equality.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use routeros_sim::{Fault, LedgerEntry, RouterHandle, SimConfig, Simulator, TrafficProfile};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use server::clock::{Clock, ManualClock};
use server::db::entities::{
    counter_reset, peer, peer_counter, raw_sample, router, router_health, usage_router_daily,
};
use server::db::poll_commit::RollupSettings;
use server::db::routers::{self, NewRouter};
use server::db::settings;
use server::db::testing::{TestDb, all_backends};
use server::routeros::{RouterClient, RouterError, RouterOs, Transport};
use server::scheduler::poll::{PollError, poll_once, rollup_settings};

/// Rounds of polling; every round polls both routers, so 2 × ROUNDS polls (plus a final one).
const ROUNDS: usize = 560;
const POLL_INTERVAL: Duration = Duration::from_secs(30);
/// History simulated before the import, so baselines are not zero.
const WARMUP: Duration = Duration::from_secs(900);
/// The poll's time limit when the router is expected to hang or be too slow.
const SHORT_TIMEOUT: Duration = Duration::from_millis(300);
/// The poll's time limit otherwise (generous: the machine may be loaded).
const NORMAL_TIMEOUT: Duration = Duration::from_secs(10);
/// The clients' own per-call timeout (above SHORT_TIMEOUT: the poll's limit fires first).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);
const SLOW_OK: Duration = Duration::from_millis(15);
const SLOW_FAIL: Duration = Duration::from_millis(1_000);
const TIMEZONE: &str = "Europe/Berlin";
const RESET_DAY: u32 = 28;
const PEERS_PER_ROUTER: usize = 20;
/// Never delete below this many peers on one router.
const MIN_PRESENT: usize = 14;

/// Per-mille chances per router per round.
const P_DOWN: u32 = 30;
const P_HANG: u32 = 12;
const P_SLOW_FAIL: u32 = 12;
const P_SLOW_OK: u32 = 25;
const P_MALFORMED: u32 = 25;
const P_REBOOT: u32 = 3;
const P_RESET_PEER: u32 = 8;
const P_RECREATE: u32 = 6;
const P_DELETE: u32 = 4;
const P_READD: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum FaultKind {
    /// Connections accepted and closed at once, and the old connection is gone too.
    Down,
    /// Connections accepted and never answered.
    Hang,
    /// Every answer later than the poll's time limit.
    SlowFail,
    /// Every answer a little late, well within the limit.
    SlowOk,
    /// Truncated JSON (REST) or a reserved length byte (API).
    Malformed,
}

impl FaultKind {
    fn fails(self) -> bool {
        !matches!(self, FaultKind::SlowOk)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum EventKind {
    Reboot,
    ResetPeer,
    RecreatePeer,
    DeletePeer,
    ReaddPeer,
    /// Scripted: re-create a peer and make it carry more than its old counters showed before
    /// the next poll. Only the changed `.id` reveals this reset.
    RecreateClimb,
    /// Scripted: add a deleted peer back, carrying more than its old counters before the next
    /// poll (new `.id` again).
    ReaddClimb,
}

/// Scripted events on top of the random ones: (round, router index, event).
const SCRIPT: [(usize, usize, EventKind); 5] = [
    (150, 0, EventKind::RecreateClimb),
    (300, 1, EventKind::RecreateClimb),
    (380, 1, EventKind::DeletePeer),
    (400, 1, EventKind::ReaddClimb),
    (420, 0, EventKind::RecreateClimb),
];

type Key = (String, String);

struct Deleted {
    interface: String,
    public_key: String,
    profile: TrafficProfile,
    /// Its counters when deleted.
    rx: u64,
    tx: u64,
}

struct RouterUnderTest {
    handle: RouterHandle,
    row: router::Model,
    client: RouterClient,
    /// Deleted from the router, may be added back.
    deleted: Vec<Deleted>,
    /// Profiles to put back after a scripted climb.
    restore: Vec<(String, TrafficProfile)>,
    /// Peers whose counters were reset since the last successful poll.
    pending_resets: HashSet<Key>,
}

impl RouterUnderTest {
    fn fresh_client(&mut self) {
        self.client = client_for(&self.row);
    }
}

fn client_for(row: &router::Model) -> RouterClient {
    RouterClient::new(routers::endpoint(row, false, CLIENT_TIMEOUT).unwrap()).unwrap()
}

#[derive(Default, Debug)]
struct Stats {
    polls: usize,
    polls_ok: usize,
    polls_failed: usize,
    faults: BTreeMap<String, usize>,
    errors: BTreeMap<String, usize>,
    events: BTreeMap<String, usize>,
    hidden_resets: Vec<String>,
    harmless_hidden_resets: usize,
    /// Resets detected although both counters were at or above their old values.
    climbed_resets_caught: BTreeMap<String, usize>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conservation_against_routeros_sim() {
    for test_db in all_backends("accounting_conservation").await {
        let started = Instant::now();
        run(&test_db).await;
        eprintln!(
            "[{:?}] conservation run took {:.1} s",
            test_db.backend,
            started.elapsed().as_secs_f64()
        );
        test_db.cleanup().await;
    }
}

async fn run(test_db: &TestDb) {
    let db = &test_db.db;
    let label = format!("{:?}", test_db.backend);
    let tz: Tz = TIMEZONE.parse().unwrap();

    // 21:00 UTC on 27 March 2027 = 22:00 CET. The run crosses 00:00 local on the 28th (a new
    // day and, with reset day 28, a new billing cycle) and 02:00 CET → 03:00 CEST at 01:00 UTC.
    let start = Utc.with_ymd_and_hms(2027, 3, 27, 21, 0, 0).unwrap();
    let clock = ManualClock::new(start - TimeDelta::from_std(WARMUP).unwrap());

    let mut row = settings::load(db).await.unwrap();
    row.timezone = TIMEZONE.to_owned();
    row.reset_day = i16::try_from(RESET_DAY).unwrap();
    settings::save(db, row, clock.now()).await.unwrap();
    let rollup = rollup_settings(&settings::load(db).await.unwrap()).unwrap();

    let sim = Simulator::start(SimConfig {
        routers: 2,
        peers_per_router: PEERS_PER_ROUTER,
        interfaces_per_router: 2,
        seed: 20_270_328,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    sim.advance(WARMUP);
    clock.advance(TimeDelta::from_std(WARMUP).unwrap());

    // Two routers: REST and API. Import every peer (tracked, baseline = what the list shows).
    let mut fleet = Vec::new();
    let mut peer_ids: HashMap<(i32, String, String), i32> = HashMap::new();
    for (i, transport) in [Transport::Rest, Transport::Api].into_iter().enumerate() {
        let handle = sim.router(i).clone();
        let port = match transport {
            Transport::Rest => handle.rest_http,
            Transport::Api => handle.api,
        };
        let row = routers::create(
            db,
            NewRouter {
                name: handle.identity.clone(),
                host: "127.0.0.1".to_owned(),
                port: Some(port),
                transport,
                tls: false,
                tls_verify: None,
                tls_fingerprint: None,
                username: handle.user.clone(),
                password: handle.password.clone(),
            },
            clock.now(),
        )
        .await
        .unwrap();
        let client = client_for(&row);
        let listed = client.list_peers().await.unwrap();
        assert_eq!(listed.len(), PEERS_PER_ROUTER);
        routers::import_peers(db, row.id, &listed, clock.now())
            .await
            .unwrap();
        for p in peer::Entity::find()
            .filter(peer::Column::RouterId.eq(row.id))
            .all(db)
            .await
            .unwrap()
        {
            assert!(p.tracked);
            peer_ids.insert((row.id, p.interface.clone(), p.public_key.clone()), p.id);
        }
        fleet.push(RouterUnderTest {
            handle,
            row,
            client,
            deleted: Vec::new(),
            restore: Vec::new(),
            pending_resets: HashSet::new(),
        });
    }
    let id_to_key: HashMap<i32, Key> = peer_ids
        .iter()
        .map(|((_, iface, key), id)| (*id, (iface.clone(), key.clone())))
        .collect();

    let mut rng = StdRng::seed_from_u64(0x5eed_2027);
    let mut stats = Stats::default();
    let interval = TimeDelta::from_std(POLL_INTERVAL).unwrap();

    for round in 0..=ROUNDS {
        let last = round == ROUNDS;
        // Decide this round's events and faults (none in the first and the final round).
        let quiet = round == 0 || last;
        let mut events: Vec<Option<EventKind>> = Vec::new();
        let mut faults: Vec<Option<FaultKind>> = Vec::new();
        for (i, r) in fleet.iter_mut().enumerate() {
            for (key, profile) in r.restore.drain(..) {
                r.handle.set_peer_profile(&key, profile);
            }
            let random = if quiet { None } else { draw_event(&mut rng, r) };
            let scripted = SCRIPT
                .iter()
                .find(|(at, router, _)| *at == round && *router == i)
                .map(|(_, _, e)| *e);
            events.push(scripted.or(random));
            faults.push(if quiet { None } else { draw_fault(&mut rng) });
        }
        // Events happen at a random second inside the interval: bytes carried between the
        // previous read and the event are lost to a reset, as on a real router.
        let at_secs = rng.random_range(1..POLL_INTERVAL.as_secs());
        sim.advance(Duration::from_secs(at_secs));
        for (r, event) in fleet.iter_mut().zip(&events) {
            if let Some(event) = *event {
                let remaining = POLL_INTERVAL.as_secs() - at_secs;
                apply_event(r, event, remaining, &mut rng);
                *stats.events.entry(format!("{event:?}")).or_default() += 1;
            }
        }
        sim.advance(POLL_INTERVAL - Duration::from_secs(at_secs));
        clock.advance(interval);

        for (r, fault) in fleet.iter_mut().zip(&faults) {
            let timeout = match fault {
                Some(FaultKind::Hang | FaultKind::SlowFail) => SHORT_TIMEOUT,
                _ => NORMAL_TIMEOUT,
            };
            if let Some(fault) = *fault {
                *stats.faults.entry(format!("{fault:?}")).or_default() += 1;
                inject(r, fault);
            }
            poll_and_check(
                db, r, *fault, rollup, &clock, timeout, &id_to_key, &mut stats,
            )
            .await;
            r.handle.clear_faults();
        }
    }

    // Every client has read the counters just now: nothing may be pending.
    let mut ledger: Vec<(i32, LedgerEntry)> = Vec::new();
    for r in &fleet {
        for e in r.handle.ledger() {
            ledger.push((r.row.id, e));
        }
    }
    check_books(db, &label, tz, &ledger, &peer_ids, &stats).await;
    sim.shutdown().await;
}

fn draw_event(rng: &mut StdRng, r: &RouterUnderTest) -> Option<EventKind> {
    let roll = rng.random_range(0..1000u32);
    let mut edge = 0;
    for (p, kind) in [
        (P_REBOOT, EventKind::Reboot),
        (P_RESET_PEER, EventKind::ResetPeer),
        (P_RECREATE, EventKind::RecreatePeer),
        (P_DELETE, EventKind::DeletePeer),
        (P_READD, EventKind::ReaddPeer),
    ] {
        edge += p;
        if roll < edge {
            let present = r.handle.peers().len();
            return match kind {
                EventKind::DeletePeer if present <= MIN_PRESENT => None,
                EventKind::ReaddPeer if r.deleted.is_empty() => None,
                _ => Some(kind),
            };
        }
    }
    None
}

fn draw_fault(rng: &mut StdRng) -> Option<FaultKind> {
    let roll = rng.random_range(0..1000u32);
    let mut edge = 0;
    for (p, kind) in [
        (P_DOWN, FaultKind::Down),
        (P_HANG, FaultKind::Hang),
        (P_SLOW_FAIL, FaultKind::SlowFail),
        (P_SLOW_OK, FaultKind::SlowOk),
        (P_MALFORMED, FaultKind::Malformed),
    ] {
        edge += p;
        if roll < edge {
            return Some(kind);
        }
    }
    None
}

/// A constant profile that carries more than `rx`/`tx` within `secs` seconds.
fn climb(rx: u64, tx: u64, secs: u64) -> TrafficProfile {
    TrafficProfile::Constant {
        rx_per_sec: rx / secs + 1_000,
        tx_per_sec: tx / secs + 1_000,
    }
}

fn apply_event(r: &mut RouterUnderTest, event: EventKind, remaining_secs: u64, rng: &mut StdRng) {
    let peers = r.handle.peers();
    let pick = &peers[rng.random_range(0..peers.len())];
    let key = (pick.interface.clone(), pick.public_key.clone());
    match event {
        EventKind::Reboot => {
            r.handle.reboot();
            for p in &peers {
                r.pending_resets
                    .insert((p.interface.clone(), p.public_key.clone()));
            }
        }
        EventKind::ResetPeer => {
            assert!(r.handle.reset_peer(&pick.public_key));
            r.pending_resets.insert(key);
        }
        EventKind::RecreatePeer => {
            assert!(r.handle.recreate_peer(&pick.public_key));
            r.pending_resets.insert(key);
        }
        EventKind::DeletePeer => {
            assert!(r.handle.delete_peer(&pick.public_key));
            r.pending_resets.remove(&key);
            r.deleted.push(Deleted {
                interface: pick.interface.clone(),
                public_key: pick.public_key.clone(),
                profile: pick.profile,
                rx: pick.rx,
                tx: pick.tx,
            });
        }
        EventKind::ReaddPeer => {
            let d = r.deleted.remove(rng.random_range(0..r.deleted.len()));
            assert!(
                r.handle
                    .add_peer(&d.interface, &d.public_key, d.profile)
                    .is_some()
            );
            r.pending_resets.insert((d.interface, d.public_key));
        }
        EventKind::RecreateClimb => {
            // The peer with the smallest non-zero counters: the easiest to overtake.
            let p = peers
                .iter()
                .filter(|p| p.rx > 0 && p.tx > 0)
                .min_by_key(|p| p.rx.max(p.tx))
                .unwrap();
            assert!(r.handle.recreate_peer(&p.public_key));
            r.handle
                .set_peer_profile(&p.public_key, climb(p.rx, p.tx, remaining_secs));
            r.restore.push((p.public_key.clone(), p.profile));
            r.pending_resets
                .insert((p.interface.clone(), p.public_key.clone()));
        }
        EventKind::ReaddClimb => {
            let d = r.deleted.pop().unwrap();
            assert!(
                r.handle
                    .add_peer(
                        &d.interface,
                        &d.public_key,
                        climb(d.rx, d.tx, remaining_secs)
                    )
                    .is_some()
            );
            r.restore.push((d.public_key.clone(), d.profile));
            r.pending_resets.insert((d.interface, d.public_key));
        }
    }
}

fn inject(r: &mut RouterUnderTest, fault: FaultKind) {
    match fault {
        FaultKind::Down => {
            // The router went away: its connections are gone too.
            r.handle.set_fault(Fault::RefuseConnections);
            r.fresh_client();
        }
        FaultKind::Hang => {
            r.handle.set_fault(Fault::Hang);
            r.fresh_client();
        }
        FaultKind::SlowFail => r.handle.set_fault(Fault::Slow(SLOW_FAIL)),
        FaultKind::SlowOk => r.handle.set_fault(Fault::Slow(SLOW_OK)),
        FaultKind::Malformed => r.handle.set_fault(match r.row.transport.as_str() {
            "api" => Fault::MalformedApi,
            _ => Fault::MalformedRest,
        }),
    }
}

async fn health(db: &DatabaseConnection, router_id: i32) -> Option<router_health::Model> {
    router_health::Entity::find_by_id(router_id)
        .one(db)
        .await
        .unwrap()
}

async fn counters_of(db: &DatabaseConnection, router_id: i32) -> HashMap<i32, (i64, i64)> {
    let ids: Vec<i32> = peer::Entity::find()
        .filter(peer::Column::RouterId.eq(router_id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    peer_counter::Entity::find()
        .filter(peer_counter::Column::PeerId.is_in(ids))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.peer_id, (c.rx, c.tx)))
        .collect()
}

fn variant(err: &PollError) -> String {
    match err {
        PollError::Router(e) => format!("Router::{}", debug_head(e)),
        PollError::Timeout(_) => "Timeout".to_owned(),
        PollError::Commit(_) => "Commit".to_owned(),
        PollError::Db(_) => "Db".to_owned(),
        PollError::Setting(_) => "Setting".to_owned(),
    }
}

fn debug_head(e: &RouterError) -> String {
    let text = format!("{e:?}");
    text.split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[allow(clippy::too_many_arguments)]
async fn poll_and_check(
    db: &DatabaseConnection,
    r: &mut RouterUnderTest,
    fault: Option<FaultKind>,
    rollup: RollupSettings,
    clock: &ManualClock,
    timeout: Duration,
    id_to_key: &HashMap<i32, Key>,
    stats: &mut Stats,
) {
    let id = r.row.id;
    let at = clock.now();
    let before = health(db, id).await;
    let counters_before = if r.pending_resets.is_empty() {
        HashMap::new()
    } else {
        counters_of(db, id).await
    };
    let ledger_before = r.handle.ledger();
    let result = poll_once(
        db,
        id,
        &r.client,
        &r.handle.identity,
        rollup,
        clock,
        timeout,
    )
    .await;
    stats.polls += 1;
    let after = health(db, id).await.unwrap();
    let expect_failure = fault.is_some_and(FaultKind::fails);
    match result {
        Ok(summary) => {
            assert!(
                !expect_failure,
                "router {id} at {at}: {fault:?} should have failed the poll, got {summary:?}"
            );
            stats.polls_ok += 1;
            assert_eq!(summary.peers_listed, r.handle.peers().len());
            assert_eq!(after.last_success_at, Some(at));
            assert_eq!(after.last_attempt_at, Some(at));
            assert_eq!(after.consecutive_failures, 0);
            assert_eq!(after.last_error, None);
            if !r.pending_resets.is_empty() {
                check_resets_seen(db, r, at, &counters_before, id_to_key, stats).await;
            }
        }
        Err(err) => {
            stats.polls_failed += 1;
            let kind = variant(&err);
            *stats.errors.entry(kind.clone()).or_default() += 1;
            let expected = match fault {
                Some(FaultKind::Hang | FaultKind::SlowFail) => {
                    matches!(err, PollError::Timeout(t) if t == SHORT_TIMEOUT)
                }
                Some(FaultKind::Down) => matches!(
                    err,
                    PollError::Router(RouterError::CannotConnect { .. } | RouterError::Protocol(_))
                ),
                Some(FaultKind::Malformed) => matches!(
                    err,
                    PollError::Router(RouterError::Protocol(_) | RouterError::Parse { .. })
                ),
                _ => false,
            };
            assert!(
                expected,
                "router {id} ({}) at {at}: unexpected poll error under {fault:?}: {kind}: {err}",
                r.row.transport
            );
            // No counter was shown to the client, and the simulator booked no read: a failed
            // poll fails before its peer list call. (The simulator books a read when it builds
            // a reply, even one it then truncates or delivers after the client gave up; a poll
            // that failed after listing peers would let the ledger count bytes as observed
            // that no client saw.)
            assert_eq!(
                r.handle.ledger(),
                ledger_before,
                "router {id} at {at}: the simulator booked a read during a failed poll"
            );
            // The failure is on record; nothing about the last success changed.
            assert_eq!(after.last_attempt_at, Some(at));
            assert_eq!(after.last_error.as_deref(), Some(err.to_string().as_str()));
            let failures_before = before.as_ref().map_or(0, |h| h.consecutive_failures);
            assert_eq!(after.consecutive_failures, failures_before + 1);
            assert_eq!(
                after.last_success_at,
                before.as_ref().and_then(|h| h.last_success_at)
            );
            assert_eq!(
                after.last_uptime_seconds,
                before.as_ref().and_then(|h| h.last_uptime_seconds)
            );
            // As the poll job does: after a failure, the next try starts with a fresh client.
            r.fresh_client();
        }
    }
}

/// After a successful poll that follows resets: each reset peer whose counters had shown
/// bytes must have a counter-reset event at this poll, or the reset was invisible (the
/// documented limitation: its counters climbed back above the last read values).
async fn check_resets_seen(
    db: &DatabaseConnection,
    r: &mut RouterUnderTest,
    at: DateTime<Utc>,
    counters_before: &HashMap<i32, (i64, i64)>,
    id_to_key: &HashMap<i32, Key>,
    stats: &mut Stats,
) {
    let key_to_id: HashMap<&Key, i32> = id_to_key.iter().map(|(id, k)| (k, *id)).collect();
    let ids: Vec<i32> = r
        .pending_resets
        .iter()
        .filter_map(|k| key_to_id.get(k).copied())
        .collect();
    let rows: Vec<counter_reset::Model> = counter_reset::Entity::find()
        .filter(counter_reset::Column::PeerId.is_in(ids.clone()))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.at == at)
        .collect();
    for row in &rows {
        if row.new_rx >= row.old_rx && row.new_tx >= row.old_tx && row.old_rx + row.old_tx > 0 {
            *stats
                .climbed_resets_caught
                .entry(row.cause.clone())
                .or_default() += 1;
        }
    }
    let seen: HashSet<i32> = rows.iter().map(|row| row.peer_id).collect();
    for peer_id in ids {
        if seen.contains(&peer_id) {
            continue;
        }
        let last = counters_before.get(&peer_id).copied().unwrap_or((0, 0));
        if last == (0, 0) {
            // Nothing had been read yet: a reset from 0 loses nothing.
            stats.harmless_hidden_resets += 1;
        } else {
            stats.hidden_resets.push(format!(
                "router {} peer {peer_id} {:?} at {at}: last read {last:?}",
                r.row.id, id_to_key[&peer_id]
            ));
        }
    }
    r.pending_resets.clear();
}

fn cycle_label(date: NaiveDate) -> NaiveDate {
    let this = NaiveDate::from_ymd_opt(date.year(), date.month(), RESET_DAY).unwrap();
    if date >= this {
        this
    } else {
        this.checked_sub_months(Months::new(1)).unwrap()
    }
}

fn hour_start(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp() - at.timestamp().rem_euclid(3600), 0).unwrap()
}

type Sums<B> = BTreeMap<(i32, B), (i64, i64)>;

fn nonzero<B: Ord>(m: Sums<B>) -> Sums<B> {
    m.into_iter().filter(|(_, v)| *v != (0, 0)).collect()
}

fn add<B: Ord>(map: &mut Sums<B>, key: (i32, B), rx: i64, tx: i64) {
    let e = map.entry(key).or_default();
    e.0 += rx;
    e.1 += tx;
}

async fn check_books(
    db: &DatabaseConnection,
    label: &str,
    tz: Tz,
    ledger: &[(i32, LedgerEntry)],
    peer_ids: &HashMap<(i32, String, String), i32>,
    stats: &Stats,
) {
    // Raw samples, bucketed independently of the engine.
    let mut raw_total: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    let mut raw_hourly: Sums<DateTime<Utc>> = BTreeMap::new();
    let mut raw_daily: Sums<NaiveDate> = BTreeMap::new();
    let mut raw_monthly: Sums<NaiveDate> = BTreeMap::new();
    let samples = raw_sample::Entity::find().all(db).await.unwrap();
    for s in &samples {
        assert!(s.delta_rx >= 0 && s.delta_tx >= 0, "negative delta {s:?}");
        let t = raw_total.entry(s.peer_id).or_default();
        t.0 += s.delta_rx;
        t.1 += s.delta_tx;
        let local = s.at.with_timezone(&tz).date_naive();
        add(
            &mut raw_hourly,
            (s.peer_id, hour_start(s.at)),
            s.delta_rx,
            s.delta_tx,
        );
        add(&mut raw_daily, (s.peer_id, local), s.delta_rx, s.delta_tx);
        add(
            &mut raw_monthly,
            (s.peer_id, cycle_label(local)),
            s.delta_rx,
            s.delta_tx,
        );
    }

    // The rollups as readers see them: closed rows plus open sums.
    let hourly: Sums<DateTime<Utc>> = server::db::usage::all_hourly(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| ((r.peer_id, r.hour_start), (r.rx, r.tx)))
        .collect();
    let daily: Sums<NaiveDate> = server::db::usage::all_daily(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| ((r.peer_id, r.day), (r.rx, r.tx)))
        .collect();
    let monthly: Sums<NaiveDate> = server::db::usage::all_monthly(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| ((r.peer_id, r.cycle_start), (r.rx, r.tx)))
        .collect();
    assert_eq!(
        nonzero(hourly.clone()),
        nonzero(raw_hourly),
        "[{label}] hourly ≠ raw per hour"
    );
    assert_eq!(
        nonzero(daily.clone()),
        nonzero(raw_daily),
        "[{label}] daily ≠ raw per local day"
    );
    assert_eq!(
        nonzero(monthly.clone()),
        nonzero(raw_monthly),
        "[{label}] monthly ≠ raw per billing cycle"
    );

    // The routers' daily sums (the dashboard's chart) = the per-peer daily rows summed per
    // router, after every fault: both are written in the same poll transaction.
    let router_of: HashMap<i32, i32> = peer::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.router_id))
        .collect();
    let mut daily_per_router: Sums<NaiveDate> = BTreeMap::new();
    for ((peer_id, day), (rx, tx)) in &daily {
        add(&mut daily_per_router, (router_of[peer_id], *day), *rx, *tx);
    }
    let router_daily: Sums<NaiveDate> = usage_router_daily::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| ((r.router_id, r.day), (r.rx, r.tx)))
        .collect();
    assert!(!router_daily.is_empty(), "[{label}] no router daily sums");
    assert_eq!(
        nonzero(router_daily),
        nonzero(daily_per_router),
        "[{label}] router daily sums ≠ per-peer daily rows per router"
    );

    // The run crossed a day and cycle boundary and the DST change.
    let cycles: HashSet<NaiveDate> = monthly.keys().map(|(_, c)| *c).collect();
    let feb = NaiveDate::from_ymd_opt(2027, 2, 28).unwrap();
    let mar = NaiveDate::from_ymd_opt(2027, 3, 28).unwrap();
    assert!(cycles.contains(&feb) && cycles.contains(&mar), "{cycles:?}");
    let hours: HashSet<DateTime<Utc>> = hourly.keys().map(|(_, h)| *h).collect();
    for h in [0, 1] {
        // 01:00 CET and 03:00 CEST: the hours either side of the missing 02:00.
        assert!(hours.contains(&Utc.with_ymd_and_hms(2027, 3, 28, h, 0, 0).unwrap()));
    }

    let counters: HashMap<i32, peer_counter::Model> = peer_counter::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.peer_id, c))
        .collect();
    let per_peer = |m: &Sums<NaiveDate>| {
        let mut out: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
        for ((p, _), (rx, tx)) in m {
            let e = out.entry(*p).or_default();
            e.0 += rx;
            e.1 += tx;
        }
        out
    };
    let monthly_per_peer = per_peer(&monthly);
    let daily_per_peer = per_peer(&daily);

    // The ledger, peer by peer.
    let mut mismatches = Vec::new();
    let (mut carried, mut observed, mut unobservable, mut before_first) = (0u64, 0u64, 0u64, 0u64);
    let mut seen_peers = HashSet::new();
    for (router_id, e) in ledger {
        assert_eq!(
            e.carried_rx,
            e.before_first_read_rx + e.observed_rx + e.unobservable_rx + e.pending_rx
        );
        assert_eq!(
            e.carried_tx,
            e.before_first_read_tx + e.observed_tx + e.unobservable_tx + e.pending_tx
        );
        assert_eq!(
            (e.pending_rx, e.pending_tx),
            (0, 0),
            "final poll left bytes unread: {e:?}"
        );
        let peer_id = peer_ids[&(*router_id, e.interface.clone(), e.public_key.clone())];
        seen_peers.insert(peer_id);
        let accounted = monthly_per_peer.get(&peer_id).copied().unwrap_or((0, 0));
        let raw = raw_total.get(&peer_id).copied().unwrap_or((0, 0));
        let day = daily_per_peer.get(&peer_id).copied().unwrap_or((0, 0));
        let c = &counters[&peer_id];
        assert_eq!(raw, accounted, "[{label}] peer {peer_id}: raw ≠ monthly");
        assert_eq!(day, accounted, "[{label}] peer {peer_id}: daily ≠ monthly");
        assert_eq!(
            (c.total_rx, c.total_tx),
            accounted,
            "[{label}] peer {peer_id}: totals"
        );
        let want = (
            i64::try_from(e.observed_rx).unwrap(),
            i64::try_from(e.observed_tx).unwrap(),
        );
        if accounted != want {
            mismatches.push(format!(
                "peer {peer_id} {}/{} present={}: accounted {accounted:?}, ledger observed {want:?} \
                 (carried {}/{}, unobservable {}/{})",
                e.interface,
                e.public_key,
                e.present,
                e.carried_rx,
                e.carried_tx,
                e.unobservable_rx,
                e.unobservable_tx
            ));
        }
        carried += e.carried_rx + e.carried_tx;
        observed += e.observed_rx + e.observed_tx;
        unobservable += e.unobservable_rx + e.unobservable_tx;
        before_first += e.before_first_read_rx + e.before_first_read_tx;
    }
    assert_eq!(
        seen_peers.len(),
        peer_ids.len(),
        "a tracked peer has no ledger entry"
    );

    let resets = counter_reset::Entity::find().all(db).await.unwrap();
    let mut causes: BTreeMap<String, usize> = BTreeMap::new();
    for r in &resets {
        *causes.entry(r.cause.clone()).or_default() += 1;
    }
    let missing = peer::Entity::find()
        .filter(peer::Column::MissingOnRouter.eq(true))
        .all(db)
        .await
        .unwrap()
        .len();
    eprintln!(
        "[{label}] polls {} (ok {}, failed {}), faults {:?}, errors {:?}, events {:?}",
        stats.polls, stats.polls_ok, stats.polls_failed, stats.faults, stats.errors, stats.events
    );
    eprintln!(
        "[{label}] bytes: carried {carried}, before first read {before_first}, observed = \
         accounted {observed}, unobservable {unobservable}; raw samples {}, hourly rows {}, \
         daily rows {}, monthly rows {} (cycles {:?}); counter_resets {} {causes:?}; peers \
         missing at the end {missing}; hidden resets {} (harmless, nothing read yet: {})",
        samples.len(),
        hourly.len(),
        daily.len(),
        monthly.len(),
        {
            let mut c: Vec<_> = cycles.into_iter().collect();
            c.sort();
            c
        },
        resets.len(),
        stats.hidden_resets.len(),
        stats.harmless_hidden_resets,
    );
    eprintln!(
        "[{label}] resets caught although counters had climbed back above their old values: {:?}",
        stats.climbed_resets_caught
    );
    for h in &stats.hidden_resets {
        eprintln!("[{label}] invisible reset (documented limitation): {h}");
    }
    assert!(stats.polls >= 1_000, "only {} polls", stats.polls);
    // The scripted re-creations were caught by the changed `.id`, not by a counter drop.
    assert!(
        stats
            .climbed_resets_caught
            .get("peer_reset")
            .copied()
            .unwrap_or(0)
            >= 4,
        "{:?}",
        stats.climbed_resets_caught
    );
    assert!(
        mismatches.is_empty(),
        "[{label}] accounted ≠ ledger for {} peers:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
