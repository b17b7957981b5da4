// optviz page: computes every run from the engine's own functions (translated to JavaScript in
// the script above this one), draws them over the contour map, and keeps its state in the URL.
// All text from the data goes into the document through textContent, never as HTML.

const D = JSON.parse(document.getElementById("optviz-data").textContent);
const STEPS = D.steps;
const T = D.theme;
const $ = (id) => document.getElementById(id);

// ---- numbers ---------------------------------------------------------------------------

function fmtG(v) {
  // Python's format(v, "g"): six significant digits, exponent outside [1e-4, 1e6).
  if (v === 0) return "0";
  if (!Number.isFinite(v)) return String(v);
  const e = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(6)))));
  if (e < -4 || e >= 6) {
    return v.toExponential(5).replace(/\.?0+e/, "e").replace(/e([+-])(\d)$/, "e$10$2");
  }
  const s = v.toPrecision(6);
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

// ---- the runs ----------------------------------------------------------------------------

const S = {
  starts: D.starts.map((p) => p.slice()),
  step: STEPS,
  playing: false,
  speed: 1,
  runs: D.runs.map((r) => ({
    ...r,
    hparams: { ...r.hparams },
    visible: true,
    changed: false,
    path: [],
    loss: [],
    diverged: [],
  })),
};

const [[BX0, BX1], [BY0, BY1]] = D.surface.bounds;
const CENTRE = [(BX0 + BX1) / 2, (BY0 + BY1) / 2];
const REACH = [(D.far * (BX1 - BX0)) / 2, (D.far * (BY1 - BY0)) / 2];
const VG_IN = new Float64Array(2);
const VG_OUT = new Float64Array(3);
const BUFFERS = {};

function buffers(meta) {
  // Scratch arrays for one rule's functions, made once and reused by every run of it.
  if (!BUFFERS[meta.init]) {
    const n = meta.state;
    const k = meta.keys.length;
    BUFFERS[meta.init] = {
      initIn: new Float64Array(2 + k),
      state: new Float64Array(n),
      updateIn: new Float64Array(4 + n + k),
      updateOut: new Float64Array(2 + n),
      queryIn: new Float64Array(2 + n + k),
      queryOut: new Float64Array(2),
    };
  }
  return BUFFERS[meta.init];
}

function simulate(run, k) {
  // One run from start k, as runner._dynamics and runner._hold_still compute it: the loss and
  // gradient at x (at the rule's query point, if it has one), Gaussian noise for sgd, a step
  // marked as divergence when the loss or gradient is not finite or x is more than FAR
  // half-widths from the window's centre, and from that step on the last good point held.
  const meta = D.rules[run.name];
  const f = globalThis;
  const b = buffers(meta);
  const h = meta.keys.map((key) => run.hparams[key]);
  const n = meta.state;
  const path = run.path[k] || (run.path[k] = new Float64Array(2 * (STEPS + 1)));
  const loss = run.loss[k] || (run.loss[k] = new Float64Array(STEPS + 1));
  const noise = run.name === "sgd" && D.noise ? run.hparams.noise : 0;
  const draws = noise ? D.noise[k] : null;
  let x0 = S.starts[k][0];
  let x1 = S.starts[k][1];
  b.initIn[0] = x0;
  b.initIn[1] = x1;
  for (let j = 0; j < h.length; j++) b.initIn[2 + j] = h[j];
  f[meta.init](b.initIn, b.state);
  const uin = b.updateIn;
  for (let j = 0; j < h.length; j++) uin[4 + n + j] = h[j];
  if (meta.query) for (let j = 0; j < h.length; j++) b.queryIn[2 + n + j] = h[j];
  const vg = f.loss_and_grad;
  const update = f[meta.update];
  let diverged = -1;
  for (let t = 0; t <= STEPS; t++) {
    path[2 * t] = x0;
    path[2 * t + 1] = x1;
    VG_IN[0] = x0;
    VG_IN[1] = x1;
    vg(VG_IN, VG_OUT);
    const value = VG_OUT[0];
    let g0 = VG_OUT[1];
    let g1 = VG_OUT[2];
    if (meta.query) {
      b.queryIn[0] = x0;
      b.queryIn[1] = x1;
      for (let j = 0; j < n; j++) b.queryIn[2 + j] = b.state[j];
      f[meta.query](b.queryIn, b.queryOut);
      vg(b.queryOut, VG_OUT);
      g0 = VG_OUT[1];
      g1 = VG_OUT[2];
    }
    if (noise) {
      g0 = g0 + noise * draws[t][0];
      g1 = g1 + noise * draws[t][1];
    }
    loss[t] = value;
    const bad =
      !Number.isFinite(value + g0 + g1) ||
      Math.abs(x0 - CENTRE[0]) > REACH[0] ||
      Math.abs(x1 - CENTRE[1]) > REACH[1];
    if (bad) {
      diverged = t;
      const last = Math.max(t - 1, 0);
      for (let s = t; s <= STEPS; s++) {
        path[2 * s] = path[2 * last];
        path[2 * s + 1] = path[2 * last + 1];
        loss[s] = loss[last];
      }
      break;
    }
    uin[0] = g0;
    uin[1] = g1;
    for (let j = 0; j < n; j++) uin[2 + j] = b.state[j];
    uin[2 + n] = x0;
    uin[3 + n] = x1;
    update(uin, b.updateOut);
    x0 = x0 + b.updateOut[0];
    x1 = x1 + b.updateOut[1];
    for (let j = 0; j < n; j++) b.state[j] = b.updateOut[2 + j];
  }
  run.diverged[k] = diverged;
}

