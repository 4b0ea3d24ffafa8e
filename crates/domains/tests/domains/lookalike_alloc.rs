//! The matcher's non-hit path allocates nothing: a counting allocator (per thread, so tests
//! running in parallel do not disturb the count) around the system allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use domains::SuffixList;
use domains::lookalike::{
    Allowlist, Brand, BrandIndex, IndexOptions, Matcher, Popularity, Scratch,
};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to `System`; the thread-local counter is
// const-initialised and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

#[test]
fn non_hit_path_allocates_nothing() {
    let brands = Brand::parse_list(
        "kuronekoyamato.co.jp\nucscard.co.jp ucs-card\namazon.co.jp aws\npaypal.com\njcb.co.jp\n\
         rakuten.co.jp\nsmbc-card.com smbc\nau.com\n",
    )
    .unwrap();
    let psl = SuffixList::embedded();
    let index = BrandIndex::build(&brands, psl, &IndexOptions::default());
    let allow = Allowlist::new();
    let popular = Popularity::embedded();
    let matcher = Matcher::new(&index, psl, &allow, &popular);
    let mut s = Scratch::new();
    // Names that are no hit, including near misses that get scored and rejected, IDN labels
    // (Punycode decoding and skeletons) and mixed case.
    let names: Vec<String> = (0..5000)
        .map(|i| match i % 10 {
            0 => format!("shop{i}.example.com"),
            1 => format!("www.blog-{i}.co.jp"),
            2 => "paypay.ne.jp".to_string(),
            3 => "jtb.co.jp".to_string(),
            4 if i % 20 == 4 => "xn--80ak6aa92e.com".to_string(),
            4 => format!("xn--bcher-kva{i}.de"),
            5 => format!("mail.{i}.amazon.co.jp"),
            6 => format!("Some-Mixed-Case{i}.NET"),
            7 => "a.b.c.d.e.f.g.h.example.org".to_string(),
            8 => format!("ns{i}.dnsprovider.net"),
            _ => format!("kuroneko-{i}.example"),
        })
        .collect();
    // Warm up: buffers grow to their working size once.
    for n in &names {
        let _ = matcher.check(n, &mut s);
    }
    let before = allocs();
    let mut hits = 0;
    for n in &names {
        hits += usize::from(matcher.check(n, &mut s).is_some());
    }
    let after = allocs();
    assert_eq!(hits, 0, "the sample was meant to have no hits");
    assert_eq!(after - before, 0, "allocations on the non-hit path");
    // And a hit does come back from the same matcher, allocating (so the counter works).
    let before = allocs();
    assert!(matcher.check("kuronekoyamatc.cc", &mut s).is_some());
    assert!(allocs() > before);
}
