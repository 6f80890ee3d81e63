"""What the CLI says, in Chinese and English, when a file or folder it was given cannot be used:
never a traceback for a clerk's or an operator's mistake (a file in GBK, a damaged workbook, a
file where a folder was meant, a data folder that does not exist)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any, NoReturn

import typer

from adapters.settings import Settings

# What a file or folder given on the command line can be wrong with.
EXPECTED = (OSError, UnicodeDecodeError, zipfile.BadZipFile, json.JSONDecodeError)


def describe(e: BaseException) -> str:
    """One line, Chinese / English, naming the file and the problem."""
    if isinstance(e, UnicodeDecodeError):
        return (f"文件不是 UTF-8 编码（第 {e.start} 字节）：请另存为 UTF-8 / the file is not "
                f"UTF-8 (byte {e.start}): save it as UTF-8")
    if isinstance(e, zipfile.BadZipFile):
        return "文件不是有效的 Excel（.xlsx）工作簿 / the file is not a valid Excel (.xlsx) workbook"
    if isinstance(e, json.JSONDecodeError):
        return (f"文件不是有效的 JSON（第 {e.lineno} 行第 {e.colno} 列）/ the file is not valid "
                f"JSON (line {e.lineno}, column {e.colno})")
    if isinstance(e, FileNotFoundError):
        return f"文件或文件夹不存在 / no such file or folder: {e.filename}"
    if isinstance(e, NotADirectoryError):
        return f"需要文件夹，这是文件 / a folder is needed, this is a file: {e.filename}"
    if isinstance(e, (FileExistsError, IsADirectoryError)):
        return f"路径已被占用或类型不对 / the path is taken or of the wrong kind: {e.filename}"
    if isinstance(e, PermissionError):
        return f"没有权限 / permission denied: {e.filename}"
    assert isinstance(e, OSError)
    return f"无法读写 / cannot read or write {e.filename or ''}: {e.strerror or e}"


def say(message: str) -> None:
    typer.echo(f"错误 / error: {message}", err=True)


def say_refused(e: Any) -> None:
    """A domain refusal of an option: `--option: 中文 / English` (its field names the option)."""
    where = f"--{e.field}: " if e.field else ""
    say(f"{where}{e.text('zh-CN')} / {e.message}")


def refuse(message: str) -> NoReturn:
    say(message)
    raise typer.Exit(2)


def existing_data(settings: Settings) -> Settings:
    """For a command that only reads: the embedded default's folder must exist (a mistyped
    LINKAGE_DATA_DIR would otherwise make a new, empty store and report on nothing)."""
    if not settings.database_url and not Path(settings.data_dir).is_dir():
        refuse(f"数据文件夹不存在 / no data folder at {Path(settings.data_dir).resolve()} "
               "(LINKAGE_DATA_DIR)")
    return settings


def existing_files(paths: list[Path], option: str) -> list[Path]:
    for p in paths:
        if not p.is_file():
            refuse(f"{option}: 文件不存在 / no such file: {p}")
    return paths


def known_agency(agency: str | None) -> str | None:
    """An `--agency` option: one of the four (the accounts' own check), else refused in both
    languages; None: not given."""
    from domain.account import check_agency
    from domain.common import InvalidValue

    try:
        return agency if agency is None else check_agency(agency)
    except InvalidValue as e:
        say_refused(e)
        raise typer.Exit(2) from e


def needs_kafka(settings: Settings, what: str) -> None:
    """The relay and the consumers work only with a broker configured."""
    if not settings.kafka_bootstrap:
        refuse(f"未设置 LINKAGE_KAFKA_BOOTSTRAP：内嵌模式下由 `linkage serve` 在进程内完成 / "
               f"LINKAGE_KAFKA_BOOTSTRAP is not set: {what}")
