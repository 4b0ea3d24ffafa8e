//! Edit distances on labels (at most 63 bytes): the bounded unit-cost distance used to verify
//! candidates, the weighted distance used to score them (with the edits for the explanation),
//! and the polynomial hashes behind the symmetric-delete index.

use super::tables::{keyboard_adjacent, substitution_cost};

/// The longest label compared (a DNS label).
pub const MAX: usize = 63;

/// Polynomial hash base (odd).
const P: u64 = 0x100_0000_01b3;

/// Hash of a byte string, composable with [`Hashes`].
pub fn hash(s: &[u8]) -> u64 {
    let mut h: u64 = 0;
    for &b in s {
        h = h.wrapping_mul(P).wrapping_add(u64::from(b) + 1);
    }
    key(h, s.len())
}

/// The table key for a raw polynomial hash of a string of `len` bytes.
#[inline]
fn key(h: u64, len: usize) -> u64 {
    let mut x = h ^ ((len as u64) << 57);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x
}

/// Prefix hashes of one string, to hash its one- and two-character deletions in O(1) each.
pub struct Hashes {
    pre: [u64; MAX + 1],
    pow: [u64; MAX + 1],
    n: usize,
}

impl Default for Hashes {
    fn default() -> Self {
        let mut pow = [1u64; MAX + 1];
        for i in 1..=MAX {
            pow[i] = pow[i - 1].wrapping_mul(P);
        }
        Hashes {
            pre: [0; MAX + 1],
            pow,
            n: 0,
        }
    }
}

impl Hashes {
    /// Loads `s` (at most [`MAX`] bytes; longer strings are cut).
    pub fn load(&mut self, s: &[u8]) {
        let n = s.len().min(MAX);
        self.n = n;
        self.pre[0] = 0;
        for (i, &b) in s[..n].iter().enumerate() {
            self.pre[i + 1] = self.pre[i].wrapping_mul(P).wrapping_add(u64::from(b) + 1);
        }
    }

    #[inline]
    fn sub(&self, a: usize, b: usize) -> u64 {
        self.pre[b].wrapping_sub(self.pre[a].wrapping_mul(self.pow[b - a]))
    }

    /// Key of the whole string.
    pub fn whole(&self) -> u64 {
        key(self.pre[self.n], self.n)
    }

    /// Key of the string without byte `i`.
    #[inline]
    pub fn del1(&self, i: usize) -> u64 {
        let n = self.n;
        let h = self.pre[i]
            .wrapping_mul(self.pow[n - 1 - i])
            .wrapping_add(self.sub(i + 1, n));
        key(h, n - 1)
    }

    /// Key of the string without bytes `i < j`.
    #[inline]
    pub fn del2(&self, i: usize, j: usize) -> u64 {
        let n = self.n;
        let h = self.pre[i]
            .wrapping_mul(self.pow[n - 2 - i])
            .wrapping_add(self.sub(i + 1, j).wrapping_mul(self.pow[n - 1 - j]))
            .wrapping_add(self.sub(j + 1, n));
        key(h, n - 2)
    }

    /// Length of the loaded string.
    pub fn len(&self) -> usize {
        self.n
    }
}

/// Unit-cost optimal-string-alignment distance (Damerau-Levenshtein without repeated edits of a
/// substring), or `None` when it exceeds `max`. `rows` is scratch space.
pub fn osa_within(a: &[u8], b: &[u8], max: usize, rows: &mut Vec<u8>) -> Option<usize> {
    let (n, m) = (a.len().min(MAX), b.len().min(MAX));
    let (a, b) = (&a[..n], &b[..m]);
    if n.abs_diff(m) > max {
        return None;
    }
    let w = m + 1;
    rows.clear();
    rows.resize((n + 1) * w, 0);
    for (j, r) in rows.iter_mut().take(m + 1).enumerate() {
        *r = j as u8;
    }
    for i in 1..=n {
        rows[i * w] = i as u8;
        let mut row_min = u8::MAX;
        for j in 1..=m {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut v = (rows[(i - 1) * w + j] + 1)
                .min(rows[i * w + j - 1] + 1)
                .min(rows[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(rows[(i - 2) * w + j - 2] + 1);
            }
            rows[i * w + j] = v;
            row_min = row_min.min(v);
        }
        if usize::from(row_min.min(rows[i * w])) > max {
            return None;
        }
    }
    let d = usize::from(rows[n * w + m]);
    (d <= max).then_some(d)
}

/// One edit turning the brand label into the name's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Brand byte replaced by another.
    Substitution(u8, u8),
    /// A byte added.
    Insertion(u8),
    /// A brand byte left out.
    Omission(u8),
    /// Two neighbouring brand bytes swapped (given in brand order).
    Transposition(u8, u8),
}

fn insertion_cost(q: &[u8], j: usize) -> f32 {
    // Inserting q[j] (0-based) into the brand.
    let c = q[j];
    let prev = j.checked_sub(1).map(|p| q[p]);
    let next = q.get(j + 1).copied();
    if c == b'-' {
        0.3
    } else if prev == Some(c) || next == Some(c) || (c == b's' && j + 1 == q.len()) {
        0.4
    } else if prev.is_some_and(|p| keyboard_adjacent(p, c))
        || next.is_some_and(|n| keyboard_adjacent(n, c))
    {
        0.6
    } else {
        0.8
    }
}

fn omission_cost(a: &[u8], i: usize) -> f32 {
    let c = a[i];
    let doubled = (i > 0 && a[i - 1] == c) || a.get(i + 1) == Some(&c);
    if doubled { 0.4 } else { 0.6 }
}

