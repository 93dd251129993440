"""The web console at ``/_cloudtwin/ui``: server-rendered pages over the control surface and
the services' own APIs (through the internal client), with a stylesheet and a small script
shipped as package data — no build step, nothing fetched from the network.

    routing.py   which page or action a request is for      (Console)
    view.py      one request: arguments, account/region, call() and control()
    layout.py    the frame of every page, security headers
    render.py    escaping and HTML building blocks
    pages/       one module per family of services, and the generic page
    static/      console.css, console.js
"""

from cloudtwin.console.routing import Console

__all__ = ["Console"]
