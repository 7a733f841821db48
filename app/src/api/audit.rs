//! Server functions of the Audit page.
