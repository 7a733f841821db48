//! API sentences: reading a bounded sentence from a stream, splitting it into command,
//! attributes, API attributes (`.tag`) and queries, and writing reply sentences.

use tokio::io::AsyncRead;

use super::codec::{CodecError, MAX_WORD, push_word, read_word};
use crate::fields::Sink;

/// Most words one sentence may have, and most bytes all its words together.
pub const MAX_WORDS: usize = 10_000;
pub const MAX_SENTENCE_BYTES: usize = 32 * 1024 * 1024;

/// Reads words up to the empty word that ends a sentence.
pub async fn read_sentence<R: AsyncRead + Unpin>(r: &mut R) -> Result<Vec<Vec<u8>>, CodecError> {
    let mut words = Vec::new();
    let mut total = 0usize;
    loop {
        let w = read_word(r, MAX_WORD).await?;
        if w.is_empty() {
            return Ok(words);
        }
        total += w.len();
        if words.len() >= MAX_WORDS || total > MAX_SENTENCE_BYTES {
            return Err(CodecError::TooLong(total as u64));
        }
        words.push(w);
    }
}

/// A parsed request sentence.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Request {
    pub command: String,
    /// `=name=value` words, in order.
    pub attrs: Vec<(String, String)>,
    /// `.tag`.
    pub tag: Option<String>,
    /// Query words without their `?`.
    pub queries: Vec<String>,
}

impl Request {
    pub fn parse(words: &[Vec<u8>]) -> Request {
        let mut req = Request::default();
        let mut it = words
            .iter()
            .map(|w| String::from_utf8_lossy(w).into_owned());
        req.command = it.next().unwrap_or_default();
        for w in it {
            if let Some(rest) = w.strip_prefix('=') {
                let (k, v) = rest.split_once('=').unwrap_or((rest, ""));
                req.attrs.push((k.to_owned(), v.to_owned()));
            } else if let Some(t) = w.strip_prefix(".tag=") {
                req.tag = Some(t.to_owned());
            } else if let Some(q) = w.strip_prefix('?') {
                req.queries.push(q.to_owned());
            }
            // Other API attributes are ignored, as RouterOS does.
        }
        req
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reply sentences for one request, tagged with its `.tag`.
pub struct Reply {
    pub out: Vec<u8>,
    tag: Option<String>,
}

impl Reply {
    pub fn new(tag: Option<String>) -> Self {
        Self {
            out: Vec::with_capacity(256),
            tag,
        }
    }

    fn push_tag(&mut self) {
        if let Some(t) = &self.tag {
            let mut w = Vec::with_capacity(5 + t.len());
            w.extend_from_slice(b".tag=");
            w.extend_from_slice(t.as_bytes());
            push_word(&mut self.out, &w);
        }
    }

    /// One whole reply sentence: `!done`, `!trap`, `!empty`, `!fatal`.
    pub fn sentence(&mut self, reply: &str, attrs: &[(&str, &str)]) {
        push_word(&mut self.out, reply.as_bytes());
        self.push_tag();
        for (k, v) in attrs {
            self.attr(k, v);
        }
        self.out.push(0);
    }

    fn attr(&mut self, k: &str, v: &str) {
        super::codec::encode_len(2 + k.len() + v.len(), &mut self.out);
        self.out.push(b'=');
        self.out.extend_from_slice(k.as_bytes());
        self.out.push(b'=');
        self.out.extend_from_slice(v.as_bytes());
    }

    pub fn done(&mut self) {
        self.sentence("!done", &[]);
    }

    pub fn trap(&mut self, message: &str, category: Option<u8>) {
        let cat = category.map(|c| c.to_string());
        match &cat {
            Some(c) => self.sentence("!trap", &[("category", c), ("message", message)]),
            None => self.sentence("!trap", &[("message", message)]),
        }
        self.done();
    }
}

/// Printed items become `!re` sentences.
impl Sink for Reply {
    fn begin_item(&mut self) {
        push_word(&mut self.out, b"!re");
        self.push_tag();
    }
    fn field(&mut self, key: &str, value: &str) {
        self.attr(key, value);
    }
    fn end_item(&mut self) {
        self.out.push(0);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::api::codec::decode_word;
    use proptest::prelude::*;

    fn split_sentences(mut buf: &[u8]) -> Vec<Vec<String>> {
        let mut out = vec![Vec::new()];
        while let Some((w, used)) = decode_word(buf, MAX_WORD).unwrap() {
            buf = &buf[used..];
            if w.is_empty() {
                out.push(Vec::new());
            } else if let Some(last) = out.last_mut() {
                last.push(String::from_utf8(w.to_vec()).unwrap());
            }
        }
        out.pop();
        out
    }

    proptest! {
        #[test]
        fn request_framing(cmd in "/[a-z/]{1,30}", attrs in proptest::collection::vec(("[a-z.-]{1,10}", "[ -~]{0,300}"), 0..8), tag in proptest::option::of("[0-9a-z]{1,5}")) {
            let mut words: Vec<Vec<u8>> = vec![cmd.clone().into_bytes()];
            for (k, v) in &attrs { words.push(format!("={k}={v}").into_bytes()); }
            if let Some(t) = &tag { words.push(format!(".tag={t}").into_bytes()); }
            let mut buf = Vec::new();
            for w in &words { push_word(&mut buf, w); }
            buf.push(0);
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let got = rt.block_on(async { read_sentence(&mut &buf[..]).await }).unwrap();
            prop_assert_eq!(&got, &words);
            let req = Request::parse(&got);
            prop_assert_eq!(req.command, cmd);
            prop_assert_eq!(req.tag, tag);
            prop_assert_eq!(req.attrs, attrs);
        }

        #[test]
        fn reply_framing(items in proptest::collection::vec(proptest::collection::vec(("[a-z-]{1,12}", "[ -~]{0,200}"), 0..5), 0..6), tag in proptest::option::of("[0-9]{1,4}")) {
            let mut r = Reply::new(tag.clone());
            for it in &items {
                r.begin_item();
                for (k, v) in it { r.field(k, v); }
                r.end_item();
            }
            r.done();
            let sentences = split_sentences(&r.out);
            prop_assert_eq!(sentences.len(), items.len() + 1);
            for (s, it) in sentences.iter().zip(&items) {
                prop_assert_eq!(&s[0], "!re");
                let skip = if tag.is_some() { 2 } else { 1 };
                if let Some(t) = &tag { prop_assert_eq!(&s[1], &format!(".tag={t}")); }
                let attrs: Vec<String> = it.iter().map(|(k, v)| format!("={k}={v}")).collect();
                prop_assert_eq!(&s[skip..], &attrs[..]);
            }
            prop_assert_eq!(&sentences[items.len()][0], "!done");
        }
    }
}
