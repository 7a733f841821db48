//! Process configuration, layered: built-in defaults < `.env` / environment (`WGMIK_*`,
//! `DATABASE_URL`) < command-line flags (SPEC §12). Settings that admins change at run time live
//! in the database instead (see `db::settings`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

/// wgmik — exact WireGuard usage accounting and quotas for MikroTik RouterOS v7.
#[derive(Debug, Parser)]
#[command(name = "wgmik", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the panel and the JSON API, and run the background jobs (the default).
    Serve,
    /// `serve` with a built-in simulated RouterOS router moving real-looking traffic, its peers
    /// imported and a demo admin created: live numbers within a minute, no router needed.
    /// Same as `--demo`. Loopback only; its data lives in <data dir>/demo.
    Demo,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Manage routers from the command line (until the wizard and the API land).
    #[command(subcommand)]
    Router(RouterCommand),
    /// Manage API tokens for automation.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Re-encrypt every stored secret under a new master key. With a key file in the data
    /// directory the file is replaced; with WGMIK_MASTER_KEY the new key is printed on stdout
    /// and must be set before the next start.
    RotateMasterKey,
    /// Exit 0 when the server on `--bind` answers `GET /healthz` with 200 within 3 s (for the
    /// container's HEALTHCHECK, which has no curl). An unspecified bind address (0.0.0.0 or
    /// ::) is asked on loopback.
    Healthcheck,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it on stdout (only the token, so scripts can capture
    /// it). It is shown this once; the database keeps only its hash.
    Create(TokenCreateArgs),
}

#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    /// A name saying what the token is for (shown in the token list).
    #[arg(long)]
    pub name: String,
}

#[derive(Debug, Subcommand)]
pub enum RouterCommand {
    /// Test the connection, store the router and import its peers (dynamic and outbound peers
    /// are skipped, as in the wizard). The password comes from WGMIK_ROUTER_PASSWORD, never a
    /// flag, so it does not show in the process list.
    Add(RouterAddArgs),
}

#[derive(Debug, Args)]
pub struct RouterAddArgs {
    /// A name for the router, unique in wgmik.
    #[arg(long)]
    pub name: String,
    /// Host name or IP address of the router.
    #[arg(long)]
    pub host: String,
    /// `rest` (HTTPS or HTTP) or `api` (binary API, API-SSL with TLS).
    #[arg(long, default_value = "rest")]
    pub transport: String,
    /// Port; default 443 (REST HTTPS), 80 (REST HTTP), 8729 (API-SSL) or 8728 (API).
    #[arg(long)]
    pub port: Option<u16>,
    /// Connect without TLS (REST over HTTP, plain API).
    #[arg(long)]
    pub no_tls: bool,
    /// Accept any certificate (self-signed routers without a pinned fingerprint).
    #[arg(long)]
    pub no_tls_verify: bool,
    /// Pin the router certificate's SHA-256 fingerprint (hex) instead of verifying its chain.
    #[arg(long)]
    pub tls_fingerprint: Option<String>,
    /// RouterOS user (group with read,api,rest-api; add write to enforce quotas).
    #[arg(long)]
    pub username: String,
    /// The password, read from this variable.
    #[arg(long = "password-env", default_value = "WGMIK_ROUTER_PASSWORD")]
    pub password_env: String,
    /// Import only these interfaces' peers (repeatable); default all interfaces.
    #[arg(long = "interface")]
    pub interfaces: Vec<String>,
    /// Store the router without importing peers.
    #[arg(long)]
    pub no_import: bool,
}

