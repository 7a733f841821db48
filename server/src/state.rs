//! The state every request handler and server function shares.

use std::sync::Arc;
use std::time::Instant;

use sea_orm::DatabaseConnection;

use crate::config::{Config, DatabaseTarget};

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
}

/// The outcome of one database round trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseCheck {
    pub backend: &'static str,
    pub reachable: bool,
    pub latency_us: u64,
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: Config) -> Self {
        Self {
            db,
            config: Arc::new(config),
        }
    }

    pub async fn check_database(&self) -> DatabaseCheck {
        let started = Instant::now();
        let reachable = crate::db::is_reachable(&self.db).await;
        DatabaseCheck {
            backend: match self.config.database {
                DatabaseTarget::Sqlite { .. } => "sqlite",
                DatabaseTarget::Postgres { .. } => "postgres",
            },
            reachable,
            latency_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        }
    }
}
