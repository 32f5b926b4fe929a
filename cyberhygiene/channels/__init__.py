"""Thin drivers of the engine: the console and Telegram."""
