"""bench/results.json: each bench's latest figures under its own key, with the date and the machine's cores."""

import json
import os
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")


def record(bench: str, figures: dict) -> None:
    """Merge one bench's figures into results.json, replacing only that bench's key."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[bench] = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cores": os.cpu_count(),
                      **figures}
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
