//! Vietnamese numbers: `.` groups thousands (`26.082` = 26082), `,` is the decimal mark
//! (`91,15` = 91.15); OCR or English-style `6.76%` (one or two digits after a dot) is a decimal;
//! scale words (`nghìn`, `triệu`, `tỷ`) multiply money.

use serde_json::Number;

/// Parses a number as printed. `percent` says a `%` follows, which makes `6.76` a decimal.
pub fn parse(s: &str, percent: bool) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() || !s.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let dots = s.matches('.').count();
    let commas = s.matches(',').count();
    let plain: String = if commas == 1 && dots == 0 {
        s.replace(',', ".")
    } else if commas == 0 && dots == 1 {
        let frac = s.split('.').nth(1).unwrap_or("");
        if frac.len() == 3 && !percent {
            s.replace('.', "")
        } else {
            s.to_string()
        }
    } else if commas == 0 {
        // 22.261.000: every group after the first must have three digits.
        let groups: Vec<&str> = s.split('.').collect();
        if groups[1..].iter().any(|g| g.len() != 3) {
            return None;
        }
        groups.concat()
    } else if commas == 1 && dots >= 1 {
        let (int, frac) = s.split_once(',')?;
        let groups: Vec<&str> = int.split('.').collect();
        if groups[1..].iter().any(|g| g.len() != 3) {
            return None;
        }
        format!("{}.{}", groups.concat(), frac)
    } else {
        return None;
    };
    plain.parse().ok()
}

/// The multiplier of a scale word before `đồng` (folded, lower-case).
pub fn scale(word: &str) -> Option<f64> {
    match word {
        "nghin" | "ngan" => Some(1e3),
        "trieu" => Some(1e6),
        "ty" | "ti" => Some(1e9),
        _ => None,
    }
}

/// A JSON number: an integer when the value is whole.
pub fn json(v: f64) -> Option<Number> {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Some(Number::from(v as i64))
    } else {
        Number::from_f64((v * 10_000.0).round() / 10_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! t {
        ($($input:expr, $pct:expr => $want:expr),* $(,)?) => {
            $( assert_eq!(parse($input, $pct), $want, "input {:?}", $input); )*
        };
    }

    #[test]
    fn table() {
        t! {
            "26.082", false => Some(26082.0),
            "22.261.000", false => Some(22261000.0),
            "91,15", true => Some(91.15),
            "91,15", false => Some(91.15),
            "6.76", true => Some(6.76),
            "60,9", true => Some(60.9),
            "1.234,5", false => Some(1234.5),
            "03", false => Some(3.0),
            "100", true => Some(100.0),
            "1.2.3", false => None,
            "", false => None,
        }
    }

    #[test]
    fn scale_and_json() {
        assert_eq!(
            parse("18.315", false).unwrap() * scale("trieu").unwrap(),
            18_315_000_000.0
        );
        assert_eq!(json(887.0).unwrap().to_string(), "887");
        assert_eq!(json(6.76).unwrap().to_string(), "6.76");
    }
}
