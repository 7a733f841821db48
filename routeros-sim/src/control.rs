//! The control HTTP API (JSON) on its own port: lets scripts and out-of-process tests fault
//! routers, reboot them, operate on peers, move the virtual clock and read ledgers and writes.
//! Routes are documented in routeros-sim/README.md.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::faults::Faults;
use crate::handle::RouterHandle;
use crate::traffic::TrafficProfile;

type Fleet = Arc<Vec<RouterHandle>>;

pub async fn serve(listener: TcpListener, fleet: Fleet, mut shutdown: watch::Receiver<bool>) {
    let app = Router::new()
        .route("/health", get(|| async { Json(json!({"ok": true})) }))
        .route("/routers", get(list))
        .route("/advance", post(advance))
        .route("/routers/{i}", get(one))
        .route("/routers/{i}/peers", get(peers))
        .route("/routers/{i}/ledger", get(ledger))
        .route("/routers/{i}/ledger/restart", post(ledger_restart))
        .route("/routers/{i}/writes", get(writes))
        .route(
            "/routers/{i}/faults",
            get(faults_get).post(faults_set).delete(faults_clear),
        )
        .route("/routers/{i}/reboot", post(reboot))
        .route("/routers/{i}/password", post(password))
        .route("/routers/{i}/policy", post(policy))
        .route("/routers/{i}/version", post(version))
        .route("/routers/{i}/singleton-as-array", post(singleton))
        .route("/routers/{i}/peers/reset", post(peer_reset))
        .route("/routers/{i}/peers/delete", post(peer_delete))
        .route("/routers/{i}/peers/recreate", post(peer_recreate))
        .route("/routers/{i}/peers/disabled", post(peer_disabled))
        .route("/routers/{i}/peers/profile", post(peer_profile))
        .route("/routers/{i}/peers/add", post(peer_add))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(fleet);
    let _ = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = shutdown.changed().await;
        })
        .await;
}

fn err(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({"error": msg}))).into_response()
}

/// The answer for a router index that does not exist.
struct NoRouter;

impl IntoResponse for NoRouter {
    fn into_response(self) -> Response {
        err(StatusCode::NOT_FOUND, "no such router")
    }
}

type Answer = Result<Response, NoRouter>;

fn router(fleet: &Fleet, i: usize) -> Result<&RouterHandle, NoRouter> {
    fleet.get(i).ok_or(NoRouter)
}

fn ok() -> Response {
    Json(json!({"ok": true})).into_response()
}

async fn list(State(f): State<Fleet>) -> Json<Value> {
    Json(Value::Array(
        f.iter().map(RouterHandle::info_json).collect(),
    ))
}

async fn one(State(f): State<Fleet>, Path(i): Path<usize>) -> Answer {
    let r = router(&f, i)?;
    let mut v = r.info_json();
    v["uptime_secs"] = json!(r.uptime().as_secs());
    v["faults"] = json!(r.faults());
    v["write_count"] = json!(r.write_count());
    Ok(Json(v).into_response())
}

#[derive(Deserialize)]
struct AdvanceBody {
    seconds: f64,
}

async fn advance(State(f): State<Fleet>, Json(b): Json<AdvanceBody>) -> Response {
    if !(b.seconds.is_finite() && b.seconds >= 0.0 && b.seconds <= 400.0 * 86_400.0) {
        return err(StatusCode::BAD_REQUEST, "seconds must be 0..=34560000");
    }
    let d = Duration::from_secs_f64(b.seconds);
    let fleet = f.clone();
    let _ = tokio::task::spawn_blocking(move || crate::fleet::advance_all(&fleet, d)).await;
    ok()
}

async fn peers(State(f): State<Fleet>, Path(i): Path<usize>) -> Answer {
    router(&f, i).map(|r| Json(r.peers()).into_response())
}

async fn ledger(State(f): State<Fleet>, Path(i): Path<usize>) -> Answer {
    router(&f, i).map(|r| Json(r.ledger()).into_response())
}

async fn ledger_restart(State(f): State<Fleet>, Path(i): Path<usize>) -> Answer {
    router(&f, i).map(|r| {
        r.restart_ledger();
        ok()
    })
}

async fn writes(State(f): State<Fleet>, Path(i): Path<usize>) -> Answer {
    router(&f, i).map(|r| {
        let w = r.writes();
        Json(json!({"count": w.len(), "writes": w})).into_response()
    })
}

async fn faults_get(State(f): State<Fleet>, Path(i): Path<usize>) -> Answer {
    router(&f, i).map(|r| Json(r.faults()).into_response())
}

#[derive(Deserialize)]
struct FaultBody {
    fault: String,
    delay_ms: Option<u64>,
}

