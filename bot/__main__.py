"""Allow `python -m bot` as well as the `werkpad` console script."""

from bot.cli import main

raise SystemExit(main())
