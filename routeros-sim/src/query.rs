//! RouterOS print queries, shared by REST (`?name=value` parameters, `.query` arrays) and the API
//! (`?` words): equality, presence (`?name`), absence (`?-name`), `<`/`>`, and the `?#` stack
//! operators `|` `&` `!` `.`. Items without operators are ANDed, as RouterOS does.

/// One query item, compiled against a property catalogue (`None` = unknown property).
#[derive(Debug, Clone)]
enum Item {
    Eq(Option<usize>, String),
    Lt(Option<usize>, String),
    Gt(Option<usize>, String),
    Has(Option<usize>),
    HasNot(Option<usize>),
    Ops(String),
}

/// A compiled query.
#[derive(Debug, Clone, Default)]
pub struct Query {
    items: Vec<Item>,
}

impl Query {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds one item in API syntax without its leading `?` (`interface=wg0`, `-comment`, `#|`).
    pub fn push(&mut self, item: &str, fields: &[&str]) {
        let idx = |n: &str| fields.iter().position(|f| *f == n);
        let split = |s: &str| -> (Option<usize>, String) {
            match s.split_once('=') {
                Some((k, v)) => (idx(k), v.to_owned()),
                None => (idx(s), String::new()),
            }
        };
        let it = if let Some(ops) = item.strip_prefix('#') {
            Item::Ops(ops.to_owned())
        } else if let Some(n) = item.strip_prefix('-') {
            Item::HasNot(idx(n))
        } else if let Some(s) = item.strip_prefix('<') {
            let (i, v) = split(s);
            Item::Lt(i, v)
        } else if let Some(s) = item.strip_prefix('>') {
            let (i, v) = split(s);
            Item::Gt(i, v)
        } else if let Some(s) = item.strip_prefix('=') {
            let (i, v) = split(s);
            Item::Eq(i, v)
        } else if item.contains('=') {
            let (i, v) = split(item);
            Item::Eq(i, v)
        } else {
            Item::Has(idx(item))
        };
        self.items.push(it);
    }

    /// Adds an equality item (REST `?name=value`).
    pub fn push_eq(&mut self, name: &str, value: &str, fields: &[&str]) {
        self.items.push(Item::Eq(
            fields.iter().position(|f| *f == name),
            value.to_owned(),
        ));
    }

    /// Evaluates the query; `value(i, buf)` writes property `i` and says whether it is present.
    pub fn matches(
        &self,
        mut value: impl FnMut(usize, &mut String) -> bool,
        buf: &mut String,
    ) -> bool {
        if self.items.is_empty() {
            return true;
        }
        let mut stack: Vec<bool> = Vec::with_capacity(self.items.len());
        let mut get = |i: Option<usize>, buf: &mut String| -> Option<()> {
            buf.clear();
            let i = i?;
            value(i, buf).then_some(())
        };
        for it in &self.items {
            match it {
                Item::Eq(i, want) => {
                    let got = get(*i, buf);
                    stack.push(match got {
                        Some(()) => same(buf, want),
                        None => want.is_empty(),
                    });
                }
                Item::Lt(i, want) => {
                    let r = get(*i, buf).is_some() && compare(buf, want).is_lt();
                    stack.push(r);
                }
                Item::Gt(i, want) => {
                    let r = get(*i, buf).is_some() && compare(buf, want).is_gt();
                    stack.push(r);
                }
                Item::Has(i) => stack.push(get(*i, buf).is_some()),
                Item::HasNot(i) => stack.push(get(*i, buf).is_none()),
                Item::Ops(ops) => {
                    for op in ops.chars() {
                        match op {
                            '|' | '&' => {
                                let b = stack.pop().unwrap_or(false);
                                let a = stack.pop().unwrap_or(false);
                                stack.push(if op == '|' { a || b } else { a && b });
                            }
                            '!' => {
                                let a = stack.pop().unwrap_or(false);
                                stack.push(!a);
                            }
                            '.' => {
                                let a = stack.last().copied().unwrap_or(false);
                                stack.push(a);
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        stack.iter().all(|b| *b)
    }
}

/// Equality with RouterOS boolean spellings (`yes`/`true`, `no`/`false`) treated alike.
fn same(got: &str, want: &str) -> bool {
    fn norm(s: &str) -> &str {
        match s {
            "yes" | "true" => "true",
            "no" | "false" => "false",
            s => s,
        }
    }
    got == want || norm(got) == norm(want)
}

fn compare(got: &str, want: &str) -> std::cmp::Ordering {
    match (got.parse::<u64>(), want.parse::<u64>()) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        _ => got.cmp(want),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: &[&str] = &["name", "disabled", "rx"];

    fn eval(items: &[&str], vals: [Option<&str>; 3]) -> bool {
        let mut q = Query::default();
        for i in items {
            q.push(i, F);
        }
        let mut buf = String::new();
        q.matches(
            |i, b| match vals[i] {
                Some(v) => {
                    b.push_str(v);
                    true
                }
                None => false,
            },
            &mut buf,
        )
    }

    #[test]
    fn queries() {
        let v = [Some("a"), Some("false"), Some("10")];
        assert!(eval(&[], v));
        assert!(eval(&["name=a"], v));
        assert!(!eval(&["name=b"], v));
        assert!(eval(&["disabled=no"], v));
        assert!(eval(&["name=b", "name=a", "#|"], v));
        assert!(!eval(&["name=b", "name=a", "#&"], v));
        assert!(eval(&["name=b", "#!"], v));
        assert!(eval(&[">rx=9", "<rx=11"], v));
        assert!(eval(&["-comment"], v));
        assert!(eval(&["name"], v));
        assert!(!eval(&["name"], [None, None, None]));
        assert!(eval(&["name="], [None, None, None]));
    }
}
