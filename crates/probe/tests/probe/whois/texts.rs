//! Negative answers (not found / rate limited / reserved), JPRS layouts and hostile input.

use domains::DomainName;
use domains::registration::{EppStatus, Lookup, RegistrationRecord};
use probe::whois;
use proptest::prelude::*;

fn parse(text: &str, domain: &str, tld: Option<&str>) -> RegistrationRecord {
    let d = DomainName::parse(domain).unwrap();
    whois::parse(text, &d, tld, "whois.test")
}

fn limited(l: &Lookup) -> bool {
    matches!(l, Lookup::RateLimited { .. })
}

#[test]
fn not_found_wordings() {
    let cases = [
        // JPRS
        (
            "[ JPRS database provides information on network administration. Its use is    ]\n\
             [ restricted to network administration purposes. For further information,     ]\n\
             \n\
             No match!!\n\
             \n\
             Search results for the domain name you specified are not available.\n",
            "nothing.jp",
        ),
        // Verisign
        (
            "No match for \"NOTHING-HERE-12345.COM\".\n>>> Last update of whois database: \
             2024-01-01T00:00:00Z <<<\n\nNOTICE: The expiration date displayed in this \
             record is the date the\n",
            "nothing-here-12345.com",
        ),
        // DENIC
        ("Domain: nothing-here.de\nStatus: free\n", "nothing-here.de"),
        // Nominet
        (
            "\n    No match for \"nothing-here.uk\".\n\n    This domain name has not been \
             registered.\n",
            "nothing-here.uk",
        ),
        // many gTLD back ends
        ("Domain not found.\n", "nothing.xyz"),
        ("NOT FOUND\n", "nothing.io"),
        (
            "The queried object does not exist: DOMAIN NOT FOUND\n",
            "nothing.eu",
        ),
        // .nz
        (
            "query_status: 220 Available\ndomain_name: nothing.nz\n",
            "nothing.nz",
        ),
        // AFNIC
        (
            "%%\n%% This is the AFNIC Whois server.\n%%\n\n%% NOT FOUND\n",
            "nothing.fr",
        ),
        // SIDN
        ("nothing.nl is free\n", "nothing.nl"),
        // IIS (.se)
        ("domain \"nothing.se\" not found\n", "nothing.se"),
    ];
    for (text, domain) in cases {
        let r = parse(text, domain, None);
        assert_eq!(r.lookup, Lookup::NotFound, "{text}\n{:?}", r.notes);
        assert!(r.nameservers.is_empty());
    }
}

#[test]
fn limit_pages_never_read_as_available() {
    let cases = [
        // JPRS
        "[ JPRS database provides information on network administration. ]\n\n\
         Queried interval is too short.\n",
        // generic
        "WHOIS LIMIT EXCEEDED - SEE WWW.PIR.ORG/WHOIS FOR DETAILS\n",
        "%% Query rate limit exceeded. Please try again later.\n",
        "Your connection limit exceeded. Please slow down and try again later.\n",
        // limit wording together with "not found" wording: still a refusal
        "Number of allowed queries exceeded. The domain was not found or the limit \
         exceeded: try again later\n",
        "Too many requests\n",
        // an empty answer says nothing
        "",
        "   \r\n  \n",
    ];
    for text in cases {
        let r = parse(text, "example.jp", Some("jp"));
        assert!(limited(&r.lookup), "{text:?} -> {:?}", r.lookup);
        assert_ne!(r.lookup, Lookup::NotFound);
    }
    // Garbage says nothing about the name either, and is labelled unreadable, not rate limited.
    let r = parse(
        "\u{1b}[31m random bytes \u{fffd}\u{fffd} ###\n",
        "example.jp",
        Some("jp"),
    );
    assert!(
        matches!(r.lookup, Lookup::Unreadable { .. }),
        "{:?}",
        r.lookup
    );
    assert!(r.lookup.is_unknown());
    // The byte count is of the bytes received, not of the text after UTF-8 replacement (each
    // invalid byte would become the 3-byte U+FFFD).
    let raw: Vec<u8> = [b"\x1b[31m".as_slice(), &[0xff; 40], b" ###\n"].concat();
    let r = probe::whois::parse_received(
        &raw,
        &domains::DomainName::parse("example.jp").unwrap(),
        Some("jp"),
        "whois.example",
    );
    assert_eq!(
        r.lookup,
        Lookup::Unreadable {
            bytes: raw.len() as u64
        }
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains(&format!("{} bytes", raw.len()))),
        "{:?}",
        r.notes
    );
    let r = parse(
        "Access denied: limit exceeded. Please try again in 60 seconds.\n",
        "example.com",
        None,
    );
    assert_eq!(
        r.lookup,
        Lookup::RateLimited {
            retry_after_secs: Some(60)
        }
    );
    let r = parse(
        "Too many queries; try again after 5 minutes\n",
        "example.com",
        None,
    );
    assert_eq!(
        r.lookup,
        Lookup::RateLimited {
            retry_after_secs: Some(300)
        }
    );
}

