//! Plans through the real `chantier serve`: a vector PDF generated with known content, a
//! picture of a plan, and hostile inputs, each answered with quantities or a clear status.

mod common;

use chantier_proto::v1 as pb;
use chantier_vision::groundtruth::{self, PdfOptions, TextMode};
use pb::takeoff_service_client::TakeoffServiceClient;
use tonic::Code;

async fn client() -> (
    common::Server,
    TakeoffServiceClient<tonic::transport::Channel>,
) {
    let (server, ch) = common::start(
        "chantier.v1.TakeoffService",
        &[],
        &[],
        tempfile::tempdir().unwrap(),
    )
    .await;
    (
        server,
        TakeoffServiceClient::new(ch).max_decoding_message_size(256 << 20),
    )
}

fn request(name: &str, content: Vec<u8>, annotate: bool) -> pb::TakeoffRequest {
    pb::TakeoffRequest {
        file_name: name.into(),
        format_hint: String::new(),
        content,
        annotate,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vector_plan_comes_back_with_its_rooms_and_annotated_pages() {
    let plans: Vec<_> = groundtruth::corpus().into_iter().take(2).collect();
    let pdf = groundtruth::to_pdf(
        &plans,
        &PdfOptions {
            text: TextMode::Text,
            scanned: None,
        },
    );
    let (_server, mut c) = client().await;
    let r = c
        .takeoff(request("plans.pdf", pdf, true))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.format, "pdf");
    assert_eq!(r.pages.len(), 2);
    for (page, plan) in r.pages.iter().zip(&plans) {
        assert_eq!(page.scale, Some(plan.truth.scale as f64));
        let mut read: Vec<i64> = page
            .rooms
            .iter()
            .map(|x| (x.area_m2 * 100.0).round() as i64)
            .collect();
        let mut truth: Vec<i64> = plan
            .truth
            .rooms
            .iter()
            .map(|x| (x.area_m2 * 100.0).round() as i64)
            .collect();
        read.sort();
        truth.sort();
        assert_eq!(read, truth, "page {}", page.number);
        assert_eq!(page.doors as usize, plan.truth.doors);
        assert_eq!(page.windows as usize, plan.truth.windows);
        assert!(
            page.items
                .iter()
                .any(|i| i.kind == "wall_length" && i.unit == "m")
        );
        assert!(
            page.items
                .iter()
                .all(|i| i.page == page.number && i.bbox.is_some())
        );
        assert!(page.annotated_png.starts_with(b"\x89PNG"), "annotated page");
        // The JSON copy is the CLI's page, key for key.
        let json: serde_json::Value = serde_json::from_str(&page.json).unwrap();
        for key in [
            "number",
            "width_mm",
            "height_mm",
            "scale",
            "text_chars",
            "rooms",
            "dimensions",
            "items",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
    }
    // Without the flag, no pictures travel.
    let pdf = groundtruth::to_pdf(
        &plans[..1],
        &PdfOptions {
            text: TextMode::Text,
            scanned: None,
        },
    );
    let r = c
        .takeoff(request("plan.pdf", pdf, false))
        .await
        .unwrap()
        .into_inner();
    assert!(r.pages[0].annotated_png.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_plans_get_clear_statuses() {
    let (_server, mut c) = client().await;
    // A PNG whose header claims 40,000 x 40,000 pixels: refused before any pixel exists.
    let mut chunk = b"IHDR".to_vec();
    chunk.extend_from_slice(&40_000u32.to_be_bytes());
    chunk.extend_from_slice(&40_000u32.to_be_bytes());
    chunk.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0d".to_vec();
    png.extend_from_slice(&chunk);
    png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    for (kind, data) in [
        (&b"IDAT"[..], &b"\x78\x9c\x03\x00\x00\x00\x00\x01"[..]),
        (b"IEND", b""),
    ] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut c = kind.to_vec();
        c.extend_from_slice(data);
        png.extend_from_slice(&c);
        png.extend_from_slice(&crc32(&c).to_be_bytes());
    }
    let s = c
        .takeoff(request("bomb.png", png, false))
        .await
        .unwrap_err();
    assert!(
        matches!(s.code(), Code::InvalidArgument | Code::ResourceExhausted),
        "{s:?}"
    );
    assert!(s.message().contains("40000"), "{}", s.message());
    // Not a PDF inside.
    let s = c
        .takeoff(request(
            "fake.pdf",
            b"%PDF-1.4\n garbage \x00\xff".to_vec(),
            false,
        ))
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::InvalidArgument, "{s:?}");
    assert!(s.message().contains("PDF"), "{}", s.message());
}

/// PNG's chunk checksum, so the forged header is otherwise valid.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
