"""Imports every table module so the metadata is complete (Alembic, tests, the app)."""

from itpp_api.amendments.models import Amendment, AmendmentDecision
from itpp_api.attachments.models import Attachment
from itpp_api.audit.models import AuditChainHead, AuditEvent
from itpp_api.auth.models import AccessToken, LoginThrottle, TokenKey, User, UserInvitation
from itpp_api.calendar.models import CalendarFeed
from itpp_api.comments.models import Comment, CommentRevision
from itpp_api.commitments.models import Commitment, CommitmentSupporter, Milestone
from itpp_api.dashboard.models import OpenMilestone
from itpp_api.exchanges.models import Exchange, ExchangeCommitment
from itpp_api.idempotency.models import IdempotencyRecord
from itpp_api.notifications.models import Notification, NotificationPreference
from itpp_api.parties.models import Organisation, Party
from itpp_api.plans.models import Plan, PlanParty, PlanVersion, PriorityArea, ReferenceCounter
from itpp_api.reviews.models import ReviewAssessment, ReviewCycle, ReviewItem, ReviewSignOff
from itpp_api.saved_views.models import SavedView
from itpp_api.search.models import SearchEntry
from itpp_api.updates.models import ProgressUpdate
from itpp_api.webhooks.models import WebhookDelivery, WebhookEndpoint

__all__ = [
    "AccessToken",
    "Amendment",
    "AmendmentDecision",
    "Attachment",
    "AuditChainHead",
    "AuditEvent",
    "CalendarFeed",
    "Comment",
    "CommentRevision",
    "Commitment",
    "CommitmentSupporter",
    "Exchange",
    "ExchangeCommitment",
    "IdempotencyRecord",
    "LoginThrottle",
    "Milestone",
    "Notification",
    "NotificationPreference",
    "OpenMilestone",
    "Organisation",
    "Party",
    "Plan",
    "PlanParty",
    "PlanVersion",
    "PriorityArea",
    "ProgressUpdate",
    "ReferenceCounter",
    "ReviewAssessment",
    "ReviewCycle",
    "ReviewItem",
    "ReviewSignOff",
    "SavedView",
    "SearchEntry",
    "TokenKey",
    "User",
    "UserInvitation",
    "WebhookDelivery",
    "WebhookEndpoint",
]
