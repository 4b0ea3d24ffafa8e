use super::*;
use proptest::prelude::*;

fn fuzz(name: &str) -> Vec<Permutation> {
    let d = DomainName::parse(name).unwrap();
    permutations(&d, SuffixList::embedded(), &FuzzOptions::default()).unwrap()
}

fn only(name: &str, t: Technique) -> Vec<Permutation> {
    let d = DomainName::parse(name).unwrap();
    let opts = FuzzOptions {
        techniques: vec![t],
        ..FuzzOptions::default()
    };
    permutations(&d, SuffixList::embedded(), &opts).unwrap()
}

fn names(v: &[Permutation]) -> Vec<&str> {
    v.iter().map(|p| p.name.as_str()).collect()
}

fn technique_of(v: &[Permutation], name: &str) -> Option<Technique> {
    v.iter()
        .find(|p| p.name.as_str() == name)
        .map(|p| p.technique)
}

fn count(v: &[Permutation], t: Technique) -> usize {
    v.iter().filter(|p| p.technique == t).count()
}

#[test]
fn technique_names_round_trip() {
    assert_eq!(Technique::all().len(), PRIORITY.len());
    for t in Technique::all() {
        assert!(PRIORITY.contains(t));
        assert_eq!(t.as_str().parse::<Technique>().unwrap(), *t);
        assert_eq!(
            serde_json::to_string(t).unwrap(),
            format!("\"{}\"", t.as_str())
        );
    }
    assert_eq!(Technique::VowelSwap.as_str(), "vowel-swap");
    assert_eq!(Technique::TldSwap.as_str(), "tld-swap");
    assert_eq!(Technique::FakeNameserver.as_str(), "fake-nameserver");
    assert_eq!("TLD_SWAP".parse::<Technique>().unwrap(), Technique::TldSwap);
    let err = "typo".parse::<Technique>().unwrap_err().to_string();
    assert!(
        err.starts_with("unknown technique \"typo\" (known: addition, "),
        "{err}"
    );
}

#[test]
fn serialises_name_unicode_technique() {
    let p = Permutation {
        name: DomainName::parse("аmazon.com").unwrap(),
        technique: Technique::Cyrillic,
    };
    let j = serde_json::to_value(&p).unwrap();
    assert_eq!(j["name"], "xn--mazon-3ve.com");
    assert_eq!(j["unicode"], "аmazon.com");
    assert_eq!(j["technique"], "cyrillic");
}

#[test]
fn kuronekoyamato() {
    let v = fuzz("kuronekoyamato.co.jp");
    let t = technique_of(&v, "kuronekoyamatc.co.jp");
    assert!(
        matches!(t, Some(Technique::Homoglyph | Technique::Replacement)),
        "{t:?}"
    );
    assert_eq!(
        technique_of(&v, "kuronekoyamato.cc"),
        Some(Technique::TldSwap)
    );
    assert_eq!(
        technique_of(&v, "kuronekoyamato.jp"),
        Some(Technique::TldSwap)
    );
    assert_eq!(
        technique_of(&v, "kuronekoyamato.ne.jp"),
        Some(Technique::TldSwap)
    );
    assert_eq!(
        technique_of(&v, "kuronekoyamato.or.jp"),
        Some(Technique::TldSwap)
    );
    assert_eq!(
        technique_of(&v, "kuronekoyamato.com"),
        Some(Technique::TldSwap)
    );
    assert_eq!(
        technique_of(&v, "kuronekoyamatou.co.jp"),
        Some(Technique::Romanization)
    );
    assert_eq!(
        technique_of(&v, "kuronekoyamato-jp.co.jp"),
        Some(Technique::Combosquat)
    );
    // No Unicode look-alikes under .jp (only IDN TLDs in the TLD swap).
    let idn = v
        .iter()
        .find(|p| p.technique != Technique::TldSwap && p.name.is_idn());
    assert!(idn.is_none(), "{idn:?}");
    assert_eq!(count(&v, Technique::Cyrillic), 0);
    assert!(!names(&v).contains(&"kuronekoyamato.co.jp"));
}

