"""Identity matching that forgives how names are written (issue 8).

Pure functions, no database: what to index for a stored name (:func:`index_terms`), what to look
for when someone searches (:func:`query_terms`), and how well a stored name answers a search and
why (:func:`explain`). Storage and search fold text with :func:`rvs.core.normalise.fold` first, so
accents, case, apostrophes and scripts are already taken care of (Nguyễn = Nguyen, Ørsted =
Orsted, Александр = aleksandr, O'Brien = obrien). What is left are the *spellings* people
legitimately use for the same name, and the *shapes* a name takes when written by someone else:

* **Transliteration and spelling variants**: Müller / Mueller / Muller, Aleksandr / Alexander,
  Tchaikovsky / Chaikovskii, Mohammed / Muhammad / Mohamed, Yevgeny / Evgeny / Jewgeni. Each word
  gets a *key*: a consonant skeleton after a few transliteration rules (:func:`word_key`); two
  words with the same key are variants of each other. Keys are stored with a ``~`` in front, so a
  prefix range over ordinary tokens (``[a-z0-9]``) never reaches them.
* **Order**: given and family names swapped (every search word may match any word of the name).
* **Missing middle names**: the search may leave words of the stored name out.
* **Spacing, hyphens and apostrophes**: O'Brien / OBrien / O Brien, Smith-Jones / SmithJones,
  de la Cruz / Delacruz. Runs of up to three adjacent words are also stored joined, and a search
  joins name particles (o, de, la, van, al, ...) to the word after them.

Ranking (lower is better) is a tuple: the tier (every word exact, then prefixes, then variants),
how many search words were not exact, penalties for a swapped order and for left-out words, then
the edit distance between the variant-normalised spellings, so "Mueller" ranks "Muller"
(distance 0) above "Miller" (1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from rvs.core.normalise import fold

KEY_PREFIX = "~"
MAX_TERM = 64
JOIN_RUN = 3  # stored names also index runs of 2..JOIN_RUN adjacent words written together
# A search word looks for spelling variants only when it is spelled out (this many letters) or its
# key has this many: the skeleton of a short start ("mr" for "mar", "ng" for "nguy") is shared by
# hundreds of unrelated names, so its "variants" are noise that only costs time (bench/search.py);
# such words still match by prefix. Tatyana (key "tn") is spelled out and keeps its variants.
MIN_VARIANT_WORD = 5
MIN_KEY = 3

# Words that are often written apart from, or together with, the word after them.
PARTICLES = frozenset(
    {
        *("o", "d", "da", "das", "de", "dei", "degli", "del", "della", "dem", "den", "der", "des", "di", "do"),
        *("dos", "du", "el", "al", "ibn", "bin", "ben", "het", "te", "ter", "ten", "van", "von", "zu", "zum"),
        *("le", "la", "lo", "mac", "mc", "st", "saint", "san"),
    }
)

# Transliteration rules, in order, on folded (ASCII, lower-case) words.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"tsch|tch", "ch"),  # Tschaikowski, Tchaikovsky -> chaikovski
        (r"sch", "sh"),
        (r"dzh|dj|zh", "j"),  # Dzhamila, Djamila, Zhukov / Joukov
        (r"kh", "h"),  # Khan / Han, Mikhail / Mihail
        (r"ph", "f"),
        (r"th", "t"),
        (r"gh", "g"),
        (r"ck", "k"),
        (r"x", "ks"),  # Alexander -> aleksander
        (r"q", "k"),
        (r"w", "v"),  # Jewgeni -> jevgeni
        (r"c(?=[eiy])", "s"),  # Cecilia -> sesilia
        (r"c(?!h)", "k"),  # Carlos -> karlos (but keep ch)
        (r"ae", "a"),  # German umlauts written out: Maeder, Goethe, Mueller
        (r"oe", "o"),
        (r"ue", "u"),
        (r"ou", "u"),  # French transliteration: Oustinov
        (r"[yj]", "i"),  # Yevgeny / Evgeny / Jewgeni; -skiy / -ski / -skij
        (r"(.)\1+", r"\1"),  # double letters: Muller / Müler, Mohammed / Mohamed
    )
)
_VOWELS = re.compile(r"[aeiou]")


@lru_cache(maxsize=65536)  # pure; explain() spells the same stored words again on every page
def variant(word: str) -> str:
    """A folded word spelled the way the transliteration rules agree on (vowels kept)."""
    for pattern, replacement in _RULES:
        word = pattern.sub(replacement, word)
    return word


@lru_cache(maxsize=65536)  # pure; explain() asks for the same stored words' keys on every page
def word_key(word: str) -> str:
    """The key two spellings of a name share: the variant's consonant skeleton.

    A leading vowel counts as one class (``a``), so Evgeny and Yevgeny (-> ievgeni) agree; every
    later vowel is dropped and repeated consonants collapse (Mohammed, Muhammad, Mohamed -> mhmd;
    Aleksandr, Alexander -> alksndr).
    """
    spelled = variant(word)
    if not spelled:
        return ""
    head, rest = spelled[0], spelled[1:]
    if head in "aeiou":
        head = "a"
    skeleton = head + _VOWELS.sub("", rest)
    return re.sub(r"(.)\1+", r"\1", skeleton)[:MAX_TERM]


def _words(text: str) -> list[str]:
    return [w[:MAX_TERM] for w in fold(text).split()]


def index_terms(full_name: str) -> set[str]:
    """Every term to store for a name: its words, joined runs of adjacent words, a particle
    joined to each later word, and the keys of them all."""
    plain = {stored.term for stored in _stored_terms(_words(full_name))}
    keys = {KEY_PREFIX + key for key in (word_key(term) for term in plain) if key}
    return plain | keys


@dataclass(frozen=True)
class QueryTerm:
    """One word of a search: found as a prefix of a stored word, or by its key."""

    word: str
    key: str

    @property
    def stored_key(self) -> str:
        return KEY_PREFIX + self.key


def query_terms(text: str) -> list[QueryTerm]:
    """The words of a search, particles joined to the word after them, without repeats.

    "O Brien" -> [obrien]; "de la Cruz" -> [delacruz]; "Al Pacino" -> [alpacino]. Stored names
    index joined runs, so the joined word finds "O Brien", "O'Brien" and "OBrien" alike.
    """
    words = _words(text)
    joined: list[str] = []
    pending = ""
    for word in words:
        if word in PARTICLES and len(pending) + len(word) < MAX_TERM:
            pending += word
            continue
        joined.append((pending + word)[:MAX_TERM])
        pending = ""
    if pending:
        joined.append(pending)
    seen: dict[str, QueryTerm] = {}
    for word in joined:
        key = word_key(word)
        spelled_out = len(word) >= MIN_VARIANT_WORD or len(key) >= MIN_KEY
        seen.setdefault(word, QueryTerm(word=word, key=key if spelled_out else ""))
    return list(seen.values())


@lru_cache(maxsize=1024)  # explain() is asked about one search for every row of a page
def _query_terms(query: str) -> tuple[QueryTerm, ...]:
    return tuple(query_terms(query))


# Tiers: how the weakest search word matched.
EXACT, PREFIX, VARIANT = 0, 1, 2
TIER_LABELS = {EXACT: "exact", PREFIX: "prefix", VARIANT: "variant"}
# The tiers as the results table names them, in the reader's language (``TIER_LABELS``: codes for the API, CSS).
TIER_SHOWN = {
    EXACT: pgettext_lazy("how a name matched", "exact"),
    PREFIX: pgettext_lazy("how a name matched", "prefix"),
    VARIANT: pgettext_lazy("how a name matched", "variant"),
}


@dataclass(frozen=True)
class Match:
    """How a stored name answers a search: a sortable rank and the reasons, in words."""

    tier: int
    swapped: bool
    missing_words: int
    distance: int
    reasons: tuple[str, ...] = field(default=())

    inexact_words: int = 0

    @property
    def rank(self) -> tuple[int, int, int, int, int]:
        return (self.tier, self.inexact_words, int(self.swapped), self.missing_words, self.distance)

    @property
    def label(self) -> str:
        return TIER_LABELS[self.tier]

    @property
    def label_shown(self) -> str:
        return str(TIER_SHOWN[self.tier])


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (names are short)."""
    if a == b:
        return 0
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class _Stored:
    term: str  # a word or a joined run
    positions: tuple[int, ...]  # which words of the name it covers


