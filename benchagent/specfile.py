"""A spec as YAML a person can read and edit, and back."""

from pathlib import Path

import yaml
from pydantic import ValidationError

from benchagent.errors import InputError
from benchagent.signatures import Spec

HEADER = (
    "# benchagent spec: edit quotas, remove subtasks or sources, then run\n"
    "#   benchagent build --spec THIS_FILE --db PATH\n"
    "# The benchmark size is the sum of the quotas; shares are spread again when they no longer add up.\n"
)


def write_spec(spec: Spec, path: str | Path) -> None:
    data = spec.model_dump(mode="json")
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
    Path(path).write_text(HEADER + text, encoding="utf-8")


def read_spec(path: str | Path) -> Spec:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read spec {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"spec {path} is not UTF-8 text (a spec is the YAML `benchagent plan --out` writes)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise InputError(f"spec {path} is not valid YAML{where}") from None
    try:
        return Spec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        place = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise InputError(f"spec {path}: {place}: {first['msg']}") from None
