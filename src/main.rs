//! The `wgmik` server binary: CLI → configuration → database → web server, until SIGINT or
//! SIGTERM. Every failure ends in one plain line on stderr and a non-zero exit.

mod demo;
mod serve;

use std::process::ExitCode;

use clap::Parser;
use server::config::{
    Cli, Command, Config, RouterAddArgs, RouterCommand, TokenCommand, TokenCreateArgs,
};

fn main() -> ExitCode {
    // `.env` sits between defaults and the real environment: dotenvy never overrides a
    // variable that is already set, and clap then lets flags override both.
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        eprintln!("error: cannot read .env: {err}");
        return ExitCode::from(2);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return report_cli_error(&err),
    };
    // A command whose stdout is its result keeps the logs off it.
    if matches!(
        cli.command,
        Some(Command::Token(_) | Command::RotateMasterKey | Command::Healthcheck)
    ) {
        server::logging::init_stderr(cli.global.log_format);
    } else {
        server::logging::init(cli.global.log_format);
    }

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_args(&cli.global)?;
    let demo = cli.global.demo;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Demo => demo::run(config).await,
        Command::Serve if demo => demo::run(config).await,
        Command::Migrate => {
            let db = server::db::connect(&config.database).await?;
            server::db::migrate(&db, &config.database).await?;
            tracing::info!(database = %config.database.redacted(), "migrations applied");
            Ok(())
        }
        Command::Serve => serve::serve(config).await,
        Command::Router(RouterCommand::Add(args)) => router_add(&config, args).await,
        Command::Token(TokenCommand::Create(args)) => token_create(&config, args).await,
        Command::RotateMasterKey => rotate_master_key(&config).await,
        Command::Healthcheck => healthcheck(config.bind).await,
    }
}

/// `GET /healthz` over a plain TCP connection: the runtime image carries no HTTP client.
async fn healthcheck(bind: std::net::SocketAddr) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let mut target = bind;
    if target.ip().is_unspecified() {
        target.set_ip(match target {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let ask = async {
        let mut stream = tokio::net::TcpStream::connect(target)
            .await
            .with_context(|| format!("nothing answers on {target}"))?;
        stream
            .write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .await?;
        let mut head = vec![0u8; 64];
        let read = stream.read(&mut head).await?;
        let line = String::from_utf8_lossy(&head[..read]).into_owned();
        anyhow::ensure!(
            line.starts_with("HTTP/1.0 200") || line.starts_with("HTTP/1.1 200"),
            "/healthz on {target} answered: {}",
            line.lines().next().unwrap_or("nothing")
        );
        Ok(())
    };
    tokio::time::timeout(std::time::Duration::from_secs(3), ask)
        .await
        .with_context(|| format!("/healthz on {target} did not answer within 3 s"))?
}

/// Prints only the token on stdout, so `TOKEN=$(wgmik token create --name ci)` works; the
/// note about it goes to stderr.
async fn token_create(config: &Config, args: TokenCreateArgs) -> anyhow::Result<()> {
    let db = server::db::connect(&config.database).await?;
    server::db::migrate(&db, &config.database).await?;
    let created = server::auth::tokens::create(&db, &args.name, None, chrono::Utc::now()).await?;
    println!("{}", created.secret());
    eprintln!(
        "created API token {:?} (id {}, prefix {}); it is shown only now; \
         send it as `Authorization: Bearer <token>`",
        created.name, created.id, created.prefix
    );
    Ok(())
}

async fn router_add(config: &Config, args: RouterAddArgs) -> anyhow::Result<()> {
    use server::db::routers::NewRouter;
    use server::routeros::Transport;
    let transport = match args.transport.as_str() {
        "rest" => Transport::Rest,
        "api" => Transport::Api,
        other => anyhow::bail!("--transport must be rest or api (got {other:?})"),
    };
    let password = std::env::var(&args.password_env)
        .map_err(|_| anyhow::anyhow!("set the router password in {}", args.password_env))?;
    let db = server::db::connect(&config.database).await?;
    server::db::migrate(&db, &config.database).await?;
    server::service::secrets::startup(&db, &config.data_dir).await?;
    let new = NewRouter {
        name: args.name,
        host: args.host,
        port: args.port,
        transport,
        tls: !args.no_tls,
        tls_verify: args.no_tls_verify.then_some(false),
        tls_fingerprint: args.tls_fingerprint,
        username: args.username,
        password,
    };
    let now = chrono::Utc::now();
    let (row, info) = server::service::routers::add(&db, new, now).await?;
    println!(
        "added router {} (id {}): {} RouterOS {} on {}",
        row.name, row.id, info.identity, info.version, info.board_name
    );
    if !args.no_import {
        let count =
            server::service::routers::import_default(&db, &row, &args.interfaces, now).await?;
        println!("imported {count} peers; they are polled while `wgmik serve` runs");
    }
    Ok(())
}

/// Help and version go to stdout as usual; a usage error becomes one line naming the problem.
fn report_cli_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = err.print();
        return ExitCode::SUCCESS;
    }
    let rendered = err.render().to_string();
    let first = rendered.lines().next().unwrap_or("invalid command line");
    eprintln!("{first} (see wgmik --help)");
    ExitCode::from(2)
}

async fn rotate_master_key(config: &Config) -> anyhow::Result<()> {
    let db = server::db::connect(&config.database).await?;
    server::db::migrate(&db, &config.database).await?;
    let (new, source) = server::service::secrets::rotate_master_key(&db, &config.data_dir).await?;
    match source {
        server::secrets::KeySource::Environment => {
            eprintln!(
                "every secret is now encrypted under the new key below: set {} to it before \
                 the next start (the old key no longer opens them)",
                server::secrets::MASTER_KEY_VAR
            );
            println!("{}", new.to_base64());
        }
        _ => eprintln!(
            "every secret is now encrypted under a new key, stored in {}",
            config.data_dir.join(server::secrets::KEY_FILE).display()
        ),
    }
    Ok(())
}
