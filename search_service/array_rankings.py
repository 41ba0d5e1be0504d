"""Which rankings the accumulator's arrays reproduce: query_builder's tiers read back as
LooseWords (words, each maybe standing for several terms or phrases; a bonus of words and
phrases; required parts; exclusions) or as one Phrase. Tiers of any other shape read as
None, and search.py has Whoosh walk them. Boosts are read from the queries, so a change of
weights in query_builder needs no change here; a change of shape only means a walk.
"""
from __future__ import annotations

from dataclasses import dataclass

from whoosh import query as wq


@dataclass(frozen=True)
class ScoredTerm:
    """One term a word is scored on: its field, its text and the boost its query gives it."""

    field: str
    text: str
    boost: float


@dataclass(frozen=True)
class PhraseBonus:
    """A phrase that adds to the score of the documents it is found in: as Whoosh scores a
    Phrase, `boost` × the sum of its words' scores in `field` (at most that, where the words
    are in a document but not side by side: the arrays know no positions)."""

    field: str
    words: tuple[str, ...]
    boost: float


@dataclass(frozen=True)
class LooseWords:
    """A ranking this module reproduces. Each word is a union of scored terms (and exact
    phrases, members of an OR), and a document matches when it has one of the words; its
    score is the sum of its members' scores, plus
    those of the `extra` words it has (words that only reorder, such as feedback words), plus
    its `phrases` (which only the second stage can tell). With `all_words_first`, documents
    with every word rank before the others (query_builder's two tiers). With `required`
    parts (exact phrases, or words, that every match has), a document matches when it has
    all of them, whether or not it has a word, and their scores add to its own."""

    words: tuple[tuple[ScoredTerm | Phrase, ...], ...]
    all_words_first: bool
    extra: tuple[tuple[ScoredTerm, ...], ...] = ()
    phrases: tuple[PhraseBonus, ...] = ()
    # What no matching document may match (the query's exclusions), or None.
    excluded: wq.Query | None = None
    required: tuple[tuple[ScoredTerm | Phrase, ...], ...] = ()  # each as a word is


def loose_words(tiers: list[wq.Query]) -> LooseWords | None:
    """The words of tiers built from loose words alone, or None for tiers of any other shape.

    The shapes are those query_builder.plan gives loose words: one word is an Or of Terms of
    one text (or a Term), or an Or of such words and exact phrases (an OR, a prefix or a
    fuzzy word, each standing for several: the document has one of them, and their scores
    add up); several words are a tier And(words) before Or(words); either may be wrapped as
    Optional(tier, bonus), the bonus made of words and phrases, and each tier as
    AndNot(tier, exclusions). Tiers with parts every match must have are read by
    _with_required.
    """
    if len(tiers) not in (1, 2):
        return None
    tiers, excluded = _without_exclusions(tiers)
    if tiers is None:
        return None
    broad, bonus = _without_bonus(tiers[-1])
    parts = _bonus_parts(bonus)
    if broad is not None and parts is not None:
        words = (_unit(broad),) if len(tiers) == 1 else _tier_words(broad, tiers[0], bonus)
        if words is not None and None not in words:
            return LooseWords(words, len(tiers) == 2, *parts, excluded)
    return _with_required(tiers, excluded)


def _tier_words(broad: wq.Query, first: wq.Query, bonus: wq.Query | None) -> tuple | None:
    """The words of a broad tier Or(words) whose first tier is And(words) (with the same
    bonus), or None for tiers of another shape."""
    if type(broad) is not wq.Or or not _plain(broad):
        return None
    words = tuple(_unit(q) for q in broad.subqueries)
    first, first_bonus = _without_bonus(first)
    if None in words or first_bonus != bonus or type(first) is not wq.And or not _plain(first) \
            or list(first.subqueries) != list(broad.subqueries):
        return None
    return words


def _with_required(tiers: list[wq.Query], excluded: wq.Query | None) -> LooseWords | None:
    """The ranking of tiers with required parts (query_builder's `must`: exact phrases, scoped
    words): the broad tier Optional(must, words) (or `must` alone, or must and one word),
    before it for several words And([must, And(words)]), either maybe with a bonus as
    Optional(tier, bonus); None for tiers of another shape."""
    broad, layers = tiers[-1], []
    # Optional layers from the outside: a bonus, the optional words (either may be absent).
    while isinstance(broad, wq.AndMaybe) and broad.boost == 1.0 and len(layers) < 2:
        layers.append(broad.b)
        broad = broad.a
    required = _required_parts(broad)
    if required is None:
        return None
    bonus = layers[0] if len(layers) == 2 else None
    optional = layers[-1] if layers else None
    if len(tiers) == 2:
        if len(layers) == 1:  # two tiers have optional words: a single layer is them
            bonus, optional = None, layers[0]
        first, first_bonus = _without_bonus(tiers[0])
        if first_bonus != bonus or type(first) is not wq.And or not _plain(first) or len(first.subqueries) != 2 \
                or first.subqueries[0] != broad or optional is None:
            return None
        words = _tier_words(optional, first.subqueries[1], None)
    else:
        # One tier: a single layer is the word (or a bonus: either way it adds to the score
        # of the documents with the required parts, which are the matches).
        words = (_unit(optional),) if optional is not None else ()
    parts = _bonus_parts(bonus)
    if words is None or None in words or parts is None:
        return None
    return LooseWords(words, len(tiers) == 2, *parts, excluded, required)