function compute(run) {
  if (run.fixed) return; // shown as optviz computed it, from the scene's own starts
  run.path.length = Math.min(run.path.length, S.starts.length);
  run.loss.length = run.path.length;
  run.diverged.length = S.starts.length;
  for (let k = 0; k < S.starts.length; k++) simulate(run, k);
  lossCurve(run);
}

function fixedPaths(run) {
  // A precomputed run's nested arrays as the flat arrays the drawing reads.
  const raw = D.runs[S.runs.indexOf(run)];
  run.path = raw.path.map((p) => Float64Array.from(p.flat().map((v) => (v === null ? NaN : v))));
  run.loss = raw.loss.map((l) => Float64Array.from(l.map((v) => (v === null ? NaN : v))));
  run.diverged = raw.diverged_at.slice();
  lossCurve(run);
}

function computeAll() {
  for (const run of S.runs) compute(run);
}

// ---- labels, notes and the command -------------------------------------------------------

function label(run) {
  // runner.label: the name, the rates always shown, every other value that is not its default.
  if (!run.changed) return run.label;
  const parts = [run.name];
  for (const [key, def] of Object.entries(run.defaults)) {
    const value = key in run.hparams ? run.hparams[key] : key in run.static ? run.static[key] : def;
    if (value === null || value === undefined) continue;
    if ((D.shown.includes(key)) || value !== def) parts.push(`${key}=${fmtG(value)}`);
  }
  return parts.join(" ");
}

function shortLabel(run) {
  // labels.direct_labels: the optimizer, and the values that differ among its runs.
  if (!run.changed && !S.runs.some((r) => r.changed && r.name === run.name)) return run.short;
  const values = (r) => ({ ...r.static, ...r.hparams });
  const same = S.runs.filter((r) => r.name === run.name).map(values);
  const mine = values(run);
  const varying = run.keys.filter((k) => new Set(same.map((h) => String(h[k]))).size > 1);
  const parts = varying.map((k) => `${D.symbols[k] || k} = ${fmtG(mine[k])}`).join(", ");
  return parts ? `${run.name} ${parts}` : run.name;
}

function note(run, step) {
  const gone = run.diverged.filter((at) => at >= 0 && at <= step);
  if (!gone.length) return "";
  const verb = D.surface.fmin === null ? "ran off downhill" : "diverged";
  if (run.diverged.length === 1) return `${label(run)} ${verb} at step ${gone[0]}`;
  return `${label(run)}: ${gone.length} of ${run.diverged.length} runs ${verb} (first at step ${Math.min(...gone)})`;
}

function specText(run) {
  if (run.fixed) return run.spec;
  const parts = [];
  for (const [key, value] of Object.entries({ ...run.hparams, ...run.static })) {
    if (key === "lr" || value !== run.defaults[key]) parts.push(`${key}=${value}`);
  }
  return parts.length ? `${run.name}:${parts.join(",")}` : run.name;
}

