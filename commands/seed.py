"""The seed tender XFZFCG-2020-33 (Xianfeng County, Hubei, 2020-2021): its parties and notice.

Names, lots, budgets, dates and the committee come from the seed documents. The seed names
only the two winning suppliers; the other bidders here are marked 演示 (demonstration).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from commands.messages import (
    ContactTerms,
    LotTerms,
    OfficialTerms,
    OpeningTerms,
    PublishTender,
    TimetableTerms,
)
from commands.world import Participant, World
from ledger.clock import BEIJING
from ledger.notes import NoteSigner

CODE = "XFZFCG-2020-33"
SEED_YEARS = (2020, 2021)  # the official calendars the seed's working days need
PLAN = "ZFZHXSCG-2020-41-00001"
TITLE = "2020年第二批义务教育薄弱环节改善能力与提升专项资金后勤设施设备采购"

PLATFORM = "enshi-platform"
AGENCY = "xianfeng-procurement-centre"
PURCHASER = "xianfeng-school-logistics"
REGULATOR = "xianfeng-finance-bureau"
COMMITTEE = ("mou-fangzheng", "qin-zhengmao", "guo-yan", "yuan-fengmei", "zhu-changan")
QXD = "wuhan-qinxiongdi"
RUNHUA = "jiangxi-runhua"
SUPPLIER_A, SUPPLIER_B, SUPPLIER_C, SUPPLIER_D = "demo-a", "demo-b", "demo-c", "demo-d"


def beijing(text: str) -> datetime:
    """A Beijing-time moment from 'YYYY-MM-DD HH:MM'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)


_ORGANISATIONS: tuple[tuple[str, str, tuple[str, ...], dict[str, Any], bool], ...] = (
    (PLATFORM, "恩施州公共资源电子交易平台", ("platform",), {}, False),
    (
        AGENCY,
        "咸丰县政府采购中心",
        ("agency", "official"),
        {"address": "咸丰县楚蜀大道186号农业农村局3楼", "phone": "0718-6681323"},
        True,
    ),
    (
        PURCHASER,
        "咸丰县学校后勤管理办公室",
        ("purchaser", "official"),
        {"address": "湖北省咸丰县高乐山镇红旗路21号", "phone": "0718-6833785"},
        True,
    ),
    (
        REGULATOR,
        "咸丰县财政局",
        ("regulator", "official"),
        {"address": "咸丰县楚蜀大道国税大楼", "phone": "0718-6833245"},
        True,
    ),
)
_COMMITTEE_NAMES = ("牟方政", "覃正茂", "郭艳", "袁凤梅", "朱长安")
_BIDDERS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        QXD,
        "武汉亲兄弟酒店用品有限公司",
        {
            "address": "武汉市黄陂区武湖农场青龙分场陡马河汉口北现代工业园H4栋1-3层2室",
            "enterprise_size": "small",
            "legal_representative": "qxd-representative",
        },
    ),
    (
        RUNHUA,
        "江西省润华教育装备集团有限公司",
        {
            "address": "江西省抚州市南城县株良镇工业园区",
            "enterprise_size": "medium",
            "legal_representative": "runhua-representative",
        },
    ),
    (SUPPLIER_A, "演示供应商甲", {"enterprise_size": "medium", "legal_representative": "rep-a"}),
    (SUPPLIER_B, "演示供应商乙", {"enterprise_size": "large", "legal_representative": "rep-b"}),
    (SUPPLIER_C, "演示供应商丙", {"enterprise_size": "small", "legal_representative": "rep-c"}),
    (SUPPLIER_D, "演示供应商丁", {"enterprise_size": "micro", "legal_representative": "rep-d"}),
)


def register_seed_parties(world: World, log: NoteSigner | None = None) -> None:
    """Found the ledger as ``bidledger init`` does (the platform with the service's receipt
    key and, if given, the ``log`` key), then register every party of the seed with fresh
    keys."""
    platform, name, *_ = _ORGANISATIONS[0]
    world.found(platform, name, SEED_YEARS, log)
    for party, name, roles, attributes, encryption in _ORGANISATIONS[1:]:
        world.register(party, name, roles, attributes, encryption=encryption)
    for party, name in zip(COMMITTEE, _COMMITTEE_NAMES, strict=True):
        world.register(party, name, ("evaluator",))
    for party, name, attributes in _BIDDERS:
        world.register(party, name, ("bidder",), attributes)


def officials(world: World) -> tuple[OfficialTerms, ...]:
    """The opening officials: agency, purchaser and regulator, each with its X25519 key."""
    return tuple(
        OfficialTerms(party, bytes(_box(world.parties[party]).public_key).hex())
        for party in (AGENCY, PURCHASER, REGULATOR)
    )


def invitation(world: World) -> PublishTender:
    """The invitation of 2020-12-25 as published, before the correction notice."""
    return notice(officials(world))


def notice(opening_officials: tuple[OfficialTerms, ...]) -> PublishTender:
    """The invitation of 2020-12-25, sealed to these opening officials (two of them open)."""
    return PublishTender(
        tender=CODE,
        name=TITLE,
        plan=PLAN,
        purchaser=PURCHASER,
        regulator=REGULATOR,
        lots=(
            LotTerms("1", "食堂设备", Decimal("555460.00"), Decimal("555460.00")),
            LotTerms("2", "宿舍设备", Decimal("422400.00"), Decimal("422400.00")),
            LotTerms("3", "洗浴设备", Decimal("342140.00"), Decimal("342140.00")),
        ),
        timetable=TimetableTerms(
            documents_from=beijing("2020-12-26 08:30"),
            documents_until=beijing("2021-01-15 09:30"),
            questions_until=beijing("2021-01-07 17:30"),
            deadline=beijing("2021-01-15 09:30"),
            decryption_minutes=30,
            objections_until=beijing("2021-01-07 17:30"),  # invitation 六(三)
        ),
        opening=OpeningTerms(opening_officials, threshold=2),
        contact=ContactTerms("黄莲", "0718-6833785"),  # the project contact the notices name
    )


def _box(participant: Participant) -> Any:
    if participant.box_key is None:
        raise ValueError(f"{participant.party} has no encryption key")
    return participant.box_key
