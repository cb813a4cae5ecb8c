//! The server under the loads that used to stop it, through the real binary and real
//! clients on loopback: uploads multiplexed on one HTTP/2 connection, clients that trickle,
//! connections that say nothing, and SIGTERM with streams and idle connections open.

mod common;

use std::time::{Duration, Instant};

use chantier_proto::v1 as pb;
use pb::takeoff_service_client::TakeoffServiceClient;
use pb::vision_service_client::VisionServiceClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::Code;

/// The sample house with a 4 MB comment: a real IFC, large enough to fill HTTP/2's
/// flow-control windows many times over.
fn big_ifc() -> Vec<u8> {
    let ifc = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample_house/maison.ifc"),
    )
    .unwrap();
    let text = String::from_utf8(ifc).unwrap();
    let at = text.find("DATA;").unwrap() + "DATA;".len();
    let pad = format!("\n/* {} */\n", "x".repeat(4 << 20));
    format!("{}{pad}{}", &text[..at], &text[at..]).into_bytes()
}

fn upload_messages(name: &str, bytes: &[u8]) -> Vec<pb::UploadTakeoffRequest> {
    let mut msgs = vec![pb::UploadTakeoffRequest {
        part: Some(pb::upload_takeoff_request::Part::Header(pb::FileHeader {
            file_name: name.into(),
            ..Default::default()
        })),
    }];
    for c in bytes.chunks(64 << 10) {
        msgs.push(pb::UploadTakeoffRequest {
            part: Some(pb::upload_takeoff_request::Part::Chunk(c.to_vec())),
        });
    }
    msgs
}

/// Four uploads on one connection with two takeoff slots: all four finish (they used to
/// wait for slots that waited for their data, until every deadline passed).
#[tokio::test]
async fn uploads_sharing_one_connection_all_finish() {
    let (_s, ch) = common::start(
        "chantier.v1.TakeoffService",
        &[],
        &[("CHANTIER_MAX_CONCURRENT_TAKEOFFS", "2")],
        tempfile::tempdir().unwrap(),
    )
    .await;
    let bytes = big_ifc();
    let started = Instant::now();
    let calls = (0..4).map(|i| {
        let mut c = TakeoffServiceClient::new(ch.clone());
        let msgs = upload_messages(&format!("maison-{i}.ifc"), &bytes);
        async move {
            let mut r = tonic::Request::new(tokio_stream::iter(msgs));
            r.set_timeout(Duration::from_secs(60));
            c.upload_takeoff(r).await
        }
    });
    for r in futures::future::join_all(calls).await {
        let t = r.expect("every upload finishes").into_inner();
        assert_eq!(t.format, "ifc");
        assert!(t.entity_count > 0);
    }
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// Two clients trickling their uploads hold no slot: a normal upload beside them finishes at
/// once, and the tricklers are cut off with the reason.
#[tokio::test]
async fn trickling_clients_block_nobody_and_are_cut_off() {
    let (_s, ch) = common::start(
        "chantier.v1.TakeoffService",
        &[],
        &[
            ("CHANTIER_MAX_CONCURRENT_TAKEOFFS", "2"),
            ("CHANTIER_UPLOAD_IDLE_SECS", "2"),
        ],
        tempfile::tempdir().unwrap(),
    )
    .await;
    let ifc = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample_house/maison.ifc"),
    )
    .unwrap();
    let trickle = |i: usize| {
        let mut c = TakeoffServiceClient::new(ch.clone());
        let first = upload_messages(&format!("lent-{i}.ifc"), &ifc[..1024]);
        async move {
            // 1 KB, then silence longer than the idle limit.
            let stream = futures::StreamExt::chain(
                tokio_stream::iter(first),
                futures::StreamExt::then(tokio_stream::iter(0..1), |_| async {
                    tokio::time::sleep(Duration::from_secs(6)).await;
                    pb::UploadTakeoffRequest {
                        part: Some(pb::upload_takeoff_request::Part::Chunk(vec![b' '])),
                    }
                }),
            );
            c.upload_takeoff(stream).await
        }
    };
    let slow = tokio::spawn(trickle(1));
    let slower = tokio::spawn(trickle(2));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let mut c = TakeoffServiceClient::new(ch.clone());
    let ok = c
        .upload_takeoff(tokio_stream::iter(upload_messages("maison.ifc", &ifc)))
        .await
        .expect("a normal upload beside the tricklers");
    assert!(ok.into_inner().entity_count > 0);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    for t in [slow, slower] {
        let err = t.await.unwrap().unwrap_err();
        assert_eq!(err.code(), Code::DeadlineExceeded, "{err:?}");
        assert!(err.message().contains("stalled"), "{}", err.message());
    }
}

