#!/usr/bin/env python3
"""Check maison.ifc and maison-rdc.dxf against expected.json with IfcOpenShell and ezdxf.

    /work/venv-data/bin/pip install 'ifcopenshell==0.9.0.post1' 'ezdxf==1.4.5'
    /work/venv-data/bin/python datasets/sample_house/validate.py

Exits non-zero on any failure. Volumes and footprints must match within 0.5 %.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOL = 0.005
failures: list[str] = []


def check(cond: bool, what: str) -> None:
    if not cond:
        failures.append(what)
        print("FAIL", what)


def close(a: float, b: float, tol: float = TOL) -> bool:
    return abs(a - b) <= tol * max(abs(b), 1e-9) + 1e-9


def validate_ifc(exp: dict) -> None:
    import ifcopenshell
    import ifcopenshell.geom
    import ifcopenshell.util.element
    import ifcopenshell.util.shape
    import ifcopenshell.validate

    f = ifcopenshell.open(str(HERE / exp["file"]))
    check(f.schema == "IFC4", f"schema {f.schema}")

    # schema validation (types, cardinalities, where rules that the library checks)
    logger = ifcopenshell.validate.json_logger()
    ifcopenshell.validate.validate(f, logger, express_rules=False)
    for s in logger.statements:
        print("  schema:", s.get("message", s))
    check(not logger.statements, f"{len(logger.statements)} schema validation issues")

    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", True)
    measured: dict[tuple, dict] = {}
    n_shapes = 0
    for el in f.by_type("IfcProduct"):
        if not el.Representation:
            continue
        try:
            shape = ifcopenshell.geom.create_shape(settings, el)
        except Exception as e:  # noqa: BLE001
            check(False, f"geometry of #{el.id()} {el.is_a()} {el.Name}: {e}")
            continue
        n_shapes += 1
        g = shape.geometry
        storey = ifcopenshell.util.element.get_container(el)
        if storey is None and el.is_a("IfcSpace"):
            storey = ifcopenshell.util.element.get_aggregate(el)
        key = (el.is_a(), el.Name, storey.Name if storey else None)
        check(key not in measured or el.is_a("IfcOpeningElement"), f"duplicate {key}")
        verts = ifcopenshell.util.shape.get_vertices(g)
        measured[key] = dict(volume=ifcopenshell.util.shape.get_volume(g),
                             bbox=[float(v) for v in list(verts.min(axis=0)) +
                                   list(verts.max(axis=0))],
                             footprint=ifcopenshell.util.shape.get_footprint_area(g))
    print(f"IFC: {n_shapes} products with geometry built by ifcopenshell.geom")

    per_class_vol: dict[str, float] = {}
    per_class_fp: dict[str, float] = {}
    worst = 0.0
    for e in exp["elements"]:
        key = (e["class"], e["name"], e["storey"])
        m = measured.get(key)
        check(m is not None, f"no geometry for {key}")
        if m is None:
            continue
        check(close(m["volume"], e["net_volume_m3"]),
              f"volume {key}: ifcopenshell {m['volume']:.6f} expected {e['net_volume_m3']}")
        check(close(m["footprint"], e["footprint_area_m2"]),
              f"footprint {key}: ifcopenshell {m['footprint']:.6f} "
              f"expected {e['footprint_area_m2']}")
        check(all(abs(a - b) < 1e-4 for a, b in zip(m["bbox"], e["bbox"])),
              f"bbox {key}: ifcopenshell {[round(v, 4) for v in m['bbox']]} "
              f"expected {e['bbox']}")
        worst = max(worst, abs(m["volume"] - e["net_volume_m3"]) / e["net_volume_m3"])
        per_class_vol[e["class"]] = per_class_vol.get(e["class"], 0) + m["volume"]
        per_class_fp[e["class"]] = per_class_fp.get(e["class"], 0) + m["footprint"]
    for cls, g in exp["classes"].items():
        n = len(f.by_type(cls, include_subtypes=False))
        check(n == g["count"], f"count {cls}: {n} expected {g['count']}")
        check(close(per_class_vol.get(cls, 0), g["net_volume_m3"]),
              f"class volume {cls}: {per_class_vol.get(cls, 0)} expected {g['net_volume_m3']}")
        print(f"  {cls:10s} n={n:3d} volume {per_class_vol.get(cls, 0):10.4f} "
              f"(expected {g['net_volume_m3']:.4f})  footprint "
              f"{per_class_fp.get(cls, 0):9.4f} (expected {g['footprint_area_m2']:.4f})")
    print(f"  worst per-element relative volume deviation: {worst:.2e}")
    n_open = len(f.by_type("IfcOpeningElement"))
    check(n_open == exp["openings"]["count"], f"openings {n_open}")

    # names, types, materials, quantity sets
    names = {s.Name: s for s in f.by_type("IfcSpace")}
    for name, s in exp["spaces"].items():
        check(name in names, f"space {name}")
        if name in names:
            q = ifcopenshell.util.element.get_psets(names[name])["Qto_SpaceBaseQuantities"]
            check(close(q["NetFloorArea"], s["net_floor_area_m2"], 1e-9), f"NetFloorArea {name}")
    for tname, g in exp["types"].items():
        ts = [t for t in f.by_type("IfcTypeObject") if t.Name == tname]
        check(len(ts) == 1, f"type {tname}")
        if ts:
            occ = ifcopenshell.util.element.get_types(ts[0])
            check(len(occ) == g["count"], f"type {tname}: {len(occ)} occurrences")
    for w in f.by_type("IfcWall"):
        ps = ifcopenshell.util.element.get_psets(w)
        q = ps["Qto_WallBaseQuantities"]
        ext = ps["Pset_WallCommon"]["IsExternal"]
        t = ifcopenshell.util.element.get_type(w).Name
        check(ext == (t == "Mur ext. parpaing 20"), f"IsExternal {w.Name}")
        check(close(q["NetVolume"], measured[(w.is_a(), w.Name,
                                              ifcopenshell.util.element.get_container(w).Name)]
                    ["volume"]), f"Qto NetVolume vs geometry {w.Name}")
        mat = ifcopenshell.util.element.get_material(w)
        check(mat.is_a("IfcMaterialLayerSetUsage"), f"material usage {w.Name}")
    storeys = {s.Name: s.Elevation for s in f.by_type("IfcBuildingStorey")}
    check(storeys == {"RDC": 0.0, "R+1": 2.8}, f"storeys {storeys}")


def validate_dxf(exp: dict) -> None:
    import ezdxf
    from ezdxf.math import area as poly_area

    doc = ezdxf.readfile(str(HERE / exp["file"]))
    auditor = doc.audit()
    for err in auditor.errors:
        print("  audit error:", err)
    check(not auditor.has_errors, f"ezdxf audit: {len(auditor.errors)} errors")
    print(f"DXF: {doc.dxfversion}, audit errors {len(auditor.errors)}, "
          f"fixes {len(auditor.fixes)}")
    check(doc.header["$INSUNITS"] == 6, "INSUNITS")
    msp = doc.modelspace()

    blocks: dict[str, int] = {}
    for ins in msp.query("INSERT"):
        blocks[ins.dxf.name] = blocks.get(ins.dxf.name, 0) + 1
    check(blocks == exp["blocks"], f"blocks {blocks}")
    expanded: dict[str, int] = {}

    def walk(entities):
        for e in entities:
            if e.dxftype() == "INSERT":
                expanded[e.dxf.name] = expanded.get(e.dxf.name, 0) + 1
                walk(doc.blocks.get(e.dxf.name))

    walk(msp)
    check(expanded == exp["blocks_expanded"], f"blocks expanded {expanded}")
    print(f"  blocks {sum(blocks.values())} INSERTs, expanded {sum(expanded.values())}: match "
          f"{blocks == exp['blocks'] and expanded == exp['blocks_expanded']}")

    for layer, g in exp["layers"].items():
        ents = msp.query(f'*[layer=="{layer}"]')
        counts: dict[str, int] = {}
        for e in ents:
            counts[e.dxftype()] = counts.get(e.dxftype(), 0) + 1
        check(counts == g["entity_counts"], f"layer {layer} counts {counts}")
        if "polyline_length_m" in g:
            length = area = 0.0
            for p in ents.query("LWPOLYLINE"):
                pts = [(x, y) for x, y in p.vertices()]
                length += sum(math.dist(a, b) for a, b in zip(pts, pts[1:] + pts[:1]))
                area += poly_area(pts)
            check(close(length, g["polyline_length_m"], 1e-6), f"{layer} length {length}")
            check(close(area, g["polyline_closed_area_m2"], 1e-6), f"{layer} area {area}")
            print(f"  {layer:9s} length {length:8.4f} area {area:8.4f}")
        if "hatch_area_m2" in g:
            ha = 0.0
            for h in ents.query("HATCH"):
                for path in h.paths:
                    pts = [(v[0], v[1]) for v in path.vertices]
                    a = poly_area(pts)
                    ha += a if path.path_type_flags & 1 else -a
            check(close(ha, g["hatch_area_m2"], 1e-6), f"hatch area {ha}")
            print(f"  {layer:9s} hatch area {ha:.4f}")
    texts = [t.dxf.text for t in msp.query('TEXT[layer=="TEXTES"]')]
    check(texts == exp["texts"], f"texts {texts}")
    dims = [round(d.get_measurement(), 6) for d in msp.query("DIMENSION")]
    check(dims == [d["measurement_m"] for d in exp["dimensions"]], f"dimensions {dims}")
    print(f"  texts {texts}\n  dimensions {dims}")


def main() -> int:
    exp = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
    validate_ifc(exp["ifc"])
    validate_dxf(exp["dxf"])
    print("OK" if not failures else f"{len(failures)} FAILURES")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
