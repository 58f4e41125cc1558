"""One PNG chart for the leaders' summary: each key figure's completion against target and pace.

A horizontal bar per indicator (completion of the year's target, %), a tick at the pro-rata pace
(序时进度) and a line at 100 %. Bars behind pace are red, on pace green.

Chinese labels need a CJK font. The first installed one of :data:`CJK_FONTS` is used (Debian:
``apt-get install fonts-wqy-microhei``); without one, the chart is still drawn, labelled with the
indicator codes only, so nothing renders as empty boxes.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

log = logging.getLogger(__name__)
CJK_FONTS = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
)


@dataclass(frozen=True)
class Bar:
    code: str  # short, ASCII-safe label (S36)
    name: str  # 网络零售额
    completion: float  # % of the year's target reached
    pace: float  # % the pace requires by now


@cache
def cjk_font() -> str | None:
    from matplotlib import font_manager

    found = _first_cjk(font_manager.fontManager)
    if found is None:
        # matplotlib lists the fonts once and caches the list, so a font installed after its first
        # run (as the warning below advises) would stay unseen: look in the system's folders again.
        for path in font_manager.findSystemFonts():
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # a file it cannot read is not a font for us
                continue
        found = _first_cjk(font_manager.fontManager)
    if found is None:
        log.warning("没有找到中文字体，图表只标指标代码（安装 fonts-wqy-microhei 可显示中文）")
    return found


def _first_cjk(fonts: Any) -> str | None:
    installed = {font.name for font in fonts.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def progress_chart(title: str, bars: Sequence[Bar], *, dpi: int = 110) -> bytes:
    """The chart as PNG bytes; ``title`` and names are shown in Chinese when a CJK font exists."""
    import matplotlib

    matplotlib.use("Agg")  # no display; must precede pyplot
    from matplotlib import pyplot as plt

    font = cjk_font()
    labels = [f"{b.code} {b.name}" if font else b.code for b in bars]
    height = 1.2 + 0.45 * max(len(bars), 1)
    with plt.rc_context({"font.family": [font] if font else ["DejaVu Sans"], "axes.unicode_minus": False}):
        figure, axes = plt.subplots(figsize=(7.2, height), dpi=dpi)
        try:
            rows = list(range(len(bars)))[::-1]
            colors = ["#c0392b" if b.completion < b.pace else "#1e8449" for b in bars]
            axes.barh(rows, [min(b.completion, 150) for b in bars], color=colors, height=0.55)
            axes.scatter([b.pace for b in bars], rows, marker="|", s=400, color="#222", zorder=3)
            axes.axvline(100, color="#888", linestyle="--", linewidth=1)
            for row, bar in zip(rows, bars, strict=True):
                axes.text(
                    min(bar.completion, 150) + 1.5, row, f"{bar.completion:.0f}%", va="center", fontsize=8
                )
            axes.set_yticks(rows, labels, fontsize=8)
            axes.set_xlim(0, 160)
            axes.set_xlabel("完成年度目标 %（竖线：序时进度）" if font else "% of annual target (tick: pace)")
            axes.set_title(title if font else "Key figures vs target and pace", fontsize=10)
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
        finally:
            plt.close(figure)
    return buffer.getvalue()
