//! Scores a [`Record`] against a gold extraction file (`../shared/gold/extract/*.json`).
//!
//! - header: 12 fields (issuer, parent_issuer, doc_type, number, symbol, place, issue_date,
//!   title, signer authority/position/name, recipients) compared after collapsing white space;
//!   `null` = `null` counts as correct; recipients earn the F1 of their item sets.
//! - references (line, symbol), dates (line, iso), indicators (line, value): precision, recall
//!   and F1 over multisets of keys. An indicator's value is its `value`, else its `numerator`,
//!   else its `percent`.
//!
//! An example of use is the unit test `tests::the_module_example` (an internal module keeps
//! its example as a unit test: every doctest links the whole crate, model included).

use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

use crate::record::Record;

/// Counts for precision / recall.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prf {
    pub tp: usize,
    pub predicted: usize,
    pub gold: usize,
}

impl Prf {
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.predicted)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.gold)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    pub fn add(&mut self, o: &Prf) {
        self.tp += o.tp;
        self.predicted += o.predicted;
        self.gold += o.gold;
    }
    /// Multiset match of predicted and gold keys.
    pub fn of(predicted: &[String], gold: &[String]) -> Prf {
        Prf::diff(predicted, gold, &mut Vec::new(), "")
    }

    /// Like [`Prf::of`], listing the unmatched keys (`- gold` missed, `+ predicted` spurious).
    pub fn diff(predicted: &[String], gold: &[String], out: &mut Vec<String>, what: &str) -> Prf {
        let mut left: HashMap<&str, usize> = HashMap::new();
        for g in gold {
            *left.entry(g).or_default() += 1;
        }
        let mut tp = 0;
        for p in predicted {
            match left.get_mut(p.as_str()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    tp += 1;
                }
                _ => out.push(format!("{what} + {p}")),
            }
        }
        for g in gold {
            if let Some(n) = left.get_mut(g.as_str()) {
                if *n > 0 {
                    *n -= 1;
                    out.push(format!("{what} - {g}"));
                }
            }
        }
        Prf {
            tp,
            predicted: predicted.len(),
            gold: gold.len(),
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// The scores of one document (or a total).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DocScore {
    pub doc: String,
    /// Sum of per-field credit (0..=1 each).
    pub header_correct: f64,
    pub header_total: usize,
    /// Names of header fields that were wrong.
    pub header_misses: Vec<String>,
    /// Unmatched keys (`refs - 12\t13-NQ/TU` missed, `+` spurious), shown by `{:#}`.
    pub details: Vec<String>,
    pub references: Prf,
    pub dates: Prf,
    pub indicators: Prf,
}

impl DocScore {
    pub fn header_accuracy(&self) -> f64 {
        if self.header_total == 0 {
            1.0
        } else {
            self.header_correct / self.header_total as f64
        }
    }
}

/// Scores of several documents with their total.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub docs: Vec<DocScore>,
}

impl Report {
    /// Micro-averaged total over the documents.
    pub fn total(&self) -> DocScore {
        let mut t = DocScore {
            doc: "total".into(),
            ..DocScore::default()
        };
        for d in &self.docs {
            t.header_correct += d.header_correct;
            t.header_total += d.header_total;
            t.references.add(&d.references);
            t.dates.add(&d.dates);
            t.indicators.add(&d.indicators);
        }
        t
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<8} {:>7}  {:>20}  {:>20}  {:>20}",
            "doc", "header", "references P/R/F1", "dates P/R/F1", "indicators P/R/F1"
        )?;
        let prf = |p: &Prf| format!("{:.2}/{:.2}/{:.3}", p.precision(), p.recall(), p.f1());
        for d in self.docs.iter().chain(std::iter::once(&self.total())) {
            writeln!(
                f,
                "{:<8} {:>6.1}%  {:>20}  {:>20}  {:>20}",
                d.doc,
                100.0 * d.header_accuracy(),
                prf(&d.references),
                prf(&d.dates),
                prf(&d.indicators)
            )?;
            if !d.header_misses.is_empty() {
                writeln!(f, "         header misses: {}", d.header_misses.join(", "))?;
            }
            if f.alternate() {
                for line in &d.details {
                    writeln!(f, "         {}", line.replace('\t', " "))?;
                }
            }
        }
        Ok(())
    }
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn num_key(v: f64) -> String {
    format!("{}", (v * 100.0).round() / 100.0)
}

fn gold_num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