function quote(word) {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`;
}

function command() {
  const words = [D.command.render];
  for (const run of S.runs) if (run.visible) words.push("--opt", quote(specText(run)));
  for (const [x, y] of S.starts) words.push("--start", quote(`${x},${y}`));
  words.push(D.command.options, "-o", D.command.output);
  return words.join(" ");
}

// ---- drawing -----------------------------------------------------------------------------

const [[VX0, VX1], [VY0, VY1]] = D.view.bounds;
const [AX, AY, AW, AH] = D.view.axes;
const [W, H] = D.size;
const map = $("map");
const mapCtx = map.getContext("2d");
const lossCanvas = $("loss");
const lossCtx = lossCanvas.getContext("2d");
const LW = Math.round(W * 0.62);
const FONT = (k) => `${(T.font * k * 100) / 72}px system-ui, "DejaVu Sans", sans-serif`;

function px(x, y) {
  return [AX + ((x - VX0) / (VX1 - VX0)) * AW, AY + ((VY1 - y) / (VY1 - VY0)) * AH];
}

function setupCanvas(canvas, ctx, w, h) {
  const ratio = Math.max(1, window.devicePixelRatio || 1);
  canvas.width = Math.round(w * ratio);
  canvas.height = Math.round(h * ratio);
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
}

function star(ctx, x, y, r, fill, edge) {
  ctx.beginPath();
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const rr = i % 2 ? r * 0.42 : r;
    ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
  }
  ctx.closePath();
  ctx.lineWidth = 3.5;
  ctx.strokeStyle = T.background;
  ctx.stroke();
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.lineWidth = 1;
  ctx.strokeStyle = edge;
  ctx.stroke();
}

function inside(x, y) {
  const padX = 0.01 * (VX1 - VX0);
  const padY = 0.01 * (VY1 - VY0);
  return [Math.min(Math.max(x, VX0 + padX), VX1 - padX), Math.min(Math.max(y, VY0 + padY), VY1 - padY)];
}

function drawMap() {
  const ctx = mapCtx;
  const step = S.step;
  ctx.clearRect(0, 0, W, H);
  ctx.save();
  ctx.beginPath();
  ctx.rect(AX, AY, AW, AH);
  ctx.clip();
  const tail = Math.max(1, Math.round(STEPS / 8));
  const heads = [];
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  for (const run of S.runs) {
    if (!run.visible) continue;
    run.path.forEach((path, k) => {
      const end = Math.min(step, STEPS);
      // A casing of the background under the whole path, then the path, its newest part
      // (the last eighth of the steps) at full strength.
      for (const [from, alpha, colour, width] of [
        [0, 0.5, T.background, T.line + 2],
        [0, 0.7, run.colour, T.line],
        [Math.max(0, end - tail), 1, run.colour, T.line],
      ]) {
        ctx.globalAlpha = alpha;
        ctx.strokeStyle = colour;
        ctx.lineWidth = width;
        ctx.beginPath();
        for (let t = from; t <= end; t++) {
          const [x, y] = px(path[2 * t], path[2 * t + 1]);
          if (t === from) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        }
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
      const at = run.diverged[k];
      heads.push({ run, k, x: path[2 * end], y: path[2 * end + 1], gone: at >= 0 && at <= end });
    });
  }
  const shown = [];
  for (const head of heads) {
    const [x, y] = px(...(head.gone ? inside(head.x, head.y) : [head.x, head.y]));
    if (!head.gone) {
      shown.push({ head, x, y });
      continue;
    }
    const r = T.head * 0.9;
    ctx.lineWidth = T.line * 1.6;
    ctx.strokeStyle = T.background;
    for (const pass of [0, 1]) {
      ctx.beginPath();
      ctx.moveTo(x - r, y - r);
      ctx.lineTo(x + r, y + r);
      ctx.moveTo(x + r, y - r);
      ctx.lineTo(x - r, y + r);
      ctx.stroke();
      ctx.lineWidth = T.line;
      ctx.strokeStyle = head.run.colour;
    }
  }
  drawHeads(ctx, shown, step);
  // Stars last, so that no run ever covers a minimum.
  const r = T.head * 1.0;
  for (const m of D.surface.minima) star(ctx, ...px(...m), r, T.foreground, T.background);
  for (const m of D.surface.local_minima) star(ctx, ...px(...m), r, T.background, T.foreground);
  drawLabels(ctx, heads.filter((hd) => hd.k === 0));
  ctx.restore();
  drawNotes(ctx, step);
}

function gather(points, near) {
  // Groups of heads that meet, as optviz.heads.meetings: the head with the most others
  // closer than `near` gathers them, then the one with the most of those left, and so on.
  const free = points.map(() => true);
  const close = (a, b) => Math.hypot(a.x - b.x, a.y - b.y) < near;
  const groups = [];
  while (free.some((f) => f)) {
    let seed = -1;
    let most = -1;
    points.forEach((p, i) => {
      if (!free[i]) return;
      const n = points.filter((q, j) => free[j] && close(p, q)).length;
      if (n > most) [seed, most] = [i, n];
    });
    const members = points.map((q, j) => j).filter((j) => free[j] && close(points[seed], points[j]));
    members.forEach((j) => (free[j] = false));
    groups.push(members.map((j) => points[j]));
  }
  return groups;
}

function drawHeads(ctx, shown, step) {
  // Heads that meet share one mark cut into a slice per run, each on the side its run came
  // in from, on a halo of the background; within a head of a star (or else of a start), a
  // ring of slices round it (optviz.heads.gather).
  const M = D.marks;
  const stars = [...D.surface.minima, ...D.surface.local_minima].map((m) => px(...m));
  const rings = [[stars, M.star], [S.starts.map((s) => px(...s)), M.start]];
  let free = shown;
  const groups = [];
  for (const [points, hole] of rings) {
    const near = new Map();
    free = free.filter((p) => {
      let best = -1;
      let gap = T.head;
      points.forEach(([x, y], i) => {
        const d = Math.hypot(p.x - x, p.y - y);
        if (d < gap) [best, gap] = [i, d];
      });
      if (best < 0) return true;
      near.set(best, [...(near.get(best) || []), p]);
      return false;
    });
    for (const [i, members] of near) groups.push({ members, centre: points[i], hole });
  }
  for (const members of gather(free, T.head)) groups.push({ members, centre: null, hole: 0 });
  const marks = groups.map(({ members: group, centre, hole }) => {
    let [cx, cy] = centre || [
      group.reduce((a, p) => a + p.x, 0) / group.length,
      group.reduce((a, p) => a + p.y, 0) / group.length,
    ];
    let size = group.length > 1 ? Math.min(1 + M.grow * group.length, M.most) : 1;
    if (hole) {
      size = hole + 2 * M.band;
      hole /= size;
    }
    const reach = (size * T.head) / 2;
    const angles = group.map(({ head }) => {
      // The side it came in from: the last point of its path further out than the mark.
      const path = head.run.path[head.k];
      for (let t = Math.min(step, STEPS); t >= 0; t--) {
        const [x, y] = px(path[2 * t], path[2 * t + 1]);
        if (Math.hypot(x - cx, y - cy) > reach) return Math.atan2(y - cy, x - cx);
      }
      return 0;
    });
    const order = group.map((p, i) => i).sort((a, b) => angles[a] - angles[b]);
    const k = group.length;
    let sx = 0;
    let sy = 0;
    order.forEach((i, n) => {
      const off = angles[i] - (2 * Math.PI * (n + 0.5)) / k;
      sx += Math.sin(off);
      sy += Math.cos(off);
    });
    const first = Math.atan2(sx, sy);
    return { cx, cy, size, hole, slices: order.map((i, n) => [group[i].head, first + (2 * Math.PI * n) / k]) };
  });
  marks.sort((a, b) => b.size - a.size); // a head passing over a mark shows
  for (const { cx, cy, size, hole, slices } of marks) {
    const outer = (size * T.head * 1.1) / 2;
    if (size > 1) {
      ctx.beginPath();
      ctx.arc(cx, cy, ((size + M.halo) * T.head * 1.1) / 2, 0, 2 * Math.PI);
      ctx.fillStyle = T.background;
      ctx.fill();
    }
    for (const [head, a0] of slices) {
      const a1 = a0 + (2 * Math.PI) / slices.length;
      ctx.beginPath();
      if (hole) {
        ctx.arc(cx, cy, outer, a0, a1);
        ctx.arc(cx, cy, outer * hole, a1, a0, true);
      } else if (slices.length > 1) {
        ctx.moveTo(cx, cy);
        ctx.arc(cx, cy, outer, a0, a1);
      } else {
        ctx.arc(cx, cy, outer, 0, 2 * Math.PI);
      }
      ctx.closePath();
      ctx.fillStyle = head.run.colour;
      ctx.strokeStyle = T.background;
      ctx.lineWidth = 1.2;
      ctx.fill();
      ctx.stroke();
    }
  }
  // The start's own ring, over the heads still there.
  ctx.strokeStyle = T.foreground;
  ctx.lineWidth = 1;
  for (const start of S.starts) {
    ctx.beginPath();
    ctx.arc(...px(...start), T.head * 0.68, 0, 2 * Math.PI);
    ctx.stroke();
  }
}

function drawLabels(ctx, heads) {
  // Direct labels next to the heads, pushed apart vertically where they would overlap.
  ctx.font = FONT(0.85);
  ctx.textBaseline = "middle";
  const line = (T.font * 0.85 * 100) / 72 + 3;
  const placed = [];
  for (const head of heads) {
    const text = shortLabel(head.run);
    const [hx, hy] = px(...inside(head.x, head.y));
    const w = ctx.measureText(text).width;
    let x = hx + T.head + 2;
    if (x + w > AX + AW - 2) x = hx - T.head - 2 - w;
    // The nearest free line above or below the head, inside the plot.
    const y0 = Math.min(Math.max(hy, AY + line / 2), AY + AH - line / 2);
    const free = (y) => !placed.some((p) => Math.abs(p.y - y) < line && x < p.x + p.w && p.x < x + w);
    let y = y0;
    for (let k = 1; k < 60 && !free(y); k++) {
      const down = y0 + Math.ceil(k / 2) * line * (k % 2 ? 1 : -1);
      if (down >= AY + line / 2 && down <= AY + AH - line / 2) y = down;
    }
    placed.push({ x, y, w });
    ctx.lineWidth = 3;
    ctx.strokeStyle = T.background;
    ctx.strokeText(text, x, y);
    ctx.fillStyle = head.run.colour;
    ctx.fillText(text, x, y);
  }
}

function drawNotes(ctx, step) {
  const lines = S.runs.filter((r) => r.visible).map((r) => note(r, step)).filter(Boolean);
  if (!lines.length) return;
  ctx.font = FONT(0.85);
  ctx.textBaseline = "bottom";
  const line = (T.font * 0.85 * 100) / 72 + 3;
  const width = Math.max(...lines.map((l) => ctx.measureText(l).width));
  const x = AX + 6;
  let y = AY + AH - 6 - line * (lines.length - 1);
  ctx.globalAlpha = 0.75;
  ctx.fillStyle = T.background;
  ctx.fillRect(x - 3, y - line - 1, width + 6, line * lines.length + 4);
  ctx.globalAlpha = 1;
  ctx.fillStyle = T.foreground;
  for (const l of lines) {
    ctx.fillText(l, x, y);
    y += line;
  }
}

function median(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function lossCurve(run) {
  // LossCurves: the median over starts of f - f* (or f), drawn up to the first divergence.
  // Worked out when a run changes, not on every frame.
  const log = D.surface.fmin !== null;
  const n = run.loss.length;
  const ends = run.diverged.filter((a) => a >= 0);
  const y = new Float64Array(STEPS + 1);
  const values = new Array(n);
  for (let t = 0; t <= STEPS; t++) {
    for (let k = 0; k < n; k++) values[k] = log ? run.loss[k][t] - D.surface.fmin : run.loss[k][t];
    y[t] = n === 1 ? values[0] : median(values);
  }
  run.curve = { y, end: ends.length ? Math.min(...ends) : STEPS + 1 };
}

function drawLoss() {
  const ctx = lossCtx;
  const log = D.surface.fmin !== null;
  const curves = S.runs.filter((r) => r.visible).map((r) => ({ run: r, ...r.curve }));
  ctx.clearRect(0, 0, LW, H);
  const L = 58, R = 12, TOP = 14, B = 40;
  let least = Infinity, most = -Infinity, leastPositive = Infinity;
  for (const c of curves) {
    for (let t = 0; t < Math.min(c.end, STEPS + 1); t++) {
      const v = c.y[t];
      if (!Number.isFinite(v)) continue;
      least = Math.min(least, v);
      most = Math.max(most, v);
      if (v > 0) leastPositive = Math.min(leastPositive, v);
    }
  }
  const any = most >= least;
  let lo, hi;
  const value = (v) => (log ? Math.log10(v) : v);
  if (log) {
    const top = any && most > 0 ? most : 1;
    const floor = Math.max(Number.isFinite(leastPositive) ? leastPositive : top, top * 1e-12);
    lo = Math.log10(floor / 2);
    hi = Math.log10(top * 2);
  } else {
    lo = any ? least : 0;
    hi = any ? most : 1;
    const pad = 0.05 * (hi - lo || 1);
    lo -= pad;
    hi += pad;
  }
  const sx = (t) => L + (t / STEPS) * (LW - L - R);
  const sy = (v) => TOP + ((hi - value(v)) / (hi - lo)) * (H - TOP - B);
  ctx.font = FONT(0.8);
  ctx.fillStyle = T.foreground;
  ctx.strokeStyle = T.muted;
  ctx.lineWidth = 1;
  ctx.strokeRect(L, TOP, LW - L - R, H - TOP - B);
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  const ticks = [];
  if (log) {
    const every = Math.max(1, Math.ceil((hi - lo) / 6));
    for (let e = Math.ceil(lo / every) * every; e <= hi; e += every) ticks.push([e, `1e${e}`]);
  } else {
    for (let i = 0; i <= 4; i++) {
      const v = lo + ((hi - lo) * i) / 4;
      ticks.push([v, fmtG(Number(v.toPrecision(3)))]);
    }
  }
  ctx.globalAlpha = 0.25;
  for (const [v] of ticks) {
    const y = TOP + ((hi - v) / (hi - lo)) * (H - TOP - B);
    ctx.beginPath();
    ctx.moveTo(L, y);
    ctx.lineTo(LW - R, y);
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  for (const [v, text] of ticks) ctx.fillText(text, L - 5, TOP + ((hi - v) / (hi - lo)) * (H - TOP - B));
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (let i = 0; i <= 4; i++) {
    const t = Math.round((STEPS * i) / 4);
    ctx.fillText(String(t), sx(t), H - B + 5);
  }
  ctx.fillText("step", L + (LW - L - R) / 2, H - B + 20);
  ctx.save();
  ctx.translate(12, TOP + (H - TOP - B) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(log ? "f − f*" : "f", 0, -8);
  ctx.restore();
  ctx.save();
  ctx.beginPath();
  ctx.rect(L, TOP, LW - L - R, H - TOP - B);
  ctx.clip();
  const floorValue = log ? Math.pow(10, lo) : -Infinity;
  for (const c of curves) {
    ctx.strokeStyle = c.run.colour;
    ctx.lineWidth = T.line * 0.8;
    ctx.beginPath();
    const end = Math.min(S.step + 1, c.end);
    for (let t = 0; t < end; t++) {
      const y = sy(Math.max(c.y[t], floorValue));
      if (t === 0) ctx.moveTo(sx(t), y);
      else ctx.lineTo(sx(t), y);
    }
    ctx.stroke();
  }
  ctx.strokeStyle = T.muted;
  ctx.beginPath();
  ctx.moveTo(sx(S.step), TOP);
  ctx.lineTo(sx(S.step), H - B);
  ctx.stroke();
  ctx.restore();
}

function draw() {
  drawMap();
  drawLoss();
  $("counter").textContent = `step ${S.step} / ${STEPS}`;
  $("scrub").value = String(S.step);
}

// ---- state in the URL --------------------------------------------------------------------

function hash() {
  const parts = [`t=${S.step}`, `s=${S.starts.map((p) => p.join(",")).join(";")}`];
  S.runs.forEach((run, i) => {
    if (!run.fixed && run.changed) {
      parts.push(`r${i}=${Object.entries(run.hparams).map(([k, v]) => `${k}:${v}`).join(",")}`);
    }
  });
  const hidden = S.runs.map((r, i) => (r.visible ? null : i)).filter((i) => i !== null);
  if (hidden.length) parts.push(`off=${hidden.join(",")}`);
  return parts.join("&");
}

let hashTimer = null;

function sync() {
  // The command at once; the URL at most five times a second (browsers throttle faster
  // history changes, and a drag or playback changes the state on every frame).
  $("command").textContent = command();
  if (hashTimer === null) hashTimer = setTimeout(writeHash, 200);
}

function writeHash() {
  hashTimer = null;
  try {
    history.replaceState(null, "", `#${hash()}`);
  } catch (error) {
    // Some browsers refuse history changes on file:// pages; the state still works here.
  }
}

