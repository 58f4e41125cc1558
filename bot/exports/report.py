"""The 整改落实情况报告 as a Word document, in the structure of 昭化's report.

A title, the date it stands at, the counts (问题数, 已完成, 长期坚持) for the whole and for each
batch, then every problem under its batch's heading — 整改措施, 责任单位, 完成时限, 整改结果 and
销号情况 — as the report writes them.
"""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.document import Document as DocumentType
from docx.oxml.ns import qn
from docx.shared import Pt

from bot.exports.content import Content, Row
from domain.keys import chinese_numeral
from notifiers.render import cn_date

FONT = "宋体"
NO_RESULT = "暂无整改结果记录"


def report_title(content: Content) -> str:
    return f"{content.name}整改落实情况报告"


def counts_sentence(rows: list[Row] | tuple[Row, ...], who: str = "") -> str:
    """共反馈问题 15 个，已完成（已销号）8 个，尚未完成 7 个；其中需长期坚持的 10 个。"""
    total, done = len(rows), sum(1 for r in rows if r.closed)
    ongoing = sum(1 for r in rows if r.ongoing)
    return (
        f"{who}共反馈问题 {total} 个，已完成（已销号）{done} 个，尚未完成 {total - done} 个；"
        f"其中需长期坚持的 {ongoing} 个。"
    )


def write_report(content: Content) -> bytes:
    """The document's bytes."""
    document = Document()
    _chinese_fonts(document)
    document.add_heading(report_title(content), level=0)
    document.add_paragraph(f"截至{cn_date(content.as_of)}，整改落实情况如下。")
    document.add_heading("一、总体情况", level=1)
    document.add_paragraph(counts_sentence(content.rows))
    batches = content.batches()
    if len(batches) > 1:
        for batch, rows in batches:
            document.add_paragraph(counts_sentence(rows, batch))
    document.add_heading("二、问题整改情况", level=1)
    for n, (batch, rows) in enumerate(batches, start=1):
        if batch:
            document.add_heading(f"（{chinese_numeral(n)}）{batch}反馈问题及整改情况", level=2)
        for row in rows:
            _item(document, row)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _item(document: DocumentType, row: Row) -> None:
    document.add_heading(f"{row.number}. {row.problem}", level=3)
    for name, text in (
        ("整改措施", row.measures),
        ("责任单位", "、".join(row.units)),
        ("责任人", "、".join(row.persons)),
        ("完成时限", row.deadline_text),
        ("整改结果", row.result or NO_RESULT),
        ("销号情况", row.status),
    ):
        if text:
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{name}：").bold = True
            paragraph.add_run(text)


def _chinese_fonts(document: DocumentType) -> None:
    """Name a Chinese font for East Asian text too: Word's default theme font has no 汉字."""
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3"):
        style = document.styles[name]
        style.font.name = FONT
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), FONT)
    document.styles["Normal"].font.size = Pt(12)
