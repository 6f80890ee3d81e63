"""The notifier's delivery log: an agency reads its own, the auditor reads every one."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends

from adapters.http.contacts import AgencyStaff
from adapters.http.deps import ContainerDep, UserDep, permit, reads
from adapters.http.errors import problem
from adapters.http.schemas import Agency
from adapters.notify.runner import STORE
from services.notifications.log import deliveries, retry
from services.policies import contacts as policy

router = APIRouter(prefix="/api/v1", tags=["notifications"])
Status = Literal["owed", "sent", "failed", "retrying"]


@router.get("/agencies/{agency}/deliveries", dependencies=[reads()])
def agency_deliveries(agency: Agency, c: ContainerDep, actor: UserDep,
                      status: Status | None = None) -> Any:
    """Messages sent to this agency's contacts: sent, failed or retrying, with the answer (its
    own users and auditors, decided before the request is validated)."""
    with c.store(STORE).transaction(write=False) as tx:
        return {"agency": agency, "items": deliveries(tx, agency, status)}


@router.get("/deliveries", dependencies=[permit(policy.DELIVERIES_READ_ALL)])
def all_deliveries(c: ContainerDep, actor: UserDep, status: Status | None = None) -> Any:
    """Every delivery, for the auditor."""
    with c.store(STORE).transaction(write=False) as tx:
        return {"items": deliveries(tx, None, status)}


@router.post("/agencies/{agency}/deliveries/{delivery_id}/retry", status_code=202,
             dependencies=[Depends(AgencyStaff(policy.DELIVERIES_RETRY))])
def retry_delivery(agency: Agency, delivery_id: str, c: ContainerDep, actor: UserDep) -> Any:
    """Send a failed delivery again (after the receiver was fixed): the agency's admins and
    liaisons. The same message id, so a receiver that had it can drop it."""
    with c.store(STORE).transaction() as tx:
        if not retry(tx, agency, delivery_id):
            raise problem(404, "no_failed_delivery", agency=agency, delivery_id=delivery_id)
    return {"id": delivery_id, "status": "retrying"}
