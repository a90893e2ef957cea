"""What an import did: rows taken, rows rejected and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from recoup.imports.csv_file import RowError

EXIT_ALL_TAKEN = 0
EXIT_FAILED = 1
EXIT_SOME_REJECTED = 2


@dataclass
class ImportReport:
    kind: str
    file_name: str
    taken: int = 0
    rejected: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: bool = False

    def take(self) -> None:
        self.taken += 1

    def reject(self, error: RowError) -> None:
        self.rejected.append(error)

    @property
    def total(self) -> int:
        return self.taken + len(self.rejected)

    @property
    def exit_code(self) -> int:
        return EXIT_SOME_REJECTED if self.rejected else EXIT_ALL_TAKEN

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file_name,
            "rows": self.total,
            "taken": self.taken,
            "rejected": [
                {"line": e.line, "key": e.key, "reason": e.reason}
                for e in sorted(self.rejected, key=lambda e: e.line)
            ],
            "notes": self.notes,
            "written": self.written,
        }

    def render(self) -> str:
        verb = "imported" if self.written else "would import"
        lines = [f"{self.file_name}: {verb} {self.taken} of {self.total} {self.kind} rows"]
        lines.extend(f"  note: {n}" for n in self.notes)
        if self.rejected:
            lines.append(f"  rejected {len(self.rejected)} row(s):")
            lines.extend(f"    {e}" for e in sorted(self.rejected, key=lambda e: e.line))
        return "\n".join(lines)
