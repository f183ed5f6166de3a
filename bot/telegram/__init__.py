"""The Telegram adapter: pure translators (:mod:`.translate`: update JSON -> Incoming;
:mod:`.render`: Reply -> HTML or plain text and an inline keyboard), a messenger that turns Bot API
errors into delivery errors (:mod:`.messenger`), and a thin loop around python-telegram-bot's
Application (:mod:`.loop`). No database here: the live path owns dedupe, ordering and retries."""
