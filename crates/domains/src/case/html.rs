//! `report ... --format html`: one self-contained HTML page per report (no scripts, no external
//! resources) with the report's table and an inline SVG chart.
//!
//! Pure: data in, a `String` out. The page is rendered by minijinja templates embedded in the
//! binary (`templates/*.html`, auto-escaped because their names end in `.html`); the chart's
//! geometry is computed here as numbers, and every string from the store (brands, registrars,
//! domains) reaches the page only through the templates' escaping.

use std::collections::BTreeMap;

use minijinja::Environment;
use serde::Serialize;

use super::CaseState;
use super::stats::{Dim, MitigationRow, PhishingRow};

/// Why a page could not be rendered.
#[derive(Debug, thiserror::Error)]
#[error("html report: {0}")]
pub struct HtmlError(#[from] minijinja::Error);

/// The page's title and subtitle (period, generation time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Meta {
    pub title: String,
    pub subtitle: String,
}

/// How many TLDs get their own colour in the phishing chart (the rest are `other`).
pub const TOP_TLDS: usize = 5;

#[derive(Debug, Clone, Serialize)]
struct Cell {
    text: String,
    numeric: bool,
}

#[derive(Debug, Clone, Serialize)]
struct TableRow {
    /// A CSS class from a closed set (never from data).
    class: Option<&'static str>,
    cells: Vec<Cell>,
}

#[derive(Debug, Clone, Serialize)]
struct Table {
    header: Vec<String>,
    rows: Vec<TableRow>,
}

fn text(s: impl Into<String>) -> Cell {
    Cell {
        text: s.into(),
        numeric: false,
    }
}

fn num(n: impl ToString) -> Cell {
    Cell {
        text: n.to_string(),
        numeric: true,
    }
}

#[derive(Debug, Clone, Serialize)]
struct Segment {
    series: usize,
    name: String,
    value: u64,
    y: f64,
    height: f64,
}

#[derive(Debug, Clone, Serialize)]
struct Bar {
    label: String,
    x: f64,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, Serialize)]
struct Tick {
    y: f64,
    label: u64,
}

#[derive(Debug, Clone, Serialize)]
struct Legend {
    series: usize,
    name: String,
    x: f64,
}

/// A stacked bar chart, laid out.
#[derive(Debug, Clone, Serialize)]
struct Chart {
    caption: String,
    /// The CSS class prefix of the series colours (`c` or `m`).
    palette: &'static str,
    width: f64,
    height: f64,
    left: f64,
    right: f64,
    bottom: f64,
    bar_width: f64,
    ticks: Vec<Tick>,
    bars: Vec<Bar>,
    legend: Vec<Legend>,
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A tick step of 1, 2 or 5 times a power of ten giving at most about five ticks.
fn tick_step(max: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1u64, 2, 5] {
            let s = step.saturating_mul(m);
            if max / s <= 5 {
                return s.max(1);
            }
        }
        step = step.saturating_mul(10);
        if step == u64::MAX {
            return step;
        }
    }
}

