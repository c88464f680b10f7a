"""What an import did (or, in a preview, would do): per object kind, the names created, updated and
skipped with the reason, and warnings for what we kept but could not link."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("flows", "campaigns", "campaign events", "triggers", "fields", "groups", "labels", "topics",
         "globals", "resthooks")  # fmt: skip


class ImportRefused(ValueError):
    """An export we refuse as a whole; the message names the flow (and node) or object, and the reason.
    Nothing of the file is written when this is raised."""


@dataclass
class ImportReport:
    created: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    updated: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # triggers archived because an imported one replaced them, as RapidPro does
    archived: list[str] = field(default_factory=list)
    # the flows of the file, as they now are in the workspace
    flows: list[dict[str, str]] = field(default_factory=list)
    # campaign events created or released: mailroom (re)computes their fires once the import is committed
    event_ids: list[int] = field(default_factory=list)
    dry_run: bool = False

    def create(self, kind: str, name: str) -> None:
        self.created[kind].append(name)

    def update(self, kind: str, name: str) -> None:
        if name not in self.updated[kind]:
            self.updated[kind].append(name)

    def counts(self) -> dict[str, dict[str, int]]:
        return {k: {"created": len(self.created[k]), "updated": len(self.updated[k])} for k in KINDS}

    def lines(self) -> list[str]:
        """The report as text: the CLI prints it, the UI shows the same facts."""
        verb = "would " if self.dry_run else ""
        out = [
            f"{'would import' if self.dry_run else 'imported'} {len(self.flows)} flow(s): "
            + ", ".join(
                f"{kind} {len(self.created[kind])} new/{len(self.updated[kind])} updated"
                for kind in KINDS
                if self.created[kind] or self.updated[kind]
            )
        ]
        for kind in KINDS:
            out += [
                f"  {verb}create {kind[:-1] if kind.endswith('s') else kind}: {n}" for n in self.created[kind]
            ]
            out += [
                f"  {verb}update {kind[:-1] if kind.endswith('s') else kind}: {n}" for n in self.updated[kind]
            ]
        out += [f"  {verb}archive trigger: {a}" for a in self.archived]
        out += [f"  skipped: {s}" for s in self.skipped]
        out += [f"  warning: {w}" for w in self.warnings]
        return out
