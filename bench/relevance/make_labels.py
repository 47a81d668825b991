"""How bench/relevance/labelled.tsv was written: ``python bench/relevance/make_labels.py``.

The labels are a person's reading of the titles in titles/ (README.md), written down as one
rule per query after reading its candidate titles, with the odd title named outright where
no rule says it (the surfboards known only by their model). They do not call the matcher.
Regenerating gives the same file; change a rule here, not the TSV by hand.
"""

import csv
import re
from collections import Counter
from pathlib import Path

T = str(Path(__file__).resolve().parent / "titles") + "/"


def pool(name):
    return [line for line in open(T + name, encoding="utf-8").read().splitlines() if line.strip()]


IPH = pool("ebay_api_iphone_2023.txt")
NEX = pool("ebay_finding_nexus_player_2016.txt")
BLU = pool("ebay_srp_uk_bluray_2025.txt")
WAR = pool("ebay_srp_uk_warhammer_2021.txt")
SURF = pool("craigslist_sfbay_surf_2025.txt")
BIKE = pool("facebook_nyc_bike_2026.txt")
# The first hundred of the iPhone answer are its "best match" page: phones, bar the Pokémon codes.
PHONES = set(IPH[:100]) - {t for t in IPH[:100] if re.search(r"pok[eé]mon", t, re.I)}


def has(t, *pats):
    return all(re.search(p, t, re.I) for p in pats)


def anyof(t, *pats):
    return any(re.search(p, t, re.I) for p in pats)


def phone(t):
    return t in PHONES


def nex_accessory(t):
    return anyof(t, r"^(new! )?wireless gamepad", r"^asus (- )?wireless", r"gamepad for nexus", r"voice remote", r"mount holder")


def nexus_device(t):
    brand = anyof(t, r"google|asus|tv500|tv5001|tu5001") and has(t, r"nexus")
    other = anyof(t, r"pioneer|cdj|samsung|bauer|\bxm\b")
    return (brand and not nex_accessory(t) and not other) or t in ("Nexus player", "google nexus player")


