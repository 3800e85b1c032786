"""Read the content folder into a Catalogue, collecting every problem instead of stopping at one.

`load_catalogue` is what the bot uses at start-up: it refuses content that does not pass
bot.content.check. `read_content` is what the check itself uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.content.catalogue import Catalogue
from bot.content.check import check_catalogue
from bot.content.schema import Languages, Module

M = TypeVar("M", bound=BaseModel)


class ContentError(Exception):
    """The content cannot be used; `problems` has one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} content problem(s):\n" + "\n".join(problems))
        self.problems = problems


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        with path.open(encoding="utf-8") as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as exc:
        problems.append(f"{path.name}: cannot read: {exc}")
        return None


def _validate(model: type[M], data: Any, where: str, problems: list[str]) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(part) for part in err["loc"])
            problems.append(f"{where}: {loc}: {err['msg']}" if loc else f"{where}: {err['msg']}")
        return None


def read_content(root: Path) -> tuple[Catalogue | None, list[str]]:
    """The catalogue in `root` (None if it cannot be built) and the problems found reading it."""
    problems: list[str] = []
    langs = _validate(
        Languages, _read_yaml(root / "languages.yml", problems), "languages.yml", problems
    )
    ui: dict[str, dict[str, str]] = {}
    for path in sorted((root / "ui").glob("*.yml")):
        data = _read_yaml(path, problems)
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            problems.append(f"ui/{path.name}: must map string keys to string texts")
            continue
        ui[path.stem] = data
    modules: dict[str, Module] = {}
    for path in sorted((root / "modules").glob("*.yml")):
        module = _validate(Module, _read_yaml(path, problems), f"modules/{path.name}", problems)
        if module is None:
            continue
        if module.id != path.stem:
            problems.append(f"modules/{path.name}: id {module.id} differs from the file name")
        if module.id in modules:
            problems.append(f"modules/{path.name}: module id {module.id} used twice")
        modules[module.id] = module
    if langs is None:
        return None, problems
    catalogue = Catalogue(tuple(langs.languages), tuple(langs.fallback), langs.source, ui, modules)
    return catalogue, problems


def load_catalogue(root: Path) -> Catalogue:
    """The catalogue in `root`, or ContentError listing every problem."""
    catalogue, problems = read_content(root)
    if catalogue is not None:
        problems += check_catalogue(catalogue)
    if problems or catalogue is None:
        raise ContentError(problems)
    return catalogue
