"""The scoring engine: plain numbers in, plain numbers out, no Flask and no database.

Each function says in a sentence what its figure means; the results screen repeats it in plain
words for the organizers.
"""

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

import numpy as np

# --- From sheets to a category's ranking -------------------------------------------------------

MIN_SHEETS_TO_NORMALISE = 3  # a judge's mean and spread mean little over fewer sheets
BOOTSTRAP_RESAMPLES = 200
BOOTSTRAP_SEED = 20260  # fixed, so the same sheets always give the same intervals
INTERVAL_LEVEL = 0.90
FEW_RESAMPLES = 100  # fewer distinct resamples than this (4 sheets or fewer): say so
UNCLEAR_FLIP = 0.10  # a neighbour's order flips in at least this share of resamples: not clear
LENIENCY_LIMIT = 10.0  # points on 0-100 above or below the other judges: lenient or severe
AGREEMENT_FLOOR = 0.3  # a correlation with the other judges below this: out of step
MIN_SHARED_FOR_AGREEMENT = 3


@dataclass(frozen=True)
class Sheet:
    """One submitted sheet as the engine sees it: who scored which entry, its 0-100 score and
    its score on the rubric's heaviest criterion (0-100, for the tie-break)."""

    judge: object
    entry: object
    score: float
    heaviest: float | None = None


def entry_score(scores):
    """An entry's score: the plain mean of its sheets' scores (None without a sheet)."""
    scores = list(scores)
    return sum(scores) / len(scores) if scores else None


@dataclass
class Normalisation:
    """Each sheet's normalised score, in the order given, and the judges left as they were."""

    scores: list[float]
    unnormalised: set
    pool_mean: float | None
    pool_sd: float | None


def normalise(sheets):
    """Take out each judge's habits: a sheet's normalised score says where it stands among its
    own judge's sheets, put back on the category's 0-100 scale.

    Each judge's scores become z-scores over that judge's sheets in the pool (the category), then
    are mapped back as pool mean + z x pool spread (population standard deviations), clipped to
    0-100. So a judge who scores everything 15 points high, or who uses only 40-60, counts the
    same as one who uses the whole scale. A judge with fewer than MIN_SHEETS_TO_NORMALISE sheets,
    or whose sheets all have the same score, keeps their raw scores and is listed in
    `unnormalised` so the screen can say so.
    """
    sheets = list(sheets)
    if not sheets:
        return Normalisation([], set(), None, None)
    pool = np.array([sheet.score for sheet in sheets], dtype=float)
    pool_mean, pool_sd = float(pool.mean()), float(pool.std())
    by_judge = {}
    for index, sheet in enumerate(sheets):
        by_judge.setdefault(sheet.judge, []).append(index)
    result = pool.copy()
    unnormalised = set()
    for judge, indices in by_judge.items():
        own = pool[indices]
        spread = float(own.std())
        if len(indices) < MIN_SHEETS_TO_NORMALISE or spread <= 1e-9:
            unnormalised.add(judge)
            continue
        result[indices] = np.clip(pool_mean + (own - own.mean()) / spread * pool_sd, 0, 100)
    return Normalisation([float(value) for value in result], unnormalised, pool_mean, pool_sd)


def distinct_resamples(sheets):
    """How many different bootstraps an entry with this many sheets can have: the multisets of
    `sheets` draws from `sheets` values, C(2n - 1, n) (3 sheets give only 10)."""
    return math.comb(2 * sheets - 1, sheets) if sheets > 0 else 0


