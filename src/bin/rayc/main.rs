//! `rayc`: Ray Jobs and the cluster's state from a shell, without Python. What `ray job`,
//! `ray list` and `ray summary tasks` do, over this library's dashboard client
//! (src/dashboard/), plus `rayc ping` for either of a cluster's two front doors.
//!
//! Output: what a script wants on stdout (a job's log, a submission id with `--no-wait`,
//! tables, JSON), what a person wants (progress, next steps, outcomes) on stderr. The
//! exit codes are the `EXIT_*` constants below, listed in `rayc --help`.

mod job;
mod list;
mod output;

use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use ray_client::dashboard::{Dashboard, DashboardOptions};
use ray_client::{Client, Error, ErrorKind};

/// Success; for `job submit`, the job succeeded.
const EXIT_OK: u8 = 0;
/// The job failed (as `ray job submit`), or an error no code below names.
const EXIT_FAILED: u8 = 1;
/// The command line is wrong (clap's own code).
const EXIT_USAGE: u8 = 2;
/// The job was stopped before it ended (`ray job submit` exits 0 here; a script that
/// waits for a job wants to tell a stop from a success).
const EXIT_STOPPED: u8 = 3;
/// No such job on the cluster.
const EXIT_NOT_FOUND: u8 = 4;
/// The dashboard or cluster could not be reached, or did not answer in time.
const EXIT_UNREACHABLE: u8 = 5;
/// The cluster refused the token (or lack of one).
const EXIT_REFUSED: u8 = 6;
/// Ctrl-C while following a log (the job goes on).
const EXIT_INTERRUPTED: u8 = 130;

const AFTER_HELP: &str = "\
Addresses: --address, else RAY_API_SERVER_ADDRESS, else RAY_ADDRESS, else
http://localhost:8265. A dashboard address (http://host:8265, https://..., host:8265) or
a Ray Client address (ray://host:10001), through which the dashboard is found. Token
authentication reads RAY_AUTH_TOKEN / RAY_AUTH_TOKEN_PATH when RAY_AUTH_MODE=token.

Exit codes: 0 success (job submit: the job succeeded), 1 the job failed or another
error, 2 bad usage, 3 the job was stopped, 4 no such job, 5 cluster unreachable or
too slow, 6 authentication refused, 130 Ctrl-C while following a log.";

#[derive(Parser)]
#[command(
    name = "rayc",
    version,
    about = "Ray Jobs and the cluster's state, without Python",
    after_help = AFTER_HELP
)]
struct Cli {
    #[command(flatten)]
    conn: Connection,
    #[command(subcommand)]
    command: Command,
}

/// How to reach the dashboard (the options every `ray job` command takes).
#[derive(Args, Clone)]
struct Connection {
    /// The cluster's dashboard or Ray Client address.
    #[arg(long, global = true)]
    address: Option<String>,
    /// Extra HTTP headers as a JSON object, e.g. '{"Cookie": "..."}' (else RAY_JOB_HEADERS).
    #[arg(long, global = true)]
    headers: Option<String>,
    /// Verify the dashboard's TLS certificate: true, false, or a CA certificate file.
    #[arg(long, global = true, default_value = "true")]
    verify: String,
    /// The longest one request may take, in seconds.
    #[arg(long = "request-timeout", global = true, default_value_t = 60.0)]
    request_timeout: f64,
}

#[derive(Subcommand)]
enum Command {
    /// Submit, follow, stop, delete or list Ray jobs (as `ray job`).
    #[command(subcommand)]
    Job(job::JobCommand),
    /// List the cluster's actors, tasks, nodes, objects, placement groups, jobs or
    /// workers (as `ray list`).
    List(Box<list::ListArgs>),
    /// Summarize the cluster's tasks by function (as `ray summary tasks`).
    Summary(list::SummaryArgs),
    /// Check that a cluster answers: a dashboard address, or a Ray Client address
    /// (ray://host:10001) through the client port.
    Ping {
        /// The address to try (default: as --address).
        address: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    let result = match cli.command {
        Command::Job(command) => job::run(&cli.conn, command),
        Command::List(args) => list::list(&cli.conn, &args),
        Command::Summary(args) => list::summary(&cli.conn, &args),
        Command::Ping { address } => ping(&cli.conn, address),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("rayc: {}", e.message());
            ExitCode::from(exit_code(&e))
        }
    }
}

/// The exit code of an error.
fn exit_code(e: &Error) -> u8 {
    match e.kind() {
        ErrorKind::InvalidArgument => EXIT_USAGE,
        ErrorKind::NotFound => EXIT_NOT_FOUND,
        ErrorKind::ConnectionFailed | ErrorKind::ConnectionLost | ErrorKind::Timeout => {
            EXIT_UNREACHABLE
        }
        ErrorKind::AuthenticationFailed => EXIT_REFUSED,
        _ => EXIT_FAILED,
    }
}

impl Connection {
    /// The dashboard these options name.
    fn dashboard(&self) -> Result<Dashboard, Error> {
        self.dashboard_at(self.address.clone())
    }

    fn dashboard_at(&self, address: Option<String>) -> Result<Dashboard, Error> {
        let mut options = DashboardOptions {
            address,
            ..Default::default()
        };
        options.timeout = output::seconds(self.request_timeout, "--request-timeout")?;
        let headers = self
            .headers
            .clone()
            .or_else(|| std::env::var("RAY_JOB_HEADERS").ok());
        if let Some(text) = headers {
            options.headers = output::string_map(&text, "--headers")?
                .into_iter()
                .collect();
        }
        // Python's `--verify`: a boolean, or else a path to trusted certificates.
        match self.verify.to_ascii_lowercase().as_str() {
            "true" | "1" => {}
            "false" | "0" => options.insecure = true,
            _ => options.ca_cert = Some(self.verify.clone().into()),
        }
        Dashboard::connect_with(options)
    }
}

/// `rayc ping`: one round trip to the dashboard, or a whole client connection.
fn ping(conn: &Connection, address: Option<String>) -> Result<u8, Error> {
    let address = address.or_else(|| conn.address.clone());
    let start = Instant::now();
    if address
        .as_deref()
        .is_some_and(|a| a.trim_start().to_ascii_lowercase().starts_with("ray://"))
    {
        let address = address.unwrap_or_default();
        let client = Client::connect(&address)?;
        let info = client.server_info().clone();
        let took = start.elapsed();
        client.disconnect();
        println!(
            "{address}: Ray {} on Python {} (client port), connected in {}",
            info.ray_version,
            info.python_version,
            output::duration(took)
        );
    } else {
        let dashboard = conn.dashboard_at(address)?;
        println!(
            "{}: Ray {} (dashboard), answered in {}",
            dashboard.url(),
            dashboard.ray_version(),
            output::duration(start.elapsed())
        );
    }
    Ok(EXIT_OK)
}
