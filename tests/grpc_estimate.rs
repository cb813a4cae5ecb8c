//! The estimate service through the real `chantier serve` binary and a tonic client: the
//! sample house (IFC + DXF) uploaded, priced, re-priced, rendered in every format, kept across
//! a restart, and bad input answered with clear statuses.

mod common;

use chantier_proto::v1 as pb;
use common::Server;
use pb::estimate_service_client::EstimateServiceClient;
use tonic::Code;
use tonic::transport::Channel;

/// Starts the binary on `data` and waits for SERVING.
async fn start(data: tempfile::TempDir) -> (Server, EstimateServiceClient<Channel>) {
    let (server, ch) = common::start("chantier.v1.EstimateService", &[], &[], data).await;
    (
        server,
        EstimateServiceClient::new(ch).max_decoding_message_size(64 << 20),
    )
}

fn house() -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample_house");
    ["maison.ifc", "maison-rdc.dxf"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read(dir.join(f)).unwrap()))
        .collect()
}

fn settings() -> pb::EstimateSettings {
    pb::EstimateSettings {
        title: "Maison individuelle".into(),
        client: Some(pb::Party {
            name: "SCI Les Tilleuls".into(),
            address: vec!["3 allée des Tilleuls".into(), "69130 Écully".into()],
            is_company: true,
            ..Default::default()
        }),
        site_address: vec!["12 chemin des Vignes".into(), "69130 Écully".into()],
        ..Default::default()
    }
}

/// The upload stream: header, then each document in 64 KB chunks.
fn upload(
    header: pb::EstimateHeader,
    docs: Vec<(String, Vec<u8>)>,
) -> Vec<pb::CreateEstimateRequest> {
    use pb::create_estimate_request::Part;
    let mut msgs = vec![pb::CreateEstimateRequest {
        part: Some(Part::Header(header)),
    }];
    for (name, bytes) in docs {
        msgs.push(pb::CreateEstimateRequest {
            part: Some(Part::Document(pb::DocumentStart {
                file_name: name,
                format_hint: String::new(),
            })),
        });
        for c in bytes.chunks(64 << 10) {
            msgs.push(pb::CreateEstimateRequest {
                part: Some(Part::Chunk(c.to_vec())),
            });
        }
    }
    msgs
}

fn dec(s: &str) -> f64 {
    s.parse().unwrap()
}