def _stored_terms(words: list[str]) -> list[_Stored]:
    """A name's words, runs of adjacent words written together, and each particle joined to every
    later word: a search joins "Van Nguyen" to vannguyen, which must find "Văn Minh Nguyễn" too
    (Văn is a Vietnamese name that folds to the Dutch particle)."""
    terms = [_Stored(word, (i,)) for i, word in enumerate(words)]
    for size in range(2, JOIN_RUN + 1):
        for start in range(len(words) - size + 1):
            span = tuple(range(start, start + size))
            terms.append(_Stored("".join(words[start : start + size])[:MAX_TERM], span))
    for i, word in enumerate(words):
        if word in PARTICLES:
            for j in range(i + 2, len(words)):
                terms.append(_Stored((word + words[j])[:MAX_TERM], (i, j)))
    return terms


def explain(query: str, first_name: str, last_name: str) -> Match | None:
    """Whether the candidate named ``first_name last_name`` answers ``query``, how well, and why.

    Every search word must match a stored word (or joined run): exactly, as its beginning, or
    as a spelling variant (same :func:`word_key`). ``None`` when some word matches nothing.
    """
    terms = _query_terms(query)
    given, family = _words(first_name), _words(last_name)
    words = given + family
    if not terms or not words:
        return None
    stored = _stored_terms(words)
    tier = EXACT
    covered: set[int] = set()
    order: list[int] = []
    distance = inexact = 0
    reasons: list[str] = []
    together = False
    for term in terms:
        best: tuple[int, int, _Stored] | None = None
        for candidate in stored:
            if candidate.term == term.word:
                found = (EXACT, 0, candidate)
            elif candidate.term.startswith(term.word):
                found = (PREFIX, 0, candidate)
            elif term.key and word_key(candidate.term) == term.key:
                found = (VARIANT, _distance(variant(term.word), variant(candidate.term)), candidate)
            else:
                continue
            if best is None or (found[0], found[1], len(found[2].positions)) < (
                best[0],
                best[1],
                len(best[2].positions),
            ):
                best = found
        if best is None:
            return None
        kind, cost, match = best
        tier = max(tier, kind)
        inexact += kind != EXACT
        distance += cost
        covered.update(match.positions)
        order.append(match.positions[0])
        shown = " ".join(words[p] for p in match.positions)
        if len(match.positions) > 1 and kind != VARIANT:
            together = True
            reasons.append(_("“%(given)s” is “%(held)s” written together") % {"given": term.word, "held": shown})
        elif kind == PREFIX:
            reasons.append(_("“%(given)s” starts “%(held)s”") % {"given": term.word, "held": shown})
        elif kind == VARIANT:
            reasons.append(_("“%(given)s” is a spelling of “%(held)s”") % {"given": term.word, "held": shown})
    swapped = bool(given and family) and len(order) > 1 and order != sorted(order)
    if swapped:
        reasons.append(_("given and family names in the other order"))
    left_out = set(range(len(words))) - covered
    missing = len(left_out)
    between = [p for p in left_out if covered and min(covered) < p < max(covered)]
    if between:
        reasons.append(ngettext("middle name not given", "middle names not given", len(between)))
    if tier == EXACT and not swapped and not missing and not reasons:
        reasons.insert(0, _("exact name"))
    elif tier == EXACT and not together:
        reasons.insert(0, _("every word exact"))
    return Match(
        tier=tier,
        swapped=swapped,
        missing_words=missing,
        distance=distance,
        reasons=tuple(reasons),
        inexact_words=inexact,
    )
