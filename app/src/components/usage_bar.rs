//! A usage bar against a quota: gray while under 80 %, amber to 100 %, red when over.
//! Unlimited peers get no bar, just the words.

use leptos::prelude::*;

use crate::format;
use crate::types::QuotaInfo;

/// The bar's width in percent (0–100) and its colour class.
pub fn bar(percent: f64) -> (f64, &'static str) {
    let width = percent.clamp(0.0, 100.0);
    let colour = if percent > 100.0 {
        "bg-red-500"
    } else if percent >= 80.0 {
        "bg-amber-500"
    } else {
        "bg-gray-700"
    };
    (width, colour)
}

#[component]
pub fn UsageBar(quota: QuotaInfo) -> impl IntoView {
    let Some(limit) = quota.effective_limit_bytes else {
        return view! {
            <div class="text-xs text-gray-500">
                {format!("{} used · no limit", format::bytes(quota.used_bytes))}
            </div>
        }
        .into_any();
    };
    let percent = quota.percent.unwrap_or(0.0);
    let (width, colour) = bar(percent);
    let direction = match quota.direction.as_str() {
        "download" => "download",
        "upload" => "upload",
        _ => "total",
    };
    let label = format!(
        "{} of {} ({percent:.0} %, {direction})",
        format::bytes(quota.used_bytes),
        format::bytes(limit)
    );
    view! {
        <div class="w-full">
            <div
                class="h-2 w-full overflow-hidden rounded-full bg-gray-200"
                role="progressbar"
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=format!("{width:.0}")
                aria-label=label.clone()
            >
                <div class=format!("h-full rounded-full transition-all {colour}") style=format!("width: {width:.1}%")></div>
            </div>
            <div class="mt-1 text-xs text-gray-500" title=format::exact_bytes(quota.used_bytes)>{label}</div>
        </div>
    }
    .into_any()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::bar;

    #[test]
    fn colour_and_width_follow_the_percentage() {
        assert_eq!(bar(10.0), (10.0, "bg-gray-700"));
        assert_eq!(bar(80.0), (80.0, "bg-amber-500"));
        assert_eq!(bar(100.0), (100.0, "bg-amber-500"));
        assert_eq!(bar(130.0), (100.0, "bg-red-500"));
        assert_eq!(bar(-1.0), (0.0, "bg-gray-700"));
    }
}
