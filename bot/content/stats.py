"""A table of the content: per module and language, whether it is there and how far it is trusted.

`source` is the language content is written in; `machine` a translation no native speaker has
reviewed yet; `reviewed` one that a native speaker has; `-` not there (participants read the
fallback language with a note).
"""

from __future__ import annotations

from bot.content.catalogue import Catalogue


def status_of(catalogue: Catalogue, module_id: str, lang: str) -> str:
    module = catalogue.modules[module_id]
    if lang not in module.languages:
        return "-"
    return "source" if lang == catalogue.source else module.status.get(lang, "?")


def stats_table(catalogue: Catalogue) -> str:
    """Markdown: modules as rows, languages as columns, with steps and sourced steps per module."""
    codes = catalogue.codes
    lines = [
        "| module | steps | sourced | " + " | ".join(codes) + " |",
        "|---|---:|---:|" + "---|" * len(codes),
    ]
    for module in catalogue.menu_modules():
        shown = [s for s in module.steps.values() if not s.is_branch]
        sourced = sum(1 for s in shown if s.sources)
        cells = " | ".join(status_of(catalogue, module.id, code) for code in codes)
        lines.append(f"| {module.id} | {len(shown)} | {sourced} | {cells} |")
    return "\n".join(lines)
