//! Server functions of the Add a router page.
