//! RFC 3492 Punycode decoding into a reused buffer (the matcher decodes `xn--` labels without
//! allocating per name).

const BASE: u32 = 36;
const TMIN: u32 = 1;
const TMAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;

fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
    delta /= if first { DAMP } else { 2 };
    delta += delta / points.max(1);
    let mut k = 0;
    while delta > ((BASE - TMIN) * TMAX) / 2 {
        delta /= BASE - TMIN;
        k += BASE;
    }
    k + (BASE - TMIN + 1) * delta / (delta + SKEW)
}

fn digit(b: u8) -> Option<u32> {
    match b {
        b'a'..=b'z' => Some(u32::from(b - b'a')),
        b'A'..=b'Z' => Some(u32::from(b - b'A')),
        b'0'..=b'9' => Some(u32::from(b - b'0') + 26),
        _ => None,
    }
}

/// Decodes the part after `xn--` into `out` (cleared first). Returns false on malformed input
/// or more than 63 code points.
pub fn decode(input: &str, out: &mut Vec<char>) -> bool {
    out.clear();
    let (basic, ext) = match input.rfind('-') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => ("", input),
    };
    if !basic.is_ascii() {
        return false;
    }
    out.extend(basic.chars());
    let (mut n, mut i, mut bias) = (128u32, 0u32, 72u32);
    let bytes = ext.as_bytes();
    let mut pos = 0;
    while pos < bytes.len() {
        let old_i = i;
        let mut w = 1u32;
        let mut k = BASE;
        loop {
            let Some(&b) = bytes.get(pos) else {
                return false;
            };
            pos += 1;
            let Some(d) = digit(b) else {
                return false;
            };
            let Some(ni) = d.checked_mul(w).and_then(|x| i.checked_add(x)) else {
                return false;
            };
            i = ni;
            let t = if k <= bias {
                TMIN
            } else if k >= bias + TMAX {
                TMAX
            } else {
                k - bias
            };
            if d < t {
                break;
            }
            let Some(nw) = w.checked_mul(BASE - t) else {
                return false;
            };
            w = nw;
            k += BASE;
        }
        let len = out.len() as u32 + 1;
        bias = adapt(i - old_i, len, old_i == 0);
        let Some(nn) = n.checked_add(i / len) else {
            return false;
        };
        n = nn;
        i %= len;
        let Some(c) = char::from_u32(n) else {
            return false;
        };
        if out.len() >= 63 {
            return false;
        }
        out.insert(i as usize, c);
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes() {
        let mut v = Vec::new();
        assert!(decode("80ak6aa92e", &mut v)); // "xn--80ak6aa92e" = Cyrillic "аррӏе"
        let s: String = v.iter().collect();
        assert_eq!(s.chars().count(), 5);
        assert!(decode("r8jz45g", &mut v));
        assert_eq!(v.iter().collect::<String>(), "例え");
        assert!(decode("mnchen-3ya", &mut v));
        assert_eq!(v.iter().collect::<String>(), "münchen");
        assert!(!decode("!!", &mut v));
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,80}") {
            let mut v = Vec::new();
            let _ = decode(&s, &mut v);
        }
    }
}
