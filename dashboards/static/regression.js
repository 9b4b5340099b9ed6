// Triage buttons of a regression page: PATCH the new state with the write token the person pasted.
"use strict";

const TOKEN_KEY = "benchsvc-write-token";

function triage() {
  const section = document.getElementById("triage");
  if (!section) return;
  const token = document.getElementById("token");
  const comment = document.getElementById("comment");
  const message = document.getElementById("triage-message");
  token.value = window.localStorage.getItem(TOKEN_KEY) || "";
  for (const button of section.querySelectorAll("button.set-state")) {
    button.addEventListener("click", async () => {
      if (!token.value.trim()) {
        message.textContent = "Paste a write token first (benchsvc token create --name YOUR-NAME --scope write).";
        return;
      }
      window.localStorage.setItem(TOKEN_KEY, token.value.trim());
      message.textContent = "saving…";
      const body = { state: button.dataset.state };
      if (comment.value.trim()) body.comment = comment.value.trim();
      const response = await fetch(`/api/v1/regressions/${section.dataset.regression}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token.value.trim()}` },
        body: JSON.stringify(body),
      });
      if (response.ok) {
        window.location.reload();
        return;
      }
      const answer = await response.json().catch(() => ({}));
      message.textContent = `not changed (${response.status}): ${answer.detail || answer.message || response.statusText}`;
    });
  }
}

triage();
