"""A score sheet's points on its rubric's scales, as one score on 0-100.

Plain numbers in and out: the judging pages, calibration and the results all score a sheet
this one way.
"""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """What the score of a sheet needs to know about a criterion."""

    weight: float
    min_points: int
    max_points: int


def _scale(criterion):
    """A Scale from a Scale, a Criterion row or anything with those attributes, or a
    (weight, min, max) tuple."""
    if isinstance(criterion, Scale):
        return criterion
    if isinstance(criterion, tuple):
        return Scale(*criterion)
    return Scale(criterion.weight, criterion.min_points, criterion.max_points)


def sheet_score(criteria, points):
    """A score sheet's score on 0-100: each criterion's points placed on its own scale (the lowest
    level is 0, the highest 1), weighted, averaged over the weights, times 100.

    `criteria` are (weight, min, max) tuples or objects with weight, min_points and max_points;
    `points` is the points for each, in the same order. ValueError for a sheet that can't be
    scored: no criteria, a missing or out-of-scale point, a weight not above 0 or a scale whose
    top is not above its bottom.
    """
    scales = [_scale(criterion) for criterion in criteria]
    points = list(points)
    if not scales:
        raise ValueError("A sheet needs at least one criterion to have a score.")
    if len(points) != len(scales):
        raise ValueError(f"{len(points)} points given for {len(scales)} criteria.")
    total = weights = 0.0
    for scale, value in zip(scales, points, strict=True):
        if not (scale.weight > 0 and math.isfinite(scale.weight)):
            raise ValueError(f"A weight must be a number above 0, not {scale.weight!r}.")
        if scale.max_points <= scale.min_points:
            raise ValueError(f"The scale {scale.min_points}-{scale.max_points} has no range.")
        if value is None or not scale.min_points <= value <= scale.max_points:
            raise ValueError(
                f"{value!r} is outside the scale {scale.min_points}-{scale.max_points}."
            )
        total += scale.weight * (value - scale.min_points) / (scale.max_points - scale.min_points)
        weights += scale.weight
    return total / weights * 100
