//! `wgmik serve`: connect and migrate the database, start the background jobs (polling,
//! retention, alert delivery), then serve the Leptos pages, server functions, static site and
//! health probes on one port until a shutdown signal, and let the jobs finish what they are
//! doing.

use anyhow::Context as _;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use std::sync::Arc;
use std::time::Duration;

use server::clock::{Clock, SystemClock};
use server::config::{Config, DatabaseTarget};
use server::state::AppState;
use tower_http::trace::TraceLayer;

pub async fn serve(config: Config) -> anyhow::Result<()> {
    // SQLite: one instance per database file, held until this process exits (the OS drops
    // the lock even on SIGKILL). Taken before the database is opened or migrated.
    let _single_instance = match &config.database {
        DatabaseTarget::Sqlite { path } => Some(lock_sqlite(path)?),
        DatabaseTarget::Postgres { .. } => None,
    };
    // Names this process in the router leases (several replicas on one PostgreSQL).
    let instance: Arc<str> = server::scheduler::lease::new_instance_id().into();
    tracing::info!(instance = %instance, "wgmik instance starting");
    let db = server::db::connect(&config.database).await?;
    server::db::migrate(&db, &config.database).await?;
    if matches!(config.database, DatabaseTarget::Sqlite { .. }) {
        // The lock proves no other instance runs: leases a killed predecessor left behind
        // would only hold back the first polls until they expire.
        server::db::leases::clear_all(&db)
            .await
            .context("cannot clear stale router leases")?;
    }
    // A master key that cannot open the stored router passwords stops start-up here, before
    // any job could use (or overwrite) them.
    server::service::secrets::startup(&db, &config.data_dir).await?;
    // Before listening: a half-set WGMIK_ADMIN_* pair must stop start-up, not be ignored.
    server::auth::users::bootstrap_from_env(&db, chrono::Utc::now()).await?;

    // Bind before building anything else so a taken port fails fast with a plain message.
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let bound = listener
        .local_addr()
        .context("cannot read the bound address")?;

    if !config.site_root.join("pkg").is_dir() {
        tracing::warn!(
            site_root = %config.site_root.display(),
            "the built site (pkg/) is missing: pages will render but not hydrate; \
             build with `cargo leptos build --release --split` or set WGMIK_SITE_ROOT"
        );
    }
    let leptos_options = LeptosOptions::builder()
        .output_name("wgmik")
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(bound)
        .build();

    let (stop_jobs, jobs_shutdown) = tokio::sync::watch::channel(false);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let jobs = [
        tokio::spawn(server::scheduler::poll::run(
            db.clone(),
            clock.clone(),
            instance.clone(),
            jobs_shutdown.clone(),
        )),
        tokio::spawn(server::scheduler::retention::run(
            db.clone(),
            clock.clone(),
            jobs_shutdown.clone(),
        )),
        // Its own task and HTTP client: a slow webhook never holds up a poll.
        tokio::spawn(server::scheduler::alerts::run(
            db.clone(),
            clock.clone(),
            jobs_shutdown,
        )),
    ];

    let auth = server::auth::AuthState {
        cookie_secure: config.cookie_secure,
        public_origin: config.public_origin.clone(),
        ..server::auth::AuthState::new(db.clone(), clock.clone())
    };
    let api = server::http::api::ApiState {
        db: db.clone(),
        clock: clock.clone(),
        auth: auth.clone(),
    };
    let state = AppState::new(db.clone(), config.clone());
    let ui_api = api.clone();
    let routes = generate_route_list(app::App);
    let app = Router::new()
        .leptos_routes_with_context(
            &leptos_options,
            routes,
            move || {
                provide_context(state.clone());
                // Server functions call the JSON API's handlers with this state.
                provide_context(ui_api.clone());
                provide_csp_nonce();
            },
            {
                let options = leptos_options.clone();
                move || app::shell(options.clone())
            },
        )
        // Per matched page route (and server function): a session, or the login page.
        // Static files (the fallback) stay open so the login page can load its CSS and wasm.
        .route_layer(axum::middleware::from_fn_with_state(
            auth.clone(),
            server::auth::pages::page_gate,
        ))
        .fallback(file_and_error_handler_with_context(
            provide_csp_nonce,
            app::shell,
        ))
        .with_state(leptos_options)
        .merge(server::http::health::routes(db.clone()))
        .merge(server::auth::routes().with_state(auth.clone()))
        .merge(server::auth::pages::form_routes().with_state(auth))
        // `POST /settings`: the Settings page's form, beside the page's own GET route.
        .merge(server::http::forms::form_routes(api.clone()))
        .merge(server::http::api::routes(api))
        .layer(axum::middleware::from_fn(
            server::auth::refresh_session_cookie,
        ))
        .layer(axum::middleware::from_fn(server::auth::security_headers))
        .layer(TraceLayer::new_for_http());

    tracing::info!(
        address = %bound,
        database = %config.database.redacted(),
        "wgmik listening on http://{bound}"
    );
    // The peer address feeds the login limiter.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("web server failed")?;
    // Let the jobs finish the transaction in flight (a poll commit takes well under this).
    let _ = stop_jobs.send(true);
    for job in jobs {
        if tokio::time::timeout(Duration::from_secs(15), job)
            .await
            .is_err()
        {
            tracing::warn!("a background job did not stop within 15 s");
        }
    }
    db.close().await.ok();
    tracing::info!("wgmik stopped");
    Ok(())
}

/// Takes the exclusive lock `wgmik.lock` next to the SQLite file `db_path` (in the data
/// directory by default), or explains in one line why this instance cannot run.
fn lock_sqlite(db_path: &std::path::Path) -> anyhow::Result<std::fs::File> {
    let dir = db_path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or_else(|| std::path::Path::new("."));
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    let lock_path = dir.join("wgmik.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open the lock file {}", lock_path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another wgmik is already running on {}; SQLite supports one instance — \
             use PostgreSQL for several",
            db_path.display()
        ),
        Err(std::fs::TryLockError::Error(err)) => {
            Err(err).with_context(|| format!("cannot lock {}", lock_path.display()))
        }
    }
}

/// Hands Leptos the CSP nonce that `security_headers` put in this response's header, so the
/// inline hydration scripts carry the nonce the policy allows.
fn provide_csp_nonce() {
    let nonce = leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<server::auth::CspNonce>().cloned());
    if let Some(nonce) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM (docker stop, Kubernetes).
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
