//! The Odoo push as a gRPC answer: waits for the outbox job within the caller's deadline
//! (`grpc-timeout`), then says where it stands: done, pending with the last error, failed.
//! The push itself goes on durably whatever the call does.

use std::time::Duration;

use chantier_estimator::app::App;
use chantier_estimator::odoo::OdooError;
use chantier_estimator::store::JobState;
use chantier_proto::v1 as pb;
use tonic::Status;
use tonic::metadata::MetadataMap;

use super::status::estimator_status;

/// The caller's deadline from its `grpc-timeout` header ("20S", "1500m"...), if it sent one.
pub fn caller_deadline(metadata: &MetadataMap) -> Option<Duration> {
    let v = metadata.get("grpc-timeout")?.to_str().ok()?;
    let (digits, unit) = v.split_at(v.len().checked_sub(1)?);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.saturating_mul(3600)),
        "M" => Duration::from_secs(n.saturating_mul(60)),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// How long a call may wait for its push: most of what is left of the caller's deadline
/// (room kept to answer), never more than most of the server's own request timeout.
pub fn wait_budget(
    deadline: Option<Duration>,
    request_timeout: Duration,
    spent: Duration,
) -> Duration {
    let server = request_timeout.mul_f32(0.9).saturating_sub(spent);
    match deadline {
        Some(d) => {
            let left = d.saturating_sub(spent);
            // Keep a tenth of what is left (at most a second) to build and send the answer.
            let margin = (left / 10).min(Duration::from_secs(1));
            left.saturating_sub(margin).min(server)
        }
        None => server,
    }
}

/// The push job's state after waiting up to `wait`.
pub async fn push_state(
    app: &App,
    key: &str,
    wait: Duration,
) -> Result<pb::PushToOdooResponse, Status> {
    let job = app.wait_job(key, wait).await.map_err(estimator_status)?;
    let result: serde_json::Value = job
        .result
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_default();
    let state = match job.state {
        JobState::Done => "done",
        JobState::Failed => "failed",
        JobState::Pending | JobState::Running => "pending",
    };
    let text = |k: &str| result[k].as_str().unwrap_or_default().to_string();
    Ok(pb::PushToOdooResponse {
        state: state.into(),
        order_id: result["order_id"].as_i64().unwrap_or_default(),
        order_name: text("order_name"),
        created: result["created"].as_bool().unwrap_or_default(),
        error: job.last_error.unwrap_or_default(),
        attempts: job.attempts,
        unchanged: result["unchanged"].as_bool().unwrap_or_default(),
        warnings: result["warnings"]
            .as_array()
            .map(|w| {
                w.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        amount_untaxed: text("amount_untaxed"),
        amount_tax: text("amount_tax"),
        amount_total: text("amount_total"),
    })
}

/// `PushToOdoo`'s answer: a failed push is FAILED_PRECONDITION with its reason, a push still
/// waiting because Odoo cannot be reached at all is UNAVAILABLE (it stays queued), anything
/// else is the state.
pub fn as_reply(r: pb::PushToOdooResponse) -> Result<pb::PushToOdooResponse, Status> {
    match r.state.as_str() {
        "failed" => Err(Status::failed_precondition(format!(
            "push to Odoo failed: {}",
            r.error
        ))),
        "pending" if OdooError::text_is_unreachable(&r.error) => Err(Status::unavailable(format!(
            "{} (attempt {}); the push stays queued and is retried",
            r.error, r.attempts
        ))),
        _ => Ok(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_are_read_in_every_unit() {
        let mut m = MetadataMap::new();
        for (v, d) in [
            ("20S", Duration::from_secs(20)),
            ("1500m", Duration::from_millis(1500)),
            ("2M", Duration::from_secs(120)),
            ("1H", Duration::from_secs(3600)),
            ("250000u", Duration::from_millis(250)),
            ("99999999n", Duration::from_nanos(99_999_999)),
        ] {
            m.insert("grpc-timeout", v.parse().unwrap());
            assert_eq!(caller_deadline(&m), Some(d), "{v}");
        }
        m.insert("grpc-timeout", "12X".parse().unwrap());
        assert_eq!(caller_deadline(&m), None);
        assert_eq!(caller_deadline(&MetadataMap::new()), None);
    }

    #[test]
    fn the_wait_leaves_room_to_answer_within_the_deadline() {
        let server = Duration::from_secs(300);
        let w = wait_budget(Some(Duration::from_secs(20)), server, Duration::ZERO);
        assert_eq!(w, Duration::from_secs(19));
        let w = wait_budget(
            Some(Duration::from_secs(2)),
            server,
            Duration::from_millis(500),
        );
        assert_eq!(w, Duration::from_millis(1350));
        assert_eq!(
            wait_budget(None, server, Duration::ZERO),
            Duration::from_secs(270)
        );
        assert_eq!(
            wait_budget(Some(Duration::from_secs(1)), server, Duration::from_secs(2)),
            Duration::ZERO
        );
    }
}
