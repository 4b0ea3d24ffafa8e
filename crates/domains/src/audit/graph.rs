//! The reference graph of an audit laid out for drawing (the console draws it as SVG; the
//! CLI writes DOT): the trusting names on the left, the names they trust on the right, one
//! edge per (from, target) with the ways (`ns`, `mx`, `spf`...) as its label, each target
//! marked with the worst finding about it.
//!
//! Pure geometry: no I/O, deterministic (names sorted), bounded (at most [`MAX_NODES`] per
//! column; what does not fit is counted in [`Graph::left_out`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::Reference;
use crate::findings::Severity;

/// Names drawn per column at most.
pub const MAX_NODES: usize = 200;
/// Height of one row.
const ROW: u32 = 24;
/// Width of a column's boxes.
const BOX: u32 = 300;
/// Space between the columns (where edge labels go).
const GAP: u32 = 220;
const PAD: u32 = 8;

/// A name in the drawing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    pub label: String,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    /// The text's baseline.
    pub text_x: u32,
    pub text_y: u32,
    /// `audited`, `target`, and for targets with a finding `sev-critical`, `sev-high`...
    pub class: String,
    /// The worst finding's code, when there is one.
    pub finding: Option<String>,
}

/// A trust edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    pub x1: u32,
    pub y1: u32,
    pub x2: u32,
    pub y2: u32,
    /// Where the label goes (the middle).
    pub label_x: u32,
    pub label_y: u32,
    /// The ways, comma-separated (`mx,spf`).
    pub label: String,
    pub class: String,
}

/// The whole drawing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Graph {
    pub width: u32,
    pub height: u32,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// References not drawn (more than [`MAX_NODES`] names in a column).
    pub left_out: usize,
}

/// A finding about a referenced name (its `reference`: the host or its registrable domain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark<'a> {
    pub reference: &'a str,
    pub severity: Severity,
    pub code: &'a str,
}

/// Whether `mark` is about `target` (the same name, or `target` is under it).
fn about(target: &str, mark: &str) -> bool {
    let (t, m) = (target.trim_end_matches('.'), mark.trim_end_matches('.'));
    t.eq_ignore_ascii_case(m)
        || (t.len() > m.len()
            && t.as_bytes()[t.len() - m.len() - 1] == b'.'
            && t[t.len() - m.len()..].eq_ignore_ascii_case(m))
}

