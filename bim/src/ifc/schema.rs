//! IFC class names and roles across IFC2X3, IFC4 and IFC4X3. STEP files write type names in
//! upper case; reports use the schema's spelling ("IfcWallStandardCase").

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, Default)]
pub struct ClassInfo {
    pub name: &'static str,
    /// Subtype of IfcProduct: has a placement and a shape.
    pub product: bool,
    /// Subtype of IfcElement: a physical building element.
    pub element: bool,
    /// Part of the spatial structure (site, building, storey, space...).
    pub spatial: bool,
    /// A type object (IfcWallType...).
    pub type_object: bool,
}

static TABLE: &str = include_str!("classes.tsv");

fn classes() -> &'static HashMap<String, ClassInfo> {
    static MAP: OnceLock<HashMap<String, ClassInfo>> = OnceLock::new();
    MAP.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| {
                let (name, flags) = l.split_once('\t').unwrap_or((l, ""));
                let has = |f: &str| flags.split(',').any(|x| x == f);
                (
                    name.to_ascii_uppercase(),
                    ClassInfo {
                        name,
                        product: has("product"),
                        element: has("element"),
                        spatial: has("spatial"),
                        type_object: has("type"),
                    },
                )
            })
            .collect()
    })
}

/// Looks up an upper-case STEP type name.
pub fn class_info(upper: &str) -> Option<ClassInfo> {
    classes().get(upper).copied()
}

/// The schema spelling of a type name; unknown names keep a readable "Ifc" + lower form.
pub fn class_name(upper: &str) -> String {
    match class_info(upper) {
        Some(c) => c.name.to_string(),
        None => {
            let lower = upper.to_ascii_lowercase();
            match lower.strip_prefix("ifc") {
                Some(rest) => format!(
                    "Ifc{}{}",
                    rest.get(..1).unwrap_or("").to_ascii_uppercase(),
                    rest.get(1..).unwrap_or("")
                ),
                None => upper.to_string(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_classes_of_all_three_schemas() {
        assert_eq!(class_name("IFCWALLSTANDARDCASE"), "IfcWallStandardCase");
        assert!(class_info("IFCWALL").unwrap().element);
        assert!(class_info("IFCSPACE").unwrap().spatial);
        assert!(class_info("IFCWALLTYPE").unwrap().type_object);
        assert!(class_info("IFCCOURSE").is_some(), "IFC4X3 class");
        assert_eq!(class_name("IFCNOTACLASS"), "IfcNotaclass");
    }
}
