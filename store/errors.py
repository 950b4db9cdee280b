"""Typed errors raised by the store; the CLI turns them into one line on stderr."""


class StoreError(Exception):
    """Base class for every store failure."""


class StorePathError(StoreError):
    """The database path cannot be used (missing folder, a directory, unwritable)."""


class CorruptDatabaseError(StoreError):
    """The file exists but is not a SQLite database this tool can read."""


class NotAStoreError(StoreError):
    """The file is empty or another application's SQLite database; it is left as it was."""


class StoreBusyError(StoreError):
    """Another process held the database's lock for longer than the busy timeout."""


class NewerSchemaError(StoreError):
    """The database was written by a newer benchagent schema."""


class NotFoundError(StoreError):
    """A run, sample or program id that the store does not hold."""


class BrowseError(StoreError):
    """Datasette could not be started or did not answer."""
