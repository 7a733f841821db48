//! Maps REST verbs and paths onto RouterOS commands: GET = print (a collection, or one item by
//! `*ID`), PATCH = set, PUT = add, DELETE = remove, POST `/…/<command>` = run the command.

use hyper::{Method, StatusCode};
use serde_json::Value;

use super::Answer;
use crate::fields::{JsonSink, proplist_mask};
use crate::model::{RouterState, format_id, parse_id};
use crate::ops::{self, Menu, OpError};
use crate::query::Query;

const COMMANDS: &[&str] = &[
    "print", "set", "enable", "disable", "add", "remove", "getall",
];

pub fn route(
    st: &mut RouterState,
    method: &Method,
    path: &str,
    query: Option<&str>,
    body: &[u8],
) -> Answer {
    let Some(rest) = path.strip_prefix("/rest") else {
        return Answer::error(StatusCode::NOT_FOUND, None);
    };
    if !rest.is_empty() && !rest.starts_with('/') {
        return Answer::error(StatusCode::NOT_FOUND, None);
    }
    let decoded: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let mut segs: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let mut item: Option<&str> = None;
    let mut command: Option<&str> = None;
    if let Some(last) = segs.last().copied() {
        if last.starts_with('*') {
            item = Some(last);
            segs.pop();
        } else if *method == Method::POST && COMMANDS.contains(&last) && segs.len() > 1 {
            command = Some(last);
            segs.pop();
        }
    }
    let menu = match ops::resolve_menu(&segs) {
        Ok(m) => m,
        Err(seg) => return Answer::bad_request(&format!("no such command or directory ({seg})")),
    };
    let result = match (method, item, command) {
        (&Method::GET, None, None) => get_list(st, menu, query),
        (&Method::GET, Some(id), None) => get_one(st, menu, id, query),
        (&Method::PATCH, Some(id), None) => patch(st, menu, id, body),
        (&Method::PUT, None, None) if menu == Menu::Peers => put(st, body),
        (&Method::DELETE, Some(id), None) if menu == Menu::Peers => delete(st, id),
        (&Method::POST, None, Some(cmd)) => post(st, menu, cmd, body),
        _ => Err(Answer::bad_request("no such command")),
    };
    result.unwrap_or_else(|a| a)
}

fn op_err(e: OpError) -> Answer {
    Answer::bad_request(&e.message())
}

/// Query-string pairs, percent-decoded.
fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn get_list(st: &mut RouterState, menu: Menu, query: Option<&str>) -> Result<Answer, Answer> {
    let pairs = query_pairs(query);
    let fields = menu.fields();
    let proplist = pairs
        .iter()
        .find(|(k, _)| k == ".proplist")
        .map(|(_, v)| v.split(','));
    let mask =
        proplist_mask(fields, proplist, &st.version, true).map_err(|e| Answer::bad_request(&e))?;
    let mut q = Query::default();
    for (k, v) in &pairs {
        if k == ".id" || !k.starts_with('.') {
            q.push_eq(k, v, fields);
        }
    }
    Ok(Answer::ok(print_json(st, menu, mask, &q, None)))
}

/// Prints as RouterOS REST does: an array, or for singletons a bare object (or a one-element
/// array when the router is in 7.1 style).
fn print_json(st: &mut RouterState, menu: Menu, mask: u64, q: &Query, only: Option<u32>) -> String {
    let per_item = if menu == Menu::Peers { 420 } else { 200 };
    let cap = if menu == Menu::Peers {
        st.peers.len() * per_item + 2
    } else {
        1024
    };
    let mut sink = JsonSink::new(cap);
    ops::print(st, menu, mask, q, only, &mut sink);
    if menu.is_singleton() && !st.singleton_as_array {
        return sink.out;
    }
    let mut out = String::with_capacity(sink.out.len() + 2);
    out.push('[');
    out.push_str(&sink.out);
    out.push(']');
    out
}

fn get_one(
    st: &mut RouterState,
    menu: Menu,
    id: &str,
    query: Option<&str>,
) -> Result<Answer, Answer> {
    let not_found = || Answer::error(StatusCode::NOT_FOUND, None);
    let id = parse_id(id).ok_or_else(not_found)?;
    if menu.is_singleton() {
        return Err(not_found());
    }
    let pairs = query_pairs(query);
    let proplist = pairs
        .iter()
        .find(|(k, _)| k == ".proplist")
        .map(|(_, v)| v.split(','));
    let mask = proplist_mask(menu.fields(), proplist, &st.version, true)
        .map_err(|e| Answer::bad_request(&e))?;
    let mut sink = JsonSink::new(512);
    let n = ops::print(st, menu, mask, &Query::default(), Some(id), &mut sink);
    if n == 0 {
        return Err(not_found());
    }
    Ok(Answer::ok(sink.out))
}

/// A JSON object body as RouterOS parameters (values as strings; numbers and booleans allowed).
fn params(body: &[u8]) -> Result<Vec<(String, String)>, Answer> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| Answer::bad_request("invalid JSON in request body"))?;
    let Value::Object(map) = v else {
        return Err(Answer::bad_request("JSON object expected"));
    };
    map.into_iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Array(a) => a
                    .iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(","),
                Value::Null => String::new(),
                Value::Object(_) => {
                    return Err(Answer::bad_request(&format!("invalid value of {k}")));
                }
            };
            Ok((k, s))
        })
        .collect()
}

