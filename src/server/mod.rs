//! `chantier serve`: the tonic server with health, reflection, limits and graceful shutdown.

mod admission;
mod connections;
mod convert;
mod estimate;
mod push;
mod service;
mod status;
mod vision;
mod webhook;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use chantier_estimator::app::{App, WorkerConfig};
use chantier_estimator::store::Store;
use chantier_proto::v1::estimate_service_server::EstimateServiceServer;
use chantier_proto::v1::takeoff_service_server::TakeoffServiceServer;
use chantier_proto::v1::vision_service_server::VisionServiceServer;
use tonic::transport::Server;

use crate::config::Config;

pub use admission::UploadLimits;
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
    // ONNX Runtime logs its session set-up at INFO through `ort`: a dozen lines at every
    // start that say nothing to an operator, unless asked for by name.
    let directives = if config.log.contains("ort") {
        config.log.clone()
    } else {
        format!("{},ort=warn", config.log)
    };
    let filter = tracing_subscriber::EnvFilter::try_new(&directives)
        .unwrap_or_else(|_| "info,ort=warn".into());
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
    let admission = std::sync::Arc::new(admission::Admission::new(
        config.max_concurrent_takeoffs,
        config.max_waiting_requests,
        usize::try_from(config.max_buffered_upload_bytes).unwrap_or(usize::MAX),
        config.takeoff_memory_bytes(),
    ));
    let takeoffs = Takeoffs {
        limits: config.limits(),
        timeout: Duration::from_secs(config.request_timeout_secs),
        admission: admission.clone(),
        upload: config.upload_limits(),
        plans: config.plans.clone(),
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
    if app.odoo.is_some() {
        // Odoo may come later: the check only says what is wrong, once, and never stops
        // the start.
        let app = app.clone();
        tokio::spawn(async move { log_odoo_findings(app.check_odoo().await) });
    }
    let estimates = estimate::Estimates {
        app: app.clone(),
        timeout: Duration::from_secs(config.request_timeout_secs),
        admission,
        upload: config.upload_limits(),
    };
    // The outbox worker and the webhook stop with the server.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let mut hook_task = None;
    if let Some(addr) = config.webhook_listen {
        let secrets = config.webhook_secrets();
        let l = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding the webhook address {addr}"))?;
        tracing::info!(addr = %l.local_addr()?, "Odoo webhook listening");
        let router = webhook::router(app.clone(), secrets);
        let rx = stop_rx.clone();
        hook_task = Some(tokio::spawn(async move {
            axum::serve(l, router)
                .with_graceful_shutdown(stopped(rx))
                .await
        }));
    }
    // Vision registers its alert deliveries with the outbox before the worker starts, so
    // alerts queued before a restart find their runner.
    let vision = start_vision(&config, &app, stop_rx.clone()).await?;
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
    let (health_reporter, health) = tonic_health::server::health_reporter();
    health_reporter
        .set_serving::<TakeoffServiceServer<Takeoffs>>()
        .await;
    health_reporter
        .set_serving::<EstimateServiceServer<estimate::Estimates>>()
        .await;
    if vision.detector.is_ok() {
        health_reporter
            .set_serving::<VisionServiceServer<vision::Vision>>()
            .await;
    } else {
        health_reporter
            .set_not_serving::<VisionServiceServer<vision::Vision>>()
            .await;
    }
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
    let cameras = vision.cameras.clone();
    let vision_service = VisionServiceServer::new(vision)
        .max_decoding_message_size(config.max_message_bytes)
        .max_encoding_message_size(usize::MAX);
    tracing::info!(%addr, version = env!("CARGO_PKG_VERSION"), "chantier serving");
    let registry = std::sync::Arc::new(connections::Registry::default());
    let incoming = connections::incoming(
        listener,
        connections::ConnectionLimits {
            max_connections: config.max_connections,
            handshake: Duration::from_secs(config.handshake_secs),
            idle: Duration::from_secs(config.connection_idle_secs),
        },
        registry.clone(),
    );
    // On the signal: stop accepting, end the server streams and the background work; hyper
    // then closes each connection once its calls are answered.
    let signal = {
        let stop_tx = stop_tx.clone();
        async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        }
    };
    let served = Server::builder()
        // Dead peers found within a minute and a half, whatever their TCP stack does.
        .http2_keepalive_interval(Some(Duration::from_secs(60)))
        .http2_keepalive_timeout(Some(Duration::from_secs(20)))
        .layer(connections::TrackLayer {
            registry: registry.clone(),
        })
        .add_service(health)
        .add_service(reflection)
        .add_service(reflection_alpha)
        .add_service(takeoff)
        .add_service(estimate)
        .add_service(vision_service)
        .serve_with_incoming_shutdown(incoming, signal);
    // The process ends within the grace period after the signal, whatever the clients do.
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    let deadline = {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        }
    };
    tokio::select! {
        r = served => r?,
        _ = deadline => tracing::warn!(
            open = registry.open(),
            "shutdown grace period over: closing the connections still open"
        ),
    }
    let _ = stop_tx.send(true);
    cameras.stop();
    let _ = worker.await;
    if let Some(t) = hook_task {
        let _ = t.await;
    }
    tracing::info!("chantier stopped");
    Ok(())
}

