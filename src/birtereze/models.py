"""Every domain's tables, imported in one place for Alembic and the test database."""

from birtereze.applications.delivery_models import Delivery
from birtereze.applications.models import Application, ApplicationDocument, BodyAnswer
from birtereze.appointments.models import Booking
from birtereze.branches.models import Branch, OpeningHours, SpecialDay, Window, Zone
from birtereze.catalog.models import Authority, Outcome, Service, ServiceStandard
from birtereze.citizens.models import Citizen, CitizenSession, OtpChallenge
from birtereze.core.db import Base
from birtereze.core.events import Event
from birtereze.core.idempotency import IdempotencyKey
from birtereze.notify.models import Notification, NotificationPart
from birtereze.queue.models import (
    Alert,
    AssistCall,
    BranchService,
    Counter,
    PriorityCategory,
    Queue,
    SegmentationRule,
    TicketCounter,
    Visit,
    VisitService,
    WorkProfile,
    WorkProfileQueue,
)
from birtereze.staff.models import ApiToken, Staff, StaffBranch
from birtereze.staffing.models import Roster, RosterShift

__all__ = [
    "Alert",
    "ApiToken",
    "Application",
    "ApplicationDocument",
    "AssistCall",
    "Authority",
    "Base",
    "BodyAnswer",
    "Booking",
    "Branch",
    "BranchService",
    "Citizen",
    "CitizenSession",
    "Counter",
    "Delivery",
    "Event",
    "IdempotencyKey",
    "Notification",
    "NotificationPart",
    "OpeningHours",
    "OtpChallenge",
    "Outcome",
    "PriorityCategory",
    "Queue",
    "Roster",
    "RosterShift",
    "SegmentationRule",
    "Service",
    "ServiceStandard",
    "SpecialDay",
    "Staff",
    "StaffBranch",
    "TicketCounter",
    "Visit",
    "VisitService",
    "Window",
    "WorkProfile",
    "WorkProfileQueue",
    "Zone",
]
