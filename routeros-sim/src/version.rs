//! RouterOS version profiles: which peer fields exist and which reply conventions apply
//! (ROUTEROS.md): `name`, `private-key` and `client-*` since 7.15, `is-responder` in 7.15–7.16,
//! `responder` since 7.17, `client-allowed-address` since 7.21, `!empty` since 7.18.

/// A parsed RouterOS 7 version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    /// As given, without the channel (`7.18.2`).
    pub text: String,
}

impl RosVersion {
    /// Parses `7.18`, `7.18.2` or `7.18.2 (stable)`. Only RouterOS 7 has WireGuard.
    pub fn parse(text: &str) -> Result<Self, String> {
        let core = text.split_whitespace().next().unwrap_or("");
        let mut parts = core.split('.');
        let num = |p: Option<&str>| -> Result<u32, String> {
            p.unwrap_or("0")
                .parse::<u32>()
                .map_err(|_| format!("invalid RouterOS version {text:?}"))
        };
        let major = num(parts.next())?;
        let minor = num(parts.next())?;
        let patch = num(parts.next())?;
        if parts.next().is_some() || major != 7 {
            return Err(format!("unsupported RouterOS version {text:?} (want 7.x)"));
        }
        Ok(Self {
            major,
            minor,
            patch,
            text: core.to_owned(),
        })
    }

    /// `/system/resource` `version`: `7.18.2 (stable)`.
    pub fn display(&self) -> String {
        format!("{} (stable)", self.text)
    }
    pub fn has_name(&self) -> bool {
        self.minor >= 15
    }
    pub fn has_client_fields(&self) -> bool {
        self.minor >= 15
    }
    pub fn has_peer_private_key(&self) -> bool {
        self.minor >= 15
    }
    pub fn has_is_responder(&self) -> bool {
        (15..=16).contains(&self.minor)
    }
    pub fn has_responder(&self) -> bool {
        self.minor >= 17
    }
    pub fn has_client_allowed_address(&self) -> bool {
        self.minor >= 21
    }
    /// `!empty` before `!done` when a print has no data.
    pub fn sends_empty(&self) -> bool {
        self.minor >= 18
    }
    /// A name the version once had and later renamed: asking for it is a 400.
    pub fn is_renamed_away(&self, field: &str) -> bool {
        field == "is-responder" && self.minor >= 17
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn profiles() {
        let v12 = RosVersion::parse("7.12").unwrap();
        assert!(!v12.has_name() && !v12.sends_empty() && !v12.has_responder());
        let v16 = RosVersion::parse("7.16.1").unwrap();
        assert!(v16.has_is_responder() && !v16.has_responder());
        let v18 = RosVersion::parse("7.18.2 (stable)").unwrap();
        assert!(v18.sends_empty() && v18.has_responder() && v18.is_renamed_away("is-responder"));
        assert_eq!(v18.display(), "7.18.2 (stable)");
        assert!(
            RosVersion::parse("7.21")
                .unwrap()
                .has_client_allowed_address()
        );
        assert!(RosVersion::parse("6.49").is_err());
        assert!(RosVersion::parse("x").is_err());
    }
}
