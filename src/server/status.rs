//! The one table mapping domain errors to gRPC status codes. Every error a client can see
//! passes through here, so codes stay consistent across services.

use chantier_bim::BimError;
use chantier_estimator::EstimatorError;
use chantier_estimator::odoo::OdooError;
use chantier_vision::VisionError;
use tonic::{Code, Status};

pub fn code_for(e: &BimError) -> Code {
    match e {
        BimError::UnknownFormat(_) => Code::InvalidArgument,
        BimError::Step(_) => Code::InvalidArgument,
        BimError::Ifc(_) => Code::InvalidArgument,
        BimError::Dxf { .. } => Code::InvalidArgument,
        BimError::Archive(_) => Code::InvalidArgument,
        BimError::Pdf { .. } => Code::InvalidArgument,
        BimError::Image(_) => Code::InvalidArgument,
        BimError::Limit(_) => Code::ResourceExhausted,
        BimError::Io(_) => Code::Internal,
    }
}

pub fn estimator_code(e: &EstimatorError) -> Code {
    match e {
        EstimatorError::Input { .. } => Code::InvalidArgument,
        EstimatorError::Invalid(_) => Code::InvalidArgument,
        EstimatorError::NotFound(_) => Code::NotFound,
        EstimatorError::Conflict(_) => Code::Aborted,
        EstimatorError::NotConfigured(_) => Code::FailedPrecondition,
        EstimatorError::Takeoff { source, .. } => code_for(source),
        EstimatorError::Io { .. } => Code::Internal,
        EstimatorError::Render(_) => Code::Internal,
        EstimatorError::Storage(_) => Code::Unavailable,
        EstimatorError::Odoo(o) => match o {
            OdooError::Unreachable(_) => Code::Unavailable,
            OdooError::Transient(_) => Code::Unavailable,
            OdooError::Mismatch(_) => Code::FailedPrecondition,
            OdooError::Conflict(_) => Code::FailedPrecondition,
            OdooError::Auth(_) => Code::FailedPrecondition,
            OdooError::Access(_) => Code::PermissionDenied,
            OdooError::Missing(_) => Code::FailedPrecondition,
            OdooError::Rejected(_) => Code::FailedPrecondition,
            OdooError::Protocol(_) => Code::Unavailable,
        },
    }
}

pub fn vision_code(e: &VisionError) -> Code {
    match e {
        VisionError::Image(_) => Code::InvalidArgument,
        // A limit, as the takeoff's: the same picture gets the same status on every path.
        VisionError::ImageSize { .. } => Code::ResourceExhausted,
        VisionError::Config(_) => Code::InvalidArgument,
        VisionError::Model { .. } => Code::FailedPrecondition,
        VisionError::Runtime(_) => Code::FailedPrecondition,
        VisionError::Inference(_) => Code::Internal,
        VisionError::Stream(_) => Code::Unavailable,
        VisionError::Overloaded => Code::ResourceExhausted,
        VisionError::NotFound(_) => Code::NotFound,
        VisionError::Ocr(_) => Code::Internal,
        VisionError::Plan(_) => Code::InvalidArgument,
        VisionError::Limit(_) => Code::ResourceExhausted,
        // The server lacks a Tesseract language package: not the client's fault, and
        // another replica (or this one once fixed) can serve the same request.
        VisionError::OcrData { .. } => Code::Unavailable,
    }
}

pub fn vision_status(e: VisionError) -> Status {
    Status::new(vision_code(&e), e.to_string())
}

/// The status for an estimator error, with the file position for bad libraries and rules.
pub fn estimator_status(e: EstimatorError) -> Status {
    Status::new(estimator_code(&e), e.to_string())
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

    #[test]
    fn missing_ocr_language_is_unavailable_and_names_the_package() {
        let s = vision_status(VisionError::OcrData {
            language: "fra".into(),
            package: "tesseract-ocr-fra".into(),
            searched: "/usr/share/tesseract-ocr/5/tessdata".into(),
        });
        assert_eq!(s.code(), Code::Unavailable);
        assert!(s.message().contains("tesseract-ocr-fra"), "{}", s.message());
        assert_eq!(
            vision_code(&VisionError::Ocr("recognise".into())),
            Code::Internal
        );
    }
}
