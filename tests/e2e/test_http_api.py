"""The HTTP API's contract on a real loopback server: one endpoint per command with its
generated schema, idempotent retries (also concurrent), 409 on a clash, every refusal a
4xx problem naming its rule, malformed input refused without a write, signed reads."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
import jsonschema
import pytest

from commands import seed
from commands.http import sign_read
from commands.http.signed_reads import SignedRead
from commands.messages import AskQuestion, CheckIn, ObtainDocuments, WithdrawBid
from commands.service import LedgerService
from ledger.clock import FixedClock
from ledger.envelope import sign_command
from ledger.limits import MAX_COMMAND_BYTES
from ledger.procedure.base import HANDLERS
from ledger.procedure.json_schema import args_schema
from ledger.procedure.state import tender_stream
from ledger.rules import catalogue as rules
from ledger.store import LedgerStore
from tests.support.http import Served, register_over_http, served_ledger

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The seed's parties registered and its tender published, over HTTP."""
    folder = tmp_path_factory.mktemp("api")
    with served_ledger(f"sqlite:///{folder / 'ledger.db'}", folder) as served:
        register_over_http(served)
        served.world.act(
            seed.AGENCY,
            "agency",
            seed.invitation(served.world),
            at=seed.beijing("2020-12-25 09:00"),
        )
        served.clock.set(seed.beijing("2020-12-26 09:00"))
        yield served


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=30) as client:
        yield client


def _signed(
    served: Served, party: str, role: str, command: Any, command_id: str | None = None
) -> dict[str, Any]:
    actor = served.world.parties[party].as_role(role)
    return actor.sign(command, command_id=command_id).to_json()


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["type"].startswith("/problems/")
    return problem


def test_every_command_has_its_endpoint_with_the_schema_of_its_typed_arguments(
    http: httpx.Client,
) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    for name, handler in HANDLERS.items():
        body = paths[f"/commands/{name}"]["post"]["requestBody"]["content"]["application/json"]
        schema = body["schema"]
        assert schema["properties"]["command"] == {"const": name}
        assert schema["properties"]["role"] == {"const": handler.command.guard.role}
        assert schema["properties"]["args"] == json.loads(json.dumps(args_schema(handler.command)))


def test_a_signed_command_of_the_seed_validates_against_its_published_schema(
    served: Served, http: httpx.Client
) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    invitation = _signed(served, seed.AGENCY, "agency", seed.invitation(served.world))
    schema = paths["/commands/PublishTender"]["post"]["requestBody"]["content"]["application/json"]
    jsonschema.validate(invitation, schema["schema"])
    invitation["args"]["lots"][0]["budget"] = 555460.0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(invitation, schema["schema"])


def test_concurrent_retries_of_one_command_all_get_its_first_result(
    served: Served, http: httpx.Client
) -> None:
    body = _signed(served, seed.SUPPLIER_A, "bidder", AskQuestion(seed.CODE, "第1包交货期?"))
    head = served.store.head()
    answers: list[httpx.Response] = []
    start = threading.Barrier(8)

    def retry() -> None:
        with httpx.Client(base_url=served.url, timeout=30) as mine:
            start.wait(timeout=10)
            answers.append(mine.post("/commands/AskQuestion", json=body))

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [answer.status_code for answer in answers] == [200] * 8
    outcomes = [answer.json() for answer in answers]
    assert len({(o["event_hash"], json.dumps(o["facts"])) for o in outcomes}) == 1
    assert sorted(o["replayed"] for o in outcomes) == [False] + [True] * 7
    assert served.store.head() == head + 1


def test_a_command_id_used_again_for_other_content_is_a_409_naming_s3(
    served: Served, http: httpx.Client
) -> None:
    first = _signed(served, seed.SUPPLIER_B, "bidder", ObtainDocuments(seed.CODE), "id-b-1")
    assert http.post("/commands/ObtainDocuments", json=first).status_code == 200
    other = _signed(served, seed.SUPPLIER_B, "bidder", CheckIn(seed.CODE, "1"), "id-b-1")
    problem = _problem(http.post("/commands/CheckIn", json=other), 409)
    assert (problem["rule"], problem["clause"]) == ("COMMAND_ID_REUSED", "S3")


