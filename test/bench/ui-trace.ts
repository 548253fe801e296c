/**
 * Where the window's main-thread time goes, from a Chromium trace of an idle phase
 * (HR_BENCH_TRACE_DIR with `npm run bench -- ui`): script, style, layout, paint (pre-paint, paint,
 * layerize, commit), garbage collection and the rest, per update.
 *
 * Chromium's Performance.getMetrics (the benchmark's main figure) has script, style and layout
 * counters but none for paint, so "main thread per update minus script minus style and layout" was
 * all one could say about the rest. The trace gives each part: every event on the page's renderer
 * main thread (CrRendererMain) is turned into self time (its duration minus its children's) and
 * summed by kind. The trace is taken in its own phase, after the measured ones, because tracing
 * itself costs main-thread time; the absolute figures are a little inflated, the proportions hold.
 */
import { writeFileSync } from 'node:fs';

/** What the trace needs of a page: commands, page script, and the DevTools events. */
export interface TraceTab {
  send(method: string, params?: object): Promise<Record<string, unknown>>;
  evaluate<T>(expression: string): Promise<T>;
  onEvent(listener: (method: string, params: Record<string, unknown>) => void): () => void;
}

/** One Chromium trace event (the fields used here). */
export interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

/** Main-thread ms per update by kind, and the busiest event names by self time. */
export interface TraceBreakdown {
  updates: number;
  perUpdateMs: Record<'script' | 'style' | 'layout' | 'paint' | 'gc' | 'other' | 'total', number>;
  topSelfMs: [string, number][];
}

const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'v8.execute', 'blink', 'blink.user_timing', 'cc', 'gpu', 'toplevel'].join(',');

/*
 * Event names seen on this Chromium's main thread, by kind. Paint includes pre-paint, layerizing and
 * the commit to the compositor thread (the main thread waits for it: BeginMainFrame::commit, Commit).
 */
function kindOf(name: string): 'script' | 'style' | 'layout' | 'paint' | 'gc' | 'other' {
  if (/GC|Scavenge|MarkCompact|Sweep/.test(name)) return 'gc';
  if (/Style|style|UpdateLayoutTree/.test(name)) return 'style';
  if (/Layout|layout|InlineNode|ShapeText|ResizeObserver|Intersection/.test(name)) return 'layout';
  if (/Paint|Layerize|UpdateLayer|Commit|commit|CompositingInputs|CompositeLayers|DisplayItem|PaintArtifact/.test(name)) return 'paint';
  if (/^(v8|V8)[.:]|^(FunctionCall|EvaluateScript|RunMicrotasks|EventDispatch|TimerFire|FireAnimationFrame|HandlePostMessage|v8|UserTiming::.*|SerializedScriptValueFactory::create)$/.test(name)) return 'script';
  return 'other';
}

/** Self time (µs) per event name on one thread: each event's duration minus that of the events directly inside it. */
function selfTimes(events: TraceEvent[]): Map<string, number> {
  const spans: { name: string; start: number; end: number }[] = [];
  const open: TraceEvent[] = [];
  for (const e of events) {
    if (e.ph === 'X' && e.dur !== undefined) spans.push({ name: e.name, start: e.ts, end: e.ts + e.dur });
    else if (e.ph === 'B') open.push(e);
    else if (e.ph === 'E') {
      const b = open.pop();
      if (b) spans.push({ name: b.name, start: b.ts, end: e.ts });
    }
  }
  // Outer events first when they start together.
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const self = new Map<string, number>();
  const stack: { name: string; end: number; child: number; dur: number }[] = [];
  const close = (until: number) => {
    while (stack.length > 0 && stack[stack.length - 1]!.end <= until) {
      const s = stack.pop()!;
      self.set(s.name, (self.get(s.name) ?? 0) + Math.max(0, s.dur - s.child));
      if (stack.length > 0) stack[stack.length - 1]!.child += s.dur;
    }
  };
  for (const s of spans) {
    close(s.start);
    stack.push({ name: s.name, end: s.end, child: 0, dur: s.end - s.start });
  }
  close(Infinity);
  return self;
}

/** Trace the page for `ms` and break its main thread's time down per update; `file` keeps the raw trace. */
export async function traceBreakdown(tab: TraceTab, ms: number, file?: string): Promise<TraceBreakdown> {
  const events: TraceEvent[] = [];
  let done!: () => void;
  const complete = new Promise<void>((resolve) => (done = resolve));
  const off = tab.onEvent((method, params) => {
    if (method === 'Tracing.dataCollected') events.push(...(params.value as TraceEvent[]));
    else if (method === 'Tracing.tracingComplete') done();
  });
  try {
    const before = await tab.evaluate<number>('window.__bench.updates.length');
    await tab.send('Tracing.start', { categories: CATEGORIES, transferMode: 'ReportEvents' });
    await new Promise((r) => setTimeout(r, ms));
    await tab.send('Tracing.end');
    await complete;
    const updates = (await tab.evaluate<number>('window.__bench.updates.length')) - before;
    if (file) writeFileSync(file, JSON.stringify({ traceEvents: events }));
    return breakdownOf(events, updates);
  } finally {
    off();
  }
}

/** The breakdown of a trace's events (also for a trace saved by traceBreakdown: `{ traceEvents }`). */
export function breakdownOf(events: TraceEvent[], updates: number): TraceBreakdown {
  // The page's renderer main thread: the CrRendererMain with the most traced time.
  const mains = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`);
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (!mains.includes(key)) continue;
    const list = byThread.get(key);
    if (list) list.push(e);
    else byThread.set(key, [e]);
  }
  let best = new Map<string, number>();
  let bestTotal = -1;
  for (const list of byThread.values()) {
    const self = selfTimes(list);
    let total = 0;
    for (const v of self.values()) total += v;
    if (total > bestTotal) [best, bestTotal] = [self, total];
  }
  const per = (us: number) => Math.round((us / 1000 / Math.max(1, updates)) * 100) / 100;
  const sums = { script: 0, style: 0, layout: 0, paint: 0, gc: 0, other: 0, total: 0 };
  for (const [name, us] of best) {
    sums[kindOf(name)] += us;
    sums.total += us;
  }
  const perUpdateMs = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, per(v)])) as TraceBreakdown['perUpdateMs'];
  const topSelfMs = [...best].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([n, us]) => [n, per(us)] as [string, number]);
  return { updates, perUpdateMs, topSelfMs };
}
