"""What every public notice shares: dates as notices write them, names and contacts.

Contacts are the registry's (the read model's parties table); what it lacks says so.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from projections.summaries import wan
from projections.tender_tables import define_tables

NOT_RECORDED = "(账本未记录)"
Contacts = dict[str, dict[str, Any]]


def beijing_date(moment: str, *, minutes: bool = True) -> str:
    """``2021-01-15T09:30:00+08:00`` as the notices write it: 2021年01月15日09点30分."""
    when = datetime.fromisoformat(moment)
    text = f"{when.year}年{when.month:02d}月{when.day:02d}日"
    return f"{text}{when.hour:02d}点{when.minute:02d}分" if minutes else text


def as_of_text(at: datetime | None) -> str:
    return "" if at is None else f" as of {at.isoformat()}"


def contacts_of(engine: sa.Engine) -> Contacts:
    parties = define_tables(sa.MetaData()).parties
    with engine.connect() as connection:
        rows = connection.execute(sa.select(parties)).all()
    return {
        row.party: {
            "name": row.name,
            "address": row.address or NOT_RECORDED,
            "phone": row.phone or NOT_RECORDED,
            "roles": json.loads(row.roles),
        }
        for row in rows
    }


def contact_of(contacts: Contacts, party: str) -> dict[str, str]:
    """A party's name, address and telephone (from the registry's parties)."""
    found = contacts.get(party)
    if found is None:
        return {"name": party, "address": NOT_RECORDED, "phone": NOT_RECORDED}
    return {key: str(found[key]) for key in ("name", "address", "phone")}


def inquiries(
    purchaser: dict[str, str], agency: dict[str, str], project: dict[str, str] | None = None
) -> tuple[str, ...]:
    """The contact item every notice ends with: purchaser, agency, project contact (the
    notice's own when it names one, else the purchaser's telephone)."""
    person = (project or {}).get("person") or NOT_RECORDED
    phone = (project or {}).get("phone") or purchaser.get("phone") or NOT_RECORDED
    return (
        "1、采购人信息",
        *_contact_lines(purchaser),
        "2、采购代理机构信息",
        *_contact_lines(agency),
        "3、项目联系方式",
        f"项目联系人:{person}",
        f"电 话:{phone}",
    )


def _contact_lines(contact: dict[str, str]) -> tuple[str, ...]:
    return (
        f"名 称:{contact.get('name') or NOT_RECORDED}",
        f"地 址:{contact.get('address') or NOT_RECORDED}",
        f"联系方式:{contact.get('phone') or NOT_RECORDED}",
    )


def platform_name(contacts: Contacts) -> str:
    names = sorted(c["name"] for c in contacts.values() if "platform" in c["roles"])
    return names[0] if names else "电子交易平台"


def per_lot(lots: list[dict[str, Any]], key: str) -> str:
    parts = [f"第{lot['lot']}包{wan(lot[key])}万元" for lot in lots]
    total = sum((Decimal(lot[key]) for lot in lots), Decimal(0))
    return f"{','.join(parts)},合计{wan(total)}(万元)"
