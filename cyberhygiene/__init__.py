"""Cyber Hygiene Bot: a bilingual (English / Mexican Spanish) cyber-hygiene chatbot."""

__version__ = "0.1.0"