def _required_parts(query: wq.Query) -> tuple | None:
    """The parts of a required query (an And of them, or one): exact phrases and words, each
    as a word's members; None if any part is something else."""
    parts = query.subqueries if type(query) is wq.And and _plain(query) else [query]
    found = []
    for part in parts:
        readable = _as_member(one_phrase([part])) or _unit(part)
        if readable is None:
            return None
        found.append(readable)
    return tuple(found)


def _without_exclusions(tiers: list[wq.Query]) -> tuple[list[wq.Query] | None, wq.Query | None]:
    """(the tiers without the exclusions query_builder takes out of each, the exclusions):
    tiers that exclude different things, or with a boost, give (None, None)."""
    if not any(isinstance(t, wq.AndNot) for t in tiers):
        return tiers, None
    if not all(isinstance(t, wq.AndNot) and t.boost == 1.0 for t in tiers) or len({t.b for t in tiers}) != 1:
        return None, None
    return [t.a for t in tiers], tiers[0].b


def _without_bonus(query: wq.Query) -> tuple[wq.Query | None, wq.Query | None]:
    """(the query that decides what matches, the bonus that only adds to its scores)."""
    if not isinstance(query, wq.AndMaybe):
        return query, None
    if query.boost != 1.0:
        return None, None
    return query.a, query.b


def _bonus_parts(bonus: wq.Query | None) -> tuple[tuple, tuple[PhraseBonus, ...]] | None:
    """(the words, the phrases) of a bonus made of words and phrases (an Or of them, or one);
    None for a bonus of anything else."""
    if bonus is None:
        return (), ()
    parts = bonus.subqueries if type(bonus) is wq.Or and _plain(bonus) and _word(bonus) is None else [bonus]
    words, phrases = [], []
    for part in parts:
        word = _word(part)
        if word is not None:
            words.append(word)
            continue
        pieces = part.subqueries if type(part) is wq.Or and _plain(part) else [part]
        # Phrases of words side by side (slop 1): Accumulator.scores finds them by positions.
        if not all(type(p) is wq.Phrase and p.slop == 1 for p in pieces):
            return None
        phrases += [PhraseBonus(p.fieldname, tuple(p.words), p.boost) for p in pieces]
    return tuple(words), tuple(phrases)


def _plain(query: wq.CompoundQuery) -> bool:
    """An And or Or that only adds its parts' scores (no boost, scale or minimum)."""
    return query.boost == 1.0 and not getattr(query, "scale", None) and not getattr(query, "minmatch", 0)


def _unit(query: wq.Query) -> tuple[ScoredTerm | Phrase, ...] | None:
    """The scored terms of a word (_word), or of an Or of words and exact phrases (an OR of
    words or phrases, a prefix's or a fuzzy word's expansions): one word of the query that
    any of its members matches, scored by those it has."""
    word = _word(query)
    if word is not None or type(query) is not wq.Or or not _plain(query):
        return word
    words = [_word(q) or _as_member(one_phrase([q])) for q in query.subqueries]
    return None if not words or None in words else tuple(t for w in words for t in w)


def _as_member(phrase: Phrase | None) -> tuple[Phrase] | None:
    return None if phrase is None else (phrase,)


def _word(query: wq.Query) -> tuple[ScoredTerm, ...] | None:
    """The scored terms of one word (an Or of Terms of one text, or one Term), or None."""
    if type(query) is wq.Term:
        terms = [query]
    elif type(query) is wq.Or and _plain(query):
        terms = list(query.subqueries)
    else:
        return None
    if not terms or any(type(t) is not wq.Term or t.minquality for t in terms) or len({t.text for t in terms}) != 1:
        return None
    return tuple(ScoredTerm(t.fieldname, t.text, t.boost) for t in terms)


@dataclass(frozen=True)
class Phrase:
    """A query of one phrase in one field: it matches the documents where the words stand
    in order, each within `slop` positions after the one before (Whoosh's slop: 1 is side
    by side, an exact phrase), each scored as Whoosh scores a Phrase, `boost` × the sum of
    its words' scores (a word the phrase repeats, each time)."""

    field: str
    words: tuple[str, ...]
    boost: float
    excluded: wq.Query | None = None  # as LooseWords'
    slop: int = 1


def one_phrase(tiers: list[wq.Query]) -> Phrase | None:
    """The phrase of tiers made of one phrase (query_builder's Or of one Phrase, or the
    Phrase, either maybe as AndNot(phrase, exclusions)), or None for tiers of any other shape."""
    tiers, excluded = _without_exclusions(tiers)
    if tiers is None or len(tiers) != 1:
        return None
    query = tiers[0]
    if type(query) is wq.Or and _plain(query) and len(query.subqueries) == 1:
        query = query.subqueries[0]
    if type(query) is not wq.Phrase or query.slop < 1 or len(query.words) < 2:
        return None
    return Phrase(query.fieldname, tuple(query.words), query.boost, excluded, query.slop)


def arrays_ranking(tiers: list[wq.Query]) -> LooseWords | Phrase | None:
    """What the arrays can rank of these tiers (one phrase, or loose words), or None."""
    return one_phrase(tiers) or loose_words(tiers)
