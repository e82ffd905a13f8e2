"""Start moto's S3-compatible server (all moto services, in memory) on a free port.

    $PY start.py --host 127.0.0.1 --port 0 --port-file /tmp/s3.port

`moto.server` needs an explicit port; this binds the same WSGI app on `--port` (0 = let the OS
pick a free one), then writes the port to `--port-file` (atomically: a temp file renamed into
place, so a reader never sees a partial number) and prints `listening on HOST:PORT`. By then the
socket is listening, so the port file appearing is the readiness signal. SIGTERM/SIGINT stop it
cleanly with exit status 0. Data lives in memory and is lost on exit.
"""

import argparse
import logging
import os
import signal
import sys
import threading

from werkzeug.serving import make_server


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 = a free port (default)")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.WARNING)

    # Imported late: pulling in moto takes a moment and is not needed for --help.
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    port = server.server_port
    # moto builds some URLs (presigned URLs, queue URLs) from MOTO_PORT; make it the real one.
    os.environ["MOTO_PORT"] = str(port)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    thread = threading.Thread(target=server.serve_forever, name="moto", daemon=True)
    thread.start()

    if args.port_file:
        tmp = f"{args.port_file}.tmp.{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.port_file)
    print(f"listening on {args.host}:{port}", flush=True)

    while not stop.wait(1.0):
        if not thread.is_alive():
            print("the server thread died", file=sys.stderr)
            return 1
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
