# shebao-bot: one image for every process of the production set-up (compose.yaml).
#   web      shebao serve --prod   (the default command: gunicorn, app/gunicorn_conf.py)
#   worker   shebao worker         (the outbox)
#   release  shebao db upgrade     (migrations, once per release)
# Configuration comes from the environment at run time; no secret is baked into the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The pinned dependencies first (every one is `==` in pyproject.toml: [project] dependencies
# and the [prod] extra: gunicorn, redis, psycopg), in a layer of their own, so a code change
# does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['prod']))" > /tmp/requirements.txt \
 && pip install --requirement /tmp/requirements.txt \
 && rm /tmp/requirements.txt

# The code, installed without touching the dependencies again.
COPY README.md alembic.ini gunicorn.conf.py ./
COPY app ./app
COPY shebao ./shebao
COPY bot ./bot
COPY intents ./intents
COPY knowledge ./knowledge
COPY webhooks ./webhooks
COPY proxy ./proxy
RUN pip install --no-deps . \
 && useradd --system --create-home --home-dir /home/shebao --uid 10001 --user-group shebao

# Not root: the service needs no privileges (it writes only to /tmp: jieba's cache, the
# Prometheus multiprocess files).
USER shebao
ENV LOG_FORMAT=json

EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=6s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=5)"]
CMD ["shebao", "serve", "--prod", "--host", "0.0.0.0", "--port", "8000"]
