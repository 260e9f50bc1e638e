"""Why a Kafka client could not bootstrap, in words a person can act on.

aiokafka says only "Unable to bootstrap from [...]" (the TLS reason goes to a log line). When
that happens at start, ``bootstrap_problem`` connects to the first bootstrap server once more —
as the client did, with the same TLS context — and names what went wrong: nothing listening, a
certificate the CA file does not trust, a TLS port spoken to in plaintext, a plaintext port
spoken to in TLS. No aiokafka import here, so the CLI can catch ``KafkaUnavailable`` cheaply.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl

from streams.settings import Security

TIMEOUT_SECONDS = 5.0


class KafkaUnavailable(RuntimeError):
    """The broker cannot be reached with the settings given; the message says why."""


async def bootstrap_problem(bootstrap: str, security: Security, context: object = None) -> str:
    """A sentence on why a client with ``security`` (and its ``ssl.SSLContext``, ``context``)
    cannot reach ``bootstrap`` (``host:port,...``; the first is tried)."""
    where, host, port = _first_server(bootstrap, security)
    if port is None:
        return f"cannot reach {where}: {bootstrap.split(',')[0].strip()!r} is not HOST:PORT"
    if _is_tls(security, context):
        problem = await _tls_problem(where, host, port, context, security)  # type: ignore[arg-type]
        return problem or (
            f"cannot reach {where}: TLS to it works (the certificate is trusted), but the Kafka "
            "client could not bootstrap; check the broker's advertised listeners and its log"
        )
    if await _speaks_tls(host, port):
        return (
            f"cannot reach {where}: the port speaks TLS; set VIGILMAR_SECURITY_PROTOCOL=SSL "
            "(or SASL_SSL) and VIGILMAR_SSL_CAFILE to the CA that signed the broker's certificate"
        )
    return f"cannot reach {where}: {await _plain_problem(host, port)}"


async def tls_problem(bootstrap: str, security: Security, context: object = None) -> str | None:
    """Before a TLS client starts: a sentence on why a handshake with the first bootstrap server
    fails (a plaintext port, an untrusted certificate, nothing listening), or ``None`` if it
    succeeds or the protocol is not TLS. aiokafka would wait its whole request timeout (40 s)
    on a plaintext port before giving up; this answers within ``TIMEOUT_SECONDS``."""
    where, host, port = _first_server(bootstrap, security)
    if port is None or not _is_tls(security, context):
        return None  # a malformed address is named by bootstrap_problem once the client fails
    return await _tls_problem(where, host, port, context, security)  # type: ignore[arg-type]


def _first_server(bootstrap: str, security: Security) -> tuple[str, str, int | None]:
    """(how to name it, host, port or ``None`` if malformed) of the first bootstrap server."""
    server = bootstrap.split(",")[0].strip()
    host, _, port_text = server.rpartition(":")
    where = f"Kafka at {server} (VIGILMAR_BROKER, VIGILMAR_SECURITY_PROTOCOL={security.protocol})"
    try:
        return where, host, int(port_text)
    except ValueError:
        return where, host, None


def _is_tls(security: Security, context: object) -> bool:
    return security.protocol in ("SSL", "SASL_SSL") and isinstance(context, ssl.SSLContext)


async def _tls_problem(
    where: str, host: str, port: int, context: ssl.SSLContext, security: Security
) -> str | None:
    """Why a verified TLS handshake fails, or ``None`` if it succeeds."""
    cafile = security.cafile if security.cafile is not None else "the system's CAs"
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=context, server_hostname=host),
            TIMEOUT_SECONDS,
        )
    except ssl.SSLCertVerificationError as err:
        return (
            f"cannot reach {where}: the broker's TLS certificate is not trusted "
            f"({err.verify_message}); VIGILMAR_SSL_CAFILE ({cafile}) must hold the CA that signed "
            "it"
        )
    except ssl.SSLError as err:
        return (
            f"cannot reach {where}: the TLS handshake failed ({err.reason or err}); is this a TLS "
            "listener? for a plaintext one set VIGILMAR_SECURITY_PROTOCOL=PLAINTEXT"
        )
    except (TimeoutError, ConnectionResetError, asyncio.IncompleteReadError):
        return (
            f"cannot reach {where}: no TLS answer (within {TIMEOUT_SECONDS:g} s); is this a "
            "plaintext listener? then set VIGILMAR_SECURITY_PROTOCOL=PLAINTEXT"
        )
    except OSError as err:
        return f"cannot reach {where}: {_os_problem(err)}"
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError):
        await writer.wait_closed()
    return None


async def _speaks_tls(host: str, port: int) -> bool:
    """Whether a TLS handshake (not verified: only the protocol is asked) succeeds."""
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    probe.check_hostname = False
    probe.verify_mode = ssl.CERT_NONE
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=probe), TIMEOUT_SECONDS
        )
    except (OSError, TimeoutError, ssl.SSLError):
        return False
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError):
        await writer.wait_closed()
    return True


async def _plain_problem(host: str, port: int) -> str:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), TIMEOUT_SECONDS)
    except (OSError, TimeoutError) as err:
        return _os_problem(err)
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return "a connection opens but the Kafka client could not bootstrap; is it a Kafka broker?"


def _os_problem(err: BaseException) -> str:
    if isinstance(err, TimeoutError):
        return f"no answer within {TIMEOUT_SECONDS:g} s"
    if isinstance(err, ConnectionRefusedError):
        return "nothing is listening there (connection refused)"
    return getattr(err, "strerror", None) or str(err)
