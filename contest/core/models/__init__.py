"""Every model, imported in one place so the metadata (and Alembic) sees all tables."""

from contest.core.audit import AuditEvent
from contest.core.models.accounts import Invitation, LoginFailure, RoleGrant, User
from contest.core.models.assets import Asset
from contest.core.models.contests import Advancement, Category, Contest, Round
from contest.core.models.entries import District, DistrictDomain, Entry, School, SchoolExtension
from contest.core.models.judging import (
    Assignment,
    Conflict,
    Criterion,
    JudgeCategory,
    Rubric,
    Score,
    ScoreSheet,
)
from contest.core.models.results import Publication, Result
from contest.core.models.takedowns import TakedownReport
from contest.core.models.uploads import Upload
from contest.core.models.voting import Vote, VoteCode, Voter
from contest.core.notices import Notice

__all__ = [
    "Advancement",
    "Asset",
    "Assignment",
    "AuditEvent",
    "Category",
    "Conflict",
    "Contest",
    "Criterion",
    "District",
    "DistrictDomain",
    "Entry",
    "Invitation",
    "JudgeCategory",
    "Notice",
    "LoginFailure",
    "Publication",
    "Result",
    "RoleGrant",
    "Round",
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
