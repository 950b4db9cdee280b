"""sqlite-utils' Database, imported without pandas and numpy: sqlite-utils imports them whenever they are installed,
only to map their types in tables it creates from their values, which the store never does; they would add about
400 modules to every command's start and its exit."""

import sys

_HELD_BACK = [name for name in ("pandas", "numpy") if name not in sys.modules]
sys.modules.update(dict.fromkeys(_HELD_BACK))  # None: sqlite-utils' `import pandas` fails as if it were missing
try:
    from sqlite_utils import Database
finally:
    for name in _HELD_BACK:
        del sys.modules[name]

__all__ = ["Database"]
