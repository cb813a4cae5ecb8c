//! Reading the strings of a plan: scales, dimension values and surfaces, in the ways French
//! and US drawings write them ("Echelle 1/100", "1:50", `1/8" = 1'-0"`, "3,50", "350",
//! `12'-6"`, "25,40 m²", "189 SF").

use std::sync::LazyLock;

use regex::Regex;

/// Metres in a foot and square metres in a square foot.
pub const FOOT_M: f64 = 0.3048;
pub const SQFT_M2: f64 = 0.092_903_04;

/// A scale written on the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleNote {
    /// The denominator: 100 for 1:100, 96 for 1/8" = 1'-0".
    pub scale: f64,
    /// True when a keyword (Echelle, ECH., Scale) introduces it.
    pub labelled: bool,
    pub text: String,
}

static SCALE_LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:[ée]chelle|\bech\.?|\bscale)\s*[:=]?\s*1\s*[/:]\s*(\d{1,5})\b").unwrap()
});
static SCALE_BARE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[\s(])1\s*[:/]\s*(\d{2,5})(?:$|[\s)])").unwrap());
static SCALE_IMPERIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(\d+(?:\s+\d+/\d+|/\d+)?)\s*(?:"|''|in\.?)\s*=\s*(\d+)\s*'\s*-?\s*0?\s*"?"#)
        .unwrap()
});

/// `SCALE: 1/8"`: the inch size alone after a scale label is US shorthand for that many
/// inches to the foot (`1/8" = 1'-0"`).
static SCALE_INCH_SHORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\bscale\s*[:=]?\s*(\d+(?:\s+\d+/\d+|/\d+)?)\s*(?:"|''|in\b\.?)"#).unwrap()
});

/// Denominators that drawings use; a bare "1/37" is more likely a fraction or a reference.
const USUAL_SCALES: [f64; 16] = [
    10.0, 20.0, 25.0, 50.0, 75.0, 100.0, 125.0, 150.0, 200.0, 250.0, 500.0, 1000.0, 2000.0, 2500.0,
    5000.0, 10000.0,
];

pub fn parse_scale(text: &str) -> Option<ScaleNote> {
    if let Some(c) = SCALE_IMPERIAL.captures(text) {
        let inches = parse_fraction(&c[1])?;
        let feet: f64 = c[2].parse().ok()?;
        if inches > 0.0 && feet > 0.0 {
            let scale = feet * 12.0 / inches;
            return Some(ScaleNote {
                scale,
                labelled: true,
                text: c[0].trim().to_string(),
            });
        }
    }
    if let Some(c) = SCALE_INCH_SHORT.captures(text)
        && let Some(inches) = parse_fraction(&c[1]).filter(|&i| i > 0.0 && i <= 12.0)
    {
        return Some(ScaleNote {
            scale: 12.0 / inches,
            labelled: true,
            text: c[0].trim().to_string(),
        });
    }
    if let Some(c) = SCALE_LABELLED.captures(text) {
        let scale: f64 = c[1].parse().ok()?;
        return (scale >= 1.0).then(|| ScaleNote {
            scale,
            labelled: true,
            text: c[0].trim().to_string(),
        });
    }
    let c = SCALE_BARE.captures(text)?;
    let scale: f64 = c[1].parse().ok()?;
    USUAL_SCALES.contains(&scale).then(|| ScaleNote {
        scale,
        labelled: false,
        text: c[0].trim().to_string(),
    })
}

/// "1/8", "1 1/2", "3" to a number.
fn parse_fraction(s: &str) -> Option<f64> {
    let mut total = 0.0;
    for part in s.split_whitespace() {
        total += match part.split_once('/') {
            Some((n, d)) => {
                let d: f64 = d.parse().ok()?;
                if d == 0.0 {
                    return None;
                }
                n.parse::<f64>().ok()? / d
            }
            None => part.parse::<f64>().ok()?,
        };
    }
    Some(total)
}