/// Connections that send nothing are closed after the handshake time; past the cap, new ones
/// are closed at once, and the server keeps answering once they are gone.
#[tokio::test]
async fn silent_connections_are_closed_and_capped() {
    let (s, ch) = common::start(
        "chantier.v1.TakeoffService",
        &[],
        &[
            ("CHANTIER_HANDSHAKE_SECS", "1"),
            ("CHANTIER_CONNECTION_IDLE_SECS", "2"),
            ("CHANTIER_MAX_CONNECTIONS", "20"),
        ],
        tempfile::tempdir().unwrap(),
    )
    .await;
    drop(ch);
    // One that says the HTTP/2 preface and nothing more, then 40 that say nothing (20 over
    // the cap).
    let mut preface = tokio::net::TcpStream::connect(&s.addr).await.unwrap();
    preface
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .unwrap();
    let mut silent = Vec::new();
    for _ in 0..40 {
        silent.push(tokio::net::TcpStream::connect(&s.addr).await.unwrap());
    }
    let started = Instant::now();
    for mut c in silent {
        // The server's HTTP/2 settings may come first; then the end.
        tokio::time::timeout(Duration::from_secs(5), async {
            let mut buf = [0u8; 256];
            while let Ok(n) = c.read(&mut buf).await {
                if n == 0 {
                    break;
                }
            }
        })
        .await
        .expect("closed by the server");
    }
    assert!(started.elapsed() < Duration::from_secs(4));
    // The preface connection got the server's settings, then is closed for idling.
    let mut seen = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(6), async {
        let mut buf = [0u8; 1024];
        loop {
            match preface.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the idle HTTP/2 connection is closed");
    assert!(!seen.is_empty(), "it was an HTTP/2 connection");
    // Still serving.
    let ch = tonic::transport::Channel::from_shared(format!("http://{}", s.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(ch);
    health
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health still answers");
}

/// SIGTERM with an event watcher, a silent connection and an idle HTTP/2 connection open:
/// the watcher gets UNAVAILABLE with the reason, and the process exits cleanly within the
/// grace period.
#[tokio::test]
async fn sigterm_ends_streams_and_exits_within_the_grace_period() {
    let (mut s, ch) = common::start(
        "chantier.v1.TakeoffService",
        &[],
        &[("CHANTIER_SHUTDOWN_GRACE_SECS", "5")],
        tempfile::tempdir().unwrap(),
    )
    .await;
    let mut vision = VisionServiceClient::new(ch.clone());
    let mut events = vision
        .watch_events(pb::WatchEventsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let _silent = tokio::net::TcpStream::connect(&s.addr).await.unwrap();
    let mut idle = tokio::net::TcpStream::connect(&s.addr).await.unwrap();
    idle.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .unwrap();
    let started = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let end = tokio::time::timeout(Duration::from_secs(5), events.message())
        .await
        .expect("the stream ends");
    let status = end.expect_err("with a status");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(
        status.message().contains("shutting down"),
        "{}",
        status.message()
    );
    let code = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "still running {:?} after SIGTERM",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(code.success(), "{code:?}");
}
