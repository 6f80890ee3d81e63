"""An import mapping (TOML): which columns of another system's rows make which notice fields.

```toml
[source]
name = "osha-sir"                 # part of every notice id: the same row, the same notice
key = ["ID", "EventDate"]         # the columns that identify a row
timezone = "America/New_York"     # for dates and times without an offset
date_formats = ["%m/%d/%Y"]       # tried in order (ISO 8601 always works)
sheet = "Sheet1"                  # Excel only; the first sheet otherwise

[fields]                          # notice field = column, or a table:
"employer.name" = "Employer"
location = { template = "{Address1}, {City}" }
cause = { column = "EventTitle", map = "cause", default = "other" }
district = { column = "City", map = "district", keep = true }  # unmapped values kept as they are
serious_injuries = { columns = ["Hospitalized", "Amputation"], op = "sum", convert = "int" }
direct_loss_cny = { column = "Loss", convert = "decimal", scale = "10000" }  # 万元 → 元
"employer.credit_code" = { derive = "placeholder_credit_code", column = "Employer" }
deaths = { value = 0 }

[maps.cause]                      # value maps: exact values first (case and spaces ignored) ...
"Fall on same level" = "fall"
[patterns.cause]                  # ... then regular expressions, in order
"^Fall" = "fall"
```
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from domain.common import credit_code_check_char

Row = dict[str, Any]
FIELDS = ("employer.name", "employer.credit_code", "employer.industry", "employer.risk_class",
          "district", "occurred_at", "location", "summary", "cause", "deaths",
          "serious_injuries", "missing", "direct_loss_cny", "measures_taken")
CONVERTS = ("int", "decimal", "datetime", "text")


class MappingError(Exception):
    """The mapping file itself is wrong (not a row): the import does not start."""


class RowError(Exception):
    """One row cannot become a notice; the message goes to the rejected-rows file."""


def placeholder_credit_code(value: str) -> str:
    """A GB 32100 valid, clearly artificial code (region 000000) for records that have none."""
    n = int(hashlib.sha256(value.strip().upper().encode()).hexdigest(), 16) % 10**9
    first17 = f"91000000{n:09d}"
    return first17 + credit_code_check_char(first17)


DERIVES = {"placeholder_credit_code": placeholder_credit_code}


@dataclass
class Mapping:
    name: str
    key: list[str]
    fields: dict[str, Any]
    timezone: ZoneInfo
    date_formats: list[str] = field(default_factory=list)
    maps: dict[str, dict[str, Any]] = field(default_factory=dict)
    patterns: dict[str, list[tuple[re.Pattern[str], Any]]] = field(default_factory=dict)
    sheet: str | None = None

    @classmethod
    def load(cls, path: Path) -> Mapping:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise MappingError(f"映射文件无法读取 / cannot read the mapping {path}: {e}") from e
        return cls.parse(raw)

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Mapping:
        source = raw.get("source", {})
        fields = raw.get("fields", {})
        unknown = sorted(set(fields) - set(FIELDS))
        if unknown:
            raise MappingError(f"未知字段 / unknown notice fields: {', '.join(unknown)}")
        missing = sorted(set(FIELDS) - set(fields) - {"missing", "measures_taken"})
        if missing:
            raise MappingError(f"缺少字段 / fields not mapped: {', '.join(missing)}")
        if not source.get("name") or not source.get("key"):
            raise MappingError("[source] 需要 name 和 key / [source] needs name and key")
        maps = {k: {_norm(a): b for a, b in v.items()} for k, v in raw.get("maps", {}).items()}
        try:
            patterns = {k: [(re.compile(p, re.IGNORECASE), out) for p, out in v.items()]
                        for k, v in raw.get("patterns", {}).items()}
            tz = ZoneInfo(source.get("timezone", "Asia/Shanghai"))
        except (re.error, Exception) as e:
            raise MappingError(f"映射无效 / invalid mapping: {e}") from e
        for name, spec in fields.items():
            if isinstance(spec, dict):
                if spec.get("convert", "text") not in CONVERTS:
                    raise MappingError(f"{name}: convert must be one of {', '.join(CONVERTS)}")
                if "derive" in spec and spec["derive"] not in DERIVES:
                    raise MappingError(f"{name}: derive must be one of {', '.join(DERIVES)}")
                ref = spec.get("map")
                if ref is not None and ref not in maps and ref not in patterns:
                    raise MappingError(f"{name}: no [maps.{ref}] or [patterns.{ref}]")
            elif not isinstance(spec, str):
                raise MappingError(f"{name}: a column name or a table")
        return cls(name=str(source["name"]), key=list(source["key"]), fields=fields, timezone=tz,
                   date_formats=list(source.get("date_formats", [])), maps=maps,
                   patterns=patterns, sheet=source.get("sheet"))

    def columns(self) -> set[str]:
        """Every column the mapping reads (checked against the file's header)."""
        cols = set(self.key)
        for spec in self.fields.values():
            if isinstance(spec, str):
                cols.add(spec)
                continue
            cols.update([spec["column"]] if "column" in spec else [])
            cols.update(spec.get("columns", []))
            cols.update(re.findall(r"\{([^{}]+)\}", spec.get("template", "")))
        return cols

    def row_key(self, row: Row) -> str:
        return "\x1f".join(_text(row.get(c)) for c in self.key)

    def notice(self, row: Row) -> dict[str, Any]:
        """The API's request body for this row (validated afterwards like any request)."""
        body: dict[str, Any] = {"employer": {}}
        for name, spec in self.fields.items():
            try:
                value = self._value(name, spec, row)
            except RowError as e:
                raise RowError(f"{name}: {e}") from e
            if name.startswith("employer."):
                body["employer"][name.split(".", 1)[1]] = value
            else:
                body[name] = value
        return body

    def _value(self, name: str, spec: Any, row: Row) -> Any:
        if isinstance(spec, str):
            spec = {"column": spec}
        if "value" in spec:
            return spec["value"]
        if "template" in spec:
            raw: Any = re.sub(r"\{([^{}]+)\}", lambda m: _text(row.get(m.group(1))), spec["template"])
            raw = re.sub(r"(,\s*)+$", "", re.sub(r"\s*,(\s*,)+", ",", raw)).strip()
        elif "columns" in spec:
            parts = [self._convert(row.get(c), spec.get("convert", "decimal")) for c in spec["columns"]]
            nums = [p for p in parts if p is not None]
            raw = (max(nums) if spec.get("op") == "max" else sum(nums)) if nums else None
        else:
            raw = row.get(spec["column"])
        if "derive" in spec:
            return DERIVES[spec["derive"]](_text(raw))
        if "map" in spec:
            raw = self._mapped(spec["map"], _text(raw), spec.get("default"), spec.get("keep", False))
        value = self._convert(raw, spec.get("convert", "text"))
        if value is None or value == "":
            if "default" not in spec:
                raise RowError("empty / 为空")
            value = spec["default"]
        if "scale" in spec and value is not None:
            value = Decimal(str(value)) * Decimal(str(spec["scale"]))
            # No trailing zeros a unit conversion adds (1.5 万元 → 15000, not 15000.0000)
            value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
            if spec.get("convert") == "int":
                value = int(value)
        return value

    def _mapped(self, ref: str, value: str, default: Any, keep: bool) -> Any:
        exact = self.maps.get(ref, {})
        if _norm(value) in exact:
            return exact[_norm(value)]
        for pattern, out in self.patterns.get(ref, []):
            if pattern.search(value):
                return out
        if keep and value:
            return value
        if default is not None:
            return default
        raise RowError(f"{value!r} 不在映射中 / is not in the value map {ref}")

    def _convert(self, raw: Any, kind: str) -> Any:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if kind == "text":
            return raw.isoformat() if isinstance(raw, datetime | date) else _text(raw)
        if kind in ("int", "decimal"):
            try:
                number = Decimal(_text(raw).replace(",", ""))
            except InvalidOperation as e:
                raise RowError(f"{raw!r} 不是数字 / is not a number") from e
            if kind == "decimal":
                return number
            if number != number.to_integral_value():
                raise RowError(f"{raw!r} 不是整数 / is not a whole number")
            return int(number)
        return self._datetime(raw).isoformat()

    def _datetime(self, raw: Any) -> datetime:
        found: datetime | None
        if isinstance(raw, datetime):
            found = raw
        elif isinstance(raw, date):
            found = datetime.combine(raw, time())
        else:
            text = _text(raw)
            found = None
            for fmt in self.date_formats:
                try:
                    found = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            if found is None:
                try:
                    found = datetime.fromisoformat(text)
                except ValueError as e:
                    raise RowError(f"{text!r} 不是日期 / is not a date") from e
        return found if found.tzinfo else found.replace(tzinfo=self.timezone)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _norm(value: str) -> str:
    return " ".join(str(value).split()).casefold()
