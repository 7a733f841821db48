//! The API word-length codec (ROUTEROS.md): big-endian length prefixes of 1 to 5 bytes.
//! `< 0x80` one byte; `< 0x4000` two, `| 0x8000`; `< 0x200000` three, `| 0xC00000`;
//! `< 0x10000000` four, `| 0xE0000000`; otherwise `0xF0` then four bytes. A first byte
//! `>= 0xF8` is reserved (a protocol error); so are `0xF1..=0xF7`, which no encoder produces.

use thiserror::Error;
use tokio::io::{AsyncRead, AsyncReadExt as _};

/// The longest word the simulator accepts (the API refuses longer ones).
pub const MAX_WORD: usize = 16 * 1024 * 1024;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CodecError {
    #[error("reserved length byte {0:#04x}")]
    Reserved(u8),
    #[error("word of {0} bytes is longer than the limit")]
    TooLong(u64),
    #[error("connection closed")]
    Eof,
    #[error("I/O error: {0}")]
    Io(String),
}

/// Appends the length prefix of a `len`-byte word.
pub fn encode_len(len: usize, out: &mut Vec<u8>) {
    let l = len as u64;
    if l < 0x80 {
        out.push(l as u8);
    } else if l < 0x4000 {
        out.extend_from_slice(&((l as u16) | 0x8000).to_be_bytes());
    } else if l < 0x20_0000 {
        let v = (l as u32) | 0xC0_0000;
        out.extend_from_slice(&v.to_be_bytes()[1..]);
    } else if l < 0x1000_0000 {
        out.extend_from_slice(&((l as u32) | 0xE000_0000).to_be_bytes());
    } else {
        out.push(0xF0);
        out.extend_from_slice(&(l as u32).to_be_bytes());
    }
}

/// Appends a word (prefix and bytes).
pub fn push_word(out: &mut Vec<u8>, word: &[u8]) {
    encode_len(word.len(), out);
    out.extend_from_slice(word);
}

/// How many more bytes follow a first length byte, or the error for a reserved one.
pub fn extra_len_bytes(first: u8) -> Result<usize, CodecError> {
    match first {
        0x00..=0x7F => Ok(0),
        0x80..=0xBF => Ok(1),
        0xC0..=0xDF => Ok(2),
        0xE0..=0xEF => Ok(3),
        0xF0 => Ok(4),
        b => Err(CodecError::Reserved(b)),
    }
}

/// The length encoded by a complete prefix (`prefix[0]` plus its extra bytes).
pub fn decode_len(prefix: &[u8]) -> Result<u64, CodecError> {
    let first = *prefix.first().ok_or(CodecError::Eof)?;
    let extra = extra_len_bytes(first)?;
    if prefix.len() < 1 + extra {
        return Err(CodecError::Eof);
    }
    let rest = &prefix[1..=extra];
    let mut v: u64 = match extra {
        0 => return Ok(u64::from(first)),
        1 => u64::from(first & 0x3F),
        2 => u64::from(first & 0x1F),
        3 => u64::from(first & 0x0F),
        _ => 0,
    };
    for b in rest {
        v = (v << 8) | u64::from(*b);
    }
    Ok(v)
}

/// Decodes one word from the front of `buf`: `Ok(None)` when more bytes are needed, else the
/// word and the bytes consumed.
pub fn decode_word(buf: &[u8], max: usize) -> Result<Option<(&[u8], usize)>, CodecError> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    let extra = extra_len_bytes(first)?;
    if buf.len() < 1 + extra {
        return Ok(None);
    }
    let len = decode_len(&buf[..=extra])?;
    if len > max as u64 {
        return Err(CodecError::TooLong(len));
    }
    let start = 1 + extra;
    let end = start + len as usize;
    if buf.len() < end {
        return Ok(None);
    }
    Ok(Some((&buf[start..end], end)))
}

/// Reads one word from a stream (empty = end of sentence).
pub async fn read_word<R: AsyncRead + Unpin>(r: &mut R, max: usize) -> Result<Vec<u8>, CodecError> {
    let io = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            CodecError::Eof
        } else {
            CodecError::Io(e.to_string())
        }
    };
    let mut prefix = [0u8; 5];
    r.read_exact(&mut prefix[..1]).await.map_err(io)?;
    let extra = extra_len_bytes(prefix[0])?;
    r.read_exact(&mut prefix[1..=extra]).await.map_err(io)?;
    let len = decode_len(&prefix[..=extra])?;
    if len > max as u64 {
        return Err(CodecError::TooLong(len));
    }
    let mut word = vec![0u8; len as usize];
    r.read_exact(&mut word).await.map_err(io)?;
    Ok(word)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn prefix_len(len: usize) -> usize {
        let mut v = Vec::new();
        encode_len(len, &mut v);
        v.len()
    }

    #[test]
    fn boundaries() {
        for (len, want) in [
            (0, 1),
            (0x7F, 1),
            (0x80, 2),
            (0x3FFF, 2),
            (0x4000, 3),
            (0x1F_FFFF, 3),
            (0x20_0000, 4),
            (0x0FFF_FFFF, 4),
            (0x1000_0000, 5),
            (u32::MAX as usize, 5),
        ] {
            assert_eq!(prefix_len(len), want, "len {len:#x}");
            let mut v = Vec::new();
            encode_len(len, &mut v);
            assert_eq!(decode_len(&v).unwrap(), len as u64);
        }
        let mut v = Vec::new();
        encode_len(0x80, &mut v);
        assert_eq!(v, [0x80, 0x80]);
        v.clear();
        encode_len(0x4000, &mut v);
        assert_eq!(v, [0xC0, 0x40, 0x00]);
        v.clear();
        encode_len(0x20_0000, &mut v);
        assert_eq!(v, [0xE0, 0x20, 0x00, 0x00]);
        v.clear();
        encode_len(0x1000_0000, &mut v);
        assert_eq!(v, [0xF0, 0x10, 0x00, 0x00, 0x00]);
        for b in 0xF1..=0xFF {
            assert_eq!(
                decode_word(&[b, 0, 0, 0, 0, 0], MAX_WORD),
                Err(CodecError::Reserved(b))
            );
        }
    }

    proptest! {
        #[test]
        fn length_round_trip(len in prop_oneof![0usize..0x80, 0x80usize..0x4000, 0x4000usize..0x20_0000, 0x20_0000usize..0x1000_0000, 0x1000_0000usize..=u32::MAX as usize]) {
            let mut v = Vec::new();
            encode_len(len, &mut v);
            prop_assert_eq!(v.len(), 1 + extra_len_bytes(v[0]).unwrap());
            prop_assert_eq!(decode_len(&v).unwrap(), len as u64);
        }

        #[test]
        fn words_round_trip(words in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..20)) {
            let mut buf = Vec::new();
            for w in &words { push_word(&mut buf, w); }
            let mut off = 0;
            for w in &words {
                let (got, used) = decode_word(&buf[off..], MAX_WORD).unwrap().unwrap();
                prop_assert_eq!(got, &w[..]);
                off += used;
            }
            prop_assert_eq!(off, buf.len());
        }

        #[test]
        fn truncated_needs_more(word in proptest::collection::vec(any::<u8>(), 1..20000), cut in 0usize..100) {
            let mut buf = Vec::new();
            push_word(&mut buf, &word);
            let cut = cut.min(buf.len() - 1);
            prop_assert_eq!(decode_word(&buf[..cut], MAX_WORD).unwrap(), None);
        }
    }
}
