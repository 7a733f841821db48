//! The binary API's wire format: words prefixed by a big-endian length in one to five bytes,
//! sentences ended by an empty word (ROUTEROS.md, "Binary API").
//!
//! Decoding works on whatever bytes have arrived so far and says "need more" instead of
//! blocking, so the connection can read in chunks; it validates every length before copying
//! anything, and refuses the reserved prefixes (first byte >= 0xF8) and words over 16 MiB
//! before a single byte of them is buffered.

use super::sentence::Sentence;

/// The longest word we accept. RouterOS's own words are short; 16 MiB leaves room for any
/// script or certificate while stopping a corrupt length from making us allocate gigabytes.
pub const MAX_WORD: usize = 16 * 1024 * 1024;

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodecError {
    /// A length prefix starting with a reserved byte (0xF8–0xFF).
    Reserved(u8),
    /// A word longer than [`MAX_WORD`].
    WordTooLong(usize),
}

impl std::fmt::Display for CodecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Reserved(b) => write!(f, "reserved length prefix byte 0x{b:02X}"),
            Self::WordTooLong(n) => write!(f, "a word of {n} bytes (more than 16 MiB)"),
        }
    }
}

/// Appends the length prefix for a word of `len` bytes.
pub fn encode_length(len: u32, out: &mut Vec<u8>) {
    match len {
        0..0x80 => out.push(len as u8),
        0x80..0x4000 => out.extend_from_slice(&((len | 0x8000) as u16).to_be_bytes()),
        0x4000..0x20_0000 => out.extend_from_slice(&(len | 0xC0_0000).to_be_bytes()[1..]),
        0x20_0000..0x1000_0000 => out.extend_from_slice(&(len | 0xE000_0000).to_be_bytes()),
        _ => {
            out.push(0xF0);
            out.extend_from_slice(&len.to_be_bytes());
        }
    }
}

/// Reads a length prefix: `Ok(None)` when more bytes are needed, else (length, prefix size).
pub fn decode_length(buf: &[u8]) -> Result<Option<(usize, usize)>, CodecError> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    let size = match first {
        0x00..=0x7F => 1,
        0x80..=0xBF => 2,
        0xC0..=0xDF => 3,
        0xE0..=0xEF => 4,
        0xF0..=0xF7 => 5,
        reserved => return Err(CodecError::Reserved(reserved)),
    };
    if buf.len() < size {
        return Ok(None);
    }
    let b = |i: usize| u32::from(buf[i]);
    let len = match size {
        1 => b(0),
        2 => ((b(0) & 0x3F) << 8) | b(1),
        3 => ((b(0) & 0x1F) << 16) | (b(1) << 8) | b(2),
        4 => ((b(0) & 0x0F) << 24) | (b(1) << 16) | (b(2) << 8) | b(3),
        _ => (b(1) << 24) | (b(2) << 16) | (b(3) << 8) | b(4),
    };
    Ok(Some((len as usize, size)))
}

/// Appends one word (prefix and bytes).
pub fn encode_word(word: &[u8], out: &mut Vec<u8>) -> Result<(), CodecError> {
    if word.len() > MAX_WORD {
        return Err(CodecError::WordTooLong(word.len()));
    }
    encode_length(word.len() as u32, out);
    out.extend_from_slice(word);
    Ok(())
}

/// Encodes a whole sentence, terminator included.
pub fn encode_sentence<W: AsRef<[u8]>>(
    words: impl IntoIterator<Item = W>,
) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(64);
    for word in words {
        encode_word(word.as_ref(), &mut out)?;
    }
    out.push(0);
    Ok(out)
}

