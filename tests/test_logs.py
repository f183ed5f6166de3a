"""What the logs may carry: at DEBUG, a real `hcbot run` on Telegram writes no invite code, no word a
person wrote and no token, while the bot's own lines (routes, outcomes) are there."""

from __future__ import annotations

from pathlib import Path

from handlers.accounts import issue_invite
from handlers.secretariat.imports import import_file
from tests.conftest import EXAMPLES, START, database_url, fresh_database
from tests.faults import BotRun, bot_env, quiet_schedule, until
from tests.stubs.telegram_api import TOKEN, TelegramApiStub, message_update

QUESTION = "how did others run a zebraquokka complaint hotline?"  # a word nobody else would log


async def test_debug_logs_carry_no_code_no_message_text_and_no_token(tmp_path: Path) -> None:
    url = database_url("sqlite", tmp_path)
    database = await fresh_database(url)
    await import_file(database, EXAMPLES / "operations.yaml")
    await quiet_schedule(database)
    async with database.transaction() as session:
        code = (await issue_invite(session, "amina.hc@sahelia.invalid", START.replace(year=2030))).code
    await database.dispose()
    log = tmp_path / "hcbot-debug.log"
    stub = TelegramApiStub()
    await stub.start()
    bot = BotRun(bot_env(url, stub, log_level="DEBUG", log_file=str(log)), tmp_path)
    try:
        stub.push_update(message_update(6001, f"/start {code}"))
        stub.push_update(message_update(6001, QUESTION))
        stub.push_update(message_update(6001, f"/link WRONG{code}"))
        await until(lambda: len(stub.calls_to("sendMessage")) >= 4, 30, "the answers", bots=(bot,))
        exit_code, _took = await bot.terminate()
        assert exit_code == 0, bot.stderr()
    finally:
        bot.stop_quietly()
        await stub.close()
    written = log.read_text(encoding="utf-8")
    assert " DEBUG " in written  # the level really was DEBUG
    assert "handled by command:start" in written
    assert "handled by question" in written
    for secret in (code, code.lower(), "zebraquokka", TOKEN, TOKEN.split(":", 1)[1]):
        assert secret not in written, secret
    # A clean run and stop logs no error: the stop once raced PTB's closing getUpdates (timed out
    # waiting for the poll's connection, logged with a traceback that quoted the token's URL).
    assert " ERROR " not in written
    assert "Traceback" not in written
