"""Judging rounds: closing a round with the entries that move on (issue 16). Above the results,
whose rankings give a rubric round's standings."""

from contest.rounds import messages  # noqa: F401  (the words of its error codes)
