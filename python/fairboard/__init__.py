"""fairboard for Python: verify, check and audit signed leaderboard ledgers, rate their battles, and
keep admission control inside a vote pipeline.

The engine is fairboard's Rust core (the same code as the ``fairboard`` command line), so results
equal the CLI's JSON on the same input. Ledgers are given as a path, ``bytes`` or a binary file
object, and read as a stream. Long calls release the GIL, take an optional ``progress(bytes_read,
total_bytes_or_None)`` callback, and stop on Ctrl-C (``KeyboardInterrupt``).

    >>> import fairboard
    >>> v = fairboard.verify("ledger.jsonl", trust="operator.pub")        # doctest: +SKIP
    >>> audit = fairboard.audit("ledger.jsonl", trust="operator.pub")     # doctest: +SKIP
    >>> fairboard.scores("ledger.jsonl").head()                           # doctest: +SKIP

Errors are exceptions carrying the CLI's message, ``file``, ``line``, ``pointer`` and ``hint``:
:class:`InputError` (bad input), :class:`VerificationError` (does not verify), :class:`Refused` (a
policy refused an append; the file is unchanged).
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import _native
from ._errors import Error, InputError, Refused, VerificationError
from ._model import Appended, AppendResult, Audit, Finding, PlanReport, Report, RuleError, Verification
from ._scores import frame as _frame

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = [
    "Error",
    "InputError",
    "VerificationError",
    "Refused",
    "Finding",
    "RuleError",
    "Verification",
    "Report",
    "PlanReport",
    "Audit",
    "Appended",
    "AppendResult",
    "Ledger",
    "verify",
    "check",
    "what_if",
    "audit",
    "scores",
    "verify_proof",
    "events_from_battles",
    "keygen",
    "OUTCOMES",
]

__version__: str = _native.__version__

#: A ledger: a path, its bytes, or a binary file object.
LedgerSource = Union[str, "os.PathLike[str]", bytes, bytearray, BinaryIO]
#: Text given as a path or as the text itself (a ``str`` with a line break is the text).
TextSource = Union[str, "os.PathLike[str]", bytes]
#: ``progress(bytes_read, total_bytes_or_None)``.
Progress = Callable[[int, Optional[int]], Any]
#: A time: an RFC 3339 string or an aware ``datetime``.
Time = Union[str, datetime]

#: FastChat's ``winner`` values and what each counts as.
OUTCOMES: Mapping[str, str] = {"model_a": "wins_a", "model_b": "wins_b", "tie": "ties", "tie (bothbad)": "ties"}


def _time(what: str, t: Optional[Time]) -> Optional[str]:
    if t is None or isinstance(t, str):
        return t
    if isinstance(t, datetime):
        if t.tzinfo is None:
            raise InputError(f"{what}: {t.isoformat()} has no time zone; expected an aware datetime (UTC)")
        return t.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    raise TypeError(f"{what}: expected an RFC 3339 string or a datetime, got {type(t).__name__}")


def verify(
    ledger: LedgerSource,
    trust: TextSource,
    checkpoint: Optional[TextSource] = None,
    *,
    progress: Optional[Progress] = None,
) -> Verification:
    """Verifies every record of ``ledger`` under the operator's public key ``trust`` (SPKI PEM text,
    a C2SP verifier key string, or a file holding either) and, when given, that it matches or
    extends the signed ``checkpoint``. Raises :class:`VerificationError` naming the first bad line."""
    d = json.loads(_native.verify(ledger, trust, checkpoint, progress))
    return Verification(d["records"], d["head"], d.get("checkpoint"))


def check(
    ledger: LedgerSource,
    policy: Optional[TextSource] = None,
    at: Optional[Time] = None,
    *,
    allow_override: bool = False,
    progress: Optional[Progress] = None,
) -> Report:
    """Evaluates a policy pack on ``ledger`` (verified under the key its first record declares): the
    shipped *Leaderboard Illusion* pack when ``policy`` is None, else a pack file (its ``uses:``
    scripts read beside it) or YAML text. ``at`` judges the board as of that time. A pack other than
    the one the ledger adopted is refused unless ``allow_override`` (the report then says so)."""
    return Report._from_json(_native.check(ledger, policy, _time("at", at), allow_override, progress))


def what_if(
    ledger: LedgerSource,
    plan: Union[TextSource, List[Dict[str, Any]]],
    as_provider: Optional[str] = None,
    policy: Optional[TextSource] = None,
    *,
    allow_override: bool = False,
    progress: Optional[Progress] = None,
) -> PlanReport:
    """Replays planned events on top of ``ledger`` in memory and reports, step by step, the findings
    each would introduce and the remedy; writes nothing. ``plan`` is a plan file, YAML or JSON Lines
    text, or a list of event dicts; ``as_provider`` is whose plan it is."""
    return PlanReport._from_json(_native.what_if(ledger, plan, as_provider, policy, allow_override, progress))


def audit(
    ledger: LedgerSource,
    trust: TextSource,
    policy: Optional[TextSource] = None,
    checkpoint: Optional[TextSource] = None,
    *,
    allow_override: bool = False,
    progress: Optional[Progress] = None,
) -> Audit:
    """Verifies ``ledger`` under ``trust`` (and ``checkpoint``), evaluates the pack (the shipped one
    when None), recomputes the ratings and the fairness tables: ``fairboard audit``. A ledger that
    does not verify gives an audit whose verdict is NOT AUTHENTIC, not an exception."""
    return Audit(_native.audit(ledger, trust, policy, checkpoint, allow_override, progress))


def scores(
    ledger: LedgerSource,
    ci: str = "sandwich",
    rounds: int = 100,
    seed: int = 1,
    anchor: Union[None, str, Tuple[str, float]] = None,
    *,
    start: Optional[Time] = None,
    end: Optional[Time] = None,
    progress: Optional[Progress] = None,
) -> "pandas.DataFrame":
    """Bradley–Terry ratings of the battles in a verified ledger, as ``fairboard scores``: a
    DataFrame (model, rating, ci_low, ci_high, battles, rank), best first, numeric columns as numpy
    arrays. ``ci`` is ``"sandwich"`` (robust standard errors) or ``"bootstrap"`` (``rounds``
    multinomial resamples from ``seed``). ``anchor`` pins a model's rating (``"MODEL=RATING"`` or
    ``(model, rating)``); by default FastChat's convention. ``start``/``end`` restrict the battles to
    a window. ``attrs["fairboard"]`` holds the anchor, the method, the fit and the unrateable models.
    Needs pandas."""
    import pandas  # noqa: F401  (fail before the work when pandas is missing)

    if isinstance(anchor, tuple):
        anchor = f"{anchor[0]}={float(anchor[1])!r}"
    d = json.loads(
        _native.scores(ledger, ci, rounds, seed, anchor, _time("start", start), _time("end", end), progress)
    )
    return _frame(d["board"], d["rows"])


def verify_proof(proof: TextSource, vkey: TextSource, old: Optional[TextSource] = None) -> Dict[str, Any]:
    """Checks an inclusion or consistency proof file under the log's C2SP verifier key, with no
    ledger at hand; ``old`` is the older checkpoint for a consistency proof in the tlog-witness body
    layout. Returns what it establishes (``kind`` ``inclusion`` or ``consistency``); raises
    :class:`VerificationError` when it does not hold."""
    result: Dict[str, Any] = json.loads(_native.verify_proof(proof, vkey, old))
    return result


def _models_csv(models: Any) -> Tuple[str, str]:
    """Model metadata as the CSV the importers read (``model,provider,license[,provider_name]``)."""
    if isinstance(models, (str, os.PathLike)):
        path = os.fspath(models)
        with open(path, encoding="utf-8") as f:
            return f.read(), path
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    if hasattr(models, "to_dict") and hasattr(models, "columns"):
        cols = [c for c in ("model", "provider", "license", "provider_name") if c in models.columns]
        w.writerow(cols)
        for row in models[cols].itertuples(index=False):
            w.writerow(["" if v is None else v for v in row])
        return out.getvalue(), "<models>"
    if isinstance(models, Mapping):
        w.writerow(["model", "provider", "license"])
        for model, info in models.items():
            if isinstance(info, Mapping):
                w.writerow([model, info["provider"], info["license"]])
            else:
                provider, license = info
                w.writerow([model, provider, license])
        return out.getvalue(), "<models>"
    raise TypeError("models: expected a metadata CSV path, a DataFrame (model, provider, license) or a mapping")


def events_from_battles(
    df: "pandas.DataFrame",
    period_start: Time,
    period_end: Time,
    models: Any = None,
) -> List[Dict[str, Any]]:
    """FastChat-style battles (one row per vote: ``model_a``, ``model_b``, ``winner``) as ledger
    events: one ``battles_recorded`` for the period, each unordered pair once with its wins and
    ties, as ``fairboard import --format fastchat`` makes them.

    ``winner`` must be ``model_a``, ``model_b``, ``tie`` or ``tie (bothbad)`` (both ties count as
    ties); any other value raises :class:`InputError` naming the row, so nothing becomes a silent tie.
    Rows with ``anony`` False are left out, as are self-battles. ``models`` (a metadata CSV path, a
    DataFrame with model, provider, license, or a mapping ``{model: (provider, license)}``) adds the
    ``provider_registered`` and ``model_registered`` events first, and every model must be in it.
    """
    import numpy as np
    import pandas as pd

    for col in ("model_a", "model_b", "winner"):
        if col not in df.columns:
            raise InputError(f"battles: no `{col}` column; expected model_a, model_b and winner", pointer=f"/{col}")
    if "anony" in df.columns:
        df = df[df["anony"].astype(bool)]
    winner = df["winner"]
    known = winner.isin(list(OUTCOMES))
    if not bool(known.all()):
        bad = int(np.flatnonzero(~known.to_numpy())[0])
        label = df.index[bad]
        raise InputError(
            f"battles: row {label}: `winner` is {winner.iloc[bad]!r}; expected `model_a`, `model_b`, `tie` or `tie (bothbad)`",
            line=None,
            pointer=f"/{label}/winner",
            hint="map other outcomes explicitly before importing; fairboard never counts an unknown outcome as a tie",
        )
    for col in ("model_a", "model_b"):
        ok = df[col].map(lambda v: isinstance(v, str))
        if not bool(ok.all()):
            bad = int(np.flatnonzero(~ok.to_numpy())[0])
            raise InputError(
                f"battles: row {df.index[bad]}: `{col}` is {df[col].iloc[bad]!r}; expected a model id",
                pointer=f"/{df.index[bad]}/{col}",
            )
    counts = pd.DataFrame(
        {
            "model_a": df["model_a"].to_numpy(),
            "model_b": df["model_b"].to_numpy(),
            "wins_a": (winner == "model_a").to_numpy(dtype=np.int64),
            "wins_b": (winner == "model_b").to_numpy(dtype=np.int64),
            "ties": winner.str.startswith("tie").to_numpy(dtype=np.int64),
        }
    )
    grouped = counts.groupby(["model_a", "model_b"], sort=False, observed=True).sum()
    rows = [
        (a, b, int(wa), int(wb), int(t))
        for (a, b), wa, wb, t in zip(grouped.index, grouped["wins_a"], grouped["wins_b"], grouped["ties"])
    ]
    meta, meta_name = _models_csv(models) if models is not None else (None, None)
    start, end = _time("period_start", period_start), _time("period_end", period_end)
    if start is None or end is None:
        raise InputError("a period needs both a start and an end")
    events: List[Dict[str, Any]] = json.loads(
        _native.events_from_pairs("battles", rows, start, end, meta, meta_name)
    )
    return events


def keygen() -> Tuple[str, str]:
    """A fresh Ed25519 operator key pair from the system's random source: ``(private PKCS#8 PEM,
    public SPKI PEM)``, the texts ``fairboard keygen`` writes."""
    private, public = _native.keygen()
    return str(private), str(public)


def _events_text(events: Union[TextSource, Iterable[Mapping[str, Any]]]) -> Tuple[str, str]:
    if isinstance(events, (str, os.PathLike, bytes)):
        if isinstance(events, bytes):
            return events.decode("utf-8"), "<events>"
        if isinstance(events, str) and "\n" in events:
            return events, "<events>"
        path = os.fspath(events)
        with open(path, encoding="utf-8") as f:
            return f.read(), path
    lines = []
    for e in events:
        if not isinstance(e, Mapping):
            raise TypeError(f"events: expected dicts, got {type(e).__name__}")
        lines.append(json.dumps(e, ensure_ascii=False, separators=(",", ":")))
    return "".join(line + "\n" for line in lines), "<events>"


class Ledger:
    """A ledger file, for the maintainer's side: create it, append to it all or nothing (under a
    policy: admission control), and read it with the functions above.

        >>> ledger = fairboard.Ledger("ledger.jsonl")                           # doctest: +SKIP
        >>> ledger.append(events, key="operator.key", policy=None)              # doctest: +SKIP

    Appends take the file's exclusive lock and sync before they return; a refused or failed append
    leaves the file byte-identical.
    """

    def __init__(self, path: Union[str, "os.PathLike[str]"]) -> None:
        self.path = os.fspath(path)

    @classmethod
    def create(
        cls,
        path: Union[str, "os.PathLike[str]"],
        key: TextSource,
        leaderboard: str,
        time: Optional[Time] = None,
    ) -> "Ledger":
        """Creates a new ledger holding only seq 0 (``ledger_opened``), signed by ``key`` (PKCS#8
        PEM text or a key file); refuses to overwrite."""
        _native.ledger_init(os.fspath(path), key, leaderboard, _time("time", time))
        return cls(path)

    def append(
        self,
        events: Union[TextSource, Iterable[Mapping[str, Any]]],
        key: TextSource,
        policy: Optional[TextSource] = None,
        *,
        time: Optional[Time] = None,
        allow_override: bool = False,
    ) -> AppendResult:
        """Signs and appends ``events`` (dicts, JSON Lines text, or an events file) all or nothing.
        With ``policy`` (a pack file or YAML text), the events are first judged against the ledger
        at their time and refused if they would introduce a deny finding: :class:`Refused` carries
        the findings and nothing is written. Warnings come back in ``introduced``. Runs to the end
        once started (a Ctrl-C takes effect when it returns)."""
        text, name = _events_text(events)
        result = _native.ledger_append(
            self.path, text, key, policy, _time("time", time), allow_override, name
        )
        return AppendResult._from_json(result)

    def verify(self, trust: TextSource, checkpoint: Optional[TextSource] = None, **kw: Any) -> Verification:
        """:func:`fairboard.verify` on this file."""
        return verify(self.path, trust, checkpoint, **kw)

    def check(self, policy: Optional[TextSource] = None, at: Optional[Time] = None, **kw: Any) -> Report:
        """:func:`fairboard.check` on this file."""
        return check(self.path, policy, at, **kw)

    def audit(self, trust: TextSource, policy: Optional[TextSource] = None, **kw: Any) -> Audit:
        """:func:`fairboard.audit` on this file."""
        return audit(self.path, trust, policy, **kw)

    def scores(self, **kw: Any) -> "pandas.DataFrame":
        """:func:`fairboard.scores` on this file."""
        return scores(self.path, **kw)

    def __repr__(self) -> str:
        return f"Ledger({self.path!r})"
