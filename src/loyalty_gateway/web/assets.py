"""Browser libraries: served from `static/vendor/` (filled from `ui/` by `make`, with npm)
when they are there, so the pages work where browsers have no internet; from unpkg only when
they are absent."""

import sys
from pathlib import Path

STATIC = Path(__file__).parent / "static"
VENDOR = STATIC / "vendor"

# name: (file in static/vendor, where unpkg has the same file, its path in ui/node_modules)
LIBRARIES: dict[str, tuple[str, str, str]] = {
    "react": (
        "react.production.min.js",
        "https://unpkg.com/react@18.2.0/umd/react.production.min.js",
        "react/umd/react.production.min.js",
    ),
    "react_dom": (
        "react-dom.production.min.js",
        "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js",
        "react-dom/umd/react-dom.production.min.js",
    ),
    "graphiql_js": (
        "graphiql.min.js",
        "https://unpkg.com/graphiql@3.8.3/graphiql.min.js",
        "graphiql/graphiql.min.js",
    ),
    "graphiql_css": (
        "graphiql.min.css",
        "https://unpkg.com/graphiql@3.8.3/graphiql.min.css",
        "graphiql/graphiql.min.css",
    ),
    "explorer_js": (
        "plugin-explorer.umd.js",
        "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js",
        "@graphiql/plugin-explorer/dist/index.umd.js",
    ),
    "explorer_css": (
        "plugin-explorer.css",
        "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css",
        "@graphiql/plugin-explorer/dist/style.css",
    ),
    "graphql_ws": (
        "graphql-ws.min.js",
        "https://unpkg.com/graphql-ws@6.0.6/umd/graphql-ws.min.js",
        "graphql-ws/umd/graphql-ws.min.js",
    ),
}


def asset_urls() -> dict[str, str]:
    """Each library's URL: the local copy when every one is present, else the CDN's."""
    local = all((VENDOR / file).is_file() for file, _, _ in LIBRARIES.values())
    return {
        name: f"/static/vendor/{file}" if local else cdn
        for name, (file, cdn, _) in LIBRARIES.items()
    }


def copy_from(node_modules: Path) -> None:
    """`python -m loyalty_gateway.web.assets ui/node_modules`: fill static/vendor/."""
    VENDOR.mkdir(parents=True, exist_ok=True)
    for file, _, source in LIBRARIES.values():
        (VENDOR / file).write_bytes((node_modules / source).read_bytes())


if __name__ == "__main__":
    copy_from(Path(sys.argv[1]))
