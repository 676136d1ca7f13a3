"""The exceptions fairboard raises: the CLI's message, where it is (file, line, JSON pointer), and
the remedy apart as ``hint``."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

__all__ = ["Error", "InputError", "VerificationError", "Refused"]


class Error(Exception):
    """Base class of fairboard's errors.

    ``str(error)`` is the message the CLI prints, the input named first (``ledger.jsonl: ledger does
    not verify: line 100: ...``). The location is also kept apart: ``file`` (a path, ``<bytes>``,
    ``<policy>``...), ``line`` (1-based) and ``pointer`` (an RFC 6901 JSON pointer into the record,
    event or pack), each ``None`` when it does not apply. ``hint`` is what to do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: Optional[str] = None,
        file: Optional[str] = None,
        line: Optional[int] = None,
        pointer: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.file = file
        self.line = line
        self.pointer = pointer

    def __repr__(self) -> str:
        parts = [repr(self.message)]
        for name in ("file", "line", "pointer", "hint"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


class InputError(Error, ValueError):
    """The input cannot be used as given: a malformed ledger line, a bad pack, an unknown outcome,
    a missing file (the CLI's exit 2)."""


class VerificationError(Error):
    """The input was read and does not verify: a broken signature or chain, a checkpoint the ledger
    contradicts, a proof that does not hold (the CLI's exit 1)."""


class Refused(Error):
    """The ledger refused an append: the events would introduce deny findings under the policy
    (``findings`` holds them, :class:`fairboard.Finding`), or the key that signed them may not sign
    such an event (``findings`` is empty). The ledger file is unchanged, byte for byte."""

    def __init__(self, message: str, *, findings: Optional[List[Dict[str, Any]]] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        from ._model import Finding

        self.findings = [Finding._from(f) for f in findings or []]