@dataclass
class Bootstrap:
    """Resampled entry scores: `means[i]` holds entry `keys[i]`'s score in each resample."""

    keys: list
    means: np.ndarray
    level: float = INTERVAL_LEVEL

    def _row(self, key):
        return self.means[self._index[key]]

    def __post_init__(self):
        self._index = {key: index for index, key in enumerate(self.keys)}

    def intervals(self):
        """Every entry's interval (see `interval`), by key, computed in one pass."""
        tail = (1 - self.level) / 2 * 100
        lows, highs = np.percentile(self.means, [tail, 100 - tail], axis=1)
        return {key: (float(lows[i]), float(highs[i])) for i, key in enumerate(self.keys)}

    def interval(self, key):
        """The range that holds the middle 90% of the entry's resampled scores: if the same
        judges had scored it again, its score would most likely land in here."""
        tail = (1 - self.level) / 2 * 100
        low, high = np.percentile(self._row(key), [tail, 100 - tail])
        return float(low), float(high)

    def flip_probability(self, above, below):
        """The share of resamples in which the entry placed `below` scores higher than the one
        placed `above` (a tie counts half): how likely the two would swap places."""
        first, second = self._row(above), self._row(below)
        return float(np.mean(second > first) + 0.5 * np.mean(second == first))


def bootstrap(scores_by_entry, resamples=BOOTSTRAP_RESAMPLES, seed=BOOTSTRAP_SEED):
    """Resample each entry's sheet scores with replacement `resamples` times (fixed seed, entries
    taken in sorted order, so the answer never changes) and keep each resample's mean.

    Entries with the same number of sheets are drawn together, so the cost grows with the number
    of sheets, not with a Python loop per entry.
    """
    keys = sorted(scores_by_entry)
    means = np.empty((len(keys), resamples))
    by_size = {}
    for index, key in enumerate(keys):
        by_size.setdefault(len(scores_by_entry[key]), []).append(index)
    rng = np.random.default_rng(seed)
    for size, indices in sorted(by_size.items()):
        if size == 0:
            raise ValueError("An entry needs at least one sheet to be resampled.")
        values = np.array([scores_by_entry[keys[index]] for index in indices], dtype=float)
        picks = rng.integers(0, size, size=(len(indices), resamples, size))
        rows = np.arange(len(indices))[:, None, None]
        means[indices] = values[rows, picks].mean(axis=2)
    return Bootstrap(keys, means)


@dataclass
class Candidate:
    """What the ranking needs to know about an entry."""

    entry: object
    score: float  # the figure that ranks: normalised or raw, per the contest's setting
    heaviest: float | None  # mean score on the heaviest criterion, 0-100
    by_judge: dict  # judge -> that judge's sheet score, for head-to-head


@dataclass
class Placed:
    entry: object
    place: int
    decided_by: str  # "score", "heaviest criterion", "head-to-head" or "tie"
    tied: bool = False  # a declared tie the organizer resolves


TIE_BREAKS = ("score", "heaviest criterion", "head-to-head", "tie")
_SAME = 1e-9  # scores closer than this are equal (floating-point noise)


def head_to_head(first, second):
    """Among the judges who scored both entries: how many scored `first` higher minus how many
    scored `second` higher (positive: `first` wins)."""
    balance = 0
    for judge in first.by_judge.keys() & second.by_judge.keys():
        difference = first.by_judge[judge] - second.by_judge[judge]
        if abs(difference) > _SAME:
            balance += 1 if difference > 0 else -1
    return balance


def _net_preferences(group):
    """For each candidate (by id()), the sum of head_to_head against every other in `group`:
    per judge, the group entries that judge scored lower minus those scored higher. Sorted
    lists and bisection keep this O(n log n) in a group of n level entries."""
    by_judge = {}
    for candidate in group:
        for judge, score in candidate.by_judge.items():
            by_judge.setdefault(judge, []).append(score)
    for scores in by_judge.values():
        scores.sort()
    net = {}
    for candidate in group:
        total = 0
        for judge, score in candidate.by_judge.items():
            scores = by_judge[judge]
            lower = bisect_left(scores, score - _SAME)
            higher = len(scores) - bisect_right(scores, score + _SAME)
            total += lower - higher
        net[id(candidate)] = total
    return net


