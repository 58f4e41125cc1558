"""All table models; importing this package registers them on ``SQLModel.metadata``."""

from db.models.data import CollectionAttempt, Evidence, Measurement, ReportFiling
from db.models.ops import Alert, AlertEvent, Delivery, JobRun, SendAttempt, Silence
from db.models.plan import (
    Channel,
    Indicator,
    IndicatorTarget,
    ItemChange,
    Person,
    Project,
    RectificationItem,
    RuleBatch,
    Source,
    Subscription,
)
from db.models.reply import ItemSubmission, ReplyLink
from db.models.service import JobLock, LoginFailure, ProjectRole, UserRole, WebGrant, WebSession, WebUser
from db.models.stamp import ChangeStamp, EvaluationMark, FactsCache, FactsStamp
from db.models.work import CollectItem, CollectRound

__all__ = [
    "Alert",
    "AlertEvent",
    "ChangeStamp",
    "Channel",
    "CollectItem",
    "CollectRound",
    "CollectionAttempt",
    "Delivery",
    "EvaluationMark",
    "Evidence",
    "FactsCache",
    "FactsStamp",
    "Indicator",
    "IndicatorTarget",
    "ItemChange",
    "ItemSubmission",
    "JobLock",
    "JobRun",
    "LoginFailure",
    "Measurement",
    "Person",
    "Project",
    "ProjectRole",
    "RectificationItem",
    "ReplyLink",
    "ReportFiling",
    "RuleBatch",
    "SendAttempt",
    "Silence",
    "Source",
    "Subscription",
    "UserRole",
    "WebGrant",
    "WebSession",
    "WebUser",
]
