"""The award notice (中标公告) in the seed's ten items, and the correction notices (更正公告).

The award notice's facts are those the ledger signed with ``AwardNoticePublished``
(project, lots, supplier and amount, committee, evaluation date, publicity, contacts as
the registry held them); a correction notice shows each lot's budget and ceiling before and
after the correction, and whether the submission deadline moved (§7.1).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledger.errors import NotFound
from projections.notice_common import (
    NOT_RECORDED,
    Contacts,
    beijing_date,
    contact_of,
    inquiries,
)
from projections.notice_render import Notice, Section, Table
from projections.summaries import wan

_CEILINGS = ("原最高限价(万元)", "更正后最高限价(万元)")


def award_notice(
    award: dict[str, Any], failures: list[dict[str, Any]], contacts: Contacts
) -> Notice:
    """The award notice of every lot awarded (the latest notice of each)."""
    evaluation = award["evaluation"]
    others = [_failure_line(n["lot"], n["content"]) for n in failures]
    return Notice(
        f"{award['project_name']}中标(成交)结果公告",
        (
            Section("一、项目编号", (award["project_code"],)),
            Section("二、采购计划备案号", (award["plan"],)),
            Section("三、项目名称", (award["project_name"],)),
            Section("四、中标(成交)信息", tuple(_award_lines(award["lots"]))),
            Section("五、评审专家名单", (",".join(award["committee"]),)),
            *_evaluation_and_fee(evaluation, award.get("agency_fee")),
            Section("八、公告期限", (f"{award['publicity']}。",)),
            Section("九、其他补充事宜", tuple(others) or ("无",)),
            Section(
                "十、凡对本次公告内容提出询问,请按以下方式联系",
                inquiries(award["purchaser"], award["agency"], award.get("project_contact")),
            ),
        ),
        tuple(
            f"第{lot['lot']}包公告发布时间:{beijing_date(lot['notice_at'])},"
            f"公告期至{beijing_date(lot['publicity_ends'])}"
            for lot in award["lots"]
        ),
    )


def _failure_line(lot: str, content: dict[str, Any]) -> str:
    """A failed lot in the notice's words: the agency's reason and the clause (废标)."""
    return f"第{lot}包废标:{content['reason']}({content['clause']})"


def _evaluation_and_fee(
    evaluation: dict[str, Any], fee: dict[str, str] | None
) -> tuple[Section, Section]:
    standard = fee["standard"] if fee else NOT_RECORDED
    amount = f"{wan(Decimal(fee['amount']))}(万元)" if fee else NOT_RECORDED
    return (
        Section(
            "六、评审信息",
            (
                f"1、评审时间:{evaluation.get('date') or NOT_RECORDED}",
                f"2、评审地点:{evaluation.get('place') or NOT_RECORDED}",
            ),
        ),
        Section(
            "七、代理服务收费标准及金额",
            (f"1、代理服务收费标准:{standard}", f"2、收费金额:{amount}"),
        ),
    )


def _award_lines(lots: list[dict[str, Any]]) -> list[str]:
    lines = []
    for lot in lots:
        lines += [
            f"包名称:{lot['package_name']}",
            f"供应商名称:{lot['supplier_name']}",
            f"供应商地址:{lot['supplier_address'] or NOT_RECORDED}",
            f"中标(成交)金额:{lot['amount_wan']}(万元)",
            "货物类",
            f"名称:{lot['lot_name']}",
        ]
    return lines


def correction_notices(view: dict[str, Any], contacts: Contacts) -> list[Notice]:
    """Every correction notice published, in order, each against the figures before it."""
    notices = view["notices"]
    announcement = notices["announcement"]
    if announcement is None or not notices["amendments"]:
        raise NotFound(f"no correction notice of {view['tender']['code']} published")
    content = announcement["content"]
    lots = {lot["lot"]: dict(lot) for lot in content["lots"]}
    deadline = content["timetable"]["deadline"]
    result = []
    for amendment in notices["amendments"]:
        before = {key: dict(lot) for key, lot in lots.items()}
        for change in amendment["content"]["lots"]:
            lots[change["lot"]].update({k: v for k, v in change.items() if k != "lot"})
        postponed = amendment["content"].get("postponed_deadline")
        notice = _correction(content, announcement, amendment, before, lots, deadline)
        result.append(_with_contacts(notice, content, contacts))
        deadline = postponed or deadline
    return result


def _correction(
    content: dict[str, Any],
    announcement: dict[str, Any],
    amendment: dict[str, Any],
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    deadline: str,
) -> Notice:
    change = amendment["content"]
    return Notice(
        f"{content['name']}更正公告",
        (
            Section(
                "一、项目基本情况",
                (
                    f"原公告的采购项目编号:{content['code']}",
                    f"原公告的采购项目名称:{content['name']}",
                    f"首次公告日期:{beijing_date(announcement['published_at'], minutes=False)}",
                ),
            ),
            Section(
                "二、更正信息",
                (
                    "更正事项:采购公告",
                    f"更正内容:{change['summary']}",
                    f"更正日期:{beijing_date(amendment['published_at'], minutes=False)}",
                ),
                _change_table(change["lots"], before, after),
            ),
            Section("三、其他补充事宜", (_deadline_line(change, deadline),)),
        ),
        (f"发布时间:{beijing_date(amendment['published_at'])}",),
    )


def _change_table(
    changes: list[dict[str, Any]],
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
) -> Table | None:
    """The changed lots' budgets and ceilings (万元), before and after."""
    rows = tuple(
        (
            f"第{change['lot']}包",
            before[change["lot"]]["name"],
            *(
                wan(side[change["lot"]][key])
                for key in ("budget", "ceiling")
                for side in (before, after)
            ),
        )
        for change in changes
    )
    headers = ("包号", "名称", "原预算金额(万元)", "更正后预算金额(万元)", *_CEILINGS)
    return Table(headers, rows) if rows else None


def _deadline_line(change: dict[str, Any], deadline: str) -> str:
    postponed = change.get("postponed_deadline")
    if postponed:
        return (
            f"投标截止时间及开标时间延至{beijing_date(postponed)}({change['postponement_reason']})"
        )
    return f"投标截止时间及开标时间不变,仍为{beijing_date(deadline)}"


def _with_contacts(notice: Notice, content: dict[str, Any], contacts: Contacts) -> Notice:
    purchaser = contact_of(contacts, content["purchaser"])
    agency = contact_of(contacts, content["agency"])
    lines = inquiries(purchaser, agency, content.get("project_contact"))
    section = Section("四、凡对本次公告内容提出询问,请按以下方式联系", lines)
    return Notice(notice.title, (*notice.sections, section), notice.footer)