function number(text) {
  return /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : NaN;
}

function readHash() {
  // The hash is untrusted: only known keys with finite numbers in their sliders' ranges count.
  const fields = new URLSearchParams(location.hash.slice(1));
  const starts = (fields.get("s") || "").split(";").filter(Boolean).map((p) => p.split(",").map(number));
  const most = D.noise ? D.starts.length : 16;
  if (starts.length && starts.length <= most && starts.every((p) => p.length === 2 && p.every(Number.isFinite))) {
    S.starts = starts;
  }
  S.runs.forEach((run, i) => {
    const text = fields.get(`r${i}`);
    if (!text || run.fixed) return;
    for (const item of text.split(",")) {
      const [key, raw] = item.split(":");
      const slider = run.sliders.find((s) => s.key === key);
      const value = number(raw || "");
      if (slider && Number.isFinite(value) && value >= slider.min && value <= slider.max) {
        run.hparams[key] = value;
        run.changed = true;
      }
    }
  });
  for (const i of (fields.get("off") || "").split(",").map(number)) if (S.runs[i]) S.runs[i].visible = false;
  const step = number(fields.get("t") || "");
  if (Number.isInteger(step) && step >= 0 && step <= STEPS) S.step = step;
}

// ---- controls ----------------------------------------------------------------------------

