//! RouterOS REST (`/rest/...`, JSON, HTTP Basic) over HTTP and HTTPS: the hyper connection,
//! authentication, routing to `ops`, RouterOS error bodies, and the REST faults.

mod auth;
mod routes;

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;

use crate::handle::RouterShared;

/// Largest request body accepted (a PATCH or print body is tiny).
const MAX_BODY: usize = 1024 * 1024;

pub async fn serve_conn<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    stream: S,
    router: Arc<RouterShared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let svc = hyper::service::service_fn(move |req| {
        let router = router.clone();
        async move { Ok::<_, Infallible>(handle(router, req).await) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .max_buf_size(64 * 1024)
        .serve_connection(TokioIo::new(stream), svc);
    tokio::select! {
        _ = conn => {}
        _ = shutdown.changed() => {}
    }
}

/// A REST answer before faults are applied.
pub struct Answer {
    pub status: StatusCode,
    pub body: String,
}

impl Answer {
    pub fn ok(body: String) -> Self {
        Self {
            status: StatusCode::OK,
            body,
        }
    }
    /// `{"error":N,"message":"..."}` plus `detail` for the statuses that carry one.
    pub fn error(status: StatusCode, detail: Option<&str>) -> Self {
        let mut body = format!("{{\"error\":{},\"message\":", status.as_u16());
        crate::fields::json_str(&mut body, status.canonical_reason().unwrap_or("Error"));
        if let Some(d) = detail {
            body.push_str(",\"detail\":");
            crate::fields::json_str(&mut body, d);
        }
        body.push('}');
        Self { status, body }
    }
    pub fn bad_request(detail: &str) -> Self {
        Self::error(StatusCode::BAD_REQUEST, Some(detail))
    }
}

async fn handle(router: Arc<RouterShared>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return respond(Answer::error(StatusCode::PAYLOAD_TOO_LARGE, None), false);
        }
    };
    let faults = router.faults();
    if let Some(d) = faults.slow() {
        tokio::time::sleep(d).await;
    }
    let answer = {
        // One request at a time per router, as RouterOS does.
        let _gate = router.rest_gate.lock().await;
        let mut st = router.lock();
        match auth::check(&st, parts.headers.get(hyper::header::AUTHORIZATION)) {
            // A malformed reply must not book a read in the ledger: the client never sees the
            // counters. So the request is not routed at all; the body is cut-off JSON.
            Ok(()) if faults.malformed_rest => Answer {
                status: StatusCode::OK,
                body: r#"[{".id":"*1","interface":"wg0","rx":"12"#.to_owned(),
            },
            Ok(()) => routes::route(
                &mut st,
                &parts.method,
                parts.uri.path(),
                parts.uri.query(),
                &body,
            ),
            Err(a) => a,
        }
    };
    respond(answer, false)
}

fn respond(a: Answer, malformed: bool) -> Response<Full<Bytes>> {
    let mut body = a.body.into_bytes();
    if malformed && !body.is_empty() {
        // Cut the JSON in half; Content-Length matches what is sent, so the HTTP is valid.
        body.truncate(body.len() / 2);
    }
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = a.status;
    let h = resp.headers_mut();
    h.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    if a.status == StatusCode::UNAUTHORIZED {
        h.insert(
            hyper::header::WWW_AUTHENTICATE,
            hyper::header::HeaderValue::from_static("Basic realm=\"RouterOS\""),
        );
    }
    resp
}
