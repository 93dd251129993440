"""What a service's console page is: an index, sub-pages, actions and a resource count.

A family module (``messaging.py``, ``storage.py``...) declares one :class:`ServicePage`
per service it shows; ``pages/__init__.py`` collects them. A service the registry
implements without one gets the generic page (``generic.py``).

* a **page** (``GET /_cloudtwin/ui/<service>[/<name>]``) returns a :class:`Page`, or an
  ``HttpResponse`` for a download;
* an **action** (``POST /_cloudtwin/ui/<service>/<name>``, a JSON body sent by
  ``console.js``) changes state through the service's own API and returns a JSON object:
  ``message`` to show, ``reload`` / ``redirect`` to follow, ``value`` to reveal;
* **count** says how many resources the dashboard shows for the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping

from cloudtwin.console.render import Html
from cloudtwin.console.view import View

__all__ = ["Page", "ServicePage", "PageFn", "ActionFn"]


@dataclass(slots=True)
class Page:
    title: str
    body: Html
    #: (label, href) pairs leading to this page, after the service's own index.
    trail: tuple[tuple[str, str], ...] = ()


PageFn = Callable[[View], Awaitable[Any]]
ActionFn = Callable[[View], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class ServicePage:
    service: str
    title: str
    family: str
    index: PageFn
    pages: Mapping[str, PageFn] = field(default_factory=dict)
    actions: Mapping[str, ActionFn] = field(default_factory=dict)
    count: Callable[[View], Awaitable[int]] | None = None
