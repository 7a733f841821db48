//! Server functions of the Dashboard page.
