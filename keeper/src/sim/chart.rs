//! The report's chart, drawn with plotters into a self-contained SVG: the vault's balance and the
//! SOL window's usage over the run, one point per tick, with the story's steps marked and listed.

use plotters::prelude::*;

use super::report::{Report, LAMPORTS_PER_SOL};

const WIDTH: u32 = 820;
const PLOTS_HEIGHT: u32 = 460;
const LEGEND_LINE: u32 = 17;
const FONT: &str = "sans-serif";
const BALANCE: RGBColor = RGBColor(31, 119, 180);
const USAGE: RGBColor = RGBColor(214, 39, 40);
const STEP: RGBColor = RGBColor(190, 190, 190);
const STEP_LABEL: RGBColor = RGBColor(110, 110, 110);

pub fn svg(report: &Report) -> Result<String, String> {
    let mut out = String::new();
    let legend_rows = report.steps.len() as u32;
    let height = 40 + PLOTS_HEIGHT + 20 + legend_rows * LEGEND_LINE;
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
        draw(&root, report).map_err(|error| format!("chart: {error}"))?;
        root.present().map_err(|error| format!("chart: {error}"))?;
    }
    Ok(out)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn draw(root: &Area<'_>, report: &Report) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    root.fill(&WHITE)?;
    let title = format!("{} — vault balance and SOL window usage over {} h", report.scenario, report.hours);
    let body = root.titled(&title, (FONT, 15).into_font().style(FontStyle::Bold))?;
    let (plots, legend) = body.split_vertically(PLOTS_HEIGHT);
    let (top, bottom) = plots.split_vertically(PLOTS_HEIGHT / 2 - 10);
    let hours = report.samples.last().map_or(1.0, |sample| sample.hour).max(1.0);
    let balances: Vec<(f64, f64)> =
        report.samples.iter().map(|s| (s.hour, s.vault_lamports as f64 / LAMPORTS_PER_SOL)).collect();
    let most = balances.iter().map(|(_, sol)| *sol).fold(1.0, f64::max) * 1.1;
    panel(&top, report, "vault balance (SOL)", &balances, hours, most, BALANCE, false)?;
    let usage: Vec<(f64, f64)> = report.samples.iter().map(|s| (s.hour, s.window_used * 100.0)).collect();
    panel(&bottom, report, "SOL window used (% of the period cap)", &usage, hours, 100.0, USAGE, true)?;
    // The steps under the plots; their numbers mark the plots above.
    for (row, step) in report.steps.iter().enumerate() {
        let text = format!("{:>2}   hour {:<3} {}", step.n, step.hour.round(), step.title);
        let y = 8 + row as i32 * LEGEND_LINE as i32;
        legend.draw(&Text::new(text, (70, y), (FONT, 12).into_font().color(&BLACK)))?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)] // one panel's whole description
fn panel(
    area: &Area<'_>,
    report: &Report,
    caption: &str,
    points: &[(f64, f64)],
    hours: f64,
    top: f64,
    color: RGBColor,
    with_x_label: bool,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let mut chart = ChartBuilder::on(area)
        .margin_left(10)
        .margin_right(25)
        .margin_top(5)
        .caption(caption, (FONT, 13).into_font().style(FontStyle::Bold))
        .x_label_area_size(if with_x_label { 38 } else { 22 })
        .y_label_area_size(55)
        .build_cartesian_2d(0f64..hours, 0f64..top)?;
    let mut mesh = chart.configure_mesh();
    // Plotters picks round tick values for a float range; whole hours, and one decimal for SOL.
    mesh.x_labels(10).y_labels(5).x_label_formatter(&|hour| format!("{hour:.0}"));
    mesh.y_label_formatter(&|value| format!("{value:.1}"))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225));
    if with_x_label {
        mesh.x_desc("hours since the start");
    }
    mesh.draw()?;
    for (index, step) in report.steps.iter().enumerate() {
        let line = [(step.hour, 0.0), (step.hour, top)];
        chart.draw_series(LineSeries::new(line, STEP.stroke_width(1)))?;
        // Steps close together stagger their numbers over three heights.
        let at = top * (1.0 - 0.07 * (index % 3) as f64);
        let label = Text::new(step.n.to_string(), (step.hour, at), (FONT, 10).into_font().color(&STEP_LABEL));
        chart.draw_series(std::iter::once(label))?;
    }
    chart.draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))?;
    Ok(())
}
