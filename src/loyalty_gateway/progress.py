"""Progress of long command-line work, on stderr so stdout stays for results."""

import sys
from typing import TextIO


class Progress:
    """`label done/total`: rewritten in place on a terminal, one line per tenth elsewhere
    (logs, CI), and always the last one."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.last_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        if total <= 0:
            return
        text = f"{self.label} {done}/{total}"
        if self.stream.isatty():
            end = "\n" if done >= total else ""
            self.stream.write(f"\r{text}{end}")
        else:
            tenth = done * 10 // total
            if tenth == self.last_tenth and done < total:
                return
            self.last_tenth = tenth
            self.stream.write(text + "\n")
        self.stream.flush()
