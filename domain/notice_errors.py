"""What the accident notice's rules refuse, each its own class (the API maps them to answers)."""

from __future__ import annotations

from domain.common import DomainError


class NoticeError(DomainError):
    """A command that the notice's rules refuse."""


class NotRequired(NoticeError):
    pass


class AlreadyAcknowledged(NoticeError):
    pass


class NotOpen(NoticeError):
    pass


class RevisionWindowClosed(NoticeError):
    field = "revised_at"


class NotOverdue(NoticeError):
    pass


class PendingAcknowledgements(NoticeError):
    """Closing refused: these agencies have not acknowledged the current round."""

    def __init__(self, pending: list[str], round: int) -> None:
        super().__init__(f"every agency required in acknowledgement round {round} must "
                         f"acknowledge before the notice is closed; still pending: "
                         f"{', '.join(pending)}")
        self.pending = pending
        self.round = round


class AlreadyEscalated(NoticeError):
    pass
