"""Notices as Markdown and HTML: text from the ledger can never become markup.

The Markdown is parsed by markdown-it-py (CommonMark): a hostile text yields no link, image,
HTML or list, and reads back as itself; the HTML is parsed by the standard library and holds
only the template's elements.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from projections.notice_render import Notice, Section, Table, escape_markdown, render

HOSTILE = (
    "<script>alert(1)</script>",
    "[点此](javascript:alert(1)) ![图](http://x/y.png)",
    "1. 不是列表",
    "- 也不是",
    "# 不是标题",
    "> 不是引用",
    "**粗** _斜_ `代码` ~~删~~ a|b &amp; &lt;",
    "===",
    "    四个空格",
    "<img src=x onerror=alert(1)>",
)


def _tokens(tokens: list[Token]) -> list[Token]:
    found = []
    for token in tokens:
        found.append(token)
        found += _tokens(token.children or [])
    return found


def _text(tokens: list[Token]) -> str:
    return "".join(t.content for t in _tokens(tokens) if t.type in ("text", "code_inline"))


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_text_in_markdown_is_read_back_as_plain_text(text: str) -> None:
    tokens = MarkdownIt("commonmark").parse(f"标签:{escape_markdown(text)}")
    kinds = {token.type for token in _tokens(tokens)}
    assert kinds <= {"paragraph_open", "paragraph_close", "inline", "text"}
    assert _text(tokens) == f"标签:{text.strip()}"


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_line_on_its_own_starts_no_block(text: str) -> None:
    tokens = MarkdownIt("commonmark").parse(escape_markdown(text))
    kinds = {token.type for token in _tokens(tokens)}
    assert kinds <= {"paragraph_open", "paragraph_close", "inline", "text"}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _notice(text: str) -> Notice:
    table = Table(("包号", "名称"), (("第1包", text),))
    return Notice(text, (Section(text, (f"内容:{text}",), table),), (text,))


def test_a_hostile_text_in_html_is_escaped_everywhere() -> None:
    page = render([_notice(text) for text in HOSTILE], "html")
    parser = _Elements()
    parser.feed(page)
    allowed = {"html", "head", "meta", "title", "body", "article", "h1", "section", "h2", "p"}
    allowed |= {"table", "thead", "tbody", "tr", "th", "td", "footer", "small"}
    assert parser.tags <= allowed
    text = "".join(parser.text)
    for hostile in HOSTILE:
        assert f"内容:{hostile}" in text


def test_a_table_cell_cannot_break_the_markdown_table() -> None:
    page = render([_notice("a | b")], "md")
    tokens = MarkdownIt("commonmark").enable("table").parse(page)
    cells = [t for t in _tokens(tokens) if t.type == "td_open"]
    assert len(cells) == 2