#[test]
fn reserved_and_blocked() {
    let cases = [
        "Domain Name: nic.example\nDomain Status: reserved\n",
        "This name is reserved by the Registry in accordance with ICANN Policy.\n",
        "The domain has been reserved and is not available for registration.\n",
        "Domain: blocked.de\nStatus: blocked\n",
        "Reserved Domain Name\n",
    ];
    for text in cases {
        let r = parse(text, "blocked.de", None);
        assert_eq!(r.lookup, Lookup::Reserved, "{text}");
    }
}

#[test]
fn registered_answers_with_scary_boilerplate_stay_registered() {
    // Terms of use mention rate limits and "not found"; the data wins.
    let text = "Domain Name: EXAMPLE.COM\n\
                Registry Domain ID: 2336799_DOMAIN_COM-VRSN\n\
                Registrar WHOIS Server: whois.iana.org\n\
                Updated Date: 2024-08-14T07:01:34Z\n\
                Creation Date: 1995-08-14T04:00:00Z\n\
                Registry Expiry Date: 2025-08-13T04:00:00Z\n\
                Registrar: RESERVED-Internet Assigned Numbers Authority\n\
                Registrar IANA ID: 376\n\
                Domain Status: clientDeleteProhibited https://icann.org/epp#clientDeleteProhibited\n\
                Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited\n\
                Name Server: A.IANA-SERVERS.NET\n\
                Name Server: B.IANA-SERVERS.NET\n\
                DNSSEC: signedDelegation\n\
                DNSSEC DS Data: 370 13 2 BE74359954660069D5C63D200C39F5603827D7DD02B56F120EE9F3A86764247C\n\
                >>> Last update of whois database: 2024-09-01T00:00:00Z <<<\n\
                \n\
                Access to the whois service is rate limited. If a record is not found,\n\
                try again later; queries exceeding the limit exceeded threshold are refused.\n";
    let r = parse(text, "example.com", None);
    assert_eq!(r.lookup, Lookup::Registered, "{:?}", r.notes);
    assert!(r.has_registrar_lock());
    assert_eq!(r.expires().unwrap().to_rfc3339(), "2025-08-13T04:00:00Z");
    let reg = r.registrar.as_ref().unwrap();
    assert_eq!(reg.iana_id.as_deref(), Some("376"));
    assert_eq!(reg.whois_server.as_deref(), Some("whois.iana.org"));
    let dnssec = r.dnssec.as_ref().unwrap();
    assert!(dnssec.delegation_signed);
    assert_eq!(dnssec.ds.len(), 1);
    assert_eq!(dnssec.ds[0].key_tag, 370);
    assert_eq!(r.handle.as_deref(), Some("2336799_DOMAIN_COM-VRSN"));
}

