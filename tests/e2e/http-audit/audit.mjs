// The graphql-http server audits against a live loyalty-gateway: prints one JSON line per
// audit ({id, name, status, reason}). Usage: node audit.mjs URL TOKEN
import { serverAudits } from 'graphql-http';

const [url, token] = process.argv.slice(2);

// Every operation on the gateway needs a bearer token; the audits know nothing of that.
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  console.log(JSON.stringify({ id: audit.id, name: audit.name, status: result.status, reason: result.reason ?? null }));
}
