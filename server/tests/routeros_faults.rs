//! Failures an admin will meet, each as the right typed error and within the timeout: wrong
//! host, port, TLS setting, password or policy; a router that refuses, hangs, is slow, sends
//! garbage or too much; and recovery once the fault clears.

#![allow(clippy::unwrap_used)]

mod routeros_support;

use std::time::{Duration, Instant};

use routeros_sim::Fault;
use routeros_support::{MODES, Mode, closed_port, endpoint, sim};
use server::routeros::{RouterClient, RouterEndpoint, RouterError, RouterOs};

const TIMEOUT: Duration = Duration::from_millis(1500);

fn quick(mut e: RouterEndpoint) -> RouterClient {
    e.timeout = TIMEOUT;
    RouterClient::new(e).unwrap()
}

/// Runs a list call and checks it ended within the timeout (plus scheduling slack).
async fn timed_list(c: &RouterClient) -> Result<usize, RouterError> {
    let start = Instant::now();
    let result = c.list_peers().await.map(|p| p.len());
    if let Err(e) = &result {
        // What the admin would read (run with --nocapture to review the wording).
        eprintln!("{:?} {}: {e}", c.endpoint().transport, c.endpoint().tls);
    }
    assert!(
        start.elapsed() < TIMEOUT + Duration::from_millis(1000),
        "{:?}",
        start.elapsed()
    );
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_port_and_host_cannot_connect() {
    let sim = sim("7.18.2", 2).await;
    for mode in MODES {
        let mut e = endpoint(sim.router(0), mode);
        e.port = Some(closed_port());
        match timed_list(&quick(e)).await {
            Err(RouterError::CannotConnect { port, reason, .. }) => {
                assert_ne!(port, 0);
                assert!(!reason.is_empty());
            }
            other => panic!("{mode:?}: expected CannotConnect, got {other:?}"),
        }
        let mut e = endpoint(sim.router(0), mode);
        e.host = "no-such-router.invalid".into();
        let err = timed_list(&quick(e)).await.unwrap_err();
        assert!(
            matches!(
                err,
                RouterError::CannotConnect { .. } | RouterError::Timeout { .. }
            ),
            "{mode:?}: {err:?}"
        );
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_tls_setting() {
    let sim = sim("7.18.2", 2).await;
    let h = sim.router(0);
    // TLS on against a plain port: a TLS error saying the router did not speak TLS (or, if the
    // far end just waits for more bytes, a timeout).
    for (mode, plain_port) in [(Mode::RestTls, h.rest_http), (Mode::ApiSsl, h.api)] {
        let mut e = endpoint(h, mode);
        e.port = Some(plain_port);
        let err = timed_list(&quick(e)).await.unwrap_err();
        assert!(
            matches!(err, RouterError::Tls { .. } | RouterError::Timeout { .. }),
            "{mode:?}: {err:?}"
        );
    }
    // TLS off against a TLS port: the exchange fails with a hint to turn TLS on.
    for (mode, tls_port) in [(Mode::Rest, h.rest_https), (Mode::Api, h.api_ssl)] {
        let mut e = endpoint(h, mode);
        e.port = Some(tls_port);
        match timed_list(&quick(e)).await {
            Err(RouterError::Protocol(m)) => assert!(m.contains("TLS on"), "{mode:?}: {m}"),
            Err(RouterError::Timeout { .. }) => {}
            other => panic!("{mode:?}: expected a protocol error, got {other:?}"),
        }
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_missing_policy() {
    let sim = sim("7.18.2", 2).await;
    let h = sim.router(0);
    for mode in MODES {
        let mut e = endpoint(h, mode);
        e.password = "wrong".into();
        let err = timed_list(&quick(e)).await.unwrap_err();
        let hint = match err {
            RouterError::WrongCredentials { policy_hint } => policy_hint,
            other => panic!("{mode:?}: expected WrongCredentials, got {other:?}"),
        };
        let rest = matches!(mode, Mode::Rest | Mode::RestTls);
        assert_eq!(
            hint.is_some(),
            rest,
            "REST cannot tell a bad password from a policy"
        );
        assert!(
            !format!("{err:?} {err}").contains("wrong"),
            "password leaked"
        );
    }
    // The API names the missing policy; REST answers 401 as for a bad password.
    h.set_policy(false, true);
    for mode in [Mode::Api, Mode::ApiSsl] {
        let err = timed_list(&quick(endpoint(h, mode))).await.unwrap_err();
        assert_eq!(err, RouterError::MissingPolicy { which: "api" }, "{mode:?}");
    }
    h.set_policy(true, false);
    for mode in [Mode::Rest, Mode::RestTls] {
        let err = timed_list(&quick(endpoint(h, mode))).await.unwrap_err();
        assert!(
            matches!(
                err,
                RouterError::WrongCredentials {
                    policy_hint: Some(_)
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("rest-api"), "{err}");
    }
    h.set_policy(true, true);
    // A changed password on a router we already talk to: the next login fails cleanly.
    let c = quick(endpoint(h, Mode::Api));
    assert_eq!(timed_list(&c).await.unwrap(), 2);
    h.set_password("rotated");
    if let RouterClient::Api(api) = &c {
        api.disconnect().await;
    }
    assert!(matches!(
        timed_list(&c).await,
        Err(RouterError::WrongCredentials { .. })
    ));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hang_is_a_timeout_and_recovery_follows() {
    let sim = sim("7.18.2", 2).await;
    let h = sim.router(0);
    for mode in MODES {
        // An established session first, so the hang hits both new and existing connections.
        let c = quick(endpoint(h, mode));
        assert_eq!(timed_list(&c).await.unwrap(), 2);
        h.set_fault(Fault::Hang);
        let fresh = quick(endpoint(h, mode));
        let err = timed_list(&fresh).await.unwrap_err();
        assert_eq!(err, RouterError::Timeout { after: TIMEOUT }, "{mode:?}");
        // The simulator's hang applies to new connections; an established session may still
        // answer. Either way the call ends within the timeout (checked by `timed_list`).
        match timed_list(&c).await {
            Ok(2) | Err(RouterError::Timeout { .. }) => {}
            other => panic!("{mode:?}: {other:?}"),
        }
        h.clear_faults();
        assert_eq!(timed_list(&c).await.unwrap(), 2, "{mode:?}: no recovery");
        assert_eq!(
            timed_list(&fresh).await.unwrap(),
            2,
            "{mode:?}: no recovery"
        );
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_within_and_beyond_the_timeout() {
    let sim = sim("7.18.2", 2).await;
    let h = sim.router(0);
    for mode in MODES {
        let c = quick(endpoint(h, mode));
        h.set_fault(Fault::Slow(Duration::from_millis(200)));
        assert_eq!(timed_list(&c).await.unwrap(), 2, "{mode:?}");
        h.set_fault(Fault::Slow(Duration::from_secs(5)));
        assert!(
            matches!(timed_list(&c).await, Err(RouterError::Timeout { .. })),
            "{mode:?}"
        );
        h.clear_faults();
        assert_eq!(timed_list(&c).await.unwrap(), 2, "{mode:?}");
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_and_stopped_listeners() {
    let sim = sim("7.18.2", 2).await;
    let h = sim.router(0);
    for mode in MODES {
        h.set_fault(Fault::RefuseConnections);
        let err = timed_list(&quick(endpoint(h, mode))).await.unwrap_err();
        assert!(
            matches!(
                err,
                RouterError::Protocol(_)
                    | RouterError::Tls { .. }
                    | RouterError::CannotConnect { .. }
            ),
            "{mode:?}: {err:?}"
        );
        h.clear_faults();
        h.set_fault(Fault::StopListening);
        // The simulator closes its listeners asynchronously: allow it a moment (a listener
        // still open answers with the refusal fault's reset, or with a list).
        let mut result = timed_list(&quick(endpoint(h, mode))).await;
        for _ in 0..20 {
            if matches!(result, Err(RouterError::CannotConnect { .. })) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            result = timed_list(&quick(endpoint(h, mode))).await;
        }
        let err = result.unwrap_err();
        assert!(
            matches!(err, RouterError::CannotConnect { .. }),
            "{mode:?}: {err:?}"
        );
        h.clear_faults();
        // The simulator re-opens its listeners asynchronously: allow it a moment.
        let c = quick(endpoint(h, mode));
        let mut result = timed_list(&c).await;
        for _ in 0..20 {
            if !matches!(result, Err(RouterError::CannotConnect { .. })) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            result = timed_list(&c).await;
        }
        assert_eq!(result.unwrap(), 2, "{mode:?}");
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_replies_are_protocol_errors() {
    let sim = sim("7.18.2", 2).await;
    let h = sim.router(0);
    h.set_fault(Fault::MalformedRest);
    for mode in [Mode::Rest, Mode::RestTls] {
        let err = timed_list(&quick(endpoint(h, mode))).await.unwrap_err();
        assert!(matches!(err, RouterError::Protocol(_)), "{mode:?}: {err:?}");
    }
    h.clear_faults();
    h.set_fault(Fault::MalformedApi);
    for mode in [Mode::Api, Mode::ApiSsl] {
        let err = timed_list(&quick(endpoint(h, mode))).await.unwrap_err();
        match &err {
            RouterError::Protocol(m) => assert!(m.contains("0xF8") || m.contains("closed"), "{m}"),
            other => panic!("{mode:?}: expected a protocol error, got {other:?}"),
        }
    }
    h.clear_faults();
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_bigger_than_the_bound_is_refused() {
    let sim = sim("7.18.2", 200).await;
    let h = sim.router(0);
    for mode in MODES {
        let mut e = endpoint(h, mode);
        e.max_reply_bytes = 4096;
        let c = quick(e);
        // Small replies still fit.
        assert_eq!(c.identity().await.unwrap(), h.identity, "{mode:?}");
        assert_eq!(
            timed_list(&c).await.unwrap_err(),
            RouterError::ReplyTooLarge { limit: 4096 },
            "{mode:?}"
        );
        // The API session survives (the rest of the reply was read and dropped).
        assert_eq!(c.identity().await.unwrap(), h.identity, "{mode:?}");
    }
    sim.shutdown().await;
}
