"""Split ``all.jsonl`` into ``tune.jsonl`` and ``test.jsonl``, stratified by class.

Deterministic: within each class (the ``class`` field), in file order, the 1st, 3rd, 5th...
document goes to the tune half and the 2nd, 4th... to the untouched test half.
Run from anywhere: ``python tests/text/heldout14/split.py``.
"""

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    """Write the two halves next to this file."""
    seen: dict[str, int] = {}
    halves: dict[str, list[str]] = {"tune": [], "test": []}
    for line in (HERE / "all.jsonl").read_text(encoding="utf-8").splitlines():
        cls = json.loads(line)["class"]
        k = seen.get(cls, 0)
        seen[cls] = k + 1
        halves["tune" if k % 2 == 0 else "test"].append(line)
    for name, lines in halves.items():
        (HERE / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
