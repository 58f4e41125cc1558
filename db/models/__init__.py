"""All table models; importing this package registers them on ``SQLModel.metadata``."""

from db.models.data import CollectionAttempt, Evidence, Measurement, ReportFiling
from db.models.ops import Alert, AlertEvent, Delivery, JobRun
from db.models.plan import (
    Channel,
    Indicator,
    IndicatorTarget,
    ItemChange,
    Person,
    Project,
    RectificationItem,
    Source,
    Subscription,
)

__all__ = [
    "Alert",
    "AlertEvent",
    "Channel",
    "CollectionAttempt",
    "Delivery",
    "Evidence",
    "Indicator",
    "IndicatorTarget",
    "ItemChange",
    "JobRun",
    "Measurement",
    "Person",
    "Project",
    "RectificationItem",
    "ReportFiling",
    "Source",
    "Subscription",
]
