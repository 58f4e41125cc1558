"""The explicit table of collector kinds. A plan's ``sources[].kind`` must name one of these."""

from __future__ import annotations

from collections.abc import Callable

from bot.errors import ConfigurationError
from collectors.base import Collector
from collectors.html_table import HtmlTableCollector

Factory = Callable[..., Collector]


class Registry:
    def __init__(self) -> None:
        self._factories: dict[str, Factory] = {}

    def register(self, kind: str, factory: Factory) -> None:
        if kind in self._factories:
            raise ConfigurationError(f"采集器类型 {kind} 重复注册")
        self._factories[kind] = factory

    def create(self, kind: str, **options: object) -> Collector:
        try:
            factory = self._factories[kind]
        except KeyError:
            known = "、".join(sorted(self._factories))
            raise ConfigurationError(f"不认识的数据源类型 {kind}（可用：{known}）") from None
        return factory(**options)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._factories)


def default_registry() -> Registry:
    registry = Registry()
    registry.register(HtmlTableCollector.kind, HtmlTableCollector)
    return registry
