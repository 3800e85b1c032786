"""The shape of Werkpad's content: languages, interface strings and modules, as pydantic models.

This module only describes what one file may contain. Rules that span files (every language
present, every reference resolvable) live in bot.content.check.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=24)]
LangCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
Target = Annotated[str, StringConstraints(pattern=r"^([a-z][a-z0-9_]*)(\.[a-z][a-z0-9_]*)?$")]
LangText = dict[LangCode, str]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Language(Strict):
    """One supported language."""

    code: LangCode
    name: str
    rtl: bool = False
    locale: str
    aliases: list[LangCode] = []  # other codes apps report for it (e.g. prs for Dari)


class Languages(Strict):
    """The contents of languages.yml."""

    languages: list[Language] = Field(min_length=1)
    fallback: list[LangCode] = Field(min_length=1)
    source: LangCode = "nl"  # the language content is written in; all others are translations


class Source(Strict):
    """Where a statement comes from."""

    title: str
    url: Annotated[str, StringConstraints(pattern=r"^https://\S+$")]


class Button(Strict):
    """An extra button on a step that leads somewhere."""

    label: LangText
    to: Target


class Option(Strict):
    """One answer to a question step."""

    value: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,16}$")]
    label: LangText
    to: Target


class Rule(Strict):
    """One rule of a branch: when the profile matches `if` (or always, without it), go to `to`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    when: dict[Ident, str | list[str]] | None = Field(default=None, alias="if")
    to: Target


class Variant(Strict):
    """Text that replaces a step's text for participants whose profile matches, such as the
    rules of one gemeente. The step's own text is the default for everyone else."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    when: dict[Ident, str | list[str]] = Field(alias="if")
    text: LangText


class Step(Strict):
    """One step of a module: a message with buttons, a question, a checklist item or a branch."""

    text: LangText | None = None
    next: Target | None = None
    buttons: list[Button] = []
    ask: Ident | None = None
    options: list[Option] = []
    # False for answers that only pick the way (health, for example): nothing is kept in the profile
    remember: bool = True
    when: list[Rule] = []
    checklist: bool = False
    variants: list[Variant] = []
    example_amounts: bool = False  # its amounts are made-up illustrations, not rules
    sources: list[Source] = []
    verified: date | None = None

    @model_validator(mode="after")
    def one_kind(self) -> Step:
        if self.when:
            if self.text or self.next or self.buttons or self.options or self.checklist:
                raise ValueError("a branch (when) has no text, next, buttons, options or checklist")
            if self.variants:
                raise ValueError("a branch (when) has no variants")
            if self.when[-1].when is not None:
                raise ValueError("the last rule of a branch must be a default without `if`")
            return self
        if self.text is None:
            raise ValueError("a step needs text (or `when` for a branch)")
        if bool(self.ask) != bool(self.options):
            raise ValueError("a question needs both `ask` and `options`")
        if self.options and self.next:
            raise ValueError("a question goes on by its options, not by `next`")
        if self.checklist and not self.next:
            raise ValueError("a checklist step needs `next`")
        if self.sources and self.verified is None:
            raise ValueError("a step with sources needs a `verified` date")
        return self

    def text_for(self, profile: Mapping[str, str]) -> LangText:
        """The text for a participant: the first variant their profile matches, else the step's."""
        for variant in self.variants:
            if all(
                profile.get(key) in ([wanted] if isinstance(wanted, str) else wanted)
                for key, wanted in variant.when.items()
            ):
                return variant.text
        assert self.text is not None
        return self.text

    @property
    def is_branch(self) -> bool:
        return bool(self.when)

    @property
    def is_end(self) -> bool:
        return not (self.when or self.next or self.buttons or self.options)


class Module(Strict):
    """A short course: steps the participant walks through one message at a time."""

    id: Ident
    order: int
    title: LangText
    languages: list[LangCode] = Field(min_length=1)
    # Per translation: "machine" until a native speaker has reviewed it, then "reviewed".
    status: dict[LangCode, Literal["machine", "reviewed"]] = {}
    intents: list[Ident] = []
    start: Ident
    steps: dict[Ident, Step] = Field(min_length=1)