/// Lays out stacked bars: `groups` are (label, one value per series).
fn stacked(
    caption: &str,
    palette: &'static str,
    series: &[String],
    groups: &[(String, Vec<u64>)],
) -> Chart {
    const TOP: f64 = 30.0;
    const PLOT_H: f64 = 240.0;
    const LEFT: f64 = 50.0;
    const BOTTOM_MARGIN: f64 = 90.0;
    let n = groups.len().max(1) as f64;
    let bar_width = (720.0 / n).clamp(4.0, 40.0);
    let gap = (bar_width / 4.0).max(2.0);
    let width = (LEFT + n * (bar_width + gap) + 20.0).max(400.0);
    let bottom = TOP + PLOT_H;
    let max = groups
        .iter()
        .map(|(_, v)| v.iter().fold(0u64, |a, b| a.saturating_add(*b)))
        .max()
        .unwrap_or(0)
        .max(1);
    let step = tick_step(max);
    let top_value = max.div_ceil(step).saturating_mul(step).max(1);
    let scale = PLOT_H / top_value as f64;
    let ticks = (0..=top_value / step)
        .map(|i| {
            let v = i.saturating_mul(step);
            Tick {
                y: round1(bottom - v as f64 * scale),
                label: v,
            }
        })
        .collect();
    let bars = groups
        .iter()
        .enumerate()
        .map(|(i, (label, values))| {
            let x = round1(LEFT + gap / 2.0 + i as f64 * (bar_width + gap));
            let mut acc = 0u64;
            let segments = values
                .iter()
                .enumerate()
                .filter(|(_, v)| **v > 0)
                .map(|(s, v)| {
                    let y0 = bottom - acc as f64 * scale;
                    acc = acc.saturating_add(*v);
                    let y1 = bottom - acc as f64 * scale;
                    Segment {
                        series: s,
                        name: series.get(s).cloned().unwrap_or_default(),
                        value: *v,
                        y: round1(y1),
                        height: round1(y0 - y1),
                    }
                })
                .collect();
            Bar {
                label: label.clone(),
                x,
                segments,
            }
        })
        .collect();
    let mut lx = LEFT;
    let legend = series
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let l = Legend {
                series: i,
                name: name.clone(),
                x: round1(lx),
            };
            // An estimate of the label's width; long hostile names only push the next one.
            lx += 24.0 + 7.0 * name.chars().count().min(40) as f64;
            l
        })
        .collect();
    Chart {
        caption: caption.to_string(),
        palette,
        width: round1(width.max(lx + 20.0)),
        height: bottom + BOTTOM_MARGIN,
        left: LEFT,
        right: round1(width - 10.0),
        bottom,
        bar_width: round1(bar_width),
        ticks,
        bars,
        legend,
    }
}

fn env() -> Result<Environment<'static>, HtmlError> {
    let mut env = Environment::new();
    env.add_template("base.html", include_str!("templates/base.html"))?;
    env.add_template("chart.html", include_str!("templates/chart.html"))?;
    env.add_template("table.html", include_str!("templates/table.html"))?;
    env.add_template("phishing.html", include_str!("templates/phishing.html"))?;
    env.add_template("mitigation.html", include_str!("templates/mitigation.html"))?;
    env.add_template("domains.html", include_str!("templates/domains.html"))?;
    env.add_template("fragment.html", include_str!("templates/fragment.html"))?;
    Ok(env)
}

/// The style of the charts and tables (the console serves it with its own).
pub const REPORT_CSS: &str = include_str!("templates/report.css");

#[derive(Serialize)]
struct Page<'a> {
    meta: &'a Meta,
    chart: Option<Chart>,
    table: Table,
    css: &'static str,
}

fn render(name: &str, page: &Page<'_>) -> Result<String, HtmlError> {
    let env = env()?;
    Ok(env.get_template(name)?.render(page)?)
}

/// A report without its page: the chart (under `heading`) and the table, as an HTML fragment
/// for a page that has [`REPORT_CSS`].
#[derive(Debug, Clone, Serialize)]
pub struct Fragment {
    heading: &'static str,
    chart: Option<Chart>,
    table: Table,
}

impl Fragment {
    pub fn render(&self) -> Result<String, HtmlError> {
        Ok(env()?.get_template("fragment.html")?.render(self)?)
    }

    /// The chart alone (an inline `<svg>`), when there is data for one.
    pub fn render_chart(&self) -> Result<Option<String>, HtmlError> {
        #[derive(Serialize)]
        struct Ctx<'a> {
            chart: &'a Chart,
        }
        match &self.chart {
            None => Ok(None),
            Some(chart) => Ok(Some(
                env()?.get_template("chart.html")?.render(Ctx { chart })?,
            )),
        }
    }
}