function element(tag, attributes = {}, text = null) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  return node;
}

function sliderValue(slider, position) {
  if (slider.scale === "log") return Number(Math.pow(10, position).toPrecision(3));
  return Number(Number(position).toPrecision(6));
}

function changed(run) {
  run.changed = true;
  compute(run);
  draw();
  run.nameNode.textContent = label(run);
  sync();
}

function buildControls() {
  const box = $("runs");
  S.runs.forEach((run, i) => {
    const div = element("div", { class: "run", id: `run-${i}` });
    div.style.borderColor = run.colour;
    const head = element("div", { class: "run-head" });
    const check = element("input", { type: "checkbox", id: `show-${i}` });
    check.checked = run.visible;
    check.addEventListener("change", () => {
      run.visible = check.checked;
      draw();
      sync();
    });
    run.nameNode = element("label", { for: `show-${i}` }, label(run));
    run.nameNode.style.color = run.colour;
    head.append(check, run.nameNode);
    div.append(head);
    if (run.fixed) div.append(element("div", { class: "run-note muted" }, run.fixed));
    for (const slider of run.sliders) {
      const row = element("div", { class: "slider" });
      const log = slider.scale === "log";
      const value = run.hparams[slider.key] ?? run.static[slider.key];
      const input = element("input", {
        type: "range",
        id: `slider-${i}-${slider.key}`,
        "aria-label": `${run.name} ${slider.key}`,
        min: String(log ? Math.log10(slider.min) : slider.min),
        max: String(log ? Math.log10(slider.max) : slider.max),
        step: log ? "0.01" : slider.max < 1 ? "0.0001" : "0.01",
      });
      input.value = String(log ? Math.log10(value) : value);
      const out = element("output", {}, fmtG(value));
      input.disabled = Boolean(run.fixed);
      input.addEventListener("input", () => {
        const v = sliderValue(slider, Number(input.value));
        run.hparams[slider.key] = v;
        out.textContent = fmtG(v);
        changed(run);
      });
      row.append(element("span", {}, D.symbols[slider.key] || slider.key), input, out);
      div.append(row);
    }
    box.append(div);
  });
  const notes = [];
  if (S.runs.some((r) => r.name === "sgd" && !r.fixed)) {
    notes.push(
      `sgd adds noise·N(0, I) to each gradient; the draws are optviz's own for seed ${D.seed} ` +
        "(a counter-based hash of seed, start and step, as in optviz.noise), so the page and " +
        "the command give the same path."
    );
  }
  notes.push("Paths are computed here, in double precision, from the same definitions as optviz.run.");
  $("notes").textContent = notes.join(" ");
}

