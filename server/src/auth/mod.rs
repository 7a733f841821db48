//! Authentication (issue #6, SPEC §9): admin users with Argon2id passwords, cookie sessions,
//! API tokens, login throttling, and the [`Principal`] extractor that every protected handler
//! takes. Auth fails closed: no default credentials, no path-prefix allow-lists.

pub mod extract;
pub mod headers;
pub mod origin;
pub mod pages;
pub mod password;
pub mod ratelimit;
pub mod refresh;
pub mod routes;
pub mod secret;
pub mod sessions;
pub mod tokens;
pub mod users;

pub use extract::{AuthState, Principal, TokenPrincipal, Via};
pub use headers::{CspNonce, security_headers};
pub use ratelimit::{Limits, RateLimiter};
pub use refresh::refresh_session_cookie;
pub use routes::routes;
