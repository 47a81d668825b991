"""Titles and query words in one comparable form: pure functions, no database.

Both sides of a match go through the same steps, so "X-100V", "x100 v" and "X100V"
compare equal, and so do "iPhone 15 Pro Max" and "iphone15promax":

1. Fold: Unicode NFKD, combining marks dropped, case folded ("Hülle" -> "hulle").
2. Words: runs of letters and digits; apostrophes inside a word vanish ("Levi's"), a
   decimal point between digits stays ("f/1.8" -> "f", "1.8"), a thousands comma goes.
3. Atoms: each word splits where letters meet digits ("x100v" -> x | 100 | v).
4. Plurals: a letter atom loses a simple English plural ending ("cases" -> "case",
   "batteries" -> "battery", "X100Vs" -> "x100v"); a lone letter after a number is a
   model suffix, not a plural ("iPhone 6s" stays "6s").
5. Spans: a term matches a title when its atoms, joined, equal a run of the title's
   atoms, joined. A run may join words ("x100 v" = "x100v") but it may only start or
   end inside a word where a letter part of three or more letters meets a number:
   "iphone|15|promax" can be cut, "x|100|v" cannot, so "x100" does not match "X100V"
   (and "x100" never matches "x1000": no run of atoms joins to it).

``normalize_title`` does all of this once per title; matching a term is then a set
lookup (``NormalizedTitle.find``). ``term_key`` gives a query word's joined form.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Longest run of atoms indexed as a span (longer phrases are found by a scan).
MAX_SPAN_ATOMS = 8
# A letter part of at least this many letters may be cut from the number it touches.
MIN_SEPARABLE_LETTERS = 3

# Letters NFKD does not decompose into a base letter and a mark.
_SPECIAL = str.maketrans({"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l", "đ": "d", "ı": "i"})
_APOSTROPHES = {"'", "’", "ʼ", "`"}
_INCH_MARKS = {'"', "″", "”", "“"}
_ORDINALS = {"st", "nd", "rd", "th"}


def fold(text: str) -> str:
    """Case, accents and compatibility forms folded away: "Fujifilm X-100V Hülle" -> "fujifilm x-100v hulle"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _fold_char(ch: str) -> str:
    return fold(ch)


def singular(atom: str) -> str:
    """A simple English singular of a letter atom; anything else is returned as is."""
    if not atom.isalpha():
        return atom
    if len(atom) >= 5 and atom.endswith("ies"):
        return atom[:-3] + "y"
    if len(atom) >= 5 and atom.endswith(("sses", "xes", "ches", "shes", "zes")):
        return atom[:-2]
    if len(atom) >= 4 and atom.endswith("s") and not atom.endswith(("ss", "us", "is")):
        return atom[:-1]
    return atom


@dataclass(frozen=True)
class _Atom:
    text: str  # normalized (folded, singular)
    start: int  # offsets in the original title, for explanations
    end: int
    word: int  # index of the word it belongs to


def _atoms(text: str) -> list[_Atom]:
    """Split a text into atoms, keeping where each came from in the original."""
    # Fold character by character so each folded character knows its original offset.
    text = text or ""
    chars: list[tuple[str, int]]
    if text.isascii():
        chars = [(ch, index) for index, ch in enumerate(text.lower())]  # casefold of ASCII is lower
    else:
        chars = [(ch, index) for index, original in enumerate(text) for ch in _fold_char(original)]
    atoms: list[_Atom] = []
    word = -1
    current: list[tuple[str, int]] = []
    kind = ""  # "a" letters, "d" digits
    in_word = False

    def flush() -> None:
        nonlocal current
        if current:
            raw = "".join(ch for ch, _ in current)
            atoms.append(_Atom(raw, current[0][1], current[-1][1] + 1, word))
        current = []

    count = len(chars)
    for position, (ch, index) in enumerate(chars):
        if ch.isalpha():
            this = "a"
        elif ch.isdigit():
            this = "d"
        else:
            previous = chars[position - 1][0] if position else ""
            following = chars[position + 1][0] if position + 1 < count else ""
            if ch in _APOSTROPHES and previous.isalpha() and following.isalpha():
                continue  # "levi's" -> "levis"
            if ch == "." and previous.isdigit() and following.isdigit() and kind == "d":
                current.append((ch, index))  # "1.8" stays one number
                continue
            if ch == "," and previous.isdigit() and kind == "d" and _three_digits_follow(chars, position):
                continue  # "1,000" -> "1000"
            if ch in _INCH_MARKS and kind == "d":
                flush()  # 13" is 13 inch, part of the same word
                atoms.append(_Atom("inch", index, index + 1, word))
                kind = "a"
                continue
            flush()
            kind = ""
            in_word = False
            continue
        if not in_word:
            word += 1
            in_word = True
        if this != kind:
            flush()
            kind = this
        current.append((ch, index))
    flush()
    # Plurals, after splitting: "x100vs" -> x | 100 | v; a lone letter after a number stays.
    # Ordinals lose their suffix ("2nd gen" = "2 gen"); "13in" and "13-inch" are 13 inch.
    result = []
    for position, atom in enumerate(atoms):
        text_ = atom.text
        after_number = position > 0 and atoms[position - 1].word == atom.word and not atoms[position - 1].text[0].isalpha()
        if after_number and text_ in _ORDINALS and _ordinal(atoms[position - 1].text, text_):
            continue
        if after_number and text_ in ("in", "inches"):
            text_ = "inch"
        elif after_number and len(text_) == 2 and text_.endswith("s") and text_[0] != "s":
            text_ = text_[:-1]
        elif not after_number:
            text_ = singular(text_)
        result.append(_Atom(text_, atom.start, atom.end, atom.word))
    return result