/// Registrable domains of real phishing sites from the JPCERT/CC list, generated exactly.
#[test]
fn real_phishing_domains_are_generated() {
    let k = fuzz("kuronekoyamato.co.jp");
    for (name, t) in [
        ("kuronekoyamato-co-jp.com", Technique::BrandInSubdomain),
        ("kuronekoyamato-co-jp.shop", Technique::BrandInSubdomain),
        ("kuronekoyamato.top", Technique::TldSwap),
        ("kuronekoyamato.cyou", Technique::TldSwap),
    ] {
        assert_eq!(technique_of(&k, name), Some(t), "{name}");
    }
    let a = fuzz("amazon.co.jp");
    for (name, t) in [
        ("amazoncojp.icu", Technique::BrandInSubdomain),
        ("amazon-co-jp.info", Technique::BrandInSubdomain),
        ("amazon-mail.co.jp", Technique::Combosquat),
        ("myamazon.co.jp", Technique::Combosquat),
    ] {
        assert_eq!(technique_of(&a, name), Some(t), "{name}");
    }
    let r = fuzz("rakuten.co.jp");
    assert_eq!(
        technique_of(&r, "rakuten-co-jp.icu"),
        Some(Technique::BrandInSubdomain)
    );
}

#[test]
fn biglobe() {
    let v = fuzz("biglobe.ne.jp");
    assert_eq!(technique_of(&v, "biglobes.ne.jp"), Some(Technique::Plural));
    assert_eq!(technique_of(&v, "bigslobe.ne.jp"), Some(Technique::Plural));
    assert_eq!(technique_of(&v, "biglobene.jp"), Some(Technique::Various));
    assert!(matches!(
        technique_of(&v, "biglobe.net"),
        Some(Technique::TldSwap | Technique::Various)
    ));
    // Without the TLD swap, `various` makes the ccSLD's generic TLD and the bare ccTLD.
    let w = only("biglobe.ne.jp", Technique::Various);
    assert_eq!(names(&w), ["biglobe.jp", "biglobene.jp", "biglobe.net"]);
}