/// The chart of phishing domains per month, stacked by TLD (the [`TOP_TLDS`] with the most
/// domains, the rest as `other`). `month_tld` are rows grouped by exactly `[Month, Tld]`;
/// other rows are ignored.
fn month_tld_chart(month_tld: &[PhishingRow]) -> Option<Chart> {
    let rows: Vec<(&str, &str, u64)> = month_tld
        .iter()
        .filter_map(|r| match r.keys.as_slice() {
            [m, t] => Some((m.as_str(), t.as_str(), r.domains as u64)),
            _ => None,
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let mut per_tld: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, t, n) in &rows {
        *per_tld.entry(t).or_default() += n;
    }
    let mut tlds: Vec<(&str, u64)> = per_tld.into_iter().collect();
    tlds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let top: Vec<&str> = tlds.iter().take(TOP_TLDS).map(|(t, _)| *t).collect();
    let has_other = tlds.len() > TOP_TLDS;
    let mut series: Vec<String> = top.iter().map(|t| format!(".{t}")).collect();
    if has_other {
        series.push("other".into());
    }
    let mut months: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for (m, t, n) in rows {
        let v = months.entry(m).or_insert_with(|| vec![0; series.len()]);
        let i = top.iter().position(|x| *x == t).unwrap_or(TOP_TLDS);
        if let Some(slot) = v.get_mut(i) {
            *slot += n;
        }
    }
    let mut groups: Vec<(String, Vec<u64>)> = months
        .into_iter()
        .map(|(m, v)| (m.to_string(), v))
        .collect();
    fill_months(&mut groups, series.len());
    Some(stacked(
        "Phishing domains per month, by TLD",
        "c",
        &series,
        &groups,
    ))
}

fn parse_month(s: &str) -> Option<i32> {
    let (y, m) = s.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let (y, m): (i32, i32) = (y.parse().ok()?, m.parse().ok()?);
    (1..=12).contains(&m).then_some(y * 12 + m - 1)
}

/// Months without reports get an empty bar, so that the axis is time (when every label is a
/// `YYYY-MM` month and the span is at most [`MAX_FILLED_MONTHS`]).
fn fill_months(groups: &mut Vec<(String, Vec<u64>)>, series: usize) {
    let Some(idx) = groups
        .iter()
        .map(|(m, _)| parse_month(m))
        .collect::<Option<Vec<i32>>>()
    else {
        return;
    };
    let (Some(first), Some(last)) = (idx.iter().min(), idx.iter().max()) else {
        return;
    };
    if last - first >= MAX_FILLED_MONTHS {
        return;
    }
    let mut filled: Vec<(String, Vec<u64>)> = Vec::new();
    for i in *first..=*last {
        let label = format!("{:04}-{:02}", i.div_euclid(12), i.rem_euclid(12) + 1);
        match idx.iter().position(|x| *x == i) {
            Some(p) => filled.push(groups[p].clone()),
            None => filled.push((label, vec![0; series])),
        }
    }
    *groups = filled;
}

/// The longest month axis that is filled in (20 years).
pub const MAX_FILLED_MONTHS: i32 = 240;

/// The phishing report: `rows` grouped by `by` for the table; `month_tld` (the same facts
/// grouped by `[Month, Tld]`) for the chart.
pub fn phishing(
    meta: &Meta,
    by: &[Dim],
    rows: &[PhishingRow],
    month_tld: &[PhishingRow],
) -> Result<String, HtmlError> {
    let f = phishing_fragment(by, rows, month_tld);
    render(
        "phishing.html",
        &Page {
            meta,
            chart: f.chart,
            table: f.table,
            css: REPORT_CSS,
        },
    )
}

/// [`phishing`] without the page.
pub fn phishing_fragment(by: &[Dim], rows: &[PhishingRow], month_tld: &[PhishingRow]) -> Fragment {
    let mut header: Vec<String> = by.iter().map(|d| d.as_str().to_string()).collect();
    header.extend(["domains".into(), "urls".into()]);
    let table = Table {
        header,
        rows: rows
            .iter()
            .map(|r| TableRow {
                class: None,
                cells: r
                    .keys
                    .iter()
                    .map(|k| text(k.as_str()))
                    .chain([num(r.domains), num(r.urls)])
                    .collect(),
            })
            .collect(),
    };
    Fragment {
        heading: "Phishing domains per month",
        chart: month_tld_chart(month_tld),
        table,
    }
}

/// `1.5d`, `3.0h`, `12m`, or `-`.
pub fn duration(s: Option<i64>) -> String {
    match s {
        None => "-".into(),
        Some(s) if s < 3600 => format!("{}m", s / 60),
        Some(s) if s < 2 * 86_400 => format!("{:.1}h", s as f64 / 3600.0),
        Some(s) => format!("{:.1}d", s as f64 / 86_400.0),
    }
}

/// The mitigation report: a stacked bar per group (mitigated / not mitigated / unprocessed)
/// and the table with the median times. `by` names the grouping (`tld`, `registrar`, ...).
pub fn mitigation(meta: &Meta, by: &str, rows: &[MitigationRow]) -> Result<String, HtmlError> {
    let f = mitigation_fragment(by, rows);
    render(
        "mitigation.html",
        &Page {
            meta,
            chart: f.chart,
            table: f.table,
            css: REPORT_CSS,
        },
    )
}

/// [`mitigation`] without the page.
pub fn mitigation_fragment(by: &str, rows: &[MitigationRow]) -> Fragment {
    let series = ["mitigated", "not mitigated", "unprocessed"].map(String::from);
    let groups: Vec<(String, Vec<u64>)> = rows
        .iter()
        .map(|r| {
            (
                r.key.clone(),
                vec![
                    r.mitigated as u64,
                    r.not_mitigated as u64,
                    r.unprocessed as u64,
                ],
            )
        })
        .collect();
    let chart = (!rows.is_empty()).then(|| {
        stacked(
            &format!("Cases per {by}: mitigated, not mitigated, unprocessed"),
            "m",
            &series,
            &groups,
        )
    });
    let table = Table {
        header: [
            by,
            "cases",
            "mitigated",
            "not mitigated",
            "unprocessed",
            "median from report",
            "median from notification",
            "acted",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .iter()
            .map(|r| TableRow {
                class: None,
                cells: vec![
                    text(r.key.as_str()),
                    num(r.cases),
                    num(r.mitigated),
                    num(r.not_mitigated),
                    num(r.unprocessed),
                    num(duration(r.median_from_report_s)),
                    num(duration(r.median_from_notification_s)),
                    text(
                        r.acted
                            .iter()
                            .map(|(w, n)| format!("{w}: {n}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                ],
            })
            .collect(),
    };
    Fragment {
        heading: "Mitigated, not mitigated and unprocessed cases",
        chart,
        table,
    }
}

/// One row of the domains report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRow {
    pub domain: String,
    pub report_date: String,
    pub response_date: String,
    pub acted: String,
    /// `closed (mitigated)`, `notifying`, ...
    pub status: String,
    /// What the last check saw: `server-hold (serverHold)`, `nxdomain`, ... (empty: never
    /// checked).
    pub observed: String,
    pub state: CaseState,
    /// Closed as mitigated (coloured like a mitigated case).
    pub mitigated: bool,
}

fn state_class(state: CaseState, mitigated: bool) -> &'static str {
    match state {
        CaseState::New => "st-new",
        CaseState::Triage => "st-triage",
        CaseState::Investigating => "st-investigating",
        CaseState::Notifying => "st-notifying",
        CaseState::Monitoring => "st-monitoring",
        CaseState::Escalated => "st-escalated",
        CaseState::Mitigated => "st-mitigated",
        CaseState::Closed if mitigated => "st-closed-mitigated",
        CaseState::Closed => "st-closed",
    }
}

/// The domains report: the table only, rows coloured by state.
pub fn domains(meta: &Meta, rows: &[DomainRow]) -> Result<String, HtmlError> {
    let table = Table {
        header: [
            "domain",
            "report date",
            "response date",
            "acted",
            "status",
            "RDAP/WHOIS/DNS now",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .iter()
            .map(|r| TableRow {
                class: Some(state_class(r.state, r.mitigated)),
                cells: vec![
                    text(r.domain.as_str()),
                    text(r.report_date.as_str()),
                    text(r.response_date.as_str()),
                    text(r.acted.as_str()),
                    text(r.status.as_str()),
                    text(r.observed.as_str()),
                ],
            })
            .collect(),
    };
    render(
        "domains.html",
        &Page {
            meta,
            chart: None,
            table,
            css: REPORT_CSS,
        },
    )
}

#[cfg(test)]
mod tests;