def _ordinal(number: str, suffix: str) -> bool:
    """Is "2nd", "11th", "23rd" an ordinal (so "2nd" = "2"), not a model like "5s"?"""
    if not number.isdigit():
        return False
    last, tens = number[-1], number[-2:-1]
    expected = "th" if tens == "1" else {"1": "st", "2": "nd", "3": "rd"}.get(last, "th")
    return suffix == expected


def _three_digits_follow(chars: list[tuple[str, int]], position: int) -> bool:
    digits = "".join(ch for ch, _ in chars[position + 1 : position + 5])
    return len(digits) >= 3 and digits[:3].isdigit() and (len(digits) == 3 or not digits[3].isdigit())


def _cuts(atoms: list[_Atom]) -> list[bool]:
    """cuts[i]: may a span start or end between atom i-1 and atom i (0 and n always may)."""
    n = len(atoms)
    cuts = [True] * (n + 1)
    for i in range(1, n):
        left, right = atoms[i - 1], atoms[i]
        if left.word != right.word:
            continue
        letters = left.text if left.text[0].isalpha() else right.text
        cuts[i] = len(letters) >= MIN_SEPARABLE_LETTERS
    return cuts


@lru_cache(maxsize=65536)
def term_key(text: str) -> str:
    """The joined normalized form of a query word or phrase: "X-100V" -> "x100v", "Pro Max" -> "promax"."""
    return "".join(atom.text for atom in _atoms(text))


@lru_cache(maxsize=65536)
def term_atoms(text: str) -> int:
    return len(_atoms(text))


class NormalizedTitle:
    """A title prepared for matching: its atoms and every span a term may equal."""

    __slots__ = ("title", "atoms", "spans", "_starts", "_ends", "_joined", "_offsets", "_atom_starts", "_atom_ends")

    def __init__(self, title: str, atoms: list[_Atom], cuts: list[bool]) -> None:
        self.title = title
        texts = [atom.text for atom in atoms]
        self.atoms = texts
        n = len(atoms)
        # joined text of a run of atoms -> (first char, end char) of its first occurrence in the title
        spans: dict[str, tuple[int, int]] = {}
        for i in range(n):
            if not cuts[i]:
                continue
            joined = ""
            for j in range(i, min(n, i + MAX_SPAN_ATOMS)):
                joined += texts[j]
                if cuts[j + 1] and joined not in spans:
                    spans[joined] = (atoms[i].start, atoms[j].end)
        self.spans = spans
        offsets = [0]
        for text in texts:
            offsets.append(offsets[-1] + len(text))
        self._offsets = offsets
        self._starts = [i for i in range(n) if cuts[i]]
        self._ends = {offsets[i]: i for i in range(n + 1) if cuts[i]}
        self._joined = "".join(texts)
        self._atom_starts = [atom.start for atom in atoms]
        self._atom_ends = [atom.end for atom in atoms]

    def __repr__(self) -> str:
        return f"NormalizedTitle({self.title!r}, atoms={self.atoms!r})"

    def find(self, key: str, atom_count: int = 1) -> tuple[int, int] | None:
        """Where a term's joined form occurs as a span of the title (offsets into the title), or None."""
        if not key:
            return None
        if atom_count <= MAX_SPAN_ATOMS:
            return self.spans.get(key)
        # Phrases longer than the indexed spans: look for the joined text at each cut.
        for start_atom in self._starts:
            begin = self._offsets[start_atom]
            end_atom = self._ends.get(begin + len(key))
            if end_atom is not None and end_atom > start_atom and self._joined.startswith(key, begin):
                return (self._atom_starts[start_atom], self._atom_ends[end_atom - 1])
        return None

    def find_prefix(self, prefix: str) -> tuple[int, int] | None:
        """The first span that starts with ``prefix`` (a ``x100*`` term)."""
        if not prefix:
            return None
        best = None
        for key, where in self.spans.items():
            if key.startswith(prefix) and (best is None or where[0] < best[0]):
                best = where
        return best

    def text_at(self, where: tuple[int, int]) -> str:
        return self.title[where[0] : where[1]]


def normalize_title(title: str) -> NormalizedTitle:
    """Atoms and spans of a title; do this once per listing, then match any number of terms."""
    atoms = _atoms(title)
    return NormalizedTitle(title or "", atoms, _cuts(atoms))
