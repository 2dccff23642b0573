"""Every table of the service, listed: Alembic (shebao/migrations/env.py, through alembic.ini's
``models``), ``Database.create_all`` and the schema checks see ``Base.metadata`` complete once
this module is imported. A new model is added here (tests/test_architecture.py checks that
every table on ``Base.metadata`` is listed)."""

from __future__ import annotations

from bot.models import AnswerFeedback, DialogueState, Dispute, Exchange, Handoff
from bot.personal.models import (
    AccessLog,
    ApplicationSubmission,
    AuthorisationAttempts,
    AuthorisationCode,
    AuthorisationGrant,
    Binding,
    Verification,
    Volunteer,
)
from knowledge.document_models import Document, Passage
from knowledge.models import Entry, EntryRevision, KbChange, KbState
from knowledge.semantic_models import TextVector
from shebao.db import Base
from shebao.outbox_models import OutboxJob
from webhooks.admin.models import AuditLog, HandoffClaim, LoginAttempt, StaffSession, StaffUser
from webhooks.miniprogram_models import MiniProgramSession
from webhooks.models import OutboundMessage, ProcessedMessage, ReplayNonce

MODELS: tuple[type[Base], ...] = (
    # knowledge/
    Entry,
    EntryRevision,
    KbState,
    KbChange,
    TextVector,
    Document,
    Passage,
    # bot/: dialogue, exchanges, hand-offs, disputes
    DialogueState,
    Exchange,
    Handoff,
    Dispute,
    AnswerFeedback,
    # bot/: personal services
    Binding,
    Verification,
    ApplicationSubmission,
    Volunteer,
    AuthorisationCode,
    AuthorisationGrant,
    AuthorisationAttempts,
    AccessLog,
    # webhooks/
    ProcessedMessage,
    OutboundMessage,
    ReplayNonce,
    MiniProgramSession,
    StaffUser,
    StaffSession,
    LoginAttempt,
    AuditLog,
    HandoffClaim,
    # shebao/
    OutboxJob,
)
