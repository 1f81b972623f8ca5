"""Terminal tables for the audit trail and for a replayed tender view.

Columns are padded by display width, so Chinese text (two columns a character) lines up.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from projections.summaries import wan

_WIDE = frozenset({"W", "F"})
_HASH = 12
_CHALLENGE_HEADERS = ("challenge", "lot", "by", "filed", "answered", "decision")


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal."""
    return sum(2 if unicodedata.east_asian_width(char) in _WIDE else 1 for char in text)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], indent: str = "  ") -> str:
    """A plain table: a header, a rule, one line per row; ``None`` prints as ``-``."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max([width(h), *(width(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        padded = (
            value + " " * (size - width(value)) for value, size in zip(values, widths, strict=True)
        )
        return (indent + "  ".join(padded)).rstrip()

    rule = indent + "  ".join("-" * size for size in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in cells)])


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _short(moment: str | None) -> str | None:
    """``2021-01-15T09:30:00+08:00`` as ``2021-01-15 09:30`` (Beijing time)."""
    return None if moment is None else moment[:16].replace("T", " ")


def _wan(amount: str | None) -> str | None:
    return None if amount is None else wan(amount)


def render_audit(trail: dict[str, Any]) -> str:
    """The audit trail as a table, each event's summary on the line below it."""
    title = f"Audit trail of {trail['tender']} (stream {trail['stream']})"
    if trail.get("as_of"):
        title += f", as of {trail['as_of']}"
    lines = [title, "All times Beijing (UTC+8); signature: checked against the registry then."]
    headers = ("v", "leaf", "time", "actor [role]", "action 动作", "hash", "signature")
    lines.append(_event_table(headers, trail["events"]))
    if trail.get("refused_attempts"):
        lines += ["", "Refused attempts (nothing of them entered the tender):"]
        lines.append(_event_table(headers, trail["refused_attempts"]))
    failed = sum(1 for event in trail["events"] if event["signature_checked"] != "ok")
    lines += ["", f"{len(trail['events'])} events; {failed} failed signature check(s)."]
    return "\n".join(lines)


def _event_table(headers: Sequence[str], events: Sequence[dict[str, Any]]) -> str:
    rows = [
        (
            event["version"],
            event["leaf"],
            _short(event["time"]),
            f"{event['actor_name']} [{event['role']}]",
            f"{event['action_zh']} / {event['action_en']}",
            event["event_hash"][:_HASH],
            event["signature_checked"],
        )
        for event in events
    ]
    lines = table(headers, rows).split("\n")
    out = lines[:2]
    for line, event in zip(lines[2:], events, strict=True):
        out.append(line)
        if event["summary"]:
            out.append(f"        {event['summary']}")
    return "\n".join(out)


def render_view(view: dict[str, Any]) -> str:
    """A replayed tender view in a few tables."""
    head = view["tender"]
    lines = [
        f"{head['code']} {head['name']}",
        f"as of {view.get('as_of') or 'now'}, seen as {view['role']}",
        f"phase: {head['phase_zh']} {head['phase']}"
        + (" (open for bids)" if head["open_for_bids"] else "")
        + (f"; SUSPENDED since {head['suspended']['since']}" if head["suspended"] else ""),
        f"deadline {_short(head['deadline'])}; decryption closes "
        f"{_short(head['decryption_closes'])}",
        "",
        "Lots (万元):",
        table(
            ("lot", "name", "budget", "ceiling", "status", "award"),
            [_lot_row(lot) for lot in view["lots"]],
        ),
    ]
    lines += _notices(view["notices"])
    if "own" in view:
        lines += _own(view["own"])
    if "regulator" in view:
        lines += _regulator(view["regulator"])
    return "\n".join(lines)


def _lot_row(lot: dict[str, Any]) -> tuple[Any, ...]:
    award = lot["award"]
    won = f"{award['supplier_name']} {award['amount_wan']}" if award else lot["failure"]
    return (lot["lot"], lot["name"], _wan(lot["budget"]), _wan(lot["ceiling"]), lot["status"], won)


def _notices(notices: dict[str, Any]) -> list[str]:
    lines = ["", "Notices:"]
    announcement = notices["announcement"]
    if announcement:
        lines.append(f"  {_short(announcement['published_at'])}  招标公告 announcement")
    for amendment in notices["amendments"]:
        summary = amendment["content"]["summary"]
        lines.append(f"  {_short(amendment['published_at'])}  更正公告 {summary}")
    for change in notices["postponements"]:
        lines.append(f"  deadline postponed {change['old_deadline']} → {change['new_deadline']}")
    for clarification in notices["clarifications"]:
        for answer in clarification["content"]["answers"]:
            lines.append(
                f"  {_short(clarification['published_at'])}  澄清 {answer['question_id']}: "
                f"{answer['answer']}"
            )
    record = notices["opening_record"]
    if record:
        lines += ["", f"Opening record (开标记录), opened {_short(record['opened_at'])}:"]
        rows = [_read_out(lot["lot"], bid) for lot in record["lots"] for bid in lot["bids"]]
        lines.append(table(("lot", "bidder", "status", "price 万元", "note"), rows))
    award = notices["award_notice"]
    if award:
        lines += ["", f"Award notice (中标公告) {award['project_code']}, {award['publicity']}:"]
        awarded = [
            (lot["lot"], lot["supplier_name"], lot["amount_wan"], _short(lot["notice_at"]))
            for lot in award["lots"]
        ]
        lines.append(table(("lot", "supplier", "万元", "published"), awarded))
        lines.append(f"  committee: {', '.join(award['committee'])}")
    return lines


