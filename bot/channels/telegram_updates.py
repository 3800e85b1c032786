"""Turn a Telegram Update into the core's inbound event, or None when there is nothing to pass on.

Only private chats are conversations; what arrives from groups and channels is answered by the
channel (`is_private`) and never reaches the core.
"""

from __future__ import annotations

from datetime import datetime

from telegram import Message, MessageEntity, Update

from bot.core.events import (
    ButtonPressed,
    CommandReceived,
    Inbound,
    TextReceived,
    UnsupportedReceived,
)

# Message attributes the bot cannot read, in the order they are checked.
UNSUPPORTED_KINDS = (
    "sticker",
    "animation",
    "photo",
    "video",
    "video_note",
    "voice",
    "audio",
    "document",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
    "game",
    "story",
    "paid_media",
)


def user_of(update: Update) -> str | None:
    """The participant's address, 'telegram:<user id>'."""
    user = update.effective_user
    return f"telegram:{user.id}" if user is not None and not user.is_bot else None


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == chat.PRIVATE


def to_inbound(update: Update, at: datetime) -> Inbound | None:
    """The event for an update from a private chat; None for anything the core has no use for."""
    user = user_of(update)
    if user is None or not is_private(update):
        return None
    hint = update.effective_user.language_code if update.effective_user else None
    if update.callback_query is not None:
        return ButtonPressed(user, at, update.callback_query.data or "", lang_hint=hint)
    message = update.message or update.edited_message
    if message is None:
        return None
    if message.text is not None:
        command = command_of(message)
        if command is not None:
            name, args = command
            return CommandReceived(user, at, name, args, lang_hint=hint)
        return TextReceived(user, at, message.text, lang_hint=hint)
    kind = next((k for k in UNSUPPORTED_KINDS if getattr(message, k, None)), "other")
    return UnsupportedReceived(user, at, kind, lang_hint=hint)


def command_of(message: Message) -> tuple[str, str] | None:
    """(command, arguments) when the message starts with a bot command, as /start does."""
    text = message.text or ""
    entity = next(iter(message.entities or ()), None)
    if entity is None or entity.type != MessageEntity.BOT_COMMAND or entity.offset != 0:
        return None
    command = text[1 : entity.length].split("@")[0]
    return command.lower(), text[entity.length :].strip()
