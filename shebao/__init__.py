"""Shared infrastructure for shebao-bot: settings, database, masking, and the command line.

Modules here other than ``cli`` import none of the layers (bot, intents, knowledge, webhooks,
proxy); every layer may import them.
"""

__version__ = "0.1.0"
