"""The word alignment of a pupil's text to the reference.

A dynamic programme over the two token sequences with these moves: match/substitute, delete (omission), insert
(addition), split (one reference word, two or three pupil words), merge (two or three reference words, one pupil
word), a swap of two adjacent words, and a resegmentation (two words cut elsewhere: "la vion" for "l'avion").
Substituting two words costs their normalised edit distance (case, accents, apostrophes and hyphens ignored),
scaled so that words 60 % different or more are an omission plus an addition; words that share a lemma or a
pronunciation cost little however they are spelled ("sang"/"cent", "va"/"vont"), and so do a phonetic spelling
and its word ("o"/"au", "bocou"/"beaucoup", "cé"/"s'est": :func:`~collab.correction.relations.sounds_alike`).
A missing word, or a run of far-fetched spellings, therefore never shifts the later ones.

Long texts are first anchored on n-grams (3, then 2, then 1 tokens) that occur exactly once in each text, kept
in order (patience diff); only the gaps between anchors go through the programme, so a 300-word dictation is
aligned in about 5-10 ms.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from rapidfuzz.distance import Levenshtein

from collab.correction.relations import elision_homophone, homophones, shares_lemma, sounds_alike
from collab.correction.tokens import Token


class Move(Enum):
    """(reference tokens, pupil tokens) consumed. Declaration order breaks ties between equal costs."""

    MATCH = (1, 1)
    SPLIT = (1, 2)  # one reference word written as two: quelque fois
    SPLIT3 = (1, 3)  # ... or as three: va t'il
    MERGE = (2, 1)  # two reference words written as one: larbre
    MERGE3 = (3, 1)
    SWAP = (2, 2)  # two adjacent words in the other order
    RESEGMENT = (2, 2, "resegment")  # two words cut elsewhere: la vion (l'avion), sé tait (c'était)
    DELETE = (1, 0)  # omission
    INSERT = (0, 1)  # addition

    @property
    def counts(self) -> tuple[int, int]:
        return self.value[0], self.value[1]


_MOVES = [(move, *move.counts) for move in Move]


@dataclass(frozen=True, slots=True)
class Step:
    move: Move
    ref: tuple[int, ...]  # reference token indexes
    pupil: tuple[int, ...]  # pupil token indexes


WORD_INDEL = 1.0
MARK_INDEL = 0.5
MARK_SUBSTITUTION = 0.6
SAME_KEY = 0.1  # words that differ only by case, accents, apostrophes or hyphens
RELATED_WORDS = 0.5  # same lemma or same sound, however spelled
SIMILARITY = 0.6  # normalised distance from which two words are an omission plus an addition
SEGMENT_PENALTY = 0.3
MAX_SEGMENT_DISTANCE = 0.34
SWAP_PENALTY = 0.6
DP_CELLS = 400  # gaps up to this many cells go straight to the programme
MAX_DP_CELLS = 6_400  # a bigger gap with no anchor at all is cut in two along its diagonal
ANCHOR_LENGTHS = (3, 2, 1)  # n-grams that occur once in each text anchor the alignment, longest first
CUT_SEARCH = 20  # reference positions tried for the cut of an anchorless gap
_INF = float("inf")


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions), computed by rapidfuzz."""
    return Levenshtein.distance(a, b)


def _scaled_distance(a: str, b: str, limit: float) -> float:
    """2 × normalised edit distance / SIMILARITY (so 2.0 = an omission plus an addition); inf from ``limit``."""
    longest = max(len(a), len(b), 1)
    if abs(len(a) - len(b)) / longest >= limit:
        return _INF
    distance = edit_distance(a, b) / longest
    return _INF if distance >= limit else 2 * distance / SIMILARITY


