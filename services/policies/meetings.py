"""Joint meetings: hrss convenes and records; members mark their own action items done.

That an action item is the user's agency's is the aggregate's rule
(`domain.joint_meeting.NotAssigned`), checked after loading.
"""

from __future__ import annotations

from domain.vocabulary import Agency, Role
from services.policies import Rule

CONVENOR_ROLES: tuple[Role, ...] = ("liaison", "admin")
CONVENOR: tuple[Agency, ...] = ("hrss",)
CONVENE = Rule("meetings.convene", roles=CONVENOR_ROLES, agencies=CONVENOR)
RECORD_ATTENDANCE = Rule("meetings.record_attendance", roles=CONVENOR_ROLES, agencies=CONVENOR)
ADOPT_RESOLUTION = Rule("meetings.adopt_resolution", roles=CONVENOR_ROLES, agencies=CONVENOR)
PUBLISH_MINUTES = Rule("meetings.publish_minutes", roles=CONVENOR_ROLES, agencies=CONVENOR)
CLOSE = Rule("meetings.close", roles=CONVENOR_ROLES, agencies=CONVENOR)
MARK_DONE = Rule("meetings.mark_done", roles=("liaison", "inspector", "admin"))
RULES = (CONVENE, RECORD_ATTENDANCE, ADOPT_RESOLUTION, PUBLISH_MINUTES, CLOSE, MARK_DONE)
# The steps of a meeting's page, by the name the web form posts.
STEPS = {"attendance": RECORD_ATTENDANCE, "resolution": ADOPT_RESOLUTION, "done": MARK_DONE,
         "minutes": PUBLISH_MINUTES, "closure": CLOSE}
