"""Werkpad: a chatbot that guides statushouders step by step towards work or study.

The package is split so that the conversation itself (`bot.core`) is pure and every kind of I/O
lives around it: `bot.content` loads the content, `bot.storage` keeps the state, `bot.channels`
talks to people, and `bot.app` wires them together.
"""

__version__ = "0.1.0"
