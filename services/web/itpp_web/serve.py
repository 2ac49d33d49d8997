"""Running the web service (`itpp serve web`): the API's command line finds this function
through the entry point the project declares (pyproject.toml, group `itpp.serve`), so the API's
package never imports the web's."""

import os

import uvicorn

from itpp_common.observability import prepare_multiprocess_dir
from itpp_web.app import vendor_paths
from itpp_web.config import get_web_settings
from itpp_web.observability import configure_logging


def serve(*, host: str | None, port: int | None, api_url: str | None, workers: int) -> None:
    """Run the web service (pages for browsers; it calls the API over HTTP)."""
    if api_url:
        os.environ["ITPP_WEB_API_URL"] = api_url
        get_web_settings.cache_clear()
    settings = get_web_settings()
    configure_logging(settings.log_format)
    vendor_paths(settings)  # fail now, with advice, if `npm ci` has not run
    prepare_multiprocess_dir()
    uvicorn.run(
        "itpp_web.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
        # The application logs each request itself (itpp_web.observability).
        access_log=False,
        log_config=None,
    )