#[test]
fn amazon() {
    let v = fuzz("amazon.com");
    assert_eq!(
        technique_of(&v, "amazon-login.com"),
        Some(Technique::Combosquat)
    );
    assert_eq!(
        technique_of(&v, "my-amazon.com"),
        Some(Technique::Combosquat)
    );
    assert_eq!(
        technique_of(&v, "amazon-jp.com"),
        Some(Technique::Combosquat)
    );
    assert_eq!(technique_of(&v, "amazoncom.com"), Some(Technique::Various));
    assert_eq!(technique_of(&v, "amazon.co.uk"), Some(Technique::TldSwap));
    assert_eq!(technique_of(&v, "amazon.com.br"), Some(Technique::TldSwap));
    assert_eq!(technique_of(&v, "amaz0n.com"), Some(Technique::Homoglyph));
    assert_eq!(technique_of(&v, "arnazon.com"), Some(Technique::Homoglyph));
    assert_eq!(technique_of(&v, "amazzon.com"), Some(Technique::Repetition));
    assert_eq!(
        technique_of(&v, "amzaon.com"),
        Some(Technique::Transposition)
    );
    assert_eq!(technique_of(&v, "amzon.com"), Some(Technique::Omission));
    assert_eq!(
        technique_of(&v, "ama-zon.com"),
        Some(Technique::Hyphenation)
    );
    assert_eq!(technique_of(&v, "ama.zon.com"), Some(Technique::Subdomain));
    assert_eq!(technique_of(&v, "amazun.com"), Some(Technique::VowelSwap));
    assert_eq!(technique_of(&v, "amazpn.com"), Some(Technique::Replacement));
    assert_eq!(technique_of(&v, "amazopn.com"), Some(Technique::Insertion));
    assert_eq!(technique_of(&v, "amazonx.com"), Some(Technique::Addition));
    assert_eq!(
        technique_of(&v, "amazof.com"),
        Some(Technique::Bitsquatting)
    );
    assert_eq!(technique_of(&v, "4mazon.com"), Some(Technique::Numeral));
    assert_eq!(
        technique_of(&v, "amayon.com"),
        Some(Technique::KeyboardLayout)
    );
    assert_eq!(
        technique_of(&v, "amazon-com.net"),
        Some(Technique::BrandInSubdomain)
    );
    assert_eq!(
        technique_of(&v, "amazon.com-login.xyz"),
        Some(Technique::BrandInSubdomain)
    );
    // Cyrillic look-alikes for .com: xn-- forms.
    let cyr: Vec<&Permutation> = v
        .iter()
        .filter(|p| p.technique == Technique::Cyrillic)
        .collect();
    assert!(!cyr.is_empty());
    assert!(cyr.iter().all(|p| p.name.as_str().starts_with("xn--")));
    assert_eq!(
        technique_of(&v, DomainName::parse("аmazon.com").unwrap().as_str()),
        Some(Technique::Cyrillic)
    );
    // Latin-extended look-alikes for .com.
    assert_eq!(
        technique_of(&v, DomainName::parse("amazön.com").unwrap().as_str()),
        Some(Technique::Homoglyph)
    );
    // The brand typed with a Russian layout.
    assert_eq!(
        technique_of(&v, DomainName::parse("фьфяшт.com").unwrap().as_str()),
        None
    );
    assert_eq!(
        technique_of(&v, DomainName::parse("фьфящт.com").unwrap().as_str()),
        Some(Technique::KeyboardLayout)
    );
    assert!(count(&v, Technique::Homoglyph) > 1000);
    assert!(v.len() > 2496, "{}", v.len());
}

#[test]
fn no_cyrillic_where_the_tld_forbids_it() {
    assert!(only("amazon.co.jp", Technique::Cyrillic).is_empty());
    assert!(only("amazon.co.uk", Technique::Cyrillic).is_empty());
    assert!(!only("apple.com", Technique::Cyrillic).is_empty());
    // All-Cyrillic form when every letter has a look-alike.
    let v = only("apple.com", Technique::Cyrillic);
    assert_eq!(
        v[0].name.as_str(),
        DomainName::parse("аррӏе.com").unwrap().as_str()
    );
    // .fr accepts only French letters.
    let fr = only("orange.fr", Technique::Homoglyph);
    assert!(names(&fr).contains(&DomainName::parse("orangé.fr").unwrap().as_str()));
    assert!(!names(&fr).contains(&DomainName::parse("orangę.fr").unwrap().as_str()));
}

#[test]
fn dictionary_words() {
    let d = DomainName::parse("example.com").unwrap();
    let opts = FuzzOptions {
        techniques: vec![Technique::Dictionary],
        dictionary: vec!["deals".into(), "Shop".into()],
        ..FuzzOptions::default()
    };
    let v = permutations(&d, SuffixList::embedded(), &opts).unwrap();
    assert_eq!(
        names(&v),
        [
            "example-deals.com",
            "exampledeals.com",
            "deals-example.com",
            "dealsexample.com",
            "example-shop.com",
            "exampleshop.com",
            "shop-example.com",
            "shopexample.com"
        ]
    );
    let bad = FuzzOptions {
        dictionary: vec!["a b".into()],
        ..FuzzOptions::default()
    };
    let e = permutations(&d, SuffixList::embedded(), &bad).unwrap_err();
    assert!(
        e.to_string().starts_with("invalid dictionary word \"a b\""),
        "{e}"
    );
}

