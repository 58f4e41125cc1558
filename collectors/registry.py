"""The explicit table of collector kinds. A plan's ``sources[].kind`` must name one of these.

======================  ==========================================================
``html``                report tables on HTML pages, with or without a form login
``html_table``          the first name of ``html`` (login-less plans still use it)
``mofcom``              MOFCOM 农村电子商务和社区商业信息管理系统 monthly report
``json``                token-authenticated JSON APIs
``file``                Excel/CSV exports dropped into an inbox folder
======================  ==========================================================

Adding a kind is one module (a :class:`~collectors.base.Collector` with its ``kind``) plus one
line in :data:`SHIPPED`. The plan importer is handed :attr:`Registry.kinds`, so a plan naming a
kind missing here is refused at import with the file, line and field, not when collecting.

Hand entry (``duban record``) is not a collector: it stores through the same
:func:`db.measurements.record_measurement` path.
"""

from __future__ import annotations

from collections.abc import Callable

from collectors.base import Collector, CollectorEnv
from collectors.files import FileCollector
from collectors.html import HtmlCollector
from collectors.json_api import JsonCollector
from collectors.mofcom import MofcomCollector
from domain.errors import ConfigurationError

Factory = Callable[[CollectorEnv], Collector]


class Registry:
    def __init__(self) -> None:
        self._factories: dict[str, Factory] = {}

    def register(self, kind: str, factory: Factory) -> None:
        if kind in self._factories:
            raise ConfigurationError(f"采集器类型 {kind} 重复注册")
        self._factories[kind] = factory

    def create(self, kind: str, env: CollectorEnv) -> Collector:
        try:
            factory = self._factories[kind]
        except KeyError:
            known = "、".join(sorted(self._factories))
            raise ConfigurationError(f"不认识的数据源类型 {kind}（可用：{known}）") from None
        return factory(env)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._factories)


SHIPPED: tuple[tuple[str, Factory], ...] = (
    (HtmlCollector.kind, HtmlCollector),
    ("html_table", HtmlCollector),  # the first name of ``html``
    (MofcomCollector.kind, MofcomCollector),
    (JsonCollector.kind, JsonCollector),
    (FileCollector.kind, FileCollector),
)


def default_registry() -> Registry:
    """A registry of the kinds duban ships (:data:`SHIPPED`, one line each)."""
    registry = Registry()
    for kind, factory in SHIPPED:
        registry.register(kind, factory)
    return registry
