#!/usr/bin/env python3
"""Deterministic noise feed for the precision benchmark of `domwatch scan` (bench/noise.sh).

Writes, into OUTDIR:
  brands.txt  N_BRANDS brand domains drawn with the seed from a Tranco-top-10k-like list (the
              embedded copy in crates/domains/data/lookalike/tranco10k.txt, CC0), with no filter
              on length: generic words (`mail.com`), 2-letter labels (`uu.nl`) and
              public-suffix-shaped names (`www.gob.pe`) are drawn like any other brand
  feed.txt    N_NAMES host names that imitate nobody:
                30% CT-style random and hashed hosts (`k2iyjf74uu2.cn`, hex digests, ip-a-b-c-d)
                20% CDN and cloud labels (`d1x2y3z.cloudfront.net`, `e1234.a.akamaiedge.net`)
                25% dictionary words (single, glued, hyphenated, with common subdomains)
                25% popular domains: the Cisco top 20k in DATA_DIR/warninglists when given
                    (with common subdomains), else generated pronounceable names
              names whose registrable label equals a brand's are left out

Usage: gen_noise.py [--names 300000] [--brands 1000] [--seed 7] [--data DATA_DIR] OUTDIR
"""
import argparse
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TRANCO = os.path.join(HERE, "..", "crates", "domains", "data", "lookalike", "tranco10k.txt")

TLDS = (["com"] * 40 + ["net"] * 8 + ["org"] * 6 + ["cn"] * 3 + ["ru"] * 3 + ["de"] * 3
        + ["info", "io", "xyz", "top", "jp", "co.jp", "uk", "co.uk", "fr", "nl", "br", "com.br",
           "in", "it", "es", "pl", "cc", "site", "online", "shop", "app", "dev", "cloud", "me"])
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
HEX = "0123456789abcdef"
CDNS = ["cloudfront.net", "akamaiedge.net", "akamaihd.net", "azureedge.net", "fastly.net",
        "edgekey.net", "cdn77.org", "b-cdn.net", "amazonaws.com", "herokuapp.com",
        "cloudflare.net", "googleusercontent.com", "azurewebsites.net", "vercel.app",
        "netlify.app", "web.app", "firebaseapp.com", "trafficmanager.net", "elb.amazonaws.com"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1",
           "ap-southeast-2", "sa-east-1"]
SUBS = ["www", "mail", "api", "m", "cdn", "static", "img", "blog", "shop", "app", "dev",
        "smtp", "ns1", "ns2", "mx1", "vpn", "portal", "webmail", "autodiscover", "cpanel"]
