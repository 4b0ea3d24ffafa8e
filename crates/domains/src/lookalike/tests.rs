use super::*;
use proptest::prelude::*;

fn brands(text: &str) -> Vec<Brand> {
    Brand::parse_list(text).unwrap()
}

struct Fixture {
    index: BrandIndex,
    allow: Allowlist,
    popular: Popularity,
}

impl Fixture {
    fn new(list: &str) -> Fixture {
        Fixture {
            index: BrandIndex::build(
                &brands(list),
                SuffixList::embedded(),
                &IndexOptions::default(),
            ),
            allow: Allowlist::new(),
            popular: Popularity::embedded(),
        }
    }

    fn check(&self, name: &str) -> Option<Hit> {
        let m = Matcher::new(
            &self.index,
            SuffixList::embedded(),
            &self.allow,
            &self.popular,
        );
        m.check(name, &mut Scratch::new())
    }

    fn any(&self, name: &str) -> Option<Hit> {
        let m = Matcher::new(
            &self.index,
            SuffixList::embedded(),
            &self.allow,
            &self.popular,
        )
        .with_min_score(1);
        m.check(name, &mut Scratch::new())
    }
}

const BRANDS: &str = "
kuronekoyamato.co.jp
biglobe.ne.jp
ucscard.co.jp ucs-card
amazon.co.jp aws
amazon.com
paypal.com
jcb.co.jp
rakuten.co.jp
";

#[test]
fn substitution_in_another_tld() {
    let f = Fixture::new(BRANDS);
    let h = f.check("kuronekoyamatc.cc").unwrap();
    assert_eq!(h.brand, "kuronekoyamato.co.jp");
    assert_eq!(h.registrable, "kuronekoyamatc.cc");
    assert!(h.techniques.contains(&"edit-distance".to_string()), "{h:?}");
    assert!(
        h.techniques.contains(&"permutation:homoglyph".to_string()),
        "{h:?}"
    );
    assert!(
        h.explanation.starts_with(
            "kuronekoyamatc.cc: 1 substitution (o->c) of kuronekoyamato, TLD changed co.jp->cc"
        ),
        "{}",
        h.explanation
    );
    assert!(h.score >= 85, "{h:?}");
}

#[test]
fn plural_addition() {
    let f = Fixture::new(BRANDS);
    let h = f.check("biglobes.net").unwrap();
    assert_eq!(h.brand, "biglobe.ne.jp");
    assert!(
        h.techniques.contains(&"permutation:plural".to_string()),
        "{h:?}"
    );
}

#[test]
fn token_with_hyphen_in_suspicious_tld() {
    let f = Fixture::new(BRANDS);
    let h = f.check("ucs-card.top").unwrap();
    assert_eq!(h.brand, "ucscard.co.jp");
    assert!(h.score >= 80, "{h:?}");
}

#[test]
fn brand_in_subdomain() {
    let f = Fixture::new(BRANDS);
    let h = f.check("www.ucscard.co.jp.okiae.com").unwrap();
    assert_eq!(h.brand, "ucscard.co.jp");
    assert_eq!(h.registrable, "okiae.com");
    assert_eq!(h.techniques[0], "brand-in-subdomain");
    assert!(h.score >= 75, "{h:?}");
    let h = f.check("us-west-1-amazon.ua-energy.cloud").unwrap();
    assert_eq!(h.techniques[0], "brand-in-subdomain");
    assert!(h.brand.starts_with("amazon."), "{h:?}");
}

#[test]
fn short_token_combosquat() {
    let f = Fixture::new(BRANDS);
    let h = f.check("aws-s3.cloud").unwrap();
    assert!(h.brand.starts_with("amazon."), "{h:?}");
    // A short token inside a word is no evidence.
    assert!(f.check("laws.cloud").is_none());
    assert!(f.check("jcbx.com").is_none());
}

#[test]
fn combosquat_with_keyword() {
    let f = Fixture::new(BRANDS);
    let h = f.check("amazon-login-jp.com").unwrap();
    assert_eq!(h.techniques[0], "combosquat");
    assert!(h.score >= 80, "{h:?}");
    let h = f.check("rakuten-card.xyz").unwrap();
    assert_eq!(h.brand, "rakuten.co.jp");
}