const JPRS_GENERAL: &str = "\
[ JPRS database provides information on network administration. Its use is    ]
[ restricted to network administration purposes. For further information,     ]
[ use 'whois -h whois.jprs.jp help'. To suppress Japanese output, add'/e'     ]
[ at the end of command, e.g. 'whois -h whois.jprs.jp xxx/e'.                 ]

Domain Information:
[Domain Name]                   EXAMPLE.JP

[Registrant]                    Example Co.,Ltd

[Name Server]                   ns1.example.net
[Name Server]                   NS2.EXAMPLE.NET.
[Signing Key]

[Created on]                    2001/05/14
[Expires on]                    2025/05/31
[Status]                        Active
[Lock Status]                   DomainTransferLocked
[Last Updated]                  2024/06/01 04:52:02 (JST)

Contact Information:
[Name]                          Example Co.,Ltd
[Email]                         hostmaster@example.jp
";

const JPRS_ORGANISATIONAL: &str = "\
[ JPRS database provides information on network administration. Its use is    ]
[ restricted to network administration purposes.                              ]
Domain Information:
a. [Domain Name]                EXAMPLE.CO.JP
g. [Organization]               Example K.K.
l. [Organization Type]          KK
m. [Administrative Contact]     YN47525JP
n. [Technical Contact]          SH36113JP
p. [Name Server]                ns1.example.com
p. [Name Server]                ns2.example.com
s. [Signing Key]                12345 8 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE
[State]                         Connected (2025/03/31)
[Lock Status]                   AgentChangeLocked
[Registered Date]               2001/03/22
[Connected Date]                2001/03/22
[Last Update]                   2024/04/01 01:05:57 (JST)
";

#[test]
fn jprs_general_layout() {
    let r = parse(JPRS_GENERAL, "example.jp", Some("jp"));
    assert_eq!(r.lookup, Lookup::Registered);
    assert_eq!(
        r.created().unwrap().to_rfc3339(),
        "2001-05-14T00:00:00+09:00"
    );
    assert_eq!(
        r.expires().unwrap().to_rfc3339(),
        "2025-05-31T00:00:00+09:00"
    );
    assert_eq!(
        r.updated().unwrap().to_rfc3339(),
        "2024-06-01T04:52:02+09:00"
    );
    // the instant is right too: 04:52:02 JST is 19:52:02 UTC the day before
    assert_eq!(r.updated().unwrap().at.to_string(), "2024-05-31T19:52:02Z");
    assert!(r.has_status(&EppStatus::Active));
    // JPRS lock states have no EPP equivalent: kept as given
    assert!(r.has_status(&EppStatus::Other("DomainTransferLocked".into())));
    let ns: Vec<&str> = r.nameservers.iter().map(DomainName::as_str).collect();
    assert_eq!(ns, ["ns1.example.net", "ns2.example.net"]);
    assert!(r.dnssec.is_none());
    assert!(
        r.contacts
            .iter()
            .any(|c| c.email.as_deref() == Some("hostmaster@example.jp"))
    );
}

#[test]
fn jprs_organisational_layout() {
    let r = parse(JPRS_ORGANISATIONAL, "example.co.jp", Some("jp"));
    assert_eq!(r.lookup, Lookup::Registered);
    assert_eq!(
        r.created().unwrap().to_rfc3339(),
        "2001-03-22T00:00:00+09:00"
    );
    // `[State] Connected (2025/03/31)`: the date is when the registration ends
    assert_eq!(
        r.expires().unwrap().to_rfc3339(),
        "2025-03-31T00:00:00+09:00"
    );
    assert_eq!(
        r.updated().unwrap().to_rfc3339(),
        "2024-04-01T01:05:57+09:00"
    );
    assert!(r.has_status(&EppStatus::Other("Connected".into())));
    assert!(r.has_status(&EppStatus::Other("AgentChangeLocked".into())));
    assert_eq!(r.nameservers.len(), 2);
    let dnssec = r.dnssec.as_ref().unwrap();
    assert!(dnssec.delegation_signed);
    assert_eq!(dnssec.ds[0].key_tag, 12345);
    assert_eq!(dnssec.ds[0].digest_type, 2);
    // serialised with the offset
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("2025-03-31T00:00:00+09:00"), "{json}");
}