#[tokio::test]
async fn estimate_render_reprice_and_restart() {
    let (mut server, mut c) = start(tempfile::tempdir().unwrap()).await;
    let header = pb::EstimateHeader {
        settings: Some(settings()),
        ..Default::default()
    };
    let e = c
        .create_estimate(tokio_stream::iter(upload(header, house())))
        .await
        .unwrap()
        .into_inner();
    assert!(e.reference.starts_with("DEV-"), "{}", e.reference);
    assert_eq!(e.version, 1);
    let lines: Vec<&pb::EstimateLine> = e.lots.iter().flat_map(|l| &l.lines).collect();
    assert!(lines.len() >= 30, "{} lines", lines.len());
    // IFC and DXF both priced, each line traced to its document.
    assert!(lines.iter().any(|l| {
        l.provenance
            .iter()
            .any(|p| p.file == "maison.ifc" && !p.element_ids.is_empty())
    }));
    assert!(lines.iter().any(|l| {
        l.provenance
            .iter()
            .any(|p| p.file == "maison-rdc.dxf" && !p.blocks.is_empty())
    }));
    let sum: f64 = e.lots.iter().map(|l| dec(&l.total_ht)).sum();
    assert!((sum - dec(&e.total_ht)).abs() < 0.005);
    assert!((dec(&e.total_ht) + dec(&e.total_vat) - dec(&e.total_ttc)).abs() < 0.005);
    let full: serde_json::Value = serde_json::from_str(&e.json).unwrap();
    assert_eq!(full["id"], e.id.as_str());

    // Get and list.
    let got = c
        .get_estimate(pb::GetEstimateRequest {
            id: e.reference.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.id, e.id);
    let list = c
        .list_estimates(pb::ListEstimatesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(
        list.estimates
            .iter()
            .any(|s| s.id == e.id && s.total_ttc == e.total_ttc)
    );

    // Re-price with a higher margin: version 2, higher total, same lines.
    let mut s = settings();
    s.margin_rate = "0.15".into();
    let v2 = c
        .reprice_estimate(pb::RepriceEstimateRequest {
            id: e.id.clone(),
            settings: Some(s),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v2.version, 2);
    assert!(dec(&v2.total_ht) > dec(&e.total_ht));

    // Every rendering.
    for (format, magic, media) in [
        (pb::ProposalFormat::Pdf, &b"%PDF-"[..], "application/pdf"),
        (
            pb::ProposalFormat::DpgfXlsx,
            &b"PK\x03\x04"[..],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (pb::ProposalFormat::DqeCsv, &b"\xEF\xBB\xBF"[..], "text/csv"),
        (pb::ProposalFormat::Json, &b"{"[..], "application/json"),
    ] {
        let p = c
            .render_proposal(pb::RenderProposalRequest {
                id: e.id.clone(),
                format: format as i32,
                language: String::new(),
            })
            .await
            .unwrap()
            .into_inner();
        assert!(p.content.starts_with(magic), "{format:?}");
        assert_eq!(p.media_type, media);
        assert!(
            p.file_name.contains(&e.reference) && p.file_name.contains("v2"),
            "{}",
            p.file_name
        );
    }
    let en = c
        .render_proposal(pb::RenderProposalRequest {
            id: e.id.clone(),
            format: pb::ProposalFormat::DpgfCsv as i32,
            language: "en".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        String::from_utf8_lossy(&en.content).contains("Description"),
        "English headers"
    );

    // A restart on the same data directory loses nothing.
    let data = server.data.take().unwrap();
    drop(server);
    let (_server, mut c) = start(data).await;
    let back = c
        .get_estimate(pb::GetEstimateRequest { id: e.id.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((back.version, back.total_ttc), (2, v2.total_ttc));
}

#[tokio::test]
async fn bad_input_gets_clear_statuses() {
    let (_server, mut c) = start(tempfile::tempdir().unwrap()).await;
    let create = |header: pb::EstimateHeader, docs| {
        let mut c = c.clone();
        async move {
            c.create_estimate(tokio_stream::iter(upload(header, docs)))
                .await
        }
    };
    // A price library with a bad number: its line and column.
    let bad_lib = pb::NamedFile {
        name: "prix.csv".into(),
        content:
            b"code;lot;designation_fr;unit;unit_price\nA;GO;Mur;m2;12,5\nB;GO;Dalle;m3;douze\n"
                .to_vec(),
    };
    let s = create(
        pb::EstimateHeader {
            settings: Some(settings()),
            library: Some(bad_lib),
            ..Default::default()
        },
        house(),
    )
    .await
    .unwrap_err();
    assert_eq!(s.code(), Code::InvalidArgument);
    assert!(s.message().contains("prix.csv:3:5"), "{}", s.message());

    // Rules whose items the library lacks, and rules that price nothing.
    let rules = |body: &str| pb::NamedFile {
        name: "regles.toml".into(),
        content: format!("[rules]\nname = \"t\"\n\n[[rule]]\nid = \"r\"\n{body}").into_bytes(),
    };
    let s = create(
        pb::EstimateHeader {
            settings: Some(settings()),
            rules: Some(rules(
                "item = \"NOPE\"\nsource = \"ifc\"\nclass = \"IfcWall\"\nquantity = \"volume\"\n",
            )),
            ..Default::default()
        },
        house(),
    )
    .await
    .unwrap_err();
    assert_eq!(s.code(), Code::InvalidArgument);
    assert!(
        s.message().contains("regles.toml:4") && s.message().contains("NOPE"),
        "{}",
        s.message()
    );
    let s = create(
        pb::EstimateHeader {
            settings: Some(settings()),
            rules: Some(rules("item = \"GO-020\"\nsource = \"ifc\"\nclass = \"IfcNothing\"\nquantity = \"volume\"\n")),
            ..Default::default()
        },
        house(),
    )
    .await
    .unwrap_err();
    assert_eq!(s.code(), Code::InvalidArgument);
    assert!(s.message().contains("no rule"), "{}", s.message());

    // A broken document: its position; a negative rate; a retenue over 5 %.
    let s = create(
        pb::EstimateHeader {
            settings: Some(settings()),
            ..Default::default()
        },
        vec![(
            "casse.ifc".into(),
            b"ISO-10303-21;\nHEADER;\nDATA;\n#1=IFCWALL('x',$,\n".to_vec(),
        )],
    )
    .await
    .unwrap_err();
    assert_eq!(s.code(), Code::InvalidArgument);
    assert!(s.message().contains("casse.ifc"), "{}", s.message());
    let mut bad = settings();
    bad.retenue_rate = "0.07".into();
    let s = create(
        pb::EstimateHeader {
            settings: Some(bad),
            ..Default::default()
        },
        house(),
    )
    .await
    .unwrap_err();
    assert_eq!(s.code(), Code::InvalidArgument);
    assert!(s.message().contains("5 %"), "{}", s.message());
    let mut bad = settings();
    bad.margin_rate = "beaucoup".into();
    let s = create(
        pb::EstimateHeader {
            settings: Some(bad),
            ..Default::default()
        },
        house(),
    )
    .await
    .unwrap_err();
    assert_eq!(s.code(), Code::InvalidArgument);

    // No documents; Odoo not configured; unknown estimate.
    let s = create(
        pb::EstimateHeader {
            settings: Some(settings()),
            ..Default::default()
        },
        vec![],
    )
    .await
    .unwrap_err();
    assert_eq!(s.code(), Code::InvalidArgument);
    let s = c
        .push_to_odoo(pb::PushToOdooRequest { id: "x".into() })
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::FailedPrecondition);
    assert!(
        s.message().contains("Odoo is not configured"),
        "{}",
        s.message()
    );
    let s = c
        .get_estimate(pb::GetEstimateRequest {
            id: "DEV-0000-NOPE".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::NotFound);
}
