"""Type stubs of the extension module (fairboard's Rust core); use the ``fairboard`` package."""

import os
from typing import Any, BinaryIO, Callable, List, Optional, Tuple, Union

_Ledger = Union[str, os.PathLike[str], bytes, bytearray, BinaryIO]
_Text = Union[str, os.PathLike[str], bytes]
_Progress = Optional[Callable[[int, Optional[int]], Any]]

__version__: str

def verify(ledger: _Ledger, trust: _Text, checkpoint: Optional[_Text] = None, progress: _Progress = None) -> str: ...
def check(
    ledger: _Ledger,
    policy: Optional[_Text] = None,
    at: Optional[str] = None,
    allow_override: bool = False,
    progress: _Progress = None,
) -> str: ...
def what_if(
    ledger: _Ledger,
    plan: Union[_Text, List[Any]],
    as_provider: Optional[str] = None,
    policy: Optional[_Text] = None,
    allow_override: bool = False,
    progress: _Progress = None,
) -> str: ...

class AuditResult:
    def to_json(self) -> str: ...
    def to_html(self, all_ratings: bool = False) -> str: ...
    def to_markdown(self) -> str: ...
    def fails(self) -> bool: ...

def audit(
    ledger: _Ledger,
    trust: _Text,
    policy: Optional[_Text] = None,
    checkpoint: Optional[_Text] = None,
    allow_override: bool = False,
    progress: _Progress = None,
) -> AuditResult: ...
def scores(
    ledger: _Ledger,
    ci: str = "sandwich",
    rounds: int = 100,
    seed: int = 1,
    anchor: Optional[str] = None,
    start: Optional[str] = None,
    end: Optional[str] = None,
    progress: _Progress = None,
) -> str: ...
def verify_proof(proof: _Text, vkey: _Text, old: Optional[_Text] = None) -> str: ...
def events_from_pairs(
    file: str,
    rows: List[Tuple[str, str, int, int, int]],
    period_start: str,
    period_end: str,
    models: Optional[str] = None,
    models_name: Optional[str] = None,
) -> str: ...
def ledger_init(path: str, key: _Text, leaderboard: str, time: Optional[str] = None) -> str: ...
def ledger_append(
    path: str,
    events: str,
    key: _Text,
    policy: Optional[_Text] = None,
    time: Optional[str] = None,
    allow_override: bool = False,
    file: str = "<events>",
) -> str: ...
def keygen() -> Tuple[str, str]: ...
