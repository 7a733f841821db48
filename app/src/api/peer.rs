//! Server functions of the Peer page.