def test_a_refusal_is_a_problem_naming_the_rule_and_its_clause(
    served: Served, http: httpx.Client
) -> None:
    body = _signed(served, seed.SUPPLIER_C, "bidder", WithdrawBid(seed.CODE, "2"))
    problem = _problem(http.post("/commands/WithdrawBid", json=body), 422)
    assert problem["type"] == "/problems/rule-violation"
    assert problem["clause"].startswith("§")
    assert rules.by_code(problem["rule"]).name == problem["rule_name"]
    assert problem["clause"] in problem["detail"]


def test_a_command_is_decided_after_what_another_writer_saved_first(
    served: Served, http: httpx.Client
) -> None:
    other = LedgerStore(served.store.url)  # another platform process on the same database
    second = LedgerService(other, FixedClock(served.clock.now()))
    rival = served.world.parties[seed.SUPPLIER_D].as_role("bidder").sign(ObtainDocuments(seed.CODE))
    first = second.execute(rival)
    other.close()
    body = _signed(served, seed.QXD, "bidder", ObtainDocuments(seed.CODE))
    answer = http.post("/commands/ObtainDocuments", json=body)
    assert answer.status_code == 200, answer.text
    after = served.store.event_at(first.stream, first.version + 1)
    assert (after.command_id, after.event_hash) == (body["command_id"], answer.json()["event_hash"])
    assert after.prev_hash == first.event_hash  # chained on the rival's event, not beside it


def test_a_command_id_used_again_for_another_command_is_a_409_and_writes_nothing(
    served: Served, http: httpx.Client
) -> None:
    command_id = str(uuid4())
    first = _signed(served, seed.SUPPLIER_A, "bidder", ObtainDocuments(seed.CODE), command_id)
    assert http.post("/commands/ObtainDocuments", json=first).status_code == 200
    head = served.store.head()
    other = _signed(served, seed.SUPPLIER_B, "bidder", ObtainDocuments(seed.CODE), command_id)
    problem = _problem(http.post("/commands/ObtainDocuments", json=other), 409)
    assert problem["type"] == "/problems/command-id-reused"
    assert problem["rule"] == "COMMAND_ID_REUSED"
    assert served.store.head() == head


@pytest.mark.parametrize(
    ("content", "status", "says"),
    [
        (b"{not json", 400, "JSON"),
        (b'{"v": 1, "v": 1}', 400, "duplicate"),
        (b"[]", 400, "object"),
        (b'{"v": 1.5}', 400, "non-integer number"),
    ],
)
def test_malformed_json_is_a_400_and_writes_nothing(
    served: Served, http: httpx.Client, content: bytes, status: int, says: str
) -> None:
    head = served.store.head()
    answer = http.post(
        "/commands/CheckIn", content=content, headers={"content-type": "application/json"}
    )
    assert says.lower() in _problem(answer, status)["detail"].lower()
    assert served.store.head() == head


def _raw(served: Served, party: str, command: str, args: dict[str, Any]) -> dict[str, Any]:
    """A command signed as given, whatever its arguments: the parser must refuse them."""
    signer = served.world.parties[party].signer
    stream = str(tender_stream(seed.CODE))
    signed = sign_command(
        signer, command=command, stream=stream, actor=party, role="bidder", args=args
    )
    return signed.to_json()


