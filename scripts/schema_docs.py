"""Regenerate docs/schema.md from sql/schema.yml (``--check``: only say whether it is stale)."""

from __future__ import annotations

import sys

from pipelines.files import atomic_write_text
from pipelines.schema import DOCS_PATH, SchemaError, render_markdown


def main(argv: list[str]) -> int:
    try:
        text = render_markdown()
    except SchemaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    current = DOCS_PATH.read_text(encoding="utf-8") if DOCS_PATH.exists() else None
    if "--check" in argv:
        if current != text:
            print(f"error: {DOCS_PATH} is stale: run python scripts/schema_docs.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        atomic_write_text(DOCS_PATH, text)
        print(f"wrote {DOCS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
