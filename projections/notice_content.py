"""The public notices of a tender in the seed's own structure, from the read models.

* ``announcement``: the invitation (招标公告, the seed's 第一章 投标邀请) as published;
* ``correction``: each correction notice (更正公告), with the lots' figures before and after;
* ``award``: the award notice (中标公告) in the seed's ten numbered items.

Everything comes from the public view of the tender (V1: nothing of bidders before the
opening) and the registry's names and contacts. What the ledger does not record (the
evaluation room, the agency's fee, the project contact person) says so.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ledger.errors import NotFound
from projections.notice_award import award_notice, correction_notices
from projections.notice_common import (
    Contacts,
    as_of_text,
    beijing_date,
    contact_of,
    contacts_of,
    inquiries,
    per_lot,
    platform_name,
)
from projections.notice_render import Notice, Section
from projections.views import tender_view

KINDS = ("announcement", "correction", "award")
_YES_NO = {True: "是", False: "否"}


def public_notices(
    engine: sa.Engine, tender_ref: str, kind: str, at: datetime | None = None
) -> list[Notice]:
    """The tender's notices of ``kind`` as published up to ``at``."""
    view = tender_view(engine, tender_ref, "public", at)
    contacts = contacts_of(engine)
    notices = view["notices"]
    if kind == "announcement":
        return [_announcement(notices["announcement"], contacts)]
    if kind == "correction":
        return correction_notices(view, contacts)
    award = notices["award_notice"]
    if award is None:
        raise NotFound(f"no award notice of {tender_ref} published{as_of_text(at)}")
    return [award_notice(award, notices["failures"], contacts)]


def _announcement(notice: dict[str, Any] | None, contacts: Contacts) -> Notice:
    if notice is None:
        raise NotFound("the tender's announcement is not published")
    content, published = notice["content"], notice["published_at"]
    times, terms = content["timetable"], content["terms"]
    platform = platform_name(contacts)
    deadline = beijing_date(times["deadline"])
    return Notice(
        f"{content['name']}招标公告",
        (
            Section(
                "项目概况",
                (
                    f"{content['name']}项目的潜在投标人应在{platform}获取招标文件,"
                    f"并于{deadline}(北京时间)前提交投标文件。",
                ),
            ),
            Section("一、项目基本情况", _basics(content, terms)),
            Section("二、获取招标文件", _documents(times, platform)),
            _opening(times, deadline, platform, content["opening"], contacts),
            Section(
                "四、公告期限",
                (f"自本公告发布之日起{terms['announcement_working_days']}个工作日。",),
            ),
            Section("五、其他补充事宜", _announcement_more(times, terms)),
            Section(
                "六、对本次招标提出询问,请按以下方式联系",
                inquiries(
                    contact_of(contacts, content["purchaser"]),
                    contact_of(contacts, content["agency"]),
                    content.get("project_contact"),
                ),
            ),
        ),
        (f"发布时间:{beijing_date(published)}",),
    )


def _opening(
    times: dict[str, Any],
    deadline: str,
    platform: str,
    opening: dict[str, Any],
    contacts: Contacts,
) -> Section:
    officials = opening["officials"]
    keys = tuple(
        f"({number})开标人员{contact_of(contacts, official['party'])['name']}"
        f"({official['party']}):{official['encryption_key']}"
        for number, official in enumerate(officials, start=1)
    )
    return Section(
        "三、提交投标文件截止时间、开标时间和地点",
        (
            f"1、截止时间及开标时间:{deadline}(北京时间)",
            f"2、地点:{platform},不见面开标;"
            f"解密时间{times['decryption_minutes']}分钟,自开标开始时计",
            f"3、投标文件加密:数据密钥按{opening['threshold']}/{len(officials)}门限分给下列"
            "开标人员,每份以其X25519加密公钥(十六进制)密封,须"
            f"{opening['threshold']}名开标人员的份额方可解密:",
            *keys,
        ),
    )


def _basics(content: dict[str, Any], terms: dict[str, Any]) -> tuple[str, ...]:
    lots = content["lots"]
    needs = ",".join(f"第{lot['lot']}包:{lot['name']}" for lot in lots)
    return (
        f"1、项目编号:{content['code']}",
        f"2、采购计划备案号:{content['plan']}",
        f"3、项目名称:{content['name']}",
        "4、采购方式:公开招标",
        f"5、预算金额:{per_lot(lots, 'budget')}",
        f"6、最高限价:{per_lot(lots, 'ceiling')}",
        f"7、采购需求:{needs}",
        f"8、本项目是否接受联合体投标:{_YES_NO[bool(terms['consortia'])]}",
        f"9、是否可采购进口产品:{_YES_NO[bool(terms['imports'])]}",
        f"10、是否接受备选方案:{_YES_NO[bool(terms['alternatives'])]}",
        f"11、投标有效期:{terms['bid_validity_days']}日(日历日)",
    )


def _documents(times: dict[str, Any], platform: str) -> tuple[str, ...]:
    start = beijing_date(times["documents_from"], minutes=False)
    end = beijing_date(times["documents_until"], minutes=False)
    return (
        f"1、时间:{start}至{end},每天上午08:30至12:00,下午14:30至17:30(北京时间,法定节假日除外)",
        f"2、地点:{platform}",
        "3、方式:网上下载招标文件;未按规定下载招标文件的,其投标将被拒绝",
    )


def _announcement_more(times: dict[str, Any], terms: dict[str, Any]) -> tuple[str, ...]:
    sme = Decimal(str(terms["sme"]["deduction"])) * 100
    evaluation = terms["evaluation"]
    committee = terms["committee"]
    lines = [
        f"(一)评标办法:综合评分法(商务{evaluation['business_points']}分,技术"
        f"{evaluation['technical_points']}分,价格{evaluation['price_points']}分);"
        f"小型和微型企业的价格给予{sme.normalize():f}%的扣除",
        f"(二)评标委员会:采购人代表{committee['purchaser_representatives']}人,"
        f"评审专家{committee['experts']}人",
        f"(三)要求澄清的,请于{beijing_date(times['questions_until'])}以前提出",
    ]
    if times.get("objections_until"):
        lines.append(f"(四)对招标文件的质疑请于{beijing_date(times['objections_until'])}前提出")
    return tuple(lines)
