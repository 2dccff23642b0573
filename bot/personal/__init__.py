"""Personal services: binding a WeChat user to a verified identity, the citizen's own records,
失业保险金 applications (form, submission, kept re-sends, status notices), volunteers and their
authorisations, input validation and sealing, with their models (``models``) and texts
(``texts``).

In the chat, ``binding`` (the bind form, ``account.bind``), ``records`` (``personal.*``),
``application_form`` (``apply.unemployment``) and ``authorisation`` (volunteers' codes, 「谁查过
我的信息」) answer; the composition root registers their handlers, forms, continuations and
commands (app/registrations.py). Channels (the mini-program API) call ``service``, which names
the same functions, so both apply the same rules.

Inside, imports go one way, in layers: models, texts, sealed, eligibility, validate →
volunteer, applications → binding, notifications → records, application_form, authorisation
→ service. Nothing is imported here, so importing one module does not import them all.
"""