/// How a dimension value was written, which tells its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DimUnit {
    /// With a decimal separator ("3,50", "2.40") or an explicit "m".
    Metres,
    /// An integer without a unit: centimetres on French plans ("350"), unless the drawn
    /// line says millimetres.
    Integer,
    Centimetres,
    Millimetres,
    FeetInches,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DimValue {
    pub value_m: f64,
    pub unit: DimUnit,
}

static DIM_IMPERIAL: LazyLock<Regex> = LazyLock::new(|| {
    // OCR reads the dash between feet and inches as a point now and then ("9'.0\""), and
    // a foot mark followed by the dash as a colon ("19:-8\"").
    Regex::new(
        r#"^(\d{1,4})\s*(?:'\s*(?:[-.–]\s*)?|:\s*-\s*)(?:(\d{1,2})(?:\s+(\d+)/(\d+))?\s*")?$"#,
    )
    .unwrap()
});
static DIM_INCHES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^(\d{1,3})(?:\s+(\d+)/(\d+))?\s*"$"#).unwrap());
static DIM_METRIC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{1,5})(?:[.,](\d{1,3}))?\s*(m|cm|mm)?$").unwrap());

/// A dimension string on its own ("3,50", "350", "2.40 m", `12'-6"`), in metres.
pub fn parse_dimension(text: &str) -> Option<DimValue> {
    let t = text
        .trim()
        .replace(['’', '′'], "'")
        .replace(['”', '″'], "\"");
    if let Some(c) = DIM_IMPERIAL.captures(&t) {
        let feet: f64 = c[1].parse().ok()?;
        let inches: f64 = c.get(2).map_or(Some(0.0), |m| m.as_str().parse().ok())?;
        let frac = match (c.get(3), c.get(4)) {
            (Some(n), Some(d)) => {
                let d: f64 = d.as_str().parse().ok()?;
                if d == 0.0 {
                    return None;
                }
                n.as_str().parse::<f64>().ok()? / d
            }
            _ => 0.0,
        };
        if inches >= 12.0 {
            return None;
        }
        return Some(DimValue {
            value_m: (feet + (inches + frac) / 12.0) * FOOT_M,
            unit: DimUnit::FeetInches,
        });
    }
    if let Some(c) = DIM_INCHES.captures(&t) {
        let inches: f64 = c[1].parse().ok()?;
        let frac = match (c.get(2), c.get(3)) {
            (Some(n), Some(d)) if d.as_str() != "0" => {
                n.as_str().parse::<f64>().ok()? / d.as_str().parse::<f64>().ok()?
            }
            _ => 0.0,
        };
        return Some(DimValue {
            value_m: (inches + frac) * FOOT_M / 12.0,
            unit: DimUnit::FeetInches,
        });
    }
    let c = DIM_METRIC.captures(&t)?;
    let int: f64 = c[1].parse().ok()?;
    let frac = c.get(2).map(|m| m.as_str());
    let unit = c.get(3).map(|m| m.as_str());
    let number = match frac {
        Some(f) => format!("{}.{f}", &c[1]).parse::<f64>().ok()?,
        None => int,
    };
    let (value_m, unit) = match (unit, frac) {
        (Some("m"), _) => (number, DimUnit::Metres),
        (Some("cm"), _) => (number / 100.0, DimUnit::Centimetres),
        (Some("mm"), _) => (number / 1000.0, DimUnit::Millimetres),
        (_, Some(_)) => (number, DimUnit::Metres),
        _ => (number / 100.0, DimUnit::Integer),
    };
    (value_m > 0.0).then_some(DimValue { value_m, unit })
}

/// A surface written on the plan and the text before it (the room's name when the label
/// holds both, as in "CH.1 11,20 m2").
#[derive(Debug, Clone, PartialEq)]
pub struct AreaNote {
    pub area_m2: f64,
    pub before: String,
    pub text: String,
}

static AREA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?:^|[\s:=(])(\d{1,5}(?:[ \u{a0}]\d{3})*(?:[.,]\d{1,2})?)\s*(m²|m2|m\^2|m[?*'’"”°]|sf|sq\.?\s?ft)(?:$|[\s).,;])"#)
        .unwrap()
});

