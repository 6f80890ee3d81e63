"""`linkage backup` / `linkage restore` for the embedded default (SQLite's online backup API).

A backup is a folder: each SQLite file copied with the online backup API while the server
runs, the exported audit checkpoints, and manifest.json (file sizes and SHA-256, the event
store's head). The read models are copied first and the event store last, so a restored read
model is never ahead of the restored events: after a restore each one catches up from its
recorded position. PostgreSQL has its own procedure (docs/OPERATIONS.md: pg_dump/pg_restore of
the event store and the users, then `linkage rebuild` of every agency).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.settings import Settings

FORMAT = "linkage-backup/1"
MANIFEST = "manifest.json"
EVENTS = "events.db"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is in Chinese and English."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _copy_db(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (WAL included), page by page."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=4096)
    finally:
        dst.close()
        src.close()


def _head(events: Path) -> int:
    """The event store's last notification id (eventsourcing's SQLite table: the rowid)."""
    conn = sqlite3.connect(f"file:{events}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT MAX(rowid) FROM stored_events").fetchone()
        return int(row[0] or 0)
    finally:
        conn.close()


def backup(settings: Settings, out: Path) -> dict[str, Any]:
    """Copy the embedded default's data folder into `out` (new or empty); returns the manifest."""
    if settings.uses_postgres:
        raise BackupError("PostgreSQL 请按 docs/OPERATIONS.md 使用 pg_dump 备份 / on PostgreSQL, "
                          "back up with pg_dump as docs/OPERATIONS.md describes")
    source = settings.data_dir
    if not (source / EVENTS).exists():
        raise BackupError(f"{source} 中没有事件库 / no event store ({EVENTS}) in {source}")
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"备份目录非空 / the backup folder {out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    dbs = sorted(p for p in source.glob("*.db") if p.name != EVENTS)
    for db in [*dbs, source / EVENTS]:  # the event store last: read models never ahead of it
        _copy_db(db, out / db.name)
    for extra in sorted(source.glob("*.jsonl")):  # exported audit checkpoints
        shutil.copy2(extra, out / extra.name)
    files = {p.name: {"bytes": p.stat().st_size, "sha256": _sha256(p)}
             for p in sorted(out.iterdir()) if p.name != MANIFEST}
    manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(),
                "source": str(source.resolve()), "event_store_head": _head(out / EVENTS),
                "files": files}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                encoding="utf-8")
    return manifest


def check(folder: Path) -> dict[str, Any]:
    """The backup's manifest, once every file matches its size and checksum."""
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise BackupError(f"不是 linkage 备份 / {folder} is not a linkage backup: {e}") from e
    if manifest.get("format") != FORMAT:
        raise BackupError(f"未知的备份格式 / unknown backup format {manifest.get('format')!r}")
    for name, meta in manifest["files"].items():
        path = folder / name
        if not path.exists() or _sha256(path) != meta["sha256"]:
            raise BackupError(f"备份文件缺失或已损坏 / {name} is missing or damaged in {folder}")
    return manifest


def restore(settings: Settings, folder: Path) -> dict[str, Any]:
    """Restore a checked backup into the (new or empty) data folder; returns its manifest."""
    if settings.uses_postgres:
        raise BackupError("PostgreSQL 请按 docs/OPERATIONS.md 使用 pg_restore 恢复 / on PostgreSQL, "
                          "restore with pg_restore as docs/OPERATIONS.md describes")
    manifest = check(folder)
    target = settings.data_dir
    if target.exists() and any(target.glob("*.db")):
        raise BackupError(f"数据目录已有数据，请先停止服务并指定空目录 / {target} already holds "
                          "data: stop linkage and restore into an empty LINKAGE_DATA_DIR")
    target.mkdir(parents=True, exist_ok=True)
    for name in manifest["files"]:
        if name.endswith(".db"):
            _copy_db(folder / name, target / name)
        else:
            shutil.copy2(folder / name, target / name)
    return manifest
