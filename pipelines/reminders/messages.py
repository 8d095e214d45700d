"""The words of the reminders: pure functions from deliveries to messages, Chinese first
with English beside it (docs/reminders.md). The statuses, kinds and buckets are worded by
the codes seed (pipelines/codes.py).

One message per channel, recipient and audience per run: a dealer's contact gets one
e-mail listing its reports (the exact file names expected and the deadline); a channel
manager one digest of their dealers grouped by status; the group robot one digest of all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from pipelines import codes
from pipelines.reminders.events import Delivery, Event, month_text

KIND_ORDER = ("reporting", "renewal", "alert")
ALERT_WORDS = {"low": ("库存偏低", "low stock"), "overstock": ("库存积压", "overstock")}
KIND_TITLES = {"reporting": ("报备", "Reports"), "renewal": ("合同续签", "Contract renewals"),
               "alert": ("库存预警（新增）", "New stock alerts")}


@dataclass(frozen=True)
class Message:
    channel: str
    recipient: str
    audience: str
    subject: str
    body: str
    deliveries: tuple[Delivery, ...]


def expected_file(e: Event) -> str:
    """The name the dealer's file must have (docs/input_contract.md); the upload moment is
    the part the dealer fills in."""
    month: date = e.facts["month"]
    if e.facts["report"] == "sales":
        return f"dealers/{e.dealer_id}/sales_{e.dealer_id}_{month:%Y%m}_YYYYMMDDTHHMMSS.csv"
    last = date(month.year + month.month // 12, month.month % 12 + 1, 1).toordinal() - 1
    return f"dealers/{e.dealer_id}/inventory_{e.dealer_id}_{date.fromordinal(last):%Y%m%d}_YYYYMMDDTHHMMSS.csv"


def event_lines(e: Event, audience: str) -> tuple[str, str]:
    """The event in one Chinese and one English line."""
    who_zh = "" if audience == "dealer" else f"{e.dealer_id} {e.dealer_name}："
    who_en = "" if audience == "dealer" else f"{e.dealer_id} {e.dealer_name}: "
    f = e.facts
    if e.kind == "reporting":
        kind_zh, kind_en = codes.wording("report_kind")[f["report"]]
        m_zh, m_en = month_text(f["month"])
        due = f"{f['due_date']:%Y-%m-%d}"
        if e.group == "overdue":
            state_zh, state_en = f"已逾期 {f['days_overdue']} 天", f"{f['days_overdue']} days overdue"
        else:
            state_zh, state_en = "即将到期", "due soon"
        name = expected_file(e)
        return (f"{who_zh}{m_zh}{kind_zh}，截止 {due} 当日 24:00，{state_zh}；请上传 {name}（或 .xlsx）",
                f"{who_en}{kind_en} for {m_en}, due by the end of {due}, {state_en}; upload {name} (or .xlsx)")
    if e.kind == "renewal":
        b_zh, b_en = codes.wording("renewal_bucket")[e.group]
        end = f"{f['contract_end']:%Y-%m-%d}"
        days = f["days_left"]
        left_zh = f"剩余 {days} 天" if days >= 0 else f"已过期 {-days} 天"
        left_en = f"{days} days left" if days >= 0 else f"ended {-days} days ago"
        return (f"{who_zh}经销合同 {end} 到期（{b_zh}，{left_zh}），请安排续签",
                f"{who_en}the dealer contract ends on {end} ({b_en}, {left_en}); please arrange the renewal")
    level_zh, level_en = ALERT_WORDS.get(e.group, (e.group, e.group))
    m_zh, m_en = month_text(f["month"])
    advice = f"；{f['advice']}" if f.get("advice") else ""
    return (f"{who_zh}{f['sku']} {m_zh}{level_zh}{advice}",
            f"{who_en}{f['sku']} {level_en} in {m_en}")


def _group_title(kind: str, group: str) -> tuple[str, str]:
    if kind == "reporting":
        return codes.wording("reporting_status")[group]
    if kind == "renewal":
        return codes.wording("renewal_bucket")[group]
    return ALERT_WORDS.get(group, (group, group))


def _group_order(kind: str) -> tuple[str, ...]:
    if kind == "reporting":
        return ("overdue", "due_soon")
    if kind == "renewal":
        return ("expired", "30", "60", "90")
    return ("low", "overstock")


def _counts(deliveries: list[Delivery]) -> tuple[str, str]:
    n = defaultdict(int)
    for d in deliveries:
        n[(d.event.kind, d.event.group)] += 1
    parts_zh, parts_en = [], []
    for kind in KIND_ORDER:
        for group in _group_order(kind):
            if n[(kind, group)]:
                zh, en = _group_title(kind, group)
                if kind == "alert":
                    zh, en = f"新增{zh}", f"new {en}"
                parts_zh.append(f"{zh} {n[(kind, group)]}")
                parts_en.append(f"{en} {n[(kind, group)]}")
    return "，".join(parts_zh), ", ".join(parts_en)


def _sections(deliveries: list[Delivery], audience: str, max_lines: int | None = None) -> list[str]:
    """The events grouped by kind and status, each a Chinese line and its English line."""
    lines: list[str] = []
    listed = 0
    for kind in KIND_ORDER:
        for group in _group_order(kind):
            members = [d for d in deliveries if d.event.kind == kind and d.event.group == group]
            if not members:
                continue
            zh, en = _group_title(kind, group)
            title_zh, title_en = KIND_TITLES[kind]
            lines += ["", f"【{title_zh}·{zh}】{len(members)} 项 / {title_en}, {en}: {len(members)}"]
            for d in members:
                if max_lines is not None and listed >= max_lines:
                    break
                line_zh, line_en = event_lines(d.event, audience)
                lines += [f"• {line_zh}", f"  {line_en}"]
                listed += 1
    if max_lines is not None and len(deliveries) > listed:
        more = len(deliveries) - listed
        lines += ["", f"另有 {more} 项未列出，请查看 marts.rpt_reporting_status 等报表。",
                  f"{more} more not listed: see marts.rpt_reporting_status and the other reminder marts."]
    return lines


def build_messages(deliveries: list[Delivery], as_of: date, max_lines: int = 40) -> list[Message]:
    """One message per (channel, recipient, audience), in a stable order."""
    grouped: dict[tuple[str, str, str], list[Delivery]] = defaultdict(list)
    for d in deliveries:
        grouped[(d.channel, d.recipient, d.audience)].append(d)
    out = []
    for (channel, recipient, audience), members in sorted(grouped.items()):
        members.sort(key=lambda d: d.event.key)
        count_zh, count_en = _counts(members)
        day = f"{as_of:%Y-%m-%d}"
        if audience == "dealer":
            e = members[0].event
            subject = f"【报备提醒】{e.dealer_name}（{e.dealer_id}）：{count_zh} / Reminder for dealer {e.dealer_id}: {count_en}"
            head = [f"{e.dealer_name}（{e.dealer_id}）您好：", "截至 " + day + "，以下事项需要您处理。",
                    f"Dear {e.dealer_id}: as of {day}, the following needs your attention."]
            tail = ["", "文件请上传到经销商门户对应目录，文件名中的 YYYYMMDDTHHMMSS 为上传时间。",
                    "Upload the files to your folder of the dealer portal; YYYYMMDDTHHMMSS in the name is the upload time."]
            body = head + _sections(members, audience) + tail
        else:
            whose_zh = "您负责的经销商" if audience == "manager" else "全部经销商"
            whose_en = "your dealers" if audience == "manager" else "all dealers"
            subject = f"【渠道提醒日报】{day}：{count_zh} / Channel reminders {day}: {count_en}"
            head = [f"{whose_zh}截至 {day} 的新增提醒（已发送过的不再重复）。",
                    f"New reminders for {whose_en} as of {day} (those sent before are not repeated)."]
            cap = max_lines if channel == "webhook" else None
            body = head + _sections(members, audience, cap)
        out.append(Message(channel, recipient, audience, subject, "\n".join(body) + "\n", tuple(members)))
    return out