# Plain English words (no brand names), for dictionary-style names.
WORDS = """able about above access acid across act action active actor adult advice after again
age agent agree ahead air alarm album alert alive allow alpha amber angle animal answer apple
april area argue arm army art artist aspect atlas atom audio august author auto autumn avenue
award baby back bacon badge bag baker ball band bank barn base basic basket bath beach bean bear
beauty bed bee begin bell belt bench berry best bike bird birth black blade blank blast blend
block blood bloom blue board boat body bold bone bonus book boost border boss bottle bounce bow
box brain branch brave bread break brick bridge brief bright bring broad brown brush bubble
budget build bull bundle burger burst bus butter button buyer cable cafe cake call calm camera
camp canal candy canvas canyon capital captain car carbon card care cargo carpet carry case cash
castle cat catch cattle cause cave cedar cell center chain chair chalk change chapter charge
chart chase cheap check cheese chef cherry chess chest chicken chief child chip choice circle
city civil claim class clean clear clever click client cliff climb clinic clock close cloth
cloud club coach coast coat code coffee coin cold collar color column comet comfort common
coral corner cotton couch count country couple course court cover craft crane crash cream
credit crew cricket crisp crop cross crowd crown cruise crystal cube cup curve custom cycle
daily dance danger dark data date dawn day deal debate decade deep deer degree delta demand
dental depth desert design desk detail dial diamond diary diet digital dinner direct dirt dish
doctor dog dollar dome door double dough dove draft dragon drama dream dress drift drill drink
drive drop drum duck dune dust eagle early earth east easy echo edge editor effect egg eight
elbow elder electric elite ember empire empty energy engine enjoy entry equal escape estate
event every exact exam exit expert export extra fabric face fact factory faith falcon fall
family famous farm fashion father feast feather fence ferry festival fiber field figure film
final finance finger fire firm first fish fitness flag flame flash fleet flight float flock
floor flower fluid focus fog folk food foot force forest forge fork form fortune forum fossil
fountain fox frame free fresh friend frog front frost fruit fuel fun future gadget galaxy game
garage garden garlic gas gate gather gear gem general genius gentle giant gift ginger glass
globe glory glove glow goal goat gold golf good grace grain grand grape graph grass gravity
great green grid grill grocery ground group grove growth guard guest guide guitar habit hair
half hall hammer hand happy harbor hard harvest hawk head health heart heat heavy hedge height
helmet help herb hero hidden high hill history hobby hockey hold holiday hollow home honey hook
hope horizon horse host hotel hour house human humor hunter ice idea image impact index inner
input insect inside island ivory jacket jade jazz jelly jewel job join joke journal joy judge
juice jump jungle junior jury justice keen kettle key kid kind king kitchen kite knife knight
label labor ladder lake lamp land large laser laugh lava lawn layer leader leaf learn leather
legal lemon lens level liberty library light lily limit linen lion liquid list little live
lizard loan lobby local lock lodge logic lonely long loop lotus loud love lucky lunar lunch
machine magic magnet maple marble march margin marine market marsh mask master match meadow
meal media medical melody member memory mentor menu merit metal meter middle midnight mild
mill mind mineral minute mirror mission mobile model modern moment money monkey month moon
morning mother motion motor mountain mouse movie muffin museum music mystery nail narrow
nation native nature navy near neck needle nerve nest network never night noble noise north
note novel number nurse oak ocean octave office olive omega onion open opera option orange
orbit orchard order organic origin outdoor oven owner oxygen pace package paddle page paint
palace palm panda panel paper parade parent park party pass path patrol pattern peace peach
pearl pencil people pepper perfect piano picnic picture piece pilot pine pink pioneer pipe
pixel pizza place plain planet plant plate play plaza plot plum poem point polar pond pool
popular portal poster potato powder power praise press price pride prime print prism prize
profit proof proud pulse pump pupil puppy purple puzzle pyramid quality quantum quarter queen
quick quiet quilt quote rabbit race radar radio rail rain ranch random rapid raven razor ready
real recipe record red reef region relax remote rescue resort rest result retail rhythm rice
rich ride ridge right ring ripple river road robot rock rocket roof room root rose round route
royal rubber ruby rule rural safe sage sail salad salmon salt sample sand satin sauce savings
scale scene school science scout screen script sea season second secret seed select senior
sense series service seven shadow shape share shark sharp sheep shell shelter shield shift
ship shirt shoe shore short shower shrimp side sight signal silent silk silver simple singer
sister sketch skill sky sleep slice slide slope small smile smoke snack snake snow soap soccer
social sock soda soft solar solid solo song sound soup south space spark speak special speed
spell spice spider spirit split sponge spoon sport spring square squid stable stage stair
stamp star start station steady steam steel stem step stick stone storm story stove straw
stream street strong studio style sugar summer summit sun super supply surf surface swan sweet
swift swim switch symbol system table tailor talent tank tape target taste tax tea teacher
team temple tender tennis tent term test text theory thread thunder ticket tide tiger timber
time tiny title toast today token tomato tone tool topic torch total tower town toy track
trade trail train travel tree trend trial tribe trick trip trophy truck true trust truth tube
tulip tunnel turtle twin type ultra umbrella uncle union unique unit universe upper urban usual
valley value vapor velvet venture vessel video view village vintage violet virtual vision
visit vital vivid voice volcano vote voyage wagon walk wall walnut water wave wealth weather
web wedding week west whale wheat wheel white wide wild willow wind window wine wing winter
wire wisdom wolf wonder wood wool work world worth wrist yard year yellow yoga young youth
zebra zero zinc zone""".split()


SECOND_LEVEL = {"co", "com", "ne", "or", "ac", "gob", "org", "net", "gov", "edu"}


