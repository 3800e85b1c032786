"""Where participants, their progress and the event log are kept (SQLAlchemy 2, Alembic).

`Repo` is the only way in; it opens every Session. Tables are created by migrations, never by
`create_all`, so SQLite and PostgreSQL databases always have the same history.
"""

from bot.storage.repo import Repo, Transaction

__all__ = ["Repo", "Transaction"]
