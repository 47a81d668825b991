"""Is a listing the thing itself, an accessory for it, or parts of it? A pure guess from
the title (and the site's category when it gives one).

Searches use it so that "lens hood for X100V" and "X100V box only" do not pass as an
X100V, and scoring so that they never count as comparables. It lives in ``listings``
(which imports neither searches nor alerts) so that both apps can call it, and so the
upsert can store the guess on the listing (``Listing.kind``).

Signals, strongest first:

- parts: "for parts", "not working", "spares or repair", "defekt", "hs", "para piezas"...
- box or papers only: "box only", "empty box", "nur OVP", "boîte vide"...
- the title is *for* something else: it starts with "for"/"fits"/"compatible with"/
  "replacement"/"für"/"pour"/"per"/"para", or an accessory word ("case", "lens hood",
  "charger", "Hülle", "funda"...) is followed by such a word;
- an accessory word that leads the title's own description ("Tempered Glass Screen
  Protector iPhone 14"), unless "with", "+", "incl." or "and" put it beside the item
  ("X100V with lens hood" is a camera);
- the site's category ("Cell Phone Accessories", "Lens Hoods", "Parts").

The verdict names the words that decided it; a search that asks for one of them
("x100v lens hood") wants those listings, so the matcher compares them with the query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from listings.textnorm import fold


class Kind:
    ITEM = "item"
    ACCESSORY = "accessory"
    PARTS = "parts"


@dataclass(frozen=True)
class KindVerdict:
    kind: str
    why: str = ""
    triggers: tuple[str, ...] = ()  # folded words that decided it ("lens hood", "for")

    @property
    def is_item(self) -> bool:
        return self.kind == Kind.ITEM


ITEM = KindVerdict(Kind.ITEM)


def _words(*phrases: str) -> str:
    return "|".join(sorted((re.escape(phrase).replace(r"\ ", r"[\s\-/]+") for phrase in phrases), key=len, reverse=True))


_PARTS = _words(
    # English
    "for parts",
    "parts only",
    "for parts or repair",
    "parts or repair",
    "spares or repair",
    "spares repair",
    "for repair",
    "needs repair",
    "not working",
    "non working",
    "doesn't work",
    "does not work",
    "faulty",
    "as is for parts",
    "no power",
    "won't turn on",
    "wont turn on",
    "broken",
    "parts",
    "spare parts",
    "spares",
    "cracked screen",
    "motherboard",
    "logic board",
    "mainboard",
    # German
    "defekt",
    "ersatzteile",
    "ersatzteil",
    "bastler",
    "für bastler",
    # French
    "pour pieces",
    "pour pièces",
    "hors service",
    "en panne",
    "ne fonctionne pas",
    "hs",
    # Spanish
    "para piezas",
    "para repuesto",
    "repuesto",
    "averiado",
    "no funciona",
    "roto",
    # Italian
    "per ricambi",
    "ricambi",
    "guasto",
    "non funzionante",
    "rotto",
)
_BOX_ONLY = _words(
    "box only",
    "empty box",
    "box and manual only",
    "box & manual only",
    "original box only",
    "retail box only",
    "packaging only",
    "manual only",
    "nur ovp",
    "ovp only",
    "leerkarton",
    "boite vide",
    "boîte vide",
    "caja vacia",
    "caja vacía",
    "solo caja",
    "scatola vuota",
    "solo scatola",
)
# Accessory words that make a title an accessory when they lead its description.
_STRONG_NOUNS = (
    "charging station",
    "charging dock",
    "screen replacement",
    "battery replacement",
    "back housing",
    "back cover",
    "controller",
    "gamepad",
    "joystick",
    "bag",
    "board bag",
    "carrier",
    "rack",
    "voice remote",
    "case",
    "cover",
    "skin",
    "sleeve",
    "pouch",
    "holster",
    "screen protector",
    "protector",
    "tempered glass",
    "glass protector",
    "lens hood",
    "strap",
    "wrist strap",
    "neck strap",
    "charger",
    "charging cable",
    "cable",
    "adapter",
    "adaptor",
    "dongle",
    "sticker",
    "decal",
    "faceplate",
    "replacement screen",
    "digitizer",
    "back glass",
    "thumb grip",
    "ejector pin",
    "sim ejector",
    "hulle",
    "huelle",
    "schutzhulle",
    "schutzfolie",
    "panzerglas",
    "ladegerat",
    "ladekabel",
    "coque",
    "housse",
    "etui",
    "chargeur",
    "protection ecran",
    "verre trempe",
    "funda",
    "carcasa",
    "cargador",
    "protector pantalla",
    "cristal templado",
    "custodia",
    "caricabatterie",
    "pellicola",
    "vetro temperato",
)
# Words that are accessories only when "for" (or "fits", "für"...) follows them:
# "Canon EF mount lens" is a lens, "mount for GoPro" is not.
_WEAK_NOUNS = (
    "hood",
    "lens cap",
    "body cap",
    "cap",
    "battery",
    "batterie",
    "bateria",
    "akku",
    "battery grip",
    "grip",
    "mount",
    "holder",
    "stand",
    "tripod",
    "filter",
    "uv filter",
    "shell",
    "housing",
    "lcd",
    "screen",
    "stylus",
    "remote",
    "dock",
    "cord",
    "kabel",
    "cavo",
    "fan",
    "cooling fan",
    "keyboard",
    "film",
    "memory card",
    "sd card",
    "tasche",
    "halterung",
    "controller skin",
    "part",
    "lens",
    "receiver",
    "headset",
    "speaker",
    "light",
    "lamp",
    "bracket",
    "kit",
)
_ACCESSORY_NOUNS = _words(*_STRONG_NOUNS, *_WEAK_NOUNS)
_STRONG_RE = _words(*_STRONG_NOUNS)
_FOR = _words(
    "for",
    "fits",
    "fit",
    "fit for",
    "compatible with",
    "compatible for",
    "compatible",
    "designed for",
    "suitable for",
    "made for",
    "replacement for",
    "replacement",
    "fur",
    "für",
    "passend fur",
    "passend für",
    "kompatibel",
    "pour",
    "compatible avec",
    "para",
    "compatible con",
    "per",
    "compatibile",
)
_BESIDE = r"(?:with|w/|w|plus|\+|&|and|incl\.?|including|includes|inc\.?|inkl\.?|mit|avec|con|y|et|und|comes with|bundle|bundled)"
# A pack count at the start ("2pcs For iPhone", "1-3 PACK Camera Lens Protector").
_PACK = r"(?:\d+\s*(?:-\s*\d+\s*)?(?:pcs|pc|pack|pk|x)\b)"
# "for sale", "for gaming", "for kids" say who or what the item itself is for.
_FOR_NOT_ACCESSORY = r"(?:sale|trade|swap|gaming|work|kids|adults?|men|women|beginners?|photography|travel|the|a|an|you|him|her|everyone)"

_PARTS_RE = re.compile(rf"(?<![\w])(?:{_PARTS})(?![\w])")
_BOX_RE = re.compile(rf"(?<![\w])(?:{_BOX_ONLY})(?![\w])")
_LEADING_FOR_RE = re.compile(rf"^\W*(?:{_PACK}\s*)?(?:new\s+)?(?:{_FOR})\b(?!\s+(?:{_FOR_NOT_ACCESSORY})\b)")
# An accessory word, at most three plain words, then "for": "Controller Gamepad For Nexus Player".
# No comma or dash in between: "X100V, lens hood, perfect for street" lists extras.
_NOUN_THEN_FOR_RE = re.compile(
    rf"(?<![\w])({_ACCESSORY_NOUNS})(?![\w])(?:\s+[\w'.+]+){{0,3}}?\s+(?:{_FOR})(?![\w])(?!\s+(?:{_FOR_NOT_ACCESSORY})\b)"
)
_NOUN_RE = re.compile(rf"(?<![\w])({_STRONG_RE})(?![\w])")
_ALL_NOUNS_RE = re.compile(rf"(?<![\w])({_ACCESSORY_NOUNS})(?![\w])")
_BESIDE_BEFORE_RE = re.compile(rf"(?:^|[\s,(])(?:{_BESIDE})(?!\w)\s*(?:[\w'.-]+\s+){{0,3}}$")
_CATEGORY_ACCESSORY_RE = re.compile(
    r"accessor|cases|covers|skins|screen protectors|lens hoods|lens caps|straps|chargers|cables|adapters|batteries|"
    r"grips|mounts|holders|stands|filters|bags|stickers|decals|faceplates"
)
_CATEGORY_PARTS_RE = re.compile(r"\bparts\b|replacement parts|spare parts|repair")


def _category_verdict(category: str | None) -> KindVerdict | None:
    if not category:
        return None
    # Only the leaf counts: "Cell Phones & Accessories" is the parent of phones themselves.
    leaf = fold(re.split(r"\s*[>/]\s*", category)[-1])
    if re.search(r"&\s*accessories$", leaf):
        return None
    if _CATEGORY_PARTS_RE.search(leaf):
        return KindVerdict(Kind.PARTS, f"category '{category}'", ())
    if _CATEGORY_ACCESSORY_RE.search(leaf):
        return KindVerdict(Kind.ACCESSORY, f"category '{category}'", ())
    return None


def classify_title(title: str, category: str | None = None) -> KindVerdict:
    """The kind of listing a title describes, with the words that decided it."""
    text = " ".join(fold(title or "").split())
    match = _PARTS_RE.search(text)
    if match:
        return KindVerdict(Kind.PARTS, f"parts: '{match.group(0)}'", (match.group(0),))
    match = _BOX_RE.search(text)
    if match:
        return KindVerdict(Kind.ACCESSORY, f"box only: '{match.group(0)}'", (match.group(0),))
    nouns = tuple(dict.fromkeys(found.group(1) for found in _ALL_NOUNS_RE.finditer(text)))
    match = _LEADING_FOR_RE.search(text)
    if match:
        return KindVerdict(Kind.ACCESSORY, f"accessory: title starts '{match.group(0).strip()}'", nouns)
    for match in _NOUN_THEN_FOR_RE.finditer(text):
        if not _beside(text[: match.start(1)]):
            noun = match.group(1)
            return KindVerdict(Kind.ACCESSORY, f"accessory: '{match.group(0).strip()}'", (noun, *nouns))
    match = _NOUN_RE.search(text)
    if match and _leads(text, match.start(1)):
        noun = match.group(1)
        return KindVerdict(Kind.ACCESSORY, f"accessory: '{noun}'", (noun, *nouns))
    by_category = _category_verdict(category)
    if by_category is not None:
        return by_category
    return ITEM


def _beside(before: str) -> bool:
    """Does a word like "with", "+" or "incl." come shortly before (the accessory is an extra)?"""
    return bool(_BESIDE_BEFORE_RE.search(before))


def _leads(text: str, position: int) -> bool:
    """Does the accessory word at ``position`` describe the listing itself? It does when it
    comes within the first few words, nothing like "with" or "+" sets it beside the item,
    and no digit-bearing model word has come before it (model words then accessory word:
    "iPhone 14 Pro Max case" is a case; "Fujifilm X100V camera, case" lists extras)."""
    before = text[:position]
    if _BESIDE_BEFORE_RE.search(before) or re.search(rf"(?:^|\s)(?:{_BESIDE})(?!\w)", before):
        return False
    if "," in before or " - " in before or " | " in before:
        return False
    return True


def is_accessory(title: str, category: str | None = None) -> tuple[bool, str]:
    """(True, why) when the title is an accessory, a box or parts rather than the thing itself."""
    verdict = classify_title(title, category)
    return (not verdict.is_item, verdict.why)
