//! Server functions of the Settings page.