/// One warning per problem found in Odoo, one line for the rest.
fn log_odoo_findings(findings: Vec<chantier_estimator::odoo::setup::Finding>) {
    use chantier_estimator::odoo::setup::Finding;
    let mut facts = Vec::new();
    for f in findings {
        match f {
            Finding::Problem(p) => tracing::warn!("Odoo: {p}"),
            Finding::Fact(f) => facts.push(f),
        }
    }
    if !facts.is_empty() {
        tracing::info!("Odoo: {}", facts.join("; "));
    }
}

/// The detector, the event hub, alert sinks, metrics endpoint and cameras. A model that
/// does not load leaves vision off (its calls answer FAILED_PRECONDITION with the reason)
/// while takeoff and estimates keep serving.
async fn start_vision(
    config: &Config,
    app: &std::sync::Arc<App>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Result<vision::Vision> {
    let section = &config.vision;
    let loaded = {
        let section = section.clone();
        tokio::task::spawn_blocking(move || crate::vision::load_detector(None, &section)).await?
    };
    let detector = match loaded {
        Ok(d) => {
            let spec = d.spec();
            tracing::info!(model = %spec.name, width = spec.input_w, height = spec.input_h, classes = spec.classes.len(), "vision model loaded");
            Ok(std::sync::Arc::new(d))
        }
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "vision is off");
            Err(format!("{e:#}"))
        }
    };
    let metrics = crate::vision::metrics::Metrics::new();
    let hub = crate::vision::hub::Hub::new(256, metrics.clone());
    crate::vision::alerts::spawn(&hub, &config.alerts, app);
    if let (true, Some(odoo)) = (config.alerts.odoo_tasks, config.odoo_config()) {
        let routing = crate::vision::incidents::Routing::new(&config.alerts, &config.cameras);
        crate::vision::incidents::spawn(&hub, odoo, routing, app)
            .context("the Odoo incident sink")?;
    }
    if let Some(addr) = section.metrics_listen {
        let l = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding the metrics address {addr}"))?;
        tracing::info!(addr = %l.local_addr()?, "metrics listening");
        let router = axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let m = metrics.clone();
                async move {
                    (
                        [(
                            "content-type",
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        )],
                        m.render(),
                    )
                }
            }),
        );
        let mut stop = stop.clone();
        tokio::spawn(async move {
            axum::serve(l, router)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await
        });
    }
    let cameras =
        crate::vision::cameras::Cameras::new(config.cameras.clone(), section.queue_capacity);
    if let Ok(d) = &detector {
        cameras.start(d.clone(), section, hub.clone());
    } else if !config.cameras.is_empty() {
        tracing::error!("cameras are configured but vision is off; they are not watched");
    }
    Ok(vision::Vision {
        detector,
        limits: section.limits(),
        safety: section.safety.clone(),
        events: section.events.clone(),
        hub,
        cameras,
        timeout: Duration::from_secs(config.request_timeout_secs),
        stop,
    })
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