/// Decodes the first sentence in `buf`: `Ok(None)` when it is not complete yet, otherwise the
/// sentence and how many bytes it used. Public so the fuzz target can drive it directly.
pub fn decode_sentence(buf: &[u8]) -> Result<Option<(Sentence, usize)>, CodecError> {
    // First pass: validate and measure without copying, so a partial sentence costs nothing.
    let mut pos = 0;
    let mut words = 0;
    let mut payload = 0;
    loop {
        let Some((len, size)) = decode_length(&buf[pos..])? else {
            return Ok(None);
        };
        if len > MAX_WORD {
            return Err(CodecError::WordTooLong(len));
        }
        pos += size;
        if len == 0 {
            break;
        }
        if buf.len() - pos < len {
            return Ok(None);
        }
        pos += len;
        words += 1;
        payload += len;
    }
    // Second pass: copy the words into one buffer.
    let mut sentence = Sentence::with_capacity(words, payload);
    let mut at = 0;
    while let Ok(Some((len, size))) = decode_length(&buf[at..]) {
        at += size;
        if len == 0 {
            break;
        }
        sentence.push(&buf[at..at + len]);
        at += len;
    }
    Ok(Some((sentence, pos)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn enc(len: u32) -> Vec<u8> {
        let mut v = Vec::new();
        encode_length(len, &mut v);
        v
    }

    #[test]
    fn range_boundaries() {
        let cases: [(u32, &[u8]); 10] = [
            (0, &[0x00]),
            (0x7F, &[0x7F]),
            (0x80, &[0x80, 0x80]),
            (0x3FFF, &[0xBF, 0xFF]),
            (0x4000, &[0xC0, 0x40, 0x00]),
            (0x1F_FFFF, &[0xDF, 0xFF, 0xFF]),
            (0x20_0000, &[0xE0, 0x20, 0x00, 0x00]),
            (0x0FFF_FFFF, &[0xEF, 0xFF, 0xFF, 0xFF]),
            (0x1000_0000, &[0xF0, 0x10, 0x00, 0x00, 0x00]),
            (u32::MAX, &[0xF0, 0xFF, 0xFF, 0xFF, 0xFF]),
        ];
        for (len, bytes) in cases {
            assert_eq!(enc(len), bytes, "encoding {len:#x}");
            assert_eq!(
                decode_length(bytes).unwrap(),
                Some((len as usize, bytes.len())),
                "decoding {len:#x}"
            );
            for cut in 0..bytes.len() {
                assert_eq!(decode_length(&bytes[..cut]).unwrap(), None);
            }
        }
    }

    #[test]
    fn reserved_prefixes_are_errors() {
        for b in 0xF8..=0xFF_u8 {
            assert_eq!(
                decode_length(&[b, 0, 0, 0, 0]),
                Err(CodecError::Reserved(b))
            );
            assert_eq!(
                decode_sentence(&[0x01, b'a', b]).err(),
                Some(CodecError::Reserved(b))
            );
        }
    }

    #[test]
    fn oversized_word_refused_before_buffering() {
        // Announces 0x2000000 bytes (32 MiB) with only the prefix present.
        let prefix = enc(32 * 1024 * 1024);
        assert_eq!(
            decode_sentence(&prefix),
            Err(CodecError::WordTooLong(32 * 1024 * 1024))
        );
        assert!(encode_word(&vec![0; MAX_WORD + 1], &mut Vec::new()).is_err());
    }

    #[test]
    fn sentence_round_trip() {
        let words: Vec<&[u8]> = vec![b"!re", b"=name=a=b", b"=comment=", b".tag=7"];
        let bytes = encode_sentence(&words).unwrap();
        let (s, used) = decode_sentence(&bytes).unwrap().unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(s.words().collect::<Vec<_>>(), words);
    }

    fn word() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 1..0x90),
            proptest::collection::vec(any::<u8>(), 0x3FF0..0x4010),
        ]
    }

    proptest! {
        #[test]
        fn length_round_trip(len in any::<u32>()) {
            let bytes = enc(len);
            prop_assert_eq!(decode_length(&bytes).unwrap(), Some((len as usize, bytes.len())));
        }

        #[test]
        fn split_at_any_byte(
            sentences in proptest::collection::vec(proptest::collection::vec(word(), 0..5), 1..4),
            cut_seed in any::<usize>(),
        ) {
            let mut stream = Vec::new();
            for s in &sentences {
                stream.extend(encode_sentence(s).unwrap());
            }
            let cut = cut_seed % (stream.len() + 1);
            // Feed the stream in two pieces and decode incrementally, as the connection does.
            let mut buf = stream[..cut].to_vec();
            let mut out = Vec::new();
            let mut fed_rest = false;
            loop {
                match decode_sentence(&buf).unwrap() {
                    Some((s, used)) => {
                        out.push(s.words().map(<[u8]>::to_vec).collect::<Vec<_>>());
                        buf.drain(..used);
                    }
                    None if !fed_rest => {
                        buf.extend_from_slice(&stream[cut..]);
                        fed_rest = true;
                    }
                    None => break,
                }
            }
            prop_assert!(buf.is_empty());
            prop_assert_eq!(out, sentences);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode_sentence(&bytes);
        }
    }
}
