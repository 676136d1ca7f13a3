"""The results fairboard returns: small frozen dataclasses over the JSON the CLI prints, which each
keeps whole (``.data``, ``.to_json()``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = [
    "Finding",
    "RuleError",
    "Verification",
    "Report",
    "PlanReport",
    "Audit",
    "Appended",
    "AppendResult",
]


@dataclass(frozen=True)
class Finding:
    """One violation: which rule, how severe, about whom, why, and the ledger records (seqs) that
    prove it."""

    rule: str
    severity: str
    subject: str
    message: str
    evidence: Tuple[int, ...]

    @classmethod
    def _from(cls, d: Dict[str, Any]) -> "Finding":
        return cls(d["rule"], d["severity"], d["subject"], d["message"], tuple(d.get("evidence", ())))


@dataclass(frozen=True)
class RuleError:
    """A rule that could not run (a script error or a sandbox limit); a failing deny rule fails the
    check."""

    rule: str
    severity: str
    message: str


@dataclass(frozen=True)
class Verification:
    """An authentic ledger: how many records, the last one's hash, and the checkpoint it matched or
    extended (``origin``, ``size``, ``root``) when one was given."""

    records: int
    head: str
    checkpoint: Optional[Dict[str, Any]] = None

    def to_json(self) -> str:
        """The JSON ``fairboard verify --format json`` prints."""
        d: Dict[str, Any] = {"ok": True, "records": self.records, "head": self.head}
        if self.checkpoint is not None:
            d["checkpoint"] = self.checkpoint
        return json.dumps(d, separators=(",", ":"))


def _findings_frame(findings: List[Finding]) -> "pandas.DataFrame":
    import pandas as pd

    return pd.DataFrame(
        {
            "rule": [f.rule for f in findings],
            "severity": [f.severity for f in findings],
            "subject": [f.subject for f in findings],
            "message": [f.message for f in findings],
            "evidence": [list(f.evidence) for f in findings],
        },
        columns=["rule", "severity", "subject", "message", "evidence"],
    )


@dataclass(frozen=True)
class Report:
    """A pack evaluated on a ledger (``fairboard check --format json``).

    ``findings`` are the violations in pack order, ``errors`` the rules that could not run,
    ``summary`` the counts (``deny``, ``warn``, ``info``, ``errors``...), ``data`` the whole JSON.
    """

    data: Dict[str, Any] = field(repr=False)
    findings: List[Finding]
    errors: List[RuleError]
    summary: Dict[str, Any]

    @classmethod
    def _from_json(cls, text: str) -> "Report":
        data = json.loads(text)
        return cls(
            data,
            [Finding._from(f) for f in data.get("findings", [])],
            [RuleError(e["rule"], e["severity"], e["message"]) for e in data.get("errors", [])],
            data.get("summary", {}),
        )

    @property
    def fails(self) -> bool:
        """A deny finding, or a deny rule that could not run (the CLI exits 1)."""
        return bool(self.summary.get("deny", 0) or any(e.severity == "deny" for e in self.errors))

    def counts(self) -> Dict[str, int]:
        """Findings per rule id."""
        out: Dict[str, int] = {}
        for f in self.findings:
            out[f.rule] = out.get(f.rule, 0) + 1
        return out

    def to_json(self) -> str:
        """The report as the CLI prints it."""
        return json.dumps(self.data, separators=(",", ":"))

    def to_pandas(self) -> "pandas.DataFrame":
        """The findings as a DataFrame: rule, severity, subject, message, evidence (a list of seqs)."""
        return _findings_frame(self.findings)


@dataclass(frozen=True)
class PlanReport:
    """What a plan would do (``fairboard check --plan --format json``): ``denies`` when a step would
    introduce a deny finding (for a provider's plan, one that concerns it), as the CLI exits 1;
    ``breaks`` lists each step that brings a finding, with the finding and the remedy."""

    data: Dict[str, Any] = field(repr=False)
    denies: bool
    breaks: List[Dict[str, Any]]

    @classmethod
    def _from_json(cls, text: str) -> "PlanReport":
        data = json.loads(text)
        plan = data.get("plan", {})
        breaks = plan.get("breaks", [])
        # As the CLI decides its exit code: for a provider's plan only the breaks that concern it.
        mine = plan.get("provider") is None
        denies = any(b["finding"]["severity"] == "deny" and (mine or b.get("concerns_provider")) for b in breaks)
        denies = denies or any(e.get("severity") == "deny" for e in plan.get("errors", []))
        return cls(data, denies, breaks)

    def to_json(self) -> str:
        """The report as the CLI prints it."""
        return json.dumps(self.data, separators=(",", ":"))


class Audit:
    """A whole audit (``fairboard audit``): authenticity, the pack's findings, ratings and the
    fairness tables. A ledger that does not verify is an audit too: ``authentic`` is False,
    ``defect`` says why (``defect_line`` where), and nothing is computed from its records.
    """

    def __init__(self, native: Any) -> None:
        self._native = native
        self.data: Dict[str, Any] = json.loads(native.to_json())
        v = self.data["verification"]
        self.authentic: bool = bool(v["ok"])
        self.records: int = int(v.get("records", 0))
        self.head: str = v.get("head", "")
        self.defect: Optional[str] = v.get("defect")
        self.defect_line: Optional[int] = v.get("defect_line")
        # The check report's fields sit at the top level of the audit.
        self.report = Report._from_json(json.dumps(self.data))

    @property
    def fails(self) -> bool:
        """Not authentic, a deny finding, or a deny rule that could not run (the CLI exits 1)."""
        return bool(self._native.fails())

    @property
    def verdict(self) -> str:
        """``NOT AUTHENTIC``, ``FAIL`` or ``PASS``."""
        if not self.authentic:
            return "NOT AUTHENTIC"
        return "FAIL" if self.fails else "PASS"

    @property
    def findings(self) -> List[Finding]:
        """The pack's findings."""
        return self.report.findings

    def to_json(self) -> str:
        """``fairboard audit --format json``, byte for byte."""
        return str(self._native.to_json())

    def to_html(self, all_ratings: bool = False) -> str:
        """``fairboard audit --format html``: one self-contained page (no network) with the verdict,
        every finding with the records it cites, and the charts."""
        return str(self._native.to_html(all_ratings))

    def to_markdown(self) -> str:
        """``fairboard audit --format markdown``."""
        return str(self._native.to_markdown())

    def ratings(self) -> "pandas.DataFrame":
        """The recomputed ratings as a DataFrame (empty when the ledger did not verify)."""
        from ._scores import frame

        summary = self.data.get("ratings") or {}
        board = {k: v for k, v in summary.items() if k != "rows"}
        return frame(board, summary.get("rows", []))

    def __repr__(self) -> str:
        return f"Audit(verdict={self.verdict!r}, records={self.records}, findings={len(self.findings)})"


@dataclass(frozen=True)
class Appended:
    """A record an append wrote."""

    seq: int
    hash: str


@dataclass(frozen=True)
class AppendResult:
    """What an append wrote, and the warn and info findings the events introduced (they do not
    block)."""

    appended: List[Appended]
    introduced: List[Finding]

    @classmethod
    def _from_json(cls, text: str) -> "AppendResult":
        d = json.loads(text)
        return cls(
            [Appended(a["seq"], a["hash"]) for a in d["appended"]],
            [Finding._from(f) for f in d["introduced"]],
        )
