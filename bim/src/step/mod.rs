//! A schema-agnostic reader for ISO 10303-21 ("STEP physical file") exchange files.
//!
//! IFC files are STEP files, but the reader knows nothing of IFC: it indexes every entity
//! instance by id and type in one pass over the bytes, and decodes an instance's attributes
//! only when somebody asks for them. That keeps "open and index" close to memory bandwidth
//! and lets the typed IFC views in [`crate::ifc`] read just what takeoff needs.

mod error;
mod index;
mod string;
mod value;

pub use error::{StepError, StepErrorKind};
pub use index::{EntityRecord, Header, StepFile};
pub use string::decode_step_string;
pub use value::Value;
