#!/usr/bin/env python3
"""Generate chantier's own sample house: maison.ifc, maison-rdc.dxf, expected.json.

How to run (from the repository root):

    python3 -m venv /work/venv-data                 # once, OUTSIDE the repository
    /work/venv-data/bin/pip install 'ezdxf==1.4.5'   # only the DXF needs it
    /work/venv-data/bin/python datasets/sample_house/generate.py

    python3 datasets/sample_house/generate.py --ifc-only   # stdlib only: IFC + expected.json

The IFC (STEP) text is written directly with the standard library; the DXF is written with
ezdxf. Everything is deterministic: GlobalIds are derived from a hash of a stable key, the
timestamps are fixed, and ezdxf's metadata is frozen, so re-running produces byte-identical
files (with the same ezdxf version for the DXF).

All the geometry is described once, in plain data at the top of this file; the IFC, the DXF
and the expected quantities (expected.json, README.md table) are all derived from that data,
analytically (no geometry kernel is involved in computing the expected values).

Conventions: metres, origin at the outer south-west corner of the house, X to the east,
Y to the north, Z up. RDC floor (top of the ground slab) at z = 0.00, R+1 floor at z = 2.80.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
IFC_NAME = "maison.ifc"
DXF_NAME = "maison-rdc.dxf"
EXPECTED_NAME = "expected.json"
TIMESTAMP = "2025-01-01T00:00:00"
GUID_NAMESPACE = uuid.UUID("6d1c5a3e-2b0f-5c8e-9a41-6368616e7469")  # fixed, arbitrary

# ---------------------------------------------------------------------------------------------
# The house, as plain data
# ---------------------------------------------------------------------------------------------

LENGTH_X = 10.00  # outside dimensions
LENGTH_Y = 8.00
EXT_T = 0.20  # exterior wall thickness
EXT_H = 2.60  # exterior wall height, per storey
PART_T = 0.072  # partition thickness
PART_H = 2.50  # partition height
SPACE_H = 2.50  # floor to (false) ceiling
OPENING_EXTRA = 0.05  # openings stick out of each wall face by this much (robust booleans)
DOOR_LEAF_T = 0.05  # door body depth (a thin box centred in the wall)
WINDOW_FRAME_T = 0.07  # window body depth

STOREYS = [("RDC", 0.00), ("R+1", 2.80)]

MAT_PARPAING = "Parpaing creux 20"
MAT_BA13 = "Plaque de plâtre BA13"
MAT_BETON = "Béton C25/30"
MAT_BOIS = "Bois"
MAT_PVC = "PVC"

# Element types: key -> (IFC type class, name, predefined type, material, thickness or None)
TYPES = {
    "wall_ext": ("IfcWallType", "Mur ext. parpaing 20", "STANDARD", MAT_PARPAING, EXT_T),
    "wall_part": ("IfcWallType", "Cloison placo 72/48", "PARTITIONING", MAT_BA13, PART_T),
    "slab_ground": ("IfcSlabType", "Dallage béton 13 cm", "FLOOR", MAT_BETON, 0.13),
    "slab_floor": ("IfcSlabType", "Plancher hourdis 16+4", "FLOOR", MAT_BETON, 0.20),
    "slab_roof": ("IfcSlabType", "Toiture terrasse béton", "ROOF", MAT_BETON, 0.20),
    "footing": ("IfcFootingType", "Semelle filante 50x25", "STRIP_FOOTING", MAT_BETON, None),
    "door_entry": ("IfcDoorType", "Porte d'entrée 90x215", "DOOR", MAT_BOIS, None),
    "door_int": ("IfcDoorType", "Porte intérieure 83x204", "DOOR", MAT_BOIS, None),
    "window": ("IfcWindowType", "Fenêtre PVC 120x135", "WINDOW", MAT_PVC, None),
    "french_window": ("IfcWindowType", "Porte-fenêtre 240x215", "WINDOW", MAT_PVC, None),
}

# Fillings: type key -> (class, width, height, sill, body depth, DXF block)
FILLINGS = {
    "door_entry": ("IfcDoor", 0.90, 2.15, 0.00, DOOR_LEAF_T, "PORTE_90"),
    "door_int": ("IfcDoor", 0.83, 2.04, 0.00, DOOR_LEAF_T, "PORTE_83"),
    "window": ("IfcWindow", 1.20, 1.35, 0.90, WINDOW_FRAME_T, "FENETRE_120"),
    "french_window": ("IfcWindow", 2.40, 2.15, 0.00, WINDOW_FRAME_T, "PORTE_FENETRE_240"),
}

# Walls: (name, kind, origin of the centreline (x, y), direction "x"|"y", length,
#         [(filling type key, offset of the opening along the wall from the origin)]).
# Exterior: the long (south/north) walls run the full 10.00 m, the short ones fit between
# them (7.60 m), so no volume is counted twice at the corners. Partitions stop at the faces
# of the walls they meet.
EXTERIOR_WALLS = {
    "RDC": [
        ("Mur ext. Sud", (0.0, 0.1), "x", 10.0, [("window", 1.8), ("door_entry", 5.95)]),
        ("Mur ext. Nord", (0.0, 7.9), "x", 10.0, [("french_window", 1.2), ("window", 6.8)]),
        ("Mur ext. Ouest", (0.1, 0.2), "y", 7.6, [("window", 3.0)]),
        ("Mur ext. Est", (9.9, 0.2), "y", 7.6, [("window", 5.3)]),
    ],
    "R+1": [
        ("Mur ext. Sud", (0.0, 0.1), "x", 10.0, [("window", 2.4), ("window", 7.3)]),
        ("Mur ext. Nord", (0.0, 7.9), "x", 10.0, [("window", 1.8), ("window", 6.8)]),
        ("Mur ext. Ouest", (0.1, 0.2), "y", 7.6, [("window", 5.3)]),
        ("Mur ext. Est", (9.9, 0.2), "y", 7.6, [("window", 5.3)]),
    ],
}
PARTITIONS = {
    "RDC": [
        # A: Séjour | east zone, x 5.000-5.072, full depth
        ("Cloison A", (5.036, 0.2), "y", 7.6, [("door_int", 1.8)]),
        # B: Cuisine | Entrée, y 3.978-4.050
        ("Cloison B", (5.072, 4.014), "x", 4.728, [("door_int", 0.928)]),
        # C: Entrée | WC, x 8.728-8.800
        ("Cloison C", (8.764, 0.2), "y", 1.672, [("door_int", 0.4)]),
        # D: WC | Entrée, y 1.800-1.872
        ("Cloison D", (8.8, 1.836), "x", 1.0, []),
    ],
    "R+1": [
        # H1: south rooms | Dégagement, y 2.700-2.772
        ("Cloison H1", (0.2, 2.736), "x", 9.6, [("door_int", 4.3), ("door_int", 6.8)]),
        # H2: Dégagement | north rooms, y 3.978-4.050
        ("Cloison H2", (0.2, 4.014), "x", 9.6, [("door_int", 3.3), ("door_int", 5.4)]),
        # V1: Chambre 1 | Chambre 2, x 5.000-5.072
        ("Cloison V1", (5.036, 4.05), "y", 3.75, []),
        # V2: Chambre 3 | Salle de bain, x 6.000-6.072
        ("Cloison V2", (6.036, 0.2), "y", 2.5, []),
    ],
}

def _rect(x0, y0, x1, y1):
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


# Spaces: storey -> [(name, outline counter-clockwise)]. The RDC areas are exact to the
# centimetre square (36.48, 17.73, 16.07, 1.60), so the DXF labels carry the exact value.
SPACES = {
    "RDC": [
        ("Séjour", _rect(0.2, 0.2, 5.0, 7.8)),
        ("Cuisine", _rect(5.072, 4.05, 9.8, 7.8)),
        ("Entrée", [(5.072, 0.2), (8.728, 0.2), (8.728, 1.872), (9.8, 1.872), (9.8, 3.978),
                    (5.072, 3.978)]),
        ("WC", _rect(8.8, 0.2, 9.8, 1.8)),
    ],
    "R+1": [
        ("Chambre 1", _rect(0.2, 4.05, 5.0, 7.8)),
        ("Chambre 2", _rect(5.072, 4.05, 9.8, 7.8)),
        ("Chambre 3", _rect(0.2, 0.2, 6.0, 2.7)),
        ("Salle de bain", _rect(6.072, 0.2, 9.8, 2.7)),
        ("Dégagement", _rect(0.2, 2.772, 9.8, 3.978)),
    ],
}

# Slabs: (name, type key, storey, z of the bottom face relative to the storey)
SLABS = [
    ("Dallage RDC", "slab_ground", "RDC", -0.13),
    ("Plancher R+1", "slab_floor", "R+1", -0.20),
    ("Toiture terrasse", "slab_roof", "R+1", EXT_H),
]

# Strip footings under the RDC exterior walls, 0.50 wide x 0.25 high, centred on the wall
# axis, under the ground slab (top at z = -0.13). Long ones run full length (10.30 m), short
# ones between them (7.30 m): (name, x0, y0, x1, y1)
FOOT_W, FOOT_H = 0.50, 0.25
FOOT_TOP = -0.13
FOOTINGS = [
    ("Semelle Sud", -0.15, -0.15, 10.15, 0.35),
    ("Semelle Nord", -0.15, 7.65, 10.15, 8.15),
    ("Semelle Ouest", -0.15, 0.35, 0.35, 7.65),
    ("Semelle Est", 9.65, 0.35, 10.15, 7.65),
]

# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def r6(x: float) -> float:
    """Round for the expected values (kills float noise, keeps every exact decimal)."""
    v = round(x + 0.0, 6)
    return 0.0 if v == 0 else v


def polygon_area(pts) -> float:
    s = 0.0
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]):
        s += x0 * y1 - x1 * y0
    return abs(s) / 2.0


def polygon_perimeter(pts) -> float:
    return sum(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
               for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]))


def fr(x: float, decimals: int = 2) -> str:
    """French decimal: 36.48 -> '36,48'."""
    return f"{x:.{decimals}f}".replace(".", ",")


def ifc_guid(key: str) -> str:
    """A 22-character IFC GlobalId derived from a stable key."""
    chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$"
    n = int.from_bytes(uuid.uuid5(GUID_NAMESPACE, key).bytes, "big")
    out = []
    for _ in range(22):
        out.append(chars[n % 64])
        n //= 64
    return "".join(reversed(out))


def wall_rect(origin, direction, length, thickness):
    """Plan rectangle (x0, y0, x1, y1) of a wall given by its centreline."""
    x, y = origin
    h = thickness / 2
    if direction == "x":
        return (x, y - h, x + length, y + h)
    return (x - h, y, x + h, y + length)


# ---------------------------------------------------------------------------------------------
# The model: one list of elements with everything the writers and the expectations need
# ---------------------------------------------------------------------------------------------


def build_model():
    walls, fillings = [], []
    for storey, _elev in STOREYS:
        for kind, table, t, h in (("wall_ext", EXTERIOR_WALLS, EXT_T, EXT_H),
                                  ("wall_part", PARTITIONS, PART_T, PART_H)):
            for name, origin, direction, length, openings in table[storey]:
                wall = dict(name=name, storey=storey, type=kind, origin=origin,
                            direction=direction, length=length, thickness=t, height=h,
                            external=kind == "wall_ext", openings=[])
                for i, (fkey, offset) in enumerate(openings):
                    cls, w, hh, sill, depth, block = FILLINGS[fkey]
                    assert offset >= 0 and offset + w <= length + 1e-9, (name, fkey)
                    assert sill + hh <= h + 1e-9
                    op = dict(index=i + 1, type=fkey, cls=cls, offset=offset, width=w,
                              height=hh, sill=sill, depth=depth, block=block)
                    wall["openings"].append(op)
                    fillings.append(dict(wall=wall, opening=op))
                walls.append(wall)
    return walls, fillings


def filling_name(f) -> str:
    op, wall = f["opening"], f["wall"]
    base = "Porte" if op["cls"] == "IfcDoor" else "Fenêtre"
    return f"{base} {wall['storey']} {wall['name']} {op['index']}"


# ---------------------------------------------------------------------------------------------
# IFC (STEP physical file) writer
# ---------------------------------------------------------------------------------------------


class Enum(str):
    pass


class Raw(str):
    pass


class Ref(int):
    pass


def step_string(s: str) -> str:
    out = []
    for ch in s:
        if ch == "'":
            out.append("''")
        elif ch == "\\":
            out.append("\\\\")
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\X2\\{ord(ch):04X}\\X0\\")
        else:
            out.append(f"\\X4\\{ord(ch):08X}\\X0\\")
    return "'" + "".join(out) + "'"


def step_real(x: float) -> str:
    x = round(float(x), 9) + 0.0
    if x == int(x) and abs(x) < 1e12:
        return f"{int(x)}."
    s = repr(x)
    if "e" in s:
        mant, exp = s.split("e")
        if "." not in mant:
            mant += "."
        return f"{mant}E{int(exp):+03d}"
    return s


def step_value(v) -> str:
    if v is None:
        return "$"
    if isinstance(v, Ref):
        return f"#{int(v)}"
    if isinstance(v, Enum):
        return f".{v}."
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, bool):
        return ".T." if v else ".F."
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return step_real(v)
    if isinstance(v, str):
        return step_string(v)
    if isinstance(v, (list, tuple)):
        return "(" + ",".join(step_value(i) for i in v) + ")"
    raise TypeError(v)


class StepWriter:
    def __init__(self):
        self.lines: list[str] = []
        self._cache: dict[str, Ref] = {}

    def add(self, entity: str, *args) -> Ref:
        ref = Ref(len(self.lines) + 1)
        self.lines.append(f"#{int(ref)}={entity}({','.join(step_value(a) for a in args)});")
        return ref

    def shared(self, entity: str, *args) -> Ref:
        """Add once, reuse afterwards (points, directions)."""
        key = entity + repr(args)
        if key not in self._cache:
            self._cache[key] = self.add(entity, *args)
        return self._cache[key]

    def point(self, *coords) -> Ref:
        return self.shared("IFCCARTESIANPOINT", tuple(float(c) for c in coords))

    def direction(self, *coords) -> Ref:
        return self.shared("IFCDIRECTION", tuple(float(c) for c in coords))

    def placement3d(self, loc=(0.0, 0.0, 0.0), axis=None, ref_dir=None) -> Ref:
        return self.add("IFCAXIS2PLACEMENT3D", self.point(*loc),
                        self.direction(*axis) if axis else None,
                        self.direction(*ref_dir) if ref_dir else None)

    def text(self, name: str) -> str:
        header = [
            "ISO-10303-21;",
            "HEADER;",
            "FILE_DESCRIPTION(('ViewDefinition [DesignTransferView_V1.0]'),'2;1');",
            f"FILE_NAME({step_string(name)},{step_string(TIMESTAMP)},('chantier'),"
            "('chantier'),'chantier datasets/sample_house/generate.py',"
            "'chantier datasets/sample_house/generate.py','');",
            "FILE_SCHEMA(('IFC4'));",
            "ENDSEC;",
            "DATA;",
        ]
        return "\n".join(header + self.lines + ["ENDSEC;", "END-ISO-10303-21;", ""])


def write_ifc(walls, fillings) -> str:
    w = StepWriter()
    G = ifc_guid

    # Units and contexts
    units = [
        w.add("IFCSIUNIT", Raw("*"), Enum("LENGTHUNIT"), None, Enum("METRE")),
        w.add("IFCSIUNIT", Raw("*"), Enum("AREAUNIT"), None, Enum("SQUARE_METRE")),
        w.add("IFCSIUNIT", Raw("*"), Enum("VOLUMEUNIT"), None, Enum("CUBIC_METRE")),
        w.add("IFCSIUNIT", Raw("*"), Enum("PLANEANGLEUNIT"), None, Enum("RADIAN")),
    ]
    unit_assignment = w.add("IFCUNITASSIGNMENT", units)
    world = w.placement3d((0.0, 0.0, 0.0), (0.0, 0.0, 1.0), (1.0, 0.0, 0.0))
    ctx = w.add("IFCGEOMETRICREPRESENTATIONCONTEXT", None, "Model", 3, 1.0e-5, world, None)
    body_ctx = w.add("IFCGEOMETRICREPRESENTATIONSUBCONTEXT", "Body", "Model", Raw("*"),
                     Raw("*"), Raw("*"), Raw("*"), ctx, None, Enum("MODEL_VIEW"), None)
    axis_ctx = w.add("IFCGEOMETRICREPRESENTATIONSUBCONTEXT", "Axis", "Model", Raw("*"),
                     Raw("*"), Raw("*"), Raw("*"), ctx, None, Enum("GRAPH_VIEW"), None)

    project = w.add("IFCPROJECT", G("project"), None, "Maison exemple",
                    "Maison exemple de chantier (données de test)", None, None, None, [ctx],
                    unit_assignment)

    # Spatial structure
    site_pl = w.add("IFCLOCALPLACEMENT", None, w.placement3d())
    site = w.add("IFCSITE", G("site"), None, "Site", None, None, site_pl, None, None,
                 Enum("ELEMENT"), None, None, None, None, None)
    bldg_pl = w.add("IFCLOCALPLACEMENT", site_pl, w.placement3d())
    building = w.add("IFCBUILDING", G("building"), None, "Maison", None, None, bldg_pl, None,
                     None, Enum("ELEMENT"), None, None, None)
    storey_ref, storey_pl = {}, {}
    for name, elev in STOREYS:
        pl = w.add("IFCLOCALPLACEMENT", bldg_pl, w.placement3d((0.0, 0.0, elev)))
        storey_pl[name] = pl
        storey_ref[name] = w.add("IFCBUILDINGSTOREY", G(f"storey/{name}"), None, name, None,
                                 None, pl, None, None, Enum("ELEMENT"), float(elev))
    w.add("IFCRELAGGREGATES", G("agg/project"), None, None, None, project, [site])
    w.add("IFCRELAGGREGATES", G("agg/site"), None, None, None, site, [building])
    w.add("IFCRELAGGREGATES", G("agg/building"), None, None, None, building,
          [storey_ref[n] for n, _ in STOREYS])

    # Materials
    materials = {}
    for mat, cat in ((MAT_PARPAING, "block"), (MAT_BA13, "gypsum"), (MAT_BETON, "concrete"),
                     (MAT_BOIS, "wood"), (MAT_PVC, "plastic")):
        materials[mat] = w.add("IFCMATERIAL", mat, None, cat)
    layer_sets = {}
    for key, (_cls, tname, _pt, mat, thick) in TYPES.items():
        if thick is None:
            continue
        layer = w.add("IFCMATERIALLAYER", materials[mat], float(thick), None, mat, None, None,
                      None)
        layer_sets[key] = w.add("IFCMATERIALLAYERSET", [layer], tname, None)

    # Types
    type_ref = {}
    for key, (cls, tname, pt, _mat, _t) in TYPES.items():
        if cls in ("IfcWallType", "IfcSlabType", "IfcFootingType"):
            type_ref[key] = w.add(cls.upper(), G(f"type/{key}"), None, tname, None, None, None,
                                  None, None, None, Enum(pt))
        elif cls == "IfcDoorType":
            type_ref[key] = w.add("IFCDOORTYPE", G(f"type/{key}"), None, tname, None, None,
                                  None, None, None, None, Enum(pt),
                                  Enum("SINGLE_SWING_LEFT"), False, None)
        else:
            part = "DOUBLE_PANEL_VERTICAL"
            type_ref[key] = w.add("IFCWINDOWTYPE", G(f"type/{key}"), None, tname, None, None,
                                  None, None, None, None, Enum(pt), Enum(part), False, None)
    typed: dict[str, list[Ref]] = {k: [] for k in TYPES}
    contained: dict[str, list[Ref]] = {n: [] for n, _ in STOREYS}
    mat_usage_members: dict[tuple, list[Ref]] = {}
    mat_plain_members: dict[str, list[Ref]] = {}

    def rect_solid(x0, y0, x1, y1, depth, z=0.0):
        """Extruded rectangle, in the local coordinates of its product."""
        prof_pos = w.add("IFCAXIS2PLACEMENT2D", w.point((x0 + x1) / 2, (y0 + y1) / 2), None)
        prof = w.add("IFCRECTANGLEPROFILEDEF", Enum("AREA"), None, prof_pos,
                     float(x1 - x0), float(y1 - y0))
        return w.add("IFCEXTRUDEDAREASOLID", prof, w.placement3d((0.0, 0.0, z)),
                     w.direction(0.0, 0.0, 1.0), float(depth))

    def body(solid, extra=()):
        reps = [w.add("IFCSHAPEREPRESENTATION", body_ctx, "Body", "SweptSolid", [solid])]
        reps.extend(extra)
        return w.add("IFCPRODUCTDEFINITIONSHAPE", None, None, reps)

    def qto(key, name, rel_obj, quantities):
        qs = []
        for qname, kind, value in quantities:
            ent = {"L": "IFCQUANTITYLENGTH", "A": "IFCQUANTITYAREA",
                   "V": "IFCQUANTITYVOLUME"}[kind]
            qs.append(w.add(ent, qname, None, None, float(r6(value)), None))
        q = w.add("IFCELEMENTQUANTITY", G(f"qto/{key}"), None, name, None, None, qs)
        w.add("IFCRELDEFINESBYPROPERTIES", G(f"relqto/{key}"), None, None, None, [rel_obj], q)

    # Walls, openings, doors, windows
    for wall in walls:
        key = f"wall/{wall['storey']}/{wall['name']}"
        L, t, h = wall["length"], wall["thickness"], wall["height"]
        dx, dy = (1.0, 0.0) if wall["direction"] == "x" else (0.0, 1.0)
        pl = w.add("IFCLOCALPLACEMENT", storey_pl[wall["storey"]],
                   w.placement3d((wall["origin"][0], wall["origin"][1], 0.0), (0.0, 0.0, 1.0),
                                 (dx, dy, 0.0)))
        axis_curve = w.add("IFCPOLYLINE", [w.point(0.0, 0.0), w.point(float(L), 0.0)])
        axis_rep = w.add("IFCSHAPEREPRESENTATION", axis_ctx, "Axis", "Curve2D", [axis_curve])
        shape = body(rect_solid(0.0, -t / 2, L, t / 2, h), [axis_rep])
        wref = w.add("IFCWALL", G(key), None, wall["name"], None, None, pl, shape,
                     None, Enum("STANDARD" if wall["external"] else "PARTITIONING"))
        wall["ref"] = wref
        typed[wall["type"]].append(wref)
        contained[wall["storey"]].append(wref)
        mat_usage_members.setdefault(("wall", wall["type"]), []).append(wref)
        pset_props = [
            w.add("IFCPROPERTYSINGLEVALUE", "IsExternal", None,
                  Raw(f"IFCBOOLEAN({'.T.' if wall['external'] else '.F.'})"), None),
            w.add("IFCPROPERTYSINGLEVALUE", "LoadBearing", None,
                  Raw(f"IFCBOOLEAN({'.T.' if wall['external'] else '.F.'})"), None),
        ]
        pset = w.add("IFCPROPERTYSET", G(f"pset/{key}"), None, "Pset_WallCommon", None,
                     pset_props)
        w.add("IFCRELDEFINESBYPROPERTIES", G(f"relpset/{key}"), None, None, None, [wref], pset)
        q = wall_quantities(wall)
        qto(key, "Qto_WallBaseQuantities", wref, [
            ("Length", "L", L), ("Height", "L", h), ("Width", "L", t),
            ("GrossSideArea", "A", q["gross_side_area_m2"]),
            ("NetSideArea", "A", q["net_side_area_m2"]),
            ("GrossVolume", "V", q["gross_volume_m3"]),
            ("NetVolume", "V", q["net_volume_m3"]),
        ])
        for op in wall["openings"]:
            okey = f"{key}/opening/{op['index']}"
            ow, oh = op["width"], op["height"]
            d = t / 2 + OPENING_EXTRA
            opl = w.add("IFCLOCALPLACEMENT", pl, w.placement3d((op["offset"], 0.0, op["sill"])))
            oshape = body(rect_solid(0.0, -d, ow, d, oh))
            oref = w.add("IFCOPENINGELEMENT", G(okey), None,
                         f"Ouverture {wall['name']} {op['index']}", None, None, opl, oshape,
                         None, Enum("OPENING"))
            w.add("IFCRELVOIDSELEMENT", G(f"voids/{okey}"), None, None, None, wref, oref)
            # the filling, placed relative to the opening
            fpl = w.add("IFCLOCALPLACEMENT", opl, w.placement3d())
            fd = op["depth"] / 2
            fshape = body(rect_solid(0.0, -fd, ow, fd, oh))
            fname = filling_name(dict(wall=wall, opening=op))
            fkey = f"{okey}/filling"
            if op["cls"] == "IfcDoor":
                fref = w.add("IFCDOOR", G(fkey), None, fname, None, None, fpl, fshape, None,
                             float(oh), float(ow), Enum("DOOR"), Enum("SINGLE_SWING_LEFT"),
                             None)
                qname = "Qto_DoorBaseQuantities"
            else:
                fref = w.add("IFCWINDOW", G(fkey), None, fname, None, None, fpl, fshape, None,
                             float(oh), float(ow), Enum("WINDOW"),
                             Enum("DOUBLE_PANEL_VERTICAL"), None)
                qname = "Qto_WindowBaseQuantities"
            w.add("IFCRELFILLSELEMENT", G(f"fills/{okey}"), None, None, None, oref, fref)
            op["ref"] = fref
            typed[op["type"]].append(fref)
            contained[wall["storey"]].append(fref)
            mat_plain_members.setdefault(TYPES[op["type"]][3], []).append(fref)
            qto(fkey, qname, fref, [("Width", "L", ow), ("Height", "L", oh),
                                    ("Area", "A", ow * oh)])

    # Slabs
    for name, tkey, storey, z in SLABS:
        key = f"slab/{storey}/{name}"
        thick = TYPES[tkey][4]
        pl = w.add("IFCLOCALPLACEMENT", storey_pl[storey], w.placement3d((0.0, 0.0, z)))
        shape = body(rect_solid(0.0, 0.0, LENGTH_X, LENGTH_Y, thick))
        sref = w.add("IFCSLAB", G(key), None, name, None, None, pl, shape, None,
                     Enum(TYPES[tkey][2]))
        typed[tkey].append(sref)
        contained[storey].append(sref)
        mat_usage_members.setdefault(("slab", tkey), []).append(sref)
        area = LENGTH_X * LENGTH_Y
        qto(key, "Qto_SlabBaseQuantities", sref, [
            ("Width", "L", thick), ("Perimeter", "L", 2 * (LENGTH_X + LENGTH_Y)),
            ("GrossArea", "A", area), ("NetArea", "A", area),
            ("GrossVolume", "V", area * thick), ("NetVolume", "V", area * thick),
        ])

    # Footings
    for name, x0, y0, x1, y1 in FOOTINGS:
        key = f"footing/RDC/{name}"
        pl = w.add("IFCLOCALPLACEMENT", storey_pl["RDC"],
                   w.placement3d((0.0, 0.0, FOOT_TOP - FOOT_H)))
        shape = body(rect_solid(x0, y0, x1, y1, FOOT_H))
        fref = w.add("IFCFOOTING", G(key), None, name, None, None, pl, shape, None,
                     Enum("STRIP_FOOTING"))
        typed["footing"].append(fref)
        contained["RDC"].append(fref)
        mat_plain_members.setdefault(MAT_BETON, []).append(fref)
        length = max(x1 - x0, y1 - y0)
        qto(key, "Qto_FootingBaseQuantities", fref, [
            ("Length", "L", length), ("Width", "L", FOOT_W), ("Height", "L", FOOT_H),
            ("CrossSectionArea", "A", FOOT_W * FOOT_H),
            ("NetVolume", "V", length * FOOT_W * FOOT_H),
        ])

    # Spaces
    for storey, _elev in STOREYS:
        refs = []
        for name, outline in SPACES[storey]:
            key = f"space/{storey}/{name}"
            pts = [w.point(float(x), float(y)) for x, y in outline]
            curve = w.add("IFCPOLYLINE", pts + [pts[0]])
            prof = w.add("IFCARBITRARYCLOSEDPROFILEDEF", Enum("AREA"), None, curve)
            solid = w.add("IFCEXTRUDEDAREASOLID", prof, w.placement3d(),
                          w.direction(0.0, 0.0, 1.0), float(SPACE_H))
            pl = w.add("IFCLOCALPLACEMENT", storey_pl[storey], w.placement3d())
            sref = w.add("IFCSPACE", G(key), None, name, None, None, pl, body(solid), name,
                         Enum("ELEMENT"), Enum("INTERNAL"), None)
            refs.append(sref)
            area = polygon_area(outline)
            qto(key, "Qto_SpaceBaseQuantities", sref, [
                ("Height", "L", SPACE_H), ("NetPerimeter", "L", polygon_perimeter(outline)),
                ("GrossFloorArea", "A", area), ("NetFloorArea", "A", area),
                ("NetVolume", "V", area * SPACE_H),
            ])
        w.add("IFCRELAGGREGATES", G(f"agg/storey/{storey}"), None, None, None,
              storey_ref[storey], refs)

    # Relationships: containment, types, materials
    for storey, _elev in STOREYS:
        w.add("IFCRELCONTAINEDINSPATIALSTRUCTURE", G(f"contain/{storey}"), None, None, None,
              contained[storey], storey_ref[storey])
    for key, objs in typed.items():
        if objs:
            w.add("IFCRELDEFINESBYTYPE", G(f"reltype/{key}"), None, None, None, objs,
                  type_ref[key])
    for key, lset in layer_sets.items():
        w.add("IFCRELASSOCIATESMATERIAL", G(f"mat/type/{key}"), None, None, None,
              [type_ref[key]], lset)
    for (kind, tkey), objs in mat_usage_members.items():
        if kind == "wall":
            usage = w.add("IFCMATERIALLAYERSETUSAGE", layer_sets[tkey], Enum("AXIS2"),
                          Enum("POSITIVE"), float(-TYPES[tkey][4] / 2), None)
        else:
            usage = w.add("IFCMATERIALLAYERSETUSAGE", layer_sets[tkey], Enum("AXIS3"),
                          Enum("POSITIVE"), 0.0, None)
        w.add("IFCRELASSOCIATESMATERIAL", G(f"mat/usage/{tkey}"), None, None, None, objs,
              usage)
    for mat, objs in mat_plain_members.items():
        w.add("IFCRELASSOCIATESMATERIAL", G(f"mat/plain/{mat}"), None, None, None, objs,
              materials[mat])
    return w.text(IFC_NAME)


# ---------------------------------------------------------------------------------------------
# Expected quantities (analytical)
# ---------------------------------------------------------------------------------------------


def wall_quantities(wall):
    L, t, h = wall["length"], wall["thickness"], wall["height"]
    openings_area = sum(op["width"] * op["height"] for op in wall["openings"])
    return dict(
        length_m=L, height_m=h, width_m=t,
        gross_side_area_m2=L * h,
        net_side_area_m2=L * h - openings_area,
        gross_volume_m3=L * h * t,
        net_volume_m3=(L * h - openings_area) * t,
        footprint_area_m2=L * t,
        openings=len(wall["openings"]),
    )


def local_box(wall, u0, u1, v0, v1):
    """Plan box (xmin, ymin, xmax, ymax) of wall-local ranges u (along) and v (across)."""
    ox, oy = wall["origin"]
    if wall["direction"] == "x":
        return (ox + u0, oy + v0, ox + u1, oy + v1)
    return (ox - v1, oy + u0, ox - v0, oy + u1)


def bbox(xy, z0, z1):
    x0, y0, x1, y1 = xy
    return [r6(x0), r6(y0), r6(z0), r6(x1), r6(y1), r6(z1)]


def expected_ifc(walls, fillings):
    elev = dict(STOREYS)
    elements = []
    for wall in walls:
        q = wall_quantities(wall)
        z = elev[wall["storey"]]
        elements.append(dict(cls="IfcWall", name=wall["name"], storey=wall["storey"],
                             type=TYPES[wall["type"]][1], material=TYPES[wall["type"]][3],
                             **q, bbox=bbox(wall_rect(wall["origin"], wall["direction"],
                                                      wall["length"], wall["thickness"]),
                                            z, z + wall["height"])))
    for f in fillings:
        op, wall = f["opening"], f["wall"]
        vol = op["width"] * op["height"] * op["depth"]
        elements.append(dict(cls=op["cls"], name=filling_name(f), storey=wall["storey"],
                             type=TYPES[op["type"]][1], material=TYPES[op["type"]][3],
                             width_m=op["width"], height_m=op["height"],
                             area_m2=op["width"] * op["height"], net_volume_m3=vol,
                             gross_volume_m3=vol,
                             footprint_area_m2=op["width"] * op["depth"],
                             bbox=bbox(local_box(wall, op["offset"], op["offset"] + op["width"],
                                                 -op["depth"] / 2, op["depth"] / 2),
                                       elev[wall["storey"]] + op["sill"],
                                       elev[wall["storey"]] + op["sill"] + op["height"])))
    for name, tkey, storey, z in SLABS:
        thick = TYPES[tkey][4]
        area = LENGTH_X * LENGTH_Y
        elements.append(dict(cls="IfcSlab", name=name, storey=storey, type=TYPES[tkey][1],
                             material=TYPES[tkey][3], predefined_type=TYPES[tkey][2],
                             width_m=thick, net_area_m2=area,
                             perimeter_m=2 * (LENGTH_X + LENGTH_Y),
                             net_volume_m3=area * thick, gross_volume_m3=area * thick,
                             footprint_area_m2=area,
                             bbox=bbox((0, 0, LENGTH_X, LENGTH_Y), elev[storey] + z,
                                       elev[storey] + z + thick)))
    for name, x0, y0, x1, y1 in FOOTINGS:
        length = max(x1 - x0, y1 - y0)
        vol = (x1 - x0) * (y1 - y0) * FOOT_H
        elements.append(dict(cls="IfcFooting", name=name, storey="RDC",
                             type=TYPES["footing"][1], material=MAT_BETON, length_m=length,
                             net_volume_m3=vol, gross_volume_m3=vol,
                             footprint_area_m2=(x1 - x0) * (y1 - y0),
                             bbox=bbox((x0, y0, x1, y1), FOOT_TOP - FOOT_H, FOOT_TOP)))
    for storey, _e in STOREYS:
        for name, outline in SPACES[storey]:
            area = polygon_area(outline)
            elements.append(dict(cls="IfcSpace", name=name, storey=storey, type=None,
                                 material=None, net_floor_area_m2=area, height_m=SPACE_H,
                                 perimeter_m=polygon_perimeter(outline),
                                 net_volume_m3=area * SPACE_H, gross_volume_m3=area * SPACE_H,
                                 footprint_area_m2=area,
                                 bbox=bbox((min(p[0] for p in outline),
                                            min(p[1] for p in outline),
                                            max(p[0] for p in outline),
                                            max(p[1] for p in outline)),
                                           elev[storey], elev[storey] + SPACE_H)))

    sum_keys = ["net_volume_m3", "gross_volume_m3", "footprint_area_m2", "net_side_area_m2",
                "gross_side_area_m2", "length_m", "area_m2", "net_area_m2",
                "net_floor_area_m2"]

    def group(items):
        g = {"count": len(items)}
        for k in sum_keys:
            vals = [e[k] for e in items if k in e]
            if vals:
                g[k] = r6(sum(vals))
        return g

    classes, types, by_storey, materials = {}, {}, {}, {}
    for cls in sorted({e["cls"] for e in elements}):
        classes[cls] = group([e for e in elements if e["cls"] == cls])
    for tname in sorted({e["type"] for e in elements if e["type"]}):
        items = [e for e in elements if e["type"] == tname]
        types[tname] = {"class": items[0]["cls"], **group(items)}
    for storey, _e in STOREYS:
        by_storey[storey] = {cls: group([e for e in elements
                                         if e["cls"] == cls and e["storey"] == storey])
                             for cls in sorted({e["cls"] for e in elements
                                                if e["storey"] == storey})}
    for mat in sorted({e["material"] for e in elements if e["material"]}):
        items = [e for e in elements if e["material"] == mat]
        materials[mat] = dict(count=len(items),
                              net_volume_m3=r6(sum(e["net_volume_m3"] for e in items)))

    spaces = {}
    for storey, _e in STOREYS:
        for name, outline in SPACES[storey]:
            area = polygon_area(outline)
            spaces[name] = dict(storey=storey, net_floor_area_m2=r6(area),
                                height_m=SPACE_H, net_volume_m3=r6(area * SPACE_H),
                                perimeter_m=r6(polygon_perimeter(outline)))
    openings = dict(count=sum(len(wl["openings"]) for wl in walls),
                    in_exterior_walls=sum(len(wl["openings"]) for wl in walls
                                          if wl["external"]),
                    in_partitions=sum(len(wl["openings"]) for wl in walls
                                      if not wl["external"]))
    return dict(
        file=IFC_NAME, schema="IFC4",
        project="Maison exemple", building="Maison",
        storeys={n: dict(elevation_m=e) for n, e in STOREYS},
        notes=("net_volume_m3: openings deducted (walls); net_side_area_m2: one face, "
               "openings deducted; footprint_area_m2: sum over elements of the plan area "
               "of each element (walls: length x thickness); bbox: world axis-aligned box "
               "[xmin, ymin, zmin, xmax, ymax, zmax]; IfcOpeningElement is not an element "
               "class here, see 'openings'."),
        classes=classes, types=types, by_storey=by_storey, materials=materials,
        spaces=spaces, openings=openings,
        elements=[{("class" if k == "cls" else k): (r6(v) if isinstance(v, float) else v)
                   for k, v in e.items()} for e in elements],
    )


# ---------------------------------------------------------------------------------------------
# DXF (ground floor)
# ---------------------------------------------------------------------------------------------

DXF_LAYERS = [  # name, ACI colour
    ("MURS_EXT", 7), ("CLOISONS", 8), ("PIECES", 3), ("TEXTES", 2), ("COTES", 4),
    ("PORTES", 6), ("FENETRES", 5), ("ELEC", 1), ("PLOMBERIE", 150), ("CVC", 30),
]

# model-space INSERTs of symbols: block -> (layer, [(x, y, rotation in degrees)])
SYMBOLS = {
    "PRISE_16A": ("ELEC", [
        # Séjour 8
        (0.35, 1.0, 270), (0.35, 2.6, 270), (0.35, 5.2, 270), (0.35, 7.0, 270),
        (2.0, 7.65, 0), (4.5, 7.65, 0), (4.85, 3.0, 90), (3.8, 0.35, 180),
        # Cuisine 3 (+3 in KIT_CUISINE)
        (5.6, 7.65, 0), (9.65, 4.6, 90), (9.65, 7.2, 90),
        # Entrée 3
        (5.25, 0.5, 270), (7.6, 0.35, 180), (9.65, 2.5, 90),
    ]),
    "INTER_SA": ("ELEC", [
        (4.85, 1.6, 90), (4.85, 2.95, 90), (0.35, 6.0, 270),  # Séjour 3
        (5.25, 4.2, 270), (7.0, 4.2, 0),  # Cuisine 2
        (5.7, 0.35, 180), (5.25, 3.0, 270),  # Entrée 2
        (8.95, 1.5, 270),  # WC 1
    ]),
    "POINT_LUMINEUX": ("ELEC", [
        (2.6, 2.0, 0), (2.6, 4.0, 0), (2.6, 6.0, 0),  # Séjour 3
        (6.6, 6.0, 0), (8.4, 6.0, 0),  # Cuisine 2
        (6.8, 2.5, 0),  # Entrée 1
        (9.2, 1.25, 0),  # WC 1
    ]),
    "TABLEAU_ELEC": ("ELEC", [(5.3, 2.6, 270)]),  # Entrée
    "WC_SUSPENDU": ("PLOMBERIE", [(9.3, 0.2, 0)]),
    "EVIER": ("PLOMBERIE", [(7.4, 7.8, 180)]),  # against the north wall
    "CHAUFFE_EAU": ("PLOMBERIE", [(9.45, 7.45, 0)]),
    "LAVABO": ("PLOMBERIE", [(9.8, 1.45, 90)]),
    "RADIATEUR_ELEC": ("CVC", [
        (0.2, 4.3, 270), (2.2, 0.2, 0),  # Séjour 2 (under windows)
        (9.8, 5.0, 90),  # Cuisine
        (5.072, 2.0, 270),  # Entrée, against partition A
    ]),
    "BOUCHE_VMC": ("CVC", [(9.2, 4.6, 0), (8.98, 1.6, 0), (1.0, 6.8, 0)]),
    "KIT_CUISINE": ("PLOMBERIE", [(6.3, 5.1, 0)]),  # kitchen island
}
KIT_CUISINE_CONTENT = {"PRISE_16A": 3, "EVIER": 1}

DIMENSIONS = [  # (p1, p2, base point, angle, what)
    ((0.0, 0.0), (10.0, 0.0), (0.0, -0.8), 0, "longueur hors tout"),
    ((0.0, 0.0), (0.0, 8.0), (-0.8, 0.0), 90, "largeur hors tout"),
    ((0.2, 7.0), (5.0, 7.0), (0.0, 7.0), 0, "Séjour, largeur intérieure"),
    ((1.0, 0.2), (1.0, 7.8), (1.0, 0.0), 90, "Séjour, profondeur intérieure"),
]


def rdc_walls(walls, external):
    return [wl for wl in walls if wl["storey"] == "RDC" and wl["external"] == external]


def wall_outline(wall):
    x0, y0, x1, y1 = wall_rect(wall["origin"], wall["direction"], wall["length"],
                               wall["thickness"])
    return _rect(x0, y0, x1, y1)


LABELS = {  # room -> (insertion point, text height), clear of the symbols
    "Séjour": ((2.6, 3.0), 0.25),
    "Cuisine": ((7.4, 6.6), 0.25),
    "Entrée": ((6.9, 2.9), 0.25),
    "WC": ((9.3, 0.8), 0.1),
}


def room_label(name, outline):
    return f"{name} {fr(polygon_area(outline))} m²"


def define_blocks(doc):
    def blk(name):
        return doc.blocks.new(name=name)

    # Doors: base point at the hinge, leaf drawn open at 90 degrees, swing arc.
    for name, width in (("PORTE_90", 0.90), ("PORTE_83", 0.83)):
        b = blk(name)
        b.add_line((0, 0), (0, width))
        b.add_arc((0, 0), width, 0, 90)
        b.add_line((0, 0), (width, 0))
    # Windows: base point at the start of the opening on the wall's outer face; depth 0.20.
    b = blk("FENETRE_120")
    b.add_lwpolyline([(0, 0), (1.2, 0), (1.2, 0.2), (0, 0.2)], close=True)
    b.add_line((0, 0.1), (1.2, 0.1))
    b = blk("PORTE_FENETRE_240")
    b.add_lwpolyline([(0, 0), (2.4, 0), (2.4, 0.2), (0, 0.2)], close=True)
    b.add_line((0, 0.2), (0, 1.4))
    b.add_arc((0, 0.2), 1.2, 0, 90)
    b.add_line((2.4, 0.2), (2.4, 1.4))
    b.add_arc((2.4, 0.2), 1.2, 90, 180)
    # Electrical symbols (sizes in metres, plan symbols)
    b = blk("PRISE_16A")
    b.add_arc((0, 0.12), 0.08, 180, 360)
    b.add_line((-0.08, 0.12), (0.08, 0.12))
    b.add_line((0, 0), (0, 0.04))
    b = blk("INTER_SA")
    b.add_circle((0, 0.1), 0.05)
    b.add_line((0.035, 0.135), (0.1, 0.2))
    b = blk("POINT_LUMINEUX")
    b.add_circle((0, 0), 0.1)
    b.add_line((-0.07, -0.07), (0.07, 0.07))
    b.add_line((-0.07, 0.07), (0.07, -0.07))
    b = blk("TABLEAU_ELEC")
    b.add_lwpolyline([(-0.25, 0), (0.25, 0), (0.25, 0.15), (-0.25, 0.15)], close=True)
    b.add_line((-0.25, 0), (0.25, 0.15))
    # Plumbing
    b = blk("WC_SUSPENDU")
    b.add_lwpolyline([(-0.18, 0), (0.18, 0), (0.18, 0.2), (-0.18, 0.2)], close=True)
    b.add_ellipse((0, 0.38), major_axis=(0, 0.18), ratio=0.9)
    b = blk("EVIER")
    b.add_lwpolyline([(-0.4, 0), (0.4, 0), (0.4, 0.6), (-0.4, 0.6)], close=True)
    b.add_lwpolyline([(-0.35, 0.1), (0.0, 0.1), (0.0, 0.5), (-0.35, 0.5)], close=True)
    b.add_circle((-0.175, 0.3), 0.03)
    b = blk("CHAUFFE_EAU")
    b.add_circle((0, 0), 0.28)
    b.add_text("CE", height=0.12, dxfattribs={"insert": (-0.08, -0.06)})
    b = blk("LAVABO")
    b.add_lwpolyline([(-0.2, 0), (0.2, 0), (0.2, 0.25), (-0.2, 0.25)], close=True)
    b.add_circle((0, 0.12), 0.03)
    # HVAC
    b = blk("RADIATEUR_ELEC")
    b.add_lwpolyline([(0, 0), (1.0, 0), (1.0, 0.1), (0, 0.1)], close=True)
    b = blk("BOUCHE_VMC")
    b.add_circle((0, 0), 0.0625)
    b.add_line((-0.0625, 0), (0.0625, 0))
    b.add_line((0, -0.0625), (0, 0.0625))
    # Nested: the kitchen island kit, its content keeps its own layers
    b = blk("KIT_CUISINE")
    b.add_lwpolyline([(0, 0), (1.8, 0), (1.8, 0.9), (0, 0.9)], close=True)
    for x in (0.3, 0.9, 1.5):
        b.add_blockref("PRISE_16A", (x, 0.0), dxfattribs={"layer": "ELEC", "rotation": 180})
    b.add_blockref("EVIER", (0.9, 0.9), dxfattribs={"layer": "PLOMBERIE", "rotation": 180})


def opening_insert(wall, op):
    """Insertion point and rotation of a door/window block for an opening of an RDC wall."""
    ox, oy = wall["origin"]
    u, t = op["offset"], wall["thickness"]
    if wall["direction"] == "x":
        # walls along X: outer face is the south face for the south wall, north for north
        if op["cls"] == "IfcWindow":
            if oy < LENGTH_Y / 2:
                return (ox + u, oy - t / 2), 0
            return (ox + u + op["width"], oy + t / 2), 180
        # doors: hinge on the room side; leaf opening into the room to the north (+Y) for
        # the south wall and for a partition whose room side is +Y
        return (ox + u, oy + t / 2), 0
    # walls along Y
    if op["cls"] == "IfcWindow":
        if ox < LENGTH_X / 2:
            return (ox - t / 2, oy + u + op["width"]), 270
        return (ox + t / 2, oy + u), 90
    return (ox - t / 2, oy + u), 90


def write_dxf(walls, path: Path):
    import ezdxf
    from ezdxf.enums import TextEntityAlignment

    ezdxf.options.write_fixed_meta_data_for_testing = True
    doc = ezdxf.new("R2018", setup=False)
    doc.units = ezdxf.units.M  # $INSUNITS = 6
    doc.header["$MEASUREMENT"] = 1
    doc.header["$LUNITS"] = 2
    doc.header["$LUPREC"] = 2
    doc.header["$DIMDSEP"] = 44
    for name, colour in DXF_LAYERS:
        doc.layers.add(name, color=colour)
    ds = doc.dimstyles.new("COTES_M")
    for k, v in dict(dimtxt=0.15, dimasz=0.1, dimtsz=0.05, dimexo=0.05, dimexe=0.1,
                     dimgap=0.05, dimdec=2, dimdsep=44, dimtad=1, dimlunit=2, dimzin=0,
                     dimscale=1.0, dimclrd=4, dimclre=4, dimclrt=4).items():
        ds.dxf.set(k, v)
    define_blocks(doc)
    msp = doc.modelspace()

    for wall in rdc_walls(walls, True):
        msp.add_lwpolyline(wall_outline(wall), close=True, dxfattribs={"layer": "MURS_EXT"})
    hatch = msp.add_hatch(dxfattribs={"layer": "MURS_EXT", "color": 256})
    hatch.set_pattern_fill("ANSI31", scale=0.02)
    hatch.paths.add_polyline_path(_rect(0, 0, LENGTH_X, LENGTH_Y), is_closed=True,
                                  flags=ezdxf.const.BOUNDARY_PATH_EXTERNAL)
    hatch.paths.add_polyline_path(_rect(EXT_T, EXT_T, LENGTH_X - EXT_T, LENGTH_Y - EXT_T),
                                  is_closed=True, flags=ezdxf.const.BOUNDARY_PATH_OUTERMOST)
    for wall in rdc_walls(walls, False):
        msp.add_lwpolyline(wall_outline(wall), close=True, dxfattribs={"layer": "CLOISONS"})
    for name, outline in SPACES["RDC"]:
        msp.add_lwpolyline(outline, close=True, dxfattribs={"layer": "PIECES"})
        point, height = LABELS[name]
        msp.add_text(room_label(name, outline), height=height,
                     dxfattribs={"layer": "TEXTES"}).set_placement(
            point, align=TextEntityAlignment.MIDDLE_CENTER)
    for p1, p2, base, angle, _what in DIMENSIONS:
        dim = msp.add_linear_dim(base=base, p1=p1, p2=p2, angle=angle, dimstyle="COTES_M",
                                 dxfattribs={"layer": "COTES"})
        dim.render()
        # group 42, as CAD programs write it (ezdxf leaves it out)
        dim.dimension.dxf.actual_measurement = dim.dimension.get_measurement()
    for wall in rdc_walls(walls, True) + rdc_walls(walls, False):
        for op in wall["openings"]:
            point, rot = opening_insert(wall, op)
            layer = "PORTES" if op["cls"] == "IfcDoor" else "FENETRES"
            msp.add_blockref(op["block"], point, dxfattribs={"layer": layer, "rotation": rot})
    for block, (layer, places) in SYMBOLS.items():
        for x, y, rot in places:
            msp.add_blockref(block, (x, y), dxfattribs={"layer": layer, "rotation": rot})
    # ezdxf registers the CLASS entries of the entity types in use by iterating a set, whose
    # order depends on the string hash seed: register them first, in a fixed order.
    from ezdxf.sections.classes import REQ_R2004, REQUIRED_CLASSES

    doc.commit_pending_changes()
    for name in REQUIRED_CLASSES.get(doc.dxfversion, REQ_R2004):
        doc.classes.add_class(name)
    for name in sorted(doc.entitydb.dxf_types_in_use()):
        doc.classes.add_class(name)
    doc.saveas(path, encoding="utf-8")


def expected_dxf(walls):
    layers = {}

    def poly_layer(name, outlines):
        layers[name] = dict(
            entity_counts={"LWPOLYLINE": len(outlines)},
            polyline_count=len(outlines),
            polyline_length_m=r6(sum(polygon_perimeter(o) for o in outlines)),
            polyline_closed_area_m2=r6(sum(polygon_area(o) for o in outlines)),
        )

    ext = [wall_outline(wl) for wl in rdc_walls(walls, True)]
    poly_layer("MURS_EXT", ext)
    layers["MURS_EXT"]["entity_counts"]["HATCH"] = 1
    layers["MURS_EXT"]["hatch_area_m2"] = r6(
        LENGTH_X * LENGTH_Y - (LENGTH_X - 2 * EXT_T) * (LENGTH_Y - 2 * EXT_T))
    poly_layer("CLOISONS", [wall_outline(wl) for wl in rdc_walls(walls, False)])
    poly_layer("PIECES", [o for _n, o in SPACES["RDC"]])
    layers["PIECES"]["rooms"] = {n: dict(area_m2=r6(polygon_area(o)),
                                         perimeter_m=r6(polygon_perimeter(o)))
                                 for n, o in SPACES["RDC"]}
    layers["TEXTES"] = dict(entity_counts={"TEXT": len(SPACES["RDC"])})
    layers["COTES"] = dict(entity_counts={"DIMENSION": len(DIMENSIONS)})

    blocks = {}
    for wall in rdc_walls(walls, True) + rdc_walls(walls, False):
        for op in wall["openings"]:
            blocks[op["block"]] = blocks.get(op["block"], 0) + 1
    for block, (_layer, places) in SYMBOLS.items():
        blocks[block] = blocks.get(block, 0) + len(places)
    by_layer = {}
    for wall in rdc_walls(walls, True) + rdc_walls(walls, False):
        for op in wall["openings"]:
            layer = "PORTES" if op["cls"] == "IfcDoor" else "FENETRES"
            by_layer.setdefault(layer, {}).setdefault(op["block"], 0)
            by_layer[layer][op["block"]] += 1
    for block, (layer, places) in SYMBOLS.items():
        by_layer.setdefault(layer, {})[block] = len(places)
    for layer, counts in by_layer.items():
        layers[layer] = dict(entity_counts={"INSERT": sum(counts.values())},
                             blocks=dict(sorted(counts.items())))
    expanded = dict(blocks)
    for inner, n in KIT_CUISINE_CONTENT.items():
        expanded[inner] = expanded.get(inner, 0) + n * blocks["KIT_CUISINE"]
    return dict(
        file=DXF_NAME, dxf_version="AC1032 (R2018)", insunits=6, units_to_m=1.0,
        notes=("blocks: model-space INSERT counts; blocks_expanded: nested block references "
               "counted too (KIT_CUISINE holds 3 PRISE_16A and 1 EVIER). Layer lengths and "
               "areas are for model-space LWPOLYLINEs only (those layers hold no INSERT)."),
        layers=dict(sorted(layers.items())),
        blocks=dict(sorted(blocks.items())),
        blocks_expanded=dict(sorted(expanded.items())),
        kit_cuisine_content=KIT_CUISINE_CONTENT,
        texts=[room_label(n, o) for n, o in SPACES["RDC"]],
        dimensions=[dict(measurement_m=r6(((p2[0] - p1[0]) ** 2 + (p2[1] - p1[1]) ** 2)
                                           ** 0.5),
                         text=fr(((p2[0] - p1[0]) ** 2 + (p2[1] - p1[1]) ** 2) ** 0.5),
                         what=what)
                    for p1, p2, _b, _a, what in DIMENSIONS],
    )


# ---------------------------------------------------------------------------------------------
# README table
# ---------------------------------------------------------------------------------------------


def readme_tables(exp) -> str:
    ifc, dxf = exp["ifc"], exp["dxf"]
    out = ["<!-- generated by generate.py: do not edit between these markers -->", "",
           "### IFC, per class", "",
           "| class | count | net volume m3 | gross volume m3 | footprint m2 | "
           "one-face area, openings deducted m2 |",
           "| --- | ---: | ---: | ---: | ---: | ---: |"]

    def n(v, d=4):
        return "" if v is None else f"{v:.{d}f}".rstrip("0").rstrip(".")

    for cls, g in ifc["classes"].items():
        out.append(f"| {cls} | {g['count']} | {n(g.get('net_volume_m3'))} | "
                   f"{n(g.get('gross_volume_m3'))} | {n(g.get('footprint_area_m2'))} | "
                   f"{n(g.get('net_side_area_m2'))} |")
    out += ["", "### IFC, per type", "",
            "| type | class | count | net volume m3 | footprint m2 | area m2 (*) | length m |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for t, g in ifc["types"].items():
        area = g.get("net_side_area_m2", g.get("net_area_m2", g.get("area_m2")))
        out.append(f"| {t} | {g['class']} | {g['count']} | {n(g.get('net_volume_m3'))} | "
                   f"{n(g.get('footprint_area_m2'))} | {n(area)} | "
                   f"{n(g.get('length_m'))} |")
    out += ["", "(*) walls: one face, openings deducted (`net_side_area_m2`); slabs: "
            "`net_area_m2` (NetArea); doors and windows: width x height (`area_m2`)."]
    out += ["", "### IFC, per storey (walls)", "",
            "| storey | class | count | net volume m3 | gross side area m2 | "
            "net side area m2 |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    for s, classes in ifc["by_storey"].items():
        g = classes["IfcWall"]
        out.append(f"| {s} | IfcWall | {g['count']} | {n(g['net_volume_m3'])} | "
                   f"{n(g['gross_side_area_m2'])} | {n(g['net_side_area_m2'])} |")
    out += ["", "### IFC, per material", "", "| material | elements | net volume m3 |",
            "| --- | ---: | ---: |"]
    for m, g in ifc["materials"].items():
        out.append(f"| {m} | {g['count']} | {n(g['net_volume_m3'])} |")
    out += ["", "### Spaces (IfcSpace, height 2.50)", "",
            "| space | storey | NetFloorArea m2 | volume m3 |", "| --- | --- | ---: | ---: |"]
    for name, s in ifc["spaces"].items():
        out.append(f"| {name} | {s['storey']} | {n(s['net_floor_area_m2'])} | "
                   f"{n(s['net_volume_m3'])} |")
    out += ["", "### DXF, per layer (model space)", "",
            "| layer | entities | polyline length m | closed area m2 | hatch area m2 |",
            "| --- | --- | ---: | ---: | ---: |"]
    for layer, g in dxf["layers"].items():
        ents = ", ".join(f"{k} {v}" for k, v in g["entity_counts"].items())
        out.append(f"| {layer} | {ents} | {n(g.get('polyline_length_m'))} | "
                   f"{n(g.get('polyline_closed_area_m2'))} | {n(g.get('hatch_area_m2'))} |")
    out += ["", "### DXF, blocks", "", "| block | INSERTs in model space | expanded |",
            "| --- | ---: | ---: |"]
    for b, c in dxf["blocks"].items():
        out.append(f"| {b} | {c} | {dxf['blocks_expanded'][b]} |")
    out += ["", "Room labels (layer TEXTES): " +
            ", ".join(f"`{t}`" for t in dxf["texts"]) + ".", "",
            "Dimensions (layer COTES): " +
            ", ".join(f"{d['text']} ({d['what']})" for d in dxf["dimensions"]) + ".", "",
            "<!-- end of generated tables -->"]
    return "\n".join(out) + "\n"


def update_readme(exp):
    readme = HERE / "README.md"
    start, end = "<!-- generated by generate.py", "<!-- end of generated tables -->"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    tables = readme_tables(exp)
    if start in text and end in text:
        before = text[: text.index(start)]
        after = text[text.index(end) + len(end):].lstrip("\n")
        text = before + tables + ("\n" + after if after else "")
    else:
        text = text + ("\n" if text and not text.endswith("\n") else "") + tables
    readme.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------------


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ifc-only", action="store_true",
                    help="write the IFC and expected.json only (no ezdxf needed)")
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: here)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    walls, fillings = build_model()
    (args.out / IFC_NAME).write_bytes(write_ifc(walls, fillings).encode("ascii"))
    walls, fillings = build_model()  # fresh copy (the writer annotates the dicts)
    exp = dict(
        generator="datasets/sample_house/generate.py", format_version=1,
        units=dict(length="m", area="m2", volume="m3"),
        ifc=expected_ifc(walls, fillings),
        dxf=expected_dxf(walls),
    )
    text = json.dumps(exp, ensure_ascii=False, indent=2) + "\n"
    (args.out / EXPECTED_NAME).write_text(text, encoding="utf-8")
    if args.out == HERE:
        update_readme(exp)
    if not args.ifc_only:
        try:
            write_dxf(walls, args.out / DXF_NAME)
        except ImportError:
            sys.exit("ezdxf is needed for the DXF: see the top of this file "
                     "(or pass --ifc-only)")
    for name in (IFC_NAME, EXPECTED_NAME) + (() if args.ifc_only else (DXF_NAME,)):
        p = args.out / name
        print(f"{p}: {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