#[test]
fn fake_nameserver() {
    let f = Fixture::new(BRANDS);
    let h = f.check("ns-650.awsdns-017.net").unwrap();
    assert_eq!(h.techniques, ["fake-nameserver"]);
    assert!(h.brand.contains("name servers"), "{h:?}");
    assert!(f.check("ns-650.awsdns-17.net").is_none());
}

#[test]
fn homographs() {
    let f = Fixture::new(BRANDS);
    // Cyrillic а (U+0430) in "pаypal.com".
    let h = f.check("p\u{0430}ypal.com").unwrap();
    assert_eq!(h.brand, "paypal.com");
    assert_eq!(h.techniques[0], "homograph");
    let h = f.check("xn--pypal-4ve.com").unwrap();
    assert_eq!(h.brand, "paypal.com");
    let h = f.check("paypa1.com").unwrap();
    assert!(h.techniques.contains(&"homograph".to_string()), "{h:?}");
    let h = f.check("arnazon.co.jp").unwrap();
    assert!(h.brand.starts_with("amazon."), "{h:?}");
}

#[test]
fn own_names_and_lookalike_legit_names_are_not_flagged() {
    let f = Fixture::new(BRANDS);
    for n in [
        "www.amazon.co.jp",
        "amazon.co.jp",
        "AWS.Amazon.COM.",
        "login.paypal.com",
        "paypay.ne.jp",
        "jtb.co.jp",
        "www.jtb.co.jp",
        "amazon.de",
        "example.com",
        "co.jp",
        "",
        "not a name",
    ] {
        assert!(f.check(n).is_none(), "{n}: {:?}", f.check(n));
    }
    // jtb vs jcb is not even a candidate (short brands: no edits).
    assert!(f.any("jtb.co.jp").is_none());
}

