/**
 * Summarises a .cpuprofile written by `npm run bench -- --profile DIR`: self time by function and by
 * where the code lives (a package under node_modules, a workspace folder, or node internals).
 * Usage: npx tsx bench/profile-summary.ts DIR/burst.cpuprofile [top=25]   (or a .heapprofile: bytes allocated)
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

interface HeapNode {
  callFrame: ProfileNode['callFrame'];
  selfSize: number;
  children: HeapNode[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: npx tsx bench/profile-summary.ts FILE.cpuprofile|FILE.heapprofile [top]');
  process.exit(64);
}
const top = Number(topArg ?? 25);
const key = ({ functionName, url, lineNumber }: ProfileNode['callFrame']) => `${functionName || '(anonymous)'} ${url.replace(/^.*\/work\/main\//, '')}:${lineNumber + 1}`;
const show = (title: string, m: Map<string, number>, n: number, total: number, unit: [string, number]) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${(v / unit[1]).toFixed(1).padStart(9)} ${unit[0]} ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
};

if (file.endsWith('.heapprofile')) {
  // Sampled allocations still live at the end plus those collected meanwhile: who allocates the most.
  const { head } = JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode };
  const fns = new Map<string, number>();
  const places = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode) => {
    total += node.selfSize;
    fns.set(key(node.callFrame), (fns.get(key(node.callFrame)) ?? 0) + node.selfSize);
    places.set(where(node.callFrame.url), (places.get(where(node.callFrame.url)) ?? 0) + node.selfSize);
    node.children.forEach(walk);
  };
  walk(head);
  console.log(`${file}: ${(total / 1024 / 1024).toFixed(1)} MiB sampled`);
  show('allocation by place', places, 20, total, ['KiB', 1024]);
  show('allocation by function', fns, top, total, ['KiB', 1024]);
  process.exit(0);
}

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const totalUs = profile.endTime - profile.startTime;

function where(url: string): string {
  if (!url) return '(native / vm)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ws = /\/work\/main\/([^/]+(?:\/[^/]+)?)\//.exec(url);
  return ws ? ws[1]! : url;
}

const fns = new Map<string, number>();
const places = new Map<string, number>();
for (const [id, us] of self) {
  const frame = byId.get(id)!.callFrame;
  fns.set(key(frame), (fns.get(key(frame)) ?? 0) + us);
  places.set(where(frame.url), (places.get(where(frame.url)) ?? 0) + us);
}
console.log(`${file}: ${(totalUs / 1000).toFixed(0)} ms profiled`);
show('self time by place', places, 20, totalUs, ['ms', 1000]);
show('self time by function', fns, top, totalUs, ['ms', 1000]);
