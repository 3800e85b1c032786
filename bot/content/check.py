"""Rules that span the content: every language complete, every reference resolvable, every text fit.

`check_catalogue` returns one line per problem; `werkpad content check` prints them, and the bot
will not start while there are any.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterator
from datetime import date, timedelta

from bot.content.catalogue import Catalogue
from bot.content.schema import Module, Step
from bot.core.actions import MAX_DATA_BYTES

MAX_STEP_CHARS = 700
MAX_UI_CHARS = 1500
MAX_LABEL_CHARS = 40
LABEL_KEYS = re.compile(
    r"^(nav\.|topic\.|delete\.(yes|no)$|privacy\.delete_button$|stop\.resume_button$)"
)
MONEY = re.compile(r"(EUR|€)\s?\d|\d\s?(euro\b|EUR\b)", re.IGNORECASE)
PERCENT = re.compile(r"\d\s?%")
YEAR = re.compile(r"\b20\d\d\b")
MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|\*\*|__|`|\[[^\]]+\]\([^)]+\)")


def check_catalogue(
    catalogue: Catalogue, today: date | None = None, max_age_days: int = 365
) -> list[str]:
    """Every problem in the catalogue, one line each; an empty list means it is fit to use."""
    problems = list(_check_languages(catalogue))
    problems += _check_ui(catalogue)
    asked = _questions(catalogue)
    for module in catalogue.menu_modules():
        problems += _check_module(catalogue, module, asked, today, max_age_days)
    return problems


def _check_languages(catalogue: Catalogue) -> Iterator[str]:
    codes = [lang.code for lang in catalogue.languages]
    for code in {c for c in codes if codes.count(c) > 1}:
        yield f"languages.yml: language {code} listed twice"
    for code in catalogue.fallback:
        if code not in codes:
            yield f"languages.yml: fallback language {code} is not a supported language"
    for code in codes:
        if code not in catalogue.ui:
            yield f"ui/{code}.yml: missing (every supported language needs its interface strings)"
    for code in catalogue.ui:
        if code not in codes:
            yield f"ui/{code}.yml: {code} is not in languages.yml"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _text_problems(where: str, text: str, limit: int) -> Iterator[str]:
    if not text.strip():
        yield f"{where}: empty text"
    if len(text) > limit:
        yield f"{where}: {len(text)} characters, more than {limit}"
    if any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in text):
        yield f"{where}: contains control characters"
    if MARKUP.search(text):
        yield f"{where}: contains markup; content is plain text"


def _check_ui(catalogue: Catalogue) -> Iterator[str]:
    reference = catalogue.ui.get(catalogue.fallback[0], {})
    keys = (
        set().union(*(set(strings) for strings in catalogue.ui.values())) if catalogue.ui else set()
    )
    for code, strings in sorted(catalogue.ui.items()):
        for key in sorted(keys - set(strings)):
            yield f"ui/{code}.yml: {key}: missing"
        for key, text in strings.items():
            limit = MAX_LABEL_CHARS if LABEL_KEYS.match(key) else MAX_UI_CHARS
            yield from _text_problems(f"ui/{code}.yml: {key}", text, limit)
            try:
                names = _placeholders(text)
            except ValueError as exc:
                yield f"ui/{code}.yml: {key}: broken placeholder: {exc}"
                continue
            if key in reference and names != _placeholders(reference[key]):
                yield (
                    f"ui/{code}.yml: {key}: placeholders {sorted(names)} differ from "
                    f"{sorted(_placeholders(reference[key]))}"
                )


def _questions(catalogue: Catalogue) -> dict[str, set[str]]:
    """Every profile field some question asks, with the values it offers."""
    asked: dict[str, set[str]] = {}
    for module in catalogue.modules.values():
        for step in module.steps.values():
            if step.ask and step.remember:
                asked.setdefault(step.ask, set()).update(o.value for o in step.options)
    return asked


def _targets(step: Step) -> list[str]:
    targets = [step.next] if step.next else []
    targets += [b.to for b in step.buttons] + [o.to for o in step.options]
    return targets + [r.to for r in step.when]


def _button_data(module: Module, step_id: str, step: Step) -> list[str]:
    here = f"{module.id}.{step_id}"
    gos = ([step.next] if step.next else []) + [b.to for b in step.buttons]
    data = [f"go:{here}:{t}" for t in gos]
    data += [f"ans:{here}:{o.value}" for o in step.options]
    data += [f"done:{here}", f"back:{here}", f"src:{here}"]
    return data


def _check_module(
    catalogue: Catalogue,
    module: Module,
    asked: dict[str, set[str]],
    today: date | None,
    max_age_days: int,
) -> Iterator[str]:
    where = f"modules/{module.id}.yml"
    for code in module.languages:
        if not catalogue.supports(code):
            yield f"{where}: language {code} is not in languages.yml"
    if catalogue.source not in module.languages:
        yield f"{where}: languages: the source language {catalogue.source} is missing"
    for code in module.languages:
        if code != catalogue.source and code not in module.status:
            yield f"{where}: status: {code} needs a status (machine or reviewed)"
    for code in module.status:
        if code not in module.languages or code == catalogue.source:
            yield f"{where}: status: {code} is not a translation of this module"
    if module.start not in module.steps:
        yield f"{where}: start: no step {module.start}"
    for code in module.languages:
        if code not in module.title:
            yield f"{where}: title: missing {code}"
        else:
            yield from _text_problems(f"{where}: title.{code}", module.title[code], MAX_LABEL_CHARS)
    for step_id, step in module.steps.items():
        yield from _check_step(catalogue, module, step_id, step, asked, today, max_age_days)
    yield from _check_reachable(module)
    yield from _check_branch_loops(catalogue, module)


def _check_step(
    catalogue: Catalogue,
    module: Module,
    step_id: str,
    step: Step,
    asked: dict[str, set[str]],
    today: date | None,
    max_age_days: int,
) -> Iterator[str]:
    where = f"modules/{module.id}.yml: {step_id}"
    texts = {"text": step.text} if step.text else {}
    texts |= {f"variants[{i}]": v.text for i, v in enumerate(step.variants)}
    texts |= {f"buttons[{i}]": b.label for i, b in enumerate(step.buttons)}
    texts |= {f"options[{i}]": o.label for i, o in enumerate(step.options)}
    for field, by_lang in texts.items():
        limit = (
            MAX_STEP_CHARS if field == "text" or field.startswith("variants") else MAX_LABEL_CHARS
        )
        for code in module.languages:
            if code not in by_lang:
                yield f"{where}: {field}: missing {code}"
            else:
                yield from _text_problems(f"{where}: {field}.{code}", by_lang[code], limit)
    for target in _targets(step):
        if target == "menu":
            continue
        mod_id, _, target_step = target.rpartition(".")
        target_module = catalogue.modules.get(mod_id) if mod_id else module
        if target_module is None or target_step not in target_module.steps:
            yield f"{where}: leads to {target}, which does not exist"
    conditions = [rule.when or {} for rule in step.when] + [v.when for v in step.variants]
    for condition in conditions:
        for key, wanted in condition.items():
            if key not in asked:
                yield f"{where}: branches on {key}, which no question asks"
                continue
            for value in [wanted] if isinstance(wanted, str) else wanted:
                if value not in asked[key]:
                    yield f"{where}: branches on {key}={value}, which no question offers"
    if len(step.options) != len({o.value for o in step.options}):
        yield f"{where}: two options with the same value"
    for data in _button_data(module, step_id, step):
        if len(data.encode("utf-8")) > MAX_DATA_BYTES:
            yield f"{where}: button data {data!r} is over {MAX_DATA_BYTES} bytes"
    yield from _check_rules(catalogue, where, step)
    if step.verified and today:
        if step.verified > today:
            yield f"{where}: verified {step.verified} is in the future"
        elif step.verified < today - timedelta(days=max_age_days):
            yield f"{where}: verified {step.verified} is more than {max_age_days} days ago"


def _check_rules(catalogue: Catalogue, where: str, step: Step) -> Iterator[str]:
    """Amounts and percentages are rules: they need a source, and money needs its year."""
    if step.example_amounts:
        return
    texts = [step.text, *(v.text for v in step.variants)] if step.text else []
    for by_lang in texts:
        source = by_lang.get(catalogue.source, "")
        if (MONEY.search(source) or PERCENT.search(source)) and not step.sources:
            yield f"{where}: states an amount or percentage without a source"
        if MONEY.search(source) and not YEAR.search(source):
            yield f"{where}: states an amount without its year"


def _check_reachable(module: Module) -> Iterator[str]:
    seen: set[str] = set()
    todo = [module.start]
    while todo:
        step_id = todo.pop()
        if step_id in seen or step_id not in module.steps:
            continue
        seen.add(step_id)
        todo += [t for t in _targets(module.steps[step_id]) if "." not in t and t != "menu"]
    for step_id in module.steps:
        if step_id not in seen:
            yield f"modules/{module.id}.yml: {step_id}: cannot be reached from {module.start}"


def _check_branch_loops(catalogue: Catalogue, module: Module) -> Iterator[str]:
    """Branches that lead to branches must end at a message step, never go round in a circle."""

    def branch_targets(step_id: str) -> list[str]:
        step = module.steps[step_id]
        return [r.to for r in step.when if r.to in module.steps and module.steps[r.to].is_branch]

    def cycle_from(step_id: str, chain: tuple[str, ...]) -> tuple[str, ...] | None:
        if step_id in chain:
            return (*chain, step_id)
        for target in branch_targets(step_id):
            found = cycle_from(target, (*chain, step_id))
            if found:
                return found
        return None

    for step_id, step in module.steps.items():
        if step.is_branch:
            cycle = cycle_from(step_id, ())
            if cycle and cycle[0] == step_id:
                where = f"modules/{module.id}.yml: {step_id}"
                yield f"{where}: branches loop through {' -> '.join(cycle)}"