#[test]
fn allowlist_entries() {
    let mut f = Fixture::new(BRANDS);
    assert!(f.check("amazon-login-jp.com").is_some());
    f.allow =
        Allowlist::parse(r#"{"name":"x","list":["amazon-login-jp.com", ".kuronekoyamatc.cc"]}"#)
            .unwrap();
    assert_eq!(f.allow.len(), 2);
    assert!(f.check("amazon-login-jp.com").is_none());
    assert!(f.check("a.kuronekoyamatc.cc").is_none());
    let plain = Allowlist::parse("# c\n*.example.com\nfoo.net\n").unwrap();
    assert!(plain.contains("a.example.com"));
    assert!(plain.contains("foo.net"));
    assert!(plain.contains("example.com"));
    assert!(!plain.contains("www.foo.net"), "a plain entry is exact");
    assert!(!plain.contains("bar.net"));
}

#[test]
fn brand_list_errors() {
    assert!(matches!(
        Brand::parse_list("a..b"),
        Err(BrandError::Name { line: 1, .. })
    ));
    assert!(matches!(
        Brand::parse_list("# x\nexample.com to/ken"),
        Err(BrandError::Token { line: 2, .. })
    ));
    let b = brands("example.com a-b,cd # comment");
    assert_eq!(b[0].tokens, ["a-b", "cd"]);
}

#[test]
fn private_suffix_brands() {
    let f = Fixture::new("mybrand.github.io");
    assert!(f.check("docs.mybrand.github.io").is_none());
    let h = f.check("mybrand-login.github.io").unwrap();
    assert_eq!(h.registrable, "github.io");
    assert!(f.check("mybrand.xyz").is_some());
}

#[test]
fn edit_kinds() {
    assert_eq!(
        Matcher::edit_kind("amazon", "amzaon"),
        Some("transposition")
    );
    assert_eq!(Matcher::edit_kind("google", "gogle"), Some("omission"));
    assert_eq!(Matcher::edit_kind("google", "googgle"), Some("insertion"));
}

proptest! {
    #[test]
    fn arbitrary_names_never_panic(name in ".{0,120}", ascii in "[a-z0-9.-]{0,80}") {
        let f = Fixture::new(BRANDS);
        let m = Matcher::new(&f.index, SuffixList::embedded(), &f.allow, &f.popular).with_min_score(0);
        let mut s = Scratch::new();
        for n in [&name, &ascii] {
            if let Some(h) = m.check(n, &mut s) {
                prop_assert!(h.score <= 100);
                prop_assert!(!h.techniques.is_empty());
            }
        }
    }
}

/// Applies up to two random edits (substitution, insertion, omission, transposition).
fn mutate(base: &str, ops: &[(u8, usize, u8)]) -> String {
    let mut v: Vec<u8> = base.bytes().collect();
    for &(kind, pos, c) in ops {
        let c = b'a' + c % 26;
        let p = pos % (v.len() + 1);
        match kind % 4 {
            0 if p < v.len() => v[p] = c,
            1 => v.insert(p, c),
            2 if p < v.len() && v.len() > 1 => {
                v.remove(p);
            }
            3 if p + 1 < v.len() => v.swap(p, p + 1),
            _ => {}
        }
    }
    String::from_utf8(v).unwrap()
}

proptest! {
    // The deletion index covers only a window at the start of each label: every label within
    // the edit bound must still be found (as an edit-distance candidate, at any score).
    #[test]
    fn edits_within_the_bound_are_always_candidates(
        brand in "[a-z]{6,16}",
        ops in proptest::collection::vec((0u8..4, 0usize..20, 0u8..26), 1..=2),
    ) {
        let f = Fixture {
            index: BrandIndex::build(
                &brands(&format!("{brand}.com")),
                SuffixList::embedded(),
                &IndexOptions::default(),
            ),
            allow: Allowlist::new(),
            popular: Popularity::none(),
        };
        let label = mutate(&brand, &ops);
        let mut rows = Vec::new();
        prop_assume!(label != brand && label.len() >= 4);
        prop_assume!(edit::osa_within(brand.as_bytes(), label.as_bytes(), 2, &mut rows).is_some());
        let m = Matcher::new(&f.index, SuffixList::embedded(), &f.allow, &f.popular)
            .with_min_score(1);
        let h = m.check(&format!("{label}.xyz"), &mut Scratch::new());
        prop_assert!(h.is_some(), "{label} not found for {brand}");
    }
}

#[test]
fn fuzz_permutations_are_caught() {
    use crate::fuzz::{FuzzOptions, permutations};
    // dnstwist-style permutations of a brand in a few TLDs: the matcher finds most of them;
    // what it leaves are the weakest (two-letter changes of short brands, bare dictionary
    // words next to a short brand).
    for (brand, min_share) in [("kuronekoyamato.co.jp", 0.9), ("rakuten.co.jp", 0.8)] {
        let f = Fixture::new(brand);
        let d = DomainName::parse(brand).unwrap();
        let opts = FuzzOptions {
            tlds: Some(vec![
                "com".into(),
                "xyz".into(),
                "cc".into(),
                "co.jp".into(),
            ]),
            ..FuzzOptions::default()
        };
        let perms = permutations(&d, SuffixList::embedded(), &opts).unwrap();
        assert!(perms.len() > 100);
        let caught = perms
            .iter()
            .filter(|p| f.check(p.name.as_str()).is_some())
            .count();
        let share = caught as f64 / perms.len() as f64;
        assert!(
            share >= min_share,
            "{brand}: {caught}/{} = {share:.2}",
            perms.len()
        );
    }
}

#[test]
fn suffix_imitation_after_the_brand() {
    assert!(follows_suffix(b".co.jp.okiae", b"co.jp"));
    assert!(follows_suffix(b"-co-jp", b"co.jp"));
    assert!(follows_suffix(b".co.ip.geponitor", b"co.jp"));
    assert!(follows_suffix(b"cojp7", b"co.jp"));
    assert!(!follows_suffix(b"cojpx", b"co.jp"));
    assert!(!follows_suffix(b".net", b"co.jp"));
    assert!(!follows_suffix(b"store", b"com"));
}

#[test]
fn misspelt_keywords_count() {
    let f = Fixture::new(BRANDS);
    let plain = f.any("rakuten-xqzwv.com").unwrap().score;
    let typo = f.any("rakuten-lpgin.com").unwrap().score;
    assert!(typo > plain, "{typo} <= {plain}");
}

#[test]
fn homoglyphs_in_a_subdomain() {
    let f = Fixture::new(BRANDS);
    let h = f.check("www.arnazon.jp.gavyif.top").unwrap();
    assert_eq!(h.brand, "amazon.co.jp");
    assert_eq!(h.registrable, "gavyif.top");
    assert_eq!(h.techniques[0], "brand-in-subdomain");
    assert!(
        h.explanation.starts_with(
            "www.arnazon.jp.gavyif.top: subdomain arnazon: rn looks like m (homoglyph of amazon)"
        ),
        "{}",
        h.explanation
    );
    // The edit-distance reading (`m->n` plus an inserted `r`) misdescribes the trick.
    assert!(!h.explanation.contains("substitution"), "{h:?}");
    assert!(h.score >= 90, "{h:?}");
    // Like the registrable-label homograph, a little weaker in a subdomain.
    let sub = f.any("arnazon.qzxwvk.com").unwrap();
    let reg = f.any("arnazon.com").unwrap();
    assert_eq!(sub.techniques[0], "brand-in-subdomain", "{sub:?}");
    assert_eq!(reg.techniques[0], "homograph", "{reg:?}");
    assert!(sub.score < reg.score && sub.score >= 75, "{sub:?} {reg:?}");
    // A hyphen token of a subdomain label, two kinds of glyphs.
    let h = f.check("login-arnaz0n.qzxwvk.com").unwrap();
    assert_eq!(h.brand, "amazon.co.jp");
    assert!(
        h.explanation
            .contains("subdomain arnaz0n: rn looks like m, 0 looks like o (homoglyph of amazon)"),
        "{}",
        h.explanation
    );
}

#[test]
fn vv_and_cl_homoglyphs_in_a_subdomain() {
    let f = Fixture::new("viewsnet.jp\nsmbc-card.com smbc\n");
    let h = f.check("vievvsnet.qzxwvk.com").unwrap();
    assert_eq!(h.brand, "viewsnet.jp");
    assert_eq!(h.techniques[0], "brand-in-subdomain");
    assert!(
        h.explanation
            .contains("subdomain vievvsnet: vv looks like w (homoglyph of viewsnet)"),
        "{}",
        h.explanation
    );
    assert!(h.score >= 75, "{h:?}");
    // `smbc-carcl.com.`: the brand's whole domain spelled out scores higher.
    let full = f.check("smbc-carcl.com.qzxwvk.top").unwrap();
    assert_eq!(full.brand, "smbc-card.com");
    assert!(
        full.explanation
            .contains("subdomain smbc-carcl: cl looks like d (homoglyph of smbc-card)"),
        "{}",
        full.explanation
    );
    let bare = f.any("smbc-carcl.qzxwvk.top").unwrap();
    assert!(full.score > bare.score, "{full:?} {bare:?}");
    // A common word is no homoglyph of a brand, in a subdomain as elsewhere.
    let f = Fixture::new("mall.co.jp\n");
    assert!(f.any("mail.qzxwvk.com").is_none());
}

#[test]
fn glyph_swaps_name_the_trick() {
    assert_eq!(glyph_swaps("arnazon", "amazon"), "rn looks like m");
    assert_eq!(
        glyph_swaps("arnaz0n", "amazon"),
        "rn looks like m, 0 looks like o"
    );
    assert_eq!(glyph_swaps("amazon", "amazon"), "look-alike characters");
    assert_eq!(glyph_swaps("m0d0m", "modem"), "0 looks like o");
    assert!(skeleton_is("arnazon", "amazon"));
    assert!(skeleton_is("vvvvw", "www"));
    assert!(!skeleton_is("arnazon", "amazo"));
    assert!(!skeleton_is("amazo", "amazon"));
}

#[test]
fn brand_file_options_and_aliases() {
    let list = brands(
        "kuronekoyamato.co.jp yamato,kuroneko ヤマト運輸 クロネコヤマト 黒猫\n\
         mail.com mode=strict\n\
         paypal.com allow=paypalooza,paypal.example.org mode=FULL\n\
         plain.example\n",
    );
    assert_eq!(list[0].tokens, ["yamato", "kuroneko"]);
    assert_eq!(list[0].aliases, ["ヤマト運輸", "クロネコヤマト", "黒猫"]);
    assert_eq!(list[0].mode, None);
    assert_eq!(list[1].mode, Some(BrandMode::Strict));
    assert_eq!(list[2].mode, Some(BrandMode::Full));
    assert_eq!(list[2].allow, ["paypalooza", "paypal.example.org"]);
    assert_eq!(
        list[3],
        Brand::new(DomainName::parse("plain.example").unwrap())
    );
    assert!(matches!(
        Brand::parse_list("a.com colour=blue"),
        Err(BrandError::Option { line: 1, .. })
    ));
    assert!(matches!(
        Brand::parse_list("a.com\nb.com mode=loose"),
        Err(BrandError::Option { line: 2, .. })
    ));
}

#[test]
fn the_lint_names_generic_short_and_host_label_brands() {
    let f = Fixture::new("www.gob.pe\nmail.com\ndiscover.com\nuu.nl\nkuronekoyamato.co.jp\n");
    let lint = f.index.lint();
    let of = |t: &str| lint.iter().find(|l| l.text == t).unwrap();
    assert_eq!(of("www").findings, [LintKind::HostLabel, LintKind::Short]);
    assert_eq!(of("www").mode, BrandMode::Strict);
    assert_eq!(of("mail").mode, BrandMode::Strict);
    assert_eq!(of("discover").findings, [LintKind::GenericWord]);
    assert_eq!(of("discover").mode, BrandMode::Word);
    assert_eq!(of("uu").findings, [LintKind::Short]);
    assert_eq!(of("uu").mode, BrandMode::Full);
    assert!(
        of("uu").note.contains("whole hyphen token"),
        "{:?}",
        of("uu")
    );
    assert!(!lint.iter().any(|l| l.text == "kuronekoyamato"));
    // A mode set in the file is reported too, and wins.
    let f = Fixture::new("discover.com mode=full\nkuronekoyamato.co.jp mode=strict\n");
    let lint = f.index.lint();
    assert_eq!(lint.len(), 2);
    assert!(lint.iter().all(|l| l.mode_from_file));
    assert_eq!(lint[0].mode, BrandMode::Full);
}

#[test]
fn generic_word_brands_match_the_whole_word_only() {
    let f = Fixture::new("www.gob.pe\nmail.com\ngmail.com\ndiscover.com\n");
    // The whole brand: another suffix, a homograph.
    assert_eq!(f.check("discover.xyz").unwrap().techniques[0], "tld-swap");
    assert_eq!(f.check("dlscover.top").unwrap().brand, "discover.com");
    // Next to a phishing keyword, as a whole token.
    assert_eq!(
        f.check("discover-login-verify.top").unwrap().brand,
        "discover.com"
    );
    // Glued or without context: quiet.
    for quiet in [
        "discovergarden.com",
        "www.discover-garden.net",
        "www.example.com",
        "mail.example.com",
        "webmail.example.org",
        "discovery.com",
    ] {
        assert!(f.check(quiet).is_none(), "{quiet}: {:?}", f.check(quiet));
    }
    // A host-label brand never matches inside names, even with keywords.
    assert!(f.check("www.login-secure.top").is_none());
    // `mail.xyz` is mail.com's label under another suffix, not a typo of gmail.
    assert_eq!(f.check("mail.xyz").unwrap().brand, "mail.com");
    // gmail itself keeps its edits.
    assert_eq!(f.check("grnail.com").unwrap().brand, "gmail.com");
}

#[test]
fn letter_digit_transitions_are_no_boundary_and_random_labels_no_combosquat() {
    let f = Fixture::new("uu.nl\nhh.ru\nx5.ru\nslack.com\n");
    for quiet in [
        "k2iyjf74uu2.cn",
        "uu2fos.info",
        "a7hh3.net",
        "x9k2slackq7.com",
        "q7x9slack3f9a0c.net",
        "d1x2y3uu-4z.cloudfront.net",
    ] {
        assert!(f.any(quiet).is_none(), "{quiet}: {:?}", f.any(quiet));
    }
    assert!(looks_random(b"k2iyjf74"));
    assert!(looks_random(b"3f9a0c2b7d1e"));
    assert!(!looks_random(b"kuronekoyamato"));
    assert!(!looks_random(b"login"));
    // With a keyword or glued to one, a short brand still counts.
    assert_eq!(f.check("uu-login.xyz").unwrap().brand, "uu.nl");
    assert_eq!(f.check("myuu-secure.top").unwrap().brand, "uu.nl");
    assert_eq!(f.check("slack-login.com").unwrap().brand, "slack.com");
    // A brand at a boundary followed by junk is the usual phishing shape, and stays.
    assert!(f.any("slack3f9a0c2b7d1e.net").is_some());
}

#[test]
fn allow_words_and_names_from_the_brand_file() {
    let f = Fixture::new("paypal.com allow=paypalooza,paypal.example.org\n");
    assert!(f.any("paypalooza.com").is_none());
    assert!(f.any("shop.paypal.example.org").is_none());
    assert!(f.check("paypalsecure.com").is_some());
}

#[test]
fn aliases_in_other_scripts_and_diacritics() {
    let f =
        Fixture::new("kuronekoyamato.co.jp yamato ヤマト運輸 クロネコヤマト 黒猫\namazon.co.jp\n");
    // ヤマト運輸ログイン.com
    let h = f.check("xn--eckxa5e4d3a0d2b2209ky9b.com").unwrap();
    assert_eq!(h.techniques[0], "alias");
    assert_eq!(h.brand, "kuronekoyamato.co.jp");
    assert!(h.explanation.contains("ヤマト運輸"), "{}", h.explanation);
    // In a subdomain too.
    let h = f.check("xn--eckxa5e4d3a0d2b2209ky9b.okiae.com").unwrap();
    assert_eq!(h.techniques[0], "alias");
    // kuronēkoyamatō.com, amazōn.xyz: marks folded to base letters.
    let h = f.check("xn--kuronkoyamat-0tb33f.com").unwrap();
    assert_eq!(h.brand, "kuronekoyamato.co.jp");
    assert_eq!(h.techniques[0], "homograph");
    assert_eq!(f.check("xn--amazn-j9a.xyz").unwrap().brand, "amazon.co.jp");
    // An unrelated Japanese name stays quiet.
    assert!(f.any(&idna_of("東京ガス")).is_none());
}

fn idna_of(label: &str) -> String {
    DomainName::parse(&format!("{label}.com"))
        .unwrap()
        .as_str()
        .to_string()
}

#[test]
fn missed_classes_from_real_phishing_lists() {
    let f = Fixture::new(
        "au.com kddi,auone\namazon.co.jp\naplus.co.jp\nsmbc.co.jp\nmercari.com\neki-net.com\n",
    );
    // A doubled hyphen next to a short brand.
    assert_eq!(f.check("au--login.0662smt.com").unwrap().brand, "au.com");
    // The brand split by a hyphen inside a longer label.
    let h = f.check("retry-loading-am-azon.com").unwrap();
    assert_eq!(h.brand, "amazon.co.jp");
    assert!(
        h.explanation.contains("split by hyphens (am-azon)"),
        "{}",
        h.explanation
    );
    // The brand's whole domain spelled out in a subdomain, even for a word-like brand.
    assert_eq!(
        f.check("aplus.co.jp.bcgpf.com").unwrap().brand,
        "aplus.co.jp"
    );
    // A brand followed by digits (`amazon6`) is still the brand.
    assert_eq!(f.check("amazon6.ulhbry.bar").unwrap().brand, "amazon.co.jp");
    // The brand with its hyphen dropped.
    assert_eq!(f.check("ekinet-login.top").unwrap().brand, "eki-net.com");
    // Hard negatives stay quiet: words that contain a brand, other numbers, unrelated splits.
    for quiet in [
        "sport1478.cn",
        "shop.awsdns-47.co.uk",
        "ice-cream.com",
        "auction-house.com",
        "gamazonia.org",
        "www.dramazone.com",
    ] {
        assert!(f.check(quiet).is_none(), "{quiet}: {:?}", f.check(quiet));
    }
}

#[test]
fn cdn_edge_names_and_reverse_dns_are_no_lookalikes() {
    let f = Fixture::new("bing.net\nflashtalking.com\nsi.edu\n101.ru\n");
    assert!(f.check("www-www.bing.com.trafficmanager.net").is_none());
    assert!(f.check("secure.flashtalking.com.edgekey.net").is_none());
    assert!(f.check("24.10.51.in-addr.arpa").is_none());
    assert!(f.check("ip-241-128-175-101.ec84.xyz").is_none());
    // A brand with no letters is matched strictly.
    let lint = f.index.lint();
    assert!(
        lint.iter()
            .any(|l| l.text == "101" && l.mode == BrandMode::Strict)
    );
    // Still found on a site people visit.
    assert!(f.check("bing.com.login-verify.top").is_some());
}

#[test]
fn fuzz_two_edit_families_read_as_the_brand() {
    assert_eq!(
        special_edit(b"kuronekoyamato", b"kuronekoyamoat"),
        Some("letter-move")
    );
    assert_eq!(
        special_edit(b"kuronekoyamato", b"okuronekyamato"),
        Some("letter-move")
    );
    assert_eq!(
        special_edit(b"paypal", b"paykkl"),
        Some("double-replacement")
    );
    assert_eq!(special_edit(b"paypal", b"poypol"), Some("vowel-swap-all"));
    assert_eq!(special_edit(b"paypal", b"poypal"), None);
    assert_eq!(special_edit(b"paypal", b"pxypzl"), None);
    let f = Fixture::new("paypal.com\nkuronekoyamato.co.jp\n");
    for (name, kind) in [
        ("paykkl.com", "double-replacement"),
        ("poypol.com", "vowel-swap-all"),
        ("kuronekoyamoat.com", "letter-move"),
    ] {
        let h = f
            .check(name)
            .unwrap_or_else(|| panic!("{name}: {:?}", f.any(name)));
        assert!(
            h.techniques.contains(&format!("permutation:{kind}")),
            "{name}: {h:?}"
        );
    }
    // Two unrelated substitutions stay weak.
    assert!(f.check("pxypzl.com").is_none());
}

#[test]
fn service_words_alone_read_as_the_brands_own_back_end() {
    let f = Fixture::new(BRANDS);
    // The brand with only infrastructure words added, nothing else: below the default.
    for quiet in [
        "paypalcdn.com",
        "paypal-static-assets.com",
        "rakuten-telemetry2.net",
        "www.paypal-metrics.com",
        "img.rakutenads.com",
    ] {
        assert!(f.check(quiet).is_none(), "{quiet}: {:?}", f.check(quiet));
        let h = f
            .any(quiet)
            .unwrap_or_else(|| panic!("{quiet} is still a candidate"));
        assert!(h.score < DEFAULT_MIN_SCORE, "{quiet}: {}", h.score);
        // Shown with a lower threshold, the hit says why it scored low.
        assert!(
            h.explanation.contains("only service words added"),
            "{quiet}: {}",
            h.explanation
        );
    }
    // Any other evidence keeps the hit: a keyword (also in a subdomain, also misspelt), a
    // word outside the vocabulary, a TLD common in abuse, a random subdomain, a doubled
    // hyphen, the brand's suffix spelled out, an edit.
    for hit in [
        "paypal-cdn-login.com",
        "login.paypalcdn.com",
        "paypal-cdn-verlfy.com",
        "paypal-cdn-new.com",
        "paypalcdn.xyz",
        "k29xq7zt4m.paypal-cdn.com",
        "paypal--cdn.com",
        "rakuten-co-jp-cdn.com",
    ] {
        let h = f.check(hit);
        assert!(h.is_some(), "{hit} should stay a hit: {:?}", f.any(hit));
        let e = h.map(|h| h.explanation).unwrap_or_default();
        assert!(!e.contains("service words"), "{hit}: {e}");
    }
    assert!(is_service_word("cdn") && is_service_word("edge01") && !is_service_word("42"));
    assert!(!is_service_word("login") && !is_service_word("dns"));
}

#[test]
fn no_service_word_is_a_keyword() {
    for w in service_words() {
        assert!(
            !tables::is_keyword(w),
            "{w} is a keyword and a service word"
        );
        assert_eq!(w.to_ascii_lowercase(), *w, "{w}: lower case");
    }
    assert!(service_words().len() >= 50);
}

#[test]
fn one_scratch_across_indexes_and_repeated_names_gives_the_same_hits() {
    // The scratch caches probe results per index: reused with another index, and for the same
    // labels again, it must answer as a fresh scratch does.
    let a = Fixture::new("paypal.com\n");
    let b = Fixture::new("rakuten.co.jp\n");
    fn matcher(f: &Fixture) -> Matcher<'_> {
        Matcher::new(&f.index, SuffixList::embedded(), &f.allow, &f.popular).with_min_score(1)
    }
    let (ma, mb) = (matcher(&a), matcher(&b));
    let mut s = Scratch::new();
    for name in [
        "paypall.com",
        "login.paypall.com",
        "rakutem.com",
        "paypall-rakutem.com",
    ] {
        for m in [&ma, &mb, &ma, &mb] {
            let reused = m.check(name, &mut s);
            let fresh = m.check(name, &mut Scratch::new());
            assert_eq!(
                reused.as_ref().map(|h| (&h.brand, h.score, &h.explanation)),
                fresh.as_ref().map(|h| (&h.brand, h.score, &h.explanation)),
                "{name}"
            );
        }
    }
    assert!(ma.check("paypall.com", &mut s).is_some());
    assert!(
        mb.check("paypall.com", &mut s)
            .is_none_or(|h| h.brand != "paypal.com")
    );
    assert!(mb.check("rakutem.com", &mut s).is_some());
}
