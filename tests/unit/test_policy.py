"""Trust policy files: the documented example, round trips, and errors that name their line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ledger.crypto.signing import Signer, key_id_of
from ledger.errors import InvalidInput
from ledger.notes import COSIGNATURE_V1, NoteSigner, NoteVerifier
from ledger.policy import PolicyWitness, TrustPolicy, authority_key_id, parse_policy, vkey_name
from tests.support.witnessing import seed_of

ROOT = Path(__file__).resolve().parents[2]
AUTHORITY = Signer.from_seed(seed_of("authority"))
LOG = NoteSigner("tenders.example/ledger", seed_of("log")).verifier().vkey()
REGULATOR = NoteSigner("regulator.example/witness", seed_of("regulator"), COSIGNATURE_V1)
REGION = NoteSigner("region2.example/witness", seed_of("region2"), COSIGNATURE_V1)
W1, W2 = REGULATOR.verifier().vkey(), REGION.verifier().vkey()
POLICY = f"""\
authority {AUTHORITY.public_key.hex()} {AUTHORITY.key_id}
log {LOG}
witness regulator {W1}
witness region-2 {W2}
quorum 2
require deadline 600
require closing
"""


def _documented_example() -> str:
    document = (ROOT / "docs" / "policy.md").read_text(encoding="utf-8")
    return document.split("```text\n", 1)[1].split("```", 1)[0]


def test_the_documented_example_parses_to_the_keys_it_was_made_from() -> None:
    policy = parse_policy(_documented_example())
    assert policy.authority_key == AUTHORITY.public_key
    assert policy.log_vkey == LOG
    assert policy.witnesses == (PolicyWitness("regulator", W1), PolicyWitness("region-2", W2))
    assert (policy.quorum, policy.deadline_within, policy.closing) == (1, 600, True)


def test_a_canonical_policy_text_round_trips_exactly() -> None:
    policy = parse_policy(POLICY)
    assert policy.to_text() == POLICY
    assert parse_policy(policy.to_text()) == policy


def test_comments_blank_lines_and_spacing_do_not_change_the_policy() -> None:
    noisy = "# a comment\n\n" + POLICY.replace("quorum 2", "  quorum   2  ").replace("\n", "\r\n")
    assert parse_policy(noisy) == parse_policy(POLICY)


def test_a_policy_without_witnesses_pins_the_keys_only() -> None:
    policy = TrustPolicy(authority_key=AUTHORITY.public_key, log_vkey=LOG)
    assert policy.to_text() == (
        f"authority {AUTHORITY.public_key.hex()} {AUTHORITY.key_id}\nlog {LOG}\nquorum 0\n"
    )
    assert parse_policy(policy.to_text()) == policy
    assert policy.log_origin == "tenders.example/ledger"


def test_the_authority_key_id_is_the_ledgers_key_id_and_is_optional() -> None:
    assert authority_key_id(AUTHORITY.public_key) == key_id_of(AUTHORITY.public_key)
    without = POLICY.replace(f" {AUTHORITY.key_id}", "")
    assert parse_policy(without) == parse_policy(POLICY)


def test_the_vkey_check_agrees_with_the_note_library() -> None:
    assert vkey_name(LOG, 0x01) == NoteVerifier.from_vkey(LOG).name
    assert vkey_name(W1, 0x04) == NoteVerifier.from_vkey(W1).name
    broken = W1.replace("+be270149+", "+be27014a+")
    for check in (lambda: vkey_name(broken, 0x04), lambda: NoteVerifier.from_vkey(broken)):
        with pytest.raises(InvalidInput, match="key id"):
            check()


def _line(number: int, replacement: str) -> str:
    lines = POLICY.splitlines()
    lines[number - 1] = replacement
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_line(5, "quorom 2"), "policy line 5: unknown keyword 'quorom'"),
        (POLICY + f"log {LOG}\n", "policy line 8: duplicate 'log' \\(first on line 2\\)"),
        (POLICY + "quorum 1\n", "policy line 8: duplicate 'quorum' \\(first on line 5\\)"),
        (POLICY + "require closing\n", "policy line 8: duplicate 'require closing'"),
        (POLICY + "require deadline 60\n", "policy line 8: duplicate 'require deadline'"),
        (POLICY + f"witness region-3 {W1}\n", "policy line 8: witness vkey .* listed twice"),
        (POLICY + f"witness regulator {W2}\n", "policy line 8: witness name regulator"),
        (_line(5, "quorum 3"), "policy line 5: quorum 3 must be between 0 and the 2 witnesses"),
        (_line(5, "quorum 02"), "policy line 5: quorum must be a decimal"),
        (_line(5, "quorum two"), "policy line 5: quorum must be a decimal"),
        (_line(6, "require deadline -5"), "policy line 6: deadline seconds must be a decimal"),
        (_line(6, "require opening"), "policy line 6: expected 'require deadline <seconds>'"),
        (_line(2, "log " + W1), "policy line 2: vkey must be type 0x01"),
        (_line(3, "witness regulator " + LOG), "policy line 3: vkey must be type 0x04"),
        (_line(3, "witness regulator " + W1[:-1]), "policy line 3: vkey key is not"),
        (_line(3, "witness regulator"), "policy line 3: expected 'witness <name> <vkey>'"),
        (_line(2, "log " + LOG.replace("+5da0f361+", "+5da0f362+")), "policy line 2: .*key id"),
        (_line(1, "authority " + "ab" * 31), "policy line 1: authority key must be 64"),
        (_line(1, "authority " + "AB" * 32), "policy line 1: authority key must be 64"),
        (
            _line(1, f"authority {AUTHORITY.public_key.hex()} ed25519:{'0' * 32}"),
            "policy line 1: authority key id is ed25519:",
        ),
    ],
)
def test_a_bad_line_is_refused_naming_its_number(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_policy(text)


def test_a_quorum_without_a_requirement_names_the_quorum_line() -> None:
    text = POLICY.replace("require deadline 600\nrequire closing\n", "")
    with pytest.raises(InvalidInput, match="policy line 5: quorum 2 applies to no checkpoint"):
        parse_policy(text)


def test_a_requirement_without_a_quorum_names_the_require_line() -> None:
    with pytest.raises(InvalidInput, match="policy line 6: a 'require' line needs a quorum"):
        parse_policy(_line(5, "quorum 0"))


@pytest.mark.parametrize("keyword", ["authority", "log", "quorum"])
def test_a_policy_missing_a_required_line_is_refused(keyword: str) -> None:
    text = "".join(line for line in POLICY.splitlines(True) if not line.startswith(keyword))
    if keyword == "quorum":
        text = text.replace("require deadline 600\nrequire closing\n", "")
    with pytest.raises(InvalidInput, match=f"policy: no '{keyword}' line"):
        parse_policy(text)


def test_a_policy_built_in_code_is_checked_like_a_parsed_one() -> None:
    witness = PolicyWitness("regulator", W1)
    with pytest.raises(InvalidInput, match="quorum 2 must be between 0 and the 1 witnesses"):
        TrustPolicy(AUTHORITY.public_key, LOG, (witness,), quorum=2, closing=True)
    with pytest.raises(InvalidInput, match="listed twice"):
        TrustPolicy(AUTHORITY.public_key, LOG, (witness, witness), quorum=1, closing=True)
    with pytest.raises(InvalidInput, match="32 bytes"):
        TrustPolicy(AUTHORITY.public_key[:31], LOG)


def test_the_policy_module_imports_only_the_standard_library() -> None:
    code = (
        "import sys; before = set(sys.modules); import ledger.policy; "
        "ours = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "extra = ours - set(sys.stdlib_module_names) - {'ledger'}; "
        "assert not extra, extra; "
        "assert {m for m in sys.modules if m.startswith('ledger')} == "
        "{'ledger', 'ledger.errors', 'ledger.policy'}, sorted(sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, check=False
    )
    assert result.returncode == 0, result.stderr.decode()
