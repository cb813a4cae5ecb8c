//! The one table mapping domain errors to gRPC status codes. Every error a client can see
//! passes through here, so codes stay consistent across services.

use chantier_bim::BimError;
use tonic::{Code, Status};

pub fn code_for(e: &BimError) -> Code {
    match e {
        BimError::UnknownFormat(_) => Code::InvalidArgument,
        BimError::Step(_) => Code::InvalidArgument,
        BimError::Ifc(_) => Code::InvalidArgument,
        BimError::Dxf { .. } => Code::InvalidArgument,
        BimError::Archive(_) => Code::InvalidArgument,
        BimError::Limit(_) => Code::ResourceExhausted,
        BimError::Io(_) => Code::Internal,
    }
}

/// The status for a domain error; the message carries the reason and, for malformed files,
/// the line and byte offset.
pub fn status(e: BimError) -> Status {
    Status::new(code_for(&e), e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_resource_exhausted_and_syntax_is_invalid_argument() {
        assert_eq!(
            code_for(&BimError::Limit("x".into())),
            Code::ResourceExhausted
        );
        let e = BimError::Dxf {
            message: "bad".into(),
            line: Some(3),
            offset: None,
        };
        let s = status(e);
        assert_eq!(s.code(), Code::InvalidArgument);
        assert!(s.message().contains("line 3"), "{}", s.message());
    }
}
