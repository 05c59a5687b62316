// Apollo Client 4 end to end against a live loyalty-gateway: an HttpLink + GraphQLWsLink split
// client reads a profile's balances, redeems, reads the normalised cache after the mutation,
// subscribes to reactionLog, triggers the reaction and receives its entries, and a customer
// token reads `me`, automatic persisted queries send hashes, and after each mutation that
// changes balances the cached profile's balances equal a fresh read, and relayStylePagination
// merges pages without a repeat while rows arrive between them. Input comes from the environment; it prints one JSON line of what it saw
// and exits non-zero on the first broken expectation.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql, split } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition, relayStylePagination } from "@apollo/client/utilities";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const { GATEWAY_URL, ADMIN_TOKEN, PROFILE_ID, REACTION_ID, TRIGGER, DEFINITION_ID, BENEFIT_HANDLE } =
  process.env;
const required = { GATEWAY_URL, ADMIN_TOKEN, PROFILE_ID, REACTION_ID, TRIGGER, DEFINITION_ID, BENEFIT_HANDLE };
for (const [name, value] of Object.entries(required)) {
  assert.ok(value, `${name} is required`);
}

function client(token) {
  const http = new HttpLink({ uri: GATEWAY_URL, headers: { Authorization: `Bearer ${token}` } });
  const wsClient = createClient({
    url: GATEWAY_URL.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${token}` },
  });
  const link = split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === "OperationDefinition" && definition.operation === "subscription";
    },
    new GraphQLWsLink(wsClient),
    http,
  );
  return { apollo: new ApolloClient({ link, cache: new InMemoryCache() }), wsClient };
}

const PROFILE_BALANCES = gql`
  query ProfileBalances($id: ID!) {
    profile(id: $id) { id email balances { rewardBalance combinedBalanceDollars } }
  }
`;
const REDEEM = gql`
  mutation Redeem($input: RedeemInput!) {
    redeem(input: $input) {
      redemption { id total profile { id balances { rewardBalance combinedBalanceDollars } } }
      errors { code message }
    }
  }
`;
const REACTION_LOG = gql`
  subscription Log($reactionId: ID) {
    reactionLog(reactionId: $reactionId) { id kind runId reactionId profileId action status }
  }
`;
const EMIT = gql`
  mutation Emit($input: EmitEventInput!) { emitEvent(input: $input) { errors { code } } }
`;
const CUSTOMER_TOKEN = gql`
  mutation CustomerToken($input: CreateCustomerTokenInput!) {
    createCustomerToken(input: $input) { token errors { code } }
  }
`;
const ME = gql`
  query Me { me { id balances { rewardBalance } } }
`;

function withTimeout(promise, ms, what) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)),
  ]);
}

const started = Date.now();
const seen = {};
const admin = client(ADMIN_TOKEN);
try {
  const first = await admin.apollo.query({ query: PROFILE_BALANCES, variables: { id: PROFILE_ID } });
  assert.equal(first.data.profile.id, PROFILE_ID);
  seen.before = first.data.profile.balances.rewardBalance;
  assert.equal(seen.before, "10.00");

  const redeemed = await admin.apollo.mutate({
    mutation: REDEEM,
    variables: { input: { profileId: PROFILE_ID, amount: "2.50" } },
  });
  assert.deepEqual(redeemed.data.redeem.errors, []);
  assert.equal(redeemed.data.redeem.redemption.total, "2.50");

  // The mutation returned Profile:<id> with its balances; the cached query now shows them.
  const cached = admin.apollo.readQuery({ query: PROFILE_BALANCES, variables: { id: PROFILE_ID } });
  seen.cachedAfter = cached.profile.balances.rewardBalance;
  assert.equal(seen.cachedAfter, "7.50");
  const normalised = admin.apollo.cache.extract();
  assert.ok(normalised[`Profile:${PROFILE_ID}`], "Profile is normalised by id");
  assert.ok(normalised[`Redemption:${redeemed.data.redeem.redemption.id}`]);

  const entries = [];
  const finished = new Promise((resolve, reject) => {
    const subscription = admin.apollo
      .subscribe({ query: REACTION_LOG, variables: { reactionId: REACTION_ID } })
      .subscribe({
        next: ({ data, error }) => {
          if (error) return reject(error);
          entries.push(data.reactionLog);
          if (data.reactionLog.kind === "RUN_FINISHED") {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
  });
  // graphql-ws acknowledges the subscription asynchronously; give it a moment to register.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const emitted = await admin.apollo.mutate({
    mutation: EMIT,
    variables: { input: { event: TRIGGER, profileId: PROFILE_ID, data: { score: 9 } } },
  });
  assert.deepEqual(emitted.data.emitEvent.errors, []);
  await withTimeout(finished, 10_000, "reactionLog");
  seen.logKinds = entries.map((entry) => entry.kind);
  assert.equal(seen.logKinds[0], "RUN_STARTED");
  assert.equal(seen.logKinds.at(-1), "RUN_FINISHED");
  assert.ok(seen.logKinds.includes("STEP"));
  assert.ok(entries.every((entry) => entry.reactionId === REACTION_ID && entry.profileId === PROFILE_ID));
  assert.equal(entries.at(-1).status, "COMPLETED");

  const issued = await admin.apollo.mutate({
    mutation: CUSTOMER_TOKEN,
    variables: { input: { profileId: PROFILE_ID, ttlSeconds: 600 } },
  });
  assert.deepEqual(issued.data.createCustomerToken.errors, []);
  const customer = client(issued.data.createCustomerToken.token);
  try {
    const me = await customer.apollo.query({ query: ME });
    assert.equal(me.data.me.id, PROFILE_ID);
    seen.me = me.data.me.balances.rewardBalance;
    assert.equal(seen.me, "7.50");
    const refused = await customer.apollo.query({
      query: PROFILE_BALANCES,
      variables: { id: PROFILE_ID },
      errorPolicy: "all",
    });
    seen.customerOnProfile = refused.error?.errors?.[0]?.extensions?.code ?? null;
    assert.equal(seen.customerOnProfile, "FORBIDDEN");
  } finally {
    await customer.wsClient.dispose();
  }
  seen.ms = Date.now() - started;

  // Automatic persisted queries: the first request sends the hash alone, is told
  // PERSISTED_QUERY_NOT_FOUND, and resends with the text; a fresh client then needs only the hash.
  const sent = [];
  const persistedClient = () =>
    new ApolloClient({
      cache: new InMemoryCache(),
      link: new PersistedQueryLink({
        sha256: (text) => createHash("sha256").update(text).digest("hex"),
      }).concat(
        new HttpLink({
          uri: GATEWAY_URL,
          headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
          fetch: (uri, options) => {
            sent.push(JSON.parse(options.body));
            return fetch(uri, options);
          },
        }),
      ),
    });
  for (const apq of [persistedClient(), persistedClient()]) {
    const answer = await apq.query({ query: PROFILE_BALANCES, variables: { id: PROFILE_ID } });
    assert.equal(answer.data.profile.balances.rewardBalance, "7.50");
  }
  seen.persisted = sent.map((body) => (body.query ? "text+hash" : "hash"));
  assert.deepEqual(seen.persisted, ["hash", "text+hash", "hash"]);

  // Balances carry an id (Balances:<profile id>): a payload's `balances` and the profile's are
  // one cache entry, so the cached profile is never stale after a mutation that changes them.
  const BALANCES = "balances { id rewardBalance pointBalance pointBalanceDollars combinedBalanceDollars benefitBalance }";
  const PROFILE_WITH_BALANCES = gql`query ProfileWithBalances($id: ID!) { profile(id: $id) { id ${BALANCES} } }`;
  const changes = {
    redeem: [gql`mutation R($input: RedeemInput!) { redeem(input: $input) { redemption { id } ${BALANCES} errors { code } } }`,
      () => ({ profileId: PROFILE_ID, amount: "1.00" })],
    reverseRedemption: [gql`mutation V($input: ReverseRedemptionInput!) { reverseRedemption(input: $input) { redemption { id } ${BALANCES} errors { code } } }`,
      (last) => ({ redemptionId: last.redeem.redemption.id })],
    returnRedemption: [gql`mutation T($input: ReturnRedemptionInput!) { returnRedemption(input: $input) { redemption { id } ${BALANCES} errors { code } } }`,
      async () => {
        const taken = await admin.apollo.mutate({ mutation: changes.redeem[0], variables: { input: { profileId: PROFILE_ID, amount: "2.00" } } });
        return { redemptionId: taken.data.redeem.redemption.id, amount: "0.50" };
      }],
    awardPoints: [gql`mutation A($input: AwardPointsInput!) { awardPoints(input: $input) { pointLot { id } ${BALANCES} errors { code } } }`,
      () => ({ profileId: PROFILE_ID, points: 250, timezone: "UTC" })],
    issueReward: [gql`mutation I($input: IssueRewardInput!) { issueReward(input: $input) { reward { id } ${BALANCES} errors { code } } }`,
      () => ({ profileId: PROFILE_ID, rewardDefinitionId: DEFINITION_ID, timezone: "UTC" })],
    claimBenefit: [gql`mutation C($input: ClaimBenefitInput!) { claimBenefit(input: $input) { benefit { id } ${BALANCES} errors { code } } }`,
      () => ({ profileId: PROFILE_ID, definitionHandle: BENEFIT_HANDLE, timezone: "UTC" })],
  };
  const shown = [];
  const cache = client(ADMIN_TOKEN);
  try {
    await cache.apollo.query({ query: PROFILE_WITH_BALANCES, variables: { id: PROFILE_ID } });
    const results = {};
    for (const [name, [mutation, input]] of Object.entries(changes)) {
      const done = await cache.apollo.mutate({ mutation, variables: { input: await input(results) } });
      assert.deepEqual(done.data[name].errors, [], name);
      results[name] = done.data[name];
      const cached = cache.apollo.readQuery({ query: PROFILE_WITH_BALANCES, variables: { id: PROFILE_ID } });
      const fresh = await cache.apollo.query({
        query: PROFILE_WITH_BALANCES, variables: { id: PROFILE_ID }, fetchPolicy: "network-only",
      });
      assert.deepEqual(cached.profile.balances, fresh.data.profile.balances, `cache after ${name}`);
      shown.push(JSON.stringify(fresh.data.profile.balances));
    }
  } finally {
    await cache.wsClient.dispose();
  }
  seen.cacheChecked = Object.keys(changes);
  seen.distinctBalances = new Set(shown).size;

  // Keyset cursors: a redeem between two pages of the newest-first list neither repeats a row
  // nor skips one in what relayStylePagination merges.
  const PAGES = gql`query Pages($id: ID!, $first: Int, $after: String) {
    profile(id: $id) { id redemptions(first: $first, after: $after) {
      edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }`;
  const paged = new ApolloClient({
    link: new HttpLink({ uri: GATEWAY_URL, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }),
    cache: new InMemoryCache({
      typePolicies: { Profile: { fields: { redemptions: relayStylePagination() } } },
    }),
  });
  const whole = await paged.query({ query: PAGES, variables: { id: PROFILE_ID, first: 100 }, fetchPolicy: "no-cache" });
  const before = whole.data.profile.redemptions.edges.map((edge) => edge.node.id);
  assert.ok(before.length >= 4, "enough redemptions to page through");
  const watched = paged.watchQuery({ query: PAGES, variables: { id: PROFILE_ID, first: 2 } });
  const pages = [];
  const subscription = watched.subscribe({ next: ({ data }) => data && pages.push(data) });
  const firstPage = await watched.refetch();
  const endCursor = firstPage.data.profile.redemptions.pageInfo.endCursor;
  const between = await admin.apollo.mutate({ mutation: REDEEM, variables: { input: { profileId: PROFILE_ID, amount: "0.01" } } });
  assert.deepEqual(between.data.redeem.errors, []);
  await watched.fetchMore({ variables: { after: endCursor } });
  const merged = paged.readQuery({ query: PAGES, variables: { id: PROFILE_ID, first: 2 } });
  subscription.unsubscribe();
  seen.merged = merged.profile.redemptions.edges.map((edge) => edge.node.id);
  assert.deepEqual(seen.merged, before.slice(0, 4));
  console.log(JSON.stringify({ ok: true, ...seen }));
} finally {
  await admin.wsClient.dispose();
}
// Node's fetch keeps idle keep-alive sockets to the server open for a while; do not wait.
process.exit(0);
