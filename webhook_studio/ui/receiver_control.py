"""Starting, restarting and re-binding the engines the window owns, and applying Settings.

The configured receiver port is never changed silently: when it is taken, the receiver stays
stopped and the window shows the port banner until the person picks Retry, another port
(saved), or a free port for this run only (not saved). Settings that change the receiver
(address, port, HTTPS) restart it live; the management API starts or stops live; when a change
cannot be applied now the Settings page says so, with a Restart button.

The receiver's state is told to the window (status-bar label, port banner) and to the health
light in one place, :meth:`ReceiverControl.report`.
"""

from __future__ import annotations

import asyncio
import errno
from typing import TYPE_CHECKING, Any

from webhook_studio.ui import dialogs
from webhook_studio.ui.controllers.settings import setting

if TYPE_CHECKING:
    from webhook_studio.ui.main_window import MainWindow


def is_port_taken(exc: BaseException) -> bool:
    cause = exc.__cause__
    return isinstance(cause, OSError) and cause.errno == errno.EADDRINUSE


class ReceiverControl:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.receiver = window.receiver
        #: The port people registered at providers: what Settings (or --port) says.
        self.configured_port: int = int(self.receiver.port) if self.receiver is not None else 0
        self.temporary = False
        self.last_error: str | None = None
        self._lock = asyncio.Lock()  # one start/stop at a time, whatever was clicked
        banner = window.port_banner
        banner.retry.connect(lambda: self.run(self.retry()))
        banner.use_port.connect(self.ask_other_port)
        banner.use_free_port.connect(lambda: self.run(self.use_free_port()))

    def run(self, coro: Any) -> asyncio.Task[Any]:
        self.window.port_banner.set_busy(True)

        async def serialised() -> Any:
            async with self._lock:
                try:
                    return await coro
                finally:
                    self.window.port_banner.set_busy(False)

        return self.window.runner.run(serialised())

    # -- receiver -----------------------------------------------------------------------------
    async def start(self, port: int | None = None) -> bool:
        """Listen on ``port`` (default: the configured one); on failure show the banner."""
        from webhook_studio.receiver import BindError

        if self.receiver is None:
            return False
        self.receiver.port = self.configured_port if port is None else port
        try:
            url = await self.receiver.start()
        except BindError as exc:
            self._bind_failed(exc)
            return False
        self.last_error = None
        self.temporary = port == 0 and self.configured_port != 0
        self.window.port_banner.hide()
        self.report(url)
        return True

    def report(self, url: str | None, problem: str | None = None) -> None:
        """Say where the receiver listens (or why it does not) in the status bar and on the
        health light."""
        self.window.set_receiver_url(url, problem)
        health = self.window.health_indicator.health
        if health is None:
            return
        if url:
            health.set("receiver", "ok", f"receiving on {url}", expected=True)
        else:
            # stopped on purpose is expected; a port it cannot take is a fault the light shows
            health.set("receiver", "down", problem or "stopped", expected=problem is None)

    def _bind_failed(self, exc: Exception) -> None:
        port = self.receiver.port
        if is_port_taken(exc):
            text = (f"Port {port} is taken by another program, so nothing is being received. "
                    "Close that program and press Retry, pick another port, or use a free port "
                    "for this run only.")
        else:
            text = f"{exc} Nothing is being received."
        self.last_error = text
        self.window.port_banner.show_problem(text)
        self.report(None, f"port {port} is taken" if is_port_taken(exc) else "cannot listen")

    async def retry(self) -> bool:
        return await self.start()

    def ask_other_port(self) -> None:
        if self._lock.locked():
            return
        dialogs.ask_port(self.window, "Use another port",
                         "Listen on this port from now on (saved in Settings):",
                         self.configured_port or 8000,
                         lambda port: self.run(self.use_port(port)))

    async def use_port(self, port: int) -> bool:
        self.window.settings.setValue("receiver/port", port)
        self.window.settings.sync()
        self.configured_port = port
        self.window.settings_page.load()
        return await self.start()

    async def use_free_port(self) -> bool:
        return await self.start(0)

    async def restart(self) -> bool:
        """Stop (flushing every capture), then listen with the saved host, port and HTTPS."""
        from webhook_studio.receiver.writer import CaptureWriter

        if self.receiver is None:
            return False
        settings = self.window.settings
        try:
            ssl_context = await self.tls_context() if setting(
                settings, "receiver/tls") == "true" else None
        except Exception as exc:  # a sentence in Settings, never a traceback
            from webhook_studio.errors import describe_error

            self.window.settings_page.show_outcome(
                f"HTTPS could not be set up: {describe_error(exc)[0]} The receiver keeps "
                "running as it was.", needs_restart=True)
            return False
        if self.receiver.url is not None:
            await self.receiver.stop()
            self.receiver.writer = CaptureWriter(self.receiver.store)
        self.receiver.host = setting(settings, "receiver/host")
        self.receiver.ssl_context = ssl_context
        self.configured_port = int(setting(settings, "receiver/port"))
        ok = await self.start()
        if ok:
            self.window.settings_page.show_outcome(
                f"Saved. The receiver restarted on {self.receiver.url}.")
        else:
            self.window.settings_page.show_outcome(
                f"Saved, but the receiver could not restart: {self.last_error} The change "
                "applies after a restart.", needs_restart=True)
        return ok

    async def tls_context(self) -> Any:
        from webhook_studio.receiver.tls import ensure_certificate, server_context

        folder = self.window.ctx.data_dir / "tls"
        loop = asyncio.get_running_loop()
        certificate = await loop.run_in_executor(None, ensure_certificate, folder)
        return server_context(certificate)

    # -- settings -------------------------------------------------------------------------------
    def apply_settings(self, changed: list[str]) -> asyncio.Task[Any] | None:
        self.window.apply_defaults()
        receiver_keys = {"receiver/host", "receiver/port", "receiver/tls"}
        api_keys = {"api/enabled", "api/port"}
        if not set(changed) & (receiver_keys | api_keys):
            if changed:
                self.window.settings_page.show_outcome(
                    "Saved. New subscriptions and ad-hoc sends use the new defaults.")
            return None
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self.window.settings_page.show_outcome(
                "Saved. The receiver and API settings apply after a restart.",
                needs_restart=True)
            return None

        async def apply() -> None:
            if set(changed) & receiver_keys:
                await self.restart()
            if set(changed) & api_keys:
                await self.apply_api()

        return self.run(apply())

    async def apply_api(self) -> None:
        window = self.window
        await window.stop_engines()
        if setting(window.settings, "api/enabled") != "true":
            window.settings_page.show_outcome("Saved. The management API is stopped.")
            return
        try:
            url = await window.start_api(int(setting(window.settings, "api/port")))
        except Exception as exc:
            from webhook_studio.errors import describe_error

            window.settings_page.show_outcome(
                f"Saved, but the API could not start: {describe_error(exc)[0]}",
                needs_restart=True)
            return
        window.settings_page.show_outcome(f"Saved. The management API is on {url}.")
