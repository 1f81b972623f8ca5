"""The caller's side of the HTTP API: sign on the client, submit, read (docs/http.md).

Private keys never leave the caller: commands are signed with :class:`~commands.client.Actor`
and reads with :func:`sign_read`. A refusal comes back as the ledger's own error
(:class:`RuleViolation` with its rule for a 422, :class:`ConcurrencyConflict` for a 409
clash, :class:`NotFound`, :class:`NotAuthenticated`, :class:`NotPermitted`) or as
:class:`HttpProblem` carrying the problem, so callers handle it as with the Python API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from commands.client import Actor
from commands.http.signed_reads import sign_read
from commands.messages import Command
from ledger.clock import Clock, SystemClock
from ledger.envelope import SignedCommand
from ledger.errors import (
    ConcurrencyConflict,
    LedgerError,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    RuleViolation,
)
from ledger.rules import catalogue as rules

TIMEOUT = 60.0


class HttpProblem(LedgerError):
    """A problem the server answered with (or no answer at all: ``status`` 0)."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        self.status = status
        self.problem = dict(problem)
        super().__init__(f"HTTP {status}: {problem.get('detail', problem.get('title', ''))}")


class LedgerClient:
    """A session with one bidledger server."""

    def __init__(self, url: str, *, clock: Clock | None = None, timeout: float = TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.clock = clock or SystemClock()
        self._http = httpx.Client(base_url=self.url, timeout=timeout)

    def submit(self, signed: SignedCommand) -> dict[str, Any]:
        """Submit a signed command; its outcome (a retry: the first one's, ``replayed``)."""
        response = self._send("POST", f"/commands/{signed.command}", json=signed.to_json())
        outcome: dict[str, Any] = _json(response)
        return outcome

    def act(
        self, actor: Actor, command: Command, *, command_id: str | None = None
    ) -> dict[str, Any]:
        """Sign ``command`` as ``actor`` here, then submit it."""
        return self.submit(actor.sign(command, command_id=command_id))

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """A public read (JSON)."""
        return _json(self._send("GET", path, params=params))

    def text(self, path: str, params: Mapping[str, str] | None = None) -> str:
        """A public read of a text resource (a checkpoint, the policy)."""
        return self._send("GET", path, params=params).text

    def signed_get(self, actor: Actor, path: str, params: Mapping[str, str] | None = None) -> Any:
        """A read signed by ``actor`` with the clock's time and a fresh nonce."""
        return _json(self.signed("GET", actor, path, params))

    def signed(
        self, method: str, actor: Actor, path: str, params: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """A request without a body, signed by ``actor`` as docs/http.md describes."""
        url = self._http.build_request(method, path, params=params).url
        target = url.raw_path.decode("ascii")
        read = sign_read(
            actor.signer,
            actor=actor.party,
            role=actor.role,
            method=method,
            target=target,
            time=self.clock.now(),
        )
        return self._send(method, target, headers=read.headers())

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LedgerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **options)
        except httpx.HTTPError as exc:
            raise HttpProblem(0, {"detail": f"cannot reach {self.url}: {exc}"}) from None
        if response.status_code >= 400:
            raise error_of(response)
        return response


def submit_signed_http(
    signed: SignedCommand, url: str, *, timeout: float = TIMEOUT
) -> dict[str, Any]:
    """Submit one signed command to the server at ``url``; its outcome as JSON.

    The outcome names the command, its id, stream and event hash, the facts the ledger
    derived, whether it was a retry (``replayed``) and, for a bid, the signed receipt.
    A refusal raises the ledger's error (see the module docstring): one line to print.
    """
    with LedgerClient(url, timeout=timeout) as client:
        return client.submit(signed)


def error_of(response: httpx.Response) -> LedgerError:
    """The ledger error a problem response stands for."""
    try:
        problem = response.json()
    except ValueError:
        problem = {"detail": response.text[:200]}
    if not isinstance(problem, dict):
        problem = {"detail": str(problem)[:200]}
    detail = str(problem.get("detail", ""))
    code = problem.get("rule")
    status = response.status_code
    if isinstance(code, str) and code in rules.RULES:
        return _refusal(code, detail)
    kinds: dict[int, type[LedgerError]] = {
        401: NotAuthenticated,
        403: NotPermitted,
        404: NotFound,
        409: ConcurrencyConflict,
    }
    if status in kinds:
        return kinds[status](detail)
    return HttpProblem(status, problem)


def _refusal(code: str, detail: str) -> RuleViolation:
    """The server's message is ``refused by CLAUSE (NAME): DETAIL``; keep DETAIL only."""
    rule = rules.by_code(code)
    prefix = f"refused by {rule.clause} ({rule.name}): "
    return RuleViolation(rule, detail.removeprefix(prefix))


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise HttpProblem(response.status_code, {"detail": "the answer is not JSON"}) from None
