"""QR codes drawn on our own server as inline SVG (segno), so sharing a list asks no outside service."""
from __future__ import annotations

import segno
from markupsafe import Markup, escape


def qr_svg(text: str, label: str) -> Markup:
    """Return text as a QR code in an <svg> named by label, for a page to show and print."""
    # segno is a well-kept, dependency-free encoder: QR error correction is not worth writing by hand.
    svg = segno.make(text, error="m").svg_inline(scale=4, svgclass="qr", lineclass=None, omitsize=True)
    # omitsize: a viewBox instead of a fixed size, so CSS can scale the code for screen and paper.
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))
