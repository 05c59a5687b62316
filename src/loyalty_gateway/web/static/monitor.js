// The reaction monitor: subscribes to reactionLog over graphql-transport-ws and shows each run
// with its steps as they happen. Filters go to the server as subscription variables.
"use strict";

const SUBSCRIPTION = `subscription Monitor($reactionId: ID, $profileId: ID) {
  reactionLog(reactionId: $reactionId, profileId: $profileId) {
    id kind runId reactionId reactionName trigger eventId profileId resumed
    sortOrder action status message at
  }
}`;

const runs = document.getElementById("runs");
const state = document.getElementById("state");
let client = null;
let unsubscribe = null;

function setState(name, text) {
  state.dataset.state = name;
  state.textContent = text;
}

function element(tag, attributes, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value !== null && value !== undefined) node.setAttribute(key, value);
  }
  if (text !== undefined) node.textContent = text;
  return node;
}

function runCard(entry) {
  let card = document.querySelector(`.run[data-run-id="${CSS.escape(entry.runId)}"]`);
  if (card) return card;
  card = element("section", { class: "run", "data-run-id": entry.runId });
  const title = element("h2", {}, `${entry.reactionName} `);
  title.append(element("span", { class: "status run-status", "data-status": "RUNNING" }, "RUNNING"));
  card.append(
    title,
    element("div", { class: "meta" },
      `${entry.trigger} · event ${entry.eventId} · profile ${entry.profileId || "-"} · run ${entry.runId}`),
    element("ol", { class: "steps" }),
  );
  runs.prepend(card);
  return card;
}

function show(entry) {
  const card = runCard(entry);
  if (entry.kind === "STEP") {
    const step = element("li", {
      class: "step",
      "data-sort-order": entry.sortOrder,
      "data-action": entry.action,
      "data-status": entry.status,
    }, `${entry.action} `);
    step.append(element("span", { class: "status", "data-status": entry.status }, entry.status));
    if (entry.message) step.append(element("span", { class: "message" }, ` ${entry.message}`));
    card.querySelector("ol.steps").append(step);
  } else if (entry.kind === "RUN_FINISHED") {
    const status = card.querySelector(".run-status");
    status.dataset.status = entry.status;
    status.textContent = entry.status;
    card.dataset.finished = "true";
  } else if (entry.kind === "RUN_STARTED" && entry.resumed) {
    // Taken up again: running once more; the failed step it retries comes as a new STEP.
    const status = card.querySelector(".run-status");
    status.dataset.status = "RUNNING";
    status.textContent = "RUNNING (resumed)";
    delete card.dataset.finished;
  }
}

// graphql-ws reports an error as an Error, a CloseEvent, or the list of GraphQL errors of an
// `error` frame (a missing scope, say).
function describe(error) {
  if (Array.isArray(error)) return error.map((each) => each.message).join("; ");
  if (error && error.message) return error.message;
  if (error && error.code) return `closed (${error.code}) ${error.reason || ""}`;
  return String(error);
}

function watch(token, reactionId, profileId) {
  if (unsubscribe) unsubscribe();
  if (client) client.dispose();
  runs.replaceChildren();
  const url = window.location.origin.replace(/^http/, "ws") + "/graphql";
  client = graphqlWs.createClient({
    url,
    connectionParams: { Authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: 0,
    on: {
      connected: () => setState("open", "watching"),
      closed: (event) => setState("error", `closed (${event.code || "?"}) ${event.reason || ""}`),
    },
  });
  unsubscribe = client.subscribe(
    { query: SUBSCRIPTION, variables: { reactionId: reactionId || null, profileId: profileId || null } },
    {
      next: (result) => {
        if (result.errors) setState("error", result.errors[0].message);
        else show(result.data.reactionLog);
      },
      error: (error) => setState("error", describe(error)),
      complete: () => {},
    },
  );
}

document.getElementById("connect").addEventListener("submit", (event) => {
  event.preventDefault();
  const token = document.getElementById("token").value.trim();
  sessionStorage.setItem("loyalty-monitor-token", token);
  watch(token, document.getElementById("reaction").value.trim(), document.getElementById("profile").value.trim());
});

document.getElementById("token").value = sessionStorage.getItem("loyalty-monitor-token") || "";