#[test]
fn tld_list_option() {
    let d = DomainName::parse("example.com").unwrap();
    let opts = FuzzOptions {
        techniques: vec![Technique::TldSwap],
        tlds: Some(vec!["net".into(), ".co.uk".into(), "com".into()]),
        ..FuzzOptions::default()
    };
    let v = permutations(&d, SuffixList::embedded(), &opts).unwrap();
    assert_eq!(names(&v), ["example.net", "example.co.uk"]);
    let bad = FuzzOptions {
        tlds: Some(vec!["c_m!".into()]),
        ..FuzzOptions::default()
    };
    let e = permutations(&d, SuffixList::embedded(), &bad).unwrap_err();
    assert!(e.to_string().starts_with("invalid TLD \"c_m!\""), "{e}");
}

#[test]
fn public_suffix_is_an_error() {
    for s in ["co.jp", "com", "jp"] {
        let d = DomainName::parse(s).unwrap();
        let e = permutations(&d, SuffixList::embedded(), &FuzzOptions::default()).unwrap_err();
        assert_eq!(e, FuzzError::PublicSuffix { input: s.into() });
        assert!(e.to_string().contains(s));
    }
}

#[test]
fn subdomains_are_kept() {
    let v = fuzz("www.example.com");
    assert_eq!(
        technique_of(&v, "www.exmple.com"),
        Some(Technique::Omission)
    );
    assert_eq!(technique_of(&v, "wwwexample.com"), Some(Technique::Various));
    assert_eq!(
        technique_of(&v, "www-example.com"),
        Some(Technique::Various)
    );
    assert!(v.iter().all(|p| p.name.as_str() != "www.example.com"));
}

#[test]
fn fake_nameservers_from_the_input() {
    let v = fuzz("awsdns-17.net");
    for want in [
        "awsdns-017.net",
        "awsdns17.net",
        "aws-dns-17.net",
        "awsdns-17-net.com",
        "awsdns-17.co",
        "awsdnss-17.net",
    ] {
        assert_eq!(
            technique_of(&v, want),
            Some(Technique::FakeNameserver),
            "{want}"
        );
    }
    // Real Route 53 domains are not offered as fakes.
    assert_eq!(technique_of(&v, "awsdns-17.com"), Some(Technique::TldSwap));
    let host = only("ns-650.awsdns-17.net", Technique::FakeNameserver);
    assert!(names(&host).contains(&"awsdns-017.net"));
    assert!(only("example.com", Technique::FakeNameserver).is_empty());
}

#[test]
fn numerals_and_romanisation() {
    let v = only("2go.com", Technique::Numeral);
    assert!(names(&v).contains(&"twogo.com"));
    assert!(names(&v).contains(&"zgo.com"));
    assert!(names(&v).contains(&"02go.com"));
    let v = only("four-seasons.com", Technique::Numeral);
    assert!(names(&v).contains(&"4-seasons.com"));
    assert!(names(&v).contains(&"f0ur-seasons.com"));
    let v = only("shinsei.co.jp", Technique::Romanization);
    assert!(names(&v).contains(&"sinsei.co.jp"));
    assert!(names(&v).contains(&"shinsee.co.jp"));
    assert!(is_romaji("kuronekoyamato"));
    assert!(is_romaji("shinkansen"));
    assert!(!is_romaji("biglobe"));
    assert!(!is_romaji("google"));
    assert!(only("google.com", Technique::Romanization).is_empty());
}

