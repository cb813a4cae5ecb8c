//! The chantier gRPC contract, package `chantier.v1`, generated at build time.

#![allow(clippy::all, missing_docs)]

pub mod v1 {
    tonic::include_proto!("chantier.v1");

    /// Encoded file descriptor set, for gRPC server reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/chantier_v1_descriptor.bin"));
}
