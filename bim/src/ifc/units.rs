//! Project units (IfcUnitAssignment) to SI factors, including conversion-based units such as
//! feet and degrees.

use crate::step::{StepFile, Value};
use crate::takeoff::IfcUnits;

/// Reads the first IfcUnitAssignment; missing units keep SI defaults.
pub fn read_units(step: &StepFile, warnings: &mut Vec<String>) -> IfcUnits {
    let mut units = IfcUnits::default();
    let Some(&pos) = step.of_type("IFCUNITASSIGNMENT").first() else {
        warnings.push("no IfcUnitAssignment: SI units (metre) assumed".into());
        return units;
    };
    let rec = step.records()[pos as usize];
    let Ok(args) = step.record_args(&rec) else {
        return units;
    };
    let mut angle_set = false;
    for id in args.first().map(Value::refs).unwrap_or_default() {
        let Some((kind, factor, name)) = unit_factor(step, id, 0) else {
            continue;
        };
        match kind.as_str() {
            "LENGTHUNIT" => {
                units.length_to_m = factor;
                units.length_unit = name;
            }
            "AREAUNIT" => units.area_to_m2 = factor,
            "VOLUMEUNIT" => units.volume_to_m3 = factor,
            "MASSUNIT" => units.mass_to_kg = factor,
            "PLANEANGLEUNIT" => {
                units.plane_angle_to_rad = factor;
                angle_set = true;
            }
            _ => {}
        }
    }
    if !angle_set {
        units.plane_angle_to_rad = 1.0;
    }
    units
}

/// (unit type, factor to SI, display name) of an IfcNamedUnit.
fn unit_factor(step: &StepFile, id: u32, depth: usize) -> Option<(String, f64, String)> {
    if depth > 8 {
        return None;
    }
    let ty = step.type_of(id)?;
    let args = step.args(id).ok()?;
    let kind = args.get(1)?.as_enum()?.to_string();
    match ty {
        "IFCSIUNIT" => {
            let prefix = args.get(2).and_then(Value::as_enum);
            let name = args.get(3)?.as_enum()?;
            let p = prefix.map_or(1.0, prefix_factor);
            let (base, power) = match name {
                "METRE" => (1.0, 1),
                "SQUARE_METRE" => (1.0, 2),
                "CUBIC_METRE" => (1.0, 3),
                "GRAM" => (1e-3, 1),
                _ => (1.0, 1),
            };
            Some((
                kind,
                base * p.powi(power),
                format!("{}{}", prefix.unwrap_or(""), name),
            ))
        }
        "IFCCONVERSIONBASEDUNIT" | "IFCCONVERSIONBASEDUNITWITHOFFSET" => {
            let name = args.get(2).and_then(Value::as_string).unwrap_or_default();
            let mwu = step.args(args.get(3)?.as_ref_id()?).ok()?;
            let value = mwu.first()?.as_f64()?;
            let (_, inner, _) = unit_factor(step, mwu.get(1)?.as_ref_id()?, depth + 1)?;
            Some((kind, value * inner, name.to_ascii_uppercase()))
        }
        _ => None,
    }
}

fn prefix_factor(p: &str) -> f64 {
    match p {
        "EXA" => 1e18,
        "PETA" => 1e15,
        "TERA" => 1e12,
        "GIGA" => 1e9,
        "MEGA" => 1e6,
        "KILO" => 1e3,
        "HECTO" => 1e2,
        "DECA" => 1e1,
        "DECI" => 1e-1,
        "CENTI" => 1e-2,
        "MILLI" => 1e-3,
        "MICRO" => 1e-6,
        "NANO" => 1e-9,
        "PICO" => 1e-12,
        "FEMTO" => 1e-15,
        "ATTO" => 1e-18,
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feet_and_degrees() {
        let src = "ISO-10303-21;HEADER;FILE_SCHEMA(('IFC2X3'));ENDSEC;DATA;\
            #1=IFCSIUNIT(*,.LENGTHUNIT.,$,.METRE.);\
            #2=IFCMEASUREWITHUNIT(IFCLENGTHMEASURE(0.3048),#1);\
            #3=IFCCONVERSIONBASEDUNIT(#9,.LENGTHUNIT.,'FOOT',#2);\
            #4=IFCSIUNIT(*,.PLANEANGLEUNIT.,$,.RADIAN.);\
            #5=IFCMEASUREWITHUNIT(IFCPLANEANGLEMEASURE(0.0174532925199433),#4);\
            #6=IFCCONVERSIONBASEDUNIT(#9,.PLANEANGLEUNIT.,'DEGREE',#5);\
            #7=IFCSIUNIT(*,.AREAUNIT.,.MILLI.,.SQUARE_METRE.);\
            #8=IFCUNITASSIGNMENT((#3,#6,#7));\
            ENDSEC;END-ISO-10303-21;";
        let f = StepFile::parse(src.as_bytes().to_vec()).unwrap();
        let u = read_units(&f, &mut Vec::new());
        assert!((u.length_to_m - 0.3048).abs() < 1e-12);
        assert_eq!(u.length_unit, "FOOT");
        assert!((u.plane_angle_to_rad - 0.0174532925199433).abs() < 1e-15);
        assert!((u.area_to_m2 - 1e-6).abs() < 1e-18);
    }
}
