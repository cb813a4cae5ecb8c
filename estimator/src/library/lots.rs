//! The trades (lots) a French building devis is split into.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    pub code: String,
    pub name_fr: String,
    pub name_en: String,
    /// Position in the devis (lots print in the usual order of works, not alphabetically).
    pub order: u32,
}

/// The usual lots of a building project, in the order works happen on site.
pub fn standard_lots() -> Vec<Lot> {
    [
        ("INST", "Installation de chantier", "Site set-up"),
        ("TER", "Terrassement - VRD", "Earthworks and utilities"),
        ("GO", "Gros oeuvre", "Structural works"),
        ("MAC", "Maçonnerie", "Masonry"),
        ("CHA", "Charpente", "Roof structure"),
        ("COU", "Couverture - Zinguerie", "Roofing"),
        ("ETA", "Étanchéité", "Waterproofing"),
        ("MEXT", "Menuiseries extérieures", "External joinery"),
        ("ISO", "Isolation", "Insulation"),
        ("PLA", "Plâtrerie - Cloisons", "Plasterboard and partitions"),
        ("MINT", "Menuiseries intérieures", "Internal joinery"),
        ("ELE", "Électricité", "Electrical"),
        ("PLB", "Plomberie - Sanitaires", "Plumbing and sanitary"),
        ("CVC", "Chauffage - Ventilation", "Heating and ventilation"),
        ("REV", "Revêtements de sols", "Floor finishes"),
        ("CAR", "Carrelage - Faïence", "Tiling"),
        ("PEI", "Peinture", "Painting"),
        ("SERR", "Serrurerie - Métallerie", "Metalwork"),
        ("DIV", "Divers", "Miscellaneous"),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (code, fr, en))| Lot {
        code: code.into(),
        name_fr: fr.into(),
        name_en: en.into(),
        order: (i as u32 + 1) * 10,
    })
    .collect()
}
