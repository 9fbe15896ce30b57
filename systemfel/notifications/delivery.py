"""Handing one message to SMTP, or to a folder when no SMTP server is configured.

One SMTP transaction per message, step by step (MAIL, RCPT per recipient, DATA), so that
every reply is read for what it is: 2xx delivered, 4xx refused for now, 5xx refused for good
(per recipient at RCPT, for the whole message at DATA). A fault in our own settings — a wrong
password, TLS that cannot be set up, a server that will not take our sender — is no fault of
the message: it is raised as `ConfigurationFailure` and sending pauses.
"""

import base64
import re
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import format_datetime, parseaddr
from io import BytesIO
from pathlib import Path
from typing import Any

from systemfel.exports import clean_text, one_line
from systemfel.notifications.domain import Outcome
from systemfel.notifications.models import OutboxMessage

MAX_LINE = 998  # RFC 5322 2.1.1: no line longer than this, CRLF not counted


class ConfigurationFailure(Exception):
    """Our SMTP settings are wrong (login, TLS, sender): no message can go out until fixed."""


class LostClaim(Exception):
    """Another sender holds the message now: this one must not send it."""


def message_id(key: str, domain: str) -> str:
    """The same Message-ID every time a message is delivered: a repeat can be recognised."""
    return f"<{re.sub(r'[^A-Za-z0-9.-]', '.', key)}@{domain}>"


def mail_domain(config: dict[str, Any]) -> str:
    """The Message-ID's domain: MAIL_DOMAIN, else the domain of MAIL_FROM's address."""
    configured = str(config.get("MAIL_DOMAIN") or "").strip()
    if configured:
        return configured
    _, at, domain = parseaddr(config["MAIL_FROM"])[1].rpartition("@")
    return domain if at and domain else "systemfel"


def from_header(sender: str, name: str) -> Address:
    """MAIL_FROM's address under a display name, never a bare address.

    "PO Sjöstad via Systemfel" for a verksamhet's mail, else MAIL_FROM's own name, else
    "Systemfel".
    """
    own_name, address = parseaddr(one_line(sender))
    shown = one_line(name) or own_name or "Systemfel"
    return Address(display_name=shown, addr_spec=address)


def build(
    message: OutboxMessage, sender: str, now: datetime, domain: str = "systemfel"
) -> EmailMessage:
    """Return the e-mail; its Message-ID comes from the idempotency key, so repeats can be told.

    Every header is one clean line and the bodies hold no control characters, whatever was
    stored: a line break in a brist's title must not stop its message.
    """
    mail = EmailMessage()
    mail["From"] = from_header(sender, message.sender_name)
    if message.reply_to:
        mail["Reply-To"] = one_line(message.reply_to)
    mail["To"] = ", ".join(one_line(address) for address in message.recipients)
    mail["Subject"] = one_line(message.subject)
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = message_id(message.idempotency_key, domain)
    mail.set_content(clean_text(message.body_text))
    if message.body_html:
        mail.add_alternative(clean_text(message.body_html), subtype="html")
    for filename, content_type, data in message.attachments or []:
        kind, _, params = content_type.partition(";")
        maintype, _, subtype = kind.strip().partition("/")
        extra = dict(part.strip().split("=", 1) for part in params.split(";") if "=" in part)
        mail.add_attachment(
            base64.b64decode(data),
            maintype=maintype,
            subtype=subtype,
            filename=one_line(filename),
            params=extra,
        )
    return mail


def deliver(
    message: OutboxMessage,
    recipients: list[str],
    config: dict[str, Any],
    mail_dir: Path,
    now: datetime,
    before_data: Callable[[], None] = lambda: None,
) -> Outcome:
    """Deliver to `recipients` over SMTP as configured (or to an .eml file without SMTP_HOST).

    `before_data` is called just before the message itself is sent: it raises LostClaim when
    this sender no longer holds the message.
    """
    mail = build(message, config["MAIL_FROM"], now, mail_domain(config))
    if not config["SMTP_HOST"]:
        mail_dir.mkdir(parents=True, exist_ok=True)
        (mail_dir / f"{message.id:08d}.eml").write_bytes(as_bytes(mail, linesep="\n"))
        return Outcome(delivered=tuple(recipients))
    try:
        smtp = _connect(config)
    except (smtplib.SMTPNotSupportedError, ssl.SSLError) as error:
        raise ConfigurationFailure(_describe(error)) from error
    except smtplib.SMTPResponseException as error:
        if error.smtp_code >= 500:  # a server that will not talk to us at all
            raise ConfigurationFailure(_describe(error)) from error
        return Outcome.all_temporary(recipients, _describe(error))
    except OSError as error:  # refused, reset, timed out (smtplib's errors are OSErrors too)
        return Outcome.all_temporary(recipients, _describe(error))
    try:
        return _transaction(smtp, mail, recipients, config, before_data)
    except smtplib.SMTPResponseException as error:  # a 4xx from a step that raises (AUTH)
        if error.smtp_code >= 500:
            raise ConfigurationFailure(_describe(error)) from error
        return Outcome.all_temporary(recipients, _describe(error))
    except OSError as error:  # dropped, reset or timed out midway: nothing was delivered
        return Outcome.all_temporary(recipients, _describe(error))
    finally:
        _quit(smtp)


