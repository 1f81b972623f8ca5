"""`bidledger draw` as the agency runs it: it signs the draw and shows what the rules give."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commands import remote_seed, seed
from commands.cli import main
from commands.demo_beacon import demo_round
from commands.world import World
from ledger.envelope import SignedCommand
from ledger.keyfile import save_ed25519_key
from tests.support import remote


def _ready(world: World, tmp_path: Path) -> tuple[Path, Path]:
    """A tender whose draw is due: plan, commitments and reveals done; the agency's key file."""
    remote.opened(world)
    remote_seed.plan_and_commit(world)
    remote_seed.reveal_all(world)
    key = tmp_path / "agency.pem"
    save_ed25519_key(key, world.parties[seed.AGENCY].signer.seed, passphrase=None)
    beacon = demo_round(remote_seed.beacon_round())
    round_file = tmp_path / "round.json"
    round_file.write_text(
        json.dumps(
            {
                "round": beacon.round,
                "signature": beacon.signature.hex(),
                "randomness": beacon.randomness.hex(),
            }
        )
    )
    return key, round_file


def test_the_agency_signs_the_draw_and_the_platform_records_what_it_was_shown(
    published: World, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, round_file = _ready(published, tmp_path)
    out = tmp_path / "draw.json"
    code = main(
        [
            "draw",
            seed.CODE,
            "--beacon",
            str(round_file),
            "--key",
            str(key),
            "--actor",
            seed.AGENCY,
            "--at",
            "2021-01-15T10:21:00+08:00",
            "--db",
            database_url,
            "-o",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "the rules accept this draw" in printed
    assert "yuan-fengmei" in printed
    signed = SignedCommand.from_json(json.loads(out.read_text()))
    published.clock.set(seed.beijing("2021-01-15 10:21"))
    published.service.execute(signed)
    assert main(["verify-draw", seed.CODE, "--db", database_url]) == 0


def test_a_draw_before_the_round_is_out_is_refused_naming_the_rule(
    published: World, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, round_file = _ready(published, tmp_path)
    args = ["draw", seed.CODE, "--beacon", str(round_file), "--key", str(key)]
    code = main(
        [*args, "--actor", seed.AGENCY, "--at", "2021-01-15T10:19:00+08:00", "--db", database_url]
    )
    assert code == 2
    assert "refused by D11" in capsys.readouterr().err
