"""Import Whoosh without the modules it loads and never uses on our paths.

`whoosh.compat` imports `urllib.request` (http, email, ssl: ~14 ms) for `urlretrieve`,
which nothing here calls, and `whoosh.reading` imports the `cached_property` package,
which imports asyncio (~12 ms), for one cached attribute. Each `search` command pays
both on every start. While Whoosh is imported, stand-ins take their place: a deferred
`urlretrieve` that imports the real module on first call, and the standard library's
`functools.cached_property`. Afterwards the names are released, so anyone else who
imports either module gets the real one. Nothing in site-packages is changed.
"""

from __future__ import annotations

import functools
import sys
import types
from typing import Any

__all__ = ["import_whoosh"]


def _urlretrieve(*args: Any, **kwargs: Any) -> Any:
    from urllib.request import urlretrieve  # the real one, on first use

    return urlretrieve(*args, **kwargs)


def _stand_ins() -> dict[str, types.ModuleType]:
    request = types.ModuleType("urllib.request")
    request.urlretrieve = _urlretrieve  # type: ignore[attr-defined]
    cached = types.ModuleType("cached_property")
    cached.cached_property = functools.cached_property  # type: ignore[attr-defined]
    return {"urllib.request": request, "cached_property": cached}


def import_whoosh() -> None:
    """Import the Whoosh modules the index uses, with the stand-ins in place."""
    if "whoosh.index" in sys.modules:
        return
    placed = {name: m for name, m in _stand_ins().items() if name not in sys.modules}
    sys.modules.update(placed)
    try:
        import whoosh.index  # noqa: F401
        import whoosh.reading  # noqa: F401
    finally:
        for name, module in placed.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
        if "urllib" in sys.modules and "urllib.request" in placed:
            sys.modules["urllib"].__dict__.pop("request", None)


import_whoosh()
