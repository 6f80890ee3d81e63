"""What the accident notice's rules refuse, each its own class (the API maps them to answers)."""

from __future__ import annotations

from domain.common import DomainError


class NoticeError(DomainError):
    """A command that the notice's rules refuse."""


class NotRequired(NoticeError):
    code = "agency_not_required"


class AlreadyAcknowledged(NoticeError):
    code = "already_acknowledged"


class NotOpen(NoticeError):
    code = "notice_not_open"


class RevisionWindowClosed(NoticeError):
    code = "revision_window_closed"
    field = "revised_at"


class NotOverdue(NoticeError):
    code = "deadline_not_passed"


class PendingAcknowledgements(NoticeError):
    """Closing refused: these agencies have not acknowledged the current round."""

    code = "pending_acknowledgements"

    def __init__(self, pending: list[str], round: int) -> None:
        super().__init__("pending_acknowledgements", round=round, pending=pending)
        self.pending = pending
        self.round = round


class AlreadyEscalated(NoticeError):
    code = "already_escalated"
