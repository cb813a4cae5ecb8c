//! The durable store on real databases: SQLite in a temporary directory always, and the
//! machine's PostgreSQL (CHANTIER_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1/postgres)
//! in a database made for the test, skipped with a message when none answers (required in CI).

mod common;

use std::time::Duration;

use chantier_estimator::clauses::ClauseLibrary;
use chantier_estimator::estimate;
use chantier_estimator::library::PriceLibrary;
use chantier_estimator::profile::FirmProfile;
use chantier_estimator::store::{JobState, NewJob, OdooLink, Store};
use rust_decimal::Decimal;

fn job(key: &str) -> NewJob {
    NewJob {
        kind: "odoo_push".into(),
        key: key.into(),
        payload: format!("{{\"estimate_id\":\"{key}\"}}"),
    }
}

/// Everything the service relies on, for one backend.
async fn exercise(url: &str) {
    let store = Store::open(url).await.unwrap();
    let (e, takeoffs) = common::house_estimate(common::settings());
    // The estimate and its push are stored together.
    store
        .create_estimate(&e, &takeoffs, &[job(&e.id)])
        .await
        .unwrap();
    let back = store.estimate(&e.id).await.unwrap();
    assert_eq!(
        serde_json::to_value(&back).unwrap(),
        serde_json::to_value(&e).unwrap(),
        "an estimate reads back exactly"
    );
    assert_eq!(back.total_ttc, e.total_ttc);
    assert_eq!(store.estimate(&e.reference).await.unwrap().id, e.id);
    assert_eq!(
        serde_json::to_value(store.takeoffs(&e.id).await.unwrap()).unwrap(),
        serde_json::to_value(&takeoffs).unwrap(),
        "the takeoffs are kept for re-pricing with new rules"
    );
    assert!(matches!(
        store.estimate("nope").await,
        Err(chantier_estimator::EstimatorError::NotFound(_))
    ));

    // Re-pricing stores version 2; a stale version 2 is refused, not overwritten.
    let mut s = e.settings.clone();
    s.margin_rate = Decimal::new(12, 2);
    let v2 = estimate::reprice(
        &e,
        &PriceLibrary::sample(),
        &ClauseLibrary::sample(),
        &FirmProfile::sample(),
        s,
    )
    .unwrap();
    assert_eq!(v2.version, 2);
    assert!(v2.total_ht > e.total_ht);
    store.update_estimate(&v2, None, &[]).await.unwrap();
    assert!(
        store.update_estimate(&v2, None, &[]).await.is_err(),
        "a concurrent re-pricing is detected"
    );
    let list = store.list_estimates(10, 0).await.unwrap();
    let row = list.iter().find(|r| r.id == e.id).unwrap();
    assert_eq!((row.version, row.total_ht), (2, v2.total_ht));

    store
        .save_proposal(&e.id, 2, "fr", b"%PDF-1.7 test")
        .await
        .unwrap();
    store
        .save_proposal(&e.id, 2, "fr", b"%PDF-1.7 again")
        .await
        .unwrap();
    assert_eq!(
        store.proposal(&e.id, 2, "fr").await.unwrap().unwrap(),
        b"%PDF-1.7 again"
    );
    assert_eq!(store.proposal(&e.id, 1, "fr").await.unwrap(), None);

    // The outbox: a worker that dies holding a job loses it when its lease expires.
    let first = store
        .claim("worker-a", 50)
        .await
        .unwrap()
        .expect("the push job is due");
    assert_eq!(first.key, e.id);
    assert_eq!(first.attempts, 1);
    assert!(
        store.claim("worker-b", 50).await.unwrap().is_none(),
        "a leased job is not handed out twice"
    );
    tokio::time::sleep(Duration::from_millis(120)).await;
    let resumed = store
        .claim("worker-b", 60_000)
        .await
        .unwrap()
        .expect("an expired lease is resumed");
    assert_eq!((resumed.id, resumed.attempts), (first.id, 2));

    // Queuing the same key while it runs re-arms it once it completes.
    store.enqueue(&job(&e.id)).await.unwrap();
    assert!(
        !store.complete(first.id, "worker-a", "{}").await.unwrap(),
        "the worker that lost its lease cannot complete the job"
    );
    assert!(store.renew(resumed.id, "worker-b", 60_000).await.unwrap());
    assert!(
        store
            .complete(resumed.id, "worker-b", "{\"order_id\":7}")
            .await
            .unwrap()
    );
    let again = store.job(&e.id).await.unwrap().unwrap();
    assert_eq!(again.state, JobState::Pending, "re-armed while running");
    let j = store.claim("worker-b", 60_000).await.unwrap().unwrap();
    store
        .complete(j.id, "worker-b", "{\"order_id\":7}")
        .await
        .unwrap();
    let done = store.job(&e.id).await.unwrap().unwrap();
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.result.as_deref(), Some("{\"order_id\":7}"));

    // Retries wait for their time; a permanent failure stays failed until re-queued.
    store.enqueue(&job("retry")).await.unwrap();
    let r = store.claim("w", 60_000).await.unwrap().unwrap();
    let later = chrono::Utc::now().timestamp_millis() + 60_000;
    store
        .fail(r.id, "w", "HTTP 502", Some(later))
        .await
        .unwrap();
    assert!(
        store.claim("w", 60_000).await.unwrap().is_none(),
        "not due before its retry time"
    );
    let pending = store.job("retry").await.unwrap().unwrap();
    assert_eq!(
        (pending.state, pending.last_error.as_deref()),
        (JobState::Pending, Some("HTTP 502"))
    );
    assert!(
        !store.fail(r.id, "w", "bad key", None).await.unwrap(),
        "only a running job's holder records its outcome"
    );
    store.enqueue(&job("retry")).await.unwrap();
    let r = store.claim("w", 60_000).await.unwrap().unwrap();
    assert!(store.fail(r.id, "w", "bad key", None).await.unwrap());
    assert_eq!(
        store.job("retry").await.unwrap().unwrap().state,
        JobState::Failed
    );
    assert_eq!(store.open_jobs().await.unwrap().len(), 0);

    store
        .set_odoo_link(&OdooLink {
            estimate_id: e.id.clone(),
            order_id: 12,
            order_name: "S00012".into(),
            pushed_version: 2,
            attachment_id: Some(3),
            sent_digest: Some("sent".into()),
            lines_digest: Some("lines".into()),
        })
        .await
        .unwrap();
    let link = store.odoo_link(&e.id).await.unwrap().unwrap();
    assert_eq!(link.order_name, "S00012");
    assert_eq!(
        (link.sent_digest.as_deref(), link.lines_digest.as_deref()),
        (Some("sent"), Some("lines"))
    );
    assert_eq!(
        store.estimate_for_opportunity(999).await.unwrap(),
        None,
        "no estimate for an unknown opportunity"
    );
    drop(store);

    // A restart (a new pool, migrations run again) loses nothing.
    let reopened = Store::open(url).await.unwrap();
    assert_eq!(reopened.estimate(&e.id).await.unwrap().version, 2);
    assert_eq!(
        reopened.job(&e.id).await.unwrap().unwrap().state,
        JobState::Done
    );
}

#[tokio::test]
async fn sqlite_store_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("sub/chantier.db").display());
    exercise(&url).await;
}

#[tokio::test]
async fn postgres_store_keeps_everything() {
    let admin = std::env::var("CHANTIER_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    sqlx::any::install_default_drivers();
    let conn = sqlx::AnyPool::connect(&admin).await;
    let Ok(pool) = conn else {
        let msg = format!("PostgreSQL at {admin} is not reachable: {:?}", conn.err());
        if std::env::var_os("CI").is_some() {
            panic!("{msg}; CI installs and starts it (.ci/run)");
        }
        eprintln!("skipping: {msg}");
        return;
    };
    let db = format!(
        "chantier_test_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    );
    sqlx::query(&format!("CREATE DATABASE {db}"))
        .execute(&pool)
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    let url = format!("{base}/{db}");
    exercise(&url).await;
    // Several replicas migrating at once take turns.
    let (a, b) = tokio::join!(Store::open(&url), Store::open(&url));
    a.unwrap();
    b.unwrap();
    sqlx::query(&format!("DROP DATABASE {db} WITH (FORCE)"))
        .execute(&pool)
        .await
        .unwrap();
}
