//! Plan reading: the page model shared by vector PDFs and OCR'd pictures, and the
//! recognisers that turn a page into what an estimator reads off it (scale, rooms,
//! dimensions, walls, openings, tables).

pub mod analyse;
pub mod labels;
pub mod openings;
pub mod page;
pub mod read;
pub mod scale;
pub mod tables;
pub mod text;
pub mod walls;

pub use analyse::{PageTakeoff, PlanItem, WallGroup, analyse};
