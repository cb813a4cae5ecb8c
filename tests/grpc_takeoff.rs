//! The real `chantier serve` binary, driven by a real gRPC client: health, reflection, the
//! whole corpus uploaded through the streaming call and checked against the reference
//! bounds, bad input mapped to clear statuses, and a clean exit on SIGTERM.

#[path = "../bim/tests/support/mod.rs"]
mod support;

mod common;

use std::collections::BTreeMap;

use chantier_bim::takeoff as t;
use chantier_proto::v1 as pb;
use common::Server;
use pb::takeoff_service_client::TakeoffServiceClient;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic::transport::Channel;

/// Starts the server binary with the given extra flags and waits until it reports SERVING.
async fn start(extra: &[&str]) -> (Server, Channel) {
    common::start(
        "chantier.v1.TakeoffService",
        extra,
        &[],
        tempfile::tempdir().unwrap(),
    )
    .await
}

async fn upload(
    ch: &Channel,
    name: &str,
    bytes: Vec<u8>,
    chunk: usize,
) -> Result<pb::TakeoffResult, tonic::Status> {
    let mut msgs = vec![pb::UploadTakeoffRequest {
        part: Some(pb::upload_takeoff_request::Part::Header(pb::FileHeader {
            file_name: name.into(),
            format_hint: String::new(),
            annotate: false,
        })),
    }];
    for c in bytes.chunks(chunk.max(1)) {
        msgs.push(pb::UploadTakeoffRequest {
            part: Some(pb::upload_takeoff_request::Part::Chunk(c.to_vec())),
        });
    }
    let mut client = TakeoffServiceClient::new(ch.clone()).max_decoding_message_size(256 << 20);
    client
        .upload_takeoff(tokio_stream::iter(msgs))
        .await
        .map(|r| r.into_inner())
}

