"""Every staff form carries its own key: sent again (a double click, the browser's retry after
the server died between storing and answering), its command is applied once."""

from __future__ import annotations

import re
from uuid import UUID

import pytest

from adapters.web import once
from tests.e2e.conftest import Api
from tests.e2e.test_ui_pages import sign_in
from tests.support import acknowledge_pending, notice_body

NOTICES = "/api/v1/accident-notices"


class Killed(Exception):
    pass


def form_key(html: str, action: str) -> str:
    m = re.search(rf'<form [^>]*action="{re.escape(action)}"[^>]*><input type="hidden" '
                  r'name="_key" value="([^"]+)">', html)
    assert m, f"no keyed form posting to {action}"
    return m.group(1)


def test_a_resent_acknowledgement_and_revision_are_applied_once(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    nid = api.client.post(NOTICES, json=notice_body(), headers=api.auth("safety")).json()["id"]
    sign_in(api, "safety")
    page = api.client.get(f"/ui/notices/{nid}").text
    ack_url, rev_url = f"/ui/notices/{nid}/acknowledge", f"/ui/notices/{nid}/revise"
    ack = {"_key": form_key(page, ack_url)}
    rev = {"_key": form_key(page, rev_url), "deaths": "0", "serious_injuries": "2",
           "missing": "0", "direct_loss_cny": "150000", "reason": "补报伤情"}
    assert ack["_key"] != rev["_key"]

    def die(point: str) -> None:
        if point == "web-after-commit":
            raise Killed(point)

    with monkeypatch.context() as m:
        m.setattr(once, "maybe_crash", die)
        with pytest.raises(Killed):
            api.client.post(ack_url, data=ack, follow_redirects=False)
    again = api.client.post(ack_url, data=ack, follow_redirects=False)
    assert again.status_code == 303, again.text  # not "already acknowledged"
    for _ in range(2):
        r = api.client.post(rev_url, data=rev, follow_redirects=False)
        assert r.status_code == 303, r.text
    n = api.client.get(f"{NOTICES}/{nid}", headers=api.auth("safety")).json()
    assert len(n["revisions"]) == 1
    assert [a["agency"] for a in n["acknowledgements"]].count("safety") == 1


@pytest.mark.parametrize("step", ["close", "withdraw"])
def test_a_resent_close_or_withdrawal_is_applied_once(
        api: Api, monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    nid = api.client.post(NOTICES, json=notice_body(), headers=api.auth("safety")).json()["id"]
    acknowledge_pending(api.container, UUID(nid))  # closable
    sign_in(api, "safety")
    url = f"/ui/notices/{nid}/{step}"
    page = api.client.get(f"/ui/notices/{nid}").text
    version = api.client.get(f"{NOTICES}/{nid}", headers=api.auth("safety")).json()["version"]
    assert f'name="version" value="{version}"' in page  # the form names what it was shown
    form = {"_key": form_key(page, url), "reason": "调查结论：违章作业", "version": str(version)}

    def die(point: str) -> None:
        if point == "web-after-commit":
            raise Killed(point)

    with monkeypatch.context() as m:
        m.setattr(once, "maybe_crash", die)
        with pytest.raises(Killed):
            api.client.post(url, data=form, follow_redirects=False)
    again = api.client.post(url, data=form, follow_redirects=False)
    assert again.status_code == 303, again.text  # not "the notice is closed"
    n = api.client.get(f"{NOTICES}/{nid}", headers=api.auth("safety")).json()
    assert n["status"] == ("closed" if step == "close" else "withdrawn")
    assert n["closure"]["reason"] == "调查结论：违章作业"
    assert [s["kind"] for s in n["steps"]].count("closed" if step == "close" else "withdrawn") == 1


def test_a_close_form_shown_before_a_change_is_refused_not_applied(api: Api) -> None:
    nid = api.client.post(NOTICES, json=notice_body(), headers=api.auth("safety")).json()["id"]
    acknowledge_pending(api.container, UUID(nid))
    sign_in(api, "safety")
    url = f"/ui/notices/{nid}/close"
    page = api.client.get(f"/ui/notices/{nid}").text
    version = api.client.get(f"{NOTICES}/{nid}", headers=api.auth("safety")).json()["version"]
    api.client.post(f"{NOTICES}/{nid}/revisions", headers=api.auth("safety"), json={
        "deaths": 0, "serious_injuries": 0, "missing": 0, "direct_loss_cny": "9000",
        "reason": "核减损失"})  # meanwhile: the figures the clerk saw changed
    r = api.client.post(url, data={"_key": form_key(page, url), "reason": "结论",
                                   "version": str(version)}, follow_redirects=False)
    assert r.status_code == 412, r.text
    assert api.client.get(f"{NOTICES}/{nid}", headers=api.auth("safety")).json()["status"] == "open"
