"""Read a YAML plan file into a validated :class:`PlanSpec`, or say exactly where it is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.errors import PlanFileError
from bot.plan.schema import LocatedError, PlanSpec


def load_plan_file(path: Path) -> PlanSpec:
    """Parse and validate ``path``; a :class:`PlanFileError` names the line and field at fault."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PlanFileError(path, f"不是 UTF-8 编码的文本（第 {exc.start} 字节）") from None
    except OSError as exc:
        raise PlanFileError(path, f"无法读取：{exc.strerror}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise PlanFileError(path, f"YAML 格式错误：{exc.problem}", line=line) from None
    if not isinstance(data, dict):
        raise PlanFileError(path, "文件内容应是一个映射（project:, indicators: …）", line=1)
    context = {"year": (data.get("rectification") or {}).get("year")}
    try:
        return PlanSpec.model_validate(data, context=context)
    except ValidationError as exc:
        # A misspelt key also makes its real name "missing": report the misspelling first.
        error = min(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        loc = list(error["loc"])
        located = (error.get("ctx") or {}).get("error")
        if isinstance(located, LocatedError):
            loc += list(located.loc)
        raise PlanFileError(
            path, _readable(error), line=_line_of(root, loc), field=_dotted(loc) or None
        ) from None


def _readable(error: Any) -> str:
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if error["type"] == "missing":
        return "缺少必填字段"
    if error["type"] == "extra_forbidden":
        return "不认识的字段（拼写错误？）"
    value = error.get("input")
    if isinstance(value, str | int | float) and error["type"] not in ("value_error",):
        return f"{message}（实际值：{value!r}）"
    return message


def _dotted(loc: list[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _line_of(node: yaml.Node | None, loc: list[Any]) -> int | None:
    """Follow the error's path through the YAML node tree to the line it points at."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line
