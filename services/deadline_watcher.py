"""Records `Escalated` once for each missed acknowledgement deadline; never run by a reader."""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from domain.accident_notice import AlreadyEscalated, NotOpen, NotOverdue
from domain.common import SYSTEM_WATCHER
from domain.notice_rules import urgency_key
from services.accident_notices import AccidentNotices
from services.application import ConcurrentWrite
from services.feeder import LogFeeder
from services.notice_summary import pending
from services.ports import Clock

log = logging.getLogger(__name__)


class DeadlineWatcher:
    def __init__(self, notices: AccidentNotices, index: LogFeeder, clock: Clock) -> None:
        self.notices = notices
        self.index = index
        self.clock = clock

    def candidates(self, now: datetime) -> list[tuple[str, str]]:
        """(notice id, agency) whose deadline passed with no acknowledgement, per the index."""
        self.index.catch_up()
        found = []
        first_not_due = urgency_key([now], None)
        with self.index.consumer.store.transaction(write=False) as tx:
            after = None
            while True:  # open notices, the nearest owed deadline first: stop at one not due
                rows = tx.page("notices", ["status:open"], after, limit=500)
                due = [(o, k, s) for o, k, s in rows if o < first_not_due]
                for _, key, summary in due:
                    for agency in pending(summary):
                        if agency in summary["escalated"]:
                            continue
                        if datetime.fromisoformat(summary["deadlines"][agency]) < now:
                            found.append((key, agency))
                if len(due) < 500:
                    return found
                after = (due[-1][0], due[-1][1])

    def run_once(self) -> list[tuple[str, str]]:
        """Escalate every overdue acknowledgement; the aggregate refuses a second one."""
        escalated = []
        for key, agency in self.candidates(self.clock()):
            try:
                self.notices.escalate(UUID(key), SYSTEM_WATCHER, agency)
            except (AlreadyEscalated, NotOverdue, NotOpen, ConcurrentWrite) as e:
                log.info("not escalating %s for %s: %s", key, agency, e)
                continue
            escalated.append((key, agency))
        if escalated:
            self.index.catch_up()
        return escalated
