//! Cross-site request forgery defence for cookie sessions: a state-changing request must come
//! from a page of ours, which browsers prove with `Origin` (or, from older ones, `Referer`).
//! "Ours" is `WGMIK_PUBLIC_URL` when configured (needed behind a proxy that rewrites `Host`),
//! else the request's own `Host`. Comparison is of whole serialised origins
//! (`scheme://host[:port]`, default ports normalised), never of substrings.

use axum::http::{HeaderMap, Method, Uri, header};
use url::Url;

/// GET, HEAD and OPTIONS change nothing, so they need no origin proof.
pub fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// `https://panel.example.net/wgmik/` → `https://panel.example.net`.
pub fn normalize_public_origin(raw: &str) -> Result<String, String> {
    let url = Url::parse(raw.trim())
        .map_err(|err| format!("WGMIK_PUBLIC_URL is not a URL ({err}): {raw:?}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "WGMIK_PUBLIC_URL must be an http:// or https:// URL with a host (got {raw:?})"
        ));
    }
    Ok(url.origin().ascii_serialization())
}

/// The origin a browser claims for the request: `Origin`, else `Referer`'s origin.
/// `Ok(None)` when it sent neither.
fn claimed_origin(headers: &HeaderMap) -> Result<Option<Url>, String> {
    let raw = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER));
    let Some(raw) = raw else {
        return Ok(None);
    };
    let text = raw
        .to_str()
        .map_err(|_| "the Origin header is not valid text".to_owned())?;
    // Browsers send `Origin: null` from sandboxed frames and some redirects: never ours.
    let url = Url::parse(text).map_err(|_| format!("the request's origin {text:?} is not ours"))?;
    Ok(Some(url))
}

fn expected_origin(
    headers: &HeaderMap,
    uri: &Uri,
    claimed_scheme: &str,
    public_origin: Option<&str>,
) -> Option<String> {
    if let Some(public) = public_origin {
        return Some(public.to_owned());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.as_str().to_owned()))?;
    // The Host header carries no scheme; the claimed one is borrowed so that default ports
    // compare equal (`https://x` and `Host: x`).
    let url = Url::parse(&format!("{claimed_scheme}://{host}")).ok()?;
    Some(url.origin().ascii_serialization())
}

/// Requires a matching origin. The error is the message for the 403.
pub fn require_same_origin(
    headers: &HeaderMap,
    uri: &Uri,
    public_origin: Option<&str>,
) -> Result<(), String> {
    let Some(claimed) = claimed_origin(headers)? else {
        return Err(
            "a state-changing request with a session cookie must carry an Origin or Referer \
             header; automation should use an API token instead"
                .to_owned(),
        );
    };
    check(headers, uri, public_origin, &claimed)
}

/// For login and setup, which have no session yet: scripts may omit the headers, but a
/// browser that sends them must be on our page (stops login CSRF).
pub fn require_same_origin_if_present(
    headers: &HeaderMap,
    uri: &Uri,
    public_origin: Option<&str>,
) -> Result<(), String> {
    match claimed_origin(headers)? {
        None => Ok(()),
        Some(claimed) => check(headers, uri, public_origin, &claimed),
    }
}

fn check(
    headers: &HeaderMap,
    uri: &Uri,
    public_origin: Option<&str>,
    claimed: &Url,
) -> Result<(), String> {
    let claimed_origin = claimed.origin().ascii_serialization();
    match expected_origin(headers, uri, claimed.scheme(), public_origin) {
        Some(expected) if expected == claimed_origin && claimed_origin != "null" => Ok(()),
        _ => Err(format!(
            "the request came from {claimed_origin}, which is not this panel's origin"
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(name.clone(), HeaderValue::from_static(value));
        }
        map
    }

    fn uri() -> Uri {
        Uri::from_static("/api/tokens")
    }

    #[test]
    fn same_host_passes_and_others_fail() {
        let ok = headers(&[
            (header::HOST, "panel.example:8000"),
            (header::ORIGIN, "http://panel.example:8000"),
        ]);
        assert!(require_same_origin(&ok, &uri(), None).is_ok());
        let default_port = headers(&[
            (header::HOST, "panel.example"),
            (header::ORIGIN, "https://panel.example"),
        ]);
        assert!(require_same_origin(&default_port, &uri(), None).is_ok());
        for bad in [
            "http://evil.example",
            "http://panel.example:8001",
            "http://panel.example:8000.evil.example",
            "null",
            "not a url",
        ] {
            let mut h = headers(&[(header::HOST, "panel.example:8000")]);
            h.insert(header::ORIGIN, HeaderValue::from_str(bad).unwrap());
            let err = require_same_origin(&h, &uri(), None).unwrap_err();
            assert!(!err.is_empty(), "{bad}");
        }
    }

    #[test]
    fn referer_is_the_fallback_and_absence_is_refused() {
        let via_referer = headers(&[
            (header::HOST, "10.0.0.1:8000"),
            (header::REFERER, "http://10.0.0.1:8000/settings?x=1"),
        ]);
        assert!(require_same_origin(&via_referer, &uri(), None).is_ok());
        let none = headers(&[(header::HOST, "10.0.0.1:8000")]);
        assert!(
            require_same_origin(&none, &uri(), None)
                .unwrap_err()
                .contains("Origin")
        );
        assert!(require_same_origin_if_present(&none, &uri(), None).is_ok());
    }

    #[test]
    fn public_url_overrides_host() {
        let public = normalize_public_origin("https://wg.example.net/panel/").unwrap();
        assert_eq!(public, "https://wg.example.net");
        let behind_proxy = headers(&[
            (header::HOST, "127.0.0.1:8000"),
            (header::ORIGIN, "https://wg.example.net"),
        ]);
        assert!(require_same_origin(&behind_proxy, &uri(), Some(&public)).is_ok());
        let direct = headers(&[
            (header::HOST, "127.0.0.1:8000"),
            (header::ORIGIN, "http://127.0.0.1:8000"),
        ]);
        assert!(require_same_origin(&direct, &uri(), Some(&public)).is_err());
        assert!(normalize_public_origin("ftp://x").is_err());
        assert!(normalize_public_origin("nonsense").is_err());
    }

    #[test]
    fn safe_methods() {
        assert!(is_safe_method(&Method::GET));
        assert!(!is_safe_method(&Method::POST));
        assert!(!is_safe_method(&Method::DELETE));
    }
}