def _transaction(
    smtp: smtplib.SMTP,
    mail: EmailMessage,
    recipients: list[str],
    config: dict[str, Any],
    before_data: Callable[[], None],
) -> Outcome:
    """MAIL, RCPT for each recipient, DATA: every reply read for what it says."""
    smtp.ehlo_or_helo_if_needed()
    _login(smtp, config)
    sender = parseaddr(config["MAIL_FROM"])[1]
    payload = as_bytes(mail, smtputf8=not all(a.isascii() for a in [sender, *recipients]))
    code, reply = smtp.mail(sender, _options(smtp, sender, recipients))
    if code >= 500:
        raise ConfigurationFailure(f"MAIL FROM {sender}: {code} {_text(reply)}")
    if code >= 400:
        return Outcome.all_temporary(recipients, f"{code} {_text(reply)}")
    accepted: list[str] = []
    temporary: dict[str, str] = {}
    permanent: dict[str, str] = {}
    for address in recipients:
        code, reply = smtp.rcpt(address)
        if code < 300:
            accepted.append(address)
        elif code < 500:
            temporary[address] = f"{code} {_text(reply)}"
        else:
            permanent[address] = f"{code} {_text(reply)}"
    if not accepted:
        smtp.rset()
        return Outcome(temporary=temporary, permanent=permanent)
    before_data()
    # RFC 5321 gives the server up to ten minutes to confirm a message: waiting that long
    # (rather than the short command timeout) keeps a slow server from getting it twice.
    if smtp.sock is None:  # the server hung up; smtplib.data() would say the same
        raise smtplib.SMTPServerDisconnected("please run connect() first")
    smtp.sock.settimeout(config["SMTP_DATA_TIMEOUT_SECONDS"])
    data_reply: bytes | str
    try:
        code, data_reply = smtp.data(payload)
    except smtplib.SMTPDataError as error:  # DATA itself refused (no 354)
        code, data_reply = error.smtp_code, error.smtp_error
    except OSError as error:  # lost after the message was sent: it may have arrived
        lost = dict.fromkeys(accepted, _describe(error))
        return Outcome(temporary=temporary | lost, permanent=permanent)
    if code < 300:
        return Outcome(delivered=tuple(accepted), temporary=temporary, permanent=permanent)
    refusal = f"{code} {_text(data_reply)}"
    if code < 500:
        return Outcome(temporary=temporary | dict.fromkeys(accepted, refusal), permanent=permanent)
    return Outcome(temporary=temporary, permanent=permanent | dict.fromkeys(accepted, refusal))


def _login(smtp: smtplib.SMTP, config: dict[str, Any]) -> None:
    """Log in when a username is configured; a server with no usable AUTH is a setting fault."""
    user, password = config["SMTP_USERNAME"], config["SMTP_PASSWORD"]
    if not user:
        return
    try:
        if f"{user}{password}".isascii():
            smtp.login(user, password)
            return
        # smtplib sends only ASCII; PLAIN is UTF-8 by its RFC (4616), so "lösenord" works too.
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
        code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply)
    except (smtplib.SMTPResponseException, smtplib.SMTPServerDisconnected):
        raise
    except smtplib.SMTPException as error:  # no AUTH offered, no method in common
        raise ConfigurationFailure(_describe(error)) from error


def _quit(smtp: smtplib.SMTP) -> None:
    """Say goodbye; a server that hangs up instead changes nothing about what was delivered."""
    try:
        smtp.quit()
    except OSError:
        smtp.close()


def as_bytes(mail: EmailMessage, *, smtputf8: bool = False, linesep: str = "\r\n") -> bytes:
    """The message as SMTP carries it: CRLF line ends, headers in 7-bit (RFC 2047 words).

    Raw UTF-8 headers only when an address needs them (and SMTPUTF8 is asked for): a server
    that did not offer SMTPUTF8 may mangle 8-bit headers, and Python's UTF-8 folding starts
    a long subject on a line of its own, so clients show it with a leading space.
    """
    out = BytesIO()
    # Every message here is built with the default policy; SMTP and SMTPUTF8 are it for SMTP.
    # Lines up to RFC 5322's 998: Python's folding at 78 splits long non-ASCII names and
    # subjects into encoded words that some parsers (Python's too) read back with a space.
    policy = (SMTPUTF8 if smtputf8 else SMTP).clone(max_line_length=MAX_LINE, linesep=linesep)
    BytesGenerator(out, policy=policy).flatten(mail)
    return out.getvalue()


def _options(smtp: smtplib.SMTP, sender: str, recipients: list[str]) -> list[str]:
    """Ask for SMTPUTF8 when an address is not plain ASCII and the server offers it."""
    if all(address.isascii() for address in [sender, *recipients]):
        return []
    return ["SMTPUTF8", "BODY=8BITMIME"] if smtp.has_extn("smtputf8") else []


def _connect(config: dict[str, Any]) -> smtplib.SMTP:
    host, port = config["SMTP_HOST"], config["SMTP_PORT"]
    timeout = config["SMTP_TIMEOUT_SECONDS"]
    if config["SMTP_SECURITY"] == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    if config["SMTP_SECURITY"] == "starttls":
        try:
            smtp.starttls(context=ssl.create_default_context())
        except BaseException:
            smtp.close()
            raise
    return smtp


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _describe(error: BaseException) -> str:
    """A short line for the admin: the SMTP code and text, or the kind of network fault."""
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"[:500]
