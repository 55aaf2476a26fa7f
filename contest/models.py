"""Every model, imported in one place so the metadata (and Alembic) sees all tables."""

from contest.audit import AuditEvent
from contest.auth.models import Invitation, LoginFailure, RoleGrant, User
from contest.contests.models import Category, Contest
from contest.judging.models import (
    Assignment,
    Conflict,
    Criterion,
    JudgeCategory,
    Rubric,
    Score,
    ScoreSheet,
)
from contest.notices import Notice
from contest.results.models import Result
from contest.storage.models import Asset
from contest.submissions.models import Entry, School, SchoolExtension
from contest.takedown.models import TakedownReport
from contest.uploads.models import Upload
from contest.voting.models import Vote, VoteCode, Voter

__all__ = [
    "Asset",
    "Assignment",
    "AuditEvent",
    "Category",
    "Conflict",
    "Contest",
    "Criterion",
    "Entry",
    "Invitation",
    "JudgeCategory",
    "Notice",
    "LoginFailure",
    "Result",
    "RoleGrant",
    "Rubric",
    "School",
    "SchoolExtension",
    "Score",
    "ScoreSheet",
    "TakedownReport",
    "Upload",
    "User",
    "Vote",
    "VoteCode",
    "Voter",
]
