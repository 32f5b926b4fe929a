"""PNG images for trainers: a QR code of a session link and a bar chart of results.

Both are drawn with Pillow (the QR matrix comes from ``qrcode``), so nothing needs a display or
a plotting stack.
"""

from __future__ import annotations

import io

import qrcode
from PIL import Image, ImageDraw, ImageFont

BAR_HEIGHT = 34
CHART_WIDTH = 900


def qr_png(link: str, box_size: int = 12) -> bytes:
    """A QR code of ``link``, large enough for a projector."""
    qr = qrcode.QRCode(border=4, box_size=box_size, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(link)
    qr.make(fit=True)
    image = qr.make_image(fill_color="black", back_color="white").get_image()
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def bar_chart_png(rows: list[tuple[str, float]]) -> bytes:
    """Horizontal bars: one ``(label, percent 0-100)`` per row, drawn in the given order."""
    margin, label_w = 24, 90
    height = margin * 2 + max(len(rows), 1) * (BAR_HEIGHT + 12)
    image = Image.new("RGB", (CHART_WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=20)
    bar_max = CHART_WIDTH - margin * 2 - label_w - 80
    for i, (label, pct) in enumerate(rows):
        y = margin + i * (BAR_HEIGHT + 12)
        pct = max(0.0, min(100.0, pct))
        draw.text((margin, y + 6), label, fill="black", font=font)
        x0 = margin + label_w
        draw.rectangle((x0, y, x0 + bar_max, y + BAR_HEIGHT), outline="#bbbbbb")
        colour = "#c0392b" if pct < 50 else "#e67e22" if pct < 80 else "#27ae60"
        if pct > 0:
            draw.rectangle((x0, y, x0 + int(bar_max * pct / 100), y + BAR_HEIGHT), fill=colour)
        draw.text((x0 + bar_max + 10, y + 6), f"{pct:.0f}%", fill="black", font=font)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
