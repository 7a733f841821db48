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
    // Width 0 lets the renderer take the container's size.
    if let Err(err) = WasmRenderer::new(640, 256).render(id, &chart) {
        leptos::logging::warn!("chart {id}: {err:?}");
    }
}
