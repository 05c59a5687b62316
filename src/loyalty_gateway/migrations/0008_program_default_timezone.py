from tortoise import fields

from loyalty_gateway.migrations import _columns as c

Migration = c.migration(
    "0007_run_resumed",
    [
        *c.add(
            "ProgramSettings", ("default_timezone", fields.CharField(default="UTC", max_length=64))
        ),
    ],
)
