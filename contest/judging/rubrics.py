"""Rubrics: the default PSA rubric every new contest starts with, and which rubric applies."""

from sqlalchemy import select

from contest.judging.models import Criterion, Rubric

# (name, weight, guidance, a descriptor per level from 1 to 5)
DEFAULT_RUBRIC = (
    (
        "Message accuracy",
        3,
        "Is the safety advice correct, clear and right for the audience's age?",
        ("Wrong or harmful", "Unclear or partly wrong", "Correct but vague", "Correct and clear",
         "Correct, clear and precise"),
    ),
    (
        "Creativity",
        2,
        "Is the idea original and memorable?",
        ("Copied or generic", "Familiar idea", "Some fresh touches", "Original",
         "Original and unforgettable"),
    ),
    (
        "Audience impact",
        3,
        "Would it change what a student does online?",
        ("No effect", "Little effect", "Might make some think", "Makes most think",
         "Likely to change behaviour"),
    ),
    (
        "Production quality",
        1,
        "Do sound, picture and editing serve the message?",
        ("Hard to watch or hear", "Distracting flaws", "Adequate", "Polished",
         "Professional standard"),
    ),
    (
        "Call to action",
        1,
        "Does it tell the viewer what to do next?",
        ("None", "Implied only", "Stated but weak", "Clear", "Clear, specific and compelling"),
    ),
)  # fmt: skip


def default_rubric(contest_id):
    """Five weighted criteria on a 1-5 scale with a descriptor for every level."""
    rubric = Rubric(contest_id=contest_id, version=1)
    rubric.criteria = [
        Criterion(
            name=name,
            weight=weight,
            guidance=guidance,
            min_points=1,
            max_points=5,
            level_descriptors=list(levels),
            sort_order=order,
        )
        for order, (name, weight, guidance, levels) in enumerate(DEFAULT_RUBRIC)
    ]
    return rubric


def rubric_for(session, category):
    """The rubric an entry of `category` is scored on now: the newest version of the category's
    override if it has one, else the newest version of the contest's rubric (None if neither)."""
    newest = (
        select(Rubric)
        .where(Rubric.contest_id == category.contest_id)
        .order_by(Rubric.version.desc())
        .limit(1)
    )
    override = session.scalar(newest.where(Rubric.category_id == category.id))
    return override or session.scalar(newest.where(Rubric.category_id.is_(None)))
