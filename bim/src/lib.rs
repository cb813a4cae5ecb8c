//! Building models and drawings to quantities.
//!
//! - [`step`]: a schema-agnostic ISO 10303-21 reader (IFC files are STEP files).
//! - [`ifc`]: typed views over a STEP file for what takeoff needs.
//! - [`geom`]: meshes from IFC geometry, booleans, and the measures taken from them.
//! - [`dxf`]: DXF drawings (ASCII and binary) to per-layer quantities.
//! - [`pdf`]: vector PDF content streams to plan pages.
//! - [`plan`]: plan pages (vector or OCR) to scale, rooms, dimensions, walls and openings.
//! - [`takeoff`]: the output contract shared by the CLI and the gRPC service.
//! - [`engine`]: format detection, limits, and the one entry point for all formats.

pub mod dxf;
pub mod engine;
mod error;
pub mod geom;
pub mod ifc;
pub mod pdf;
pub mod plan;
pub mod step;
pub mod takeoff;

pub use engine::{Format, Limits, detect, takeoff_bytes, takeoff_path};
pub use error::BimError;
