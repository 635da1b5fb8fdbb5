// What-if panel of the speclat HTML report (src/report/html.rs embeds this file).
//
// Recomputes the closed-form latency model from the coefficients embedded as JSON in the page.
// Each formula repeats the Rust code's operations in the same order, because a different order
// of the same arithmetic rounds differently and the page must agree with `speclat predict`.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("model-data").textContent);
  const field = (id) => document.getElementById(id);

  // E(alpha, k) = 1 + alpha + ... + alpha^k by Horner's rule, exact at alpha = 1.
  function expectedTokens(alpha, k) {
    if (alpha === 1) return k + 1;
    let sum = 1;
    for (let i = 0; i < k; i++) sum = 1 + alpha * sum;
    return sum;
  }

  // C1, C2 and the stage costs of one configuration, or null when the model cannot predict it.
  function costs(k, alpha, outputTokens) {
    if (k === 0) alpha = 1;
    const e = expectedTokens(alpha, k);
    if (data.coefficients) {
      const c = data.coefficients;
      const cycles = outputTokens / e;
      const cycleC1 = c.c1_verify + k * c.c1_draft;
      const cycleC2 = c.c2_verify + k * c.c2_draft;
      return { c1: c.c1_prefill + cycles * cycleC1, c2: c.c2_prefill + cycles * cycleC2, stages: c, k: k, e: e };
    }
    const s = data.series.find((s) => s.k === k && (k === 0 || Math.abs(s.alpha - alpha) < 1e-9));
    if (!s) return null;
    const stages = { c1_prefill: s.c1_s, c1_verify: 0, c1_draft: 0, c2_prefill: s.c2_s, c2_verify: 0, c2_draft: 0 };
    return { c1: s.c1_s, c2: s.c2_s, stages: stages, k: k, e: e };
  }

  function latencyAtRate(cost, rate) {
    const headroom = 1 - rate * cost.c2;
    return headroom > 0 ? cost.c1 / headroom : null;
  }

  // Solves E(alpha, k) = target for alpha by bisection; E rises with alpha.
  function alphaForAcceptanceLength(target, k) {
    if (k < 1 || !(target > 1) || target > k + 1) return null;
    let lower = 0, upper = 1;
    for (let i = 0; i < 200; i++) {
      const middle = (lower + upper) / 2;
      if (expectedTokens(middle, k) < target) lower = middle; else upper = middle;
    }
    return (lower + upper) / 2;
  }

  function significant(value, digits) {
    if (value === null || !isFinite(value)) return value === Infinity ? "inf" : "saturated";
    if (value === 0) return "0";
    return Number(value.toPrecision(digits)).toString();
  }

  function show(id, value, scale, digits) {
    const out = field("out-" + id);
    if (value === null) {
      out.setAttribute("data-value", "saturated");
      out.textContent = "saturated";
      return;
    }
    out.setAttribute("data-value", String(value));
    out.textContent = significant(value * scale, digits);
  }

  function readInputs() {
    const k = Math.round(Number(field("in-k").value));
    let alpha = Number(field("in-alpha").value);
    const rate = Number(field("in-rate").value);
    const outputTokens = Number(field("in-output").value);
    return { k: k, alpha: alpha, rate: rate, outputTokens: outputTokens };
  }

  function update() {
    const input = readInputs();
    const warning = [];
    if (!(input.k >= 0 && input.k <= 1024)) warning.push("k must be a whole number from 0 to 1024.");
    if (input.k > 0 && !(input.alpha > 0 && input.alpha <= 1)) warning.push("alpha must lie in (0, 1].");
    if (!(input.rate >= 0)) warning.push("the rate must be 0 or more requests per second.");
    if (!(input.outputTokens > 0)) warning.push("output tokens must be above 0.");
    const cost = warning.length ? null : costs(input.k, input.alpha, input.outputTokens);
    if (!warning.length && !cost) warning.push("this per-series model predicts only the measured configurations.");
    if (!cost) {
      for (const id of ["latency", "ttft", "itl", "concurrency", "speedup", "saturation", "c1", "c2", "expected"]) {
        field("out-" + id).setAttribute("data-value", "");
        field("out-" + id).textContent = "-";
      }
      field("whatif-warning").textContent = warning.join(" ");
      return;
    }

    const latency = latencyAtRate(cost, input.rate);
    const concurrency = latency === null ? null : input.rate * latency;
    const c = cost.stages;
    const ttft = concurrency === null ? null : c.c1_prefill + concurrency * c.c2_prefill;
    const itl = concurrency === null ? null
      : (c.c1_verify + cost.k * c.c1_draft + concurrency * (c.c2_verify + cost.k * c.c2_draft)) / cost.e;
    const baseline = costs(0, 1, input.outputTokens);
    const baselineLatency = baseline ? latencyAtRate(baseline, input.rate) : null;
    const speedup = latency === null || baselineLatency === null ? null : baselineLatency / latency;
    const saturation = cost.c2 > 0 ? 1 / cost.c2 : Infinity;

    show("latency", latency, 1, 4);
    show("ttft", ttft, 1, 4);
    show("itl", itl, 1000, 4);
    show("concurrency", concurrency, 1, 4);
    show("speedup", speedup, 1, 4);
    show("saturation", saturation, 1, 4);
    show("c1", cost.c1, 1, 4);
    show("c2", cost.c2, 1, 4);
    show("expected", cost.e, 1, 4);
    if (latency === null) warning.push("the rate is at or past saturation: no finite mean latency exists there.");
    if (baseline && baselineLatency === null && latency !== null) warning.push("plain decoding is saturated at this rate, so there is no speedup to compare.");
    const ks = data.series.map((s) => s.k);
    if (ks.length && (input.k < Math.min(...ks) || input.k > Math.max(...ks))) warning.push("k lies outside the measured draft lengths: the prediction extrapolates.");
    field("whatif-warning").textContent = warning.join(" ");
    const fragment = "k=" + input.k + "&alpha=" + input.alpha + "&rate=" + input.rate + "&output_tokens=" + input.outputTokens;
    if (window.history && window.history.replaceState && location.protocol !== "about:") {
      try { window.history.replaceState(null, "", "#" + fragment); } catch (e) { /* file:// pages may refuse; the inputs still work */ }
    }
  }

  function readFragment() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const set = (key, id) => { if (params.has(key)) field(id).value = params.get(key); };
    set("k", "in-k");
    set("alpha", "in-alpha");
    set("rate", "in-rate");
    set("output_tokens", "in-output");
    if (params.has("acceptance_length")) {
      field("in-acceptance").value = params.get("acceptance_length");
      applyAcceptanceLength();
    }
  }

  function applyAcceptanceLength() {
    const k = Math.round(Number(field("in-k").value));
    const alpha = alphaForAcceptanceLength(Number(field("in-acceptance").value), k);
    if (alpha !== null) field("in-alpha").value = String(alpha);
  }

  field("in-acceptance").addEventListener("input", () => { applyAcceptanceLength(); update(); });
  for (const id of ["in-k", "in-alpha", "in-rate", "in-output"]) {
    field(id).addEventListener("input", () => {
      if (id === "in-alpha") field("in-acceptance").value = "";
      update();
    });
  }
  window.addEventListener("hashchange", () => { readFragment(); update(); });
  readFragment();
  update();
})();
