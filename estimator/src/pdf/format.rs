//! Numbers and dates as a French or English reader expects them on a devis.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::RoundingStrategy;

/// Narrow no-break space: the French thousands separator (typographic rule, and what
/// spreadsheets and accounting software print).
pub(crate) const THOUSANDS_FR: char = '\u{202f}';
/// No-break space between a number and its unit, so "1 234,56 €" never wraps before "€".
pub(crate) const NBSP: char = '\u{a0}';

/// Groups the integer digits by three with `sep`.
fn group(digits: &str, sep: char) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    let n = digits.len();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// `d` with exactly `decimals` decimals, grouped thousands, French or English separators;
/// no sign handling beyond a leading minus.
pub(crate) fn number(d: Decimal, decimals: u32, english: bool) -> String {
    let r = d.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
    let negative = r.is_sign_negative() && !r.is_zero();
    let text = format!("{:.*}", decimals as usize, r.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let (sep, point) = if english {
        (',', '.')
    } else {
        (THOUSANDS_FR, ',')
    };
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&group(int, sep));
    if let Some(f) = frac {
        out.push(point);
        out.push_str(f);
    }
    out
}

/// "1 234,56 €" in French, "€1,234.56" in English.
pub(crate) fn money(d: Decimal, english: bool) -> String {
    let n = number(d, 2, english);
    if english {
        match n.strip_prefix('-') {
            Some(abs) => format!("-€{abs}"),
            None => format!("€{n}"),
        }
    } else {
        format!("{n}{NBSP}€")
    }
}

/// A quantity with `decimals` decimals ("1 234,50" / "1,234.50").
pub(crate) fn quantity(d: Decimal, decimals: u32, english: bool) -> String {
    number(d, decimals, english)
}

/// A rate given as a fraction: 0.2 gives "20 %" (French) or "20%" (English), 0.055 gives
/// "5,5 %" or "5.5%".
pub(crate) fn rate(r: Decimal, english: bool) -> String {
    let pct = (r * Decimal::ONE_HUNDRED).normalize();
    if english {
        format!("{pct}%")
    } else {
        format!("{}{NBSP}%", pct.to_string().replace('.', ","))
    }
}

/// "12/03/2026" in French, "12 March 2026" in English (as in the rendered clauses).
pub(crate) fn date(d: NaiveDate, english: bool) -> String {
    if english {
        d.format("%-d %B %Y").to_string()
    } else {
        d.format("%d/%m/%Y").to_string()
    }
}

/// A SIRET as printed: "123 456 782 00010" (SIREN, then NIC); left as given otherwise.
pub(crate) fn siret(s: &str) -> String {
    let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 14 && digits.chars().all(|c| c.is_ascii_digit()) {
        format!(
            "{} {} {} {}",
            &digits[..3],
            &digits[3..6],
            &digits[6..9],
            &digits[9..]
        )
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn money_in_french_and_english() {
        assert_eq!(money(dec("1234.56"), false), "1\u{202f}234,56\u{a0}€");
        assert_eq!(money(dec("1234.56"), true), "€1,234.56");
        assert_eq!(money(dec("0"), false), "0,00\u{a0}€");
        assert_eq!(money(dec("12"), true), "€12.00");
        assert_eq!(money(dec("999.995"), false), "1\u{202f}000,00\u{a0}€");
        assert_eq!(money(dec("1234567.8"), true), "€1,234,567.80");
        assert_eq!(money(dec("-1234.5"), false), "-1\u{202f}234,50\u{a0}€");
        assert_eq!(money(dec("-1234.5"), true), "-€1,234.50");
        assert_eq!(money(dec("-0.001"), false), "0,00\u{a0}€");
    }

    #[test]
    fn quantities_rates_and_dates() {
        assert_eq!(quantity(dec("12.5"), 2, false), "12,50");
        assert_eq!(quantity(dec("1234"), 2, true), "1,234.00");
        assert_eq!(rate(dec("0.20"), false), "20\u{a0}%");
        assert_eq!(rate(dec("0.055"), false), "5,5\u{a0}%");
        assert_eq!(rate(dec("0.055"), true), "5.5%");
        assert_eq!(rate(dec("0.1"), true), "10%");
        let d = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        assert_eq!(date(d, false), "05/03/2026");
        assert_eq!(date(d, true), "5 March 2026");
        assert_eq!(siret("12345678200010"), "123 456 782 00010");
        assert_eq!(siret("n/a"), "n/a");
    }
}