/// Flags shared by every subcommand. Each one can also come from the environment or `.env`.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Address the web server listens on.
    #[arg(
        long,
        env = "WGMIK_BIND",
        default_value = "127.0.0.1:8000",
        global = true
    )]
    pub bind: SocketAddr,

    /// Database URL: `sqlite://…` or `postgres://…`. Default: SQLite at <data dir>/wgmik.db.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Directory for the SQLite file and the generated key file.
    #[arg(long, env = "WGMIK_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,

    /// Directory holding the built site (pkg/, CSS, ECharts). Default: found beside the binary
    /// (`target/site` for `target/release/wgmik`, `site/` in the container), else `./target/site`.
    #[arg(long, env = "WGMIK_SITE_ROOT", global = true)]
    pub site_root: Option<PathBuf>,

    /// Log format: `text` for people, `json` for log collectors. The filter is `RUST_LOG`.
    #[arg(long, env = "WGMIK_LOG_FORMAT", default_value = "text", global = true)]
    pub log_format: LogFormat,

    /// Always mark the session cookie Secure (for TLS terminated by a proxy that does not send
    /// X-Forwarded-Proto). Without it the cookie is Secure when the request came over TLS.
    #[arg(long, env = "WGMIK_COOKIE_SECURE", global = true)]
    pub cookie_secure: bool,

    /// The URL browsers use to reach the panel, e.g. https://wg.example.net. Needed behind a
    /// reverse proxy that rewrites Host: state-changing requests must come from this origin.
    #[arg(long, env = "WGMIK_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Run the demo (see `wgmik demo`): a built-in simulated router, loopback only.
    #[arg(long, global = true)]
    pub demo: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The resolved configuration every part of the server reads.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub database: DatabaseTarget,
    pub data_dir: PathBuf,
    pub site_root: PathBuf,
    pub cookie_secure: bool,
    /// `WGMIK_PUBLIC_URL` as an origin (`scheme://host[:port]`).
    pub public_origin: Option<String>,
}

/// Where the data lives. The SQLite path is kept apart so start-up can create its directory.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Sqlite { path: PathBuf },
    Postgres { url: String },
}

impl std::fmt::Debug for DatabaseTarget {
    // A PostgreSQL URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl DatabaseTarget {
    /// A form safe for logs and error messages: the password, if any, replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite { path } => format!("sqlite://{}", path.display()),
            Self::Postgres { url } => match url::Url::parse(url) {
                Ok(mut parsed) if parsed.password().is_some() => {
                    // set_password only fails for URLs that cannot have one, which this has.
                    let _ = parsed.set_password(Some("***"));
                    parsed.to_string()
                }
                Ok(parsed) => parsed.to_string(),
                Err(_) => "postgres://(unparseable URL)".to_owned(),
            },
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("DATABASE_URL must start with sqlite:// or postgres:// (got {0:?})")]
    UnsupportedDatabaseUrl(String),
    #[error("{0}")]
    PublicUrl(String),
}

impl Config {
    pub fn from_args(args: &GlobalArgs) -> Result<Self, ConfigError> {
        let database = match args.database_url.as_deref() {
            None | Some("") => DatabaseTarget::Sqlite {
                path: args.data_dir.join("wgmik.db"),
            },
            Some(url) => parse_database_url(url)?,
        };
        Ok(Self {
            bind: args.bind,
            database,
            data_dir: args.data_dir.clone(),
            site_root: args.site_root.clone().unwrap_or_else(default_site_root),
            cookie_secure: args.cookie_secure,
            public_origin: match args.public_url.as_deref() {
                None | Some("") => None,
                Some(url) => Some(
                    crate::auth::origin::normalize_public_origin(url)
                        .map_err(ConfigError::PublicUrl)?,
                ),
            },
        })
    }
}

fn parse_database_url(url: &str) -> Result<DatabaseTarget, ConfigError> {
    if let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        // Query parameters (e.g. `?mode=rwc`) are ours to set; a path is all we take.
        let path = rest.split('?').next().unwrap_or_default();
        if path.is_empty() || path == ":memory:" {
            return Err(ConfigError::UnsupportedDatabaseUrl(
                "sqlite needs a file path".to_owned(),
            ));
        }
        return Ok(DatabaseTarget::Sqlite {
            path: PathBuf::from(path),
        });
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(DatabaseTarget::Postgres {
            url: url.to_owned(),
        });
    }
    let shown = url.split("://").next().unwrap_or(url).to_owned() + "://…";
    Err(ConfigError::UnsupportedDatabaseUrl(shown))
}

