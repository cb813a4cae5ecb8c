//! Offline subcommands: the same engines as the service, for a terminal.

pub mod detect;
pub mod estimate;
pub mod takeoff;
