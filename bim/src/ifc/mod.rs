//! IFC (IFC2X3, IFC4, IFC4X3) models: units, relationships, and the quantity takeoff.

mod model;
mod properties;
mod schema;
mod takeoff;
mod units;

pub use model::{IfcModel, Relations};
pub use properties::{QtoKind, QtoValue};
pub use schema::{ClassInfo, class_info, class_name};
pub use takeoff::takeoff;