#[test]
fn limit_and_selection() {
    let d = DomainName::parse("example.com").unwrap();
    let opts = FuzzOptions {
        limit: Some(5),
        ..FuzzOptions::default()
    };
    let v = permutations(&d, SuffixList::embedded(), &opts).unwrap();
    assert_eq!(v.len(), 5);
    assert!(v.iter().all(|p| p.technique == Technique::Addition));
    let none = FuzzOptions {
        techniques: vec![],
        ..FuzzOptions::default()
    };
    assert!(
        permutations(&d, SuffixList::embedded(), &none)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn idn_input() {
    let v = fuzz("例え.jp");
    assert!(!v.is_empty());
    assert!(names(&v).contains(&DomainName::parse("例.jp").unwrap().as_str()));
    assert!(v.iter().all(|p| p.name.as_str() != "xn--r8jz45g.jp"));
}

#[test]
fn output_is_unique_valid_and_ordered() {
    for name in [
        "amazon.com",
        "biglobe.ne.jp",
        "kuronekoyamato.co.jp",
        "a-b.de",
    ] {
        let v = fuzz(name);
        let mut seen = std::collections::HashSet::new();
        let mut last = 0;
        for p in &v {
            assert!(seen.insert(p.name.as_str().to_string()), "{} twice", p.name);
            assert_eq!(DomainName::parse(p.name.as_str()).unwrap(), p.name);
            assert_ne!(p.name.as_str(), name);
            let i = p.technique.index();
            assert!(i >= last, "order");
            last = i;
        }
    }
}

#[test]
fn generation_is_fast() {
    let start = std::time::Instant::now();
    let v = fuzz("amazon.com");
    let took = start.elapsed();
    // Generous bound for a debug build on a busy machine; release is milliseconds.
    assert!(took.as_secs() < 5, "{took:?} for {}", v.len());
}

#[test]
fn counts_for_the_report() {
    for name in ["amazon.com", "biglobe.ne.jp", "kuronekoyamato.co.jp"] {
        let v = fuzz(name);
        let per: Vec<String> = Technique::all()
            .iter()
            .map(|t| format!("{}={}", t.as_str(), count(&v, *t)))
            .collect();
        println!("{name}: {} total; {}", v.len(), per.join(" "));
        assert!(v.len() > 272);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn never_panics_outputs_parse_and_differ(
        labels in proptest::collection::vec("[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?", 1..3),
        tld in prop_oneof![Just("com"), Just("co.jp"), Just("jp"), Just("de"), Just("xn--p1ai"), Just("notatld"), Just("net")],
    ) {
        let s = format!("{}.{}", labels.join("."), tld);
        let Ok(d) = DomainName::parse(&s) else { return Ok(()); };
        match permutations(&d, SuffixList::embedded(), &FuzzOptions::default()) {
            Ok(v) => {
                let mut seen = std::collections::HashSet::new();
                for p in &v {
                    prop_assert_ne!(p.name.as_str(), d.as_str());
                    prop_assert_eq!(&DomainName::parse(p.name.as_str()).unwrap(), &p.name);
                    prop_assert!(seen.insert(p.name.as_str().to_string()));
                }
            }
            Err(FuzzError::PublicSuffix { input }) => prop_assert_eq!(input, d.as_str()),
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }

    #[test]
    fn unicode_input_never_panics(s in "\\PC{1,20}\\.(com|jp|de)") {
        if let Ok(d) = DomainName::parse(&s) {
            let _ = permutations(&d, SuffixList::embedded(), &FuzzOptions::default());
        }
    }

    #[test]
    fn fake_ns_check_never_panics(s in "\\PC{0,70}") {
        let _ = is_fake_ns_domain(&s);
        let _ = ns_family(&s);
        let _ = fake_nameservers(&s);
    }
}

#[test]
fn exact_outputs_on_a_short_label() {
    let n = |t| {
        only("abc.com", t)
            .iter()
            .map(|p| p.name.as_str().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(n(Technique::Omission), ["bc.com", "ac.com", "ab.com"]);
    assert_eq!(n(Technique::Transposition), ["bac.com", "acb.com"]);
    assert_eq!(n(Technique::Hyphenation), ["a-bc.com", "ab-c.com"]);
    assert_eq!(n(Technique::Subdomain), ["a.bc.com", "ab.c.com"]);
    assert_eq!(
        n(Technique::Repetition),
        ["aabc.com", "abbc.com", "abcc.com"]
    );
    assert_eq!(
        n(Technique::VowelSwap),
        ["ebc.com", "ibc.com", "obc.com", "ubc.com"]
    );
    assert_eq!(n(Technique::Plural), ["abcs.com"]);
    assert_eq!(n(Technique::Addition).len(), 36);
    assert_eq!(
        only("a.com", Technique::Bitsquatting)
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["c.com", "e.com", "i.com", "q.com"]
    );
    // Keyboard neighbours of `a` (q, w, s, z on QWERTY; y on QWERTZ); `p` is far away.
    let r = n(Technique::Replacement);
    assert!(r.contains(&"qbc.com".to_string()) && r.contains(&"sbc.com".to_string()));
    assert!(!r.contains(&"pbc.com".to_string()));
    let i = n(Technique::Insertion);
    assert!(i.contains(&"qabc.com".to_string()) && i.contains(&"aqbc.com".to_string()));
    assert_eq!(
        n(Technique::KeyboardLayout),
        ["qbc.com", DomainName::parse("фис.com").unwrap().as_str()]
    );
}

#[test]
fn large_families_only_when_asked() {
    let default = fuzz("paypal.com");
    for t in NOT_DEFAULT {
        assert_eq!(count(&default, *t), 0, "{t} ran by default");
        assert!(!Technique::defaults().contains(t));
    }
    assert!(Technique::defaults().contains(&Technique::VowelSwapAll));
}

#[test]
fn double_replacement_examples_and_count() {
    let v = only("paypal.com", Technique::DoubleReplacement);
    assert!(names(&v).contains(&"paykkl.com"), "{:?}", names(&v));
    assert!(names(&v).contains(&"ppypal.com"));
    // 5 adjacent pairs x 26 letters, none already a doubled letter, all distinct.
    assert_eq!(v.len(), 5 * 26);
}

#[test]
fn letter_move_examples_and_count() {
    let v = only("kuronekoyamato.jp", Technique::LetterMove);
    assert!(names(&v).contains(&"kuronekoyamoat.jp"), "{:?}", names(&v));
    assert!(names(&v).contains(&"okuronekyamato.jp"));
    assert!(!names(&v).contains(&"kuronekoyamato.jp"));
    // abc: bac acb bca cab (moves that equal the input or each other are merged).
    let small = only("abc.com", Technique::LetterMove);
    let mut got = names(&small);
    got.sort_unstable();
    assert_eq!(got, ["acb.com", "bac.com", "bca.com", "cab.com"]);
}

#[test]
fn vowel_swap_all_examples() {
    let v = only("paypal.com", Technique::VowelSwapAll);
    assert!(names(&v).contains(&"poypol.com"), "{:?}", names(&v));
    assert!(names(&v).contains(&"peypel.com"));
    // one vowel (a) present, four replacements.
    assert_eq!(v.len(), 4);
}

#[test]
fn double_hyphen_examples() {
    let v = only("brand-word.com", Technique::DoubleHyphen);
    assert!(names(&v).contains(&"brand--word.com"), "{:?}", names(&v));
    assert!(names(&v).contains(&"bran--d-word.com"));
    assert!(names(&v).iter().all(|n| n.contains("--")));
    // no `--` at label positions 3-4 (reserved for xn-- style labels) or at the ends.
    assert!(!names(&v).contains(&"br--and-word.com"));
}

#[test]
fn any_letter_families_and_hosting() {
    let v = only("abc.com", Technique::ReplacementAny);
    // 3 positions x 35 other characters, none equal to the input.
    assert_eq!(v.len(), 3 * 35);
    assert!(names(&v).contains(&"pbc.com"), "{:?}", names(&v));
    let v = only("abc.com", Technique::AdditionAny);
    assert!(names(&v).contains(&"abqc.com"));
    assert!(names(&v).contains(&"zabc.com"));
    assert!(v.len() <= 4 * 36);
    let v = only("paypal.com", Technique::Hosting);
    assert!(
        names(&v).contains(&"paypal.blogspot.com"),
        "{:?}",
        names(&v)
    );
    assert!(names(&v).contains(&"paypal.github.io"));
    assert_eq!(v.len(), tables::HOSTING_SUFFIXES.len());
    assert!(Technique::defaults().contains(&Technique::Hosting));
    assert!(!Technique::defaults().contains(&Technique::ReplacementAny));
}