fn patch(st: &mut RouterState, menu: Menu, id: &str, body: &[u8]) -> Result<Answer, Answer> {
    let id = parse_id(id).ok_or_else(|| Answer::bad_request("no such item"))?;
    let p: Vec<(String, String)> = params(body)?
        .into_iter()
        .filter(|(k, _)| k != ".id")
        .collect();
    ops::set(st, menu, &[id], &p, "rest", "patch").map_err(op_err)?;
    let mut sink = JsonSink::new(512);
    ops::print(st, menu, u64::MAX, &Query::default(), Some(id), &mut sink);
    Ok(Answer::ok(sink.out))
}

fn put(st: &mut RouterState, body: &[u8]) -> Result<Answer, Answer> {
    let p = params(body)?;
    let id = ops::add_peer(st, &p, "rest").map_err(op_err)?;
    let mut sink = JsonSink::new(512);
    ops::print(
        st,
        Menu::Peers,
        u64::MAX,
        &Query::default(),
        Some(id),
        &mut sink,
    );
    Ok(Answer::ok(sink.out))
}

fn delete(st: &mut RouterState, id: &str) -> Result<Answer, Answer> {
    let id = parse_id(id).ok_or_else(|| Answer::error(StatusCode::NOT_FOUND, None))?;
    if st.peer_index(id).is_none() {
        return Err(Answer::error(StatusCode::NOT_FOUND, None));
    }
    ops::remove_peers(st, &[id], "rest").map_err(op_err)?;
    Ok(Answer {
        status: StatusCode::NO_CONTENT,
        body: String::new(),
    })
}

fn ids_of(p: &[(String, String)]) -> Result<Option<Vec<u32>>, Answer> {
    match p.iter().find(|(k, _)| k == ".id" || k == "numbers") {
        Some((_, v)) => ops::parse_numbers(v).map(Some).map_err(op_err),
        None => Ok(None),
    }
}

fn post(st: &mut RouterState, menu: Menu, cmd: &str, body: &[u8]) -> Result<Answer, Answer> {
    match cmd {
        "print" | "getall" => post_print(st, menu, body),
        "set" | "enable" | "disable" => {
            let p = params(body)?;
            let mut rest: Vec<(String, String)> = p
                .iter()
                .filter(|(k, _)| k != ".id" && k != "numbers")
                .cloned()
                .collect();
            if cmd != "set" {
                rest = vec![(
                    "disabled".to_owned(),
                    if cmd == "disable" { "yes" } else { "no" }.to_owned(),
                )];
            }
            if menu.is_singleton() {
                ops::set(st, menu, &[], &rest, "rest", cmd).map_err(op_err)?;
                return Ok(Answer::ok("[]".to_owned()));
            }
            match ids_of(&p)? {
                Some(ids) => ops::set(st, menu, &ids, &rest, "rest", cmd).map_err(op_err)?,
                None if cmd == "set" => {}
                None => {
                    return Err(Answer::bad_request(
                        "missing value(s) of argument(s) numbers",
                    ));
                }
            }
            Ok(Answer::ok("[]".to_owned()))
        }
        "add" if menu == Menu::Peers => {
            let id = ops::add_peer(st, &params(body)?, "rest").map_err(op_err)?;
            let mut out = String::from("{\"ret\":");
            crate::fields::json_str(&mut out, &format_id(id));
            out.push('}');
            Ok(Answer::ok(out))
        }
        "remove" if menu == Menu::Peers => {
            let ids = ids_of(&params(body)?)?.unwrap_or_default();
            ops::remove_peers(st, &ids, "rest").map_err(op_err)?;
            Ok(Answer::ok("[]".to_owned()))
        }
        _ => Err(Answer::bad_request("no such command")),
    }
}

/// `POST …/print` with `{".proplist": [..] | "a,b", ".query": ["name=value", "#|", ..]}`.
fn post_print(st: &mut RouterState, menu: Menu, body: &[u8]) -> Result<Answer, Answer> {
    let v: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(body)
            .map_err(|_| Answer::bad_request("invalid JSON in request body"))?
    };
    let fields = menu.fields();
    let names: Option<Vec<String>> = match v.get(".proplist") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.split(',').map(str::to_owned).collect()),
        Some(Value::Array(a)) => Some(
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
        ),
        Some(_) => return Err(Answer::bad_request("invalid value of .proplist")),
    };
    let mask = proplist_mask(
        fields,
        names.as_ref().map(|n| n.iter().map(String::as_str)),
        &st.version,
        true,
    )
    .map_err(|e| Answer::bad_request(&e))?;
    let mut q = Query::default();
    match v.get(".query") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => {
            for item in a.iter().filter_map(Value::as_str) {
                q.push(item.strip_prefix('?').unwrap_or(item), fields);
            }
        }
        Some(_) => return Err(Answer::bad_request("invalid value of .query")),
    }
    // Any other key is a filter, like GET's query parameters.
    if let Value::Object(map) = &v {
        for (k, val) in map {
            if k == ".id" || !k.starts_with('.') {
                q.push_eq(k, val.as_str().unwrap_or(""), fields);
            }
        }
    }
    let mut out = print_json(st, menu, mask, &q, None);
    if menu.is_singleton() && !out.starts_with('[') {
        // `print` always answers a list.
        out = format!("[{out}]");
    }
    Ok(Answer::ok(out))
}

/// Decodes `%XX` escapes (and `+` is left alone, as in paths). Invalid escapes stay as they are.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
