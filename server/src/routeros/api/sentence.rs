//! A decoded API sentence and the views the client needs of it: the reply word (`!re`,
//! `!done`, …), the `.tag`, and the `=name=value` attributes.
//!
//! Words are kept as bytes in one buffer: values are not guaranteed to be UTF-8 (Winbox users
//! type comments in legacy code pages), so conversion happens late, lossily, per value.

use std::borrow::Cow;

use crate::routeros::model::Value;

/// One sentence: its words, stored back to back.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Sentence {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl Sentence {
    pub fn with_capacity(words: usize, bytes: usize) -> Self {
        Self {
            data: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(words),
        }
    }

    pub fn push(&mut self, word: &[u8]) {
        self.data.extend_from_slice(word);
        self.ends.push(self.data.len());
    }

    pub fn from_words<W: AsRef<[u8]>>(words: impl IntoIterator<Item = W>) -> Self {
        let mut s = Self::default();
        for w in words {
            s.push(w.as_ref());
        }
        s
    }

    pub fn words(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let w = &self.data[start..end];
            start = end;
            w
        })
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes of payload, for the reply-size bound.
    pub fn byte_len(&self) -> usize {
        self.data.len() + self.ends.len()
    }

    /// The first word: `!re`, `!done`, `!trap`, `!fatal`, `!empty` in replies.
    pub fn reply_word(&self) -> &[u8] {
        self.words().next().unwrap_or_default()
    }

    /// The `.tag=N` API attribute.
    pub fn tag(&self) -> Option<&[u8]> {
        self.words().find_map(|w| w.strip_prefix(b".tag="))
    }

    /// `=name=value` attributes as (name, value). The name runs to the second `=`; the value
    /// may itself contain `=` or be empty.
    pub fn attributes(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.words().filter_map(|w| {
            let rest = w.strip_prefix(b"=")?;
            let eq = rest.iter().position(|&b| b == b'=')?;
            Some((&rest[..eq], &rest[eq + 1..]))
        })
    }

    /// One attribute's value.
    pub fn attribute(&self, name: &str) -> Option<&[u8]> {
        self.attributes()
            .find(|(k, _)| *k == name.as_bytes())
            .map(|(_, v)| v)
    }

    /// Attributes as model fields: (name, text value), for the shared record parsers.
    pub fn fields(&self) -> impl Iterator<Item = (Cow<'_, str>, Value<'_>)> {
        self.attributes().map(|(k, v)| {
            (
                String::from_utf8_lossy(k),
                Value::Text(String::from_utf8_lossy(v)),
            )
        })
    }
}

impl std::fmt::Debug for Sentence {
    /// Shows words as text, with any `=password=` value hidden: sentences end up in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut list = f.debug_list();
        for w in self.words() {
            if w.starts_with(b"=password=") {
                list.entry(&"=password=<hidden>");
            } else {
                list.entry(&String::from_utf8_lossy(w));
            }
        }
        list.finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn attributes_and_tag() {
        let s = Sentence::from_words(["!re", "=name=a=b", "=comment=", ".tag=12", "=bad", "?q=1"]);
        assert_eq!(s.reply_word(), b"!re");
        assert_eq!(s.tag(), Some(&b"12"[..]));
        let attrs: Vec<_> = s.attributes().collect();
        assert_eq!(
            attrs,
            [(&b"name"[..], &b"a=b"[..]), (&b"comment"[..], &b""[..])]
        );
        assert_eq!(s.attribute("comment"), Some(&b""[..]));
        assert_eq!(s.attribute("missing"), None);
        assert_eq!(s.len(), 6);
    }

    #[test]
    fn debug_hides_password() {
        let s = Sentence::from_words(["/login", "=name=admin", "=password=hunter2"]);
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("admin"));
    }
}
