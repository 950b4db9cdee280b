"""Numbered schema migrations, applied in order and tracked in PRAGMA user_version."""

from importlib import resources


def migration_scripts() -> list[tuple[int, str]]:
    """Every migration as (number, SQL), sorted by number."""
    folder = resources.files("benchagent.store") / "sql"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..n: {numbers}")
    return found
