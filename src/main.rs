//! The `wgmik` server binary: CLI → configuration → database → web server, until SIGINT or
//! SIGTERM. Every failure ends in one plain line on stderr and a non-zero exit.

mod serve;

use std::process::ExitCode;

use clap::Parser;
use server::config::{Cli, Command, Config};

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
    server::logging::init(cli.global.log_format);

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
    match cli.command.unwrap_or(Command::Serve) {
        Command::Migrate => {
            let db = server::db::connect(&config.database).await?;
            server::db::migrate(&db, &config.database).await?;
            tracing::info!(database = %config.database.redacted(), "migrations applied");
            Ok(())
        }
        Command::Serve => serve::serve(config).await,
    }
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