Q = [
    ("iphone 12 mini", 0, IPH, r"mini", lambda t: phone(t) and has(t, r"12 mini")),
    ("iphone 13 pro max", 0, IPH, r"max", lambda t: phone(t) and has(t, r"13 pro max")),
    ("iphone 11 pro -max", 0, IPH, r"\b11", lambda t: phone(t) and has(t, r"11 pro") and not has(t, r"max")),
    ("iphone se 2nd gen", 0, IPH, r"\bse\b", lambda t: phone(t) and has(t, r"\bse\b") and anyof(t, r"2nd gen", r"se 2020", r"2020")),
    ("iphone xr", 0, IPH, r"xr", lambda t: phone(t) and has(t, r"\bxr\b")),
    ("iphone 8 plus", 0, IPH, r"plus|\+", lambda t: phone(t) and anyof(t, r"8 plus", r"8 \| 8 plus")),
    ("apple iphone 12 -mini -pro", 0, IPH, r"\b12\b", lambda t: phone(t) and has(t, r"iphone 12") and not anyof(t, r"mini", r"\bpro\b")),
    (
        "iphone 14 case",
        0,
        IPH,
        r"case|funda|cover",
        lambda t: (
            not phone(t)
            and has(t, r"\b14", r"\bcase\b|\bfunda\b")
            and (not anyof(t, r"tempered glass|screen protector|lens cover|camera protector") or has(t, r"magnetic magsafe case"))
        ),
    ),
    (
        "iphone camera lens protector",
        0,
        IPH,
        r"protector",
        lambda t: (
            not phone(t)
            and anyof(t, r"camera lens", r"lens protector", r"lens cover", r"camera protector")
            and has(t, r"protector|cover")
            and not has(t, r"^funda")
        ),
    ),
    ("iPhone13", 0, IPH, r"\b13\b", lambda t: phone(t) and has(t, r"iphone 13")),
    ("nexus player", 0, NEX, r"nexus|player", nexus_device),
    ('"nexus player"', 0, NEX, r"nexus|player", nexus_device),
    ("nexus player gamepad", 0, NEX, r"gamepad|controller|remote", lambda t: has(t, r"gamepad") and has(t, r"nexus player")),
    ("cdj-2000 nexus", 0, NEX, r"cdj|pioneer|nexus", lambda t: anyof(t, r"cdj-2000 ?n(exus|xs)", r"cdj-2000 nexus")),
    ('"nexus player" -kodi', 0, NEX, r"nexus", lambda t: nexus_device(t) and not has(t, r"kodi")),
    ("4k steelbook", 0, BLU, r"4k|steelbook", lambda t: has(t, r"4k", r"steelbook")),
    ("blu-ray box set", 0, BLU, r"box|set", lambda t: anyof(t, r"box set", r"box full course edition 18-disc set", r"final box")),
    ("umbrella collector's edition", 0, BLU, r"umbrella|collector", lambda t: has(t, r"umbrella", r"collector.?s edition")),
    (
        "(arrow | 88 films) limited edition",
        0,
        BLU,
        r"arrow|88 films|limited",
        lambda t: anyof(t, r"\barrow\b", r"88 films") and anyof(t, r"limited edition", r"\ble$"),
    ),
    ("criterion 4k", 0, BLU, r"criterion|4k", lambda t: has(t, r"criterion", r"4k")),
    (
        "sisters of battle",
        0,
        WAR,
        r"sister|sororitas|battle",
        lambda t: anyof(t, r"sororitas", r"sisters of battle", r"battle sisters") and not has(t, r"\bparts\b"),
    ),
    ("primaris intercessor", 0, WAR, r"primaris|intercessor", lambda t: has(t, r"intercessor") and not has(t, r"shoulder pads")),
    ("necron 40k", 0, WAR, r"necron|40k", lambda t: has(t, r"necron\b")),
    ("space marine shoulder pads", 0, WAR, r"space ?marine|shoulder", lambda t: has(t, r"shoulder pads", r"space marine")),
    ("warhammer 40k bases", 0, WAR, r"bases", lambda t: has(t, r"bases", r"warhammer 40|40k")),
    ("surfboard", 0, SURF, r"surf|board|[0-9]['’]", lambda t: t in SURFBOARDS),
    ("wetsuit 4/3", 0, SURF, r"wet ?suit", lambda t: has(t, r"wet ?suit", r"4/3")),
    ("midlength egg", 0, SURF, r"midlength|egg|surfboard", lambda t: has(t, r"midlength egg")),
    ("pyzel gremlin", 0, SURF, r"pyzel|gremlin|surfboard", lambda t: has(t, r"pyzel", r"gremlin")),
    (
        "soft top surfboard",
        0,
        SURF,
        r"soft|foam|surfboard",
        lambda t: t in ("6'6\" Easy Rider Surfboard (Hybrid Epoxy Soft Top)", "WaveStorm\\Scott Burke Softop surfboard 8' foot foam"),
    ),
    ("mountain bike", 0, BIKE + [t for t in SURF if re.search("bike|board", t, re.I)][:10], r".", lambda t: has(t, r"mountain bike")),
    ("electric bike", 0, BIKE, r".", lambda t: has(t, r"electric bike")),
    (
        '"nexus player"',
        1,
        NEX,
        r"nexus|player",
        lambda t: nexus_device(t) or (has(t, r"nexus player") and anyof(t, r"gamepad|controller|remote")),
    ),
]
SURFBOARDS = set()
for t in SURF:
    if re.search(r"surf ?boards?", t, re.I) and not re.search(
        r"arris|carrier|board bag|travel tack|paddle|sup\b|skim|boogie|balance", t, re.I
    ):
        SURFBOARDS.add(t)
SURFBOARDS |= {
    "5'11\" Sharpeye Twin Turbo EPS",
    "JS Xero Fusion",
    "Slater Designs 6'2 FRK by Mann Kine",
    "Album FreeWing - 5'9 x 18.88 x 2.38",
    "🔥 🏄‍♂️ JS XERO GRAVITY HYFI 2.0",
    "Lost lazy boy + fins and bag",
    "9' 7\" long board Tom Morey Swizzl Model",
}
SURFBOARDS.discard("Great surfboard for transitioning from a midlength or longboard")
SURFBOARDS.add("Great surfboard for transitioning from a midlength or longboard")
SRC = {
    id(IPH): "ebay_api_iphone_2023",
    id(NEX): "ebay_finding_nexus_player_2016",
    id(BLU): "ebay_srp_uk_bluray_2025",
    id(WAR): "ebay_srp_uk_warhammer_2021",
    id(SURF): "craigslist_sfbay_surf_2025",
    id(BIKE): "facebook_nyc_bike_2026",
}
rows = []
for query, acc, titles, cand, label in Q:
    src = SRC.get(id(titles), "facebook_nyc_bike_2026+craigslist_sfbay_surf_2025")
    for t in titles:
        if re.search(cand, t, re.I):
            rows.append((query, str(acc), t, "1" if label(t) else "0", src))
with open(Path(__file__).resolve().parent / "labelled.tsv", "w", newline="") as f:
    w = csv.writer(f, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(["query", "accessories", "title", "relevant", "source"])
    w.writerows(rows)
pairs = Counter((r[0], r[1]) for r in rows)
relevant = Counter((r[0], r[1]) for r in rows if r[3] == "1")
print(f"{len(rows)} pairs, {sum(relevant.values())} relevant, {len(pairs)} queries")  # noqa: T201
