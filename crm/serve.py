"""`make run`: one process serving the app on 127.0.0.1, with the scheduler embedded in it."""

from __future__ import annotations

import os

from crm import create_app


def main() -> None:
    app = create_app(os.environ.get("CRM_ENV", "development"))
    scheduler = None
    if app.config.get("CRM_SCHEDULER") == "embedded":
        try:
            from crm.scheduler import start_embedded
        except ImportError:
            pass
        else:
            scheduler = start_embedded(app)
    port = int(os.environ.get("PORT", "5000"))
    print(f" * Creator CRM on http://127.0.0.1:{port}  (Ctrl+C to stop)", flush=True)
    try:
        app.run(host="127.0.0.1", port=port, debug=False, use_reloader=False, threaded=True)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


if __name__ == "__main__":
    main()
