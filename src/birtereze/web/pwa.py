"""The citizen's phone app shell (PWA): the web app manifest, the service worker and the offline page.

The service worker is served from the site's root (``/sw.js``), so that its scope is the whole site; it
keeps a small offline shell (the offline page in each language, the phone's styles and scripts, the
icons), answers the citizen pages' navigations from the network with the offline page as the fallback,
never caches an API answer or a personal page, and shows the web push notifications
(``notify.push``). Its cache is named by a hash of the shell's files, so a new release replaces it.

``base.html`` links the manifest and registers the worker on the citizen pages only (``PWA_PATHS``):
the kiosk, board and console are left alone.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from birtereze.core.i18n import LOCALES, _l
from birtereze.web.templating import SHARED_TEMPLATES, STATIC_DIR, page_locale, render

router = APIRouter(include_in_schema=False)

PageLocale = Annotated[str, Depends(page_locale)]
APP_NAME: Final = _l("Birtereze: public service centres")
APP_DESCRIPTION: Final = _l("Queue tickets, appointments and notifications of the public service centres.")
# Colours of static/css/birtereze.css: --brand and --paper.
THEME_COLOUR: Final = "#00465f"
BACKGROUND_COLOUR: Final = "#ffffff"
# The pages the worker answers offline with the offline page (and base.html registers it on): the
# citizen's own pages, the ticket page, the kiosk's arrival link, the branch finder.
PWA_PATHS: Final = ("/me", "/t/", "/arrive/", "/branches", "/offline")
SHELL_STATIC: Final = (
    "css/birtereze.css",
    "css/citizens.css",
    "css/phone.css",
    "js/pwa.js",
    "js/push.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/icon-maskable-192.png",
    "icons/icon-maskable-512.png",
)
SW_SOURCE: Final = STATIC_DIR / "js" / "sw.js"
OFFLINE_TEMPLATE: Final = SHARED_TEMPLATES / "pwa" / "offline.html"
NO_CACHE: Final = "no-cache"


def icons(request: Request) -> list[dict[str, str]]:
    listed = []
    for size in (192, 512):
        for purpose, name in (("any", f"icon-{size}.png"), ("maskable", f"icon-maskable-{size}.png")):
            listed.append(
                {
                    "src": str(request.app.url_path_for("static", path=f"icons/{name}")),
                    "sizes": f"{size}x{size}",
                    "type": "image/png",
                    "purpose": purpose,
                }
            )
    return listed


@router.get("/manifest.webmanifest", name="web_manifest")
async def web_manifest(request: Request, locale: PageLocale) -> Response:
    """The web app manifest, in the page's language (``?lang=``, else the browser's, else Kazakh)."""
    start = str(request.app.url_path_for("citizen_me"))
    manifest = {
        "id": start,
        "name": APP_NAME.render(locale),
        "short_name": "Birtereze",
        "description": APP_DESCRIPTION.render(locale),
        "lang": locale,
        "dir": "ltr",
        "start_url": f"{start}?lang={locale}",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": icons(request),
    }
    return Response(
        json.dumps(manifest, ensure_ascii=False),
        media_type="application/manifest+json",
        headers={"Cache-Control": NO_CACHE, "Content-Language": locale, "X-Content-Type-Options": "nosniff"},
    )


@functools.lru_cache(maxsize=4)
def _worker_script(static_prefix: str, offline_path: str) -> bytes:
    """The worker: its settings (the shell's addresses, the cache's version) before ``static/js/sw.js``."""
    present = [name for name in SHELL_STATIC if (STATIC_DIR / name).is_file()]
    digest = hashlib.sha256(SW_SOURCE.read_bytes())
    digest.update(OFFLINE_TEMPLATE.read_bytes())
    for name in present:
        digest.update(name.encode() + b"\0" + (STATIC_DIR / name).read_bytes())
    settings = {
        "version": digest.hexdigest()[:16],
        "offline": offline_path,
        "languages": list(LOCALES),
        "pages": list(PWA_PATHS),
        "shell": [f"{offline_path}?lang={code}" for code in LOCALES]
        + [f"{static_prefix}/{name}" for name in present],
        "icon": f"{static_prefix}/icons/icon-192.png",
    }
    head = f"const BIRTEREZE = {json.dumps(settings)};\n"
    return head.encode() + SW_SOURCE.read_bytes()


@router.get("/sw.js", name="service_worker")
async def service_worker(request: Request) -> Response:
    """The service worker, from the root so that its scope may be the whole site; always revalidated,
    so that a new release reaches the phones."""
    static_prefix = str(request.app.url_path_for("static", path="")).rstrip("/")
    offline_path = str(request.app.url_path_for("offline"))
    return Response(
        _worker_script(static_prefix, offline_path),
        media_type="application/javascript",
        headers={
            "Service-Worker-Allowed": "/",
            "Cache-Control": NO_CACHE,
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/offline", name="offline", response_class=HTMLResponse)
async def offline(request: Request, locale: PageLocale) -> HTMLResponse:
    """What the phone shows, from the worker's cache, when a citizen page cannot be reached."""
    return render(request, "pwa/offline.html", {"pwa": True}, locale=locale)
