"""Near-copies between the held-out set and the training data (not only exact matches).

Two texts are near-copies when their character-trigram sets overlap with a Jaccard
similarity of at least ``threshold`` (after dropping punctuation and spaces), or when
one text lies almost whole inside another at least half as long (containment). An inverted index
over the training trigrams keeps this to a few seconds for thousands of examples.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

_NOISE = re.compile(r"[\W_]+", re.UNICODE)


def trigrams(text: str) -> frozenset[str]:
    folded = _NOISE.sub("", text.lower())
    if len(folded) < 3:
        return frozenset({folded}) if folded else frozenset()
    return frozenset(folded[i:i + 3] for i in range(len(folded) - 2))


def near_duplicates(heldout: Sequence[str], training: Sequence[str], threshold: float = 0.8,
                    containment: float = 0.9) -> list[tuple[str, str, float]]:
    """(held-out text, training text, similarity) for every suspicious pair."""
    grams = [trigrams(text) for text in training]
    index: dict[str, list[int]] = defaultdict(list)
    for number, gram_set in enumerate(grams):
        for gram in gram_set:
            index[gram].append(number)
    found: list[tuple[str, str, float]] = []
    for text in heldout:
        mine = trigrams(text)
        if not mine:
            continue
        shared = _shared_counts(mine, index)
        for number, common in shared.items():
            theirs = grams[number]
            jaccard = common / (len(mine) + len(theirs) - common)
            small, large = sorted((len(mine), len(theirs)))
            contained = common / small
            # A short phrase inside a long letter is normal; a near-whole copy is not.
            if jaccard >= threshold or (small >= 8 and small >= 0.5 * large
                                        and contained >= containment):
                found.append((text, training[number], round(max(jaccard, contained), 3)))
    return found


def _shared_counts(grams: Iterable[str], index: dict[str, list[int]]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for gram in grams:
        for number in index.get(gram, ()):
            counts[number] += 1
    return counts
