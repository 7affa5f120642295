"""`msg()` for the domain: one implementation, in the gateway's `amazon/text.py` (the gateway cannot import
domain/, the domain imports the gateway)."""

from amazon_integration.amazon.text import Text, msg, text_of

__all__ = ["Text", "msg", "text_of"]