def _fewer_parts_are_enough(whole: str, joined: str, parts: list[Token]) -> bool:
    """Whether ``whole`` is closer to some of the parts (a contiguous run) than to all of them joined."""
    together = edit_distance(whole, joined)
    runs = [parts[start:end] for start in range(len(parts)) for end in range(start + 1, len(parts) + 1)]
    return any(edit_distance(whole, "".join(t.key for t in run)) < together for run in runs if len(run) < len(parts))


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest chain of (i, j) increasing in both; ``pairs`` sorted by i, each i and j distinct."""
    tails: list[int] = []  # tails[k]: index in pairs of the smallest j ending a chain of length k + 1
    parents: list[int] = []
    for index, (_, j) in enumerate(pairs):
        length = bisect_left([pairs[t][1] for t in tails], j)
        parents.append(tails[length - 1] if length else -1)
        if length == len(tails):
            tails.append(index)
        else:
            tails[length] = index
    chain: list[tuple[int, int]] = []
    cursor = tails[-1] if tails else -1
    while cursor >= 0:
        chain.append(pairs[cursor])
        cursor = parents[cursor]
    return chain[::-1]


def _unique_ngrams(keys: list[str], start: int, end: int, n: int) -> dict[tuple[str, ...], int]:
    seen: dict[tuple[str, ...], int] = {}
    for i in range(start, end - n + 1):
        gram = tuple(keys[i : i + n])
        seen[gram] = -1 if gram in seen else i
    return {gram: i for gram, i in seen.items() if i >= 0}


class _Aligner:
    """The dynamic programme over two token lists, run in the gaps between sure anchors."""

    def __init__(self, ref: list[Token], pupil: list[Token]) -> None:
        self.ref, self.pupil = ref, pupil
        self._ref_keys = [("w" if t.is_word else "p") + t.key for t in ref]
        self._pupil_keys = [("w" if t.is_word else "p") + t.key for t in pupil]
        self._word_costs: dict[tuple[str, str], float] = {}
        costs: dict[Move, Callable[[int, int], float]] = {
            Move.MATCH: self.match_cost,
            Move.SPLIT: lambda i, j: self.segment_cost(self.ref[i], self.pupil[j : j + 2]),
            Move.SPLIT3: lambda i, j: self.segment_cost(self.ref[i], self.pupil[j : j + 3]),
            Move.MERGE: lambda i, j: self.segment_cost(self.pupil[j], self.ref[i : i + 2]),
            Move.MERGE3: lambda i, j: self.segment_cost(self.pupil[j], self.ref[i : i + 3]),
            Move.SWAP: self.swap_cost,
            Move.RESEGMENT: self.resegment_cost,
            Move.DELETE: lambda i, j: self.indel_cost(self.ref[i]),
            Move.INSERT: lambda i, j: self.indel_cost(self.pupil[j]),
        }
        self._moves = [(move, di, dj, costs[move]) for move, di, dj in _MOVES]  # enum lookups are slow

    # costs

    def word_cost(self, r: Token, p: Token) -> float:
        if r.text == p.text:
            return 0.0
        if r.key == p.key:
            return SAME_KEY
        pair = (r.lower, p.lower)
        cost = self._word_costs.get(pair)
        if cost is None:
            cost = _scaled_distance(r.key, p.key, SIMILARITY)
            if cost > RELATED_WORDS and (
                shares_lemma(r.lower, p.lower) or homophones(r.lower, p.lower) or sounds_alike(r.lower, p.lower)
            ):
                cost = RELATED_WORDS
            self._word_costs[pair] = cost
        return cost

    def match_cost(self, i: int, j: int) -> float:
        r, p = self.ref[i], self.pupil[j]
        if r.is_word != p.is_word:
            return _INF
        if not r.is_word:
            return 0.0 if r.key == p.key else MARK_SUBSTITUTION
        return self.word_cost(r, p)

    def segment_cost(self, whole: Token, parts: list[Token]) -> float:
        """One word written as two (split), or two written as one (merge)."""
        if not (whole.is_word and all(t.is_word for t in parts)):
            return _INF
        joined = "".join(t.key for t in parts)
        if whole.key[0] != joined[0] and whole.key[-1] != joined[-1]:
            cost = _INF  # neither end in common: no split or merge (a quick test, before the distance)
        else:
            cost = _scaled_distance(whole.key, joined, MAX_SEGMENT_DISTANCE)
        if cost < _INF and _fewer_parts_are_enough(whole.key, joined, parts):
            cost = _INF  # "rentrent" for "rentrent de" is an omission, not a merge
        if cost == _INF and (
            elision_homophone(parts, whole) or sounds_alike(whole.lower, "".join(t.lower for t in parts))
        ):
            cost = RELATED_WORDS
        return SEGMENT_PENALTY + cost

    def resegment_cost(self, i: int, j: int) -> float:
        """Two reference words written as two words cut elsewhere, with the same letters or the same sound:
        "la vion" for "l'avion", "sé tait" for "c'était"; not two misspelt words that could each be read as
        their reference word, unless the letters are the same ("son parti" for "sont partis" is two errors)."""
        r1, r2, p1, p2 = self.ref[i], self.ref[i + 1], self.pupil[j], self.pupil[j + 1]
        if not all(t.is_word for t in (r1, r2, p1, p2)) or len(r1.key) == len(p1.key):
            return _INF
        if r1.key + r2.key == p1.key + p2.key:
            return SEGMENT_PENALTY
        if max(self.word_cost(r1, p1), self.word_cost(r2, p2)) <= WORD_INDEL:
            return _INF
        if sounds_alike(r1.lower + r2.lower, p1.lower + p2.lower):
            return SEGMENT_PENALTY + RELATED_WORDS
        return _INF

    def swap_cost(self, i: int, j: int) -> float:
        r1, r2, p1, p2 = self.ref[i], self.ref[i + 1], self.pupil[j], self.pupil[j + 1]
        if not all(t.is_word for t in (r1, r2, p1, p2)) or r1.key == r2.key:
            return _INF
        crossed = self.word_cost(r1, p2) + self.word_cost(r2, p1)
        return SWAP_PENALTY + crossed if crossed <= 2 * RELATED_WORDS else _INF

    def indel_cost(self, token: Token) -> float:
        return WORD_INDEL if token.is_word else MARK_INDEL

    # anchors

    def align(self) -> list[Step]:
        return self._align_range(0, len(self.ref), 0, len(self.pupil))

    def _anchors(self, a: int, b: int, c: int, d: int) -> list[tuple[int, int]]:
        """Token pairs of n-grams found exactly once in each range, in order (patience diff)."""
        for n in ANCHOR_LENGTHS:
            in_ref = _unique_ngrams(self._ref_keys, a, b, n)
            in_pupil = _unique_ngrams(self._pupil_keys, c, d, n)
            starts = sorted((i, in_pupil[gram]) for gram, i in in_ref.items() if gram in in_pupil)
            pairs: list[tuple[int, int]] = []
            for i, j in _longest_increasing(starts):
                pairs += [
                    (i + k, j + k) for k in range(n) if not pairs or (i + k > pairs[-1][0] and j + k > pairs[-1][1])
                ]
            if pairs:
                return pairs
        return []

    def _cut(self, a: int, b: int, c: int, d: int) -> list[tuple[int, int]]:
        """A big gap with no unique n-gram (a text that repeats itself): anchor a trigram near the middle
        of the reference at its occurrence nearest the diagonal, or cut blindly at the middle."""
        middle, n = (a + b) // 2, ANCHOR_LENGTHS[0]
        on_diagonal = c + (middle - a) * (d - c) // (b - a)
        candidates = [
            (abs(j - on_diagonal - (i - middle)), i, j)
            for i in range(middle, min(b - n, middle + CUT_SEARCH) + 1)
            for j in range(c, d - n + 1)
            if self._ref_keys[i : i + n] == self._pupil_keys[j : j + n]
        ]
        if not candidates:
            return []
        _, i, j = min(candidates)
        return [(i + k, j + k) for k in range(n)]

    def _align_range(self, a: int, b: int, c: int, d: int) -> list[Step]:
        head = 0
        while a + head < b and c + head < d and self._ref_keys[a + head] == self._pupil_keys[c + head]:
            head += 1
        tail = 0
        while (
            b - tail > a + head
            and d - tail > c + head
            and self._ref_keys[b - tail - 1] == self._pupil_keys[d - tail - 1]
        ):
            tail += 1
        if head or tail:
            return (
                [Step(Move.MATCH, (a + k,), (c + k,)) for k in range(head)]
                + self._align_gap(a + head, b - tail, c + head, d - tail)
                + [Step(Move.MATCH, (b - tail + k,), (d - tail + k,)) for k in range(tail)]
            )
        return self._align_gap(a, b, c, d)

    def _align_gap(self, a: int, b: int, c: int, d: int) -> list[Step]:
        """Align a range whose first and last tokens differ."""
        cells = (b - a) * (d - c)
        if cells <= DP_CELLS:
            return self._programme(a, b, c, d)
        anchors = self._anchors(a, b, c, d)
        if not anchors:
            if cells <= MAX_DP_CELLS:
                return self._programme(a, b, c, d)
            anchors = self._cut(a, b, c, d)
        if not anchors:
            middle_ref, middle_pupil = (a + b) // 2, (c + d) // 2
            return self._align_range(a, middle_ref, c, middle_pupil) + self._align_range(middle_ref, b, middle_pupil, d)
        steps: list[Step] = []
        i, j = a, c
        for anchor_i, anchor_j in anchors:
            steps += self._align_range(i, anchor_i, j, anchor_j)
            steps.append(Step(Move.MATCH, (anchor_i,), (anchor_j,)))
            i, j = anchor_i + 1, anchor_j + 1
        return steps + self._align_range(i, b, j, d)

    # the programme

    def _best_move(self, cost: list[list[float]], i: int, j: int, a: int, c: int) -> tuple[float, Move | None]:
        """The cheapest way to reach cell (i, j) of the gap that starts at reference ``a``, pupil ``c``."""
        best, best_move = _INF, None
        for move, di, dj, move_cost in self._moves:
            if i >= di and j >= dj and cost[i - di][j - dj] < best:
                total = cost[i - di][j - dj] + move_cost(a + i - di, c + j - dj)
                if total < best:
                    best, best_move = total, move
        return best, best_move

    def _programme(self, a: int, b: int, c: int, d: int) -> list[Step]:
        n, m = b - a, d - c
        cost = [[_INF] * (m + 1) for _ in range(n + 1)]
        back: list[list[Move | None]] = [[None] * (m + 1) for _ in range(n + 1)]
        cost[0][0] = 0.0
        for i in range(n + 1):
            for j in range(m + 1):
                if i or j:
                    cost[i][j], back[i][j] = self._best_move(cost, i, j, a, c)
        steps: list[Step] = []
        i, j = n, m
        while i or j:
            move = back[i][j]
            assert move is not None
            di, dj = move.counts
            i, j = i - di, j - dj
            steps.append(Step(move, tuple(range(a + i, a + i + di)), tuple(range(c + j, c + j + dj))))
        steps.reverse()
        return steps


def align(ref: list[Token], pupil: list[Token]) -> list[Step]:
    """The cheapest alignment of the pupil's tokens to the reference's, in text order."""
    return _Aligner(ref, pupil).align()
