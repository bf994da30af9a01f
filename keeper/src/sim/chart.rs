//! The report's chart as a self-contained SVG: the vault's balance and the SOL window's usage over
//! the run, one point per tick. No plotting dependency: two polylines and their axes.

use std::fmt::Write as _;

use super::report::{Report, LAMPORTS_PER_SOL};

const WIDTH: f64 = 760.0;
const PANEL: f64 = 170.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;

pub fn svg(report: &Report) -> String {
    let hours = report.samples.last().map_or(1.0, |sample| sample.hour.max(1.0));
    let balances: Vec<(f64, f64)> =
        report.samples.iter().map(|s| (s.hour, s.vault_lamports as f64 / LAMPORTS_PER_SOL)).collect();
    let usage: Vec<(f64, f64)> = report.samples.iter().map(|s| (s.hour, s.window_used * 100.0)).collect();
    let top = balances.iter().map(|(_, sol)| *sol).fold(1.0, f64::max) * 1.1;
    let mut out = String::new();
    let height = 2.0 * PANEL + 110.0;
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="{LEFT}" y="22" font-size="15" font-weight="bold">{} — vault balance and SOL window usage ({} h)</text>
"##,
        escape(&report.scenario),
        report.hours
    );
    panel(&mut out, 40.0, "vault balance (SOL)", &balances, hours, top, "#1f77b4");
    panel(&mut out, 40.0 + PANEL + 40.0, "SOL window used (% of the period cap)", &usage, hours, 100.0, "#d62728");
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle">hours since the start</text>"#,
        LEFT + (WIDTH - LEFT - RIGHT) / 2.0,
        height - 12.0
    );
    out.push_str("</svg>\n");
    out
}

fn panel(out: &mut String, y0: f64, title: &str, points: &[(f64, f64)], hours: f64, top: f64, color: &str) {
    let plot_width = WIDTH - LEFT - RIGHT;
    let x = |hour: f64| LEFT + hour / hours * plot_width;
    let y = |value: f64| y0 + PANEL - value / top * PANEL;
    let _ = writeln!(out, r#"<text x="{LEFT}" y="{}" font-weight="bold">{}</text>"#, y0 - 6.0, escape(title));
    let _ = writeln!(
        out,
        r##"<rect x="{LEFT}" y="{y0}" width="{plot_width}" height="{PANEL}" fill="none" stroke="#999"/>"##
    );
    for step in 0..=4 {
        let value = top * f64::from(step) / 4.0;
        let line_y = y(value);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" text-anchor="end">{value:.1}</text>"##,
            LEFT + plot_width,
            LEFT - 6.0,
            line_y + 4.0,
            y = line_y,
        );
    }
    let ticks = 6;
    for step in 0..=ticks {
        let hour = hours * f64::from(step) / f64::from(ticks);
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{hour:.0}</text>"#,
            x(hour),
            y0 + PANEL + 15.0
        );
    }
    let path: Vec<String> = points.iter().map(|(hour, value)| format!("{:.1},{:.1}", x(*hour), y(*value))).collect();
    let _ = writeln!(out, r#"<polyline fill="none" stroke="{color}" stroke-width="2" points="{}"/>"#, path.join(" "));
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