def rand_str(rng, alphabet, lo, hi):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def ct_host(rng):
    r = rng.random()
    tld = rng.choice(TLDS)
    if r < 0.35:
        return f"{rand_str(rng, ALNUM, 6, 16)}.{tld}"
    if r < 0.55:
        return f"{rand_str(rng, HEX, 16, 40)}.{rand_str(rng, ALNUM, 5, 12)}.{tld}"
    if r < 0.70:
        a, b, c, d = (rng.randrange(256) for _ in range(4))
        return f"ip-{a}-{b}-{c}-{d}.{rand_str(rng, ALNUM, 4, 10)}.{tld}"
    if r < 0.85:
        return f"{rand_str(rng, ALNUM, 3, 8)}{rng.randrange(10, 99999)}.{rand_str(rng, ALNUM, 4, 10)}.{tld}"
    return f"{rand_str(rng, ALNUM, 8, 24)}.{rand_str(rng, ALNUM, 6, 14)}{rng.randrange(10)}.{tld}"


def cdn_host(rng):
    cdn = rng.choice(CDNS)
    r = rng.random()
    if r < 0.3:
        return f"d{rand_str(rng, ALNUM, 12, 14)}.{cdn}"
    if r < 0.5:
        return f"e{rng.randrange(1, 99999)}.{rng.choice('abcdefg')}.{cdn}"
    if r < 0.7:
        return f"{rng.choice(WORDS)}-{rand_str(rng, HEX, 6, 12)}.{rng.choice(REGIONS)}.{cdn}"
    if r < 0.85:
        return f"s3-{rng.choice(REGIONS)}.{cdn}"
    return f"{rng.choice(WORDS)}{rng.choice(WORDS)}-{rng.randrange(1000, 99999)}.{cdn}"


def word_host(rng):
    r = rng.random()
    w = rng.choice(WORDS)
    if r < 0.3:
        label = w
    elif r < 0.65:
        label = w + rng.choice(WORDS)
    elif r < 0.85:
        label = w + "-" + rng.choice(WORDS)
    else:
        label = w + str(rng.randrange(1, 2030))
    name = f"{label}.{rng.choice(TLDS)}"
    if rng.random() < 0.4:
        name = f"{rng.choice(SUBS)}.{name}"
    return name


def pronounceable(rng):
    syl = ["ba", "ko", "ri", "mu", "te", "sa", "lo", "vi", "na", "zu", "pe", "da", "ki", "go"]
    return "".join(rng.choice(syl) for _ in range(rng.randint(2, 4)))


def load_cisco(data):
    if not data:
        return []
    p = os.path.join(data, "warninglists", "cisco_top20k.json")
    if not os.path.exists(p):
        return []
    with open(p, encoding="utf-8") as f:
        return [d.strip().lower() for d in json.load(f)["list"] if d.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--names", type=int, default=300_000)
    ap.add_argument("--brands", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data", default=None)
    ap.add_argument("outdir")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    with open(TRANCO, encoding="utf-8") as f:
        tranco = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    brands = rng.sample(tranco, a.brands)
    brand_labels = {b.split(".")[0] for b in brands}
    tranco_set = set(tranco)
    popular = [d for d in load_cisco(a.data) if d not in tranco_set]
    os.makedirs(a.outdir, exist_ok=True)
    with open(os.path.join(a.outdir, "brands.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(brands) + "\n")
    n = 0
    with open(os.path.join(a.outdir, "feed.txt"), "w", encoding="utf-8") as f:
        while n < a.names:
            r = rng.random()
            if r < 0.30:
                name = ct_host(rng)
            elif r < 0.50:
                name = cdn_host(rng)
            elif r < 0.75:
                name = word_host(rng)
            elif popular:
                name = rng.choice(popular)
                if rng.random() < 0.4:
                    name = f"{rng.choice(SUBS)}.{name}"
            else:
                name = f"{pronounceable(rng)}.{rng.choice(TLDS)}"
                if rng.random() < 0.4:
                    name = f"{rng.choice(SUBS)}.{name}"
            labels = name.split(".")
            sld = labels[-3] if len(labels) > 2 and labels[-2] in SECOND_LEVEL else labels[-2]
            if sld in brand_labels:
                continue  # the brand's own label under some suffix is a tld-swap, not noise
            f.write(name + "\n")
            n += 1


if __name__ == "__main__":
    main()
