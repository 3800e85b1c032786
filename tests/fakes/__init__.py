"""Test doubles that stand in for external services, such as a fake Telegram Bot API server."""
