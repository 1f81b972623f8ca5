"""A submission's answer survives its JSON form, so another transport can carry it."""

from __future__ import annotations

from commands.submission import Submitted


def test_an_accepted_and_a_refused_answer_read_back_from_their_json() -> None:
    accepted = Submitted(
        command="CheckIn",
        command_id="c-1",
        stream="dc0a72fa-a3ec-5614-9f01-88dac051876f",
        accepted=True,
        event="CheckedIn",
        version=12,
        leaf=80,
        event_hash="ab" * 32,
        facts={"lot": "1"},
    )
    refused = Submitted(
        command="SubmitBid",
        command_id="c-2",
        stream=accepted.stream,
        accepted=False,
        refusal={"rule": "LATE_BID", "clause": "§21.1", "name": "late", "detail": "09:31"},
    )
    for answer in (accepted, refused):
        assert Submitted.from_json(answer.to_json()) == answer
    assert refused.to_json()["version"] is None
    assert refused.lines()[0].startswith("refused: SubmitBid c-2 by §21.1 (late) [LATE_BID]: 09:31")
