//! [`RouterOs`] in object-safe form, for fakes in tests and for code that mixes
//! implementations behind `Box<dyn DynRouterOs>` or `Arc<dyn DynRouterOs>`.
//!
//! It lives in its own module because its methods share `RouterOs`'s names (so a boxed router
//! reads like any other): import one trait or the other in a given scope, not both. Boxed and
//! shared trait objects implement `RouterOs` again, so generic code accepts them too.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::RouterOs;
use super::error::RouterError;
use super::model::{RouterInfo, SystemResource, WgInterface, WgPeer};

/// A boxed future, for the object-safe [`DynRouterOs`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, RouterError>> + Send + 'a>>;

/// [`RouterOs`] in object-safe form (`Box<dyn DynRouterOs>`), for fakes in tests and for code
/// that mixes implementations. Every `RouterOs` is one.
pub trait DynRouterOs: Send + Sync {
    fn identity(&self) -> BoxFuture<'_, String>;
    fn system_resource(&self) -> BoxFuture<'_, SystemResource>;
    fn router_info(&self) -> BoxFuture<'_, RouterInfo>;
    fn list_interfaces(&self) -> BoxFuture<'_, Vec<WgInterface>>;
    fn list_peers(&self) -> BoxFuture<'_, Vec<WgPeer>>;
    fn set_peer_disabled<'a>(&'a self, id: &'a str, disabled: bool) -> BoxFuture<'a, ()>;
}

impl<T: RouterOs> DynRouterOs for T {
    fn identity(&self) -> BoxFuture<'_, String> {
        Box::pin(RouterOs::identity(self))
    }
    fn system_resource(&self) -> BoxFuture<'_, SystemResource> {
        Box::pin(RouterOs::system_resource(self))
    }
    fn router_info(&self) -> BoxFuture<'_, RouterInfo> {
        Box::pin(RouterOs::router_info(self))
    }
    fn list_interfaces(&self) -> BoxFuture<'_, Vec<WgInterface>> {
        Box::pin(RouterOs::list_interfaces(self))
    }
    fn list_peers(&self) -> BoxFuture<'_, Vec<WgPeer>> {
        Box::pin(RouterOs::list_peers(self))
    }
    fn set_peer_disabled<'a>(&'a self, id: &'a str, disabled: bool) -> BoxFuture<'a, ()> {
        Box::pin(RouterOs::set_peer_disabled(self, id, disabled))
    }
}

macro_rules! forward_router_os {
    ($ty:ty) => {
        impl RouterOs for $ty {
            async fn identity(&self) -> Result<String, RouterError> {
                DynRouterOs::identity(&**self).await
            }
            async fn system_resource(&self) -> Result<SystemResource, RouterError> {
                DynRouterOs::system_resource(&**self).await
            }
            async fn router_info(&self) -> Result<RouterInfo, RouterError> {
                DynRouterOs::router_info(&**self).await
            }
            async fn list_interfaces(&self) -> Result<Vec<WgInterface>, RouterError> {
                DynRouterOs::list_interfaces(&**self).await
            }
            async fn list_peers(&self) -> Result<Vec<WgPeer>, RouterError> {
                DynRouterOs::list_peers(&**self).await
            }
            async fn set_peer_disabled(&self, id: &str, disabled: bool) -> Result<(), RouterError> {
                DynRouterOs::set_peer_disabled(&**self, id, disabled).await
            }
        }
    };
}

forward_router_os!(Box<dyn DynRouterOs>);
forward_router_os!(Arc<dyn DynRouterOs>);
