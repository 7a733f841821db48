//! Bar charts drawn by ECharts (served from `/echarts.min.js`). The server builds each chart's
//! ECharts option with charming (the `*_option` functions, ssr only) and ships it as JSON with
//! the page's data; the browser hands it to `echarts.setOption` once hydrated. So charming's
//! typed option tree and its serialisation stay out of the wasm bundle (issue #7's size
//! budget), and a refresh that brings new data brings the new option with it. On the server
//! the components render an empty, sized container so the layout does not jump.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// An ECharts option as JSON text, built on the server by charming.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChartOption(pub String);

#[component]
pub fn BarChart(
    /// The element id ECharts draws into; unique on the page.
    #[prop(into)]
    id: String,
    /// The chart, when there is something to draw.
    #[prop(into)]
    option: Signal<Option<ChartOption>>,
) -> impl IntoView {
    draw_when_hydrated(&id, option);
    view! { <div id=id class="h-64 w-full"></div> }
}

/// Draws `option` into the element `id` each time it changes, in the browser only.
fn draw_when_hydrated(id: &str, option: Signal<Option<ChartOption>>) {
    #[cfg(feature = "hydrate")]
    {
        let id = id.to_owned();
        Effect::new(move |_| {
            if let Some(option) = option.get() {
                draw(&id, &option.0);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (id, option);
}

/// `echarts.setOption` on the element's chart (made on first use), replacing the old option.
#[cfg(feature = "hydrate")]
fn draw(id: &str, option: &str) {
    use js_sys::{Function, JSON, Reflect};
    use leptos::wasm_bindgen::{JsCast, JsValue};

    let result = (|| -> Result<(), JsValue> {
        let element = document()
            .get_element_by_id(id)
            .ok_or_else(|| JsValue::from_str("no such element"))?;
        let echarts = Reflect::get(&js_sys::global(), &JsValue::from_str("echarts"))?;
        let function = |target: &JsValue, name: &str| -> Result<Function, JsValue> {
            Reflect::get(target, &JsValue::from_str(name))?.dyn_into::<Function>()
        };
        // A refresh redraws into the chart made before: `init` on it again would only warn.
        let mut chart = function(&echarts, "getInstanceByDom")?.call1(&echarts, &element)?;
        if chart.is_undefined() || chart.is_null() {
            // No fixed size: ECharts takes the container's, so the chart fits a 375 px screen.
            chart = function(&echarts, "init")?.call1(&echarts, &element)?;
        }
        function(&chart, "setOption")?.call2(&chart, &JSON::parse(option)?, &JsValue::TRUE)?;
        Ok(())
    })();
    if let Err(err) = result {
        leptos::logging::warn!("chart {id}: {err:?}");
    }
}

/// A one-series bar chart of `points` (labels and values), values in `unit`.
#[cfg(feature = "ssr")]
pub fn bar_option(points: &[(String, f64)], unit: &str) -> ChartOption {
    use charming::Chart;
    use charming::component::{Axis, Grid};
    use charming::element::{AxisType, ItemStyle};
    use charming::series::Bar;

    let labels: Vec<String> = points.iter().map(|(label, _)| label.clone()).collect();
    let values: Vec<f64> = points.iter().map(|(_, value)| *value).collect();
    let chart = Chart::new()
        .grid(Grid::new().left(56).right(16).top(16).bottom(32))
        .x_axis(Axis::new().type_(AxisType::Category).data(labels))
        .y_axis(Axis::new().type_(AxisType::Value).name(unit))
        .series(
            Bar::new()
                .data(values)
                .item_style(ItemStyle::new().color("#374151")),
        );
    to_option(&chart)
}

#[cfg(feature = "ssr")]
fn to_option(chart: &charming::Chart) -> ChartOption {
    // A chart of strings and finite numbers always serialises; an empty option draws nothing.
    ChartOption(serde_json::to_string(chart).unwrap_or_else(|_| "{}".to_owned()))
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
    /// The chart ([`usage_option`]), once the page's data has come.
    #[prop(into)]
    option: Signal<Option<ChartOption>>,
) -> impl IntoView {
    draw_when_hydrated(&id, option);
    view! { <div id=id role="img" aria-label=label class="h-64 w-full"></div> }
}

/// The option of a [`UsageChart`]: download and upload bars per category, in the unit the
/// largest value reads best in.
#[cfg(feature = "ssr")]
pub fn usage_option(points: &[UsagePoint]) -> ChartOption {
    use charming::Chart;
    use charming::component::{Axis, Grid, Legend};
    use charming::element::{AxisType, ItemStyle, Tooltip, Trigger};
    use charming::series::Bar;

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
    to_option(&chart)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "ssr")]
    #[test]
    fn usage_option_names_both_sides_and_scales_to_one_unit() {
        let points = [
            UsagePoint {
                label: "11-01".into(),
                download: 2_500_000_000,
                upload: 1_000,
            },
            UsagePoint {
                label: "11-02".into(),
                download: 0,
                upload: 7_000_000_002,
            },
        ];
        let option: serde_json::Value =
            serde_json::from_str(&usage_option(&points).0).expect("the option is JSON");
        assert_eq!(
            option["xAxis"]["data"],
            serde_json::json!(["11-01", "11-02"])
        );
        assert_eq!(option["yAxis"]["name"], "GB");
        assert_eq!(option["series"][0]["name"], "Download (to peer)");
        assert_eq!(option["series"][0]["data"], serde_json::json!([2.5, 0.0]));
        assert_eq!(option["series"][1]["name"], "Upload (from peer)");
        assert_eq!(option["series"][1]["data"], serde_json::json!([0.0, 7.0]));
    }

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