def test_wrong_types_unknown_fields_and_bad_signatures_are_4xx_and_write_nothing(
    served: Served, http: httpx.Client
) -> None:
    head = served.store.head()
    wrong_type = _raw(served, seed.SUPPLIER_A, "CheckIn", {"lot": 1})
    assert (
        "must be a string"
        in _problem(http.post("/commands/CheckIn", json=wrong_type), 400)["detail"]
    )
    unknown = _raw(served, seed.SUPPLIER_A, "CheckIn", {"lot": "1", "colour": "red"})
    assert (
        "unknown field 'colour'"
        in _problem(http.post("/commands/CheckIn", json=unknown), 400)["detail"]
    )
    good = _signed(served, seed.SUPPLIER_A, "bidder", CheckIn(seed.CODE, "1"))
    extra = {**good, "note": "x"}
    assert (
        "unknown field 'note'"
        in _problem(http.post("/commands/CheckIn", json=extra), 400)["detail"]
    )
    forged = {**good, "args": {"lot": "2"}}  # the signature was over lot 1
    assert _problem(http.post("/commands/CheckIn", json=forged), 403)["clause"] == "S1"
    assert "is a CheckIn" in _problem(http.post("/commands/WithdrawBid", json=good), 400)["detail"]
    assert served.store.head() == head


def test_a_body_over_the_limit_is_a_413_stating_it_and_writes_nothing(
    served: Served, http: httpx.Client
) -> None:
    head = served.store.head()
    huge = b'{"v": 1, "pad": "' + b"x" * MAX_COMMAND_BYTES + b'"}'
    problem = _problem(
        http.post("/commands/CheckIn", content=huge, headers={"content-type": "application/json"}),
        413,
    )
    assert problem["limit"] == MAX_COMMAND_BYTES
    assert str(MAX_COMMAND_BYTES) in problem["detail"]
    chunks = iter([b'{"v": 1, "pad": "', b"x" * MAX_COMMAND_BYTES, b'"}'])  # no Content-Length
    streamed = http.post(
        "/commands/CheckIn", content=chunks, headers={"content-type": "application/json"}
    )
    assert _problem(streamed, 413)["limit"] == MAX_COMMAND_BYTES
    assert served.store.head() == head


def test_other_media_types_unknown_routes_and_methods_are_problems(http: httpx.Client) -> None:
    _problem(http.post("/commands/CheckIn", content=b"lot=1"), 415)
    _problem(http.get("/no/such/route"), 404)
    _problem(http.get("/commands/CheckIn"), 405)
    assert http.get("/health").json()["status"] == "ok"


def _read(served: Served, party: str, role: str, target: str, **changes: Any) -> SignedRead:
    signer = served.world.parties[party].signer
    time = changes.pop("time", served.clock.now())
    read = sign_read(
        signer, actor=party, role=role, method="GET", target=target, time=time, **changes
    )
    return read


def test_a_signed_read_needs_a_fresh_time_and_a_new_nonce(
    served: Served, http: httpx.Client
) -> None:
    target = f"/tenders/{seed.CODE}/regulator"
    fresh = _read(served, seed.REGULATOR, "regulator", target)
    assert http.get(target, headers=fresh.headers()).status_code == 200
    replayed = _problem(http.get(target, headers=fresh.headers()), 401)
    assert "already used" in replayed["detail"]
    stale = _read(
        served, seed.REGULATOR, "regulator", target, time=served.clock.now() - timedelta(minutes=6)
    )
    answer = http.get(target, headers=stale.headers())
    assert "sign it again with a fresh time" in _problem(answer, 401)["detail"]
    assert answer.headers["www-authenticate"].startswith("Bidledger-Signature")
    assert "header Bidledger-Actor missing" in _problem(http.get(target), 401)["detail"]
    elsewhere = _read(served, seed.REGULATOR, "regulator", f"/tenders/{seed.CODE}/audit")
    assert (
        "does not verify" in _problem(http.get(target, headers=elsewhere.headers()), 401)["detail"]
    )


def test_an_official_reads_the_record_only_after_the_deadline(
    served: Served, http: httpx.Client
) -> None:
    target = f"/tenders/{seed.CODE}/events"
    early = _read(served, seed.AGENCY, "official", target)
    assert (
        "after the deadline" in _problem(http.get(target, headers=early.headers()), 403)["detail"]
    )
    regulator = _read(served, seed.REGULATOR, "regulator", target)
    events = http.get(target, headers=regulator.headers()).json()
    assert events[0]["type"] == "TenderPublished"
