//! Lets an admin check the database round trip from the page.

use leptos::prelude::*;

use crate::types::DatabaseCheck;

#[server]
pub async fn check_database() -> Result<DatabaseCheck, ServerFnError> {
    let state = use_context::<server::state::AppState>()
        .ok_or_else(|| ServerFnError::new("server state missing"))?;
    let check = state.check_database().await;
    Ok(DatabaseCheck {
        backend: check.backend.to_owned(),
        reachable: check.reachable,
        latency_us: check.latency_us,
    })
}
