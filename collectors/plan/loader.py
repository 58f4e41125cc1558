"""Read a YAML plan file into a validated :class:`PlanSpec`, or say exactly where it is wrong.

YAML is read by :class:`PlanLoader`: dates, times and base-60 numbers stay text for the schema to
parse (``2023-02-30`` is an error naming its line, not a traceback; ``10:30`` is not 630), and a
key written twice in one mapping (two ``project:`` sections) is refused with both lines.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from collectors.limits import DEFAULT_MAX_BYTES, TooLargeError, check_path
from domain.errors import PlanFileError
from domain.plan.ruleset import RuleSetSpec, is_ruleset
from domain.plan.schema import KnownKinds, LocatedError, PlanSpec

MAX_NODES = 50_000  # values after anchors are expanded; a county's plan has a few thousand
MAX_DEPTH = 20  # a plan nests five levels deep

_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")


class PlanLoader(yaml.SafeLoader):
    """``SafeLoader`` without implicit dates and times: they are text until the schema parses them."""


PlanLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "+-0123456789":  # "25:00:00" and "10:30" are base-60 integers in YAML 1.1: keep them text
    PlanLoader.yaml_implicit_resolvers[_first] = [
        (_STR, _SEXAGESIMAL),
        *PlanLoader.yaml_implicit_resolvers.get(_first, []),
    ]


def load_plan_file(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    kinds: KnownKinds | None = None,
    secret_variables: frozenset[str] = frozenset(),
) -> PlanSpec:
    """Parse and validate ``path``; a :class:`PlanFileError` names the line and field at fault.

    ``kinds``: the registered channel and source kinds; a plan naming another is refused here.
    ``secret_variables``: the operator's secret variables, besides those named like one.
    """
    spec = load_plan_or_rules(path, max_bytes=max_bytes, kinds=kinds, secret_variables=secret_variables)
    if isinstance(spec, RuleSetSpec):
        raise PlanFileError(path, "这是规则集文件（ruleset），不是某个项目的方案文件")
    return spec


def load_plan_or_rules(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    kinds: KnownKinds | None = None,
    secret_variables: frozenset[str] = frozenset(),
) -> PlanSpec | RuleSetSpec:
    """A county's plan, or a rule set (a provincial notice for batches of counties) when the file
    has a ``ruleset`` section; errors as :func:`load_plan_file`."""
    text = _text(path, max_bytes)
    try:
        root = yaml.compose(text, Loader=PlanLoader)
        _check_size(path, root)
        _check_unique_keys(path, root)
        data = yaml.load(text, Loader=PlanLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise PlanFileError(path, f"YAML 格式错误：{exc.problem}", line=line) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else 0
        raise PlanFileError(path, f"含有不允许的控制字符 U+{code:04X}，请删除后再导入", line=line) from None
    except yaml.YAMLError as exc:
        raise PlanFileError(path, f"YAML 无法读取：{type(exc).__name__}") from None
    except RecursionError:
        raise PlanFileError(path, f"YAML 嵌套层数过深（上限 {MAX_DEPTH} 层）") from None
    if not isinstance(data, dict):
        raise PlanFileError(path, "文件内容应是一个映射（project:, indicators: …）", line=1)
    rules = is_ruleset(data)
    section = data.get("ruleset" if rules else "rectification")
    year = section.get("year") if isinstance(section, dict) else None
    # Only a real year helps read "10月底"; anything else is reported by the schema at its line.
    context = {
        "year": year if isinstance(year, int) and not isinstance(year, bool) else None,
        "kinds": kinds,
        "secret_variables": secret_variables,
    }
    try:
        model: type[PlanSpec | RuleSetSpec] = RuleSetSpec if rules else PlanSpec
        return model.model_validate(data, context=context)
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


def _text(path: Path, max_bytes: int) -> str:
    """The file as text: UTF-8 (with or without BOM) or UTF-16 with its BOM; GBK is named, not guessed."""
    try:
        check_path(path, max_bytes)
        raw = path.read_bytes()
    except TooLargeError as exc:
        raise PlanFileError(path, str(exc)) from None
    except OSError as exc:
        raise PlanFileError(path, f"无法读取：{exc.strerror}") from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise PlanFileError(path, "文件开头标明是 UTF-16 编码，但内容不是") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            raw.decode("gb18030")
            hint = "看起来是 GBK/GB2312 编码，请用记事本或 WPS “另存为” UTF-8 编码后再导入"
        except UnicodeDecodeError:
            hint = "也不是 GBK 编码，可能不是文本文件"
        raise PlanFileError(path, f"不是 UTF-8 编码的文本（第 {exc.start} 字节）；{hint}") from None


def _check_size(path: Path, root: yaml.Node | None) -> None:
    """Refuse a document that anchors and aliases blow up (billion laughs), or that nests too deep.

    ``safe_load`` shares an aliased value instead of copying it, but validation walks every use,
    so what counts is the size once expanded. Sizes are memoised per node: the check itself stays
    linear in the file.
    """
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise PlanFileError(
                path, f"YAML 嵌套层数过深（上限 {MAX_DEPTH} 层）", line=node.start_mark.line + 1
            )
        if id(node) in sizes:
            return sizes[id(node)]
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(child, depth + 1) for child in node.value)
        else:
            total = 1
        if total > MAX_NODES:
            raise PlanFileError(
                path,
                f"YAML 展开后的内容过大（超过 {MAX_NODES} 个值，多半是锚点/别名 & * 层层引用）",
                line=node.start_mark.line + 1,
            )
        sizes[id(node)] = total
        return total

    if root is not None:
        size(root, 0)


def _check_unique_keys(path: Path, root: yaml.Node | None) -> None:
    """Refuse a mapping that names a key twice: YAML would silently keep only the last one."""
    seen_nodes: set[int] = set()

    def walk(node: yaml.Node, loc: list[str | int]) -> None:
        if id(node) in seen_nodes:
            return  # an alias: checked where its anchor is
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                name = str(key.value) if isinstance(key, yaml.ScalarNode) else None
                if name is not None and name != "<<":
                    line = key.start_mark.line + 1
                    if name in first:
                        twice = f"“{name}”在同一处写了两次（第 {first[name]} 行和第 {line} 行）"
                        raise PlanFileError(
                            path,
                            f"{twice}，请合并或删去一处",
                            line=line,
                            field=_dotted([*loc, name]),
                        )
                    first[name] = line
                walk(value, [*loc, name if name is not None else "?"])
        elif isinstance(node, yaml.SequenceNode):
            for index, child in enumerate(node.value):
                walk(child, [*loc, index])

    if root is not None:
        walk(root, [])


# pydantic's wording of the mistakes a hand-edited plan file makes, said in Chinese.
WORDED = {
    "model_type": "应为映射（每行“名称: 值”）",
    "model_attributes_type": "应为映射（每行“名称: 值”）",
    "dict_type": "应为映射（每行“名称: 值”）",
    "list_type": "应为列表（每项以“- ”开头）",
    "string_type": "应为文字",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_pattern_mismatch": "格式不对",
    "finite_number": "应为有限的数字",
}


def _readable(error: Any) -> str:
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if error["type"] == "missing":
        return "缺少必填字段"
    if error["type"] == "extra_forbidden":
        return "不认识的字段（拼写错误？）"
    message = WORDED.get(error["type"], message)
    if error["type"] == "enum":  # Input should be 'monthly', 'quarterly' or 'yearly'
        choices = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
        message = f"应为 {'、'.join(choices)} 之一"
    value = error.get("input")
    if isinstance(value, str | int | float) and error["type"] not in ("value_error",):
        shown = repr(value)
        return f"{message}（实际值：{shown if len(shown) <= 60 else shown[:57] + '…'}）"
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
