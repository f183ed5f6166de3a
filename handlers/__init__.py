"""What the bot does, platform-neutral: handlers take an incoming message and return replies.

Handlers never send anything themselves and never import a chat platform's library.
"""
