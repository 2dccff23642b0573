"""gunicorn reads this file when started from the repository root; the configuration itself is
shebao/gunicorn_conf.py (installed with the package, used by ``shebao serve --prod``)."""

from shebao.gunicorn_conf import *  # noqa: F403
