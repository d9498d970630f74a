//! `qiscus-emulator`: runs the Qiscus REST API v2 emulator until SIGINT/SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use qiscus_emulator::{Emulator, EmulatorConfig, Faults};

/// A local, stateful emulator of the Qiscus SDK REST API v2 server.
#[derive(Parser, Debug)]
#[command(name = "qiscus-emulator", version, about)]
struct Cli {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Application id.
    #[arg(long, default_value = "emulator")]
    app_id: String,
    /// Secret expected in the QISCUS_SDK_SECRET header.
    #[arg(long, default_value = "emulator-secret")]
    secret: String,
    /// URL that receives webhooks for comments posted through REST.
    #[arg(long)]
    webhook_url: Option<String>,
    /// Token signing webhooks (QISCUS-SDK-SIGNATURE).
    #[arg(long)]
    webhook_token: Option<String>,
    /// Faults, e.g. "500=0.05,503=0.05,429=0.04,drop_before=0.03,drop_after=0.03,latency=0.1,latency_ms=20,retry_after=1".
    #[arg(long, default_value = "")]
    faults: Faults,
    /// Seed of the fault RNG.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// How long an export job takes to finish, in milliseconds.
    #[arg(long, default_value_t = 200)]
    export_delay_ms: u64,
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = Cli::parse();
    let config = EmulatorConfig {
        addr: cli.addr,
        app_id: cli.app_id,
        secret: cli.secret,
        webhook_url: cli.webhook_url,
        webhook_token: cli.webhook_token,
        faults: cli.faults,
        seed: cli.seed,
        export_delay: Duration::from_millis(cli.export_delay_ms),
    };
    let handle = match Emulator::start(config).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("qiscus-emulator: cannot listen: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", handle.base_url());
        let _ = out.flush();
    }
    wait_for_signal().await;
    tracing::info!("shutting down");
    tokio::time::timeout(Duration::from_secs(5), handle.shutdown())
        .await
        .ok();
    std::process::ExitCode::SUCCESS
}
