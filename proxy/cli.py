"""``shebao sandbox-core``: run the sandbox core service over HTTP.

Point the bot at it with ``CORE_BASE_URL=http://127.0.0.1:PORT``. Also runnable as
``python -m proxy.cli --port N``.
"""

from __future__ import annotations

import logging

import click


@click.command("sandbox-core")
@click.option("--port", default=8900, show_default=True, type=click.IntRange(0, 65535))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--database-url",
    default=None,
    help="The sandbox's own database [default: sandbox_core.db next to DATABASE_URL's file].",
)
def sandbox_core(port: int, host: str, database_url: str | None) -> None:
    """Serve the sandbox core service (demo citizens; one-time code 123456) over HTTP."""
    from werkzeug.serving import make_server

    from proxy.factory import sandbox_database_url
    from proxy.sandbox import create_sandbox_app
    from proxy.sandbox.demo import CITIZENS, ONE_TIME_CODE
    from shebao.settings import Settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    url = database_url or sandbox_database_url(Settings.from_env())
    server = make_server(host, port, create_sandbox_app(url), threaded=True)
    click.echo(f"sandbox core on http://{host}:{server.server_port} (data: {url})")
    click.echo(f"demo citizens (one-time code {ONE_TIME_CODE}):")
    for c in CITIZENS:
        click.echo(f"  {c.name} {c.id_number} {c.phone} {c.region}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    sandbox_core()