#[test]
fn jprs_japanese_output() {
    let text = "\
Domain Information: [ドメイン情報]
[Domain Name]                   EXAMPLE.JP

[登録者名]                      株式会社例
[Name Server]                   ns1.example.net
[登録年月日]                    2001/05/14
[有効期限]                      2025/05/31
[状態]                          Active
[最終更新]                      2024/06/01 04:52:02 (JST)
";
    let r = parse(text, "example.jp", Some("jp"));
    assert_eq!(
        r.expires().unwrap().to_rfc3339(),
        "2025-05-31T00:00:00+09:00"
    );
    assert_eq!(
        r.created().unwrap().to_rfc3339(),
        "2001-05-14T00:00:00+09:00"
    );
    assert!(r.has_status(&EppStatus::Active));
}

#[test]
fn answer_about_another_name_is_noted() {
    let r = parse(
        "Domain Name: OTHER.COM\nName Server: ns1.other.com\n",
        "example.com",
        None,
    );
    assert!(
        r.notes.iter().any(|n| n.contains("other.com")),
        "{:?}",
        r.notes
    );
}

#[test]
fn unreadable_values_become_notes() {
    let r = parse(
        "Domain Name: EXAMPLE.COM\nCreation Date: before Aug-1996\nName Server: bad..name\n\
         Registrar: Example Registrar\n",
        "example.com",
        None,
    );
    assert_eq!(r.lookup, Lookup::Registered);
    assert!(r.created().is_none());
    assert!(
        r.notes.iter().any(|n| n.contains("before Aug-1996")),
        "{:?}",
        r.notes
    );
    assert!(
        r.notes.iter().any(|n| n.contains("bad..name")),
        "{:?}",
        r.notes
    );
}

#[test]
fn huge_and_hostile_input_is_bounded() {
    // 1 MiB of name-server lines: bounded work, bounded output
    let mut text = String::from("Domain Name: EXAMPLE.COM\n");
    let mut i = 0;
    while text.len() < 1 << 20 {
        text.push_str(&format!("Name Server: ns{i}.example.net\n"));
        i += 1;
    }
    let r = parse(&text, "example.com", None);
    assert!(r.nameservers.len() <= 64);
    assert!(r.notes.iter().any(|n| n.contains("cut")), "{:?}", r.notes);
    // control characters and very long values
    let long = "A".repeat(10_000);
    let text = format!("Domain Name: EXAMPLE.COM\nRegistrar: Evil\u{1b}[2J{long}\n");
    let r = parse(&text, "example.com", None);
    let name = r.registrar.unwrap().name.unwrap();
    assert!(!name.contains('\u{1b}'));
    assert!(name.chars().count() <= 256);
}