def _groups(items, key):
    """Consecutive runs of `items` (already sorted by `key`, best first) whose keys are equal."""
    runs = []
    for item in items:
        if runs and abs(key(runs[-1][-1]) - key(item)) <= _SAME:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def rank(candidates):
    """Places in one category, best first, by the documented chain:

    1. the higher score (normalised or raw, whichever the contest ranks by);
    2. then the higher mean score on the rubric's heaviest criterion;
    3. then head-to-head: among entries still level, the one the shared judges preferred (each
       entry counts, over the others in its group, the judges who scored it higher minus those
       who scored it lower; for two entries this is exactly who won the judges they share);
    4. then a declared tie: the entries share the place (1, 2, 2, 4) and the organizer resolves
       it. The order inside a tie (by entry) is for display only.

    `decided_by` names the rule that settled the entry's place. Entries must be comparable
    (ids) so the order inside a tie is stable.
    """
    ordered = sorted(candidates, key=lambda c: (-c.score, c.entry))
    placed, position = [], 1
    for level in _groups(ordered, lambda c: -c.score):
        heaviest = sorted(level, key=lambda c: -(c.heaviest if c.heaviest is not None else -1))
        for tied_heaviest in _groups(heaviest, lambda c: -(c.heaviest or 0.0)):
            wins = _net_preferences(tied_heaviest)
            won = lambda c, wins=wins: -wins[id(c)]  # noqa: E731
            for tie in _groups(sorted(tied_heaviest, key=won), won):
                for candidate in sorted(tie, key=lambda c: c.entry):
                    rule = (
                        "tie" if len(tie) > 1
                        else "head-to-head" if len(tied_heaviest) > 1
                        else "heaviest criterion" if len(level) > 1
                        else "score"
                    )  # fmt: skip
                    placed.append(Placed(candidate.entry, position, rule, len(tie) > 1))
                position += len(tie)
    return placed


# --- Reliability: how much the judges agree ----------------------------------------------------

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _distances(values, totals, level):
    """The squared difference δ² between every two values at `level` (Krippendorff's metrics)."""
    c, k = values[:, None], values[None, :]
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        sums = c + k
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(sums == 0, 0.0, ((c - k) / np.where(sums == 0, 1, sums)) ** 2)
    # ordinal: the pairable values from c to k (both included), less half of c's and k's own
    index = np.arange(len(values))
    low, high = np.minimum.outer(index, index), np.maximum.outer(index, index)
    running = np.cumsum(totals)
    between = running[high] - running[low] + totals[low]
    return (between - (totals[:, None] + totals[None, :]) / 2) ** 2


