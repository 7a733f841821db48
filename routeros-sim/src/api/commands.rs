//! Runs one API request against the router state and writes its reply sentences: `/login`,
//! `print`/`getall`, `set`, `enable`, `disable`, `add`, `remove` on the implemented menus.

use super::sentence::{Reply, Request};
use crate::fields::proplist_mask;
use crate::model::RouterState;
use crate::ops::{self, Menu, OpError};
use crate::query::Query;

/// What the connection loop should do after a request.
#[derive(Debug, PartialEq, Eq)]
pub enum After {
    Continue,
    LoggedIn,
    Close,
}

/// Handles `req`; `logged_in` says whether `/login` already succeeded on this connection.
pub fn handle(st: &mut RouterState, req: &Request, logged_in: bool, reply: &mut Reply) -> After {
    match req.command.as_str() {
        "/login" => return login(st, req, reply),
        "/quit" => {
            reply.sentence("!fatal", &[]);
            // `!fatal` carries its reason as a bare word.
            let n = reply.out.len();
            reply.out.truncate(n - 1);
            super::codec::push_word(&mut reply.out, b"session terminated on request");
            reply.out.push(0);
            return After::Close;
        }
        _ => {}
    }
    if !logged_in {
        reply.trap("not logged in", None);
        return After::Continue;
    }
    if req.command == "/cancel" {
        reply.done();
        return After::Continue;
    }
    let path = req.command.trim_start_matches('/');
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let Some((verb, menu_segs)) = segs.split_last() else {
        reply.trap("no such command prefix", Some(0));
        return After::Continue;
    };
    let menu = match ops::resolve_menu(menu_segs) {
        Ok(m) => m,
        Err(_) => {
            reply.trap("no such command prefix", Some(0));
            return After::Continue;
        }
    };
    let result = match *verb {
        "print" | "getall" => print(st, menu, req, reply),
        "set" => set(st, menu, req),
        "enable" | "disable" if matches!(menu, Menu::Peers | Menu::Wireguard) => {
            enable_disable(st, menu, req, *verb == "disable")
        }
        "add" if menu == Menu::Peers => ops::add_peer(st, &req.attrs, "api")
            .map(|id| {
                let ret = crate::model::format_id(id);
                reply.sentence("!done", &[("ret", &ret)]);
            })
            .map(|()| true),
        "remove" if menu == Menu::Peers => ids(req)
            .and_then(|ids| ops::remove_peers(st, &ids.unwrap_or_default(), "api"))
            .map(|()| false),
        _ => {
            reply.trap("no such command", Some(0));
            return After::Continue;
        }
    };
    match result {
        Ok(true) => {}
        Ok(false) => reply.done(),
        Err(e) => reply.trap(&e.message(), e.category()),
    }
    After::Continue
}

fn login(st: &RouterState, req: &Request, reply: &mut Reply) -> After {
    let ok = req.attr("name") == Some(st.user.as_str())
        && req.attr("password") == Some(st.password.as_str());
    if !ok {
        reply.trap("invalid user name or password (6)", None);
        return After::Continue;
    }
    if !st.policy_api {
        reply.trap("not allowed (9)", None);
        return After::Continue;
    }
    reply.done();
    After::LoggedIn
}

/// `.id` or `numbers`; `Ok(None)` when neither was given.
fn ids(req: &Request) -> Result<Option<Vec<u32>>, OpError> {
    match req.attr(".id").or_else(|| req.attr("numbers")) {
        Some(t) => ops::parse_numbers(t).map(Some),
        None => Ok(None),
    }
}

/// Prints; returns `Ok(true)` because it writes its own `!done`.
fn print(
    st: &mut RouterState,
    menu: Menu,
    req: &Request,
    reply: &mut Reply,
) -> Result<bool, OpError> {
    let fields = menu.fields();
    let names = req.attr(".proplist").map(|p| p.split(','));
    // The API is lenient about names a version lacks: they are simply absent.
    let mask = match proplist_mask(fields, names, &st.version, false) {
        Ok(m) => m,
        Err(e) => return Err(OpError::Other(e)),
    };
    let mut q = Query::default();
    for item in &req.queries {
        q.push(item, fields);
    }
    let count_only = req.attr("count-only").is_some();
    let n = if count_only {
        let mut sink = crate::fields::JsonSink::new(0);
        ops::print(st, menu, 1, &q, None, &mut sink)
    } else {
        ops::print(st, menu, mask, &q, None, reply)
    };
    if count_only {
        let ret = n.to_string();
        reply.sentence("!done", &[("ret", &ret)]);
        return Ok(true);
    }
    if n == 0 && st.version.sends_empty() {
        reply.sentence("!empty", &[]);
    }
    reply.done();
    Ok(true)
}

fn set(st: &mut RouterState, menu: Menu, req: &Request) -> Result<bool, OpError> {
    let params: Vec<(String, String)> = req
        .attrs
        .iter()
        .filter(|(k, _)| k != ".id" && k != "numbers")
        .cloned()
        .collect();
    if menu.is_singleton() {
        ops::set(st, menu, &[], &params, "api", "set")?;
        return Ok(false);
    }
    // `set` without `.id` silently does nothing (ROUTEROS.md).
    let Some(ids) = ids(req)? else {
        return Ok(false);
    };
    ops::set(st, menu, &ids, &params, "api", "set")?;
    Ok(false)
}

fn enable_disable(
    st: &mut RouterState,
    menu: Menu,
    req: &Request,
    disable: bool,
) -> Result<bool, OpError> {
    let Some(ids) = ids(req)? else {
        return Err(OpError::Other(
            "missing value(s) of argument(s) numbers".to_owned(),
        ));
    };
    let v = if disable { "yes" } else { "no" };
    let op = if disable { "disable" } else { "enable" };
    ops::set(
        st,
        menu,
        &ids,
        &[("disabled".to_owned(), v.to_owned())],
        "api",
        op,
    )?;
    Ok(false)
}
