"""GraphiQL with the service's own assets, and the /monitor page."""

from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from loyalty_gateway.web.assets import STATIC, asset_urls

SAMPLE_QUERY = """# loyalty-gateway: put an admin token in the Headers pane, then run (Ctrl-Enter).
query Profiles {
  profiles(first: 5) {
    totalCount
    nodes {
      id
      email
      firstName
      balances { rewardBalance pointBalance combinedBalanceDollars }
    }
  }
}
"""
HEADERS_PLACEHOLDER = '{\n  "Authorization": "Bearer <admin token>"\n}'


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(STATIC), autoescape=select_autoescape(["html"]), auto_reload=False
    )


def graphiql_html() -> str:
    return (
        _templates()
        .get_template("graphiql.html")
        .render(
            assets=asset_urls(),
            sample_query=SAMPLE_QUERY,
            headers_placeholder=HEADERS_PLACEHOLDER,
        )
    )


async def monitor_page(_: Request) -> Response:
    html = _templates().get_template("monitor.html").render(assets=asset_urls())
    return HTMLResponse(html)