function roundTo(value, span) {
  const digits = Math.max(0, 3 - Math.floor(Math.log10(span)));
  return Number(value.toFixed(digits));
}

function startAt(event) {
  const rect = map.getBoundingClientRect();
  const px_ = ((event.clientX - rect.left) / rect.width) * W;
  const py_ = ((event.clientY - rect.top) / rect.height) * H;
  const x = VX0 + ((px_ - AX) / AW) * (VX1 - VX0);
  const y = VY1 - ((py_ - AY) / AH) * (VY1 - VY0);
  if (x < VX0 || x > VX1 || y < VY0 || y > VY1) return;
  setStarts([[roundTo(x, VX1 - VX0), roundTo(y, VY1 - VY0)]]);
  S.step = 0;
  play(true);
}

function setStarts(starts) {
  S.starts = starts;
  computeAll();
  draw();
  sync();
}

let lastTime = null;
let carry = 0;

function tick(time) {
  if (!S.playing) return;
  if (lastTime !== null) {
    carry += (((time - lastTime) / 1000) * STEPS * S.speed) / D.play_seconds;
    const whole = Math.floor(carry);
    carry -= whole;
    S.step = Math.min(STEPS, S.step + whole);
    draw();
    if (whole) sync();
    if (S.step >= STEPS) {
      play(false);
      return;
    }
  }
  lastTime = time;
  requestAnimationFrame(tick);
}

