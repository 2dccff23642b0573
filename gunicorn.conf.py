"""gunicorn reads this file when started from the repository root; the configuration itself is
app/gunicorn_conf.py (installed with the package, used by ``shebao serve --prod``)."""

from app.gunicorn_conf import *  # noqa: F403
