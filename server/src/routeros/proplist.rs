//! Which peer fields to ask a given router for, learned per router.
//!
//! The field set depends on the release (`name` from 7.15, `is-responder` on 7.15–7.16,
//! `responder` from 7.17; see [`peer_proplist`]), and asking for a field the release does not
//! know is a 400 `unknown parameter X` over REST. So each client remembers the version from its
//! last `/system/resource` read and, should a router still reject a field (an upgrade between
//! polls, a release we did not know about), drops that field and asks again.

use std::sync::Mutex;

use super::error::RouterError;
use super::model::{RosVersion, peer_proplist};

/// How many rejected fields one list call may drop before giving up.
pub const MAX_FIELD_RETRIES: usize = 3;

#[derive(Debug, Default)]
pub struct PeerFields {
    /// Outer `None`: not read yet; inner `None`: read but not understood.
    version: Mutex<Option<Option<RosVersion>>>,
    dropped: Mutex<Vec<String>>,
}

impl PeerFields {
    pub fn version_known(&self) -> bool {
        self.version
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Records the version string from `/system/resource`; a change forgets dropped fields.
    pub fn set_version(&self, text: &str) {
        let parsed = RosVersion::parse(text);
        let mut version = self.version.lock().unwrap_or_else(|e| e.into_inner());
        if *version != Some(parsed) {
            *version = Some(parsed);
            self.dropped
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
        }
    }

    /// The fields to ask for now.
    pub fn proplist(&self) -> Vec<&'static str> {
        let version = self
            .version
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .flatten();
        let dropped = self.dropped.lock().unwrap_or_else(|e| e.into_inner());
        let mut list = peer_proplist(version);
        list.retain(|f| !dropped.iter().any(|d| d == f));
        list
    }

    /// If `err` is the router rejecting one of `asked`, remembers to stop asking for it and
    /// returns true (the caller retries). Required fields are never dropped.
    pub fn learn(&self, err: &RouterError, asked: &[&str]) -> bool {
        let text = match err {
            RouterError::Http {
                detail: Some(d), ..
            } => d.as_str(),
            RouterError::Trap { message, .. } => message.as_str(),
            _ => return false,
        };
        let Some(field) = rejected_field(text) else {
            return false;
        };
        let optional = !matches!(field, ".id" | "interface" | "public-key" | "rx" | "tx");
        if optional && asked.contains(&field) {
            self.dropped
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(field.to_owned());
            true
        } else {
            false
        }
    }
}

/// `unknown parameter is-responder` → `is-responder`.
fn rejected_field(text: &str) -> Option<&str> {
    let at = text.find("unknown parameter")? + "unknown parameter".len();
    text[at..]
        .split_whitespace()
        .next()
        .map(|w| w.trim_matches(|c| c == '"' || c == '\''))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_rejected_optional_field() {
        let f = PeerFields::default();
        assert!(!f.version_known());
        f.set_version("7.16.2 (stable)");
        assert!(f.proplist().contains(&"is-responder"));
        let asked = f.proplist();
        let err = RouterError::Http {
            status: 400,
            message: "Bad Request".into(),
            detail: Some("unknown parameter is-responder".into()),
        };
        assert!(f.learn(&err, &asked));
        assert!(!f.proplist().contains(&"is-responder"));
        let required = RouterError::Trap {
            category: None,
            message: "unknown parameter rx".into(),
        };
        assert!(!f.learn(&required, &asked));
        // An upgrade forgets what was dropped.
        f.set_version("7.17");
        assert!(f.proplist().contains(&"responder"));
    }

    #[test]
    fn versions_choose_fields() {
        let v = |s: &str| RosVersion::parse(s);
        assert!(!peer_proplist(v("7.12")).contains(&"name"));
        assert!(peer_proplist(v("7.15")).contains(&"is-responder"));
        assert!(peer_proplist(v("7.18.1 (stable)")).contains(&"responder"));
        assert!(!peer_proplist(None).iter().any(|f| f.contains("responder")));
        assert_eq!(v("7.18beta2"), Some(RosVersion::new(7, 18, 0)));
        assert_eq!(v("6.49.10 (long-term)"), Some(RosVersion::new(6, 49, 10)));
        assert_eq!(v("garbage"), None);
    }
}
