"""A real SMTP server (aiosmtpd) on 127.0.0.1 that can be told to misbehave.

Used by the integration tests, the scheduler process tests and the fault soak benchmark.
Faults are set per stage as functions that return an SMTP reply or None (go on):

- `at_mail(sender)`, `at_rcpt(address)`, `at_data(message_id)`: refuse a stage;
- `drop_after_data(message_id)`: take the message, then hang up before saying 250 — the
  one case where SMTP cannot tell the sender that a message arrived;
- `data_delay`: seconds to think before answering DATA;
- `password`: with a password set, the server wants AUTH with user "systemfel".

Everything it took is in `received`, one entry per message with its envelope recipients;
`deliveries()` counts them per (Message-ID, recipient).
"""

import asyncio
import email
import email.policy
import socket
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

Reply = str | None


def _never(*_args: object) -> Reply:
    return None


@dataclass
class Received:
    """One message as the SMTP server got it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes = b""  # the bytes as they came, for parsers with other policies

    @property
    def body(self) -> str:
        text = self.message.get_body(preferencelist=("plain",)).get_content()
        return text.replace("\r\n", "\n")


@dataclass
class Inbox:
    """aiosmtpd handler: keeps what it is given, unless a fault says otherwise."""

    received: list[Received] = field(default_factory=list)
    refuse: str | None = None  # a reply to every DATA, e.g. "550 ..." (shorthand)
    at_mail: Callable[[str], Reply] = _never
    at_rcpt: Callable[[str], Reply] = _never
    at_data: Callable[[str], Reply] = _never
    drop_after_data: Callable[[str], bool] = lambda _message_id: False
    data_delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        refused = self.at_mail(address)
        if refused:
            return refused
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refused = self.at_rcpt(address)
        if refused:
            return refused
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message_id = str(parsed["Message-ID"])
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        refused = self.refuse or self.at_data(message_id)
        if refused:
            return refused
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, envelope.content)
            )
        if self.drop_after_data(message_id):
            server.transport.close()  # taken, but the sender never hears so
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SmtpServer:
    """A real SMTP server on 127.0.0.1:`port` that can be taken down and brought back."""

    port: int = field(default_factory=free_port)
    inbox: Inbox = field(default_factory=Inbox)
    password: str | None = None
    controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        with self.inbox.lock:
            return list(self.inbox.received)

    @property
    def running(self) -> bool:
        return self.controller is not None

    def start(self) -> None:
        assert self.controller is None, "already running"
        # A stopped controller has closed its event loop: each start gets a new one.
        extra = {}
        if self.password is not None:
            extra = {"authenticator": self._authenticate, "auth_require_tls": False}
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, server_hostname="smtp.test", **extra
        )
        self.controller.start()

    def stop(self) -> None:
        """Take the server down: connections to the port are refused until start()."""
        assert self.controller is not None, "not running"
        self.controller.stop()
        self.controller = None

    def with_key(self, key: str) -> list[Received]:
        """The received messages whose Message-ID names the outbox key."""
        prefix = "<" + key.replace(":", ".") + "@"
        return [r for r in self.received if r.message["Message-ID"].startswith(prefix)]

    def deliveries(self) -> Counter[tuple[str, str]]:
        """How often each (Message-ID, recipient) arrived."""
        return Counter(
            (str(r.message["Message-ID"]), address) for r in self.received for address in r.rcpt_tos
        )

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        good = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == b"systemfel"
            and auth_data.password == (self.password or "").encode()
        )
        return AuthResult(success=good, handled=False)