def _own(own: dict[str, Any]) -> list[str]:
    rows = [
        (
            bid["lot"],
            bid["status"],
            _short(bid["submitted_at"]),
            bid["sealed_digest"][:_HASH],
            _wan(bid["price"]),
        )
        for bid in own["bids"]
    ]
    receipts = [(r["lot"], _short(r["time"]), r["event_hash"][:_HASH]) for r in own["receipts"]]
    return [
        "",
        f"Own bids of {own['party']}:",
        table(("lot", "status", "submitted", "sealed digest", "price 万元"), rows),
        "",
        "Receipts (确认回执):",
        table(("lot", "time", "event hash"), receipts),
    ]


def _regulator(everything: dict[str, Any]) -> list[str]:
    names = everything["parties"]
    rows = [
        (
            bid["lot"],
            names.get(bid["bidder"], bid["bidder"]),
            bid["status"],
            _short(bid["submitted_at"]),
            _wan(bid["price"]),
            bid["qualified"],
            bid["conforming"],
            bid["final_score"],
            bid["rank"],
        )
        for bid in everything["bids"]
    ]
    headers = ("lot", "bidder", "status", "submitted", "万元", "qual.", "conf.", "score", "rank")
    lines = ["", "All bids (regulator):", table(headers, rows)]
    if everything["challenges"]:
        challenges = [_challenge(challenge, names) for challenge in everything["challenges"]]
        lines += ["", "Challenges (质疑/投诉):", table(_CHALLENGE_HEADERS, challenges)]
    return lines


def _read_out(lot: str, bid: dict[str, Any]) -> tuple[Any, ...]:
    status, price = bid["status"], bid["read_out_price_wan"]
    return (lot, bid["bidder_name"], status, price, bid["returned_cause"])


def _challenge(challenge: dict[str, Any], names: dict[str, str]) -> tuple[Any, ...]:
    by = names.get(challenge["challenger"], challenge["challenger"])
    filed, answered = _short(challenge["filed_at"]), _short(challenge["answered_at"])
    return (challenge["challenge_id"], challenge["lot"], by, filed, answered, challenge["decision"])


def render_overview(overview: dict[str, Any]) -> str:
    """The regulator's view across tenders, section by section."""
    lines = [f"Across {overview['tenders']} tender(s), as a regulator sees them:"]
    names = overview.get("parties", {})

    def name(party: str) -> str:
        return str(names.get(party, party))

    sections: list[tuple[str, Sequence[str], list[tuple[Any, ...]]]] = [
        (
            "Refused attempts (kept on the record; the tender was not changed)",
            ("tender", "time", "actor", "command", "refused by"),
            [
                (r["tender"], _short(r["time"]), r["actor_name"], r["command"], r["refusal"])
                for r in overview["refused_attempts"]
            ],
        ),
        (
            "Returned bids",
            ("tender", "lot", "bidder", "cause"),
            [
                (r["tender"], r["lot"], name(r["bidder"]), r["returned_cause"])
                for r in overview["returned_bids"]
            ],
        ),
        (
            "Deadline postponements",
            ("tender", "from", "to", "reason"),
            [
                (r["tender"], _short(r["old_deadline"]), _short(r["new_deadline"]), r["reason"])
                for r in overview["postponements"]
            ],
        ),
        (
            "Arithmetic corrections",
            ("tender", "lot", "bidder", "stated", "read out", "price", "status"),
            [
                (
                    r["tender"],
                    r["lot"],
                    name(r["bidder"]),
                    _wan(r["correction"]["stated_total"]),
                    _wan(r["read_out_price"]),
                    _wan(r["price"]),
                    r["correction_status"],
                )
                for r in overview["corrections"]
            ],
        ),
        (
            "Challenges and complaints",
            (
                "tender",
                "lot",
                "challenger",
                "filed",
                "answered",
                "complained",
                "complaint decision",
            ),
            [
                (
                    r["tender"],
                    r["lot"],
                    name(r["challenger"]),
                    _short(r["filed_at"]),
                    _short(r["answered_at"]),
                    _short(r.get("complaint_at")),
                    r.get("decision"),
                )
                for r in overview["challenges"]
            ],
        ),
        (
            "Procedures suspended now",
            ("tender", "since"),
            [(r["code"], r["suspended"]) for r in overview["suspended"]],
        ),
    ]
    for title, headers, rows in sections:
        lines.append(f"\n{title}:")
        lines.append(table(headers, rows) if rows else "  none")
    return "\n".join(lines)
