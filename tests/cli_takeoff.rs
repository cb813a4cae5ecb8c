//! `chantier takeoff` as a user runs it: formats, several files, exit codes.

use std::process::Command;

fn chantier(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_chantier"))
        .args(args)
        .output()
        .unwrap()
}

fn write_temp(dir: &tempfile::TempDir, name: &str, content: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, content).unwrap();
    p.to_string_lossy().into_owned()
}

/// A one-wall IFC4 model written here: a 4 m x 0.2 m x 3 m extruded wall with a 1 m x 1 m
/// opening through it.
const WALL: &str = "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\nFILE_NAME('w.ifc','',(''),(''),'','','');\nFILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n\
#1=IFCSIUNIT(*,.LENGTHUNIT.,$,.METRE.);\n#2=IFCUNITASSIGNMENT((#1));\n\
#10=IFCCARTESIANPOINT((0.,0.,0.));\n#11=IFCAXIS2PLACEMENT3D(#10,$,$);\n#12=IFCLOCALPLACEMENT($,#11);\n\
#20=IFCCARTESIANPOINT((2.,0.1));\n#21=IFCAXIS2PLACEMENT2D(#20,$);\n#22=IFCRECTANGLEPROFILEDEF(.AREA.,$,#21,4.,0.2);\n\
#23=IFCDIRECTION((0.,0.,1.));\n#24=IFCEXTRUDEDAREASOLID(#22,#11,#23,3.);\n#25=IFCSHAPEREPRESENTATION($,'Body','SweptSolid',(#24));\n\
#26=IFCPRODUCTDEFINITIONSHAPE($,$,(#25));\n#30=IFCWALL('0wall000000000000000001',$,'Wall',$,$,#12,#26,$,$);\n\
#40=IFCCARTESIANPOINT((1.5,0.1));\n#41=IFCAXIS2PLACEMENT2D(#40,$);\n#42=IFCRECTANGLEPROFILEDEF(.AREA.,$,#41,1.,1.);\n\
#43=IFCCARTESIANPOINT((0.,-1.,1.));\n#44=IFCAXIS2PLACEMENT3D(#43,$,$);\n#45=IFCEXTRUDEDAREASOLID(#42,#11,#23,1.);\n\
#46=IFCCARTESIANPOINT((0.,0.,1.));\n#47=IFCAXIS2PLACEMENT3D(#46,$,$);\n#48=IFCLOCALPLACEMENT(#12,#47);\n\
#49=IFCSHAPEREPRESENTATION($,'Body','SweptSolid',(#45));\n#50=IFCPRODUCTDEFINITIONSHAPE($,$,(#49));\n\
#51=IFCOPENINGELEMENT('0open000000000000000001',$,'Hole',$,$,#48,#50,$,$);\n\
#52=IFCRELVOIDSELEMENT('0rel0000000000000000001',$,$,$,#30,#51);\nENDSEC;\nEND-ISO-10303-21;\n";

#[test]
fn json_output_has_net_and_gross_volumes() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_temp(&dir, "wall.ifc", WALL);
    let out = chantier(&["takeoff", "--format", "json", &f]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "ifc");
    assert_eq!(v["schema"], "IFC4");
    let wall = &v["classes"]["IfcWall"];
    assert_eq!(wall["count"], 1);
    let gross = wall["gross_volume_m3"].as_f64().unwrap();
    let net = wall["volume_m3"].as_f64().unwrap();
    assert!((gross - 2.4).abs() < 1e-6, "gross {gross}");
    // The 1 m x 1 m opening, deeper than the wall, removes 0.2 m3.
    assert!((net - 2.2).abs() < 1e-6, "net {net}");
    assert!((wall["footprint_area_m2"].as_f64().unwrap() - 0.8).abs() < 1e-6);
    assert!((wall["length_m"].as_f64().unwrap() - 4.0).abs() < 1e-9);
}

#[test]
fn csv_and_table_formats_and_failure_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_temp(&dir, "wall.ifc", WALL);
    let bad = write_temp(&dir, "broken.ifc", &WALL[..WALL.len() / 2]);
    let out = chantier(&["takeoff", "--format", "csv", &good]);
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .starts_with("file,format,group,name,count")
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("wall.ifc,ifc,class,IfcWall,1,1,2.200000,2.400000")),
        "{csv}"
    );

    let out = chantier(&["takeoff", &good, &bad]);
    assert!(
        !out.status.success(),
        "a failed file makes the exit code non-zero"
    );
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("IfcWall"),
        "the good file is still reported: {table}"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("broken.ifc") && err.contains("line"), "{err}");
}
