"""The QR code of a trainer session's link, as a PNG (``qrcode`` draws it with Pillow).

Charts are drawn by :mod:`cyberhygiene.charts` (matplotlib), the project's one chart library.
"""

from __future__ import annotations

import io

import qrcode


def qr_png(link: str, box_size: int = 12) -> bytes:
    """A QR code of ``link``, large enough for a projector."""
    qr = qrcode.QRCode(border=4, box_size=box_size, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(link)
    qr.make(fit=True)
    image = qr.make_image(fill_color="black", back_color="white").get_image()
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