pub fn parse_area(text: &str) -> Option<AreaNote> {
    let c = AREA.captures(text)?;
    let number = c[1].replace([' ', '\u{a0}'], "").replace(',', ".");
    let value: f64 = number.parse().ok()?;
    let unit = c[2].to_ascii_lowercase();
    let area_m2 = if unit.starts_with('m') {
        value
    } else {
        value * SQFT_M2
    };
    let whole = c.get(0)?;
    let before = text[..c.get(1)?.start()]
        .trim()
        .trim_end_matches([':', '=', '-', '('])
        .trim()
        .to_string();
    Some(AreaNote {
        area_m2,
        before,
        text: whole.as_str().trim().to_string(),
    })
}

/// "0", "5", "10" on a scale bar; "5 m" or "20 ft" for the last label.
pub fn parse_bar_label(text: &str) -> Option<(f64, Option<&'static str>)> {
    let t = text.trim();
    let (num, unit) = match t.rsplit_once(' ') {
        Some((n, "m" | "M")) => (n, Some("m")),
        Some((n, u)) if matches!(u.to_ascii_lowercase().as_str(), "ft" | "feet" | "'") => {
            (n, Some("ft"))
        }
        _ => match t.strip_suffix('m') {
            Some(n) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => (n, Some("m")),
            _ => (t, None),
        },
    };
    // OCR reads a lone zero as the letter.
    let num = match num.trim() {
        "O" | "o" => "0",
        n => n,
    };
    let v: f64 = num.parse().ok()?;
    (num.chars().all(|c| c.is_ascii_digit()) && v <= 1000.0).then_some((v, unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales() {
        for (t, s) in [
            ("Echelle 1/100", 100.0),
            ("ECHELLE : 1/50", 50.0),
            ("ECH. 1/50", 50.0),
            ("1:100", 100.0),
            ("Plan RDC - 1/200", 200.0),
            ("SCALE: 1/8\" = 1'-0\"", 96.0),
            ("1/4\" = 1'-0\"", 48.0),
            ("1 1/2\" = 1'-0\"", 8.0),
            ("1\" = 20'", 240.0),
            ("SCALE: 1/8\"", 96.0),
            ("SCALE 3/16\"", 64.0),
        ] {
            assert_eq!(parse_scale(t).map(|n| n.scale), Some(s), "{t}");
        }
        assert_eq!(parse_scale("DATE : 12/03/2026"), None);
        assert_eq!(parse_scale("1/37"), None);
    }

    #[test]
    fn dimensions() {
        let m = |t: &str| parse_dimension(t).map(|d| (d.value_m * 1e6).round() / 1e6);
        assert_eq!(m("3,50"), Some(3.5));
        assert_eq!(m("2.40 m"), Some(2.4));
        assert_eq!(m("350"), Some(3.5));
        assert_eq!(m("12'-6\""), Some(3.81));
        assert_eq!(m("9'.0\""), Some(2.7432));
        assert_eq!(m("19:-8\""), m("19'-8\""));
        assert_eq!(m("19:8"), None);
        assert_eq!(m("4'0\""), Some(1.2192));
        assert_eq!(m("3'- 6\""), Some(1.0668));
        assert_eq!(m("58'-5\""), Some(17.8054));
        assert_eq!(m("A-101"), None);
        assert_eq!(m("12/03/2026"), None);
    }

    #[test]
    fn areas() {
        let a = parse_area("CH.1 11,20 m2").unwrap();
        assert_eq!((a.area_m2, a.before.as_str()), (11.2, "CH.1"));
        let a = parse_area("25,40 m²").unwrap();
        assert_eq!((a.area_m2, a.before.as_str()), (25.4, ""));
        let a = parse_area("189 SF").unwrap();
        assert!((a.area_m2 - 17.5587).abs() < 1e-3);
        assert!(parse_area("Surface (m²)").is_none());
    }
}
