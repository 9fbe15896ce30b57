"""Handing one message to SMTP, or to a folder when no SMTP server is configured."""

import base64
import re
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from systemfel.notifications.models import OutboxMessage


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): trying again will not help."""


class PartlyDelivered(Exception):
    """Some recipients got the message and some were refused: recorded, not retried."""


def message_id(key: str, domain: str) -> str:
    """The same Message-ID every time a message is delivered: a repeat can be recognised."""
    return f"<{re.sub(r'[^A-Za-z0-9.-]', '.', key)}@{domain}>"


def build(message: OutboxMessage, sender: str, domain: str = "systemfel") -> EmailMessage:
    """Return the e-mail; its Message-ID comes from the idempotency key, so repeats can be told."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = ", ".join(message.recipients)
    mail["Subject"] = message.subject
    mail["Message-ID"] = message_id(message.idempotency_key, domain)
    mail.set_content(message.body_text)
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html")
    for filename, content_type, data in message.attachments or []:
        kind, _, params = content_type.partition(";")
        maintype, _, subtype = kind.strip().partition("/")
        extra = dict(part.strip().split("=", 1) for part in params.split(";") if "=" in part)
        mail.add_attachment(
            base64.b64decode(data),
            maintype=maintype,
            subtype=subtype,
            filename=filename,
            params=extra,
        )
    return mail


def deliver(message: OutboxMessage, config: dict[str, Any], mail_dir: Path) -> None:
    """Send over SMTP as configured, or write an .eml file when SMTP_HOST is empty."""
    mail = build(message, config["MAIL_FROM"], urlsplit(config["BASE_URL"]).hostname or "systemfel")
    if not config["SMTP_HOST"]:
        mail_dir.mkdir(parents=True, exist_ok=True)
        (mail_dir / f"{message.id:08d}.eml").write_bytes(bytes(mail))
        return
    try:
        with _connect(config) as smtp:
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            refused = smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentFailure(str(error)) from error
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:
            raise PermanentFailure(f"{error.smtp_code} {error.smtp_error!r}") from error
        raise
    if refused:
        raise PartlyDelivered(f"refused: {refused!r}")


def _connect(config: dict[str, Any]) -> smtplib.SMTP:
    host, port = config["SMTP_HOST"], config["SMTP_PORT"]
    timeout = config["SMTP_TIMEOUT_SECONDS"]
    if config["SMTP_SECURITY"] == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    if config["SMTP_SECURITY"] == "starttls":
        smtp.starttls(context=ssl.create_default_context())
    return smtp
