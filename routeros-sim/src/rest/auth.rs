//! HTTP Basic authentication against the router's user, and the `api` + `rest-api` policies
//! REST needs (a user lacking either is answered 401).

use base64::Engine as _;
use hyper::StatusCode;
use hyper::header::HeaderValue;

use super::Answer;
use crate::model::RouterState;

pub fn check(st: &RouterState, header: Option<&HeaderValue>) -> Result<(), Answer> {
    let unauthorized = || Answer::error(StatusCode::UNAUTHORIZED, None);
    let h = header
        .and_then(|h| h.to_str().ok())
        .ok_or_else(unauthorized)?;
    let (scheme, b64) = h.trim().split_once(' ').ok_or_else(unauthorized)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(unauthorized());
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| unauthorized())?;
    let text = String::from_utf8(raw).map_err(|_| unauthorized())?;
    let (user, pass) = text.split_once(':').ok_or_else(unauthorized)?;
    if user != st.user || pass != st.password || !st.policy_api || !st.policy_rest {
        return Err(unauthorized());
    }
    Ok(())
}
