"""A second and a hundredth tender on one deployed ledger, each by a fresh platform process.

The ledger is founded as ``bidledger init`` founds it (keys in a key store on disk); each
tender is published through its own :func:`commands.platform.running_platform`, as one
``bidledger submit`` each would do, with the parties' keys read back from their files.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from commands import registration, seed
from commands.client import Actor
from commands.founding import Founding, found
from commands.keystore import KeyStore, Passphrase
from commands.messages import (
    LotTerms,
    ObtainDocuments,
    OfficialTerms,
    OpeningTerms,
    PublishTender,
    TimetableTerms,
)
from commands.platform import running_platform
from commands.submission import submit_signed
from ledger.clock import FixedClock, format_time
from ledger.procedure.state import TenderState, tender_stream
from ledger.store import LedgerStore
from ledger.verification import verify_log

TENDERS = 100
PASSPHRASE = {"BIDLEDGER_KEY_PASSPHRASE": "many tenders"}
PARTIES = (
    (seed.AGENCY, ("agency", "official")),
    (seed.PURCHASER, ("purchaser", "official")),
    (seed.REGULATOR, ("regulator", "official")),
    (seed.QXD, ("bidder",)),
)


@pytest.fixture
def deployed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, KeyStore]:
    """A ledger founded with a key store, the seed's officials and one bidder registered."""
    monkeypatch.setenv(*next(iter(PASSPHRASE.items())))
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    keys = KeyStore(tmp_path / "keys", Passphrase())
    start = FixedClock(seed.beijing("2020-12-20 09:00"))
    founding = Founding("bidledger.test/many", years=seed.SEED_YEARS, rehearsal=True)
    found(url, keys, founding, start, tmp_path / "policy.txt")
    with running_platform(url, keys, _at("2020-12-21 09:00")) as service:
        authority = Actor(registration.AUTHORITY, "authority", keys.signer(registration.AUTHORITY))
        for party, roles in PARTIES:
            encryption = "official" in roles
            registration.enrol(service, authority, keys, party, party, roles, encryption=encryption)
    return url, keys


def _at(text: str) -> dict[str, str]:
    return {**PASSPHRASE, "BIDLEDGER_CLOCK": format_time(seed.beijing(text))}


def _invitation(code: str, keys: KeyStore) -> PublishTender:
    """A one-lot tender on the seed's dates, sealed to the three officials' key files."""
    officials = tuple(
        OfficialTerms(party, keys.public_key(party, "encrypt").hex())
        for party, roles in PARTIES
        if "official" in roles
    )
    return PublishTender(
        tender=code,
        name=f"{code} 食堂设备",
        plan=f"PLAN-{code}",
        purchaser=seed.PURCHASER,
        regulator=seed.REGULATOR,
        lots=(LotTerms("1", "食堂设备", Decimal("555460.00"), Decimal("555460.00")),),
        timetable=TimetableTerms(
            documents_from=seed.beijing("2020-12-26 08:30"),
            documents_until=seed.beijing("2021-01-15 09:30"),
            questions_until=seed.beijing("2021-01-07 17:30"),
            deadline=seed.beijing("2021-01-15 09:30"),
        ),
        opening=OpeningTerms(officials, threshold=2),
    )


def test_a_hundred_tenders_are_published_on_one_ledger_by_separate_platform_processes(
    deployed: tuple[str, KeyStore],
) -> None:
    url, keys = deployed
    agency = Actor(seed.AGENCY, "agency", keys.signer(seed.AGENCY))
    bidder = Actor(seed.QXD, "bidder", keys.signer(seed.QXD))
    moment = seed.beijing("2020-12-25 09:00")
    for number in range(1, TENDERS + 1):
        code = f"XFZFCG-2020-{number:03d}"
        with running_platform(url, keys, _at(moment.strftime("%Y-%m-%d %H:%M"))) as service:
            published = submit_signed(agency.sign(_invitation(code, keys)), service)
            assert published.accepted, published.refusal
            assert published.event == "TenderPublished"
        moment += timedelta(seconds=30)
    with running_platform(url, keys, _at("2020-12-28 09:00")) as service:
        for number in (1, 2, TENDERS):
            code = f"XFZFCG-2020-{number:03d}"
            assert submit_signed(bidder.sign(ObtainDocuments(code)), service).accepted
    store = LedgerStore(url, read_only=True)
    try:
        summary = verify_log(store)
        last = store.state(TenderState, tender_stream(f"XFZFCG-2020-{TENDERS:03d}"))
    finally:
        store.close()
    assert len(summary.streams) == 1 + TENDERS
    assert set(last.documents_obtained) == {seed.QXD}
