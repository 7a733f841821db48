//! Arbitrary bytes as a RouterOS API reply stream: the decoder must return sentences, "need
//! more" or an error, never panic or over-read; decoded sentences go through the peer parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::routeros::api::client::parse_peer_sentences;
use server::routeros::api::codec::{decode_length, decode_sentence, encode_sentence};

fuzz_target!(|data: &[u8]| {
    let _ = decode_length(data);
    let mut rest = data;
    let mut sentences = Vec::new();
    while let Ok(Some((sentence, used))) = decode_sentence(rest) {
        assert!(used > 0 && used <= rest.len());
        // What was decoded re-encodes to a sentence that decodes to the same words.
        let again = encode_sentence(sentence.words()).expect("decoded words re-encode");
        let (round, _) = decode_sentence(&again)
            .expect("re-decode")
            .expect("complete");
        assert_eq!(round, sentence);
        let _ = sentence.tag();
        let _ = sentence.attributes().count();
        sentences.push(sentence);
        rest = &rest[used..];
    }
    let _ = parse_peer_sentences("fuzz", &sentences);
});
