"""``python -m listings.sandbox --port 8001``: run the sandbox shop in the foreground."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from listings.sandbox.server import SandboxApp, serve


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Deal Scout sandbox marketplace.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--speed", type=float, default=1.0, help="time runs this many times faster")
    args = parser.parse_args()
    server = serve(SandboxApp(speed=args.speed), host=args.host, port=args.port)
    print(f"sandbox marketplace on http://{args.host}:{server.server_port}/", flush=True)  # noqa: T201
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.shutdown()
    sys.exit(0)


if __name__ == "__main__":
    main()
