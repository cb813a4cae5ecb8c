//! Alert sinks: signed HTTP webhook and MQTT. Each sink subscribes to the hub on its own,
//! so a slow or dead endpoint delays only itself. Webhook deliveries are outbox jobs (stored,
//! retried across restarts); MQTT is a live feed with its client's own queue.

use std::time::Duration;

use base64::Engine;
use chantier_vision::events::{Event, EventKind};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use tokio::sync::broadcast::error::RecvError;

use std::sync::Arc;

use chantier_estimator::app::{App, JobHandler, Outcome};
use chantier_estimator::store::Job;

use super::config::AlertsSection;
use super::hub::Hub;

/// The JSON body every sink sends; the snapshot is base64 on start and update.
pub fn payload(e: &Event) -> serde_json::Value {
    let mut v = serde_json::to_value(e).unwrap_or_default();
    if let Some(s) = &e.snapshot {
        v["snapshot_jpeg"] = json!(base64::engine::general_purpose::STANDARD.encode(s.as_slice()));
    }
    v
}

/// `sha256=<hex>` of HMAC-SHA256 over `"<timestamp>.<body>"`: the timestamp is signed too,
/// so a captured request cannot be replayed later with a new date.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Outbox job kind of one webhook delivery.
pub const JOB_WEBHOOK: &str = "alert_webhook";

/// Starts the sinks. Webhook deliveries go through the outbox: each event is stored before
/// it is sent, and retried with backoff across restarts until the endpoint takes it.
pub fn spawn(
    hub: &Hub,
    alerts: &AlertsSection,
    app: &Arc<App>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    if let Some(url) = alerts.webhook_url.clone() {
        let secret = alerts.webhook_secret.clone().unwrap_or_default();
        match webhook_handler(url, secret) {
            Ok(h) => {
                app.register_jobs(JOB_WEBHOOK, h);
                tasks.push(tokio::spawn(super::outbox::enqueue_events(
                    hub.clone(),
                    app.clone(),
                    JOB_WEBHOOK,
                    |e| Some(webhook_job(e)),
                )));
            }
            Err(e) => tracing::error!(error = %e, "webhook client"),
        }
    }
    if let Some(url) = alerts.mqtt_url.clone() {
        let topic = if alerts.mqtt_topic.is_empty() {
            "chantier".to_string()
        } else {
            alerts.mqtt_topic.clone()
        };
        tasks.push(tokio::spawn(mqtt(hub.clone(), url, topic)));
    }
    tasks
}

/// The stored delivery: the body as sent (snapshot included) and the id receivers use to
/// ignore a repeat.
fn webhook_job(e: &Event) -> serde_json::Value {
    json!({
        "event_id": format!("{}:{:?}:{}", e.id, e.kind, e.at_ms),
        "body": payload(e).to_string(),
    })
}

fn webhook_handler(url: String, secret: String) -> reqwest::Result<JobHandler> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    Ok(Arc::new(move |job: Job| {
        let (http, url, secret) = (http.clone(), url.clone(), secret.clone());
        Box::pin(async move {
            let v: serde_json::Value = match serde_json::from_str(&job.payload) {
                Ok(v) => v,
                Err(e) => return Outcome::Fail(format!("bad payload: {e}")),
            };
            let body = v["body"].as_str().unwrap_or_default().as_bytes().to_vec();
            // Signed at each try: the timestamp is part of the signature.
            let ts = chrono::Utc::now().timestamp();
            let sent = http
                .post(&url)
                .header("content-type", "application/json")
                .header(
                    "x-chantier-event-id",
                    v["event_id"].as_str().unwrap_or_default(),
                )
                .header("x-chantier-timestamp", ts.to_string())
                .header("x-chantier-signature", sign(&secret, ts, &body))
                .body(body)
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => Outcome::Done(r.status().to_string()),
                Ok(r)
                    if r.status().is_client_error()
                        && !matches!(r.status().as_u16(), 408 | 429) =>
                {
                    Outcome::Fail(format!("the webhook refused the event: {}", r.status()))
                }
                Ok(r) => Outcome::Retry(format!("webhook answered {}", r.status())),
                Err(e) => Outcome::Retry(format!("webhook unreachable: {e}")),
            }
        })
    }))
}

async fn mqtt(hub: Hub, url: String, topic: String) {
    let mut rx = hub.subscribe();
    let options = match mqtt_options(&url) {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(error = %e, "mqtt_url is not valid");
            return;
        }
    };
    let (client, mut eventloop) = rumqttc::AsyncClient::new(options, 64);
    // The event loop drives the connection and reconnects by itself when polled again.
    tokio::spawn(async move {
        loop {
            if let Err(e) = eventloop.poll().await {
                tracing::warn!(error = %e, "MQTT connection lost; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    });
    loop {
        let e = match rx.recv().await {
            Ok(e) => e,
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "MQTT sink fell behind; events skipped");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let mut event = serde_json::to_value(&*e).unwrap_or_default();
        event["has_snapshot"] = json!(e.snapshot.is_some());
        let kind = match e.kind {
            EventKind::Start => "start",
            EventKind::Update => "update",
            EventKind::End => "end",
        };
        let qos = rumqttc::QoS::AtLeastOnce;
        let body = serde_json::to_vec(&event).unwrap_or_default();
        if let Err(err) = client
            .publish(format!("{topic}/events"), qos, false, body.clone())
            .await
        {
            tracing::warn!(error = %err, "MQTT publish failed");
        }
        let _ = client
            .publish(format!("{topic}/{}/{kind}", e.camera), qos, false, body)
            .await;
        if let Some(s) = &e.snapshot {
            let _ = client
                .publish(
                    format!("{topic}/{}/snapshot", e.camera),
                    qos,
                    true,
                    s.to_vec(),
                )
                .await;
        }
    }
}

/// `mqtt://[user:password@]host[:port]`; the client id is unique per process so two
/// instances do not disconnect each other.
pub fn mqtt_options(url: &str) -> Result<rumqttc::MqttOptions, String> {
    let u = url::Url::parse(url).map_err(|e| format!("{e}"))?;
    if !matches!(u.scheme(), "mqtt" | "tcp") {
        return Err(format!("scheme {:?} is not mqtt://", u.scheme()));
    }
    let host = u.host_str().ok_or("no host")?;
    let mut o = rumqttc::MqttOptions::new(
        format!("chantier-{}", std::process::id()),
        host,
        u.port().unwrap_or(1883),
    );
    if !u.username().is_empty() {
        o.set_credentials(u.username(), u.password().unwrap_or(""));
    }
    o.set_keep_alive(Duration::from_secs(30));
    o.set_max_packet_size(16 << 20, 16 << 20);
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mqtt_urls() {
        let o = mqtt_options("mqtt://site:pw@10.1.2.3:1884").unwrap();
        assert_eq!(o.broker_address(), ("10.1.2.3".to_string(), 1884));
        assert!(mqtt_options("http://x").is_err());
    }

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_and_body() {
        // Reference value from Python: hmac.new(b"secret", b"1700000000.{}", "sha256").hexdigest()
        assert_eq!(
            sign("secret", 1_700_000_000, b"{}"),
            "sha256=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
    }
}
