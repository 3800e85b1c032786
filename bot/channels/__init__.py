"""Channels: adapters between a way of chatting (terminal, Telegram) and the conversation host."""
