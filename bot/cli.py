"""The `werkpad` command: parse the arguments and call into the app; nothing else."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from bot.clock import SystemClock
from bot.config import Settings
from bot.logs import configure_logging

ENGINES = ["embedded", "rasa"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    configure_logging(
        logging.INFO if args.func is cmd_run else logging.WARNING,
        settings.log_format,
        [settings.telegram_token or "", settings.webhook_secret or ""],
    )
    from bot.content.loader import ContentError

    try:
        result: int = args.func(args)
    except ContentError as error:
        print(
            "werkpad: the content cannot be used; `werkpad content check` lists why:",
            file=sys.stderr,
        )
        print("\n".join(error.problems[:20]), file=sys.stderr)
        return 1
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="werkpad", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    chat = sub.add_parser("chat", help="chat with Werkpad in the terminal")
    chat.add_argument("--user", default="local", help="who is chatting (default: local)")
    chat.add_argument("--lang", help="choose this language first (nl, en, ar, ti, fa, so, tr)")
    chat.add_argument("--db", help="database URL (default: DATABASE_URL or SQLite under ./var)")
    chat.set_defaults(func=cmd_chat)

    run = sub.add_parser("run", help="run the bot (a terminal chat when no Telegram token is set)")
    run.set_defaults(func=cmd_run)

    content = sub.add_parser("content", help="work with the content in content/")
    content_sub = content.add_subparsers(required=True, metavar="ACTION")
    check = content_sub.add_parser("check", help="exit 0 when the content is complete and valid")
    check.add_argument("--today", type=date.fromisoformat, help="check dates as of this day")
    check.add_argument("--max-age-days", type=int, default=365, help="oldest allowed verified date")
    check.set_defaults(func=cmd_content_check)
    stats = content_sub.add_parser("stats", help="modules x languages x translation status")
    stats.set_defaults(func=cmd_content_stats)

    nlu = sub.add_parser("nlu", help="the natural language understanding")
    nlu_sub = nlu.add_subparsers(required=True, metavar="ACTION")
    parse = nlu_sub.add_parser("parse", help="print the parse of TEXT as JSON")
    parse.add_argument("text")
    parse.add_argument("--engine", choices=ENGINES, help="default: NLU_ENGINE or embedded")
    parse.set_defaults(func=cmd_nlu_parse)
    evaluate = nlu_sub.add_parser("eval", help="evaluate on Rasa NLU YAML files")
    evaluate.add_argument("files", nargs="+", type=Path)
    evaluate.add_argument("--engine", choices=ENGINES, help="default: NLU_ENGINE or embedded")
    evaluate.add_argument("--json", action="store_true", help="one JSON object")
    evaluate.add_argument(
        "--unseen", action="store_true", help="only examples that are not in the training data"
    )
    evaluate.set_defaults(func=cmd_nlu_eval)
    train = nlu_sub.add_parser("train", help="train the engine on nlu/data")
    train.add_argument("--engine", choices=ENGINES, help="default: NLU_ENGINE or embedded")
    train.add_argument("--out", type=Path, help="rasa: the project folder to train in")
    train.add_argument("--rasa-bin", default=None, help="rasa: the rasa executable (RASA_BIN)")
    train.set_defaults(func=cmd_nlu_train)

    db = sub.add_parser("db", help="the database")
    db_sub = db.add_subparsers(required=True, metavar="ACTION")
    upgrade = db_sub.add_parser("upgrade", help="apply all migrations")
    upgrade.add_argument("--db", help="database URL")
    upgrade.set_defaults(func=cmd_db_upgrade)
    return parser


def settings_for(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    if getattr(args, "db", None):
        settings = replace(settings, database_url=args.db)
    return settings


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.app import build_app
    from bot.channels.terminal import TerminalChat
    from bot.core.events import ButtonPressed, CommandReceived

    app = build_app(settings_for(args))
    interactive = sys.stdin.isatty()
    chat = TerminalChat(app.conversations, app.clock, f"terminal:{args.user}", sys.stdout)
    try:
        if args.lang:
            if not app.catalogue.supports(args.lang):
                print(f"werkpad: unknown language {args.lang}", file=sys.stderr)
                return 2
            chat.send(ButtonPressed(chat.user, app.clock.now(), f"lang:{args.lang}"))
        elif interactive:
            chat.send(CommandReceived(chat.user, app.clock.now(), "start"))
        chat.run(sys.stdin, prompt="> " if interactive else "")
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    if settings.telegram_token is None:
        print("No TELEGRAM_BOT_TOKEN set: starting a chat in the terminal.\n", file=sys.stderr)
        return cmd_chat(argparse.Namespace(user="local", lang=None, db=None))
    from bot.app import build_app
    from bot.channels.telegram import TelegramChannel

    app = build_app(settings)
    try:
        TelegramChannel(
            settings, app.conversations, app.catalogue, app.clock, dispatcher=app.dispatcher
        ).run()
    finally:
        app.close()
    return 0


def cmd_content_check(args: argparse.Namespace) -> int:
    from bot.content.check import check_catalogue
    from bot.content.loader import read_content

    settings = Settings.from_env()
    catalogue, problems = read_content(settings.content_dir)
    if catalogue is not None:
        problems += check_catalogue(
            catalogue, args.today or SystemClock().now().date(), args.max_age_days
        )
    for problem in problems:
        print(problem)
    if not problems and catalogue is not None:
        steps = sum(len(m.steps) for m in catalogue.modules.values())
        print(
            f"content ok: {len(catalogue.codes)} languages, {len(catalogue.modules)} modules, "
            f"{steps} steps",
            file=sys.stderr,
        )
    return 1 if problems else 0


def nlu_settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    return replace(settings, nlu_engine=args.engine) if args.engine else settings


def cmd_nlu_parse(args: argparse.Namespace) -> int:
    from bot.app import nlu_for

    print(json.dumps(nlu_for(nlu_settings(args)).parse(args.text), ensure_ascii=False))
    return 0


def cmd_nlu_eval(args: argparse.Namespace) -> int:
    from bot.app import nlu_for
    from bot.nlu.data import read_examples, unseen
    from bot.nlu.evaluate import evaluate

    settings = nlu_settings(args)
    examples = read_examples(args.files)
    if args.unseen:
        examples = unseen(examples, read_examples([settings.nlu_dir / "data" / "nlu"]))
    result = evaluate(nlu_for(settings), examples)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(
        f"{result['engine']}: n={result['n']} accuracy={result['accuracy']:.3f} "
        f"macro_f1={result['macro_f1']:.3f} language={result['language_detection_accuracy']:.3f} "
        f"p50={result['latency_ms']['p50']:.2f}ms p95={result['latency_ms']['p95']:.2f}ms"
    )
    for lang, row in result["per_language"].items():
        print(
            f"  {lang}: n={row['n']} accuracy={row['accuracy']:.3f} macro_f1={row['macro_f1']:.3f}"
        )
    weakest = sorted(result["per_intent"].items(), key=lambda item: item[1]["f1"])[:5]
    print("  weakest: " + ", ".join(f"{name} {row['f1']:.2f}" for name, row in weakest))
    return 0


def cmd_nlu_train(args: argparse.Namespace) -> int:
    settings = nlu_settings(args)
    if settings.nlu_engine == "rasa":
        from bot.nlu.rasa_project import train_rasa

        rasa_bin = args.rasa_bin or os.environ.get("RASA_BIN") or "rasa"
        out = args.out or settings.data_dir / "rasa"
        model, seconds = train_rasa(settings.nlu_dir, out, rasa_bin)
        print(f"rasa: trained {model} in {seconds:.1f} s")
        return 0
    from bot.nlu.embedded import EmbeddedNLU

    engine = EmbeddedNLU([settings.nlu_dir / "data" / "nlu"], settings.nlu_cache_dir)
    models = engine.load_or_train(force=True)
    print(f"embedded: trained on {models.examples} examples in {models.trained_seconds:.1f} s")
    return 0


def cmd_content_stats(args: argparse.Namespace) -> int:
    from bot.content.loader import read_content
    from bot.content.stats import stats_table

    catalogue, problems = read_content(Settings.from_env().content_dir)
    if catalogue is None:
        print("\n".join(problems), file=sys.stderr)
        return 1
    print(stats_table(catalogue))
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.storage.repo import Repo

    repo = Repo(settings_for(args).database_url)
    repo.migrate()
    repo.dispose()
    return 0
