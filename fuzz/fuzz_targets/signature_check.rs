//! Webhook signatures: `verify_signature` never panics on any token, body or header, accepts
//! exactly `sign(token, body)` (in either hex case, with surrounding spaces), and rejects it
//! once any single byte of the body, or any hex digit of the signature, changes (every position
//! of a short body; else both ends and one the input picks, so each run stays cheap).
#![no_main]

use libfuzzer_sys::fuzz_target;
use qiscus::webhooks::{sign, verify_signature};

/// One input: `[token_len][sig_len][at_hi][at_lo][token][sig][body...]`.
struct Input<'a> {
    token: &'a [u8],
    sig: &'a [u8],
    /// Picks the body byte and the signature digit to tamper with.
    at: usize,
    body: &'a [u8],
}

fn split(data: &[u8]) -> Option<Input<'_>> {
    let (&[tl, sl, hi, lo], rest) = data.split_first_chunk::<4>()?;
    let tl = (tl as usize).min(rest.len());
    let (token, rest) = rest.split_at(tl);
    let sl = (sl as usize).min(rest.len());
    let (sig, body) = rest.split_at(sl);
    Some(Input {
        token,
        sig,
        at: usize::from(u16::from_be_bytes([hi, lo])),
        body,
    })
}

/// Which positions of `len` to tamper with: all of a short one; else both ends and the one the
/// input picks (over many runs, every position). One HMAC each, so this keeps a run cheap.
fn positions(len: usize, at: usize) -> Vec<usize> {
    if len <= 32 {
        (0..len).collect()
    } else {
        vec![0, len - 1, at % len]
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(Input {
        token,
        sig: sig_bytes,
        at,
        body,
    }) = split(data)
    else {
        return;
    };
    let good = sign(token, body);
    assert_eq!(good.len(), 64);

    // Arbitrary headers: never a panic; accepted only when they are the right signature.
    let header = String::from_utf8_lossy(sig_bytes);
    let verdict = verify_signature(token, body, Some(&header));
    if verdict.is_ok() {
        assert_eq!(
            header.trim().to_ascii_lowercase(),
            good,
            "accepted a wrong signature"
        );
    }
    assert!(verify_signature(token, body, None).is_err());
    // 32 input bytes as a well-formed hex header: reaches the HMAC comparison.
    if sig_bytes.len() >= 32 {
        let hexed: String = sig_bytes[..32].iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            verify_signature(token, body, Some(&hexed)).is_ok(),
            hexed == good
        );
    }

    // The right signature is accepted, in any hex case and with spaces around it.
    assert!(verify_signature(token, body, Some(&good)).is_ok());
    assert!(verify_signature(token, body, Some(&good.to_ascii_uppercase())).is_ok());
    assert!(verify_signature(token, body, Some(&format!(" {good}\t"))).is_ok());

    // Any one body byte changed (by a flip chosen from the input): rejected.
    let mask = data[0] | 1;
    let mut tampered = body.to_vec();
    for i in positions(body.len(), at) {
        tampered[i] ^= mask;
        assert!(
            verify_signature(token, &tampered, Some(&good)).is_err(),
            "accepted with body byte {i} flipped"
        );
        tampered[i] ^= mask;
    }
    // A byte added or removed: rejected.
    tampered.push(data[1]);
    assert!(verify_signature(token, &tampered, Some(&good)).is_err());
    if !body.is_empty() {
        assert!(verify_signature(token, &body[..body.len() - 1], Some(&good)).is_err());
    }

    // Any one hex digit of the signature changed: rejected.
    let bytes = good.as_bytes();
    for i in positions(bytes.len(), at) {
        let mut s = bytes.to_vec();
        s[i] = if s[i] == b'0' { b'1' } else { b'0' };
        let s = String::from_utf8(s).expect("hex is ASCII");
        assert!(
            verify_signature(token, body, Some(&s)).is_err(),
            "accepted with signature digit {i} changed"
        );
    }
});
