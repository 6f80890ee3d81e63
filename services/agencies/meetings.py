"""Joint-meeting resolutions in every member agency's queue (each agency consumes the topic).

A resolution binds every member agency of its meeting, absent ones too: each member's queue
gets the resolution (`meeting_resolution`, until the meeting is closed) and every action item
assigned to it (`meeting_action_item`, due at the end of its due date in Beijing time, until
it is marked done). Built from the meeting's own events only, in its order.
"""

from __future__ import annotations

from services.envelope import Envelope
from services.ports import Doc, Tx
from services.projections import put_queue_item

MEETINGS = "joint-meetings"
MEETING_DOCS = "meeting_members"


def _resolution_key(mid: str, no: int) -> str:
    return f"resolution:{mid}:{no}"


def _item_key(mid: str, resolution_no: int, item_no: int) -> str:
    return f"action-item:{mid}:{resolution_no}:{item_no}"


def due_deadline(due_on: str) -> str:
    """The end of the due date, Beijing time."""
    return f"{due_on}T23:59:59+08:00"


def apply_meeting(tx: Tx, env: Envelope, agency: str) -> None:
    """Keep `agency`'s queue items of one joint-meeting event."""
    mid, p = str(env.aggregate_id), env.payload
    kind = env.event_type.rsplit(".", 1)[-1]
    if kind == "Convened":
        tx.put(MEETING_DOCS, mid, {"title": p["title"], "held_on": p["held_on"],
                                   "members": p["invited"], "present": {}, "resolutions": []})
        return
    doc: Doc | None = tx.get(MEETING_DOCS, mid)
    if doc is None or agency not in doc["members"]:
        return
    if kind == "AttendanceRecorded":
        doc["present"][p["agency"]] = p["present"]
    elif kind == "ResolutionAdopted":
        mine = [i for i in p["action_items"] if i["agency"] == agency]
        doc["resolutions"].append(p["resolution_no"])
        put_queue_item(tx, _resolution_key(mid, p["resolution_no"]), {
            "kind": "meeting_resolution", "meeting_id": mid, "title": doc["title"],
            "held_on": doc["held_on"], "resolution_no": p["resolution_no"],
            "summary": p["text"], "present": bool(doc["present"].get(agency, False)),
            "action_items": [{"no": i["no"], "description": i["description"],
                              "due_on": i["due_on"]} for i in mine],
            "deadline": None})
        for i in mine:
            put_queue_item(tx, _item_key(mid, p["resolution_no"], i["no"]), {
                "kind": "meeting_action_item", "meeting_id": mid, "title": doc["title"],
                "resolution_no": p["resolution_no"], "item_no": i["no"],
                "summary": i["description"], "due_on": i["due_on"],
                "deadline": due_deadline(i["due_on"])})
    elif kind == "ActionItemDone":
        tx.delete("queue", _item_key(mid, p["resolution_no"], p["item_no"]))
    elif kind == "Closed":
        for no in doc["resolutions"]:
            tx.delete("queue", _resolution_key(mid, no))
    tx.put(MEETING_DOCS, mid, doc)
