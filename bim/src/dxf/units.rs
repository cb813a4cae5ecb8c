//! Drawing units ($INSUNITS) to metres.

/// Metres per unit for an $INSUNITS code, `None` for 0 (unitless) and unknown codes.
pub fn insunits_to_m(code: i64) -> Option<f64> {
    Some(match code {
        1 => 0.0254,
        2 => 0.3048,
        3 => 1609.344,
        4 => 0.001,
        5 => 0.01,
        6 => 1.0,
        7 => 1000.0,
        8 => 0.0254e-6,
        9 => 0.0254e-3,
        10 => 0.9144,
        11 => 1e-10,
        12 => 1e-9,
        13 => 1e-6,
        14 => 0.1,
        15 => 10.0,
        16 => 100.0,
        17 => 1e9,
        18 => 149_597_870_700.0,
        19 => 9_460_730_472_580_800.0,
        20 => 3.085_677_581_491_367e16,
        21 => 1200.0 / 3937.0,
        _ => return None,
    })
}

/// The unit factor and, when it had to be guessed, the warning that says how.
pub fn units_to_m(insunits: Option<i64>, measurement: Option<i64>) -> (f64, Option<String>) {
    if let Some(f) = insunits.and_then(insunits_to_m) {
        return (f, None);
    }
    let what = match insunits {
        None | Some(0) => "unitless or absent".to_string(),
        Some(c) => format!("unknown code {c}"),
    };
    // $MEASUREMENT says whether the drawing was set up imperial or metric, the best hint
    // left about what a drawing unit is.
    match measurement {
        Some(1) => (
            0.001,
            Some(format!(
                "$INSUNITS {what}; $MEASUREMENT=1 (metric): assuming millimetres"
            )),
        ),
        Some(0) => (
            0.0254,
            Some(format!(
                "$INSUNITS {what}; $MEASUREMENT=0 (imperial): assuming inches"
            )),
        ),
        _ => (
            0.0254,
            Some(format!(
                "$INSUNITS {what} and no $MEASUREMENT: assuming inches (AutoCAD's default)"
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes() {
        assert_eq!(insunits_to_m(4), Some(0.001));
        assert_eq!(insunits_to_m(1), Some(0.0254));
        assert_eq!(insunits_to_m(2), Some(0.3048));
        assert!((insunits_to_m(21).unwrap_or(0.0) - 0.304_800_609_6).abs() < 1e-9);
        assert_eq!(insunits_to_m(0), None);
        assert_eq!(insunits_to_m(99), None);
    }

    #[test]
    fn fallback_on_measurement() {
        assert_eq!(units_to_m(Some(6), Some(0)), (1.0, None));
        let (f, w) = units_to_m(Some(0), Some(1));
        assert_eq!(f, 0.001);
        assert!(w.is_some_and(|w| w.contains("millimetres")));
        let (f, w) = units_to_m(None, Some(0));
        assert_eq!(f, 0.0254);
        assert!(w.is_some());
        let (f, _) = units_to_m(None, None);
        assert_eq!(f, 0.0254);
    }
}