/// Scratch for [`weighted`].
#[derive(Default)]
pub struct WeightedScratch {
    dp: Vec<f32>,
    /// The edits found by the last call, from the left.
    pub ops: Vec<Op>,
}

/// The weighted OSA distance from brand label `a` to `b`, with the edits (in `s.ops`).
/// Costs: see [`substitution_cost`]; insertions 0.3 (hyphen) to 0.8; omissions 0.4 (of a
/// doubled letter) or 0.6; transpositions 0.5.
pub fn weighted(a: &[u8], b: &[u8], s: &mut WeightedScratch) -> f32 {
    let (n, m) = (a.len().min(MAX), b.len().min(MAX));
    let (a, b) = (&a[..n], &b[..m]);
    let w = m + 1;
    s.dp.clear();
    s.dp.resize((n + 1) * w, 0.0);
    s.ops.clear();
    for j in 1..=m {
        s.dp[j] = s.dp[j - 1] + insertion_cost(b, j - 1);
    }
    for i in 1..=n {
        s.dp[i * w] = s.dp[(i - 1) * w] + omission_cost(a, i - 1);
        for j in 1..=m {
            let mut v = (s.dp[(i - 1) * w + j] + omission_cost(a, i - 1))
                .min(s.dp[i * w + j - 1] + insertion_cost(b, j - 1))
                .min(s.dp[(i - 1) * w + j - 1] + substitution_cost(a[i - 1], b[j - 1]));
            if i > 1
                && j > 1
                && a[i - 1] == b[j - 2]
                && a[i - 2] == b[j - 1]
                && a[i - 1] != a[i - 2]
            {
                v = v.min(s.dp[(i - 2) * w + j - 2] + 0.5);
            }
            s.dp[i * w + j] = v;
        }
    }
    // Backtrack.
    let (mut i, mut j) = (n, m);
    const EPS: f32 = 1e-4;
    while i > 0 || j > 0 {
        let here = s.dp[i * w + j];
        if i > 0 && j > 0 && a[i - 1] == b[j - 1] && (here - s.dp[(i - 1) * w + j - 1]).abs() < EPS
        {
            i -= 1;
            j -= 1;
        } else if i > 0
            && j > 0
            && (here - s.dp[(i - 1) * w + j - 1] - substitution_cost(a[i - 1], b[j - 1])).abs()
                < EPS
        {
            s.ops.push(Op::Substitution(a[i - 1], b[j - 1]));
            i -= 1;
            j -= 1;
        } else if i > 1
            && j > 1
            && a[i - 1] == b[j - 2]
            && a[i - 2] == b[j - 1]
            && (here - s.dp[(i - 2) * w + j - 2] - 0.5).abs() < EPS
        {
            s.ops.push(Op::Transposition(a[i - 2], a[i - 1]));
            i -= 2;
            j -= 2;
        } else if j > 0
            && (i == 0 || (here - s.dp[i * w + j - 1] - insertion_cost(b, j - 1)).abs() < EPS)
        {
            s.ops.push(Op::Insertion(b[j - 1]));
            j -= 1;
        } else {
            s.ops.push(Op::Omission(a[i.saturating_sub(1)]));
            i = i.saturating_sub(1);
        }
    }
    s.ops.reverse();
    s.dp[n * w + m]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn deletion_hashes_match_materialised() {
        let s = b"kuronekoyamato";
        let mut h = Hashes::default();
        h.load(s);
        assert_eq!(h.whole(), hash(s));
        for i in 0..s.len() {
            let mut d = s.to_vec();
            d.remove(i);
            assert_eq!(h.del1(i), hash(&d));
            for j in i + 1..s.len() {
                let mut d = s.to_vec();
                d.remove(j);
                d.remove(i);
                assert_eq!(h.del2(i, j), hash(&d));
            }
        }
    }

    #[test]
    fn osa() {
        let mut r = Vec::new();
        assert_eq!(osa_within(b"amazon", b"amazon", 2, &mut r), Some(0));
        assert_eq!(osa_within(b"amazon", b"amzaon", 2, &mut r), Some(1));
        assert_eq!(osa_within(b"amazon", b"amazoon1", 2, &mut r), Some(2));
        assert_eq!(osa_within(b"amazon", b"amzanao", 2, &mut r), None);
        assert_eq!(osa_within(b"paypal", b"facebook", 2, &mut r), None);
    }

    #[test]
    fn weighted_edits() {
        let mut s = WeightedScratch::default();
        let c = weighted(b"kuronekoyamato", b"kuronekoyamatc", &mut s);
        assert!((c - 0.3).abs() < 1e-4);
        assert_eq!(s.ops, [Op::Substitution(b'o', b'c')]);
        let c = weighted(b"paypal", b"paypay", &mut s);
        assert!((c - 1.0).abs() < 1e-4);
        weighted(b"biglobe", b"biglobes", &mut s);
        assert_eq!(s.ops, [Op::Insertion(b's')]);
        weighted(b"amazon", b"amzaon", &mut s);
        assert_eq!(s.ops, [Op::Transposition(b'a', b'z')]);
        weighted(b"google", b"gogle", &mut s);
        assert_eq!(s.ops, [Op::Omission(b'o')]);
    }

    proptest! {
        #[test]
        fn weighted_never_panics(a in "[a-z0-9-]{0,70}", b in "[a-z0-9-]{0,70}") {
            let mut s = WeightedScratch::default();
            let c = weighted(a.as_bytes(), b.as_bytes(), &mut s);
            prop_assert!(c >= 0.0);
            let mut r = Vec::new();
            let _ = osa_within(a.as_bytes(), b.as_bytes(), 2, &mut r);
        }
    }
}