/// The gRPC result back in the library's types, so the same reference checks apply.
fn from_proto(r: pb::TakeoffResult) -> t::Takeoff {
    let group = |g: &pb::GroupQuantities| t::GroupQuantities {
        count: g.count,
        with_geometry: g.with_geometry,
        volume_m3: g.volume_m3,
        gross_volume_m3: g.gross_volume_m3,
        footprint_area_m2: g.footprint_area_m2,
        surface_area_m2: g.surface_area_m2,
        lateral_area_m2: g.lateral_area_m2,
        length_m: g.length_m,
        qto: g.qto.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        element_ids: g.element_ids.clone(),
    };
    let ifc = (r.format == "ifc").then(|| t::IfcTakeoff {
        entity_count: r.entity_count,
        classes: r
            .classes
            .iter()
            .map(|(k, g)| (k.clone(), group(g)))
            .collect(),
        elements: r
            .elements
            .iter()
            .map(|e| t::ElementQuantities {
                id: e.id,
                class: e.class.clone(),
                quantities: e
                    .quantities
                    .iter()
                    .map(|q| t::Quantity {
                        name: q.name.clone(),
                        value: q.value,
                        unit: q.unit.clone(),
                        source: t::Source::Geometry,
                    })
                    .collect(),
                properties: e
                    .properties
                    .iter()
                    .filter_map(|(k, v)| match v.value {
                        Some(pb::property_value::Value::NumberValue(n)) => {
                            Some((k.clone(), t::PropertyValue::Number(n)))
                        }
                        _ => None,
                    })
                    .collect(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    });
    let dxf = (r.format == "dxf").then(|| t::DxfTakeoff {
        version: r.version.clone(),
        binary: r.binary,
        units_to_m: r.units_to_m,
        entity_count: r.entity_count,
        layers: r
            .layers
            .iter()
            .map(|(k, l)| {
                (
                    k.clone(),
                    t::DxfLayer {
                        entity_counts: l
                            .entity_counts
                            .iter()
                            .map(|(k, v)| (k.clone(), *v))
                            .collect::<BTreeMap<_, _>>(),
                        length_m: l.length_m,
                        polyline_length_m: l.polyline_length_m,
                        polyline_closed_area_m2: l.polyline_closed_area_m2,
                        polyline_closed_count: l.polyline_closed_count,
                        hatch_area_m2: l.hatch_area_m2,
                        expanded_length_m: l.expanded_length_m,
                        expanded_hatch_area_m2: l.expanded_hatch_area_m2,
                    },
                )
            })
            .collect(),
        blocks: r.blocks.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        dimensions: r
            .dimensions
            .iter()
            .map(|d| t::DxfDimension {
                layer: d.layer.clone(),
                kind: d.kind.clone(),
                measurement: d.measurement,
                value_m: d.value_m,
                text: d.text.clone(),
            })
            .collect(),
        ..Default::default()
    });
    t::Takeoff {
        file: r.file,
        format: r.format,
        schema: Some(r.schema),
        warnings: r.warnings,
        ifc,
        dxf,
        plan: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_corpus_through_grpc_meets_reference_bounds() {
    let Some(root) = support::data_dir() else {
        return;
    };
    let (_server, ch) = start(&[]).await;
    let mut failures = Vec::new();
    let mut n = 0;
    for kind in ["ifc", "dxf"] {
        for path in support::files(&root, kind) {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let bytes = std::fs::read(&path).unwrap();
            let result = match upload(&ch, &name, bytes, 64 * 1024).await {
                Ok(r) => from_proto(r),
                Err(s) => {
                    failures.push(format!("{name}: {s}"));
                    continue;
                }
            };
            let reference = support::reference(&root, &name);
            failures.extend(if kind == "ifc" {
                support::check_ifc(&name, &result, &reference)
            } else {
                support::check_dxf(&name, &result, &reference)
            });
            n += 1;
        }
    }
    assert_eq!(n, 25, "13 IFC and 12 DXF files went through the server");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_lists_the_services() {
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    let (_server, ch) = start(&[]).await;
    let mut client = ServerReflectionClient::new(ch);
    let req = tonic_reflection::pb::v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = client
        .server_reflection_info(tokio_stream::iter(vec![req]))
        .await
        .unwrap()
        .into_inner();
    let resp = stream.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = resp.message_response else {
        panic!("unexpected reflection answer")
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    assert!(
        names.contains(&"chantier.v1.TakeoffService".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"grpc.health.v1.Health".to_string()),
        "{names:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_clear_statuses() {
    let (_server, ch) = start(&["--max-upload-bytes", "100000"]).await;
    // Garbage: no format recognised.
    let s = upload(
        &ch,
        "notes.bin",
        b"\x00\x01\x02 definitely not a plan".to_vec(),
        8,
    )
    .await
    .unwrap_err();
    assert_eq!(s.code(), Code::InvalidArgument, "{s:?}");
    assert!(
        s.message().contains("unrecognised file format"),
        "{}",
        s.message()
    );
    // A truncated STEP file: the position is in the message.
    let step = "ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n#1=IFCCARTESIANPOINT((0.,0.,0.));\n#2=IFCWALL('x";
    let s = upload(&ch, "cut.ifc", step.as_bytes().to_vec(), 16)
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::InvalidArgument, "{s:?}");
    assert!(s.message().contains("line 7"), "{}", s.message());
    // A reference to a missing entity and a reference cycle are fine to read but never hang.
    let cyc = "ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n#1=IFCLOCALPLACEMENT(#2,$);\n#2=IFCLOCALPLACEMENT(#1,$);\n\
        #3=IFCWALL('0000000000000000000001',$,'w',$,$,#1,#9,$,$);\nENDSEC;\nEND-ISO-10303-21;\n";
    let r = upload(&ch, "cycle.ifc", cyc.as_bytes().to_vec(), 1024)
        .await
        .unwrap();
    assert_eq!(r.classes["IfcWall"].count, 1);
    assert_eq!(r.classes["IfcWall"].with_geometry, 0);
    // Over the upload limit.
    let big = vec![b' '; 200_000];
    let s = upload(&ch, "big.ifc", big, 64 * 1024).await.unwrap_err();
    assert_eq!(s.code(), Code::ResourceExhausted, "{s:?}");
    // An empty upload and a missing header.
    let s = upload(&ch, "empty.dxf", Vec::new(), 1).await.unwrap_err();
    assert_eq!(s.code(), Code::InvalidArgument);
    let mut client = TakeoffServiceClient::new(ch.clone());
    let chunk_first = vec![pb::UploadTakeoffRequest {
        part: Some(pb::upload_takeoff_request::Part::Chunk(
            b"0\nSECTION\n".to_vec(),
        )),
    }];
    let s = client
        .upload_takeoff(tokio_stream::iter(chunk_first))
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::InvalidArgument);
    assert!(s.message().contains("header"), "{}", s.message());
    // A zip bomb disguised as .ifczip is refused within the decompression limit.
    let s = client
        .takeoff(pb::TakeoffRequest {
            annotate: false,
            file_name: "bomb.ifczip".into(),
            format_hint: String::new(),
            content: zip_bomb(),
        })
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::ResourceExhausted, "{s:?}");
    assert!(s.message().contains("decompresses"), "{}", s.message());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_upload_gets_deadline_exceeded() {
    let (_server, ch) = start(&["--request-timeout-secs", "1"]).await;
    let header = pb::UploadTakeoffRequest {
        part: Some(pb::upload_takeoff_request::Part::Header(pb::FileHeader {
            file_name: "slow.dxf".into(),
            format_hint: "dxf".into(),
            annotate: false,
        })),
    };
    // The header, then nothing ever again: the server gives up on its own at the limit.
    let stream = tokio_stream::iter(vec![header]).chain(tokio_stream::pending());
    let s = TakeoffServiceClient::new(ch)
        .upload_takeoff(stream)
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::DeadlineExceeded, "{s:?}");
}

/// A small archive whose .ifc member inflates to far more than the server's upload limit.
fn zip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("model.ifc", opts).unwrap();
        let block = vec![b' '; 1 << 20];
        for _ in 0..64 {
            z.write_all(&block).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unary_call_matches_streaming_upload() {
    let Some(root) = support::data_dir() else {
        return;
    };
    let (_server, ch) = start(&[]).await;
    let path = root.join("ifc/IfcOpenHouse_IFC4.ifc");
    let bytes = std::fs::read(&path).unwrap();
    let streamed = upload(&ch, "IfcOpenHouse_IFC4.ifc", bytes.clone(), 4096)
        .await
        .unwrap();
    let mut client = TakeoffServiceClient::new(ch);
    let unary = client
        .takeoff(pb::TakeoffRequest {
            annotate: false,
            file_name: "IfcOpenHouse_IFC4.ifc".into(),
            format_hint: "ifc".into(),
            content: bytes,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(streamed, unary);
    assert!(unary.classes["IfcWallStandardCase"].volume_m3 > 1.0);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_cleanly_with_exit_code_zero() {
    let (mut server, _ch) = start(&[]).await;
    let pid = server.child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = server.child.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "graceful shutdown exits 0");
}
