//! Geometry: IFC representation items to closed meshes in world metres, booleans, and the
//! measures takeoff reports (volume, areas, footprint).

pub mod csg;
pub mod footprint;
pub mod ifc;
pub mod math;
pub mod mesh;
pub mod primitives;
