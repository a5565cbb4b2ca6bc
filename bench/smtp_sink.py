"""``python -m bench.smtp_sink PORT``: an SMTP server on 127.0.0.1:PORT that accepts and counts
every message, in a process of its own so it does not share the workers' CPU time slices
with them through one interpreter. On SIGTERM it prints ``<messages> <distinct Message-IDs>``."""

import email
import signal
import sys
import threading
from email import policy

from aiosmtpd.controller import Controller


class CountingHandler:
    def __init__(self):
        self.messages = 0
        self.message_ids: set[str] = set()

    async def handle_DATA(self, server, session, envelope):
        headers = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages += 1
        self.message_ids.add(headers["Message-ID"])
        return "250 OK"


def main(port: int) -> None:
    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()
    print(handler.messages, len(handler.message_ids), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
