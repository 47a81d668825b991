"""The search query language: parse it, compile it once, test titles against it.

Syntax (docs/SEARCHING.md has the examples a test runs):

- ``fuji x100v``: every word is required, in any order.
- ``"lens hood"``: a quoted phrase, its words next to each other in this order.
- ``(x100v | x100vi)``: one of the alternatives; an alternative may hold several words.
- ``-broken``, ``-"for parts"``, ``-(case | strap)``: exclusions; a title with one fails.
- ``x100*``: a prefix (x100, x100s, x100v, x1000 ...).

Words compare in normalized form (listings.textnorm): case, accents, punctuation and
spacing inside model numbers and simple plurals do not count. Aliases (searches.Alias,
staff-editable) widen a word or a run of words to its synonyms: ``fuji`` also finds
"Fujifilm", ``ps5`` also "PlayStation 5".

Compiling is pure: ``compile_query(text, excluded=..., aliases=...)``. The compiled
query answers ``test(normalized_title) -> TextVerdict`` with the reason in words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.errors import DomainError
from listings.textnorm import NormalizedTitle, fold, term_atoms, term_key

# --- Syntax tree ----------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    text: str  # as typed (for explanations and the marketplace)
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]


@dataclass(frozen=True)
class Group:
    alternatives: tuple[tuple[Node, ...], ...]


Node = Word | Phrase | Group


@dataclass(frozen=True)
class ParsedQuery:
    required: tuple[Node, ...]
    excluded: tuple[Node, ...]


class QuerySyntaxError(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="query", code="query_syntax")


# A digit right before a quote is an inch mark (13"), not the start of a phrase.
_LEXEME = re.compile(r'\s+|-?[^\s"()|]*\d["″](?=[\s()|]|$)|-?"[^"]*"?|-?\(|[)|]|[^\s"()|]+')
MAX_QUERY_NODES = 60  # a query is a few words; this bounds the cost of a pathological one


def parse(text: str, *, strict: bool = False) -> ParsedQuery:
    """Parse a query. ``strict`` raises QuerySyntaxError on unbalanced quotes or brackets
    (the API's validation); otherwise the parser forgives them (stored queries must never
    stop the scouting loop)."""
    lexemes = [lexeme for lexeme in _LEXEME.findall(text or "") if not lexeme.isspace()]
    position = 0
    count = 0

    def node(lexeme: str) -> Node | None:
        nonlocal position, count
        count += 1
        if count > MAX_QUERY_NODES:
            if strict:
                raise QuerySyntaxError(f"A query may hold at most {MAX_QUERY_NODES} words and groups.")
            return None  # a stored query past the cap: the rest is ignored, never an error
        if lexeme.startswith('"'):
            if strict and (len(lexeme) < 2 or not lexeme.endswith('"')):
                raise QuerySyntaxError('A quoted phrase is not closed: add the closing ".')
            words = tuple(lexeme.strip('"').split())
            words = tuple(word for word in words if term_key(word))
            return Phrase(words) if words else None
        if lexeme == "(":
            return group()
        if lexeme in (")", "|"):
            if strict:
                raise QuerySyntaxError(f"Unexpected '{lexeme}': alternatives go inside brackets, as in (x100v | x100vi).")
            return None
        prefix = lexeme.endswith("*")
        bare = lexeme.rstrip("*")
        if not term_key(bare):
            if strict and prefix:
                raise QuerySyntaxError("A prefix needs at least one letter or digit before the *.")
            return None
        return Word(bare, prefix=prefix)

    def group() -> Group | None:
        nonlocal position
        alternatives: list[tuple[Node, ...]] = []
        current: list[Node] = []
        while position < len(lexemes):
            lexeme = lexemes[position]
            position += 1
            if lexeme == ")":
                break
            if lexeme == "|":
                if current:
                    alternatives.append(tuple(current))
                current = []
                continue
            if lexeme.startswith("-") and len(lexeme) > 1 and strict:
                raise QuerySyntaxError("An exclusion cannot stand inside brackets; put it outside: (x100v | x100vi) -broken.")
            child = node(lexeme.lstrip("-") if lexeme.startswith("-") and len(lexeme) > 1 else lexeme)
            if child is not None:
                current.append(child)
        else:
            if strict:
                raise QuerySyntaxError("A bracket is not closed: add the closing ).")
        if current:
            alternatives.append(tuple(current))
        return Group(tuple(alternatives)) if alternatives else None

    required: list[Node] = []
    excluded: list[Node] = []
    while position < len(lexemes):
        lexeme = lexemes[position]
        position += 1
        negative = lexeme.startswith("-") and len(lexeme) > 1
        if negative:
            lexeme = lexeme[1:]
        target = excluded if negative else required
        parsed: Node | None = group() if lexeme == "(" else node(lexeme)
        if parsed is not None:
            target.append(parsed)
    if strict and not required:
        raise QuerySyntaxError("A query needs at least one word that must appear (exclusions alone match everything).")
    return ParsedQuery(tuple(required), tuple(excluded))


# --- What a marketplace is asked --------------------------------------------------------

_PLAIN = re.compile(r"[\w]+(?:[.'-][\w]+)*", re.UNICODE)


def marketplace_text(text: str) -> str:
    """The words a marketplace's keyword search is sent: lower case, no syntax characters.

    Required words and phrases' words are sent; a prefix is sent without its ``*``;
    exclusions are not sent (we filter them here, and sites spell minus-words differently);
    a group of alternatives is sent only when nothing else is required, and then its first
    alternative (sending one alternative beside other words would hide the others' listings).
    """
    parsed = parse(text)
    words: list[str] = []

    def emit(node: Node) -> None:
        if isinstance(node, Word):
            words.extend(token.casefold() for token in _PLAIN.findall(node.text))
        elif isinstance(node, Phrase):
            for word in node.words:
                words.extend(token.casefold() for token in _PLAIN.findall(word))
        elif node.alternatives:
            for child in node.alternatives[0]:
                emit(child)

    plain = [node for node in parsed.required if not isinstance(node, Group)]
    for node in plain or parsed.required[:1]:
        emit(node)
    return " ".join(words)


# --- Aliases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AliasTable:
    """Synonym groups by normalized key: "fuji" -> ("fuji", "fujifilm"). Multi-word
    expressions are keyed by their joined form ("playstation5")."""

    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    longest: int = 1  # most words in an alias expression (for matching runs of query words)

    @classmethod
    def from_pairs(cls, entries: Iterable[tuple[str, Iterable[str]]]) -> AliasTable:
        """Build from (term, synonyms) rows; groups that share an expression merge."""
        groups: dict[str, set[str]] = {}
        for term, synonyms in entries:
            members = {expression.strip() for expression in [term, *synonyms] if term_key(expression)}
            merged = set(members)
            for expression in members:
                merged |= groups.get(term_key(expression), set())
            for expression in merged:
                groups[term_key(expression)] = merged
        longest = max((len(expression.split()) for group in groups.values() for expression in group), default=1)
        return cls({key: tuple(sorted(group, key=lambda e: (len(e), e))) for key, group in groups.items()}, longest)

    def synonyms(self, key: str) -> tuple[str, ...]:
        return self.groups.get(key, ())


EMPTY_ALIASES = AliasTable()


# --- Compiled form ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    key: str  # joined normalized form
    atoms: int
    shown: str  # as typed
    prefix: bool = False
    alias_of: str = ""  # the query word this synonym stands for

    def find(self, title: NormalizedTitle) -> tuple[int, int] | None:
        return title.find_prefix(self.key) if self.prefix else title.find(self.key, self.atoms)


@dataclass(frozen=True)
class _Clause:
    """Satisfied when one of its alternatives is; an alternative is a tuple of terms that
    must all be found. A plain word is a clause with one alternative of one term."""

    alternatives: tuple[tuple[_Term, ...], ...]
    shown: str
    plain_key: str = ""  # set for a plain word: it may join its neighbours ("pro max" = "promax")
    # A maker's name (searches/data/brands.txt) in a query that also names a model code:
    # sellers often leave the maker out ("X100V silver"), so the code alone is enough.
    implied_by_model: bool = False


@dataclass(frozen=True)
class TextVerdict:
    ok: bool
    why: str
    matched: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    excluded_by: tuple[str, ...] = ()


def _term(text: str, *, prefix: bool = False, alias_of: str = "") -> _Term:
    return _Term(term_key(text), term_atoms(text), text, prefix, alias_of)


def _expand(text: str, aliases: AliasTable) -> tuple[tuple[_Term, ...], ...]:
    key = term_key(text)
    alternatives = [(_term(text),)]
    for synonym in aliases.synonyms(key):
        if term_key(synonym) != key:
            alternatives.append((_term(synonym, alias_of=text),))
    return tuple(alternatives)


def _clauses(nodes: tuple[Node, ...], aliases: AliasTable) -> list[_Clause]:
    clauses: list[_Clause] = []
    index = 0
    while index < len(nodes):
        node = nodes[index]
        if isinstance(node, Word) and not node.prefix:
            # The longest run of plain words that is an alias expression ("playstation 5").
            run = 1
            for length in range(min(aliases.longest, len(nodes) - index), 1, -1):
                window = nodes[index : index + length]
                if all(isinstance(n, Word) and not n.prefix for n in window):
                    text = " ".join(n.text for n in window)  # type: ignore[union-attr]
                    if aliases.synonyms(term_key(text)):
                        run = length
                        break
            if run > 1:
                text = " ".join(n.text for n in nodes[index : index + run])  # type: ignore[union-attr]
                clauses.append(_Clause(_expand(text, aliases), text))
            else:
                plain = not aliases.synonyms(term_key(node.text))
                clauses.append(_Clause(_expand(node.text, aliases), node.text, term_key(node.text) if plain else ""))
            index += run
            continue
        if isinstance(node, Word):
            clauses.append(_Clause(((_term(node.text, prefix=True),),), node.text + "*"))
        elif isinstance(node, Phrase):
            text = " ".join(node.words)
            clauses.append(_Clause(_expand(text, aliases), f'"{text}"'))
        else:
            alternatives: list[tuple[_Term, ...]] = []
            for alternative in node.alternatives:
                alternatives.extend(_alternative_terms(alternative, aliases))
            shown = "(" + " | ".join(" ".join(_shown(n) for n in alternative) for alternative in node.alternatives) + ")"
            clauses.append(_Clause(tuple(alternatives), shown))
        index += 1
    return clauses


def _shown(node: Node) -> str:
    if isinstance(node, Word):
        return node.text + ("*" if node.prefix else "")
    if isinstance(node, Phrase):
        return '"' + " ".join(node.words) + '"'
    return "(" + " | ".join(" ".join(_shown(n) for n in alternative) for alternative in node.alternatives) + ")"


def _alternative_terms(nodes: tuple[Node, ...], aliases: AliasTable) -> list[tuple[_Term, ...]]:
    """An alternative of a group as terms that must all be found; aliases of a one-word
    (or one-phrase) alternative widen it into more alternatives. Nested groups inside an
    alternative are flattened into the cross product, bounded."""
    products: list[tuple[_Term, ...]] = [()]
    for clause in _clauses(nodes, aliases):
        products = [existing + choice for existing in products for choice in clause.alternatives][:64]
    return products


@dataclass(frozen=True)
class CompiledQuery:
    """A query ready to test titles; build it once per search (MatchRules caches it)."""

    text: str
    required: tuple[_Clause, ...]
    excluded: tuple[_Clause, ...]
    vocabulary: frozenset[str]  # normalized keys of every wanted word, for accessory checks

    def matches(self, title: NormalizedTitle) -> bool:
        """The verdict of ``test`` without its explanation: the fast path for many titles."""
        if not self.required:
            return False
        missing = [index for index, clause in enumerate(self.required) if not _clause_found(clause, title)]
        if missing:
            found: dict[int, str] = {}
            self._join_neighbours(title, found)
            if any(index not in found and not self.required[index].implied_by_model for index in missing):
                return False
            if any(index not in found for index in missing) and _names_another_maker(self.required, title):
                return False
        return not any(_clause_found(clause, title) for clause in self.excluded)

    def test(self, title: NormalizedTitle) -> TextVerdict:
        found: dict[int, str] = {}
        for index, clause in enumerate(self.required):
            hit = _clause_hit(clause, title)
            if hit is not None:
                found[index] = hit
        if len(found) < len(self.required):
            self._join_neighbours(title, found)
        implied = tuple(clause.shown for index, clause in enumerate(self.required) if index not in found and clause.implied_by_model)
        if implied and _names_another_maker(self.required, title):
            implied = ()  # "Canon X100V" names another maker: the missing one is missing
        missing = tuple(
            clause.shown
            for index, clause in enumerate(self.required)
            if index not in found and (not clause.implied_by_model or not implied)
        )
        excluded_by = tuple(hit for clause in self.excluded if (hit := _clause_hit(clause, title)) is not None)
        matched = tuple(dict.fromkeys(found[index] for index in sorted(found)))
        parts = []
        if matched:
            parts.append("matched " + ", ".join(matched))
        if missing:
            parts.append("missing " + ", ".join(f"'{word}'" for word in missing))
        if implied:
            parts.append("maker " + ", ".join(f"'{word}'" for word in implied) + " not named, implied by the model")
        parts.append("excluded: " + (", ".join(excluded_by) if excluded_by else "none"))
        ok = bool(self.required) and not missing and not excluded_by
        return TextVerdict(ok, "; ".join(parts), matched, missing, excluded_by)

    def _join_neighbours(self, title: NormalizedTitle, found: dict[int, str]) -> None:
        """Runs of plain words the title writes as one ("pro max" in "iPhone 15 ProMax")."""
        clauses = self.required
        for start in range(len(clauses)):
            if start in found or not clauses[start].plain_key:
                continue
            for end in range(min(len(clauses), start + 5), start + 1, -1):
                run = clauses[start:end]
                if not all(clause.plain_key for clause in run):
                    continue
                joined = "".join(clause.plain_key for clause in run)
                where = title.find(joined, 2)
                if where is not None:
                    shown = " ".join(clause.shown for clause in run)
                    for index in range(start, end):
                        found[index] = f"'{shown}'≈'{title.text_at(where)}'"
                    break


def _clause_found(clause: _Clause, title: NormalizedTitle) -> bool:
    for alternative in clause.alternatives:
        for term in alternative:
            if term.find(title) is None:
                break
        else:
            return True
    return False


def _clause_hit(clause: _Clause, title: NormalizedTitle) -> str | None:
    """How the clause was found ("'fuji'≈'Fujifilm' (alias)"), or None."""
    for alternative in clause.alternatives:
        pieces = []
        for term in alternative:
            where = term.find(title)
            if where is None:
                break
            seen = title.text_at(where)
            if term.alias_of:
                pieces.append(f"'{term.alias_of}'≈'{seen}' (alias)")
            elif fold(seen) == fold(term.shown):
                pieces.append(f"'{term.shown}'")
            else:
                pieces.append(f"'{term.shown}'≈'{seen}'")
        else:
            return " ".join(pieces)
    return None


def compile_query(text: str, *, excluded: Iterable[str] = (), aliases: AliasTable = EMPTY_ALIASES) -> CompiledQuery:
    """Compile a query and a search's extra excluded terms (each one word or phrase)."""
    parsed = parse(text)
    extra: list[Node] = []
    for term in excluded:
        words = tuple(word for word in (term or "").split() if term_key(word))
        if len(words) == 1:
            extra.append(Word(words[0]))
        elif words:
            extra.append(Phrase(words))
    required = _mark_implied_makers(tuple(_clauses(parsed.required, aliases)))
    excluded_clauses = tuple(_clauses((*parsed.excluded, *extra), aliases))
    vocabulary = frozenset(term.key for clause in required for alternative in clause.alternatives for term in alternative)
    return CompiledQuery(text, required, excluded_clauses, vocabulary)


# --- Makers implied by a model code -----------------------------------------------------

BRANDS_FILE = Path(__file__).resolve().parent / "data" / "brands.txt"
_MODEL_CODE = re.compile(r"^(?=.*[a-z])(?=.*\d)[a-z\d]{3,}$")


def _load_brands() -> tuple[str, ...]:
    lines = BRANDS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


_BRAND_NAMES = _load_brands()
BRANDS = frozenset(term_key(name) for name in _BRAND_NAMES)
_BRAND_TERMS = tuple(_term(name) for name in _BRAND_NAMES)


def _names_another_maker(required: tuple[_Clause, ...], title: NormalizedTitle) -> bool:
    """Does the title name a maker the query did not ask for ("Canon ..." for "fuji x100v")?"""
    asked = {term.key for clause in required if clause.implied_by_model for alternative in clause.alternatives for term in alternative}
    return any(term.key not in asked and term.find(title) is not None for term in _BRAND_TERMS)


def _is_model_code(clause: _Clause) -> bool:
    """A plain word of letters and digits, three or more long (x100v, a7iii, ps5, rtx4090)."""
    if len(clause.alternatives) < 1 or any(len(alternative) != 1 for alternative in clause.alternatives[:1]):
        return False
    term = clause.alternatives[0][0]
    return not term.prefix and bool(_MODEL_CODE.match(term.key))


def _mark_implied_makers(required: tuple[_Clause, ...]) -> tuple[_Clause, ...]:
    """A maker's name may be missing from a title when the query names a model code too.

    "fuji x100v" finds "X100V silver body": the code says the maker. A query without a
    code ("apple iphone") keeps every word required, and a query of a maker alone keeps it.
    """
    if not any(_is_model_code(clause) for clause in required):
        return required
    return tuple(
        replace(clause, implied_by_model=True) if term_key(clause.shown) in BRANDS and not _is_model_code(clause) else clause
        for clause in required
    )
