"""Scoring the correction engine on the dense dictations (:mod:`tests.correction.dense_set`): a reported error
is *found* when a mistake has its category (and its detail, where the label gives one) and its words;
*misclassified* when a mistake has its words but another category; a *false alarm* when no mistake has its
words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from collab.correction.correct import Category, Correction
from tests.correction.dense_set import SET, Dictation


@dataclass
class Score:
    expected: Counter[str] = field(default_factory=Counter)  # mistakes per category
    found: Counter[str] = field(default_factory=Counter)  # ... reported with their category
    false_alarms: Counter[str] = field(default_factory=Counter)  # per reported category
    misses: list[str] = field(default_factory=list)  # "text: label expected→got", for the report

    @property
    def total(self) -> int:
        return sum(self.expected.values())

    def recall(self, category: str | None = None) -> float:
        if category is None:
            return sum(self.found.values()) / max(self.total, 1)
        return self.found[category] / max(self.expected[category], 1)

    def false_alarm_rate(self) -> float:
        return sum(self.false_alarms.values()) / max(self.total, 1)

    def table(self) -> str:
        lines = [f"{'category':<14}{'mistakes':>9}{'found':>8}{'recall':>8}{'false alarms':>14}"]
        for category in Category:
            name = category.value
            if self.expected[name] or self.false_alarms[name]:
                lines.append(
                    f"{name:<14}{self.expected[name]:>9}{self.found[name]:>8}{self.recall(name):>8.1%}"
                    f"{self.false_alarms[name]:>14}"
                )
        lines.append(
            f"{'all':<14}{self.total:>9}{sum(self.found.values()):>8}{self.recall():>8.1%}"
            f"{sum(self.false_alarms.values()):>14} ({self.false_alarm_rate():.1%} of the mistakes)"
        )
        return "\n".join(lines + self.misses)


def _label_matches(label: str, category: str, detail: str) -> bool:
    want_category, _, want_detail = label.partition(":")
    return want_category == category and (not want_detail or want_detail == detail)


def score_one(dictation: Dictation, correction: Correction, into: Score) -> None:
    left = list(dictation.mistakes)
    for mistake in left:
        into.expected[mistake[0].partition(":")[0]] += 1
    unmatched = []
    for error in correction.errors:
        hit = next(
            (
                m
                for m in left
                if (m[1], m[2]) == (error.expected, error.got)
                and _label_matches(m[0], error.category.value, error.detail)
            ),
            None,
        )
        if hit is None:
            unmatched.append(error)
        else:
            left.remove(hit)
            into.found[hit[0].partition(":")[0]] += 1
    for error in unmatched:
        words = next((m for m in left if (m[1], m[2]) == (error.expected, error.got)), None)
        label = error.category.value + (f":{error.detail}" if error.detail else "")
        if words is None:
            into.false_alarms[error.category.value] += 1
            into.misses.append(f"  {dictation.name}: false alarm {label} {error.expected!r}→{error.got!r}")
        else:
            left.remove(words)
            into.misses.append(f"  {dictation.name}: {words[0]} reported as {label} {error.expected!r}→{error.got!r}")
    for mistake in left:
        into.misses.append(f"  {dictation.name}: missed {mistake[0]} {mistake[1]!r}→{mistake[2]!r}")


def evaluate(correct: Callable[[str, str], Correction], dictations: Iterable[Dictation] = SET) -> Score:
    total = Score()
    for dictation in dictations:
        score_one(dictation, correct(dictation.reference, dictation.pupil), total)
    return total