/// Lays out `refs`, marking each target with the worst of `marks` about it.
pub fn layout(refs: &[Reference], marks: &[Mark<'_>]) -> Graph {
    let mut ways: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for r in refs {
        ways.entry((r.from.to_string(), r.target.to_string()))
            .or_default()
            .insert(r.via.to_string());
    }
    let froms: BTreeSet<&str> = ways.keys().map(|(f, _)| f.as_str()).collect();
    let targets: BTreeSet<&str> = ways.keys().map(|(_, t)| t.as_str()).collect();
    let row_of = |names: &BTreeSet<&str>| -> BTreeMap<String, u32> {
        names
            .iter()
            .take(MAX_NODES)
            .enumerate()
            .map(|(i, n)| (n.to_string(), i as u32))
            .collect()
    };
    let (from_rows, target_rows) = (row_of(&froms), row_of(&targets));
    let rows = from_rows.len().max(target_rows.len()) as u32;
    let right = PAD + BOX + GAP;
    let mut nodes = Vec::new();
    let node = |label: &str, x: u32, row: u32, class: String, finding: Option<String>| Node {
        label: label.to_string(),
        x,
        y: PAD + row * ROW,
        width: BOX,
        height: ROW - 4,
        text_x: x + 6,
        text_y: PAD + row * ROW + 14,
        class,
        finding,
    };
    for (name, row) in &from_rows {
        nodes.push(node(name, PAD, *row, "audited".into(), None));
    }
    let mut worst_of: BTreeMap<&str, (Severity, &str)> = BTreeMap::new();
    for t in target_rows.keys() {
        let worst = marks
            .iter()
            .filter(|m| about(t, m.reference))
            .max_by_key(|m| m.severity);
        if let Some(m) = worst {
            worst_of.insert(t.as_str(), (m.severity, m.code));
        }
    }
    for (name, row) in &target_rows {
        let (class, finding) = match worst_of.get(name.as_str()) {
            Some((s, code)) if *s >= Severity::Medium => {
                (format!("target sev-{}", s.as_str()), Some(code.to_string()))
            }
            _ => ("target".to_string(), None),
        };
        nodes.push(node(name, right, *row, class, finding));
    }
    let mut edges = Vec::new();
    let mut left_out = 0;
    for ((from, target), via) in &ways {
        let (Some(fr), Some(tr)) = (from_rows.get(from), target_rows.get(target)) else {
            left_out += 1;
            continue;
        };
        let (y1, y2) = (PAD + fr * ROW + ROW / 2 - 2, PAD + tr * ROW + ROW / 2 - 2);
        let class = match worst_of.get(target.as_str()) {
            Some((s, _)) if *s >= Severity::High => "edge bad",
            _ => "edge",
        };
        edges.push(Edge {
            x1: PAD + BOX,
            y1,
            x2: right,
            y2,
            label_x: PAD + BOX + GAP / 2,
            label_y: (y1 + y2) / 2 - 2,
            label: via.iter().cloned().collect::<Vec<_>>().join(","),
            class: class.into(),
        });
    }
    Graph {
        width: right + BOX + PAD,
        height: PAD * 2 + rows.max(1) * ROW,
        nodes,
        edges,
        left_out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DomainName;
    use crate::audit::Via;

    fn r(from: &str, via: Via, target: &str) -> Reference {
        Reference {
            from: DomainName::parse(from).unwrap(),
            via,
            target: DomainName::parse(target).unwrap(),
            detail: String::new(),
        }
    }

    #[test]
    fn edges_merge_ways_and_targets_carry_their_worst_finding() {
        let refs = vec![
            r("example.com", Via::Mx, "mx.mailhost.net"),
            r("example.com", Via::Spf, "mx.mailhost.net"),
            r("example.com", Via::Ns, "ns1.gone.org"),
            r("www.example.com", Via::Cname, "shop.cdn.net"),
        ];
        let marks = [
            Mark {
                reference: "gone.org",
                severity: Severity::Critical,
                code: "dangling-reference",
            },
            Mark {
                reference: "gone.org",
                severity: Severity::High,
                code: "lame-delegation",
            },
            // Not about cdn.net (a suffix match must be on a label boundary).
            Mark {
                reference: "n.net",
                severity: Severity::High,
                code: "x",
            },
        ];
        let g = layout(&refs, &marks);
        assert_eq!(g.edges.len(), 3);
        let mx = g.edges.iter().find(|e| e.label == "mx,spf").unwrap();
        assert_eq!(mx.class, "edge");
        let ns = g.nodes.iter().find(|n| n.label == "ns1.gone.org").unwrap();
        assert_eq!(ns.class, "target sev-critical");
        assert_eq!(ns.finding.as_deref(), Some("dangling-reference"));
        assert!(
            g.edges
                .iter()
                .any(|e| e.label == "ns" && e.class == "edge bad")
        );
        let cdn = g.nodes.iter().find(|n| n.label == "shop.cdn.net").unwrap();
        assert_eq!(cdn.class, "target");
        // Two trusting names on the left, three targets on the right, all inside the drawing.
        assert_eq!(g.nodes.iter().filter(|n| n.class == "audited").count(), 2);
        assert!(
            g.nodes
                .iter()
                .all(|n| n.x + n.width <= g.width && n.y + n.height <= g.height)
        );
        assert_eq!(g.left_out, 0);
    }

    #[test]
    fn big_graphs_are_bounded() {
        let refs: Vec<Reference> = (0..MAX_NODES + 50)
            .map(|i| r("example.com", Via::Cname, &format!("t{i}.example.net")))
            .collect();
        let g = layout(&refs, &[]);
        assert_eq!(g.nodes.len(), 1 + MAX_NODES);
        assert_eq!(g.left_out, 50);
        assert_eq!(layout(&[], &[]).nodes.len(), 0);
    }
}
