"""Shared infrastructure for shebao-bot: settings, database, masking, and the command line.

Modules here other than the entry points (``cli``, and ``worker`` with the job types in
``jobs``) import none of the layers (bot, intents, knowledge, webhooks, proxy); every layer may
import them.
"""

__version__ = "0.1.0"