/// Scores `record` against one gold file's JSON.
pub fn score(record: &Record, gold: &Value) -> DocScore {
    let mut s = DocScore {
        doc: gold
            .get("doc")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string(),
        ..DocScore::default()
    };
    let gh = gold.get("header").cloned().unwrap_or(Value::Null);
    let h = &record.header;
    let fields: [(&str, Option<&String>, Option<&str>); 11] = [
        (
            "issuer",
            h.issuer.as_ref(),
            gh.get("issuer").and_then(Value::as_str),
        ),
        (
            "parent_issuer",
            h.parent_issuer.as_ref(),
            gh.get("parent_issuer").and_then(Value::as_str),
        ),
        (
            "doc_type",
            h.doc_type.as_ref(),
            gh.get("doc_type").and_then(Value::as_str),
        ),
        (
            "number",
            h.number.as_ref(),
            gh.get("number").and_then(Value::as_str),
        ),
        (
            "symbol",
            h.symbol.as_ref(),
            gh.get("symbol").and_then(Value::as_str),
        ),
        (
            "place",
            h.place.as_ref(),
            gh.get("place").and_then(Value::as_str),
        ),
        (
            "issue_date",
            h.issue_date.as_ref(),
            gh.get("issue_date").and_then(Value::as_str),
        ),
        (
            "title",
            h.title.as_ref(),
            gh.get("title").and_then(Value::as_str),
        ),
        (
            "signer.authority",
            h.signer.authority.as_ref(),
            gh.pointer("/signer/authority").and_then(Value::as_str),
        ),
        (
            "signer.position",
            h.signer.position.as_ref(),
            gh.pointer("/signer/position").and_then(Value::as_str),
        ),
        (
            "signer.name",
            h.signer.name.as_ref(),
            gh.pointer("/signer/name").and_then(Value::as_str),
        ),
    ];
    for (name, got, want) in fields {
        s.header_total += 1;
        if got.map(|g| norm(g)) == want.map(norm) {
            s.header_correct += 1.0;
        } else {
            s.header_misses
                .push(miss_text(name, got.map(String::as_str)));
        }
    }
    let gold_rec: Vec<String> = gh
        .get("recipients")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(norm).collect())
        .unwrap_or_default();
    let got_rec: Vec<String> = h.recipients.iter().map(|r| norm(r)).collect();
    s.header_total += 1;
    let rec = if gold_rec.is_empty() && got_rec.is_empty() {
        1.0
    } else {
        Prf::of(&got_rec, &gold_rec).f1()
    };
    s.header_correct += rec;
    if rec < 1.0 {
        s.header_misses.push(format!("recipients({rec:.2})"));
    }

    let arr = |k: &str| {
        gold.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let line = |v: &Value| v.get("line").and_then(Value::as_u64).unwrap_or(0);
    let gold_refs: Vec<String> = arr("references")
        .iter()
        .map(|r| {
            format!(
                "{}\t{}",
                line(r),
                r.get("symbol").and_then(Value::as_str).unwrap_or("")
            )
        })
        .collect();
    let refs: Vec<String> = record
        .references
        .iter()
        .map(|r| format!("{}\t{}", r.span.line, r.symbol))
        .collect();
    s.references = Prf::diff(&refs, &gold_refs, &mut s.details, "refs");
    let gold_dates: Vec<String> = arr("dates")
        .iter()
        .map(|d| {
            format!(
                "{}\t{}",
                line(d),
                d.get("iso").and_then(Value::as_str).unwrap_or("")
            )
        })
        .collect();
    let dates: Vec<String> = record
        .dates
        .iter()
        .map(|d| format!("{}\t{}", d.span.line, d.iso))
        .collect();
    s.dates = Prf::diff(&dates, &gold_dates, &mut s.details, "dates");
    let gold_inds: Vec<String> = arr("indicators")
        .iter()
        .map(|i| {
            let v = gold_num(i, "value")
                .or_else(|| gold_num(i, "numerator"))
                .or_else(|| gold_num(i, "percent"));
            format!("{}\t{}", line(i), v.map_or("-".into(), num_key))
        })
        .collect();
    let inds: Vec<String> = record
        .indicators
        .iter()
        .map(|i| {
            let v = i
                .value
                .as_ref()
                .or(i.numerator.as_ref())
                .or(i.percent.as_ref())
                .and_then(|n| n.as_f64());
            format!("{}\t{}", i.span.line, v.map_or("-".into(), num_key))
        })
        .collect();
    s.indicators = Prf::diff(&inds, &gold_inds, &mut s.details, "inds");
    s
}

/// One header miss as a reader sees it: `field=value`, or `field=(none)`
/// when nothing was extracted, so `--details` shows plain text rather
/// than Rust's `Some("…")` debug form.
fn miss_text(name: &str, got: Option<&str>) -> String {
    match got {
        Some(v) => format!("{name}={v}"),
        None => format!("{name}=(none)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The module documentation's example of use.
    #[test]
    fn the_module_example() {
        use crate::extract::eval::{score, Report};
        let record = crate::record::Record::default();
        let gold = serde_json::json!({"doc": "001", "header": {}, "references": [], "dates": [], "indicators": []});
        let mut report = Report::default();
        report.docs.push(score(&record, &gold));
        println!("{report}");
    }

    #[test]
    fn miss_text_prints_plain_values() {
        let cases = [
            (
                "title",
                Some("Báo cáo tình hình"),
                "title=Báo cáo tình hình",
            ),
            ("signer.name", None, "signer.name=(none)"),
        ];
        for (name, got, want) in cases {
            assert_eq!(miss_text(name, got), want);
        }
    }

    #[test]
    fn prf_multiset() {
        let p = Prf::of(
            &["a".into(), "a".into(), "b".into()],
            &["a".into(), "c".into()],
        );
        assert_eq!((p.tp, p.predicted, p.gold), (1, 3, 2));
        assert!((p.f1() - 0.4).abs() < 1e-9);
    }
}
