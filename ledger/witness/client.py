"""Ask a witness to cosign a checkpoint over the C2SP tlog-witness protocol (the log's side).

:func:`submit_checkpoint` sends the checkpoint with a consistency proof from the size the
caller believes the witness has; on 409 with the witness's size it asks ``proof`` for a
proof from that size and tries once more. Any other answer raises :class:`WitnessError`.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from http import HTTPStatus

from ledger.errors import InvalidInput, LedgerError, VerificationFailure
from ledger.notes import Checkpoint, NoteVerifier, parse_note, verify_cosignature
from ledger.witness.protocol import (
    ADD_CHECKPOINT_PATH,
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    decode_cosignatures,
    decode_size,
)

ProofSource = Callable[[int, int], Sequence[bytes]]
"""``proof(old_size, new_size)``: the RFC 6962 consistency proof between two tree sizes."""

_MAX_RESPONSE = 1 << 16
_MEANING: dict[int, str] = {
    HTTPStatus.BAD_REQUEST: "it found the request malformed",
    HTTPStatus.FORBIDDEN: "no signature on the checkpoint verifies under the log key it trusts",
    HTTPStatus.NOT_FOUND: "it does not witness this log origin",
    HTTPStatus.CONFLICT: "it cosigned another checkpoint of this size (a fork)",
    HTTPStatus.UNPROCESSABLE_ENTITY: "the consistency proof does not verify (not an extension)",
}


class WitnessError(LedgerError):
    """A witness could not be reached or refused to cosign; ``status`` is 0 if unreached."""

    def __init__(self, url: str, status: int, detail: str) -> None:
        self.url = url
        self.status = status
        self.detail = detail
        code = f" ({status})" if status else ""
        super().__init__(f"witness {url} refused{code}: {detail}")


def submit_checkpoint(
    url: str,
    note: str,
    proof: ProofSource,
    *,
    old_size: int = 0,
    witness: NoteVerifier | None = None,
    timeout: float = 10.0,
) -> list[str]:
    """Get a witness's cosignature line(s) on the signed checkpoint ``note``.

    ``url`` is the witness's submission prefix (``http://host:port``); ``old_size`` the
    size the caller believes the witness last cosigned (0 if unknown: the witness then
    answers 409 with its size, and the call retries once). When ``witness`` is given, its
    cosignature must be among the lines and verify.
    """
    try:
        checkpoint = Checkpoint.parse(parse_note(note)[0])
    except VerificationFailure as exc:
        raise InvalidInput(f"not a signed checkpoint: {exc}") from None
    status, content_type, answer = _send(url, note, checkpoint, proof, old_size, timeout)
    if status == HTTPStatus.CONFLICT and content_type == SIZE_CONTENT_TYPE:
        reported = _reported_size(url, answer)
        if reported != old_size:
            old_size = reported
            status, content_type, answer = _send(url, note, checkpoint, proof, old_size, timeout)
    if status == HTTPStatus.OK:
        return _cosignatures(url, note, answer, witness)
    raise WitnessError(url, status, _explain(url, status, content_type, answer))


def _send(
    url: str,
    note: str,
    checkpoint: Checkpoint,
    proof: ProofSource,
    old_size: int,
    timeout: float,
) -> tuple[int, str, bytes]:
    """One add-checkpoint request from ``old_size``, with the proof it needs."""
    if old_size > checkpoint.size:
        detail = f"it last cosigned size {old_size}, beyond this checkpoint's {checkpoint.size}"
        raise WitnessError(url, HTTPStatus.CONFLICT, detail)
    hashes = proof(old_size, checkpoint.size) if 0 < old_size < checkpoint.size else ()
    body = AddCheckpoint(old_size, tuple(hashes), note).encode()
    return _post(url, body, timeout)


def _reported_size(url: str, answer: bytes) -> int:
    try:
        return decode_size(answer)
    except InvalidInput as exc:
        raise WitnessError(url, HTTPStatus.CONFLICT, f"malformed size answer: {exc}") from None


def _explain(url: str, status: int, content_type: str, answer: bytes) -> str:
    """What a refusal means, and the first line of what the witness said."""
    if status == HTTPStatus.CONFLICT and content_type == SIZE_CONTENT_TYPE:
        return f"it still reports another size ({_reported_size(url, answer)}) after a retry"
    said = answer.decode("utf-8", errors="replace").strip().splitlines()[:1]
    meaning = _MEANING.get(status, f"unexpected status {status}")
    return "; witness says: ".join([meaning, *said])


def _post(url: str, body: bytes, timeout: float) -> tuple[int, str, bytes]:
    """POST ``body`` to add-checkpoint; (status, content type, body) for any HTTP answer."""
    request = urllib.request.Request(
        url.rstrip("/") + ADD_CHECKPOINT_PATH,
        data=body,
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return (
                response.status,
                response.headers.get_content_type(),
                response.read(_MAX_RESPONSE),
            )
    except urllib.error.HTTPError as error:
        with error:
            answer = error.read(_MAX_RESPONSE)
            return error.code, error.headers.get_content_type(), answer
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WitnessError(url, 0, f"cannot reach it: {reason}") from None


def _cosignatures(url: str, note: str, answer: bytes, witness: NoteVerifier | None) -> list[str]:
    """The response's signature lines; with ``witness``, its line must be there and verify."""
    try:
        lines = decode_cosignatures(answer)
    except InvalidInput as exc:
        raise WitnessError(url, HTTPStatus.OK, f"malformed answer: {exc}") from None
    if witness is not None:
        text = parse_note(note)[0]
        try:
            verify_cosignature(text + "\n" + "".join(lines), witness)
        except (VerificationFailure, InvalidInput) as exc:
            raise WitnessError(
                url, HTTPStatus.OK, f"its cosignature does not verify: {exc}"
            ) from None
    return lines
