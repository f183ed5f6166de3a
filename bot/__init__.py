"""Composition root, adapters (console, Slack, Telegram) and the command line."""
