//! Quotas and their enforcement (SPEC §5): quota configuration and state, the pass after each
//! poll that disables over-limit peers and re-enables them at the cycle reset, manual actions,
//! and the audit log. The decision rules themselves are pure: `accounting::enforcement`.

pub mod actions;
pub mod manual;
pub mod quota;
pub mod run;

pub use run::{EnforcementReport, after_poll};
