//! Tables (room schedules, finish legends) and the title block. Both are read as text
//! laid out in rows and columns, whether or not the rows are ruled: CAD legends often rule
//! only the frame, so the layout of the text is what holds.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::page::{BBox, TextRun};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub title: String,
    pub bbox: BBox,
    /// Cell texts, row by row, in reading order; a row has as many cells as it has texts
    /// separated by column gaps.
    pub rows: Vec<Vec<String>>,
}

static TABLE_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(tableau|l[ée]gende|legend|schedule|nomenclature|abbreviations|abr[ée]viations|surfaces)\b")
        .unwrap()
});

/// Tables introduced by a title ("TABLEAU DES SURFACES", "ROOM FINISH LEGEND", "ROOM
/// FINISH SCHEDULE"): the upright runs below it, until a gap of several lines.
pub fn find_tables(texts: &[TextRun]) -> Vec<Table> {
    let upright: Vec<&TextRun> = texts.iter().filter(|r| r.angle_deg.abs() < 2.0).collect();
    let mut out: Vec<Table> = Vec::new();
    for title in &upright {
        // A title is short and is not a sentence of the notes.
        if !TABLE_TITLE.is_match(&title.text) || title.text.len() > 50 || title.text.ends_with('.')
        {
            continue;
        }
        if out.iter().any(|t| t.bbox.contains(title.bbox.centre())) {
            continue;
        }
        let size = title.size_mm.max(0.5);
        // Columns may start left of a centred title; a table is at most a page wide.
        let (left, right) = (title.bbox.x0 - 12.0 * size, title.bbox.x1 + 40.0 * size);
        let mut below: Vec<&TextRun> = upright
            .iter()
            .copied()
            .filter(|r| {
                r.bbox.y0 >= title.bbox.y1 - 0.2 * size
                    && r.bbox.x0 >= left
                    && r.bbox.x1 <= right
                    && !std::ptr::eq(*r, *title)
            })
            .collect();
        below.sort_by(|a, b| a.bbox.y0.total_cmp(&b.bbox.y0));
        let mut members: Vec<&TextRun> = Vec::new();
        let mut bottom = title.bbox.y1;
        for r in below {
            if r.bbox.y0 - bottom > 2.5 * size {
                break;
            }
            // The next table's title ends this one.
            if TABLE_TITLE.is_match(&r.text) && members.len() > 2 {
                break;
            }
            // Stay in the columns already seen once the table has a few rows.
            bottom = bottom.max(r.bbox.y1);
            members.push(r);
        }
        if members.len() < 2 {
            continue;
        }
        // Trim members far right or left of the bulk (neighbouring notes).
        let x0 = members
            .iter()
            .map(|r| r.bbox.x0)
            .fold(f64::INFINITY, f64::min);
        let x1 = members
            .iter()
            .map(|r| r.bbox.x1)
            .fold(f64::NEG_INFINITY, f64::max);
        let mut bbox = BBox {
            x0: x0.min(title.bbox.x0),
            y0: title.bbox.y0,
            x1: x1.max(title.bbox.x1),
            y1: bottom,
        };
        bbox = bbox.grow(0.5 * size);
        let rows = rows_of(&members);
        let mut title_text = title.text.clone();
        // A title on two lines ("ROOM FINISH LEGEND &" / "ABBREVIATIONS").
        let mut body = rows;
        if let Some(first) = body.first()
            && first.len() == 1
            && (title_text.ends_with('&') || TABLE_TITLE.is_match(&first[0]))
            && first[0].chars().all(|c| !c.is_ascii_digit())
        {
            title_text = format!("{} {}", title_text, first[0]);
            body.remove(0);
        }
        out.push(Table {
            title: title_text,
            bbox,
            rows: body,
        });
    }
    out
}

/// Groups runs into rows by baseline, cells left to right.
pub fn rows_of(runs: &[&TextRun]) -> Vec<Vec<String>> {
    let mut sorted: Vec<&TextRun> = runs.to_vec();
    sorted.sort_by(|a, b| a.origin.y.total_cmp(&b.origin.y));
    let mut rows: Vec<Vec<&TextRun>> = Vec::new();
    for r in sorted {
        match rows.last_mut() {
            Some(row) if (row[0].origin.y - r.origin.y).abs() < 0.4 * row[0].size_mm => row.push(r),
            _ => rows.push(vec![r]),
        }
    }
    rows.into_iter()
        .map(|mut row| {
            row.sort_by(|a, b| a.bbox.x0.total_cmp(&b.bbox.x0));
            row.into_iter().map(|r| r.text.clone()).collect()
        })
        .collect()
}

/// Title block fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TitleBlock {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drawing: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbox: Option<BBox>,
}

static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    // French keys as OCR may leave them (the colon lost), others only with their colon:
    // "Project Number" and "NO WORK THIS AREA" are not fields.
    Regex::new(r"(?i)^\s*(?:(projet|plan|[ée]chelle|ech\.)\s*:?\s+|(project|titre|title|n°|no\.?|num[ée]ro|sheet|feuille|planche|date|scale)\s*:\s*)(.+?)\s*$")
        .unwrap()
});

pub fn title_block(texts: &[TextRun]) -> TitleBlock {
    let mut tb = TitleBlock::default();
    let mut boxes: Vec<BBox> = Vec::new();
    for r in texts {
        let Some(c) = FIELD.captures(&r.text) else {
            continue;
        };
        let Some(key) = c.get(1).or(c.get(2)).map(|m| m.as_str().to_lowercase()) else {
            continue;
        };
        let value = c[3].to_string();
        let slot = match key.as_str() {
            "projet" | "project" => &mut tb.project,
            "plan" | "titre" | "title" => &mut tb.drawing,
            "n°" | "no" | "no." | "numéro" | "numero" | "sheet" | "feuille" | "planche" => {
                &mut tb.number
            }
            "date" => &mut tb.date,
            _ => &mut tb.scale,
        };
        if slot.is_none() {
            *slot = Some(value);
            boxes.push(r.bbox.grow(r.size_mm));
        }
    }
    if boxes.len() >= 2 {
        tb.bbox = boxes.into_iter().reduce(BBox::union);
    }
    tb
}
