"""Public notices as Markdown or HTML, from one plain document model.

A :class:`Notice` is a title and numbered sections, each a list of lines and perhaps a
table. Every piece of text from the ledger is escaped for its format: in HTML ``& < > "``
become entities; in Markdown every character that could start markup (ASCII punctuation
that CommonMark lets a backslash escape, and ``&`` entities) is escaped, so a signed text
can never inject a link, an image or raw HTML into the published page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

FORMATS = ("md", "html")
_MARKDOWN_INLINE = re.compile(r"[\\`*_{}\[\]<>#+|~&!]")
_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    heading: str
    lines: tuple[str, ...] = ()
    table: Table | None = None


@dataclass(frozen=True)
class Notice:
    title: str
    sections: tuple[Section, ...] = field(default_factory=tuple)
    footer: tuple[str, ...] = ()


def render(notices: list[Notice], form: str) -> str:
    """The notices one after another, in ``form`` (``md`` or ``html``)."""
    if form == "html":
        body = "\n".join(_html(notice) for notice in notices)
        return (
            '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(notices[0].title)}</title>\n</head>\n<body>\n{body}</body>\n"
            "</html>\n"
        )
    return "\n\n---\n\n".join(_markdown(notice) for notice in notices) + "\n"


def escape_markdown(text: str) -> str:
    """``text`` as literal Markdown: markup characters escaped, one line per line."""
    return "  \n".join(_markdown_line(line) for line in text.splitlines() or [""])


def _markdown_line(line: str) -> str:
    escaped = _MARKDOWN_INLINE.sub(r"\\\g<0>", line.strip())
    if escaped[:1] in ("-", "="):  # a list item or a setext heading's underline
        escaped = "\\" + escaped
    return _ORDERED.sub(r"\1\\\2", escaped)  # "1." or "1)" would start a list


def _markdown(notice: Notice) -> str:
    parts = [f"# {escape_markdown(notice.title)}"]
    for section in notice.sections:
        parts.append(f"## {escape_markdown(section.heading)}")
        if section.lines:
            parts.append("  \n".join(escape_markdown(line) for line in section.lines))
        if section.table is not None:
            parts.append(_markdown_table(section.table))
    if notice.footer:
        parts.append("  \n".join(f"*{escape_markdown(line)}*" for line in notice.footer))
    return "\n\n".join(parts)


def _markdown_table(table: Table) -> str:
    def row(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(escape_markdown(c).replace("  \n", " ") for c in cells) + " |"

    rule = "|" + "|".join("---" for _ in table.headers) + "|"
    return "\n".join([row(table.headers), rule, *(row(r) for r in table.rows)])


def _html(notice: Notice) -> str:
    out = [f"<article>\n<h1>{html.escape(notice.title)}</h1>"]
    for section in notice.sections:
        out.append(f"<section>\n<h2>{html.escape(section.heading)}</h2>")
        out.extend(f"<p>{_html_text(line)}</p>" for line in section.lines)
        if section.table is not None:
            out.append(_html_table(section.table))
        out.append("</section>")
    if notice.footer:
        out.append("<footer>")
        out.extend(f"<p><small>{_html_text(line)}</small></p>" for line in notice.footer)
        out.append("</footer>")
    out.append("</article>\n")
    return "\n".join(out)


def _html_text(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.splitlines())


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.headers)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_html_text(c)}</td>" for c in r) + "</tr>\n" for r in table.rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>"
