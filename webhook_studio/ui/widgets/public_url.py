"""The status bar's "Public URL" control: choose a tunnel, see its state, copy URLs.

One button whose text is the tunnel's state ("Public URL: off", "connecting…", the URL,
"reconnecting…", "failed") and whose menu opens a tunnel (your SSH server, localhost.run,
the running ngrok agent, a cloudflared quick tunnel), copies the public URL or an endpoint's
public URL, and stops it. The tunnel runs on the window's event loop; the window stops it
when it closes. The last choice is remembered (not reopened by itself: exposing the receiver
to the internet is always a click).

Signals:
    state_changed(str): the tunnel's state sentence, for tests and the notices.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from webhook_studio.core.tunnels import TunnelSpecError, parse_tunnel_spec
from webhook_studio.store import Store
from webhook_studio.store.receiver_queries import list_endpoints
from webhook_studio.tunnel.base import TunnelState

CHOICES = (("localhost.run", "localhost.run (SSH, no signup, random URL)"),
           ("ngrok", "The running ngrok agent"),
           ("cloudflared", "A cloudflared quick tunnel (random URL)"))


SSH_PROMPT = ("Your SSH server (it needs AllowTcpForwarding and GatewayPorts):\n"
              "ssh://user@host[:port][?remote_port=8080&public_url=https://hooks.example.com]")


class PublicUrlButton(QToolButton):
    state_changed = Signal(str)

    def __init__(self, receiver: Any, store: Store, settings: QSettings, data_dir: Any,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("public_url_button")
        self.receiver = receiver
        self.store = store
        self.settings = settings
        self.data_dir = data_dir
        self.tunnel: Any = None
        self.error = ""
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setAutoRaise(True)
        self.setAccessibleName("Public URL")
        self.menu_ = QMenu(self)
        self.menu_.aboutToShow.connect(self._fill_menu)
        self.setMenu(self.menu_)
        self._show(TunnelState())

    # -- menu -----------------------------------------------------------------------------------
    def _fill_menu(self) -> None:
        menu = self.menu_
        menu.clear()
        up = self.tunnel is not None and self.tunnel.state.public_url
        copy = menu.addAction("Copy public URL")
        copy.setEnabled(bool(up))
        copy.triggered.connect(lambda _c=False: self.copy(self.tunnel.state.public_url))
        endpoints = menu.addMenu("Copy an endpoint's public URL")
        endpoints.setEnabled(bool(up))
        if up:
            for endpoint in list_endpoints(self.store):
                action = endpoints.addAction(f"{endpoint.name}  {endpoint.path}")
                action.triggered.connect(
                    lambda _c=False, p=endpoint.path: self.copy(self.endpoint_url(p)))
        menu.addSeparator()
        ssh = menu.addAction("SSH to my server…")
        ssh.triggered.connect(lambda _c=False: self.open_ssh())
        for spec, title in CHOICES:
            action = menu.addAction(title)
            action.triggered.connect(lambda _c=False, s=spec: self.open(s))
        menu.addSeparator()
        stop = menu.addAction("Stop the tunnel")
        stop.setEnabled(self.tunnel is not None)
        stop.triggered.connect(lambda _c=False: self.request_stop())

    def endpoint_url(self, path: str) -> str:
        base = (self.tunnel.state.public_url or "").rstrip("/")
        return base + (path if path.startswith("/") else "/" + path)

    def copy(self, text: str | None) -> None:
        if text:
            QGuiApplication.clipboard().setText(text)

    # -- tunnels --------------------------------------------------------------------------------
    def open_ssh(self) -> None:
        from webhook_studio.ui import dialogs  # the window-modal seam tests answer through

        last = str(self.settings.value("tunnel/ssh", "")) or "ssh://"

        def chosen(target: str) -> None:
            if target.strip():
                self.settings.setValue("tunnel/ssh", target.strip())
                self.open(target.strip())

        dialogs.ask_text(self.window(), "SSH tunnel", SSH_PROMPT, last, chosen)

    def open(self, spec_text: str) -> None:
        from webhook_studio.tunnel import open_tunnel
        from webhook_studio.tunnel.attach import attach

        try:
            spec = parse_tunnel_spec(spec_text)
        except TunnelSpecError as exc:
            self._show(TunnelState(status="failed", reason=str(exc)))
            return
        if self.receiver is None or not self.receiver.url:
            self._show(TunnelState(status="failed", reason="the receiver is not running."))
            return
        self.request_stop()
        port = int(self.receiver.url.rsplit(":", 1)[1])
        self.tunnel = open_tunnel(spec, port, data_dir=self.data_dir,
                                  accept_new_host_key=spec.kind == "localhost.run")
        attach(self.tunnel, self.receiver)
        self.tunnel.listeners.append(self._show)
        self.settings.setValue("tunnel/last", spec_text)
        self.tunnel.start()

    def request_stop(self) -> None:
        if self.tunnel is not None:
            tunnel, self.tunnel = self.tunnel, None
            asyncio.get_running_loop().create_task(tunnel.stop())
            self._show(TunnelState())

    async def stop(self) -> None:
        if self.tunnel is not None:
            tunnel, self.tunnel = self.tunnel, None
            await tunnel.stop()

    # -- state --------------------------------------------------------------------------------
    def _show(self, state: TunnelState) -> None:
        text = {"stopped": "Public URL: off", "connecting": "Public URL: connecting…",
                "reconnecting": "Public URL: reconnecting…",
                "failed": "Public URL: failed"}.get(state.status, f"🌐 {state.public_url}")
        self.setText(text)
        tip = state.sentence()
        if state.status == "up" and state.client_ip_header:
            tip += f"\nClient addresses come from the {state.client_ip_header} header."
        if state.status in ("reconnecting", "failed") and state.reason:
            tip = f"{tip}\n{state.reason}" if state.reason not in tip else tip
        self.setToolTip(tip + "\nClick to choose a tunnel or copy the URL.")
        self.state_changed.emit(state.sentence())


def install(window: Any) -> PublicUrlButton:
    """Put the control in the window's status bar (left of the receiver's address)."""
    button = PublicUrlButton(window.receiver, window.ctx.store, window.settings,
                             window.ctx.data_dir, window)
    window.statusBar().addPermanentWidget(button)
    return button