def krippendorff_alpha(data, level="interval"):
    """How much the judges agree beyond chance: 1 is perfect agreement, 0 is no better than if
    the scores had been handed out at random, below 0 is systematic disagreement.

    `data` is a list of rows, one per judge, one column per entry, None where the judge did not
    rate the entry; `level` is "nominal", "ordinal", "interval" or "ratio". Computed from the
    coincidence matrix: alpha = 1 - (n - 1) x Σ o_ck δ²_ck / Σ n_c n_k δ²_ck over the pairable
    values (entries rated by at least two judges). None when there is nothing to compare (no
    entry has two ratings) or every rating is the same value.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}.")
    rows = [list(row) for row in data]
    if not rows:
        return None
    width = len(rows[0])
    if any(len(row) != width for row in rows):
        raise ValueError("Every judge's row needs one cell per entry.")
    matrix = np.array(
        [[np.nan if cell is None else float(cell) for cell in row] for row in rows], dtype=float
    ).reshape(len(rows), width)
    rated = ~np.isnan(matrix)
    pairable = rated.sum(axis=0) >= 2
    matrix, rated = matrix[:, pairable], rated[:, pairable]
    if not rated.any():
        return None
    values, codes = np.unique(matrix[rated], return_inverse=True)
    counts = np.zeros((matrix.shape[1], len(values)))
    np.add.at(counts, (np.nonzero(rated)[1], codes), 1)  # counts[u, c]: unit u's values c
    per_unit = counts.sum(axis=1)
    weights = 1 / (per_unit - 1)
    coincidences = (counts * weights[:, None]).T @ counts
    coincidences -= np.diag((counts * weights[:, None]).sum(axis=0))
    totals = coincidences.sum(axis=1)
    n = totals.sum()
    distances = _distances(values, totals, level)
    expected = float(totals @ distances @ totals)
    if expected <= 0:
        return None
    return float(1 - (n - 1) * float((coincidences * distances).sum()) / expected)


@dataclass
class JudgeFigures:
    """One judge against the rest of the panel, on the entries they share."""

    judge: object
    sheets: int
    shared: int  # entries this judge scored that another judge scored too
    leniency: float | None
    agreement: float | None
    flags: list[str]


def pearson(xs, ys):
    """How closely two lists of numbers rise and fall together: 1 in step, 0 unrelated, -1
    opposite (None with fewer than two pairs or no spread)."""
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    if len(x) < 2 or x.std() <= 1e-12 or y.std() <= 1e-12:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def judge_figures(sheets):
    """Each judge's leniency and agreement, with flags.

    Leniency: on average, how many points (0-100) the judge scores above (+) or below (-) the
    mean of the other judges who scored the same entries. Agreement: the Pearson correlation of
    the judge's scores with those other judges' means: whether the judge ranks entries the way
    the rest of the panel does, whatever their own level. Flags: "lenient" or "severe" when the
    leniency is beyond ±LENIENCY_LIMIT points (a tenth of the scale); "out of step" when the
    agreement is below AGREEMENT_FLOOR over at least MIN_SHARED_FOR_AGREEMENT shared entries.
    Fixed limits rather than a share of the panel's spread, because a panel of three has no
    meaningful spread of its own.
    """
    by_entry = {}
    for sheet in sheets:
        by_entry.setdefault(sheet.entry, []).append(sheet)
    own = {}
    for sheet in sheets:
        others = [other.score for other in by_entry[sheet.entry] if other.judge != sheet.judge]
        mine = own.setdefault(sheet.judge, {"sheets": 0, "pairs": []})
        mine["sheets"] += 1
        if others:
            mine["pairs"].append((sheet.score, sum(others) / len(others)))
    figures = []
    for judge in sorted(own, key=str):
        pairs = own[judge]["pairs"]
        leniency = sum(a - b for a, b in pairs) / len(pairs) if pairs else None
        agreement = pearson(*zip(*pairs, strict=True)) if len(pairs) >= 2 else None
        flags = []
        if leniency is not None and leniency > LENIENCY_LIMIT:
            flags.append("lenient")
        if leniency is not None and leniency < -LENIENCY_LIMIT:
            flags.append("severe")
        if (
            agreement is not None
            and len(pairs) >= MIN_SHARED_FOR_AGREEMENT
            and agreement < AGREEMENT_FLOOR
        ):
            flags.append("out of step")
        figures.append(
            JudgeFigures(judge, own[judge]["sheets"], len(pairs), leniency, agreement, flags)
        )
    return figures


def alpha_table(sheets):
    """The rows krippendorff_alpha takes from a category's sheets: (judges, entries, rows)."""
    judges = sorted({sheet.judge for sheet in sheets}, key=str)
    entries = sorted({sheet.entry for sheet in sheets}, key=str)
    column = {entry: index for index, entry in enumerate(entries)}
    row = {judge: index for index, judge in enumerate(judges)}
    rows = [[None] * len(entries) for _ in judges]
    for sheet in sheets:
        rows[row[sheet.judge]][column[sheet.entry]] = sheet.score
    return judges, entries, rows


def alpha_in_words(alpha):
    """Krippendorff's own reading of alpha: 0.8 and above can be relied on, 0.667 to 0.8 only
    for tentative conclusions, below that the judges agree too little to trust the order."""
    if alpha is None:
        return "Not enough overlap yet: no entry has been scored by two judges."
    if alpha >= 0.8:
        return "The judges agree well: the scores can be relied on."
    if alpha >= 0.667:
        return "The judges agree only moderately: treat close places as tentative."
    return "The judges agree little: the order of places owes much to who judged what."
