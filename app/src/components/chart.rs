//! A bar chart drawn by ECharts (through charming) once the page is hydrated. On the server it
//! renders an empty, sized container so the layout does not jump.

use leptos::prelude::*;

#[component]
pub fn BarChart(
    /// The element id ECharts draws into; unique on the page.
    #[prop(into)]
    id: String,
    /// Category labels and values, in order.
    #[prop(into)]
    data: Signal<Vec<(String, f64)>>,
    /// Axis label for the values.
    #[prop(into)]
    unit: String,
) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let id = id.clone();
        Effect::new(move |_| {
            let points = data.get();
            if points.is_empty() {
                return;
            }
            draw(&id, &unit, &points);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (data, unit);
    view! { <div id=id class="h-64 w-full"></div> }
}

#[cfg(feature = "hydrate")]
fn draw(id: &str, unit: &str, points: &[(String, f64)]) {
    use charming::component::{Axis, Grid};
    use charming::element::AxisType;
    use charming::series::Bar;
    use charming::{Chart, WasmRenderer};

    let labels: Vec<String> = points.iter().map(|(label, _)| label.clone()).collect();
    let values: Vec<f64> = points.iter().map(|(_, value)| *value).collect();
    let chart = Chart::new()
        .grid(Grid::new().left(56).right(16).top(16).bottom(32))
        .x_axis(Axis::new().type_(AxisType::Category).data(labels))
        .y_axis(Axis::new().type_(AxisType::Value).name(unit))
        .series(
            Bar::new()
                .data(values)
                .item_style(charming::element::ItemStyle::new().color("#374151")),
        );
    // No fixed size: the renderer takes the container's, so the chart fits a phone.
    if let Err(err) = WasmRenderer::new_opt(None, None).render(id, &chart) {
        leptos::logging::warn!("chart {id}: {err:?}");
    }
}

/// One category of a download/upload chart (a day, an hour), in bytes from the peer's side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsagePoint {
    pub label: String,
    /// Sent by the router to the peer (tx).
    pub download: u64,
    /// Received by the router from the peer (rx).
    pub upload: u64,
}

/// The unit a chart's axis reads in, chosen from its largest value so the numbers stay short
/// (decimal units, GB = 10^9, as quotas are counted): `(divisor, unit)`.
pub fn axis_unit(max_bytes: u64) -> (f64, &'static str) {
    match max_bytes {
        0..=999 => (1.0, "B"),
        1_000..=999_999 => (1e3, "kB"),
        1_000_000..=999_999_999 => (1e6, "MB"),
        1_000_000_000..=999_999_999_999 => (1e9, "GB"),
        _ => (1e12, "TB"),
    }
}

/// Download and upload side by side per category, with a legend naming whose side each is.
/// ECharts draws it only after hydration; the server renders the sized, labelled container.
#[component]
pub fn UsageChart(
    /// The element id ECharts draws into; unique on the page.
    #[prop(into)]
    id: String,
    /// What the chart shows, for screen readers.
    #[prop(into)]
    label: String,
    #[prop(into)] data: Signal<Vec<UsagePoint>>,
) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let id = id.clone();
        Effect::new(move |_| {
            let points = data.get();
            draw_usage(&id, &points);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = data;
    view! { <div id=id role="img" aria-label=label class="h-64 w-full"></div> }
}

#[cfg(feature = "hydrate")]
fn draw_usage(id: &str, points: &[UsagePoint]) {
    use charming::component::{Axis, Grid, Legend};
    use charming::element::{AxisType, ItemStyle, Tooltip, Trigger};
    use charming::series::Bar;
    use charming::{Chart, WasmRenderer};

    let max = points
        .iter()
        .map(|p| p.download.max(p.upload))
        .max()
        .unwrap_or(0);
    let (divisor, unit) = axis_unit(max);
    let scaled = |value: u64| ((value as f64 / divisor) * 1000.0).round() / 1000.0;
    let labels: Vec<String> = points.iter().map(|p| p.label.clone()).collect();
    let download: Vec<f64> = points.iter().map(|p| scaled(p.download)).collect();
    let upload: Vec<f64> = points.iter().map(|p| scaled(p.upload)).collect();
    let chart = Chart::new()
        .legend(Legend::new().top(0))
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .grid(Grid::new().left(56).right(16).top(32).bottom(32))
        .x_axis(Axis::new().type_(AxisType::Category).data(labels))
        .y_axis(Axis::new().type_(AxisType::Value).name(unit))
        .series(
            Bar::new()
                .name("Download (to peer)")
                .data(download)
                .item_style(ItemStyle::new().color("#374151")),
        )
        .series(
            Bar::new()
                .name("Upload (from peer)")
                .data(upload)
                .item_style(ItemStyle::new().color("#9ca3af")),
        );
    // No fixed size: ECharts takes the container's, so the chart fits a 375 px screen.
    if let Err(err) = WasmRenderer::new_opt(None, None).render(id, &chart) {
        leptos::logging::warn!("chart {id}: {err:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::axis_unit;

    #[test]
    fn axis_unit_follows_the_largest_value() {
        assert_eq!(axis_unit(0), (1.0, "B"));
        assert_eq!(axis_unit(999), (1.0, "B"));
        assert_eq!(axis_unit(1_000), (1e3, "kB"));
        assert_eq!(axis_unit(25_000_000), (1e6, "MB"));
        assert_eq!(axis_unit(7_000_000_002), (1e9, "GB"));
        assert_eq!(axis_unit(u64::MAX), (1e12, "TB"));
    }
}
