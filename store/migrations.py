"""Numbered schema migrations, applied in order and tracked in PRAGMA user_version: the SQL files under sql/, then
small functions making sqlite-utils calls."""

from collections.abc import Callable
from importlib import resources

from benchagent.store.sqlite import Database

Migration = Callable[[Database], None]
_FUNCTIONS: dict[int, Migration] = {}


def migration(number: int) -> Callable[[Migration], Migration]:
    """Register a function as migration `number` (the next one after the SQL files)."""
    def register(function: Migration) -> Migration:
        _FUNCTIONS[number] = function
        return function
    return register


@migration(5)
def sources_fts_by_sqlite_utils(db: Database) -> None:
    """The sources' full-text index and the triggers keeping it current, made by sqlite-utils in place of the
    hand-written ones of migration 1; the index is filled again from the table."""
    for trigger in ("sources_ai", "sources_ad", "sources_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db["sources_fts"].drop(ignore=True)
    db["sources"].enable_fts(["name", "description", "keywords"], create_triggers=True)


@migration(6)
def step_predictor(db: Database) -> None:
    """steps.predictor: the dotted name (from the root module's named_predictors) of the predictor a module step
    ran, which compile finds a step's training data by."""
    db["steps"].add_column("predictor", str)


def _script(sql: str) -> Migration:
    return lambda db: db.executescript(sql)


def migrations() -> list[tuple[int, Migration]]:
    """Every migration as (number, function of a sqlite-utils Database), sorted by number."""
    folder = resources.files("benchagent.store") / "sql"
    found = [(int(entry.name[:4]), _script(entry.read_text(encoding="utf-8"))) for entry in folder.iterdir()
             if entry.name.endswith(".sql") and entry.name[:4].isdigit()]
    found = sorted([*found, *_FUNCTIONS.items()], key=lambda pair: pair[0])
    numbers = [n for n, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..n: {numbers}")
    return found


def upgrade(db: Database, current: int, target: int | None = None) -> None:
    """Apply every migration after `current` (up to `target`), each in its own BEGIN IMMEDIATE transaction with its
    user_version; one another process applied meanwhile is skipped."""
    for number, apply in migrations():
        if number <= current or (target is not None and number > target):
            continue
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            if db.conn.execute("PRAGMA user_version").fetchone()[0] < number:
                apply(db)
                db.conn.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        db.conn.execute("COMMIT")