function play(on) {
  S.playing = on;
  $("play").textContent = on ? "Pause" : "Play";
  lastTime = null;
  carry = 0;
  if (on) {
    if (S.step >= STEPS) S.step = 0;
    requestAnimationFrame(tick);
  }
}

function moveTo(step) {
  if (S.playing) play(false);
  S.step = Math.min(Math.max(step, 0), STEPS);
  draw();
  sync();
}

function wire() {
  $("play").addEventListener("click", () => play(!S.playing));
  const scrub = $("scrub");
  scrub.max = String(STEPS);
  scrub.addEventListener("input", () => moveTo(Number(scrub.value)));
  $("speed").addEventListener("change", (e) => {
    S.speed = Number(e.target.value);
  });
  map.addEventListener("click", startAt);
  $("copy").addEventListener("click", () => {
    if (navigator.clipboard) navigator.clipboard.writeText(command()).catch(() => {});
  });
  document.addEventListener("keydown", (event) => {
    const tag = event.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
    if (event.key === " ") {
      event.preventDefault();
      play(!S.playing);
    } else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      const by = (event.shiftKey ? 10 : 1) * (event.key === "ArrowRight" ? 1 : -1);
      moveTo(S.step + by);
    }
  });
}

function start() {
  document.documentElement.style.setProperty("--bg", T.background);
  document.documentElement.style.setProperty("--fg", T.foreground);
  document.documentElement.style.setProperty("--muted", T.muted);
  document.title = `${D.title} · optviz`;
  $("title").textContent = D.title;
  $("formula").textContent = D.surface.name === "formula" ? "" : `f = ${D.surface.formula}`;
  const image = $("contours");
  image.src = D.view.image;
  image.width = W;
  image.height = H;
  map.style.aspectRatio = `${W} / ${H}`;
  lossCanvas.style.width = `${LW}px`;
  lossCanvas.style.aspectRatio = `${LW} / ${H}`;
  setupCanvas(map, mapCtx, W, H);
  setupCanvas(lossCanvas, lossCtx, LW, H);
  for (const run of S.runs) if (run.fixed) fixedPaths(run);
  readHash();
  buildControls();
  wire();
  computeAll();
  draw();
  sync();
}

// What tests and benchmarks read and drive: the same functions the controls call.
window.optviz = {
  data: D,
  state: S,
  set(i, hparams) {
    Object.assign(S.runs[i].hparams, hparams);
    changed(S.runs[i]);
  },
  setStarts,
  moveTo,
  toCanvas: px,
  runs() {
    return S.runs.map((run) => ({
      name: run.name,
      label: label(run),
      hparams: { ...run.hparams },
      fixed: run.fixed,
      diverged_at: Array.from(run.diverged),
      path: run.path.map((p) => Array.from(p)),
      loss: run.loss.map((l) => Array.from(l, (v) => (Number.isFinite(v) ? v : null))),
    }));
  },
  command,
};

start();
