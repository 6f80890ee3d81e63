"""Every staff form carries its own key: sent again (a double click, the browser's retry after
the server died between storing and answering), its command is applied once."""

from __future__ import annotations

import re

import pytest

from adapters.web import once
from tests.e2e.conftest import Api
from tests.e2e.test_ui_pages import sign_in
from tests.support import notice_body

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
