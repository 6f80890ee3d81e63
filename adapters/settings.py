"""Settings from the environment (LINKAGE_*, or a .env file); nothing is read at import time."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlparse

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# libpq's connection parameters and the environment variables it reads them from
LIBPQ_ENV = {
    "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL", "sslcrldir": "PGSSLCRLDIR",
    "sslnegotiation": "PGSSLNEGOTIATION", "sslcompression": "PGSSLCOMPRESSION",
    "sslcertmode": "PGSSLCERTMODE", "ssl_min_protocol_version": "PGSSLMINPROTOCOLVERSION",
    "ssl_max_protocol_version": "PGSSLMAXPROTOCOLVERSION", "requiressl": "PGREQUIRESSL",
    "gssencmode": "PGGSSENCMODE", "channel_binding": "PGCHANNELBINDING",
    "application_name": "PGAPPNAME", "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS", "require_auth": "PGREQUIREAUTH",
    "krbsrvname": "PGKRBSRVNAME", "gsslib": "PGGSSLIB", "service": "PGSERVICE",
    "passfile": "PGPASSFILE", "hostaddr": "PGHOSTADDR", "load_balance_hosts": "PGLOADBALANCEHOSTS",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LINKAGE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("var"), description="Folder of the embedded default's SQLite files")
    database_url: str | None = Field(None, description="postgresql:// URL selects PostgreSQL")
    database_schema: str = Field("public", description="PostgreSQL schema of every table")
    kafka_bootstrap: str | None = Field(None, description="Set: events go through Kafka")
    topic_prefix: str = "linkage."
    topic_partitions: int = Field(3, ge=1)
    consumer_group_prefix: str = "linkage-"
    consumer_fetch_wait_ms: int = Field(
        100, ge=0, le=500,
        description="How long the broker may hold a consumer's fetch to gather a few events: "
                    "each arrives at most this much later, and a busy consumer applies them "
                    "several to a transaction for far less CPU each")
    deadline_safety: timedelta = timedelta(hours=1)
    deadline_other: timedelta = timedelta(hours=24)
    watcher_interval: float = Field(30.0, gt=0, description="Seconds between deadline checks")
    feed_interval: float = Field(0.2, gt=0, description="Seconds between in-process polls")
    read_your_writes_timeout: float = Field(
        2.0, ge=0, le=60,
        description="How long a read of an agency's read model may wait for the reader's own "
                    "last write to reach it before answering with Linkage-Stale: true")
    token_lifetime: timedelta = Field(timedelta(days=90), description="A new token's lifetime")
    session_idle: timedelta = Field(timedelta(minutes=30), description="A web session ends after "
                                    "this long without a page view")
    session_lifetime: timedelta = Field(timedelta(hours=12), description="and this long after "
                                        "sign-in in any case")
    auth_failure_limit: int = Field(10, ge=1, description="Failed sign-ins from one address in "
                                    "a minute beyond which it gets 429")
    security_retention: timedelta = Field(timedelta(days=180), description="How long sign-in, "
                                          "security-event and access records are kept")
    token_cache_seconds: float = Field(
        2.0, ge=0, le=3, description="How long a server process trusts a token it checked: a "
        "revocation reaches every process within this plus the feed interval")
    # Notifications (issue 18): see README "Notifications".
    notify_in_process: bool = Field(True, description="Embedded default: `linkage serve` notifies")
    notify_interval: float = Field(1.0, gt=0, description="Seconds between the notifier's rounds")
    notify_max_attempts: int = Field(8, ge=1, description="Tries of a 5xx/timeout before failed")
    notify_backoff_base: float = Field(2.0, gt=0, description="Seconds before the 2nd try; doubles")
    notify_backoff_max: float = Field(600.0, gt=0)
    notify_timeout: float = Field(10.0, gt=0, description="Seconds a receiver may take")
    notify_lease: float = Field(30.0, gt=0, description="Seconds a sender holds what it is "
                                "sending: after a crash, the next one sends it after this")
    notify_webhook_secret: SecretStr | None = Field(None, description="HMAC key of generic "
                                                    "webhooks whose contact has none")
    public_url: str = Field("http://127.0.0.1:8000", description="Base of acknowledge links")
    link_secret: SecretStr | None = Field(None, description="HMAC key of acknowledge links; "
                                          "unset: messages carry no link")
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "linkage@localhost"
    sms_gateway_url: str | None = None
    sms_gateway_secret: SecretStr | None = None

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, v: str | None) -> str | None:
        if v and not v.startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql:// URL")
        return v or None

    @property
    def uses_postgres(self) -> bool:
        return bool(self.database_url) or os.environ.get("PERSISTENCE_MODULE") == "eventsourcing.postgres"

    @property
    def uses_kafka(self) -> bool:
        return bool(self.kafka_bootstrap)

    def deadlines(self) -> dict[str, timedelta]:
        return {"safety": self.deadline_safety, "hrss": self.deadline_other,
                "health": self.deadline_other, "finance": self.deadline_other}

    def postgres_params(self) -> dict[str, Any]:
        """Connection parameters from the URL, or from eventsourcing's POSTGRES_* variables."""
        if self.database_url:
            u = urlparse(self.database_url)
            # The query's libpq parameters (sslmode, sslrootcert, application_name, …) too.
            return {**dict(parse_qsl(u.query)),
                    "dbname": (u.path or "/").lstrip("/") or "postgres",
                    "host": u.hostname or "127.0.0.1", "port": u.port or 5432,
                    "user": unquote(u.username or ""), "password": unquote(u.password or "")}
        env = os.environ
        return {"dbname": env.get("POSTGRES_DBNAME", "linkage"),
                "host": env.get("POSTGRES_HOST", "127.0.0.1"),
                "port": int(env.get("POSTGRES_PORT", "5432")),
                "user": env.get("POSTGRES_USER", ""), "password": env.get("POSTGRES_PASSWORD", "")}

    def libpq_env(self) -> dict[str, str]:
        """The URL's other parameters as libpq environment variables (PGSSLMODE, …): the event
        store's driver takes host, port, user and database only, libpq reads the rest from these."""
        if not self.database_url:
            return {}
        p = self.postgres_params()
        return {LIBPQ_ENV[k]: str(v) for k, v in p.items() if k in LIBPQ_ENV}

    def event_store_env(self) -> dict[str, str]:
        """The eventsourcing Application environment for the event store."""
        if not self.uses_postgres:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            return {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                    "APPLICATION_RECORDER_TOPIC": "adapters.request_log:SqliteRequestRecorder",
                    "SQLITE_DBNAME": str(self.data_dir / "events.db"),
                    "SQLITE_LOCK_TIMEOUT": "30"}
        p = self.postgres_params()
        # No POSTGRES_PRE_PING (a round trip before every use): the recorder retries a failed
        # call on another connection (10 tries, 0.2 s apart) and the pool drops broken ones,
        # so connections an outage or restart killed cost a retry, never an error.
        return {"PERSISTENCE_MODULE": "eventsourcing.postgres",
                "APPLICATION_RECORDER_TOPIC": "adapters.request_log:PostgresRequestRecorder",
                "POSTGRES_DBNAME": p["dbname"], "POSTGRES_HOST": p["host"],
                "POSTGRES_PORT": str(p["port"]), "POSTGRES_USER": p["user"],
                "POSTGRES_PASSWORD": p["password"], "POSTGRES_SCHEMA": self.database_schema,
                "POSTGRES_CONNECT_TIMEOUT": "2",
                "POSTGRES_POOL_SIZE": "5", "POSTGRES_MAX_OVERFLOW": "10",
                "POSTGRES_LOCK_TIMEOUT": "10"}

    def describe(self) -> str:
        """Where things are, without secrets (for logs)."""
        if self.uses_postgres:
            p = self.postgres_params()
            where = (f"PostgreSQL {p['user']}@{p['host']}:{p['port']}/{p['dbname']}"
                     f" schema {self.database_schema}")
        else:
            where = f"SQLite in {self.data_dir.resolve()}"
        transport = f"Kafka at {self.kafka_bootstrap}" if self.uses_kafka else "in-process consumers"
        return f"{where}; {transport}"
