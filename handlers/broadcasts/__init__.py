"""Broadcasts: the secretariat's notices, composed in a chat or from the shell, and who gets them."""
