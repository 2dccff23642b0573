"""Personal services: binding a WeChat user to a verified identity, the citizen's own records,
失业保险金 applications (form, submission, kept re-sends, status notices), volunteers and their
authorisations, input validation and sealing, with their models (``models``) and texts
(``texts``). ``handlers`` answers the personal intents in the chat; the mini-program API
(webhooks/miniprogram.py) calls the same functions.

Nothing is imported here: the modules import each other and the engine's, and an eager import
would make the package's import order matter.
"""
