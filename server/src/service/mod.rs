//! Operations shared by every front door (CLI now; the JSON API and the UI's server functions
//! later), so each rule lives in one place.

pub mod peer_list;
pub mod peers;
pub mod routers;
pub mod secrets;
pub mod settings;
