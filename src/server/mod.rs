//! `chantier serve`: the tonic server with health, reflection, limits and graceful shutdown.

mod convert;
mod estimate;
mod service;
mod status;
mod webhook;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use chantier_estimator::app::{App, WorkerConfig};
use chantier_estimator::store::Store;
use chantier_proto::v1::estimate_service_server::EstimateServiceServer;
use chantier_proto::v1::takeoff_service_server::TakeoffServiceServer;
use tonic::transport::Server;

use crate::config::Config;

pub use service::Takeoffs;

pub fn run(config: Config) -> Result<ExitCode> {
    init_logging(&config);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    rt.block_on(serve(config, shutdown_signal()))?;
    Ok(ExitCode::SUCCESS)
}

fn init_logging(config: &Config) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(&config.log).unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if config.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Serves until `shutdown` completes, then drains in-flight requests.
pub async fn serve(config: Config, shutdown: impl std::future::Future<Output = ()>) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    serve_on(listener, config, shutdown).await
}

pub async fn serve_on(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let addr = listener.local_addr()?;
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(config.max_concurrent_takeoffs));
    let takeoffs = Takeoffs {
        limits: config.limits(),
        timeout: Duration::from_secs(config.request_timeout_secs),
        slots: slots.clone(),
    };
    let url = config.database_url();
    let store = Store::open(&url).await.with_context(|| {
        format!(
            "opening the database {}",
            chantier_estimator::store::redact(&url)
        )
    })?;
    let app = std::sync::Arc::new(App::new(
        store,
        config.defaults()?,
        config.limits(),
        config.odoo_config(),
    )?);
    let estimates = estimate::Estimates {
        app: app.clone(),
        timeout: Duration::from_secs(config.request_timeout_secs),
        max_upload_bytes: config.max_upload_bytes,
        slots,
    };
    // The outbox worker and the webhook stop with the server.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let worker = tokio::spawn(app.clone().run_worker(
        WorkerConfig {
            reconcile_every:
                (config.reconcile_secs > 0).then(|| Duration::from_secs(config.reconcile_secs)),
            proposal_stage: config.proposal_stage.clone(),
            lease: Duration::from_secs(config.job_lease_secs),
            ..WorkerConfig::default()
        },
        stopped(stop_rx.clone()),
    ));
    let mut hook_task = None;
    if let (Some(addr), Some(secret)) = (config.webhook_listen, config.webhook_secret.clone()) {
        let l = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding the webhook address {addr}"))?;
        tracing::info!(addr = %l.local_addr()?, "Odoo webhook listening");
        let router = webhook::router(app.clone(), secret);
        let rx = stop_rx.clone();
        hook_task = Some(tokio::spawn(async move {
            axum::serve(l, router)
                .with_graceful_shutdown(stopped(rx))
                .await
        }));
    }
    let (health_reporter, health) = tonic_health::server::health_reporter();
    health_reporter
        .set_serving::<TakeoffServiceServer<Takeoffs>>()
        .await;
    health_reporter
        .set_serving::<EstimateServiceServer<estimate::Estimates>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(chantier_proto::v1::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(chantier_proto::v1::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let takeoff = TakeoffServiceServer::new(takeoffs)
        .max_decoding_message_size(config.max_message_bytes)
        // Results can be larger than the files they measure (one entry per element): the
        // limit guards what clients send, not what the server answers.
        .max_encoding_message_size(usize::MAX);
    let estimate = EstimateServiceServer::new(estimates)
        .max_decoding_message_size(config.max_message_bytes)
        .max_encoding_message_size(usize::MAX);
    tracing::info!(%addr, version = env!("CARGO_PKG_VERSION"), "chantier serving");
    Server::builder()
        .add_service(health)
        .add_service(reflection)
        .add_service(reflection_alpha)
        .add_service(takeoff)
        .add_service(estimate)
        .serve_with_incoming_shutdown(
            tokio_stream::wrappers::TcpListenerStream::new(listener),
            shutdown,
        )
        .await?;
    let _ = stop_tx.send(true);
    let _ = worker.await;
    if let Some(t) = hook_task {
        let _ = t.await;
    }
    tracing::info!("chantier stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received, draining");
}
