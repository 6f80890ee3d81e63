"""Two real `linkage serve` processes on one database: a revocation or a deactivation made
anywhere answers 401 on both within 5 seconds (API.md), and an expired token is refused —
on SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from adapters.bootstrap import bootstrap
from adapters.settings import Settings
from services.accounts import CLI_ACTOR
from tests.integration.kafka_support import LINKAGE, env_of

NOTICES = "/api/v1/accident-notices"
CONTRACT = 5.0  # seconds: "Revocation takes effect on every server process within 5 seconds"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def servers(settings: Settings, tmp_path: Path) -> Iterator[list[str]]:
    procs, urls = [], []
    for i in range(2):
        port = free_port()
        log = open(tmp_path / f"serve-{i}.log", "wb")  # noqa: SIM115 - closed below
        procs.append((subprocess.Popen(
            [LINKAGE, "serve", "--port", str(port), "--no-access-log"],
            env=env_of(settings), stdout=log, stderr=subprocess.STDOUT), log))
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:  # a start-up bound only (a loaded machine starts slowly)
            if not started(url, 180):
                logs = [(tmp_path / f"serve-{i}.log").read_text(errors="replace")[-3000:]
                        for i in range(2)]
                pytest.fail(f"{url} did not start:\n" + "\n---\n".join(logs))
        yield urls
    finally:
        for p, log in procs:
            p.terminate()
            p.wait(timeout=20)
            log.close()


def started(url: str, limit: float) -> bool:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    return False


def wait_for(check: Callable[[], bool], limit: float) -> float:
    """Seconds until check() holds; fails after `limit`."""
    start = time.monotonic()
    while True:
        try:
            if check():
                return time.monotonic() - start
        except httpx.TransportError:
            pass
        if time.monotonic() - start > limit:
            pytest.fail(f"not within {limit} s")
        time.sleep(0.05)


def status(url: str, token: str) -> int:
    return httpx.get(url + NOTICES, headers={"Authorization": f"Bearer {token}"},
                     timeout=5).status_code


def test_revoked_deactivated_and_expired_tokens_get_401_on_both_servers(
        settings: Settings, servers: list[str]) -> None:
    c = bootstrap(settings)
    try:
        made = c.accounts.add(CLI_ACTOR, name="王敏", agency="safety", role="liaison")
        other = c.accounts.add(CLI_ACTOR, name="李强", agency="hrss", role="liaison")
        short = c.accounts.issue_token(CLI_ACTOR, other["id"], "short",
                                       c.clock() + timedelta(seconds=3))
        token, other_token = made["token"]["token"], other["token"]["token"]
        for url in servers:  # signed in, and so in each server's cache
            assert status(url, token) == 200 and status(url, other_token) == 200
            assert status(url, short["token"]) == 200

        c.accounts.revoke_token(CLI_ACTOR, made["id"], made["token"]["id"])
        took = [wait_for(lambda u=url: status(u, token) == 401, CONTRACT)  # type: ignore[misc]
                for url in servers]
        print(f"revocation seen after {max(took):.2f} s")

        c.accounts.deactivate(CLI_ACTOR, other["id"], "left the agency")
        took = [wait_for(lambda u=url: status(u, other_token) == 401, CONTRACT)  # type: ignore[misc]
                for url in servers]
        print(f"deactivation seen after {max(took):.2f} s")

        c.accounts.reactivate(CLI_ACTOR, other["id"])
        for url in servers:
            wait_for(lambda u=url: status(u, other_token) == 200, CONTRACT)  # type: ignore[misc]
            # the short token expires on its own (3 s after it was issued)
            wait_for(lambda u=url: status(u, short["token"]) == 401, 30)  # type: ignore[misc]
        r = httpx.get(servers[0] + NOTICES, headers={"Authorization": f"Bearer {short['token']}"})
        assert r.json()["code"] == "token_expired" and "令牌已过期" in r.json()["detail"]
        r = httpx.get(servers[0] + NOTICES, headers={"Authorization": f"Bearer {short['token']}",
                                                      "Accept-Language": "en"})
        assert r.json()["code"] == "token_expired" and "expired" in r.json()["detail"]
    finally:
        c.close()