/// The built site sits beside the binary: `target/release/wgmik` → `target/site`, and in the
/// container `/app/wgmik` → `/app/site`. Falls back to `./target/site` for `cargo run`.
fn default_site_root() -> PathBuf {
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    if let Some(dir) = exe_dir {
        for candidate in [dir.join("site"), dir.join("../site")] {
            if candidate.join("pkg").is_dir() {
                return candidate;
            }
        }
    }
    PathBuf::from("target/site")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(url: Option<&str>) -> GlobalArgs {
        GlobalArgs {
            bind: "127.0.0.1:8000".parse().expect("literal address"),
            database_url: url.map(str::to_owned),
            data_dir: PathBuf::from("/var/lib/wgmik"),
            site_root: None,
            log_format: LogFormat::Text,
            cookie_secure: false,
            public_url: None,
            demo: false,
        }
    }

    #[test]
    fn sqlite_in_data_dir_by_default() {
        let config = Config::from_args(&args(None)).expect("default config");
        assert_eq!(
            config.database,
            DatabaseTarget::Sqlite {
                path: PathBuf::from("/var/lib/wgmik/wgmik.db")
            }
        );
    }

    #[test]
    fn explicit_urls_are_recognised() {
        let pg = Config::from_args(&args(Some("postgres://u:pw@db:5432/wgmik"))).expect("pg");
        assert!(matches!(pg.database, DatabaseTarget::Postgres { .. }));
        let lite = Config::from_args(&args(Some("sqlite://x/y.db?mode=rwc"))).expect("sqlite");
        assert_eq!(
            lite.database,
            DatabaseTarget::Sqlite {
                path: PathBuf::from("x/y.db")
            }
        );
        let err = Config::from_args(&args(Some("mysql://root@localhost/x")))
            .expect_err("mysql is not supported");
        assert!(err.to_string().contains("mysql://"), "{err}");
    }

    #[test]
    fn public_url_becomes_an_origin_and_bad_ones_are_named() {
        let mut a = args(None);
        a.public_url = Some("https://wg.example.net/panel/".to_owned());
        let config = Config::from_args(&a).expect("valid public URL");
        assert_eq!(
            config.public_origin.as_deref(),
            Some("https://wg.example.net")
        );
        a.public_url = Some("wg.example.net".to_owned());
        let err = Config::from_args(&a).expect_err("no scheme");
        assert!(err.to_string().contains("WGMIK_PUBLIC_URL"), "{err}");
    }

    #[test]
    fn token_create_parses() {
        let cli = Cli::try_parse_from(["wgmik", "token", "create", "--name", "ci"])
            .expect("token create");
        assert!(matches!(
            cli.command,
            Some(Command::Token(TokenCommand::Create(TokenCreateArgs { ref name }))) if name == "ci"
        ));
    }

    #[test]
    fn postgres_password_never_printed() {
        let target = DatabaseTarget::Postgres {
            url: "postgres://wgmik:hunter2@db:5432/wgmik".to_owned(),
        };
        let shown = format!("{target:?} {}", target.redacted());
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("***"), "{shown}");
    }

    #[test]
    fn flags_override_environment() {
        // clap gives a flag precedence over its `env`; this pins that contract.
        let cli = Cli::try_parse_from(["wgmik", "--bind", "127.0.0.1:9999", "migrate"])
            .expect("valid flags");
        assert_eq!(cli.global.bind.port(), 9999);
        assert!(matches!(cli.command, Some(Command::Migrate)));
        assert!(Cli::try_parse_from(["wgmik", "--no-such-flag"]).is_err());
    }
}
