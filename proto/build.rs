//! Generates the gRPC code from `chantier/v1/*.proto` with protox, a pure-Rust protobuf
//! compiler, so building needs no system `protoc`. The encoded descriptor set is kept for
//! server reflection.

use std::path::PathBuf;

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "chantier/v1/takeoff.proto",
        "chantier/v1/estimate.proto",
        "chantier/v1/vision.proto",
    ];
    for p in protos {
        println!("cargo:rerun-if-changed={p}");
    }
    let fds = protox::compile(protos, ["."])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("chantier_v1_descriptor.bin"), fds.encode_to_vec())?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    Ok(())
}
