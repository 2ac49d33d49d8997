"""Where mails go: an SMTP server, or (no ITPP_SMTP_HOST) .eml files in a directory."""

import os
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from itpp_api.config import Settings


class Transport(Protocol):
    """Sends one mail, or raises; a mail sent twice carries the same Message-ID."""

    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


class SmtpTransport:
    """SMTP with STARTTLS, implicit TLS or neither, optional AUTH; one connection reused
    between mails and opened again after an error."""

    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host is not None
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.security = settings.smtp_security
        self.timeout = settings.smtp_timeout_seconds
        self.username = settings.smtp_username
        self.password = settings.smtp_password
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        connection: smtplib.SMTP
        if self.security == "tls":
            connection = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            connection.ehlo()
            if self.security == "starttls":
                # Raises SMTPNotSupportedError when the server does not offer STARTTLS: never
                # fall back to sending credentials and mail in the clear.
                connection.starttls(context=context)
                connection.ehlo()
            if self.username:
                password = self.password.get_secret_value() if self.password else ""
                connection.login(self.username, password)
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, message: EmailMessage) -> None:
        if self._connection is not None:
            try:
                # A server may close an idle connection; find out before sending.
                if self._connection.noop()[0] != 250:
                    raise smtplib.SMTPServerDisconnected("not ready")
            except (smtplib.SMTPException, OSError):
                self.close()
        if self._connection is None:
            self._connection = self._connect()
        try:
            self._connection.send_message(message)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()


class FileTransport:
    """Writes each mail to <directory>/<notification>.eml: the local capture of `make run`.

    A resent notification overwrites its own file (the file name is its Message-ID's id), the
    way a mail client drops a duplicate.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_of(self, message: EmailMessage) -> Path:
        message_id = str(message["Message-ID"]).strip("<>")
        name = "".join(c if c.isalnum() or c in "-._" else "_" for c in message_id.split("@")[0])
        return self.directory / f"{name}.eml"

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.path_of(message)
        # Written whole, then renamed: a reader never sees half a mail.
        descriptor, partial = tempfile.mkstemp(dir=self.directory, suffix=".partial")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(message.as_bytes())
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise

    def close(self) -> None:
        pass


def transport_for(settings: Settings) -> Transport:
    """SMTP when ITPP_SMTP_HOST is set, else the file transport."""
    if settings.smtp_host:
        return SmtpTransport(settings)
    return FileTransport(settings.mail_directory)
