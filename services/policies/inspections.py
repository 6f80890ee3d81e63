"""Joint inspections: inspectors schedule them and act on them.

Which agencies take part is the aggregate's rule (`domain.joint_inspection.NotParticipating`),
checked after loading (or, when scheduling, after reading the plan).
"""

from __future__ import annotations

from domain.vocabulary import Role
from services.policies import Rule

INSPECTOR: tuple[Role, ...] = ("inspector",)
SCHEDULE = Rule("inspections.schedule", roles=INSPECTOR)
START = Rule("inspections.start", roles=INSPECTOR)
RECORD_FINDING = Rule("inspections.record_finding", roles=INSPECTOR)
ORDER_RECTIFICATION = Rule("inspections.order_rectification", roles=INSPECTOR)
REINSPECT = Rule("inspections.reinspect", roles=INSPECTOR)
CLOSE_ON_SPOT = Rule("inspections.close_on_spot", roles=INSPECTOR)
COMPLETE = Rule("inspections.complete", roles=INSPECTOR)
CANCEL = Rule("inspections.cancel", roles=INSPECTOR)
RULES = (SCHEDULE, START, RECORD_FINDING, ORDER_RECTIFICATION, REINSPECT, CLOSE_ON_SPOT, COMPLETE,
         CANCEL)
# The steps of an inspection's page, by the name the web form posts.
STEPS = {"start": START, "finding": RECORD_FINDING, "rectification": ORDER_RECTIFICATION,
         "reinspection": REINSPECT, "spot_closure": CLOSE_ON_SPOT, "completion": COMPLETE,
         "cancellation": CANCEL}
