"""All content in memory: languages, interface strings and modules, with lookups the core needs.

A Catalogue is plain data once loaded; the conversation core reads it and never touches files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.content.schema import Language, Module, Step


class UnknownKey(KeyError):
    """An interface string that no language has."""


@dataclass(frozen=True)
class Catalogue:
    """Everything the participant can read."""

    languages: tuple[Language, ...]
    fallback: tuple[str, ...]
    source: str
    ui: dict[str, dict[str, str]]
    modules: dict[str, Module]
    _by_code: dict[str, Language] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {lang.code: lang for lang in self.languages})

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(lang.code for lang in self.languages)

    def language(self, code: str) -> Language:
        return self._by_code[code]

    def match_language(self, tag: str | None) -> str | None:
        """The supported language an app's language tag ('nl-BE', 'fa_IR', 'prs') stands for."""
        if not tag:
            return None
        base = tag.replace("_", "-").split("-")[0].lower()
        for lang in self.languages:
            if base == lang.code or base in lang.aliases:
                return lang.code
        return None

    def supports(self, code: str) -> bool:
        return code in self._by_code

    def text(self, lang: str, key: str, **values: object) -> str:
        """An interface string in `lang`, falling back along `fallback`, with values filled in."""
        for code in (lang, *self.fallback):
            template = self.ui.get(code, {}).get(key)
            if template is not None:
                return template.format(**values)
        raise UnknownKey(key)

    def menu_modules(self) -> list[Module]:
        return sorted(self.modules.values(), key=lambda m: (m.order, m.id))

    def module_language(self, module: Module, lang: str) -> str:
        """The language to show `module` in for a participant who reads `lang`."""
        if lang in module.languages:
            return lang
        for code in self.fallback:
            if code in module.languages:
                return code
        return module.languages[0]

    def step(self, content_id: str) -> tuple[Module, Step] | None:
        """The module and step a content id such as `cv.intro` names, if they exist."""
        module_id, _, step_id = content_id.partition(".")
        module = self.modules.get(module_id)
        if module is None or step_id not in module.steps:
            return None
        return module, module.steps[step_id]
