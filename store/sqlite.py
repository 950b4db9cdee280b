"""sqlite-utils' Database, imported without the pandas and numpy it would load only to type their values."""

import sys

# sqlite-utils imports pandas and numpy whenever they are installed, to map their types in tables it creates from
# their values, which the store never does; they would add about 400 modules to every command's start and exit.

_HELD_BACK = [name for name in ("pandas", "numpy") if name not in sys.modules]
sys.modules.update(dict.fromkeys(_HELD_BACK))  # None: sqlite-utils' `import pandas` fails as if it were missing
try:
    from sqlite_utils import Database
finally:
    for name in _HELD_BACK:
        del sys.modules[name]

__all__ = ["Database"]
