"""/api/v1/agencies/{agency}/contacts: whom the notifier reaches, kept by the agency's admins.

The agency's contacts are one aggregate (its contact book): its `version`, shown by the list and
by each change, is what a change's `If-Match: "<version>"` names (a stale one is 412).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import AfterValidator, BaseModel, Field

from adapters.http.deps import ContainerDep, Permit, UserDep
from adapters.http.schemas import Agency, Name, Strict
from adapters.http.writes import IdempotencyDep, VersionDep, keyed
from domain.common import Actor
from domain.contact_book import PHONE, email_problem, url_problem
from domain.messages import Invalid, msg
from domain.vocabulary import AGENCIES
from services.contacts import Contacts
from services.policies import contacts as policy

router = APIRouter(prefix="/api/v1/agencies", tags=["notification contacts"])


def _email(v: str) -> str:
    if v and (p := email_problem(v)):
        raise Invalid(p)
    return v


def _url(v: str) -> str:
    if v and (p := url_problem(v)):
        raise Invalid(p)
    return v


def _phone(v: str) -> str:
    if v and not PHONE.match(v):
        raise Invalid(msg("not_a_phone"))
    return v


class ContactIn(Strict):
    name: Name
    duty: Literal["on_duty", "leader"] = Field(description="on_duty 值班 or leader 领导")
    language: Literal["zh-CN", "en"] = "zh-CN"
    email: Annotated[str, Field(max_length=254), AfterValidator(_email)] = ""
    webhook_url: Annotated[str, Field(max_length=2000), AfterValidator(_url)] = ""
    webhook_kind: Literal["generic", "wecom", "dingtalk", ""] = Field(
        "", description="generic (JSON signed with HMAC-SHA256), wecom 企业微信 or dingtalk 钉钉")
    webhook_secret: str = Field("", max_length=200, description="generic: the HMAC key; "
                                "dingtalk: the robot's 加签 secret; never shown again")
    phone: Annotated[str, Field(max_length=20), AfterValidator(_phone)] = ""


class ContactOut(BaseModel):
    id: str
    name: str
    duty: str
    language: str
    email: str
    webhook_url: str
    webhook_kind: str
    has_webhook_secret: bool
    phone: str


class SavedOut(ContactOut):
    agency: Agency
    version: int = Field(description="the agency's contact book's version after the change")


class ContactsOut(BaseModel):
    agency: Agency
    version: int = Field(description="the agency's contact book's version (0 before its first "
                                     "contact): what a change's If-Match names")
    items: list[ContactOut]


class AgencyStaff(Permit):
    """The rule, then the path's agency: its own users (auditors read every agency's). Checked
    before the request is validated, so a refused user learns nothing of what a valid one
    looks like; a path that names no agency is left to validation (422)."""

    async def __call__(self, request: Request, actor: UserDep) -> Actor:  # type: ignore[override]
        self.rule.check(actor)
        agency = str(request.path_params.get("agency", ""))
        if agency in AGENCIES:
            policy.check_agency(actor, agency)
        return actor


ADMINS = Depends(AgencyStaff(policy.MANAGE))
READERS = Depends(AgencyStaff(policy.READ))


@router.get("/{agency}/contacts", response_model=ContactsOut, dependencies=[READERS])
def list_contacts(agency: Agency, c: ContainerDep, actor: UserDep) -> Any:
    """The agency's contacts: its admins and auditors read them."""
    return Contacts(c.app, c.clock, c.store("api")).view(agency)


@router.post("/{agency}/contacts", status_code=201, response_model=SavedOut, dependencies=[ADMINS])
def add_contact(agency: Agency, body: ContactIn, request: Request, c: ContainerDep, actor: UserDep,
                version: VersionDep, idem: IdempotencyDep) -> Any:
    return idem.run(request, keyed(body, version), lambda: (
        201, Contacts(c.app, c.clock, c.store("api")).save(agency, actor, body.model_dump(),
                                                          expected_version=version)))


@router.put("/{agency}/contacts/{contact_id}", response_model=SavedOut, dependencies=[ADMINS])
def replace_contact(agency: Agency, contact_id: str, body: ContactIn, request: Request,
                    c: ContainerDep, actor: UserDep, version: VersionDep,
                    idem: IdempotencyDep) -> Any:
    return idem.run(request, keyed(body, version), lambda: (
        200, Contacts(c.app, c.clock, c.store("api")).save(agency, actor, body.model_dump(),
                                                          contact_id, version)))


@router.delete("/{agency}/contacts/{contact_id}", status_code=204, dependencies=[ADMINS])
def remove_contact(agency: Agency, contact_id: str, c: ContainerDep, actor: UserDep,
                   version: VersionDep) -> None:
    Contacts(c.app, c.clock, c.store("api")).remove(agency, actor, contact_id, version)
