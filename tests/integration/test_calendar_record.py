"""A year the package lacks recorded from its file by the authority; verify checks recorded
years against the package; ``bidledger calendar check|sign`` as an operator runs them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from commands.calendar_file import read_calendar_file
from commands.cli import main
from commands.messages import RecordCalendar
from commands.service import LedgerService
from commands.world import AUTHORITY, Participant, World
from ledger.clock import FixedClock
from ledger.crypto.signing import Signer
from ledger.envelope import SignedCommand
from ledger.errors import VerificationFailure
from ledger.keyfile import save_ed25519_key
from ledger.store import LedgerStore
from ledger.verification import verify_log
from ledger.workdays import package_schedule
from tests.support.pure import B

TEST_YEAR = Path(__file__).resolve().parents[1] / "vectors" / "calendar" / "test-2027.json"
AUTHORITY_SEED = bytes(range(32))


@pytest.fixture
def registry_only(database_url: str) -> World:
    """A registry with nothing recorded yet, its authority holding a known key."""
    clock = FixedClock(B("2026-11-02 09:00"))
    service = LedgerService(
        LedgerStore(database_url), clock, platform=Signer.generate(), platform_id="platform"
    )
    world = World(service, clock)
    world.authority = Participant(
        AUTHORITY, "Registration authority", ("authority",), Signer.from_seed(AUTHORITY_SEED)
    )
    world.establish()
    return world


def test_a_later_year_recorded_from_its_file_is_the_calendar_the_rules_use(
    registry_only: World,
) -> None:
    registry_only.as_authority(read_calendar_file(TEST_YEAR))
    calendar = registry_only.service.registry().calendar
    assert sorted(calendar.years) == [2027]
    assert not calendar.is_working_day(date(2027, 3, 4))
    assert calendar.is_working_day(date(2027, 3, 6))
    verify_log(registry_only.service.store)


def test_a_recorded_year_that_differs_from_the_package_fails_verification(
    registry_only: World,
) -> None:
    shipped = package_schedule(2021)
    wrong = RecordCalendar(
        2021,
        tuple(sorted(shipped.days_off - {date(2021, 1, 1)})),
        shipped.source,
        tuple(sorted(shipped.make_up_days)),
    )
    registry_only.as_authority(wrong)
    with pytest.raises(VerificationFailure, match=r"leaf \d+ .*days off differ .*2021-01-01"):
        verify_log(registry_only.service.store)


def test_a_recorded_year_that_agrees_with_the_package_verifies(registry_only: World) -> None:
    registry_only.record_calendar(2021)
    verify_log(registry_only.service.store)


def test_the_signed_command_of_calendar_sign_is_recorded(
    registry_only: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "authority.pem"
    save_ed25519_key(key, AUTHORITY_SEED, passphrase=None)
    out = tmp_path / "record-2027.json"
    assert main(["calendar", "sign", str(TEST_YEAR), "--key", str(key), "-o", str(out)]) == 0
    signed = SignedCommand.from_json(json.loads(out.read_text(encoding="utf-8")))
    assert (signed.command, signed.actor, signed.role) == (
        "RecordCalendar",
        AUTHORITY,
        "authority",
    )
    registry_only.service.execute(signed)
    assert 2027 in registry_only.service.registry().calendar.years


def test_calendar_check_names_a_year_the_package_lacks_and_fails_one_that_differs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["calendar", "check", str(TEST_YEAR)]) == 0
    assert "package has no data for 2027" in capsys.readouterr().out
    data = json.loads(TEST_YEAR.read_text(encoding="utf-8"))
    shipped = package_schedule(2021)
    data.update(year=2021, source=shipped.source)
    data["holidays"] = [
        {
            "name": "all of them",
            "days_off": sorted(d.isoformat() for d in shipped.days_off),
            "make_up_days": sorted(d.isoformat() for d in shipped.make_up_days),
        }
    ]
    good = tmp_path / "2021.json"
    good.write_text(json.dumps(data), encoding="utf-8")
    assert main(["calendar", "check", str(good)]) == 0
    assert "agrees with the chinesecalendar package for 2021" in capsys.readouterr().out
    data["holidays"][0]["days_off"].remove("2021-10-07")
    bad = tmp_path / "2021-bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    assert main(["calendar", "check", str(bad)]) == 1
    assert "2021-10-07" in capsys.readouterr().err


def test_a_faulty_calendar_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert main(["calendar", "check", str(broken)]) == 2
    assert capsys.readouterr().err.startswith("error: cannot read calendar file")