#[test]
fn referral_chain_keys() {
    let iana = "refer:        whois.jprs.jp\n\ndomain:       JP\n\nwhois:        whois.jprs.jp\n";
    assert_eq!(whois::referral(iana).as_deref(), Some("whois.jprs.jp"));
    let registry = "Domain Name: EXAMPLE.COM\nRegistrar WHOIS Server: whois.registrar.example\n";
    assert_eq!(
        whois::referral(registry).as_deref(),
        Some("whois.registrar.example")
    );
    // never an address literal, never junk
    assert_eq!(whois::referral("whois: 10.0.0.1\n"), None);
    assert_eq!(whois::referral("Registrar WHOIS Server: [::1]\n"), None);
    assert_eq!(whois::referral("refer: -bad-.example\n"), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_never_panics(text in ".{0,2000}") {
        let d = DomainName::parse("example.com").unwrap();
        let _ = whois::parse(&text, &d, None, "x");
        let _ = whois::parse(&text, &d, Some("jp"), "x");
        let _ = whois::referral(&text);
        let _ = whois::domain_in_text(&text);
    }

    #[test]
    fn parse_never_panics_on_whois_like_lines(
        lines in proptest::collection::vec(
            (
                prop_oneof![
                    Just("Domain Name"), Just("Creation Date"), Just("Registry Expiry Date"),
                    Just("Name Server"), Just("Domain Status"), Just("Registrar"),
                    Just("[Domain Name]"), Just("a. [Domain Name]"), Just("[State]"),
                    Just("nserver"), Just("DNSSEC DS Data"), Just("Registrar WHOIS Server"),
                    Just("changed"), Just("Status"), Just("Name servers"), Just("   "),
                ],
                prop_oneof![Just(":"), Just(" "), Just("\t"), Just("....: ")],
                "[ -~\u{3000}-\u{30ff}]{0,40}",
            ),
            0..60,
        )
    ) {
        let text: String = lines
            .iter()
            .map(|(k, s, v)| format!("{k}{s}{v}\n"))
            .collect();
        let d = DomainName::parse("example.co.jp").unwrap();
        let r = whois::parse(&text, &d, Some("jp"), "x");
        prop_assert!(r.nameservers.len() <= 64);
        prop_assert!(r.statuses.len() <= 64);
        prop_assert!(r.notes.len() <= 32);
        let _ = whois::referral(&text);
    }

    #[test]
    fn dates_never_panic(s in "[0-9 :./+()TZa-zA-Z#-]{0,60}") {
        let _ = whois::parse_date(&s, jiff::tz::Offset::UTC);
    }

    #[test]
    fn dates_with_multibyte_text_never_panic(s in "[0-9 :./+()TZa-z#é年月日\u{3000}😀-]{0,60}") {
        let _ = whois::parse_date(&s, jiff::tz::Offset::UTC);
    }

    #[test]
    fn multibyte_text_next_to_separators_never_panics(
        lines in proptest::collection::vec(
            (
                r"[a-zé日😀 .\[\]]{0,12}",
                prop_oneof![Just(":"), Just("\t"), Just("] "), Just(" ("), Just("("), Just(" - ")],
                r"[a-zé日😀 :()\[\].]{0,24}",
            ),
            0..40,
        )
    ) {
        let text: String = lines
            .iter()
            .map(|(k, s, v)| format!("{k}{s}{v}\n"))
            .collect();
        let d = DomainName::parse("example.jp").unwrap();
        let _ = whois::parse(&text, &d, Some("jp"), "x");
        let _ = whois::parse(&text, &d, None, "x");
        let _ = whois::referral(&text);
        let _ = whois::domain_in_text(&text);
    }
}

#[test]
fn section_values_come_right_after_their_heading() {
    // ICANN: an empty `Reseller:` is not followed by reseller lines
    let text = "Domain Name: EXAMPLE.COM\nReseller:\nDomain Status: ok https://icann.org/epp#ok\n\
                URL of the ICANN Whois Inaccuracy Complaint Form: https://www.icann.org/wicf/\n";
    let r = parse(text, "example.com", None);
    assert_eq!(r.reseller, None);
    assert!(r.has_status(&EppStatus::Ok));
    // SIDN: the reseller and registrar names are the lines under the heading
    let text = "Domain name: example.nl\nStatus:      active\n\nReseller:\n   Shop B.V.\n   \
                Street 1\n\nRegistrar:\n   Registrar B.V.\n   Street 2\n\nDomain nameservers:\n   \
                ns1.example.net\n   ns2.example.net\n";
    let r = parse(text, "example.nl", None);
    assert_eq!(r.reseller.as_deref(), Some("Shop B.V."));
    assert_eq!(r.registrar.unwrap().name.as_deref(), Some("Registrar B.V."));
    assert_eq!(r.nameservers.len(), 2);
    // IANA: `contact: administrative` names the role, not a person
    let text = "domain:       EXAMPLE\n\ncontact:      administrative\nname:         \
                Jane Doe\n\ncontact:      technical\nname:         John Roe\n";
    let r = parse(text, "example", None);
    let admin = r
        .contacts
        .iter()
        .find(|c| c.role == domains::registration::ContactRole::Administrative)
        .unwrap();
    assert_eq!(admin.name.as_deref(), Some("Jane Doe"));
    assert!(
        r.contacts
            .iter()
            .all(|c| c.name.as_deref() != Some("administrative"))
    );
}

#[test]
fn more_registry_wordings() {
    let not_found = [
        (
            "We do not have an entry in our database matching your query.\n",
            "x.ch",
        ),
        ("No Found\n", "x.tw"),
        ("The domain has not been registered.\n", "x.hk"),
        (
            "Invalid query or domain name not known in Dot TK Domain Registry\n",
            "x.tk",
        ),
        (
            "No information available about domain name x.pl in the Registry NASK database.\n",
            "x.pl",
        ),
        ("Domain:\tx.be\nStatus:\tAVAILABLE\n", "x.be"),
    ];
    for (text, d) in not_found {
        assert_eq!(parse(text, d, None).lookup, Lookup::NotFound, "{text}");
    }
    let limited = [
        "55000000002 Connection refused; access control limit reached.\n",
        "maximum number of requests per second exceeded\n",
        "Maximum query rate reached\n",
        "You have exceeded allowed connection rate.\n",
        "Requests of this client are not permitted. Please use https://www.nic.ch/ for queries.\n",
        "Excessive querying, grace period of 5 minutes.\n",
    ];
    for text in limited {
        assert!(limited_lookup(text), "{text}");
    }
    let r = parse(
        "Excessive querying, grace period of 5 minutes.\n",
        "x.eu",
        None,
    );
    assert_eq!(
        r.lookup,
        Lookup::RateLimited {
            retry_after_secs: Some(300)
        }
    );
}

fn limited_lookup(text: &str) -> bool {
    limited(&parse(text, "x.de", None).lookup)
}

#[test]
fn dns_belgium_layout() {
    let text = "\
% .be Whois Server 6.1
%
Domain:\texample.be
Status:\tNOT AVAILABLE
Registered:\tWed Feb 4 2004

Registrant:
\tNot shown, please visit www.dnsbelgium.be for webbased whois.

Registrar Technical Contacts:
\tOrganisation:\tExample Hosting NV
\tLanguage:\tnl

Registrar:
\tName:\t Example Registrar NV
\tWebsite: https://www.registrar.example

Nameservers:
\tns1.example.net
\tns2.example.net

Keys:
\tkeyTag:12345 flags:KSK protocol:3 algorithm:RSA-SHA256 pubKey:AwEAAb==

Flags:
\tclientTransferProhibited

Please visit www.dnsbelgium.be for more info.
";
    let r = parse(text, "example.be", None);
    assert_eq!(r.lookup, Lookup::Registered);
    assert_eq!(r.created().unwrap().to_rfc3339(), "2004-02-04T00:00:00Z");
    let reg = r.registrar.as_ref().unwrap();
    assert_eq!(reg.name.as_deref(), Some("Example Registrar NV"));
    assert_eq!(reg.url.as_deref(), Some("https://www.registrar.example"));
    assert_eq!(r.nameservers.len(), 2);
    assert!(r.has_registrar_lock());
}

#[test]
fn denic_layout() {
    let text = "\
Domain: example.de
Nserver: a.iana-servers.net
Nserver: b.iana-servers.net
Dnskey: 257 3 8 AwEAAbOFAxl+Lkt0UMglZizKEC1AxUu8zlj65KYatR5wBWMrh18TYzK8ig==
Status: connect
Changed: 2018-03-12T21:44:25+01:00
";
    let r = parse(text, "example.de", None);
    assert_eq!(r.lookup, Lookup::Registered);
    assert_eq!(
        r.updated().unwrap().to_rfc3339(),
        "2018-03-12T21:44:25+01:00"
    );
    assert!(r.dnssec.as_ref().unwrap().delegation_signed);
    assert!(r.has_status(&EppStatus::Other("connect".into())));
}
