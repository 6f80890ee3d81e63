"""docs/error-codes.md from the message catalogue: `python -m adapters.error_codes` (make error-codes).

tests/unit/test_messages.py fails when the document and the catalogue differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

from domain.message_catalogue import GENERAL
from domain.rule_messages import RULE_MESSAGES

DOC = Path(__file__).resolve().parent.parent / "docs" / "error-codes.md"

HEAD = """# Error codes (generated: `make error-codes`; do not edit by hand)

Every error the API answers carries a stable machine `code` and a message for people in the
language of `Accept-Language` (简体中文 `zh-CN` when the header is absent or names no language we
have; `en`, `en-US`, … → English; q-values are honoured). The staff pages word the same codes in
the page's language. The codes and both wordings come from one catalogue,
`domain/message_catalogue.py` + `domain/rule_messages.py`, rendered by `domain/messages.py`.

Bodies:

- 401, 403, 404, 409, 412, 429, 503: `{"detail": "<message>", "code": "<code>", …}`; some add
  figures (409 `pending_agencies`, `acknowledgement_round`; `AmountRefused` figures; `DoubleBooked`
  `inspector_id`, `other_inspection_id`; `NoQuorum` `absent`, `present`, `members`, `quorum`;
  412 `current_version`).
- 422: `{"detail": [{"field", "code", "message", "type"}, …], "code": "<first item's code>"}`;
  pydantic's own checks use codes named after its error types (`field_required`, `int_parsing`,
  `literal_error`, …; `type` is pydantic's own), our validators and the aggregates their own.

`{name}` in a message is filled from the refusal (an agency, a role, a grade or a status shows as
its Chinese label on a Chinese page). To add an error: see docs/CONVENTIONS.md.

"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(title: str, rows: dict[str, tuple[str, str]]) -> str:
    lines = [f"## {title}", "", "| code | zh-CN | English |", "| --- | --- | --- |"]
    lines += [f"| `{code}` | {_cell(zh)} | {_cell(en)} |" for code, (zh, en) in rows.items()]
    return "\n".join(lines) + "\n"


def markdown() -> str:
    return HEAD + "\n".join([
        _table("Values, input, HTTP, permissions and services", GENERAL),
        _table("The aggregates' rules", RULE_MESSAGES),
    ])


if __name__ == "__main__":  # pragma: no cover - a developer's command
    DOC.write_text(markdown(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
