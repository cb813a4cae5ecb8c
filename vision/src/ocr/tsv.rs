//! Words out of Tesseract's TSV output.
//!
//! The `tesseract` crate has no result iterator; its TSV has one row per page, block,
//! paragraph, line and word, with the box and confidence of each. Only word rows (level 5)
//! with a real confidence and some text are kept.

/// One word as Tesseract reports it, in the pixels of the image it was given.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TsvWord {
    pub text: String,
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
    /// 0..100, as Tesseract gives it.
    pub conf: f32,
}

/// Parses TSV rows `level page block par line word left top width height conf text`.
/// Malformed rows are skipped rather than failing the page: one odd row must not lose
/// every other word.
pub(crate) fn parse_words(tsv: &str) -> Vec<TsvWord> {
    tsv.lines()
        .filter_map(|line| {
            let cols: Vec<&str> = line.splitn(12, '\t').collect();
            if cols.len() < 12 || cols[0] != "5" {
                return None;
            }
            let num = |i: usize| cols[i].trim().parse::<u32>().ok();
            let conf: f32 = cols[10].trim().parse().ok()?;
            let text = cols[11].trim();
            if text.is_empty() || !(0.0..=100.0).contains(&conf) {
                return None;
            }
            Some(TsvWord {
                text: text.to_owned(),
                left: num(6)?,
                top: num(7)?,
                width: num(8)?,
                height: num(9)?,
                conf,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_word_rows_only() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t800\t600\t-1\t\n\
                   4\t1\t1\t1\t1\t0\t10\t20\t300\t40\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t10\t20\t120\t40\t96.52\tSéjour\n\
                   5\t1\t1\t1\t1\t2\t140\t20\t90\t40\t91\t25,40\n\
                   5\t1\t1\t1\t1\t3\t240\t20\t30\t40\t-1\t \n\
                   5\t1\t1\t1\t1\t4\tx\t20\t30\t40\t50\tbad\n";
        let words = parse_words(tsv);
        assert_eq!(words.len(), 2);
        assert_eq!(words[0].text, "Séjour");
        assert_eq!((words[0].left, words[0].width), (10, 120));
        assert!((words[0].conf - 96.52).abs() < 1e-3);
        assert_eq!(words[1].text, "25,40");
    }
}