async fn faults_set(
    State(f): State<Fleet>,
    Path(i): Path<usize>,
    Json(b): Json<FaultBody>,
) -> Answer {
    let r = router(&f, i)?;
    Ok(match Faults::parse(&b.fault, b.delay_ms) {
        Some(fault) => {
            r.set_fault(fault);
            Json(r.faults()).into_response()
        }
        None => err(
            StatusCode::BAD_REQUEST,
            "unknown fault (refuse, hang, slow, malformed_rest, malformed_api, stop_listening)",
        ),
    })
}

async fn faults_clear(State(f): State<Fleet>, Path(i): Path<usize>) -> Answer {
    router(&f, i).map(|r| {
        r.clear_faults();
        ok()
    })
}

async fn reboot(State(f): State<Fleet>, Path(i): Path<usize>) -> Answer {
    router(&f, i).map(|r| {
        r.reboot();
        ok()
    })
}

#[derive(Deserialize)]
struct PasswordBody {
    password: String,
}

async fn password(
    State(f): State<Fleet>,
    Path(i): Path<usize>,
    Json(b): Json<PasswordBody>,
) -> Answer {
    router(&f, i).map(|r| {
        r.set_password(&b.password);
        ok()
    })
}

#[derive(Deserialize)]
struct PolicyBody {
    api: bool,
    rest_api: bool,
}

async fn policy(State(f): State<Fleet>, Path(i): Path<usize>, Json(b): Json<PolicyBody>) -> Answer {
    router(&f, i).map(|r| {
        r.set_policy(b.api, b.rest_api);
        ok()
    })
}

#[derive(Deserialize)]
struct VersionBody {
    version: String,
}

async fn version(
    State(f): State<Fleet>,
    Path(i): Path<usize>,
    Json(b): Json<VersionBody>,
) -> Answer {
    let r = router(&f, i)?;
    Ok(match crate::version::RosVersion::parse(&b.version) {
        Ok(_) => {
            r.set_ros_version(&b.version);
            ok()
        }
        Err(e) => err(StatusCode::BAD_REQUEST, &e),
    })
}

#[derive(Deserialize)]
struct YesBody {
    yes: bool,
}

async fn singleton(State(f): State<Fleet>, Path(i): Path<usize>, Json(b): Json<YesBody>) -> Answer {
    router(&f, i).map(|r| {
        r.set_singleton_as_array(b.yes);
        ok()
    })
}

#[derive(Deserialize)]
struct KeyBody {
    public_key: String,
    disabled: Option<bool>,
    profile: Option<TrafficProfile>,
    interface: Option<String>,
}

fn found(yes: bool) -> Response {
    if yes {
        ok()
    } else {
        err(StatusCode::NOT_FOUND, "no peer with that public_key")
    }
}

async fn peer_reset(
    State(f): State<Fleet>,
    Path(i): Path<usize>,
    Json(b): Json<KeyBody>,
) -> Answer {
    router(&f, i).map(|r| found(r.reset_peer(&b.public_key)))
}

async fn peer_delete(
    State(f): State<Fleet>,
    Path(i): Path<usize>,
    Json(b): Json<KeyBody>,
) -> Answer {
    router(&f, i).map(|r| found(r.delete_peer(&b.public_key)))
}

async fn peer_recreate(
    State(f): State<Fleet>,
    Path(i): Path<usize>,
    Json(b): Json<KeyBody>,
) -> Answer {
    router(&f, i).map(|r| found(r.recreate_peer(&b.public_key)))
}

async fn peer_disabled(
    State(f): State<Fleet>,
    Path(i): Path<usize>,
    Json(b): Json<KeyBody>,
) -> Answer {
    router(&f, i).map(|r| found(r.set_peer_disabled(&b.public_key, b.disabled.unwrap_or(true))))
}

async fn peer_profile(
    State(f): State<Fleet>,
    Path(i): Path<usize>,
    Json(b): Json<KeyBody>,
) -> Answer {
    let Some(p) = b.profile else {
        return Ok(err(StatusCode::BAD_REQUEST, "profile missing"));
    };
    router(&f, i).map(|r| found(r.set_peer_profile(&b.public_key, p)))
}

async fn peer_add(State(f): State<Fleet>, Path(i): Path<usize>, Json(b): Json<KeyBody>) -> Answer {
    let r = router(&f, i)?;
    let iface = b.interface.unwrap_or_else(|| "wg0".to_owned());
    Ok(
        match r.add_peer(
            &iface,
            &b.public_key,
            b.profile.unwrap_or(TrafficProfile::Idle),
        ) {
            Some(id) => Json(json!({"id": id})).into_response(),
            None => err(StatusCode::BAD_REQUEST, "no such interface"),
        },
    )
}
